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
// (it binds the http-01 port), "user" when it runs the user's scripts (manual) or may ask a
// person something (interactive); "" when nothing.
std::string renewal_exclusive_key(const Config& cfg);

// Runs run(i) once for every i in [0, count) on min(workers, count) threads (at least one; the
// caller's thread is one of them) and returns when all have finished. Items with the same
// non-empty key_of(i) never run at once: one worker runs them one after another in item order.
// Once `stop` is true no further item starts; the ones never started are simply not run.
void run_renewals(size_t count, int workers, const std::function<std::string(size_t)>& key_of,
                  const std::function<void(size_t)>& run, const std::atomic<bool>& stop);

}  // namespace certbot
