// A fresh directory for one plugin unit test, removed with everything in it at the end of the
// scope. Shared by the support and apache tests (the plugins do not link the core's test helpers).
#ifndef CERTBOT_PLUGINS_SUPPORT_TESTS_TEMP_ROOT_H
#define CERTBOT_PLUGINS_SUPPORT_TESTS_TEMP_ROOT_H

#include "files.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

namespace support_test {

struct TempRoot {
    std::string path;
    TempRoot() {
        std::string tmpl = std::filesystem::temp_directory_path().string() + "/plugin-test-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        path = std::filesystem::canonical(::mkdtemp(buf.data())).string();
    }
    ~TempRoot() { std::filesystem::remove_all(path); }
    TempRoot(const TempRoot&) = delete;
    TempRoot& operator=(const TempRoot&) = delete;

    // Writes REL (creating directories) below the root.
    void write(const std::string& rel, const std::string& text) const {
        std::filesystem::create_directories(std::filesystem::path(path + "/" + rel).parent_path());
        plugin_support::atomic_write(path + "/" + rel, text);
    }
    std::string operator/(const std::string& rel) const { return path + "/" + rel; }
};

}  // namespace support_test

#endif  // CERTBOT_PLUGINS_SUPPORT_TESTS_TEMP_ROOT_H
