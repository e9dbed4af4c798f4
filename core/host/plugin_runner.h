// The plugin runner: the child process in which plugin code runs (docs/plugin-abi.md, "Process
// model"). certbot re-executes its own binary with kRunnerFlag; the child loads one plugin
// (or, to describe plugins, each file in turn), serves calls from the parent over a socket and
// forwards host services that need the parent (log lines, prompts, user hooks) back to it.
#pragma once

namespace certbot {

inline constexpr const char* kPluginRunnerFlag = "--certbot-plugin-runner";

// What certbot and its runner say to each other first, each to the other (docs/plugin-abi.md,
// "The runner program"): "certbot-native <version> <digest of the protocol's sources>"
// (core/host/runner_identity.cmake). Equal only for a certbot and a runner of the same build.
const char* plugin_runner_identity();

// Every program that creates plugin instances calls this first in main(): -1 when argv does
// not ask for the runner, else the runner's exit status.
int plugin_runner_main(int argc, char** argv);

}  // namespace certbot
