// The host's certbot.run.v1, as a runner process offers it (certbot_host's serve_run), behind a
// minimal host table: what the support tests run programs with.
#ifndef CERTBOT_PLUGINS_SUPPORT_TESTS_TEST_RUNNER_H
#define CERTBOT_PLUGINS_SUPPORT_TESTS_TEST_RUNNER_H

#include <certbot/plugin.h>

#include <cstring>

#include "host_services.h"
#include "programs.h"

namespace support_test {

// A host table offering certbot.run.v1 (WITH_RUN) or no service at all.
inline const cb_host* run_host(bool with_run = true) {
    static const cb_run_v1 kRun = {sizeof(cb_run_v1), [](void*, const char* const* argv,
                                                          const char* const* env, uint32_t timeout,
                                                          cb_string_sink out, void* out_ctx,
                                                          int* status, cb_string_sink error,
                                                          void* error_ctx) {
                                       return certbot::serve_run(argv, env, timeout, out, out_ctx,
                                                                 status, error, error_ctx);
                                   }};
    static const cb_host kWith = [] {
        cb_host h{};
        h.struct_size = sizeof h;
        h.abi_major = CB_ABI_MAJOR;
        h.abi_minor = CB_ABI_MINOR;
        h.get_extension = [](void*, const char* id) -> const void* {
            return id && std::strcmp(id, CB_RUN_V1) == 0 ? &kRun : nullptr;
        };
        return h;
    }();
    static const cb_host kWithout = [] {
        cb_host h = kWith;
        h.get_extension = [](void*, const char*) -> const void* { return nullptr; };
        return h;
    }();
    return with_run ? &kWith : &kWithout;
}

inline plugin_support::ProgramRunner test_runner(unsigned timeout_seconds = 60) {
    return plugin_support::host_runner(run_host(), timeout_seconds);
}

}  // namespace support_test

#endif  // CERTBOT_PLUGINS_SUPPORT_TESTS_TEST_RUNNER_H
