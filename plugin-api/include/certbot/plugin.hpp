// Header-only C++17 helper over certbot/plugin.h: a plugin author writes a class, not a vtable.
//
//   class MyAuth : public certbot::plugin::Authenticator {
//     public:
//       explicit MyAuth(certbot::plugin::Host host);
//       std::vector<std::string> chall_pref(const std::string& identifier) override;
//       void perform(const std::vector<certbot::plugin::Challenge>& challenges) override;
//       void cleanup(const std::vector<certbot::plugin::Challenge>& challenges) override;
//   };
//   static const cb_option_desc kOptions[] = {...};
//   static const char* const kChallenges[] = {"http-01", nullptr};
//   CERTBOT_PLUGIN(certbot::plugin::entry<MyAuth>("my-auth", "One line", "1.0", kChallenges,
//                                                   kOptions));
//
// Every call into the class runs inside a noexcept trampoline: throw certbot::plugin::Declined to
// answer CB_DECLINED, any other std::exception becomes CB_ERROR with what() as the message.
// The instance is constructed in `create` (a throwing constructor is a clean CB_ERROR) and
// destroyed in `destroy`.
#ifndef CERTBOT_PLUGIN_HPP
#define CERTBOT_PLUGIN_HPP

#include <certbot/plugin.h>

#include <arpa/inet.h>

#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace certbot::plugin {

// Thrown by a plugin method to answer CB_DECLINED ("not mine"), which is not a failure.
struct Declined : std::exception {
    const char* what() const noexcept override { return "declined"; }
};

// Owned copy of a cb_challenge.
struct Challenge {
    std::string type, identifier, token, key_authorization, validation, validation_name;
    bool is_wildcard = false;
    std::string identifier_type = "dns";  // "dns" or "ip" (ABI 1.2, RFC 8738)
    bool is_ip() const { return identifier_type == "ip"; }

    static Challenge from(const cb_challenge& c) {
        auto s = [](const char* p) { return p ? std::string(p) : std::string(); };
        Challenge out;
        out.type = s(c.type);
        out.identifier = s(c.identifier);
        out.token = s(c.token);
        out.key_authorization = s(c.key_authorization);
        out.validation = s(c.validation);
        out.validation_name = s(c.validation_name);
        if (CB_HAS_FIELD(&c, cb_challenge, is_wildcard)) out.is_wildcard = c.is_wildcard != 0;
        if (CB_HAS_FIELD(&c, cb_challenge, identifier_type) && c.identifier_type != nullptr)
            out.identifier_type = c.identifier_type;
        return out;
    }
};

