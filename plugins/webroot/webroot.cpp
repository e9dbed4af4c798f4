// webroot: answers http-01 challenges (RFC 8555 §8.3) by writing
// <webroot>/.well-known/acme-challenge/<token> for a web server that is already running, like
// certbot's webroot plugin. Everything it creates is tracked in the instance and removed by
// cleanup, also after a partial perform; cleanup may run any number of times.
//
// All file system work goes through directory descriptors: the webroot is opened once, the
// directories below it are created and opened relative to it, and the challenge file is created
// with O_CREAT|O_EXCL|O_NOFOLLOW, so a name planted by someone else is never followed or
// overwritten, and cleanup removes exactly the names it created in the directories it used.
// Below the webroot no symlink is followed at all (.well-known and acme-challenge included):
// certbot 5.10 closed the same hole.
#include <certbot/plugin.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using certbot::plugin::Challenge;
using certbot::plugin::Host;
using certbot::plugin::is_base64url_token;

constexpr const char* kWellKnown = ".well-known";
constexpr const char* kAcmeChallenge = "acme-challenge";
constexpr mode_t kDirMode = 0755;   // the web server, another user, must traverse it
constexpr mode_t kFileMode = 0644;  // ... and read the answer

std::string errno_text(int err) {
    return std::strerror(err);
}

std::string join_path(const std::string& dir, const std::string& name) {
    if (!dir.empty() && dir.back() == '/') return dir + name;
    return dir + "/" + name;
}

// Owning file descriptor.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) reset(std::exchange(other.fd_, -1));
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

// An advisory lock (flock(2)) on a webroot directory, held while an instance opens or makes
// .well-known/acme-challenge and writes its file, and while its cleanup removes its files and
// the directories it made. Instances sharing a webroot (renew renews lineages in parallel, each
// instance maybe in its own runner process) then never remove a directory another has opened
// and not yet written its file in. Any user who can open the webroot can take this lock too, so
// it is waited for a short while only; then the work goes on without it (as where flock is not
// supported), and a directory that vanishes is made again (Webroot::open_challenge_dirs).
class WebrootLock {
  public:
    explicit WebrootLock(int dir_fd) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (::flock(dir_fd, LOCK_EX | LOCK_NB) != 0) {
            if ((errno != EWOULDBLOCK && errno != EINTR) ||
                std::chrono::steady_clock::now() >= deadline)
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        fd_ = dir_fd;
    }
    ~WebrootLock() {
        if (fd_ >= 0) ::flock(fd_, LOCK_UN);
    }
    WebrootLock(const WebrootLock&) = delete;
    WebrootLock& operator=(const WebrootLock&) = delete;

  private:
    int fd_ = -1;
};

// One webroot and what this instance created in it.
struct Root {
    std::string path;  // as configured; used in messages
    dev_t dev = 0;
    ino_t ino = 0;
    Fd dir;            // <root>
    Fd well_known;     // <root>/.well-known
    Fd challenge_dir;  // <root>/.well-known/acme-challenge
    bool created_well_known = false;
    bool created_challenge_dir = false;
    std::vector<std::string> files;  // tokens written into challenge_dir

    std::string well_known_path() const { return join_path(path, kWellKnown); }
    std::string challenge_dir_path() const { return join_path(well_known_path(), kAcmeChallenge); }
    std::string file_path(const std::string& token) const {
        return join_path(challenge_dir_path(), token);
    }
};

// A challenge with the webroot that answers it.
struct Planned {
    const Challenge* challenge;
    std::string webroot;
};

class Webroot : public certbot::plugin::Authenticator {
  public:
    // Every -w path must be a directory before the host places an order: a typo found after
    // ordering costs the user a failed authorization at the CA (and rate limit).
    explicit Webroot(Host host) : host_(host) {
        for (const auto& path : host_.options("path")) {
            struct stat st {};
            if (::stat(path.c_str(), &st) != 0)
                throw std::runtime_error("The webroot path " + path +
                                         " cannot be used: " + errno_text(errno) +
                                         ". Create it or fix --webroot-path/-w.");
            if (!S_ISDIR(st.st_mode))
                throw std::runtime_error("The webroot path " + path +
                                         " is not a directory. Fix --webroot-path/-w.");
        }
    }
    ~Webroot() override {
        // The host calls cleanup after every perform; this only matters if it did not.
        try {
            remove_created(false);
        } catch (...) {
        }
    }

    std::vector<std::string> chall_pref(const std::string&) override { return {"http-01"}; }

