#include "host_services.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "checkpoints.h"
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
                    cb_string_sink output, void* output_ctx, int* exit_status, cb_string_sink error,
                    void* error_ctx) {
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
        if (eq != std::string::npos && eq > 0)
            o.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
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

namespace checkpoint_calls {

namespace {

// Runs F with the work directory's Checkpoints; an exception becomes ERROR and CB_ERROR.
template <class F>
cb_status with(const std::string& work_dir, cb_string_sink error, void* error_ctx, F&& f) {
    try {
        if (work_dir.empty())
            throw std::runtime_error("the host has no work directory (--work-dir)");
        Checkpoints c(normalize_path(work_dir));
        f(c);
        return CB_OK;
    } catch (const std::exception& e) {
        if (error) error(error_ctx, e.what());
        return CB_ERROR;
    }
}

bool temporary(uint32_t which) {
    if (which != CB_CHECKPOINT_TEMPORARY && which != CB_CHECKPOINT_IN_PROGRESS)
        throw std::runtime_error(
            "a checkpoint change is either CB_CHECKPOINT_TEMPORARY or CB_CHECKPOINT_IN_PROGRESS, "
            "not " +
            std::to_string(which));
    return which == CB_CHECKPOINT_TEMPORARY;
}

std::string path_arg(const char* path) {
    if (!path || !*path) throw std::runtime_error("a checkpoint call named no file");
    return path[0] == '/' ? std::string(path) : normalize_path(path);
}

std::vector<std::string> list_arg(const char* const* items, bool paths) {
    std::vector<std::string> out;
    for (const char* const* p = items; p && *p && out.size() < 65536; ++p)
        out.push_back(paths ? path_arg(*p) : std::string(*p));
    return out;
}

void warn_failures(const Checkpoints& c, cb_string_sink warning, void* warning_ctx) {
    for (const auto& f : c.undo_failures())
        if (warning) warning(warning_ctx, f.c_str());
}

}  // namespace

cb_status add_files(const std::string& work_dir, uint32_t which, const char* const* paths,
                    const char* note, cb_string_sink error, void* error_ctx) {
    return with(work_dir, error, error_ctx, [&](Checkpoints& c) {
        c.add_to_checkpoint(list_arg(paths, true), note ? note : "", temporary(which));
    });
}

cb_status add_new_file(const std::string& work_dir, uint32_t which, const char* path,
                       cb_string_sink error, void* error_ctx) {
    return with(work_dir, error, error_ctx,
                [&](Checkpoints& c) { c.register_new_file(path_arg(path), temporary(which)); });
}

cb_status write_file(const std::string& work_dir, uint32_t which, const char* path,
                     const char* data, size_t size, uint32_t mode, cb_string_sink error,
                     void* error_ctx) {
    return with(work_dir, error, error_ctx, [&](Checkpoints& c) {
        if (!data && size) throw std::runtime_error("a checkpoint write without data");
        c.write_file(path_arg(path), std::string(data ? data : "", size), temporary(which),
                     mode & 07777);
    });
}

cb_status add_undo_command(const std::string& work_dir, uint32_t which, const char* const* argv,
                           cb_string_sink error, void* error_ctx) {
    return with(work_dir, error, error_ctx, [&](Checkpoints& c) {
        auto args = list_arg(argv, false);
        if (args.empty() || args[0].empty()) throw std::runtime_error("an empty undo command");
        c.register_undo_command(args, temporary(which));
    });
}

cb_status finalize(const std::string& work_dir, const char* title, cb_string_sink error,
                   void* error_ctx) {
    return with(work_dir, error, error_ctx,
                [&](Checkpoints& c) { c.finalize_checkpoint(title ? title : ""); });
}

cb_status revert(const std::string& work_dir, uint32_t which, cb_string_sink warning,
                 void* warning_ctx, cb_string_sink error, void* error_ctx) {
    return with(work_dir, error, error_ctx, [&](Checkpoints& c) {
        const uint32_t both = CB_CHECKPOINT_TEMPORARY | CB_CHECKPOINT_IN_PROGRESS;
        if (which == both) {
            c.recovery_routine();
        } else {
            if (temporary(which))
                c.revert_temporary();
            else
                c.revert_in_progress();
        }
        warn_failures(c, warning, warning_ctx);
    });
}

cb_status rollback(const std::string& work_dir, int count, cb_string_sink warning,
                   void* warning_ctx, cb_string_sink error, void* error_ctx) {
    return with(work_dir, error, error_ctx, [&](Checkpoints& c) {
        c.rollback_checkpoints(count);
        warn_failures(c, warning, warning_ctx);
    });
}

cb_status list(const std::string& work_dir, cb_string_sink finalised, void* finalised_ctx,
               uint32_t* pending, cb_string_sink error, void* error_ctx) {
    return with(work_dir, error, error_ctx, [&](Checkpoints& c) {
        if (finalised)
            for (const auto& d : c.checkpoints()) finalised(finalised_ctx, d.c_str());
        if (pending)
            *pending = (c.has_temporary() ? CB_CHECKPOINT_TEMPORARY : 0u) |
                       (c.has_in_progress() ? CB_CHECKPOINT_IN_PROGRESS : 0u);
    });
}

}  // namespace checkpoint_calls

LocalHost::LocalHost(std::string work_dir) : work_dir_(std::move(work_dir)) {
    table_.struct_size = sizeof table_;
    table_.abi_major = CB_ABI_MAJOR;
    table_.abi_minor = CB_ABI_MINOR;
    table_.ctx = this;
    table_.log = [](void*, int, const char*) {};
    table_.set_error = [](void*, const char*) {};
    table_.get_option = [](void*, const char*, const char*, cb_string_sink, void*) -> size_t {
        return 0;
    };
    table_.is_interactive = [](void*) { return 0; };
    table_.pause = [](void*, const char*) { return CB_ERROR; };
    table_.run_hook = [](void*, const char*, const char* const*, cb_string_sink, void*, int*) {
        return CB_ERROR;
    };
    table_.config_dir = "";
    table_.work_dir = work_dir_.c_str();
    table_.logs_dir = "";
    table_.host_name = "certbot-native";
    table_.host_version = "";
    table_.plugin_path = "";
    table_.lineage_name = [](void*) -> const char* { return nullptr; };
    table_.get_extension = [](void*, const char* id) -> const void* {
        static const cb_run_v1 kRun = {
            sizeof(cb_run_v1), [](void*, const char* const* argv, const char* const* env,
                                  uint32_t timeout, cb_string_sink out, void* out_ctx, int* status,
                                  cb_string_sink error, void* error_ctx) {
                return serve_run(argv, env, timeout, out, out_ctx, status, error, error_ctx);
            }};
        if (!id) return nullptr;
        if (std::strcmp(id, CB_RUN_V1) == 0) return &kRun;
        if (std::strcmp(id, CB_CHECKPOINT_V1) == 0) return checkpoint_service<&work_dir_of>();
        return nullptr;
    };
}

}  // namespace certbot
