#include "plugin_harness.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "host_services.h"

namespace plugin_test {

FakeHost::FakeHost() {
    table_.struct_size = sizeof(cb_host);
    table_.abi_major = CB_ABI_MAJOR;
    table_.abi_minor = CB_ABI_MINOR;
    table_.ctx = this;
    table_.log = &log_cb;
    table_.set_error = &set_error_cb;
    table_.get_option = &get_option_cb;
    table_.is_interactive = &is_interactive_cb;
    table_.pause = &pause_cb;
    table_.run_hook = &run_hook_cb;
    table_.config_dir = "/nonexistent/config";
    table_.work_dir = "/nonexistent/work";
    table_.logs_dir = "/nonexistent/logs";
    table_.dry_run = 0;
    table_.get_extension = &get_extension_cb;
}

// certbot.credentials.v1, certbot.run.v1 and certbot.checkpoint.v1 as the runner offers them
// (core/host/plugin_runner.cpp): the host's own reader, its permission warning logged as the
// plugin's, the host's program runner and checkpoints (in set_work_dir's directory).
const void* FakeHost::get_extension_cb(void*, const char* id) {
    static const cb_credentials_v1 kCredentials = {sizeof(cb_credentials_v1), &credentials_cb};
    static const cb_run_v1 kRun = {sizeof(cb_run_v1), &run_cb};
    if (!id) return nullptr;
    if (std::strcmp(id, CB_CREDENTIALS_V1) == 0) return &kCredentials;
    if (std::strcmp(id, CB_RUN_V1) == 0) return &kRun;
    if (std::strcmp(id, CB_CHECKPOINT_V1) == 0) return certbot::checkpoint_service<&work_dir_of>();
    return nullptr;
}

cb_status FakeHost::run_cb(void*, const char* const* argv, const char* const* env,
                           uint32_t timeout_seconds, cb_string_sink output, void* output_ctx,
                           int* exit_status, cb_string_sink error, void* error_ctx) {
    return certbot::serve_run(argv, env, timeout_seconds, output, output_ctx, exit_status, error,
                              error_ctx);
}

cb_status FakeHost::credentials_cb(void* ctx, const char* path, cb_pair_sink sink, void* sink_ctx,
                                   cb_string_sink error, void* error_ctx) {
    return certbot::serve_credentials(
        path, sink, sink_ctx, error, error_ctx,
        [ctx](const std::string& w) { log_cb(ctx, CB_LOG_WARNING, w.c_str()); });
}

bool FakeHost::logged(const std::string& needle, int level) const {
    std::lock_guard<std::mutex> lock(logs_mutex_);
    return std::any_of(logs_.begin(), logs_.end(), [&](const auto& l) {
        return (level < 0 || l.first == level) && l.second.find(needle) != std::string::npos;
    });
}

std::string FakeHost::all_logs() const {
    std::lock_guard<std::mutex> lock(logs_mutex_);
    std::string out;
    for (const auto& l : logs_) out += std::to_string(l.first) + " " + l.second + "\n";
    return out;
}

bool FakeHost::queried(const std::string& name, const std::string& identifier) const {
    return std::find(queries_.begin(), queries_.end(), std::make_pair(name, identifier)) !=
           queries_.end();
}

void FakeHost::log_cb(void* ctx, int level, const char* message) {
    auto* self = static_cast<FakeHost*>(ctx);
    const std::string text = message ? message : "(null)";
    {
        std::lock_guard<std::mutex> lock(self->logs_mutex_);  // plugin threads log too (standalone)
        self->logs_.emplace_back(level, text);
    }
    if (self->on_log_) self->on_log_(level, text);
}

void FakeHost::set_error_cb(void* ctx, const char* message) {
    static_cast<FakeHost*>(ctx)->errors_.emplace_back(message ? message : "(null)");
}

size_t FakeHost::get_option_cb(void* ctx, const char* name, const char* identifier,
                               cb_string_sink sink, void* sink_ctx) {
    auto* self = static_cast<FakeHost*>(ctx);
    std::string n = name ? name : "";
    self->queries_.emplace_back(n, identifier ? identifier : "");
    const std::vector<std::string>* values = nullptr;
    if (identifier) {
        auto it = self->per_identifier_.find({n, identifier});
        if (it != self->per_identifier_.end()) values = &it->second;
    } else {
        auto it = self->global_.find(n);
        if (it != self->global_.end()) values = &it->second;
    }
    if (!values) return 0;
    for (const auto& v : *values) sink(sink_ctx, v.c_str());
    return values->size();
}

cb_status FakeHost::pause_cb(void* ctx, const char* message) {
    auto* self = static_cast<FakeHost*>(ctx);
    if (!self->interactive_) return CB_ERROR;
    self->pauses_.emplace_back(message ? message : "");
    return CB_OK;
}

cb_status FakeHost::run_hook_cb(void* ctx, const char* command, const char* const* env,
                                cb_string_sink sink, void* sink_ctx, int* exit_status) {
    auto* self = static_cast<FakeHost*>(ctx);
    if (!self->hooks_enabled_ || !command) return CB_ERROR;
    HookCall call{command, {}};
    for (const char* const* e = env; e && *e; ++e) call.env.emplace_back(*e);
    self->hook_calls_.push_back(call);
    // The child's environment: ours plus the plugin's, built before fork.
    std::vector<std::string> owned;
    for (char** e = environ; *e; ++e) owned.emplace_back(*e);
    for (const auto& e : call.env) owned.push_back(e);
    std::vector<char*> envp;
    for (auto& e : owned) envp.push_back(e.data());
    envp.push_back(nullptr);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return CB_ERROR;
    pid_t pid = fork();
    if (pid < 0) return CB_ERROR;
    if (pid == 0) {
        dup2(fds[1], 1);
        const char* argv[] = {"sh", "-c", command, nullptr};
        execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
        _exit(127);
    }
    close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) out.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (exit_status)
        *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (sink) sink(sink_ctx, out.c_str());
    return CB_OK;
}