    void perform(const std::vector<Challenge>& challenges) override {
        // Check everything before touching the file system, so a bad challenge creates nothing.
        std::vector<Planned> plan;
        plan.reserve(challenges.size());
        for (const auto& c : challenges) plan.push_back({&c, webroot_for(c)});
        for (const auto& p : plan) {
            Root& root = open_root(p.webroot, p.challenge->identifier);
            const WebrootLock lock(root.dir.get());
            if (!root.challenge_dir) open_challenge_dirs(root, p.challenge->identifier);
            write_challenge(root, *p.challenge);
        }
    }

    void cleanup(const std::vector<Challenge>&) override { remove_created(true); }

  private:
    std::string webroot_for(const Challenge& c) const {
        if (c.type != "http-01")
            throw std::runtime_error("The webroot plugin can only answer http-01 challenges, not " +
                                     c.type + " (for " + c.identifier + ").");
        if (c.is_wildcard)
            throw std::runtime_error("The webroot plugin cannot validate the wildcard name *." +
                                     c.identifier +
                                     ": http-01 cannot prove wildcards; use a DNS plugin.");
        if (!is_base64url_token(c.token))
            throw std::runtime_error("Refusing the http-01 token for " + c.identifier +
                                     ": it is not a base64url string (A-Z a-z 0-9 - _, at most "
                                     "255), so it cannot be used as a "
                                     "file name. The ACME server sent a malformed challenge.");
        std::string webroot = host_.option("path", std::string(), c.identifier.c_str());
        if (webroot.empty())
            throw std::runtime_error("No webroot path for " + c.identifier +
                                     ": give one with --webroot-path/-w before -d " + c.identifier +
                                     ", or map it with --webroot-map.");
        return webroot;
    }

