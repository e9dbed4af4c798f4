// Test support: a check that cannot run on this machine is a visible skip for a developer and a
// failure in CI. scripts/test.sh (what CI runs) sets CERTBOT_TEST_STRICT=1, having installed
// everything every test needs; there a missing tool or a machine setting that makes a check
// impossible is a failure, never a silent pass.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>

namespace certbot::test {

inline bool strict_tests() {
    const char* s = std::getenv("CERTBOT_TEST_STRICT");
    return s != nullptr && std::strcmp(s, "1") == 0;
}

}  // namespace certbot::test

// CERTBOT_SKIP(why): end this test case here: a warning naming WHY, or, under
// CERTBOT_TEST_STRICT=1, a failure.
#define CERTBOT_SKIP(why)                                                           \
    do {                                                                            \
        if (::certbot::test::strict_tests()) FAIL("cannot run here (CI): " << why); \
        WARN("SKIPPED: " << why);                                                   \
        return;                                                                     \
    } while (0)
