// Running a server's control programs (nginx, apache2ctl, a2enmod): find the binary, run it
// (execv, no shell) with a time limit and collect what it prints. No dependency on the plugin ABI.
#ifndef CERTBOT_PLUGINS_SUPPORT_PROCESS_H
#define CERTBOT_PLUGINS_SUPPORT_PROCESS_H

#include <string>
#include <vector>

namespace plugin_support {

struct RunResult {
    int status = -1;     // exit status, 128+signal when killed, -1 when it could not start
    std::string output;  // stdout and stderr together
};

// An absolute path to the executable NAME (a path, or a name looked up in $PATH and the sbin
// directories, where servers live on Debian even when root's PATH lacks them); "" when none.
std::string find_executable(const std::string& name);

// Runs ARGV[0] (an absolute path) with ARGV. Returns once the process exits, even when a
// daemon it started keeps the output pipe open; kills it after TIMEOUT_SECONDS.
RunResult run_program(const std::vector<std::string>& argv, int timeout_seconds = 60);

// The output on one line, for messages.
std::string one_line(const std::string& text);

}  // namespace plugin_support

#endif  // CERTBOT_PLUGINS_SUPPORT_PROCESS_H
