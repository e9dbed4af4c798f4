// What every command that touches the store does first: create the config, work and logs
// directories, take certbot's locks in each (so a second instance exits at once), and start
// this run's log file (<logs-dir>/letsencrypt.log, rotated per run).
#pragma once

#include <vector>

#include "config.h"
#include "fsutil.h"
#include "http.h"
#include "result.h"
#include "storage.h"

namespace certbot {

class Session {
  public:
    // kScanAll: finish every lineage's interrupted update now (recover_interrupted_updates).
    // kByCaller: the command loads each lineage anyway and calls finish_interrupted_update
    // itself (renew: one pass over the store instead of two).
    // kNone: a reading command (certificates): nothing on disk is changed, not even repaired.
    enum class Recovery { kScanAll, kByCaller, kNone };
    static Result<Session> open(const Config& cfg, Recovery recovery = Recovery::kScanAll);
    HttpOptions http_options() const;

  private:
    explicit Session(const Config& cfg) : cfg_(&cfg) {}
    const Config* cfg_;
    std::vector<FileLock> locks_;
};

// --strict-permissions: `path` must be owned by this user (or root) and not writable by group
// or others. Error (kExitUsage) names the path, its owner and mode.
Status check_strict_permissions(const std::string& path);

// Finds lineages whose four live/ links disagree (a run was killed while switching them) and
// points them all at the newest complete version. Runs under the lock at every session start.
void recover_interrupted_updates(const std::string& config_dir);
// The same for one loaded lineage whose links disagree (Lineage::links_agree false).
void finish_interrupted_update(Lineage& lineage);

// Renames letsencrypt.log -> .1 -> .2 ... keeping at most `backups` old files, like certbot's
// RotatingFileHandler.doRollover() at the start of each run (--max-log-backups). 0: no rotation,
// this run appends to the same file.
void rotate_log(const std::string& path, int backups);

}  // namespace certbot
