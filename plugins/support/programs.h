// A server's control programs (nginx, apache2ctl, a2enmod): finding them, and running them
// through the host's certbot.run.v1 service (plugin.h, "Host services"). The plugins carry no
// process runner of their own: the host runs the program (no shell, a time limit, output
// captured) and ends it with the plugin's call.
#ifndef CERTBOT_PLUGINS_SUPPORT_PROGRAMS_H
#define CERTBOT_PLUGINS_SUPPORT_PROGRAMS_H

#include <certbot/plugin.h>

#include <functional>
#include <string>
#include <vector>

#include "one_line.h"

namespace plugin_support {

struct RunResult {
    int status = -1;     // exit status, 128+signal when killed, -1 when it could not start
    std::string output;  // stdout and stderr together; the host's reason appended on failure
};

// Runs ARGV (ARGV[0] an absolute path or a name the host looks up) and returns what it did.
using ProgramRunner = std::function<RunResult(const std::vector<std::string>& argv)>;

// The time limit of each server control program (nginx -t, apache2ctl graceful, a2enmod).
constexpr unsigned kProgramTimeLimit = 60;

// The host's certbot.run.v1 as a ProgramRunner, each program limited to TIMEOUT_SECONDS. A
// program that could not start or ran out of time is a RunResult with a nonzero status and the
// host's one-line reason in parentheses at the end of its output. Throws (naming the service
// and saying to upgrade certbot) when HOST does not offer certbot.run.v1.
ProgramRunner host_runner(const cb_host* host, unsigned timeout_seconds = kProgramTimeLimit);

// An absolute path to the executable NAME (a path, or a name looked up in $PATH and the sbin
// directories, where servers live on Debian even when root's PATH lacks them); "" when none.
// The same lookup as the host's: checking first gives the plugin its own message.
std::string find_executable(const std::string& name);

// The output on one line, for messages (plugin-api/common/one_line.h, the host's too).
using certbot::common::one_line;

}  // namespace plugin_support

#endif  // CERTBOT_PLUGINS_SUPPORT_PROGRAMS_H