    // Opens the webroot, once per directory however it is spelled.
    Root& open_root(const std::string& webroot, const std::string& identifier) {
        Fd dir(::open(webroot.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir) {
            int err = errno;
            if (err == ENOENT || err == ENOTDIR)
                throw std::runtime_error("The webroot path " + webroot + " for " + identifier +
                                         " does not exist or is not a directory; check "
                                         "--webroot-path/-w or --webroot-map.");
            throw std::runtime_error("Could not open the webroot path " + webroot + " for " +
                                     identifier + ": " + errno_text(err) + ".");
        }
        struct stat st {};
        if (::fstat(dir.get(), &st) != 0)
            throw std::runtime_error("Could not inspect the webroot path " + webroot + ": " +
                                     errno_text(errno) + ".");
        for (auto& r : roots_)
            if (r->dev == st.st_dev && r->ino == st.st_ino) return *r;

        auto root = std::make_unique<Root>();
        root->path = webroot;
        root->dev = st.st_dev;
        root->ino = st.st_ino;
        root->dir = std::move(dir);
        // Track it before creating anything, so cleanup sees every directory made below.
        roots_.push_back(std::move(root));
        Root& r = *roots_.back();
        host_.debug("Using the webroot path " + r.path + " for " + identifier);
        return r;
    }

    // Another run sharing this webroot removes .well-known and acme-challenge in its cleanup
    // when it finds them empty, by name: were it to do so between our open of one of them and
    // our file being in it, our mkdir of acme-challenge in a .well-known just removed, or our
    // file's creation, would fail with ENOENT. Our own instances (renew's workers, each maybe in
    // its own runner process) take turns through the WebrootLock; a program that does not (Python
    // certbot, a lock not waited for) can still do it, so each time a directory vanishes we start
    // again from the webroot, a few times at most.
    static constexpr int kRemakeAttempts = 8;

    // Opens ROOT/.well-known/acme-challenge, making each directory that is missing (this
    // instance's cleanup then removes it again).
    void open_challenge_dirs(Root& r, const std::string& identifier) {
        struct stat st {};
        if (::fstat(r.dir.get(), &st) != 0)
            throw std::runtime_error("Could not inspect the webroot path " + r.path + ": " +
                                     errno_text(errno) + ".");
        for (int attempt = 1;; ++attempt) {
            r.challenge_dir.reset();
            bool made = false;
            r.well_known = open_or_make_dir(r.dir.get(), kWellKnown, r.well_known_path(),
                                            identifier, st, made);
            r.created_well_known = r.created_well_known || made;
            made = false;
            if (r.well_known)
                r.challenge_dir = open_or_make_dir(r.well_known.get(), kAcmeChallenge,
                                                   r.challenge_dir_path(), identifier, st, made);
            r.created_challenge_dir = r.created_challenge_dir || made;
            if (r.challenge_dir) return;
            struct stat now {};
            if (!r.well_known && ::fstat(r.dir.get(), &now) == 0 && now.st_nlink == 0)
                throw std::runtime_error("The webroot path " + r.path + " for " + identifier +
                                         " was removed while in use; check --webroot-path/-w.");
            const std::string path = r.well_known ? r.challenge_dir_path() : r.well_known_path();
            if (attempt == kRemakeAttempts)
                throw std::runtime_error("Could not create " + path + " for the " + identifier +
                                         " http-01 challenge response: it was removed again " +
                                         std::to_string(kRemakeAttempts) +
                                         " times while in use (another program cleaning up the "
                                         "webroot?); try again.");
            host_.debug(path + " was removed by another run's cleanup; making it again");
        }
    }

    // Opens PARENT/NAME, creating it when missing. A directory this creates gets mode 0755
    // whatever the umask and the webroot's owner, like certbot (its GH #1389, #1795). An empty
    // Fd when PARENT or NAME vanished meanwhile (another run's cleanup removed it).
    Fd open_or_make_dir(int parent, const char* name, const std::string& path,
                        const std::string& identifier, const struct stat& webroot_st,
                        bool& created) {
        if (::mkdirat(parent, name, kDirMode) == 0) {
            created = true;
            host_.debug("Created challenge directory " + path);
            // We made it, so it must not be a symlink now.
            Fd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!fd && errno == ENOENT) return Fd();  // removed between the mkdir and the open
            if (!fd)
                throw std::runtime_error("Could not open the directory " + path +
                                         " just created: " + errno_text(errno) + ".");
            if (::fchmod(fd.get(), kDirMode) != 0)
                host_.warning("Could not set mode 0755 on " + path + ": " + errno_text(errno));
            struct stat st {};
            if (::fstat(fd.get(), &st) == 0 &&
                (st.st_uid != webroot_st.st_uid || st.st_gid != webroot_st.st_gid) &&
                ::fchown(fd.get(), webroot_st.st_uid, webroot_st.st_gid) != 0)
                host_.debug("Could not give " + path +
                            " the owner of the webroot: " + errno_text(errno));
            return fd;
        }
        int err = errno;
        if (err == ENOENT) return Fd();  // PARENT was removed after we opened it
        if (err != EEXIST) {
            std::string hint = (err == EACCES || err == EPERM || err == EROFS)
                                   ? " Make " + path.substr(0, path.rfind('/')) +
                                         " writable for this user, or create " + path + " yourself."
                                   : std::string();
            throw std::runtime_error("Could not create " + path + " for the " + identifier +
                                     " http-01 challenge response: " + errno_text(err) + "." +
                                     hint);
        }
        // It was there already. Never follow a symlink here: whoever can write the webroot (often
        // not root) could point it at any directory, and we would create files there as root.
        Fd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) {
            err = errno;
            if (err == ENOENT) return Fd();  // removed between the mkdir and the open
            struct stat lst {};
            const bool is_link =
                ::fstatat(parent, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode);
            if (is_link)
                throw std::runtime_error(
                    path + " is a symbolic link; refusing to follow it for the " + identifier +
                    " http-01 challenge (whoever can write the webroot could "
                    "point it anywhere). Replace it with a directory.");
            throw std::runtime_error(
                err == ENOTDIR ? path +
                                     " exists but is not a directory; the http-01 response "
                                     "for " +
                                     identifier + " must go below it."
                               : "Could not open " + path + ": " + errno_text(err) + ".");
        }
        return fd;
    }

    void write_challenge(Root& root, const Challenge& c) {
        const std::string path = root.file_path(c.token);
        const std::string& content = c.validation.empty() ? c.key_authorization : c.validation;
        host_.debug("Attempting to save validation to " + path);
        // O_EXCL: never reuse or overwrite something already there. O_NOFOLLOW: a symlink planted
        // at this name is not followed (O_EXCL alone refuses it too; this says so twice).
        Fd fd(::openat(root.challenge_dir.get(), c.token.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode));
        // ENOENT: the challenge directory was removed by another run's cleanup after we opened
        // it and before this file was in it (open_challenge_dirs). Once the file is in it,
        // neither directory is empty, so neither can be removed until our cleanup.
        for (int attempt = 1; !fd && errno == ENOENT && attempt <= kRemakeAttempts; ++attempt) {
            host_.debug(root.challenge_dir_path() +
                        " was removed by another run's cleanup; making it again");
            open_challenge_dirs(root, c.identifier);
            fd = Fd(::openat(root.challenge_dir.get(), c.token.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode));
        }
        if (!fd) {
            int err = errno;
            if (err == EEXIST || err == ELOOP)
                throw std::runtime_error("Could not write the challenge file " + path +
                                         ": something with that name already exists (a stale "
                                         "file or a symlink); remove it and try again.");
            throw std::runtime_error("Could not write the challenge file " + path + ": " +
                                     errno_text(err) + ".");
        }
        root.files.push_back(c.token);  // ours from now on, whatever happens next
        if (::fchmod(fd.get(), kFileMode) != 0)
            host_.warning("Could not set mode 0644 on " + path + ": " + errno_text(errno));
        size_t done = 0;
        while (done < content.size()) {
            ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                throw std::runtime_error("Could not write the challenge file " + path + ": " +
                                         errno_text(n < 0 ? errno : EIO) + ".");
            done += static_cast<size_t>(n);
        }
        if (::close(fd.release()) != 0)
            throw std::runtime_error("Could not write the challenge file " + path + ": " +
                                     errno_text(errno) + ".");
    }

    // Removes every file this instance wrote and the directories it created, when empty.
    // Idempotent: what is gone is forgotten; a file that could not be removed is kept for the
    // next call and reported.
    void remove_created(bool log) {
        std::string first_error;
        std::vector<std::unique_ptr<Root>> kept;
        for (auto it = roots_.rbegin(); it != roots_.rend(); ++it) {
            Root& r = **it;
            const WebrootLock lock(r.dir.get());
            std::vector<std::string> left;
            for (const auto& token : r.files) {
                const std::string path = r.file_path(token);
                if (::unlinkat(r.challenge_dir.get(), token.c_str(), 0) == 0 || errno == ENOENT) {
                    if (log) host_.debug("Removed " + path);
                    continue;
                }
                int err = errno;
                if (first_error.empty())
                    first_error = "Could not remove the challenge file " + path + ": " +
                                  errno_text(err) + "; remove it by hand.";
                left.push_back(token);
            }
            r.files = std::move(left);
            if (!r.files.empty()) {
                kept.push_back(std::move(*it));
                continue;
            }
            r.challenge_dir.reset();
            if (r.created_challenge_dir)
                remove_dir(r.well_known.get(), kAcmeChallenge, r.challenge_dir_path(), log);
            r.well_known.reset();
            if (r.created_well_known) remove_dir(r.dir.get(), kWellKnown, r.well_known_path(), log);
        }
        roots_.clear();
        for (auto it = kept.rbegin(); it != kept.rend(); ++it) roots_.push_back(std::move(*it));
        if (log && roots_.empty()) host_.debug("All challenges cleaned up");
        if (!first_error.empty()) throw std::runtime_error(first_error);
    }

    // rmdir PARENT/NAME; a directory that is not empty now holds someone else's files and stays.
    void remove_dir(int parent, const char* name, const std::string& path, bool log) {
        if (::unlinkat(parent, name, AT_REMOVEDIR) == 0) {
            if (log) host_.debug("Removed " + path);
            return;
        }
        int err = errno;
        if (!log || err == ENOENT) return;
        if (err == ENOTEMPTY || err == EEXIST)
            host_.info("Challenge directory " + path + " was not empty, didn't remove");
        else
            host_.info("Could not remove the challenge directory " + path + ": " + errno_text(err));
    }

    Host host_;
    std::vector<std::unique_ptr<Root>> roots_;  // in creation order
};

