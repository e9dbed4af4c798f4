// Test harness for the built plugins: dlopen a .so as the host does, and a fake cb_host whose
// options come from maps and which records errors, log lines and option queries.
#ifndef CERTBOT_TESTS_PLUGINS_PLUGIN_HARNESS_H
#define CERTBOT_TESTS_PLUGINS_PLUGIN_HARNESS_H

#include <certbot/plugin.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "unprivileged_test.h"

namespace plugin_test {

using certbot::test::in_unprivileged_child;

// Options, errors and log lines for one plugin instance.
class FakeHost {
  public:
    FakeHost();
    FakeHost(const FakeHost&) = delete;
    FakeHost& operator=(const FakeHost&) = delete;

    const cb_host* table() const { return &table_; }
    // The work directory certbot.checkpoint.v1 keeps checkpoints in (as the runner's host's).
    void set_work_dir(std::string dir) { work_dir_ = std::move(dir); }

    // Values answered for get_option(NAME, nullptr) and get_option(NAME, IDENTIFIER).
    void set(const std::string& name, std::vector<std::string> values) {
        global_[name] = std::move(values);
    }
    void set_for(const std::string& name, const std::string& identifier, std::string value) {
        per_identifier_[{name, identifier}] = {std::move(value)};
    }

    // Hooks: off by default (run_hook answers CB_ERROR). When on, run_hook runs
    // `/bin/sh -c COMMAND` for real with ENV added, as the host does, and records each call.
    struct HookCall {
        std::string command;
        std::vector<std::string> env;  // only what the plugin passed
    };
    void enable_hooks() { hooks_enabled_ = true; }
    const std::vector<HookCall>& hook_calls() const { return hook_calls_; }
    // Interactive: pause answers CB_OK at once and records the message.
    void set_interactive(bool on) { interactive_ = on; }
    const std::vector<std::string>& pauses() const { return pauses_; }

    const std::vector<std::string>& errors() const { return errors_; }
    std::string last_error() const { return errors_.empty() ? std::string() : errors_.back(); }
    const std::vector<std::pair<int, std::string>>& logs() const { return logs_; }
    // True when a log line at LEVEL (any level when -1) contains NEEDLE.
    bool logged(const std::string& needle, int level = -1) const;
    std::string all_logs() const;
    // Called with each log line as the plugin logs it (after it is recorded, outside the lock):
    // a test acts there, at that point of the plugin's work, as another process could.
    void on_log(std::function<void(int level, const std::string& message)> f) {
        on_log_ = std::move(f);
    }
    // (name, identifier or "") of every get_option call, in order.
    const std::vector<std::pair<std::string, std::string>>& queries() const { return queries_; }
    bool queried(const std::string& name, const std::string& identifier = std::string()) const;

  private:
    static void log_cb(void* ctx, int level, const char* message);
    static void set_error_cb(void* ctx, const char* message);
    static size_t get_option_cb(void* ctx, const char* name, const char* identifier,
                                cb_string_sink sink, void* sink_ctx);
    static int is_interactive_cb(void* ctx) { return static_cast<FakeHost*>(ctx)->interactive_; }
    static cb_status pause_cb(void* ctx, const char* message);
    static cb_status run_hook_cb(void* ctx, const char* command, const char* const* env,
                                 cb_string_sink sink, void* sink_ctx, int* exit_status);
    static const void* get_extension_cb(void* ctx, const char* id);
    static cb_status credentials_cb(void* ctx, const char* path, cb_pair_sink sink, void* sink_ctx,
                                    cb_string_sink error, void* error_ctx);
    static cb_status run_cb(void* ctx, const char* const* argv, const char* const* env,
                            uint32_t timeout_seconds, cb_string_sink output, void* output_ctx,
                            int* exit_status, cb_string_sink error, void* error_ctx);

    static std::string work_dir_of(void* ctx) { return static_cast<FakeHost*>(ctx)->work_dir_; }

    cb_host table_{};
    std::string work_dir_;
    std::map<std::string, std::vector<std::string>> global_;
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> per_identifier_;
    std::vector<std::string> errors_;
    mutable std::mutex logs_mutex_;
    std::vector<std::pair<int, std::string>> logs_;
    std::function<void(int, const std::string&)> on_log_;
    std::vector<std::pair<std::string, std::string>> queries_;
    bool hooks_enabled_ = false;
    bool interactive_ = false;
    std::vector<HookCall> hook_calls_;
    std::vector<std::string> pauses_;
};

// A plugin shared object, loaded the way the host loads it.
class PluginLibrary {
  public:
    explicit PluginLibrary(const std::string& path);
    ~PluginLibrary();
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;

    const cb_plugin& entry() const { return *entry_; }

  private:
    void* handle_ = nullptr;
    const cb_plugin* entry_ = nullptr;
};

// An owned copy of a challenge that can be handed over as a cb_challenge.
struct TestChallenge {
    std::string type, identifier, token, key_authorization, validation, validation_name;
    bool is_wildcard = false;
    std::string identifier_type;  // ABI 1.2: "dns", "ip"; empty: NULL, as an older host leaves it

    cb_challenge raw() const;
};

// An http-01 challenge as the host builds it (RFC 8555 §8.3).
TestChallenge http01(const std::string& identifier, const std::string& token);
// A dns-01 challenge as the host builds it (RFC 8555 §8.4); VALIDATION given by the test.
TestChallenge dns01(const std::string& identifier, const std::string& token,
                    const std::string& validation, bool wildcard = false);
// A tls-alpn-01 challenge as the host builds it (RFC 8737 §3): validation is the lowercase hex
// SHA-256 of the key authorization.
TestChallenge tls_alpn01(const std::string& identifier, const std::string& token);
// The same for an IP identifier (RFC 8738 §6): identifier_type "ip" and, as validation_name,
// REVERSE_NAME (the SNI the CA sends).
TestChallenge tls_alpn01_ip(const std::string& ip, const std::string& reverse_name,
                            const std::string& token);

// One instance of a plugin, destroyed with this object.
class Instance {
  public:
    Instance(const PluginLibrary& lib, FakeHost& host);
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    cb_status perform(const std::vector<TestChallenge>& challenges);
    cb_status cleanup(const std::vector<TestChallenge>& challenges);
    std::vector<std::string> chall_pref(const std::string& identifier);
    // Destroys the instance now (the destructor then does nothing).
    void destroy();

  private:
    static std::vector<cb_challenge> raw(const std::vector<TestChallenge>& challenges);

    const cb_plugin& plugin_;
    void* self_ = nullptr;
};

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

// File helpers.
bool exists(const std::string& path);  // lstat: a dangling symlink exists
bool is_dir(const std::string& path);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
unsigned mode_of(const std::string& path);                   // permission bits
std::vector<std::string> list_dir(const std::string& path);  // names, sorted

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace plugin_test

#endif  // CERTBOT_TESTS_PLUGINS_PLUGIN_HARNESS_H