// RFC 8555 §8.1: a token is base64url without padding; real ones are 43 characters. The host
// checks every token before a plugin sees it; a plugin that turns a token into a file name or
// hands it to a script checks again with this.
inline bool is_base64url_token(const std::string& token, size_t max_length = 255) {
    if (token.empty() || token.size() > max_length) return false;
    for (char c : token) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

// True when an identifier (chall_pref's argument, Challenge::identifier) is an IP address
// (ABI 1.2): the host never passes a DNS name that parses as one.
inline bool is_ip_identifier(const std::string& identifier) {
    unsigned char buf[16];
    return inet_pton(AF_INET, identifier.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, identifier.c_str(), buf) == 1;
}

inline void collect_sink(void* ctx, const char* value) {
    static_cast<std::vector<std::string>*>(ctx)->emplace_back(value ? value : "");
}

// Thin C++ view of the host's service table. Copyable; borrows the table.
class Host {
  public:
    explicit Host(const cb_host* host) : h_(host) {}
    const cb_host* raw() const { return h_; }

    void log(int level, const std::string& msg) const { h_->log(h_->ctx, level, msg.c_str()); }
    void debug(const std::string& msg) const { log(CB_LOG_DEBUG, msg); }
    void info(const std::string& msg) const { log(CB_LOG_INFO, msg); }
    void warning(const std::string& msg) const { log(CB_LOG_WARNING, msg); }

    std::vector<std::string> options(const std::string& name,
                                     const char* identifier = nullptr) const {
        std::vector<std::string> out;
        h_->get_option(h_->ctx, name.c_str(), identifier, &collect_sink, &out);
        return out;
    }
    // Last value of an option, or FALLBACK when unset.
    std::string option(const std::string& name, const std::string& fallback = std::string(),
                       const char* identifier = nullptr) const {
        auto v = options(name, identifier);
        return v.empty() ? fallback : v.back();
    }
    bool flag(const std::string& name) const {
        auto v = option(name);
        return v == "True" || v == "true" || v == "1";
    }
    bool interactive() const { return h_->is_interactive(h_->ctx) != 0; }
    // Throws when there is nobody to press Enter.
    void pause(const std::string& message) const {
        if (h_->pause(h_->ctx, message.c_str()) != CB_OK)
            throw std::runtime_error("cannot wait for Enter: not running interactively");
    }
    struct HookResult {
        int exit_status = 0;
        std::string output;
    };
    HookResult run_hook(const std::string& command, const std::vector<std::string>& env) const {
        std::vector<const char*> envp;
        for (const auto& e : env) envp.push_back(e.c_str());
        envp.push_back(nullptr);
        HookResult r;
        auto sink = [](void* ctx, const char* v) {
            static_cast<std::string*>(ctx)->append(v ? v : "");
        };
        if (h_->run_hook(h_->ctx, command.c_str(), envp.data(), sink, &r.output, &r.exit_status) !=
            CB_OK)
            throw std::runtime_error("could not run hook: " + command);
        return r;
    }
    std::string config_dir() const { return h_->config_dir ? h_->config_dir : ""; }
    std::string work_dir() const { return h_->work_dir ? h_->work_dir : ""; }
    bool dry_run() const { return h_->dry_run != 0; }

    // ABI 1.2 services, read only when the host's table has them (an older host: the fallback).
    std::string host_name() const { return str(has_1_2() ? h_->host_name : nullptr, "certbot"); }
    std::string host_version() const { return str(has_1_2() ? h_->host_version : nullptr, ""); }
    std::string plugin_path() const { return str(has_1_2() ? h_->plugin_path : nullptr, ""); }
    // The lineage the current deploy_cert/enhance works for, or "" (unknown, or an older host).
    std::string lineage() const {
        return has_1_2() && h_->lineage_name ? str(h_->lineage_name(h_->ctx), "") : "";
    }
    // An optional host service by id ("certbot.<service>.v<N>"), or nullptr when not offered.
    const void* extension(const char* id) const {
        return has_1_2() && h_->get_extension ? h_->get_extension(h_->ctx, id) : nullptr;
    }

    // ---- Optional host services (plugin.h, "Host services"). Each throws std::runtime_error
    // with the host's one-line message when the call fails, or when this host lacks the service.

    // The plugin's own state directory (<work-dir>/plugins/<name>, created 0700).
    std::string state_dir() const {
        const auto* s = service<cb_state_dir_v1>(CB_STATE_DIR_V1);
        std::string out, error;
        if (s->path(h_->ctx, &append_sink, &out, &append_sink, &error) != CB_OK) fail(error);
        return out;
    }
    struct RunResult {
        int exit_status = 0;
        std::string output;  // stdout and stderr together
    };
    // Runs ARGV without a shell (ARGV[0]: an absolute path or a name found in PATH or sbin),
    // ENV ("NAME=VALUE") added; TIMEOUT_SECONDS 0: only the call's own time limit.
    RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                  unsigned timeout_seconds = 0) const {
        const auto* s = service<cb_run_v1>(CB_RUN_V1);
        std::vector<const char*> a, e;
        for (const auto& x : argv) a.push_back(x.c_str());
        a.push_back(nullptr);
        for (const auto& x : env) e.push_back(x.c_str());
        e.push_back(nullptr);
        RunResult r;
        std::string error;
        if (s->run(h_->ctx, a.data(), e.data(), timeout_seconds, &append_sink, &r.output,
                   &r.exit_status, &append_sink, &error) != CB_OK)
            fail(error);
        return r;
    }
    // The key/value pairs of a credentials file, in file order (certbot's INI; the host warns
    // about a file others can read).
    std::vector<std::pair<std::string, std::string>> credentials(const std::string& path) const {
        const auto* s = service<cb_credentials_v1>(CB_CREDENTIALS_V1);
        std::vector<std::pair<std::string, std::string>> out;
        std::string error;
        auto pair_sink = [](void* ctx, const char* k, const char* v) {
            static_cast<std::vector<std::pair<std::string, std::string>>*>(ctx)->emplace_back(
                k ? k : "", v ? v : "");
        };
        if (s->read(h_->ctx, path.c_str(), pair_sink, &out, &append_sink, &error) != CB_OK)
            fail(error);
        return out;
    }

    // Waits SECONDS (certbot.wait.v1), the host saying "Waiting SECONDS seconds for WHAT".
    // Throws the host's line when the wait was cancelled (SIGINT/SIGTERM, or the call's time
    // limit would end first): return from the call then; cleanup follows.
    void wait(unsigned seconds, const std::string& what) const {
        const auto* s = service<cb_wait_v1>(CB_WAIT_V1);
        std::string error;
        if (s->wait(h_->ctx, seconds, what.c_str(), &append_sink, &error) != CB_OK) fail(error);
    }

  private:
    static void append_sink(void* ctx, const char* v) {
        static_cast<std::string*>(ctx)->append(v ? v : "");
    }
    [[noreturn]] static void fail(const std::string& error) {
        throw std::runtime_error(error.empty() ? "a host service failed without a reason" : error);
    }
    // The service table ID, or throws naming it when this host does not offer it.
    template <class T>
    const T* service(const char* id) const {
        const auto* t = static_cast<const T*>(extension(id));
        // Every v1 table: struct_size and one function (later fields: check with CB_HAS_FIELD).
        if (!t || t->struct_size < sizeof(size_t) + sizeof(void (*)()))
            throw std::runtime_error(std::string("this certbot does not offer the host service ") +
                                     id + "; upgrade certbot");
        return t;
    }
    bool has_1_2() const { return CB_HAS_FIELD(h_, cb_host, get_extension); }
    static std::string str(const char* s, const char* fallback) { return s ? s : fallback; }
    const cb_host* h_;
};

