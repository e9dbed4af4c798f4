#include "log.h"

#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace certbot::log {
namespace {
std::mutex g_mu;
int g_console = kInfo;
FILE* g_file = nullptr;
std::string g_file_path;

const char* level_name(int level) {
    if (level >= kError) return "ERROR";
    if (level >= kWarning) return "WARNING";
    if (level >= kInfo) return "INFO";
    return "DEBUG";
}

void to_file(int level, const std::string& m) {
    if (!g_file) return;
    char ts[32];
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    std::tm tm{};
    gmtime_r(&now.tv_sec, &tm);
    std::strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
    std::fprintf(g_file, "%s,%03ld:%s:certbot:%s\n", ts, now.tv_nsec / 1000000, level_name(level),
                 m.c_str());
    std::fflush(g_file);
}
}  // namespace

void set_console_level(int level) {
    std::lock_guard<std::mutex> l(g_mu);
    g_console = level;
}
int console_level() {
    std::lock_guard<std::mutex> l(g_mu);
    return g_console;
}

bool open_file(const std::string& path) {
    std::lock_guard<std::mutex> l(g_mu);
    if (g_file) std::fclose(g_file);
    g_file = nullptr;
    g_file_path.clear();
    if (path.empty()) return true;
    g_file = std::fopen(path.c_str(), "ae");
    if (g_file) g_file_path = path;
    return g_file != nullptr;
}

void close_file() {
    (void)open_file("");
}

void write(int level, const std::string& message) {
    std::lock_guard<std::mutex> l(g_mu);
    to_file(level, message);
    if (level < g_console) return;
    FILE* stream = level >= kWarning ? stderr : stdout;
    if (level >= kWarning && level < kError) std::fputs("Warning: ", stream);
    std::fputs(message.c_str(), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}

void notice(const std::string& message) {
    std::lock_guard<std::mutex> l(g_mu);
    to_file(kInfo, message);
    if (g_console > kInfo) return;
    std::fputs(message.c_str(), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

std::string file_path() {
    std::lock_guard<std::mutex> l(g_mu);
    return g_file_path;
}

void out(const std::string& message) {
    std::lock_guard<std::mutex> l(g_mu);
    to_file(kInfo, message);
    if (g_console > kInfo) return;
    std::fputs(message.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

std::string printable(const std::string& s, size_t max) {
    std::string out;
    for (char c : s) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        unsigned char u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    return out;
}

}  // namespace certbot::log
