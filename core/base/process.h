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
    int exit_status = 0;     // 128+N when killed by signal N
    std::string output;      // captured stdout (bounded), when capture was asked for
    bool timed_out = false;  // it ran past its time limit and was killed (with its children)
};

// --hook-timeout's default: a hook that hangs (waits on a lock, a prompt, a dead server) must
// not hold a renewal run forever; certbot.service itself stops a run after 30 minutes.
constexpr int kDefaultHookTimeLimit = 600;

struct HookOptions {
    std::vector<std::pair<std::string, std::string>> env;  // added to the inherited environment
    bool capture_stdout = false;                           // else stdout is inherited
    size_t max_output = 1 << 20;  // captured bytes kept; the rest is drained and dropped
    // Seconds the hook may run before it and every process it started (its process group) are
    // sent SIGTERM, then SIGKILL 2 s later. 0: no limit. -1: hook_time_limit().
    int time_limit_s = -1;
    bool merge_stderr = false;      // with capture_stdout: stderr goes to the same pipe
    bool own_process_group = true;  // false: stays in the caller's group (ended with it)
    bool log_timeout = true;        // log run_hook's error naming --hook-timeout
    bool null_stdin = false;        // stdin is /dev/null (else only a terminal is replaced)
};

// The time limit of hooks that do not set one (--hook-timeout; 0 turns the limit off). Set once
// at start, before any hook runs; plugins' hooks (--manual-auth-hook) get it too.
void set_hook_time_limit(int seconds);
int hook_time_limit();

// Runs `/bin/sh -c COMMAND` in its own process group, so a time limit ends the whole tree. A
// terminal on stdin is replaced by /dev/null (a hook in a background group reading the terminal
// would stop, not fail). Fails only when the command could not be started; a time-out is a
// HookRun with timed_out set (and an error logged naming the command and --hook-timeout).
Result<HookRun> run_hook(const std::string& command, const HookOptions& options);

// The absolute path of the program NAME (an absolute path, or a name looked up in PATH, then
// /usr/local/sbin, /usr/sbin and /sbin, where servers live even when PATH lacks them); "" when
// there is no executable file of that name.
std::string find_program(const std::string& name);

// Runs ARGV without a shell (ARGV[0] resolved by find_program), as run_hook runs its command
// (environment, stdin, capture, time limit; a time-out is a HookRun with timed_out set and
// nothing logged). Fails when the program is not found or could not be started.
Result<HookRun> run_program(const std::vector<std::string>& argv, HookOptions options);

}  // namespace certbot
