// A std::thread started with every signal blocked in it (a thread inherits its creator's mask),
// so that SIGINT and SIGTERM reach the threads that act on them and a write to a reset peer
// cannot end the process with SIGPIPE. For long-lived helper threads: the host's HTTP deadline
// watchdog (core/acme/http.cpp) and the standalone plugin's challenge server, which may not link
// each other (docs/architecture.md, "plugin-api/common/"), so each compiles this inline copy.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <thread>
#include <utility>

namespace certbot::common {

template <class F>
std::thread quiet_thread(F&& body) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    try {
        std::thread t(std::forward<F>(body));
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        return t;
    } catch (...) {
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        throw;
    }
}

}  // namespace certbot::common
