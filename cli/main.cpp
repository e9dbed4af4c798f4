// certbot: the command-line front end. Thin by design: it parses certbot's flags into a Config
// (parse.h), finds the plugins, and dispatches to the command table; the work is done in the
// core library.
#include <malloc.h>
#include <signal.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "acme.h"
#include "commands.h"
#include "dump_cli.h"
#include "help.h"
#include "log.h"
#include "parse.h"
#include "plugin_host.h"
#include "plugin_runner.h"
#include "session.h"

using namespace certbot;
using namespace certbot::cli;

namespace {

extern "C" void on_signal(int sig) {
    if (g_interrupted.exchange(true)) {
        std::signal(sig, SIG_DFL);
        std::raise(sig);
    }
}

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = &on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: blocking calls return so cleanup can start
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

int print_version() {
    // certbot's "certbot X.Y.Z" (the surface we implement: scripts gate features on it), then
    // which implementation (for bug reports). docs/user-guide.md, "Version".
    std::printf("certbot %s (certbot-native %s)\n", certbot_surface_version(), certbot_version());
    return kExitOk;
}

// Ends the process once a command is done: flushes stdout and stderr and exits without static
// destructors and atexit handlers (OpenSSL's cleanup, which frees every table it built; the
// plugin-runner pools). Nothing is left for them to do: the command's own scopes closed every file,
// lock and connection, the log is written line by line, and a plugin runner still waiting reads
// end of file when the kernel closes this process's sockets (PR_SET_PDEATHSIG ends it otherwise).
// It saves 2-3 ms of an issuance. A sanitizer or coverage build (CERTBOT_FAST_EXIT off) exits
// normally: LeakSanitizer and gcov do their work at exit.
int finish(int status) {
#if CERTBOT_FAST_EXIT && !defined(__SANITIZE_ADDRESS__)
    std::fflush(nullptr);
    std::_Exit(status);
#else
    return status;  // main returns it
#endif
}

// --work-dir from the command line (the plugin descriptor cache lives there), before parsing.
std::string work_dir_argument(int argc, char** argv) {
    std::string dir = Config().work_dir;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--work-dir" && i + 1 < argc) dir = argv[++i];
        if (a.rfind("--work-dir=", 0) == 0) dir = a.substr(11);
    }
    return dir;
}

}  // namespace

int main(int argc, char** argv) {
    // A plugin runner process (plugin code runs only there): before anything else.
    if (int rc = plugin_runner_main(argc, argv); rc >= 0) return rc;
    // One malloc arena for every thread. certbot's threads are few (the CA prefetch, renew's
    // workers, one watchdog per connection) and mostly wait on the network; an arena of their
    // own kept ~200 KiB of free space apart from the main heap's (one issuance's peak RSS).
    mallopt(M_ARENA_MAX, 1);
    // Fast path that needs no plugins.
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--version") == 0) return print_version();
    install_signal_handlers();
    auto registry = PluginRegistry::discover(plugin_search_path(),
                                             plugin_cache_path(work_dir_argument(argc, argv)));
    Options opts;
    if (argc == 2 && std::strcmp(argv[1], "--dump-cli") == 0) {  // build-time docs (dump_cli.h)
        build_options(opts, registry);
        return dump_cli(opts, registry, verb_help());
    }
    Parsed parsed;
    int rc = parse(argc, argv, registry, opts, parsed);
    if (rc >= 0) return rc;
    if (parsed.help) return print_help(parsed.help_topic, opts, registry);
    if (parsed.version) return print_version();
    Config& cfg = parsed.cfg;
    log::set_console_level(cfg.quiet ? log::kError : cfg.verbosity > 0 ? log::kDebug : log::kInfo);
    set_plugin_timeout(std::chrono::seconds(cfg.plugin_timeout));
    set_plugin_stop_flag(&g_interrupted);
    const Verb* verb = find_verb(cfg.verb);
    try {
        const int status = verb->run(cfg, registry);
        // certbot: where to look for more after a failure.
        if (status != kExitOk && !log::file_path().empty())
            log::notice("See the logfile " + log::file_path() +
                        " or re-run Certbot with -v for more details.");
        return finish(status);
    } catch (const std::exception& e) {
        log::error(std::string("unexpected error: ") + e.what() +
                   "; please report this with the log file");
        return finish(kExitFailure);
    }
}
