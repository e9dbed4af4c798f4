// Compile test: both public headers are valid C++17 and C++20 on their own (-Werror), and the
// helper builds a constant entry for an authenticator, an installer and a class that is both.
#include <certbot/plugin.hpp>

namespace {
using namespace certbot::plugin;

struct A : Authenticator {
    explicit A(Host) {}
    std::vector<std::string> chall_pref(const std::string&) override { return {"http-01"}; }
    void perform(const std::vector<Challenge>&) override {}
    void cleanup(const std::vector<Challenge>&) override {}
};
struct I : Installer {
    explicit I(Host) {}
    std::vector<std::string> get_all_names() override { return {}; }
    void deploy_cert(const std::string&, const std::string&, const std::string&, const std::string&,
                     const std::string&) override {}
    void enhance(const std::string&, const std::string&, const std::string&) override {}
    std::vector<std::string> supported_enhancements() override { return {}; }
    void save(const std::string&, bool) override {}
    void rollback_checkpoints(int) override {}
    void recovery_routine() override {}
    void config_test() override {}
    void restart() override {}
};
struct Both : A, I {
    explicit Both(Host h) : A(h), I(h) {}
};

const char* const kTypes[] = {"http-01", nullptr};
const cb_option_desc kOpts[] = {{sizeof(cb_option_desc), "x", nullptr, "X", "x", nullptr, 0}};
constexpr cb_plugin kA = entry<A>("a", "a", "1", kTypes, kOpts);
constexpr cb_plugin kI = entry<I>("i", "i", "1", kTypes, kOpts);
constexpr cb_plugin kB = entry<Both>("b", "b", "1", kTypes, kOpts);
static_assert(kA.kinds == CB_KIND_AUTHENTICATOR && kA.installer == nullptr, "auth only");
static_assert(kI.kinds == CB_KIND_INSTALLER && kI.authenticator == nullptr, "installer only");
static_assert(kB.kinds == (CB_KIND_AUTHENTICATOR | CB_KIND_INSTALLER), "both");
}  // namespace

const cb_plugin* certbot_header_test_entries[] = {&kA, &kI, &kB};
