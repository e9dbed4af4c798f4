#include "host_services.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "fsutil.h"
#include "process.h"

namespace certbot {

namespace {

constexpr size_t kMaxCredentialsBytes = 64 * 1024;

std::string trim(const std::string& s) {
    const char* ws = " \t\r\n";
    size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return std::string();
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

Result<CredentialPairs> parse_credentials(const std::string& path, const std::string& content) {
    CredentialPairs out;
    std::istringstream in(content);
    std::string line;
    size_t lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        // configobj: keys after a [section] header belong to the section, not to the top level
        // certbot reads.
        if (t[0] == '[') break;
        size_t eq = t.find('=');
        if (eq == std::string::npos)
            return Error("Line " + std::to_string(lineno) + " of " + path +
                         " is not \"key = value\".");
        std::string k = trim(t.substr(0, eq)), v = trim(t.substr(eq + 1));
        if (v.size() >= 2 && (v[0] == '"' || v[0] == '\'')) {
            size_t close = v.find(v[0], 1);
            std::string rest = close == std::string::npos ? "x" : trim(v.substr(close + 1));
            if (!rest.empty() && rest[0] != '#')
                return Error("Line " + std::to_string(lineno) + " of " + path +
                             " has text after the closing quote of " + k + ".");
            v = v.substr(1, close - 1);
        } else if (size_t hash = v.find(" #"); hash != std::string::npos) {
            v = trim(v.substr(0, hash));  // configobj's inline comment
        }
        out.emplace_back(k, v);
    }
    return out;
}

Result<CredentialPairs> read_credentials_file(const std::string& path,
                                              const std::function<void(const std::string&)>& warn) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return Error("Cannot read the credentials file " + path + ": " + std::strerror(errno) +
                     ".");
    if (!S_ISREG(st.st_mode))
        return Error("The credentials file " + path + " is not a regular file.");
    if (st.st_size > static_cast<off_t>(kMaxCredentialsBytes))
        return Error("The credentials file " + path + " is too large to be a credentials file.");
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        warn("Unsafe permissions on credentials configuration file: " + path + " (mode " + mode +
             "): the secrets in it are readable by other users. Run: chmod 600 " + path);
    }
    auto content = read_file(path, kMaxCredentialsBytes);
    if (!content) return Error("Cannot read the credentials file " + path + ".");
    return parse_credentials(path, *content);
}

Result<std::string> plugin_state_dir(const std::string& work_dir, const std::string& plugin) {
    const std::string parent = path_join(work_dir, "plugins");
    const std::string dir = path_join(parent, plugin);
    for (const auto& d : {parent, dir}) {
        if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
            return Error("Cannot create the plugin state directory " + d + ": " +
                         std::strerror(errno) + " (check --work-dir)");
    }
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return Error("The plugin state directory " + dir + " is not a directory");
    return dir;
}

cb_status serve_credentials(const char* path, cb_pair_sink sink, void* sink_ctx,
                            cb_string_sink error, void* error_ctx,
                            const std::function<void(const std::string&)>& warn) {
    auto pairs = path && *path ? read_credentials_file(path, warn)
                               : Result<CredentialPairs>(Error("no credentials file named"));
    if (!pairs) {
        if (error) error(error_ctx, pairs.error().message.c_str());
        return CB_ERROR;
    }
    for (const auto& [k, v] : *pairs)
        if (sink) sink(sink_ctx, k.c_str(), v.c_str());
    return CB_OK;
}

cb_status serve_run(const char* const* argv, const char* const* env, uint32_t timeout_seconds,
                    cb_string_sink output, void* output_ctx, int* exit_status,
                    cb_string_sink error, void* error_ctx) {
    auto fail = [&](const std::string& message) {
        if (error) error(error_ctx, message.c_str());
        return CB_ERROR;
    };
    std::vector<std::string> args;
    for (const char* const* a = argv; a && *a && args.size() < 4096; ++a) args.emplace_back(*a);
    if (args.empty()) return fail("no program to run (an empty argv)");
    HookOptions o;
    for (const char* const* e = env; e && *e; ++e) {
        const std::string kv = *e;
        const size_t eq = kv.find('=');
        if (eq != std::string::npos && eq > 0) o.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    o.capture_stdout = true;
    o.merge_stderr = true;
    o.own_process_group = false;
    o.time_limit_s = static_cast<int>(std::min<uint32_t>(timeout_seconds, 1u << 30));
    auto r = run_program(args, o);
    if (!r) return fail(r.error().message);
    if (exit_status) *exit_status = r->exit_status;
    if (output) output(output_ctx, r->output.c_str());
    if (r->timed_out)
        return fail(args[0] + " did not finish within " + std::to_string(timeout_seconds) +
                    " s and was stopped");
    return CB_OK;
}

}  // namespace certbot
