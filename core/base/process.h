// Running user-supplied hook commands. Certbot runs hooks through the shell (the user wrote a
// shell command line); data from the server or the store reaches the hook only through
// environment variables, never by being pasted into the command string.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "result.h"

namespace certbot {

struct HookRun {
    int exit_status = 0;  // 128+N when killed by signal N
    std::string output;   // captured stdout (bounded), when capture was asked for
};

struct HookOptions {
    std::vector<std::pair<std::string, std::string>> env;  // added to the inherited environment
    bool capture_stdout = false;                           // else stdout is inherited
    size_t max_output = 1 << 20;  // captured bytes kept; the rest is drained and dropped
};

// Runs `/bin/sh -c COMMAND`. Fails only when the command could not be started.
Result<HookRun> run_hook(const std::string& command, const HookOptions& options);

}  // namespace certbot
