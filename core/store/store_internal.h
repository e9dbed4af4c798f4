// Helpers shared by the store's own .cpp files (core/store/ only; not part of its interface).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "lineage.h"
#include "result.h"

namespace certbot {
namespace store_internal {

constexpr mode_t kPrivkeyMode = 0600;
constexpr mode_t kPublicMode = 0644;
constexpr size_t kMaxConfBytes = 1024 * 1024;

bool path_exists(const std::string& p);   // follows symlinks (os.path.exists)
bool path_lexists(const std::string& p);  // the path itself (os.path.lexists)
bool is_dir(const std::string& p);        // follows symlinks (os.path.isdir)
bool is_link(const std::string& p);
std::optional<std::string> read_link(const std::string& p);
std::optional<std::string> read_link_at(int dir_fd, const char* rel);  // readlinkat(2)
// certbot's get_link_target: absolute path of a link's target (relative to the link's dir).
std::optional<std::string> link_target(const std::string& link);
// The same with the link reached as `rel` relative to the directory `dir_fd` (readlinkat(2)).
std::optional<std::string> link_target_at(const std::string& link, int dir_fd, const char* rel);
bool dir_is_empty_or_missing(const std::string& p);
// "<kind><digits>.pem" -> digits; -1 if it does not match certbot's ^kind([0-9]+)\.pem$.
int version_of(const std::string& kind, const std::string& filename);

// The lineage a renewal conf describes, without looking at its links (lineage.cpp).
Result<Lineage> read_lineage_conf(const std::string& config_dir, const std::string& conf_path);
// RenewableCert._check_symlinks; also notes whether the links agree on a version (lineage.cpp).
// With a reader, the links and targets under its directories are reached relative to them.
Status check_symlinks(Lineage& l, const LineageReader* reader = nullptr);

// renewal/.updating (store_repair.cpp)
std::string updating_dir(const std::string& config_dir);
// Removes a marker, and renewal/.updating itself once it is empty (store_repair.cpp).
Status remove_update_marker(const std::string& path);

// renewal/.updating/<name>: present while a lineage's files are being written (created before
// the first archive file, removed after the last step). A run killed in between leaves it, and
// the next run's finish_unfinished_updates knows which lineage to clean up. Certbot's glob of
// renewal/*.conf does not see it. On failure (not a kill) the destructor removes it again: the
// failing step has already cleaned up after itself.
class UpdateMarker {
  public:
    static Result<UpdateMarker> begin(const std::string& config_dir, const std::string& name);
    UpdateMarker(UpdateMarker&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
    UpdateMarker& operator=(UpdateMarker&&) = delete;
    ~UpdateMarker() {
        if (!path_.empty()) (void)remove_update_marker(path_);
    }
    // From here on a failure leaves the marker: what was written is complete and the next run
    // finishes the update (points the links at it).
    void keep() { path_.clear(); }
    Status done() {
        const std::string p = path_;
        path_.clear();
        return remove_update_marker(p);
    }

  private:
    explicit UpdateMarker(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

}  // namespace store_internal
}  // namespace certbot
