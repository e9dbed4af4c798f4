// The renew scheduler: due lineages are renewed by a bounded pool of workers, and lineages whose
// plugin needs exclusive use of a port or of the terminal never run at the same time.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "config.h"

namespace certbot {

// What a renewal must not share with another running at the same time: "standalone:<port>"
// (it binds the http-01 port), "manual" when it talks to a person; "" when nothing.
std::string renewal_exclusive_key(const Config& cfg);

// Runs run(i) once for every i in [0, count) on min(workers, count) threads (at least one; the
// caller's thread is one of them) and returns when all have finished. Two items with the same
// non-empty key_of(i) never run at once. Once `stop` is true no further item starts; the ones
// never started are simply not run.
void run_renewals(size_t count, int workers, const std::function<std::string(size_t)>& key_of,
                  const std::function<void(size_t)>& run, const std::atomic<bool>& stop);

}  // namespace certbot