class Authenticator {
  public:
    virtual ~Authenticator() = default;
    virtual std::vector<std::string> chall_pref(const std::string& identifier) = 0;
    virtual void perform(const std::vector<Challenge>& challenges) = 0;
    virtual void cleanup(const std::vector<Challenge>& challenges) = 0;
};

class Installer {
  public:
    virtual ~Installer() = default;
    virtual std::vector<std::string> get_all_names() = 0;
    virtual void deploy_cert(const std::string& domain, const std::string& cert_path,
                             const std::string& key_path, const std::string& chain_path,
                             const std::string& fullchain_path) = 0;
    virtual void enhance(const std::string& domain, const std::string& enhancement,
                         const std::string& options) = 0;
    virtual std::vector<std::string> supported_enhancements() = 0;
    virtual void save(const std::string& title, bool temporary) = 0;
    virtual void rollback_checkpoints(int count) = 0;
    virtual void recovery_routine() = 0;
    virtual void config_test() = 0;
    virtual void restart() = 0;
};

namespace detail {

// Holds the host pointer beside the instance so trampolines can report errors.
template <class T>
struct Box {
    const cb_host* host;
    T object;
    explicit Box(const cb_host* h) : host(h), object(Host(h)) {}
};

template <class T, class F>
cb_status guard(void* self, F&& f) noexcept {
    auto* box = static_cast<Box<T>*>(self);
    try {
        f(box->object);
        return CB_OK;
    } catch (const Declined&) {
        return CB_DECLINED;
    } catch (const std::exception& e) {
        box->host->set_error(box->host->ctx, e.what());
    } catch (...) {
        box->host->set_error(box->host->ctx, "plugin failed with an unknown exception");
    }
    return CB_ERROR;
}

inline std::vector<Challenge> challenges(const cb_challenge* c, size_t n) {
    std::vector<Challenge> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(Challenge::from(c[i]));
    return out;
}

inline void emit(const std::vector<std::string>& values, cb_string_sink sink, void* ctx) {
    for (const auto& v : values) sink(ctx, v.c_str());
}

template <class T>
struct Trampolines {
    static cb_status create(const cb_host* host, void** out) noexcept {
        try {
            *out = new Box<T>(host);
            return CB_OK;
        } catch (const std::exception& e) {
            host->set_error(host->ctx, e.what());
        } catch (...) {
            host->set_error(host->ctx, "plugin failed to initialise");
        }
        return CB_ERROR;
    }
    static void destroy(void* self) noexcept { delete static_cast<Box<T>*>(self); }

