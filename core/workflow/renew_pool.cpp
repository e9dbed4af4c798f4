#include "renew_pool.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace certbot {

std::string renewal_exclusive_key(const Config& c) {
    if (c.authenticator == "standalone") return "standalone:" + std::to_string(c.http01_port);
    if (c.authenticator == "manual" && c.interactive()) return "manual";
    return {};
}

void run_renewals(size_t count, int workers, const std::function<std::string(size_t)>& key_of,
                  const std::function<void(size_t)>& run, const std::atomic<bool>& stop) {
    std::mutex queue_mu, exclusive_map_mu;
    std::map<std::string, std::unique_ptr<std::mutex>> exclusive;
    size_t next = 0;
    auto worker = [&]() {
        while (!stop) {
            size_t i;
            {
                std::lock_guard<std::mutex> l(queue_mu);
                if (next >= count) return;
                i = next++;
            }
            std::unique_lock<std::mutex> ex;
            if (auto key = key_of(i); !key.empty()) {
                std::mutex* m;
                {
                    std::lock_guard<std::mutex> l(exclusive_map_mu);
                    auto& slot = exclusive[key];
                    if (!slot) slot = std::make_unique<std::mutex>();
                    m = slot.get();
                }
                ex = std::unique_lock<std::mutex>(*m);
            }
            run(i);
        }
    };
    const size_t n = std::min<size_t>(static_cast<size_t>(std::max(1, workers)), count);
    std::vector<std::thread> pool;
    for (size_t t = 1; t < n; ++t) pool.emplace_back(worker);
    if (n > 0) worker();
    for (auto& t : pool) t.join();
}

}  // namespace certbot
