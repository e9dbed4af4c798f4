// Shared helpers for the nginx unit tests.
#ifndef CERTBOT_PLUGINS_NGINX_TESTS_TEST_UTIL_H
#define CERTBOT_PLUGINS_NGINX_TESTS_TEST_UTIL_H

#include "nginx_config.h"
#include "reverter.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

namespace nginx_test {

// A fresh directory under $TMPDIR, removed with everything in it.
struct TempRoot {
    std::string path;
    TempRoot() {
        std::string tmpl = std::filesystem::temp_directory_path().string() + "/nginx-test-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        path = ::mkdtemp(buf.data());
    }
    ~TempRoot() { std::filesystem::remove_all(path); }
    TempRoot(const TempRoot&) = delete;
    TempRoot& operator=(const TempRoot&) = delete;

    // Writes REL (creating directories) below the root.
    void write(const std::string& rel, const std::string& text) const {
        std::filesystem::create_directories(std::filesystem::path(path + "/" + rel).parent_path());
        plugin_support::atomic_write(path + "/" + rel, text);
    }
    // The real path of REL, as the configuration names files.
    std::string file(const std::string& rel) const {
        return nginxconf::real_path(path) + "/" + rel;
    }
    std::string operator/(const std::string& rel) const { return path + "/" + rel; }
};

}  // namespace nginx_test

#endif  // CERTBOT_PLUGINS_NGINX_TESTS_TEST_UTIL_H