    // Authenticator
    static cb_status chall_pref(void* self, const char* id, cb_string_sink sink,
                                void* ctx) noexcept {
        return guard<T>(self, [&](T& t) {
            emit(static_cast<Authenticator&>(t).chall_pref(id ? id : ""), sink, ctx);
        });
    }
    static cb_status perform(void* self, const cb_challenge* c, size_t n) noexcept {
        return guard<T>(self,
                        [&](T& t) { static_cast<Authenticator&>(t).perform(challenges(c, n)); });
    }
    static cb_status cleanup(void* self, const cb_challenge* c, size_t n) noexcept {
        return guard<T>(self,
                        [&](T& t) { static_cast<Authenticator&>(t).cleanup(challenges(c, n)); });
    }

    // Installer
    static Installer& inst(T& t) { return static_cast<Installer&>(t); }
    static std::string s(const char* p) { return p ? p : ""; }
    static cb_status names(void* self, cb_string_sink sink, void* ctx) noexcept {
        return guard<T>(self, [&](T& t) { emit(inst(t).get_all_names(), sink, ctx); });
    }
    static cb_status deploy(void* self, const char* d, const char* c, const char* k, const char* ch,
                            const char* fc) noexcept {
        return guard<T>(self, [&](T& t) { inst(t).deploy_cert(s(d), s(c), s(k), s(ch), s(fc)); });
    }
    static cb_status enhance(void* self, const char* d, const char* e, const char* o) noexcept {
        return guard<T>(self, [&](T& t) { inst(t).enhance(s(d), s(e), s(o)); });
    }
    static cb_status supported(void* self, cb_string_sink sink, void* ctx) noexcept {
        return guard<T>(self, [&](T& t) { emit(inst(t).supported_enhancements(), sink, ctx); });
    }
    static cb_status save(void* self, const char* title, int temporary) noexcept {
        return guard<T>(self, [&](T& t) { inst(t).save(s(title), temporary != 0); });
    }
    static cb_status rollback(void* self, int n) noexcept {
        return guard<T>(self, [&](T& t) { inst(t).rollback_checkpoints(n); });
    }
    static cb_status recovery(void* self) noexcept {
        return guard<T>(self, [&](T& t) { inst(t).recovery_routine(); });
    }
    static cb_status config_test(void* self) noexcept {
        return guard<T>(self, [&](T& t) { inst(t).config_test(); });
    }
    static cb_status restart(void* self) noexcept {
        return guard<T>(self, [&](T& t) { inst(t).restart(); });
    }

    static constexpr cb_authenticator auth_table = {sizeof(cb_authenticator), &chall_pref, &perform,
                                                    &cleanup};
    static constexpr cb_installer inst_table = {sizeof(cb_installer), &names,  &deploy,   &enhance,
                                                &supported,           &save,   &rollback, &recovery,
                                                &config_test,         &restart};
};

}  // namespace detail

namespace detail {
inline constexpr cb_option_desc kNoOptions[1] = {};
template <class T>
constexpr const cb_authenticator* auth_table() {
    if constexpr (std::is_base_of<Authenticator, T>::value)
        return &Trampolines<T>::auth_table;
    else
        return nullptr;
}
template <class T>
constexpr const cb_installer* inst_table() {
    if constexpr (std::is_base_of<Installer, T>::value)
        return &Trampolines<T>::inst_table;
    else
        return nullptr;
}
}  // namespace detail

// ---- Option descriptors, set field by field: a table built with these stays correct (and free
// of -Wmissing-field-initializers) when a later minor appends fields to cb_option_desc.
//   static const char* const kModes[] = {"reload", "restart", nullptr};
//   static constexpr cb_option_desc kOptions[] = {
//       int_option("retries", "How often to try.", "3", 0, 10),
//       required(path_option("credentials", "The provider's INI file.")),
//       choice_option("mode", "How to apply the configuration.", kModes, "reload"),
//       bool_option("verify", "Check the result.", "True"),
//       flag_option("quick", "Skip the checks."),
//       option("label", "Any text."),
//   };
// The value's name in --help is the flag in capitals unless with_metavar() names it.

