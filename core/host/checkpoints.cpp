#include "checkpoints.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>

#include "base64.h"
#include "durable_write.h"
#include "fsutil.h"
#include "one_line.h"
#include "process.h"

namespace certbot {

namespace {

// Each undo command's time limit (the plugins' own programs have the same).
constexpr int kUndoCommandTimeLimit = 60;

std::string sys_error(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

void must(const Status& s) {
    if (!s) throw std::runtime_error(s.error().message);
}

bool file_exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

std::string read_all(const std::string& path) {
    auto r = read_file(path, 64u * 1024u * 1024u);
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
}

void make_dir_tree(const std::string& path, unsigned mode) {
    must(make_dirs(path, static_cast<mode_t>(mode)));
}

std::vector<std::string> read_lines(const std::string& path) {
    std::vector<std::string> out;
    if (!file_exists(path)) return out;
    std::istringstream in(read_all(path));
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

void append_line(const std::string& path, const std::string& line) {
    std::string text = file_exists(path) ? read_all(path) : std::string();
    write_keeping(path, text + line + "\n", 0600);
}

std::string sha256_hex(const std::string& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("cannot compute a SHA-256 digest");
    return hex_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

// WRITTEN's lines: the contents this client wrote (or found at finalisation) per path.
std::multimap<std::string, std::string> read_written(const std::string& dir) {
    std::multimap<std::string, std::string> out;
    for (const auto& line : read_lines(dir + "/" + Checkpoints::kWritten)) {
        size_t space = line.find(' ');
        if (space == std::string::npos) continue;
        out.emplace(line.substr(space + 1), line.substr(0, space));
    }
    return out;
}

}  // namespace

void write_keeping(const std::string& target, const std::string& content, unsigned mode) {
    if (auto e = common::write_through_link(target, content, static_cast<mode_t>(mode)); !e.empty())
        throw std::runtime_error(e);
}

Checkpoints::Checkpoints(std::string work_dir) : work_(std::move(work_dir)) {}

void Checkpoints::open_checkpoint(const std::string& dir) {
    make_dir_tree(dir, 0700);
    // Marks the checkpoint as ours before anything is listed in it (see check_unedited).
    if (!file_exists(dir + "/" + kWritten)) write_keeping(dir + "/" + kWritten, "", 0600);
}

void Checkpoints::add_to_checkpoint(const std::vector<std::string>& files, const std::string& note,
                                    bool temporary) {
    const std::string dir = temporary ? temp_dir() : in_progress_dir();
    for (const auto& f : files)  // before anything is written: no checkpoint for nothing
        if (::access(f.c_str(), R_OK) != 0)
            throw std::runtime_error(sys_error("cannot checkpoint", f) +
                                     " (a file about to be created is a new file)");
    open_checkpoint(dir);
    const std::string list = dir + "/FILEPATHS";
    std::vector<std::string> saved = read_lines(list);
    for (const auto& f : files) {
        if (std::find(saved.begin(), saved.end(), f) != saved.end()) continue;
        auto created = read_lines(dir + "/NEW_FILES");
        if (std::find(created.begin(), created.end(), f) != created.end()) continue;
        // Copy first (fsync'd), then list it: a listed file always has its copy.
        std::string copy = dir + "/" + base_name(f) + "_" + std::to_string(saved.size());
        struct stat st;
        unsigned mode = ::stat(f.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
        write_keeping(copy, read_all(f), mode);
        append_line(list, f);
        saved.push_back(f);
    }
    if (!note.empty()) append_line(dir + "/CHANGES_SINCE", note);
}

std::string Checkpoints::fingerprint(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? std::string() : "unreadable";
    ::close(fd);
    return sha256_hex(read_all(path));
}

namespace {

// A symlink certbot made (a sites-enabled link) is recorded as what it points at, not as the
// content behind it: a later checkpoint may change that file, and the link is still as certbot
// made it. "" when PATH is not a symlink.
std::string link_fingerprint(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return std::string();
    std::vector<char> buf(4096);
    ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
    if (n < 0 || static_cast<size_t>(n) >= buf.size()) return "unreadable";
    return "symlink:" + std::string(buf.data(), static_cast<size_t>(n));
}

}  // namespace

void Checkpoints::record_written(const std::string& dir, const std::string& path,
                                 const std::string& digest) {
    open_checkpoint(dir);
    append_line(dir + "/" + kWritten, digest + " " + path);
}

void Checkpoints::write_file(const std::string& path, const std::string& content, bool temporary,
                             unsigned mode) {
    record_written(temporary ? temp_dir() : in_progress_dir(), path, sha256_hex(content));
    write_keeping(path, content, mode);
}

void Checkpoints::check_unedited(const std::vector<std::string>& dirs) const {
    // What each file will hold once the newer checkpoints in DIRS are restored ("" = absent).
    std::map<std::string, std::string> after;
    auto now = [&](const std::string& path) {
        auto it = after.find(path);
        return it != after.end() ? it->second : fingerprint(path);
    };
    for (const auto& dir : dirs) {
        if (!file_exists(dir)) continue;
        auto written = read_written(dir);
        auto paths = read_lines(dir + "/FILEPATHS");
        auto created = read_lines(dir + "/NEW_FILES");
        // Without WRITTEN the checkpoint is certbot's (or older): nothing to compare with.
        const bool ours = file_exists(dir + "/" + kWritten);
        auto check = [&](const std::string& path, const std::string& original) {
            auto range = written.equal_range(path);
            // A file we created but did not write through write_file (a symlink) has no record.
            if (!ours || (original.empty() && range.first == range.second)) return;
            const std::string current = now(path);
            if (current == original) return;
            for (auto it = range.first; it != range.second; ++it)
                if (it->second == current || it->second == link_fingerprint(path)) return;
            throw std::runtime_error(
                "Not rolling back: " + path + " was " + (current.empty() ? "deleted" : "edited") +
                " after certbot changed it (checkpoint " + dir +
                "), and rolling back would overwrite that change; undo the edit, or to roll back "
                "anyway and lose it, delete " +
                dir + "/" + kWritten);
        };
        std::vector<std::string> originals;
        for (size_t i = 0; i < paths.size(); ++i) {
            std::string copy = dir + "/" + base_name(paths[i]) + "_" + std::to_string(i);
            originals.push_back(file_exists(copy) ? fingerprint(copy) : std::string("missing"));
            check(paths[i], originals.back());
        }
        for (const auto& f : created) check(f, std::string());
        for (size_t i = 0; i < paths.size(); ++i) after[paths[i]] = originals[i];
        for (const auto& f : created) after[f] = std::string();
    }
}

void Checkpoints::register_new_file(const std::string& path, bool temporary) {
    const std::string dir = temporary ? temp_dir() : in_progress_dir();
    open_checkpoint(dir);
    auto created = read_lines(dir + "/NEW_FILES");
    if (std::find(created.begin(), created.end(), path) == created.end())
        append_line(dir + "/NEW_FILES", path);
}

void Checkpoints::register_undo_command(const std::vector<std::string>& argv, bool temporary) {
    if (argv.empty()) return;
    const std::string dir = temporary ? temp_dir() : in_progress_dir();
    make_dir_tree(dir, 0700);
    const std::string path = dir + "/COMMANDS";
    std::string text = file_exists(path) ? read_all(path) : std::string();
    write_keeping(path, text + csv_row(argv), 0600);
}

std::string csv_row(const std::vector<std::string>& fields) {
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        const std::string& f = fields[i];
        if (f.find_first_of(",\"\r\n") == std::string::npos) {
            out += f;
            continue;
        }
        out += '"';
        for (char c : f) {
            if (c == '"') out += '"';
            out += c;
        }
        out += '"';
    }
    return out + "\r\n";
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, any = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = any = true;
        } else if (c == ',') {
            row.push_back(field);
            field.clear();
            any = true;
        } else if (c == '\r' || c == '\n') {
            if (any || !field.empty()) {
                row.push_back(field);
                rows.push_back(row);
            }
            row.clear();
            field.clear();
            any = false;
        } else {
            field += c;
            any = true;
        }
    }
    if (any || !field.empty()) {
        row.push_back(field);
        rows.push_back(row);
    }
    return rows;
}

void Checkpoints::finalize_checkpoint(const std::string& title) {
    if (!file_exists(in_progress_dir())) return;
    std::string notes = file_exists(in_progress_dir() + "/CHANGES_SINCE")
                            ? read_all(in_progress_dir() + "/CHANGES_SINCE")
                            : std::string();
    write_keeping(in_progress_dir() + "/CHANGES_SINCE", "-- " + title + " --\n" + notes, 0600);
    // The files this checkpoint changed without write_file, as it leaves them (check_unedited).
    // A file written through write_file has its exact content recorded already: reading it now
    // could take in an edit made since.
    std::vector<std::string> touched = read_lines(in_progress_dir() + "/FILEPATHS");
    for (const auto& f : read_lines(in_progress_dir() + "/NEW_FILES")) touched.push_back(f);
    auto written = read_written(in_progress_dir());
    for (const auto& f : touched) {
        if (written.count(f)) continue;
        std::string digest = link_fingerprint(f);
        if (digest.empty()) digest = fingerprint(f);
        if (!digest.empty()) record_written(in_progress_dir(), f, digest);
    }
    auto now = std::chrono::system_clock::now().time_since_epoch();
    double t = std::chrono::duration<double>(now).count();
    for (int attempt = 0; attempt < 100; ++attempt) {
        char stamp[64];
        std::snprintf(stamp, sizeof stamp, "%.6f", t + attempt * 0.000001);
        std::string target = backup_dir() + "/" + stamp;
        if (file_exists(target)) continue;
        if (::rename(in_progress_dir().c_str(), target.c_str()) != 0)
            throw std::runtime_error(sys_error("cannot finalise checkpoint", target));
        (void)fsync_dir(backup_dir());
        return;
    }
    throw std::runtime_error("cannot name a new checkpoint in " + backup_dir());
}

bool Checkpoints::has_temporary() const {
    return file_exists(temp_dir());
}

bool Checkpoints::has_in_progress() const {
    return file_exists(in_progress_dir());
}

void Checkpoints::restore(const std::string& dir) {
    check_unedited({dir});
    undo_failures_.clear();
    if (file_exists(dir + "/COMMANDS")) {
        auto commands = parse_csv(read_all(dir + "/COMMANDS"));
        for (auto it = commands.rbegin(); it != commands.rend(); ++it) {
            std::vector<std::string> argv = *it;
            if (argv.empty() || argv[0].empty()) continue;
            HookOptions o;
            o.capture_stdout = true;
            o.merge_stderr = true;
            o.own_process_group = false;  // ends with whatever ends the caller
            o.time_limit_s = kUndoCommandTimeLimit;
            auto r = run_program(argv, o);
            if (!r && find_program(argv[0]).empty())
                undo_failures_.push_back("Unable to run undo command: " + it->front() +
                                         " (not found)");
            else if (!r || r->exit_status != 0 || r->timed_out)
                undo_failures_.push_back(
                    "Unable to run undo command: " + it->front() + " (" +
                    (!r ? r.error().message
                        : common::one_line(r->output) +
                              (r->timed_out ? " (did not finish within " +
                                                  std::to_string(kUndoCommandTimeLimit) + " s)"
                                            : "")) +
                    ")");
        }
    }
    auto paths = read_lines(dir + "/FILEPATHS");
    for (size_t i = 0; i < paths.size(); ++i) {
        std::string copy = dir + "/" + base_name(paths[i]) + "_" + std::to_string(i);
        if (!file_exists(copy))
            throw std::runtime_error("checkpoint " + dir + " lacks its copy of " + paths[i] +
                                     "; restore that file by hand");
        struct stat st;
        unsigned mode = ::stat(copy.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
        write_keeping(paths[i], read_all(copy), mode);
    }
    for (const auto& f : read_lines(dir + "/NEW_FILES")) {
        if (::unlink(f.c_str()) != 0 && errno != ENOENT)
            throw std::runtime_error(sys_error("cannot remove", f));
    }
    must(remove_tree(dir));
}

void Checkpoints::revert_temporary() {
    if (has_temporary()) restore(temp_dir());
}

void Checkpoints::revert_in_progress() {
    if (has_in_progress()) restore(in_progress_dir());
}

void Checkpoints::recovery_routine() {
    check_unedited({temp_dir(), in_progress_dir()});
    revert_temporary();
    revert_in_progress();
}

std::vector<std::string> Checkpoints::checkpoints() const {
    std::vector<std::pair<double, std::string>> found;
    DIR* d = ::opendir(backup_dir().c_str());
    if (d) {
        while (dirent* e = ::readdir(d)) {
            std::string name = e->d_name;
            char* end = nullptr;
            double t = std::strtod(name.c_str(), &end);
            if (name.empty() || name[0] == '.' || !end || *end != '\0') continue;
            found.emplace_back(t, backup_dir() + "/" + name);
        }
        ::closedir(d);
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> out;
    for (auto& f : found) out.push_back(f.second);
    return out;
}

void Checkpoints::rollback_checkpoints(int n) {
    if (n < 1) throw std::runtime_error("the number of checkpoints to roll back must be positive");
    auto all = checkpoints();
    if (static_cast<size_t>(n) > all.size())
        throw std::runtime_error("Cannot roll back " + std::to_string(n) + " checkpoint(s): only " +
                                 std::to_string(all.size()) + " in " + backup_dir() + ".");
    check_unedited(std::vector<std::string>(all.rbegin(), all.rbegin() + n));
    for (int i = 0; i < n; ++i) {
        restore(all.back());
        all.pop_back();
    }
}

}  // namespace certbot
