// A Clock for unit tests: now() starts at the epoch of steady_clock and moves only when the code
// under test sleeps, which returns at once and is recorded in `sleeps`.
#pragma once

#include <chrono>
#include <vector>

#include "acme.h"

namespace certbot::test {

struct FakeClock : Clock {
    std::chrono::steady_clock::time_point t{};
    std::vector<std::chrono::milliseconds> sleeps;
    std::chrono::steady_clock::time_point now() override { return t; }
    void sleep_for(std::chrono::milliseconds d) override {
        sleeps.push_back(d);
        t += d;
    }
};

}  // namespace certbot::test
