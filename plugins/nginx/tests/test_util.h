// Shared helpers for the nginx unit tests.
#ifndef CERTBOT_PLUGINS_NGINX_TESTS_TEST_UTIL_H
#define CERTBOT_PLUGINS_NGINX_TESTS_TEST_UTIL_H

#include "nginx_config.h"
#include "reverter.h"
#include "temp_root.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

namespace nginx_test {

// A fresh directory (plugins/support/tests/temp_root.h) that also names real paths.
struct TempRoot : support_test::TempRoot {
    // The real path of REL, as the configuration names files.
    std::string file(const std::string& rel) const {
        return nginxconf::real_path(path) + "/" + rel;
    }
};

}  // namespace nginx_test

#endif  // CERTBOT_PLUGINS_NGINX_TESTS_TEST_UTIL_H
