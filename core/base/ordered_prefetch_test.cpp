#include "ordered_prefetch.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using certbot::OrderedPrefetch;

TEST_CASE("ordered prefetch hands out every item once, in order, however the loads interleave",
          "[prefetch]") {
    for (bool threaded : {false, true}) {
        for (size_t window : {1, 3, 64}) {
            for (size_t n : {0, 1, 2, 5, 200}) {
                std::vector<std::atomic<int>> loads(n);
                std::atomic<size_t> in_flight{0}, most_in_flight{0};
                OrderedPrefetch<std::string> ahead(
                    n,
                    [&](size_t i) {
                        size_t now = ++in_flight;
                        for (size_t m = most_in_flight; now > m;)
                            if (most_in_flight.compare_exchange_weak(m, now)) break;
                        if (i % 7 == 3) std::this_thread::sleep_for(std::chrono::microseconds(300));
                        ++loads[i];
                        --in_flight;
                        return "item " + std::to_string(i);
                    },
                    threaded, window);
                INFO("threaded " << threaded << ", window " << window << ", n " << n);
                for (size_t i = 0; i < n; ++i) {
                    if (i % 5 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
                    CHECK(ahead.take(i) == "item " + std::to_string(i));
                }
                for (size_t i = 0; i < n; ++i) CHECK(loads[i] == 1);
                CHECK(most_in_flight <= 2);  // the caller and one helper thread
            }
        }
    }
}

TEST_CASE("ordered prefetch holds at most its window ahead and stops when dropped early",
          "[prefetch]") {
    std::atomic<size_t> loaded{0};
    {
        OrderedPrefetch<size_t> ahead(
            1000, [&](size_t i) { return ++loaded, i; }, true, 8);
        CHECK(ahead.take(0) == 0);
        CHECK(ahead.take(1) == 1);
        // The helper fills the window and then waits: never more than 2 + 8 loaded.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        CHECK(loaded <= 10);
    }  // destroyed with 998 items never taken: the helper stops, the destructor returns
    CHECK(loaded <= 10);
}