// A string option (or any TYPE), taking one value unless FLAGS say otherwise (CB_OPT_*).
constexpr cb_option_desc option(const char* name, const char* help,
                                const char* default_value = nullptr, uint32_t flags = CB_OPT_VALUE,
                                uint32_t type = CB_TYPE_STRING) {
    cb_option_desc o{};
    o.struct_size = sizeof(cb_option_desc);
    o.name = name;
    o.help = help;
    o.default_value = default_value;
    o.flags = flags;
    o.type = type;
    return o;
}
// A switch without a value (reads "True" when given).
constexpr cb_option_desc flag_option(const char* name, const char* help) {
    return option(name, help, nullptr, CB_OPT_FLAG);
}
// A whole number from MIN to MAX (both 0: any), checked by the host.
constexpr cb_option_desc int_option(const char* name, const char* help, const char* default_value,
                                    int64_t min, int64_t max, uint32_t flags = CB_OPT_VALUE) {
    cb_option_desc o = option(name, help, default_value, flags, CB_TYPE_INT);
    o.min_value = min;
    o.max_value = max;
    return o;
}
// True or False (the plugin gets exactly "True" or "False").
constexpr cb_option_desc bool_option(const char* name, const char* help,
                                     const char* default_value = nullptr,
                                     uint32_t flags = CB_OPT_VALUE) {
    return option(name, help, default_value, flags, CB_TYPE_BOOL);
}
// A file system path (the plugin gets it absolute).
constexpr cb_option_desc path_option(const char* name, const char* help,
                                     const char* default_value = nullptr,
                                     uint32_t flags = CB_OPT_VALUE) {
    return option(name, help, default_value, flags, CB_TYPE_PATH);
}
// One of CHOICES (NULL-terminated, static).
constexpr cb_option_desc choice_option(const char* name, const char* help,
                                       const char* const* choices,
                                       const char* default_value = nullptr,
                                       uint32_t flags = CB_OPT_VALUE) {
    cb_option_desc o = option(name, help, default_value, flags, CB_TYPE_CHOICE);
    o.choices = choices;
    return o;
}
// O, which a command using the plugin cannot go without (CB_OPT_REQUIRED).
constexpr cb_option_desc required(cb_option_desc o) {
    o.flags |= CB_OPT_REQUIRED;
    return o;
}
// O with the value's name in --help (e.g. "DIR").
constexpr cb_option_desc with_metavar(cb_option_desc o, const char* metavar) {
    o.metavar = metavar;
    return o;
}
// O with a one-letter alias certbot itself gives the option ("-w").
constexpr cb_option_desc with_alias(cb_option_desc o, const char* short_alias) {
    o.short_alias = short_alias;
    return o;
}

// Builds the exported entry for class T at compile time.
template <class T, size_t NOpt>
constexpr cb_plugin entry(const char* name, const char* description, const char* version,
                          const char* const* challenge_types,
                          const cb_option_desc (&options)[NOpt]) {
    constexpr bool is_auth = std::is_base_of<Authenticator, T>::value;
    constexpr bool is_inst = std::is_base_of<Installer, T>::value;
    static_assert(is_auth || is_inst, "a plugin derives from Authenticator and/or Installer");
    using Tr = detail::Trampolines<T>;
    return cb_plugin{sizeof(cb_plugin),
                     CB_ABI_MAJOR,
                     CB_ABI_MINOR,
                     name,
                     description,
                     version,
                     (is_auth ? CB_KIND_AUTHENTICATOR : 0u) | (is_inst ? CB_KIND_INSTALLER : 0u),
                     challenge_types,
                     options,
                     NOpt,
                     &Tr::create,
                     &Tr::destroy,
                     detail::auth_table<T>(),
                     detail::inst_table<T>(),
                     0u,
                     nullptr};
}

// The same for a plugin without options of its own.
template <class T>
constexpr cb_plugin entry(const char* name, const char* description, const char* version,
                          const char* const* challenge_types) {
    cb_plugin p = entry<T, 1>(name, description, version, challenge_types, detail::kNoOptions);
    p.options = nullptr;
    p.option_count = 0;
    return p;
}

// (1.2) The entry P with exclusivity declared (CB_EXCLUSIVE_* bits; PORT_OPTION names the
// option holding the port the plugin binds, for CB_EXCLUSIVE_PORT):
//   CERTBOT_PLUGIN(exclusive(entry<Mine>(...), CB_EXCLUSIVE_PORT, "http-01-port"));
constexpr cb_plugin exclusive(cb_plugin p, uint32_t flags, const char* port_option = nullptr) {
    p.exclusive = flags;
    p.exclusive_port_option = port_option;
    return p;
}

}  // namespace certbot::plugin

// Defines the one exported symbol.
#define CERTBOT_PLUGIN(...) extern "C" CB_EXPORT const cb_plugin certbot_plugin_entry = __VA_ARGS__

#endif  // CERTBOT_PLUGIN_HPP