const char* const kChallengeTypes[] = {"http-01", nullptr};

const cb_option_desc kOptions[] = {
    certbot::plugin::with_alias(
        certbot::plugin::path_option(
            "path",
            "public_html / webroot path. This can be specified multiple times to handle different "
            "domains; each domain will have the webroot path that preceded it.  For instance: `-w "
            "/var/www/example -d example.com -d www.example.com -w /var/www/thing -d thing.net -d "
            "m.thing.net`",
            nullptr, CB_OPT_REPEATABLE | CB_OPT_PER_IDENTIFIER),
        "-w"),
    certbot::plugin::option(
        "map",
        "JSON dictionary mapping domains to webroot paths; this implies -d for each entry. You may "
        "need to escape this from your shell. E.g.: --webroot-map "
        "'{\"eg1.is,m.eg1.is\":\"/www/eg1/\", \"eg2.is\":\"/www/eg2\"}' This option is merged "
        "with, but takes precedence over, -w / -d entries. At present, if you put webroot-map in "
        "a config file, it needs to be on a single line, like: webroot-map = "
        "{\"example.com\":\"/var/www\"}.",
        nullptr, CB_OPT_IDENTIFIER_MAP),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<Webroot>("webroot", "Place files in webroot directory",
                                               "0.1.0", kChallengeTypes, kOptions));
