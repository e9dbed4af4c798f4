// Logging: one process-wide logger with a console sink (verbosity from -v/-q) and an optional
// file sink (<logs-dir>/letsencrypt.log, always at debug level). Thread-safe. Callers never
// pass key material; server data is logged only after validation or truncated.
#pragma once

#include <string>

namespace certbot::log {

enum Level { kDebug = 10, kInfo = 20, kWarning = 30, kError = 40 };

// Console threshold: -q -> kError, default -> kInfo (warnings/errors to stderr), -v -> kDebug.
void set_console_level(int level);
int console_level();
// Opens (appends to) the log file; rotation is the caller's business. Empty path closes it.
bool open_file(const std::string& path);
void close_file();

void write(int level, const std::string& message);
inline void debug(const std::string& m) {
    write(kDebug, m);
}
inline void info(const std::string& m) {
    write(kInfo, m);
}
inline void warning(const std::string& m) {
    write(kWarning, m);
}
inline void error(const std::string& m) {
    write(kError, m);
}

// A status line for the person at the terminal, on stderr (stdout stays the command's output,
// e.g. `certificates --json`), shown unless -q; also to the log file. certbot's "Saving debug log
// to ...".
void notice(const std::string& message);

// The log file open now ("" if none).
std::string file_path();

// Prints to stdout regardless of the log level unless quiet (-q): command output such as the
// `certificates` listing. Also mirrored to the log file.
void out(const std::string& message);

// Cuts a server-supplied string to MAX bytes and replaces control characters, for log lines.
std::string printable(const std::string& s, size_t max = 200);

}  // namespace certbot::log
