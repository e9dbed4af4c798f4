// Items 0..n-1 made by `load(i)` ahead of a loop that takes them in order: a second thread (every
// signal blocked in it) loads while the caller's thread works on the item before, and the caller
// loads too whenever the next item is not ready and the window has room. The loop sees the items
// in index order, one at a time, so what it does with them (output, writes, warnings) happens in
// the same order as a plain loop's; at most `window` loaded items wait to be taken. For renew's
// scan of every lineage (reading and checking a lineage is independent of the others).
//
//   OrderedPrefetch<Result<Lineage>> ahead(names.size(), [&](size_t i) { return load(names[i]); });
//   for (size_t i = 0; i < names.size(); ++i) { auto l = ahead.take(i); ... }
//
// `load` runs on both threads at once for different i: it must be safe to call concurrently and
// must not log (log lines would come out of order). take(i) must be called for i = 0, 1, 2, ...;
// the destructor waits for the helper thread (which stops early if not all were taken).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "quiet_thread.h"

namespace certbot {

template <class T>
class OrderedPrefetch {
  public:
    // threaded false (or n < 2): take(i) just calls load(i).
    OrderedPrefetch(size_t n, std::function<T(size_t)> load, bool threaded = true,
                    size_t window = 64)
        : n_(n), load_(std::move(load)), slots_(window < 1 ? 1 : window) {
        if (threaded && n_ >= 2 && std::thread::hardware_concurrency() != 1)
            helper_ = common::quiet_thread([this] { work(); });
    }
    ~OrderedPrefetch() {
        if (!helper_.joinable()) return;
        {
            std::lock_guard<std::mutex> lk(m_);
            stop_ = true;
        }
        cv_.notify_all();
        helper_.join();
    }
    OrderedPrefetch(const OrderedPrefetch&) = delete;
    OrderedPrefetch& operator=(const OrderedPrefetch&) = delete;

    T take(size_t i) {
        if (!helper_.joinable()) return load_(i);
        std::unique_lock<std::mutex> lk(m_);
        std::optional<T>& slot = slots_[i % slots_.size()];
        while (!slot)
            if (!load_next(lk)) cv_.wait(lk);
        T out = std::move(*slot);
        slot.reset();
        taken_ = i + 1;
        lk.unlock();
        cv_.notify_all();  // the helper may wait for room in the window
        return out;
    }

  private:
    // Claims the next item not yet claimed, if the window has room, and loads it with the lock
    // released; false if there was none to claim.
    bool load_next(std::unique_lock<std::mutex>& lk) {
        if (next_ >= n_ || next_ >= taken_ + slots_.size()) return false;
        const size_t c = next_++;
        lk.unlock();
        T item = load_(c);
        lk.lock();
        slots_[c % slots_.size()].emplace(std::move(item));
        cv_.notify_all();
        return true;
    }

    void work() {
        std::unique_lock<std::mutex> lk(m_);
        while (!stop_ && next_ < n_)
            if (!load_next(lk)) cv_.wait(lk);
    }

    const size_t n_;
    const std::function<T(size_t)> load_;
    std::vector<std::optional<T>> slots_;  // item i in slots_[i % window] until taken
    std::mutex m_;
    std::condition_variable cv_;
    size_t next_ = 0;   // the next item to claim
    size_t taken_ = 0;  // items below it have been taken
    bool stop_ = false;
    std::thread helper_;
};

}  // namespace certbot
