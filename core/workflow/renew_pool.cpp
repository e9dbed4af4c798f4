#include "renew_pool.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace certbot {

std::string renewal_exclusive_key(const Config& c) {
    // The user's scripts (manual auth/cleanup hooks) and a person at a terminal are served one
    // lineage at a time, as certbot runs everything; standalone lineages share their port.
    if (c.authenticator == "manual" || c.interactive()) return "user";
    if (c.authenticator == "standalone") return "standalone:" + std::to_string(c.http01_port);
    return {};
}

void run_renewals(size_t count, int workers, const std::function<std::string(size_t)>& key_of,
                  const std::function<void(size_t)>& run, const std::atomic<bool>& stop) {
    // Units in item order: an item alone, or every item of one key, run one after another in
    // item order by a single worker, so what shares a key never overlaps and always comes in the
    // same order.
    std::vector<std::vector<size_t>> units;
    std::map<std::string, size_t> unit_of_key;
    for (size_t i = 0; i < count; ++i) {
        const std::string key = key_of(i);
        if (key.empty()) {
            units.push_back({i});
            continue;
        }
        auto [pos, added] = unit_of_key.emplace(key, units.size());
        if (added) units.emplace_back();
        units[pos->second].push_back(i);
    }
    std::mutex queue_mu;
    size_t next = 0;
    auto worker = [&]() {
        while (!stop) {
            const std::vector<size_t>* unit;
            {
                std::lock_guard<std::mutex> l(queue_mu);
                if (next >= units.size()) return;
                unit = &units[next++];
            }
            for (size_t i : *unit) {
                if (stop) break;
                run(i);
            }
        }
    };
    const size_t n = std::min<size_t>(static_cast<size_t>(std::max(1, workers)), units.size());
    std::vector<std::thread> pool;
    for (size_t t = 1; t < n; ++t) pool.emplace_back(worker);
    if (n > 0) worker();
    for (auto& t : pool) t.join();
}

}  // namespace certbot
