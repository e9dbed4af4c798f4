// The renew scheduler without lineages or a CA: the pool size, the exclusivity of lineages that
// share a port or the terminal, and stopping on an interrupt. Nothing sleeps: workers that must
// overlap meet at a latch (bounded by a timeout only so that a broken pool fails instead of
// hanging). Catch2 assertions are not thread-safe, so workers record and the test checks after.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "renew_pool.h"

using namespace certbot;

namespace {

// Counts how many run at once, overall and per key.
struct Tracker {
    std::mutex mu;
    std::condition_variable cv;
    int running = 0, max_running = 0, finished = 0;
    std::map<std::string, int> running_key, max_key;
    std::set<std::thread::id> threads;
    std::vector<size_t> order;
    std::atomic<int> missed{0};  // latches that timed out

    void enter(size_t i, const std::string& key) {
        std::lock_guard<std::mutex> l(mu);
        order.push_back(i);
        threads.insert(std::this_thread::get_id());
        max_running = std::max(max_running, ++running);
        if (!key.empty()) max_key[key] = std::max(max_key[key], ++running_key[key]);
        cv.notify_all();
    }
    void leave(const std::string& key) {
        std::lock_guard<std::mutex> l(mu);
        --running;
        ++finished;
        if (!key.empty()) --running_key[key];
        cv.notify_all();
    }
    // Waits until `n` run at once; false after the bound.
    bool wait_for_running(int n) {
        std::unique_lock<std::mutex> l(mu);
        bool met = cv.wait_for(l, std::chrono::seconds(10), [&] { return max_running >= n; });
        if (!met) ++missed;
        return met;
    }
};

}  // namespace

TEST_CASE("renew pool: every item runs once, on at most `workers` threads", "[renew]") {
    Tracker t;
    std::atomic<bool> stop{false};
    const std::vector<std::string> keys(7, "");
    run_renewals(
        keys.size(), 3, [&](size_t i) { return keys[i]; },
        [&](size_t i) {
            t.enter(i, keys[i]);
            // The first three meet here, so three really run at once.
            if (i < 3) t.wait_for_running(3);
            t.leave(keys[i]);
        },
        stop);
    CHECK(t.finished == 7);
    CHECK(std::set<size_t>(t.order.begin(), t.order.end()).size() == 7);
    CHECK(t.missed == 0);
    CHECK(t.max_running == 3);
    CHECK(t.threads.size() <= 3);
}

TEST_CASE("renew pool: one worker runs the items in order on the caller's thread", "[renew]") {
    Tracker t;
    std::atomic<bool> stop{false};
    for (int workers : {1, 0, -4}) {
        t.order.clear();
        t.threads.clear();
        run_renewals(
            4, workers, [](size_t) { return std::string(); },
            [&](size_t i) {
                t.enter(i, "");
                t.leave("");
            },
            stop);
        CHECK(t.order == std::vector<size_t>{0, 1, 2, 3});
        CHECK(t.threads == std::set<std::thread::id>{std::this_thread::get_id()});
    }
    run_renewals(
        0, 4, [](size_t) { return std::string(); }, [&](size_t) { FAIL("nothing to run"); }, stop);
}

TEST_CASE("renew pool: items sharing a key never overlap, other keys run beside them", "[renew]") {
    Tracker t;
    std::atomic<bool> stop{false};
    // Two standalone lineages on port 80, one on port 81, and three workers: the one on 81 must
    // run while one on 80 does (also while the second on 80 waits for its turn).
    const std::vector<std::string> keys = {"standalone:80", "standalone:80", "standalone:81"};
    run_renewals(
        keys.size(), 3, [&](size_t i) { return keys[i]; },
        [&](size_t i) {
            t.enter(i, keys[i]);
            t.wait_for_running(2);
            t.leave(keys[i]);
        },
        stop);
    CHECK(t.finished == 3);
    CHECK(t.missed == 0);
    CHECK(t.max_key["standalone:80"] == 1);
    CHECK(t.max_running == 2);
}

TEST_CASE("renew pool: after an interrupt no further item starts", "[renew]") {
    std::atomic<bool> stop{false};
    std::vector<size_t> ran;
    run_renewals(
        5, 1, [](size_t) { return std::string(); },
        [&](size_t i) {
            ran.push_back(i);
            if (i == 1) stop = true;  // what the SIGINT handler does to g_interrupted
        },
        stop);
    CHECK(ran == std::vector<size_t>{0, 1});
}

TEST_CASE("renew pool: standalone is exclusive per port, manual and interactive share the user",
          "[renew]") {
    Config c;
    c.authenticator = "standalone";
    c.http01_port = 8080;
    c.non_interactive = true;
    CHECK(renewal_exclusive_key(c) == "standalone:8080");
    c.authenticator = "webroot";
    CHECK(renewal_exclusive_key(c).empty());
    c.authenticator = "manual";  // its hooks are the user's scripts
    CHECK(renewal_exclusive_key(c) == "user");
    c.authenticator = "webroot";
    c.non_interactive = false;
    c.force_interactive = true;
    CHECK(renewal_exclusive_key(c) == "user");
}
