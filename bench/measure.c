/* The benchmarks' stopwatch: runs one command and reports its wall time, peak RSS, exit status
 * and CPU time, as GNU time does, but to the microsecond and without a process of its own in
 * the measured time. bench/common.sh (measure) compiles it on first use and appends its line
 * to $MEASURE_LOG.
 *
 *   measure LIMIT_S LOGFILE CMD [ARG...]
 *
 * Appends "<wall s> <peak RSS KiB> <exit status> <user+sys CPU s>" to LOGFILE. The wall time
 * runs from just before fork() to the command's exit (wait4), so it holds the command's own
 * exec and start-up and nothing of a shell, GNU time or timeout(1) around it: bash timing
 * `/usr/bin/time timeout N command` measured one ~60-70 ms issuance 5.6-17.4 ms slower on the
 * benchmark VM (docs/performance.md, "What is measured"). After LIMIT_S
 * seconds the command's process group gets SIGTERM, then SIGKILL 5 s later (timeout(1)'s
 * behaviour), and the status is 124. Output goes where the caller's stdout/stderr go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_alarm = 0;

static void on_alarm(int sig) {
    (void)sig;
    g_alarm = 1;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: measure LIMIT_S LOGFILE CMD [ARG...]\n");
        return 2;
    }
    const int limit = atoi(argv[1]);
    FILE* log = fopen(argv[2], "a");
    if (!log) {
        perror(argv[2]);
        return 2;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm; /* no SA_RESTART: wait4 returns EINTR when the limit passes */
    sigaction(SIGALRM, &sa, NULL);

    const double t0 = now();
    const pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        setpgid(0, 0); /* its own group: the limit ends the command and its children */
        execvp(argv[3], argv + 3);
        perror(argv[3]);
        _exit(127);
    }
    setpgid(pid, pid);
    if (limit > 0) alarm((unsigned)limit);
    int status = 0, killed = 0;
    struct rusage ru;
    for (;;) {
        if (wait4(pid, &status, 0, &ru) == pid) break;
        if (errno != EINTR) {
            perror("wait4");
            return 2;
        }
        if (g_alarm) {
            g_alarm = 0;
            kill(-pid, killed ? SIGKILL : SIGTERM);
            killed = 1;
            alarm(5);
        }
    }
    const double t1 = now();
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (killed) code = 124;
    const double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    fprintf(log, "%.6f %ld %d %.4f\n", t1 - t0, ru.ru_maxrss, code, cpu);
    fclose(log);
    return code;
}
