// A fresh directory under /tmp for one unit test, removed with everything in it at the end of
// the scope. Shared by the core's *_test.cpp files (was one copy per file), with slurp and
// mode_of (tests/support/files_test.h) to read back what a test wrote.
#pragma once

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <string>

#include "files_test.h"
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

}  // namespace certbot::test
