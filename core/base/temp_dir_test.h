// A fresh directory under /tmp for one unit test, removed with everything in it at the end of
// the scope. Shared by the core's *_test.cpp files (was one copy per file).
#pragma once

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <string>

#include "fsutil.h"

namespace certbot::test {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/certbot_test.XXXXXX";
        char* p = mkdtemp(tmpl);
        REQUIRE(p != nullptr);
        path = p;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() { (void)remove_tree(path); }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

// Permission bits of P itself (a link is not followed).
inline mode_t mode_of(const std::string& p) {
    struct stat st;
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace certbot::test
