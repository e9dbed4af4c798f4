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
                    cb_string_sink output, void* output_ctx, int* exit_status,
                    cb_string_sink error, void* error_ctx);

// <WORK_DIR>/plugins/<PLUGIN>, created (mode 0700, with its parent) when missing.
Result<std::string> plugin_state_dir(const std::string& work_dir, const std::string& plugin);

}  // namespace certbot