PluginLibrary::PluginLibrary(const std::string& path) {
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
        const char* err = dlerror();
        FAIL("dlopen " << path << ": " << (err ? err : "?"));
    }
    entry_ = static_cast<const cb_plugin*>(dlsym(handle_, CB_ENTRY_SYMBOL));
    if (!entry_) {
        dlclose(handle_);
        FAIL(path << " has no " << CB_ENTRY_SYMBOL);
    }
}

PluginLibrary::~PluginLibrary() {
    if (handle_) dlclose(handle_);
}

cb_challenge TestChallenge::raw() const {
    cb_challenge c{};
    c.struct_size = sizeof(cb_challenge);
    c.type = type.c_str();
    c.identifier = identifier.c_str();
    c.token = token.c_str();
    c.key_authorization = key_authorization.c_str();
    c.validation = validation.c_str();
    c.validation_name = validation_name.c_str();
    c.is_wildcard = is_wildcard ? 1 : 0;
    c.identifier_type = identifier_type.empty() ? nullptr : identifier_type.c_str();
    return c;
}

namespace {
// A JWK thumbprint as RFC 7638 §3.1 computes it; any base64url string does for the plugins.
const char* const kThumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
}  // namespace

TestChallenge http01(const std::string& identifier, const std::string& token) {
    TestChallenge c;
    c.type = "http-01";
    c.identifier = identifier;
    c.token = token;
    c.key_authorization = token + "." + kThumbprint;
    c.validation = c.key_authorization;
    c.validation_name = "/.well-known/acme-challenge/" + token;
    return c;
}

TestChallenge dns01(const std::string& identifier, const std::string& token,
                    const std::string& validation, bool wildcard) {
    TestChallenge c;
    c.type = "dns-01";
    c.identifier = identifier;
    c.token = token;
    c.key_authorization = token + "." + kThumbprint;
    c.validation = validation;
    c.validation_name = "_acme-challenge." + identifier;
    c.is_wildcard = wildcard;
    return c;
}

TestChallenge tls_alpn01(const std::string& identifier, const std::string& token) {
    TestChallenge c;
    c.type = "tls-alpn-01";
    c.identifier = identifier;
    c.token = token;
    c.key_authorization = token + "." + kThumbprint;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(c.key_authorization.data()),
           c.key_authorization.size(), digest);
    static const char kHex[] = "0123456789abcdef";
    for (unsigned char b : digest) {
        c.validation += kHex[b >> 4];
        c.validation += kHex[b & 0xf];
    }
    c.validation_name = identifier;
    return c;
}

TestChallenge tls_alpn01_ip(const std::string& ip, const std::string& reverse_name,
                            const std::string& token) {
    TestChallenge c = tls_alpn01(ip, token);
    c.identifier_type = "ip";
    c.validation_name = reverse_name;
    return c;
}

Instance::Instance(const PluginLibrary& lib, FakeHost& host) : plugin_(lib.entry()) {
    cb_status st = plugin_.create(host.table(), &self_);
    if (st != CB_OK) FAIL("create failed: " << host.last_error());
}

Instance::~Instance() {
    destroy();
}

void Instance::destroy() {
    if (self_) plugin_.destroy(self_);
    self_ = nullptr;
}

std::vector<cb_challenge> Instance::raw(const std::vector<TestChallenge>& challenges) {
    std::vector<cb_challenge> out;
    for (const auto& c : challenges) out.push_back(c.raw());
    return out;
}

cb_status Instance::perform(const std::vector<TestChallenge>& challenges) {
    auto r = raw(challenges);
    return plugin_.authenticator->perform(self_, r.data(), r.size());
}

cb_status Instance::cleanup(const std::vector<TestChallenge>& challenges) {
    auto r = raw(challenges);
    return plugin_.authenticator->cleanup(self_, r.data(), r.size());
}

std::vector<std::string> Instance::chall_pref(const std::string& identifier) {
    std::vector<std::string> out;
    auto sink = [](void* ctx, const char* v) {
        static_cast<std::vector<std::string>*>(ctx)->emplace_back(v);
    };
    cb_status st = plugin_.authenticator->get_chall_pref(self_, identifier.c_str(), sink, &out);
    REQUIRE(st == CB_OK);
    return out;
}

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/certbot-plugin-test.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp " + tmpl + " failed");
    path_ = buf.data();
}

TempDir::~TempDir() {
    std::error_code ec;
    // A test may have taken write permission away; give it back so everything can go.
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_directory(ec) && !it->is_symlink(ec)) chmod(it->path().c_str(), 0700);
    chmod(path_.c_str(), 0700);
    std::filesystem::remove_all(path_, ec);
}

bool exists(const std::string& path) {
    struct stat st {};
    return lstat(path.c_str(), &st) == 0;
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path);
}

unsigned mode_of(const std::string& path) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) return 0;
    return st.st_mode & 07777;
}

std::vector<std::string> list_dir(const std::string& path) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(path, ec))
        out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0);
    socklen_t len = sizeof(sa);
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    close(fd);
    return ntohs(sa.sin_port);
}

}  // namespace plugin_test
