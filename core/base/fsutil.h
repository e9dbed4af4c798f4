// Filesystem helpers with the durability rules of the project: every write of a key, certificate
// or config goes to a temp file in the same directory (created with its final mode, so a 0600 key
// is never readable by others, not even for an instant), is fsynced, renamed over the target and
// the directory fsynced. Symlink switches are atomic the same way (symlink at a temp name, then
// rename). FileLock is certbot's `.certbot.lock` protocol.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "result.h"

namespace certbot {

// Writes `data` to `path` atomically: temp file in the same directory opened with
// O_CREAT|O_EXCL|O_WRONLY|O_CLOEXEC and `mode`, then fchmod(mode) (umask-independent) before the
// first byte, write, fsync, rename over `path`, fsync the directory. With `group`, the file is
// chowned to that group before the mode is applied; if that is not permitted the group
// permission bits are dropped instead (never more access than asked for). On failure the temp
// file is removed and `path` is untouched.
// With DirSync::kByCaller the last step (the directory fsync that makes the rename durable) is
// left to the caller, who writes a batch of files into one directory and then calls fsync_dir
// once, before it reports any of them saved. Until then a crash leaves each file either old or
// new, never half-written: the file itself is fsynced before its rename either way.
enum class DirSync { kNow, kByCaller };
Status atomic_write(const std::string& path, std::string_view data, mode_t mode,
                    std::optional<gid_t> group = std::nullopt, DirSync dir_sync = DirSync::kNow);

// One file of a batch for atomic_write_files: `data` is borrowed for the call.
struct FileToWrite {
    std::string path;
    std::string_view data;
    mode_t mode;
    std::optional<gid_t> group;  // as atomic_write's
};
// Several files, each written as atomic_write writes it, with the durability work batched:
// every temp file is created and written first and its writeback started
// (sync_file_range(SYNC_FILE_RANGE_WRITE)), then each is fsynced, then they are renamed over
// their paths back to back, then (DirSync::kNow) each of their directories is fsynced once. The
// guarantee is atomic_write's: each file is durable before its rename, and its directory before
// this returns. The point: on ext4 (data=ordered, delayed allocation) the first fsync's journal
// commit carries the other files' data already under writeback, so the next fsyncs find little
// to commit. On failure before the renames nothing changes and no temp file is left; a failed
// rename leaves the files renamed before it in place (as a loop of atomic_write would).
Status atomic_write_files(const std::vector<FileToWrite>& files, DirSync dir_sync = DirSync::kNow);

// Like atomic_write, but never replaces: the complete file appears at `path` (link(2) of the
// synced temp file) only if nothing was there; else an error, with *existed set (certbot's
// safe_open with O_EXCL, without a half-written file ever being visible).
Status atomic_create(const std::string& path, std::string_view data, mode_t mode,
                     bool* existed = nullptr);

// Reads a whole file; refuses files larger than `max_bytes`.
Result<std::string> read_file(const std::string& path, size_t max_bytes = 16u * 1024u * 1024u);
// The same for `rel` opened relative to the directory `dir_fd` (openat(2); AT_FDCWD: as
// read_file); errors name `path`, the file's full path.
Result<std::string> read_file_at(int dir_fd, const char* rel, const std::string& path,
                                 size_t max_bytes);

// mkdir -p. Missing components are created with `mode` (the process umask applies, as with
// mkdir(2)); components that already exist (also through a symlink to a directory) are fine.
Status make_dirs(const std::string& path, mode_t mode);

// Makes `link_path` a symlink to `target` atomically: symlink at a temp name in the same
// directory, rename() over `link_path`, fsync the directory. Readers see either the old link or
// the new one, never no link.
Status atomic_symlink(const std::string& target, const std::string& link_path);

// Several links switched as close together as possible: every temp symlink is made first, then
// they are renamed over their links back to back, then the directories are fsynced. If a temp
// link cannot be made, nothing changes. `links`: (target, link path) pairs.
Status atomic_symlinks(const std::vector<std::pair<std::string, std::string>>& links);

// True for the temp names atomic_write and atomic_symlink use (".<name>.tmp.<random>"): what an
// interrupted run can leave behind.
bool is_temp_name(const std::string& name);

// fsync a directory (after creating, renaming or removing entries in it).
Status fsync_dir(const std::string& dir);

// Like Python's os.path.relpath(target, from_dir): both paths are made absolute against the
// current directory and normalised lexically (no symlinks resolved), then the path from
// `from_dir` to `target` is returned ("." when they are the same).
std::string relative_path(const std::string& target, const std::string& from_dir);

// Lexical helpers (POSIX paths).
std::string path_join(const std::string& a, const std::string& b);
std::string dir_name(const std::string& path);        // "a/b/c" -> "a/b", "c" -> ".", "/c" -> "/"
std::string base_name(const std::string& path);       // "a/b/c" -> "c"
std::string normalize_path(const std::string& path);  // os.path.normpath(abspath(path))

// Names in a directory (without "." and ".."), sorted bytewise; error if it cannot be read.
Result<std::vector<std::string>> list_dir(const std::string& dir);

// OpenSSH's StrictModes for what we run or load as root: why PATH could be changed by someone
// else: owned by a user other than root and us, or writable by group/others (with sticky_ok, a
// sticky directory such as /tmp is fine: others may add entries there but not replace ours).
// "" if trusted or missing (stat follows a symlink: the target is what runs).
std::string others_can_change(const std::string& path, bool sticky_ok);

// rm -rf for one directory tree; symlinks are removed, never followed. Missing path is fine.
Status remove_tree(const std::string& path);

// Certbot-compatible lock on a directory: `<dir>/.certbot.lock`, opened O_CREAT mode 0600 and
// locked with a non-blocking exclusive fcntl write lock on the whole file (an open file
// description lock where the kernel has them: it conflicts with Python certbot's lockf() lock,
// and unlike a classic POSIX lock it is not dropped when some other descriptor of the same file
// is closed in this process). A lock held by a dead process is no lock: the kernel releases it.
// Like certbot, the lock file is unlinked before the lock is released (destructor), and an
// acquire that locked a file which was unlinked meanwhile retries on the new file.
// Acquiring a lock this process already holds (e.g. --config-dir and --work-dir are the same
// directory) succeeds and shares it; the file is released when the last holder lets go.
// A forked child does not hold its parent's locks; a FileLock destroyed in a forked child only
// closes its descriptor and leaves the parent's lock file alone.
class FileLock {
  public:
    // Error "Another instance of Certbot is already running." with kExitLocked when another
    // process holds the lock.
    static Result<FileLock> acquire(const std::string& dir);

    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

    // Unlinks the lock file and drops the lock now (the destructor does it otherwise).
    void release();
    bool held() const { return fd_ >= 0; }
    const std::string& path() const { return path_; }

  private:
    FileLock(std::string path, int fd, pid_t pid) : path_(std::move(path)), fd_(fd), pid_(pid) {}
    std::string path_;
    int fd_ = -1;
    pid_t pid_ = 0;  // process that acquired it
};

}  // namespace certbot
