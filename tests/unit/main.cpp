// Catch2 main for the unit test binary. Plugin instances run in runner processes that
// re-execute this binary (core/plugin_runner.h), so main answers that first.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "plugin_runner.h"

int main(int argc, char** argv) {
    if (int rc = certbot::plugin_runner_main(argc, argv); rc >= 0) return rc;
    return Catch::Session().run(argc, argv);
}
