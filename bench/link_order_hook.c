/* The profile behind cli/certbot.order (bench/link_order.sh): built into a scratch build with
 * -finstrument-functions, every function entered calls __cyg_profile_func_enter, with the
 * function's address. The first call of each (function, hook call site) pair of the main
 * executable appends both link-time addresses (the executable is PIE: the address minus the
 * load base) to $CERTBOT_ORDER_PROFILE_DIR/<pid>, one write(2) each, so a process that leaves
 * through _exit or a signal keeps what it ran. The hook's call site tells a function run out of
 * line (the call is inside its own body) from an inlined copy of it (the call is in the caller).
 * Not part of any product build. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLOTS (1u << 20)
static uintptr_t seen[SLOTS];
static uintptr_t base, lo, hi;
static int fd = -1;
static int ready;

static int first_object(struct dl_phdr_info* info, size_t size, void* data) {
    (void)size;
    (void)data;
    base = info->dlpi_addr;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)* ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uintptr_t a = base + ph->p_vaddr;
        if (!lo || a < lo) lo = a;
        if (a + ph->p_memsz > hi) hi = a + ph->p_memsz;
    }
    return 1; /* the first object is the executable */
}

__attribute__((no_instrument_function)) static void start(void) {
    const char* dir = getenv("CERTBOT_ORDER_PROFILE_DIR");
    ready = 1;
    memset(seen, 0, sizeof seen);
    if (fd >= 0) close(fd);
    fd = -1;
    if (!dir) return;
    if (!hi) dl_iterate_phdr(first_object, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/%d", dir, (int)getpid());
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

__attribute__((constructor, no_instrument_function)) static void init(void) {
    if (!ready) start();
    pthread_atfork(NULL, NULL, start); /* a forked child writes a file of its own */
}

__attribute__((no_instrument_function)) void __cyg_profile_func_enter(void* fn, void* caller) {
    (void)caller;
    /* Where this hook is called from: inside FN's own body when FN runs out of line, inside the
     * function FN was inlined into otherwise (CALLER is FN's caller in both cases). */
    void* site = __builtin_return_address(0);
    if (!ready) start();
    uintptr_t a = (uintptr_t)fn, s = (uintptr_t)site;
    if (fd < 0 || a < lo || a >= hi) return;
    uintptr_t key = a * 31 + s;
    for (uint32_t i = (uint32_t)(key >> 2) & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
        if (seen[i] == key) return;
        if (!seen[i]) {
            seen[i] = key;
            break;
        }
    }
    char line[48];
    int n = snprintf(line, sizeof line, "%lx %lx\n", (unsigned long)(a - base),
                     (unsigned long)(s - base));
    if (write(fd, line, (size_t)n) != n) {
        close(fd);
        fd = -1;
    }
}

__attribute__((no_instrument_function)) void __cyg_profile_func_exit(void* fn, void* site) {
    (void)fn;
    (void)site;
}
