// Writing lineages: a new lineage, a new version, pruning old versions, the renewal conf,
// deletion and update_symlinks. Byte-compatible with Python certbot 2.x: it loads what we write.
//
// Crash safety: every file is written with atomic_write (temp + fsync + rename) and every live
// link is switched with atomic_symlinks; each directory is fsynced once, after the last rename
// in it of one step (the archive files of a version, then the live links), before the next
// step starts. A new lineage becomes visible only when its
// renewal conf appears, which is written last; a new version's archive files are all on disk
// before the first live link moves. While a lineage's files are being written it is marked in
// renewal/.updating/<name>, so that a killed run is finished by the next (store_repair.h).
//
// Callers hold the config dir's FileLock (fsutil.h) around every change.
#pragma once

#include <string>
#include <vector>

#include "fsutil.h"
#include "lineage.h"
#include "result.h"

namespace certbot {

// Creates archive/<name>/{cert,chain,fullchain,privkey}1.pem (privkey 0600 from the first byte,
// others 0644), live/<name>/*.pem -> ../../archive/<name>/*1.pem, the READMEs and, last,
// renewal/<name>.conf. Empty `fullchain_pem` means cert + chain. On failure everything created
// is removed again.
Result<Lineage> create_lineage(const std::string& config_dir, const std::string& name,
                               const std::string& cert_pem, const std::string& chain_pem,
                               const std::string& fullchain_pem, const std::string& key_pem,
                               const std::vector<RenewalParam>& renewal_params,
                               const std::string& version);

// Saves version N = next_free_version(): archive files first (privkeyN keeps the previous key's
// group and its group/other read bits on top of 0600, like certbot), then switches the four live
// links one by one, then prunes to the current + 5 previous versions. Empty `key_pem` reuses
// the current key's bytes; empty `fullchain_pem` means cert + chain. Does not touch the renewal
// conf (update lineage.conf and call save_renewal_conf). Returns N.
Result<int> save_new_version(Lineage& lineage, const std::string& cert_pem,
                             const std::string& chain_pem, const std::string& fullchain_pem,
                             const std::string& key_pem);
// Deletes archive versions other than the latest complete one and the `keep_previous` before it
// (certbot 2.3+ truncate()).
Status prune_versions(const Lineage& lineage, int keep_previous = 5);
// Writes lineage.conf to its renewal conf atomically, keeping the existing file's mode. With
// DirSync::kByCaller the caller fsyncs the renewal directory after its batch (fsutil.h).
Status save_renewal_conf(const Lineage& lineage, DirSync dir_sync = DirSync::kNow);
// certbot's delete: renewal conf first, then the four live links (and live/<name>/ with its
// README when it is left empty), then the archive directory. A lineage without a renewal conf
// (half-made: a crash, another tool) loses live/<name>/ and archive/<name>/.
Status delete_lineage(const std::string& config_dir, const std::string& name);
// certbot update_symlinks for one renewal conf: points each of the four live links at the file
// of the same name (same version) in the conf's archive_dir, for a store whose archive was
// moved. The links' versions are not changed. Then checks the links resolve.
Status update_symlinks(const std::string& config_dir, const std::string& conf_path);

// Before a certificate is ordered: the directories it will be saved in are writable, so it is
// never issued and then lost. Existing lineage: renewal/, its archive_dir and the directories of
// its live links; new one: renewal/, archive/ and live/ (or the nearest existing parent).
Status check_store_writable(const std::string& config_dir, const Lineage* existing);

}  // namespace certbot
