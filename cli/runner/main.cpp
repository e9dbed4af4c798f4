// certbot-plugin-runner: the process plugin code runs in (docs/plugin-abi.md, "Process model").
// certbot starts it with kPluginRunnerFlag and the socket on fd 3, as it would re-execute its
// own binary; this program holds only the runner (core/host/plugin_runner.cpp) and what that
// needs, none of the HTTP, TLS or option-parsing libraries of certbot's binary, so it reaches
// main() and is ready for the first call in a fraction of the time.
#include "plugin_runner.h"

int main(int argc, char** argv) {
    const int rc = certbot::plugin_runner_main(argc, argv);
    return rc >= 0 ? rc : 64;  // started by hand, without the flag: a usage error
}
