// The optional host services a plugin finds with host->get_extension (plugin.h, "Host
// services"): what the runner process answers for certbot.credentials.v1, certbot.run.v1 and
// certbot.state-dir.v1. Kept apart from the runner so they are tested directly, and so test
// hosts answer exactly what the runner answers.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <certbot/plugin.h>

#include "result.h"

namespace certbot {

using CredentialPairs = std::vector<std::pair<std::string, std::string>>;

// certbot's credentials INI (certbot.plugins.dns_common.CredentialsConfiguration, read with
// configobj): "key = value" lines, '#' or ';' comments, optional quotes, an inline " #" comment,
// only the keys before the first [section]. Errors name PATH and the line, never a value.
Result<CredentialPairs> parse_credentials(const std::string& path, const std::string& content);

// Reads the credentials file PATH (a regular file of at most 64 KiB) and parses it; WARN gets
// certbot's "Unsafe permissions on credentials configuration file" when others may read it.
Result<CredentialPairs> read_credentials_file(const std::string& path,
                                              const std::function<void(const std::string&)>& warn);

// certbot.credentials.v1's read() over read_credentials_file: each pair to SINK, or the error to
// ERROR and CB_ERROR; WARN as above. What the runner answers, and what test hosts answer too.
cb_status serve_credentials(const char* path, cb_pair_sink sink, void* sink_ctx,
                            cb_string_sink error, void* error_ctx,
                            const std::function<void(const std::string&)>& warn);

// certbot.run.v1's run() over process.h's run_program: ARGV (NULL-terminated) without a shell,
// ENV ("NAME=VALUE") added, stdout and stderr together to OUTPUT once, TIMEOUT_SECONDS (0: none
// of its own) ending it and failing the call with ERROR naming the program. The program stays
// in the caller's process group: whatever ends the caller (a runner past --plugin-timeout) ends
// it too.
cb_status serve_run(const char* const* argv, const char* const* env, uint32_t timeout_seconds,
                    cb_string_sink output, void* output_ctx, int* exit_status, cb_string_sink error,
                    void* error_ctx);

// certbot.checkpoint.v1 (plugin.h) over Checkpoints in WORK_DIR (made absolute): each function
// is the table's function of the same name with the host's work directory first. Failures go to
// ERROR as one line; undo commands that failed to WARNING.
namespace checkpoint_calls {
cb_status add_files(const std::string& work_dir, uint32_t which, const char* const* paths,
                    const char* note, cb_string_sink error, void* error_ctx);
cb_status add_new_file(const std::string& work_dir, uint32_t which, const char* path,
                       cb_string_sink error, void* error_ctx);
cb_status write_file(const std::string& work_dir, uint32_t which, const char* path,
                     const char* data, size_t size, uint32_t mode, cb_string_sink error,
                     void* error_ctx);
cb_status add_undo_command(const std::string& work_dir, uint32_t which, const char* const* argv,
                           cb_string_sink error, void* error_ctx);
cb_status finalize(const std::string& work_dir, const char* title, cb_string_sink error,
                   void* error_ctx);
cb_status revert(const std::string& work_dir, uint32_t which, cb_string_sink warning,
                 void* warning_ctx, cb_string_sink error, void* error_ctx);
cb_status rollback(const std::string& work_dir, int count, cb_string_sink warning,
                   void* warning_ctx, cb_string_sink error, void* error_ctx);
cb_status list(const std::string& work_dir, cb_string_sink finalised, void* finalised_ctx,
               uint32_t* pending, cb_string_sink error, void* error_ctx);
}  // namespace checkpoint_calls

// The certbot.checkpoint.v1 table of a host whose context CTX names its work directory through
// WORK_DIR_OF(CTX): what the runner and the test hosts answer.
template <std::string (*WorkDirOf)(void* ctx)>
const cb_checkpoint_v1* checkpoint_service() {
    namespace c = checkpoint_calls;
    static const cb_checkpoint_v1 table = {
        sizeof(cb_checkpoint_v1),
        [](void* ctx, uint32_t which, const char* const* paths, const char* note,
           cb_string_sink error, void* error_ctx) {
            return c::add_files(WorkDirOf(ctx), which, paths, note, error, error_ctx);
        },
        [](void* ctx, uint32_t which, const char* path, cb_string_sink error, void* error_ctx) {
            return c::add_new_file(WorkDirOf(ctx), which, path, error, error_ctx);
        },
        [](void* ctx, uint32_t which, const char* path, const char* data, size_t size,
           uint32_t mode, cb_string_sink error, void* error_ctx) {
            return c::write_file(WorkDirOf(ctx), which, path, data, size, mode, error, error_ctx);
        },
        [](void* ctx, uint32_t which, const char* const* argv, cb_string_sink error,
           void* error_ctx) {
            return c::add_undo_command(WorkDirOf(ctx), which, argv, error, error_ctx);
        },
        [](void* ctx, const char* title, cb_string_sink error, void* error_ctx) {
            return c::finalize(WorkDirOf(ctx), title, error, error_ctx);
        },
        [](void* ctx, uint32_t which, cb_string_sink warning, void* warning_ctx,
           cb_string_sink error, void* error_ctx) {
            return c::revert(WorkDirOf(ctx), which, warning, warning_ctx, error, error_ctx);
        },
        [](void* ctx, int count, cb_string_sink warning, void* warning_ctx, cb_string_sink error,
           void* error_ctx) {
            return c::rollback(WorkDirOf(ctx), count, warning, warning_ctx, error, error_ctx);
        },
        [](void* ctx, cb_string_sink finalised, void* finalised_ctx, uint32_t* pending,
           cb_string_sink error, void* error_ctx) {
            return c::list(WorkDirOf(ctx), finalised, finalised_ctx, pending, error, error_ctx);
        },
    };
    return &table;
}

// A host table offering certbot.run.v1 and certbot.checkpoint.v1 (for WORK_DIR) in this process,
// with no runner: for code that runs plugin code directly (unit tests of a plugin's parts, fuzz
// targets). Log, options and prompts answer nothing.
class LocalHost {
  public:
    explicit LocalHost(std::string work_dir);
    LocalHost(const LocalHost&) = delete;
    LocalHost& operator=(const LocalHost&) = delete;
    const cb_host* table() const { return &table_; }

  private:
    static std::string work_dir_of(void* ctx) { return static_cast<LocalHost*>(ctx)->work_dir_; }
    std::string work_dir_;
    cb_host table_{};
};

// <WORK_DIR>/plugins/<PLUGIN>, created (mode 0700, with its parent) when missing.
Result<std::string> plugin_state_dir(const std::string& work_dir, const std::string& plugin);

}  // namespace certbot
