// Test support: what a test reads back from a file it had written (its bytes, its permission
// bits). Header-only and dependent on nothing of the project, so every test target can include
// it: the core's unit tests (through core/base/temp_dir_test.h) and plugin-api/common's tests,
// which may not link the core.
#pragma once

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

namespace certbot::test {

// The whole of the file at PATH; the test fails if it cannot be opened.
inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.is_open());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Permission bits of P itself (a link is not followed).
inline mode_t mode_of(const std::string& p) {
    struct stat st;
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace certbot::test
