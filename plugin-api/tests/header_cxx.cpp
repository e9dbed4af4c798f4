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
const char* const kModes[] = {"fast", "slow", nullptr};
constexpr cb_option_desc kOpts[] = {
    with_metavar(option("x", "x"), "X"),
    required(int_option("n", "n", "3", 1, 9)),
    choice_option("mode", "m", kModes, "fast"),
    with_alias(path_option("dir", "d"), "-d"),
    bool_option("b", "b", "True"),
    flag_option("f", "f"),
};
static_assert(kOpts[0].struct_size == sizeof(cb_option_desc) && kOpts[0].type == CB_TYPE_STRING,
              "option(): a string");
static_assert(kOpts[1].type == CB_TYPE_INT && kOpts[1].min_value == 1 && kOpts[1].max_value == 9 &&
                  (kOpts[1].flags & CB_OPT_REQUIRED),
              "int_option() and required()");
static_assert(kOpts[2].choices == kModes && kOpts[3].short_alias[1] == 'd' &&
                  kOpts[4].type == CB_TYPE_BOOL && kOpts[5].flags == CB_OPT_FLAG,
              "choice/path/bool/flag");
constexpr cb_plugin kA = entry<A>("a", "a", "1", kTypes, kOpts);
constexpr cb_plugin kI = entry<I>("i", "i", "1", kTypes, kOpts);
constexpr cb_plugin kB = entry<Both>("b", "b", "1", kTypes, kOpts);
static_assert(kA.kinds == CB_KIND_AUTHENTICATOR && kA.installer == nullptr, "auth only");
static_assert(kI.kinds == CB_KIND_INSTALLER && kI.authenticator == nullptr, "installer only");
static_assert(kB.kinds == (CB_KIND_AUTHENTICATOR | CB_KIND_INSTALLER), "both");
}  // namespace

const cb_plugin* certbot_header_test_entries[] = {&kA, &kI, &kB};
