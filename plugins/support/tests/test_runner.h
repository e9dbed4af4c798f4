// The host services a runner process offers plugin code (certbot_host's LocalHost: certbot.run.v1
// and certbot.checkpoint.v1), for the support and apache tests, which run plugin code directly.
#ifndef CERTBOT_PLUGINS_SUPPORT_TESTS_TEST_RUNNER_H
#define CERTBOT_PLUGINS_SUPPORT_TESTS_TEST_RUNNER_H

#include <certbot/plugin.h>

#include "host_services.h"
#include "programs.h"

namespace support_test {

// A host table offering the services (WITH_SERVICES) or none at all.
inline const cb_host* run_host(bool with_services = true) {
    static const certbot::LocalHost local("");
    static const cb_host kWithout = [] {
        cb_host h = *local.table();
        h.get_extension = [](void*, const char*) -> const void* { return nullptr; };
        return h;
    }();
    return with_services ? local.table() : &kWithout;
}

inline plugin_support::ProgramRunner test_runner(unsigned timeout_seconds = 60) {
    return plugin_support::host_runner(run_host(), timeout_seconds);
}

}  // namespace support_test

#endif  // CERTBOT_PLUGINS_SUPPORT_TESTS_TEST_RUNNER_H
