// Certbot's on-disk store under a config dir (certbot 2.x certbot/_internal/storage.py and
// https://eff-certbot.readthedocs.io/en/stable/using.html#where-are-my-certificates):
// ACME accounts under accounts/<server host>/<server path>/<id>/, certificate lineages under
// archive/<name>/ (versioned files), live/<name>/ (relative symlinks to the current version) and
// renewal/<name>.conf. Files are byte-compatible with Python certbot 2.x: it loads what we write
// and we load what it wrote.
//
// Crash safety: every file is written with atomic_write (temp + fsync + rename + dir fsync) and
// every live link is switched with atomic_symlink. A new lineage becomes visible only when its
// renewal conf appears, which is written last; a new version's archive files are all on disk
// before the first live link moves. repair_live_links() finishes an interrupted switch.
//
// Callers hold the config dir's FileLock (fsutil.h) around every change.
#pragma once

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "configobj.h"
#include "result.h"

namespace certbot {

// ---- accounts --------------------------------------------------------------------------------

struct StoredAccount {
    std::string id;                // MD5 hex of the account public key (SubjectPublicKeyInfo PEM)
    std::string server_url;        // ACME directory URL
    std::string private_key_json;  // private_key.json text (JWK, josepy member order)
    std::string regr_json;         // regr.json text; empty: made from account_uri on save
    std::string meta_json;         // meta.json text; empty: made from now and this host on save
    std::string account_uri;       // "uri" of regr.json (filled in by load)
};

// certbot's server path: netloc + path of the URL ("https://localhost:14000/dir" ->
// "localhost:14000/dir"). Refuses URLs whose path would leave accounts/ ("..", "." segments).
Result<std::string> server_path_for(const std::string& server_url);
// <config_dir>/accounts/<server path>
Result<std::string> accounts_dir_for(const std::string& config_dir, const std::string& server_url);

// regr.json exactly as certbot writes it: {"body": {}, "uri": "<uri>"}
std::string make_regr_json(const std::string& account_uri);
// meta.json exactly as certbot writes it: {"creation_dt": "2026-11-30T03:36:01Z",
// "creation_host": "<host>"} plus "register_to_eff" only when set (josepy omits None).
std::string make_meta_json(std::time_t creation, const std::string& creation_host,
                           const std::optional<std::string>& register_to_eff = std::nullopt);
// A string as Python's json.dumps writes it (ensure_ascii: non-ASCII as \uXXXX).
std::string python_json_string(std::string_view s);
// Python's socket.getfqdn(): certbot's creation_host.
std::string creation_host();

// Writes <dir>/private_key.json (0400), regr.json and meta.json (0644); directories 0700.
Status save_account(const std::string& config_dir, const StoredAccount& account);
// Accounts for a server. Unreadable account directories are skipped (reported in `problems` if
// given). For Let's Encrypt's v02 servers, falls back to v01 accounts and links them, like
// certbot.
Result<std::vector<StoredAccount>> list_accounts(const std::string& config_dir,
                                                 const std::string& server_url,
                                                 std::vector<Error>* problems = nullptr);
Result<StoredAccount> load_account(const std::string& config_dir, const std::string& server_url,
                                   const std::string& id);
// Removes the account directory (following certbot's v01/v02 links) and the server's accounts
// directory when it becomes empty.
Status delete_account(const std::string& config_dir, const std::string& server_url,
                      const std::string& id);

// ---- lineages --------------------------------------------------------------------------------

// The four members of a lineage, in certbot's order.
extern const char* const kLineageKinds[4];  // "cert", "privkey", "chain", "fullchain"

// One entry of [renewalparams]: a string, a list (written with a trailing comma when it has one
// element) or a subsection such as webroot_map.
struct RenewalParam {
    enum class Kind { kString, kList, kSection };
    std::string key;
    Kind kind = Kind::kString;
    std::string value;
    std::vector<std::string> list;
    std::vector<std::pair<std::string, std::string>> entries;

    static RenewalParam str(std::string key, std::string value);
    static RenewalParam list_of(std::string key, std::vector<std::string> values);
    static RenewalParam section(std::string key,
                                std::vector<std::pair<std::string, std::string>> entries);
};

struct Lineage {
    std::string name;
    std::string config_dir;         // absolute
    std::string renewal_conf_path;  // <config_dir>/renewal/<name>.conf
    ConfigObj conf;                 // the renewal conf as read; save with save_renewal_conf()
    std::string cert_path, privkey_path, chain_path, fullchain_path;  // live links (from conf)
    std::string archive_dir;  // conf's archive_dir, else <config_dir>/archive/<name>
    // Set when loaded: the four live links name the same version. False after a run was killed
    // while switching them (repair_live_links finishes the switch).
    bool links_agree = true;

    const std::string& link_path(const std::string& kind) const;
    std::string archive_path(const std::string& kind, int version) const;  // <archive>/<kind>N.pem
    std::vector<int> available_versions(const std::string& kind) const;    // sorted
    int latest_common_version() const;                   // newest N with all four files; 0 if none
    int next_free_version() const;                       // 1 + newest N of any member
    int current_version(const std::string& kind) const;  // N of the live link's target; 0 if none
    std::string current_target(const std::string& kind) const;  // absolute; "" if no link
    Section& renewal_params() { return conf.root().section("renewalparams"); }
};

// First domain, without a leading "*." (certbot never names files after a wildcard).
std::string default_lineage_name(const std::vector<std::string>& domains);
// Rejects names that are empty, contain '/', "..", control characters, start with '.' or '*',
// or are too long for a file name.
Status validate_lineage_name(const std::string& name);
// Longest lineage name: the longest file made from it (".NAME-99999.conf.tmp.XXXXXXXX") must fit
// NAME_MAX (255).
constexpr size_t kMaxLineageName = 200;
// `wanted` if free, else wanted-0001, wanted-0002, ... (certbot's scheme). A name is taken when
// renewal/<name>.conf exists or archive/<name> or live/<name> exists and is not an empty dir.
Result<std::string> choose_lineage_name(const std::string& config_dir, const std::string& wanted);

// The renewal conf certbot writes for a new lineage (write_renewal_config on an empty file).
ConfigObj build_renewal_conf(const std::string& version, const std::string& archive_dir,
                             const std::string& cert, const std::string& privkey,
                             const std::string& chain, const std::string& fullchain,
                             const std::vector<RenewalParam>& params);
// certbot's write_renewal_config on an existing conf: sets version, archive_dir and the four
// paths, creates [renewalparams] if missing, updates it with `params` and removes the keys that
// `ours` claims and `params` does not set (an option turned off). Every other key (a Python
// plugin's options, keys from a newer certbot), comments and other sections survive unchanged.
void update_renewal_conf(ConfigObj& conf, const std::string& version,
                         const std::string& archive_dir, const std::string& cert,
                         const std::string& privkey, const std::string& chain,
                         const std::string& fullchain, const std::vector<RenewalParam>& params,
                         const std::function<bool(const std::string& key)>& ours);

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
// Writes lineage.conf to its renewal conf atomically, keeping the existing file's mode.
Status save_renewal_conf(const Lineage& lineage);

// <config_dir>/renewal/*.conf, sorted bytewise (hidden files ignored); none if renewal/ is
// missing. For going through lineages one at a time (load_lineage_from_conf).
Result<std::vector<std::string>> renewal_conf_paths(const std::string& config_dir);
// "example.com" for ".../renewal/example.com.conf".
std::string lineage_name_of(const std::string& conf_path);

// Reads renewal/*.conf (sorted; hidden files ignored). A conf that cannot be loaded adds an
// Error naming it to `broken` (if given) and the others are still returned.
Result<std::vector<Lineage>> list_lineages(const std::string& config_dir,
                                           std::vector<Error>* broken);
Result<Lineage> load_lineage(const std::string& config_dir, const std::string& name);
Result<Lineage> load_lineage_from_conf(const std::string& config_dir, const std::string& conf_path);
// certbot's delete: renewal conf first, then the four live links (and live/<name>/ with its
// README when it is left empty), then the archive directory.
Status delete_lineage(const std::string& config_dir, const std::string& name);
// certbot update_symlinks for one renewal conf: points each of the four live links at the file
// of the same name (same version) in the conf's archive_dir, for a store whose archive was
// moved. The links' versions are not changed. Then checks the links resolve.
Status update_symlinks(const std::string& config_dir, const std::string& conf_path);

// Before a certificate is ordered: the directories it will be saved in are writable, so it is
// never issued and then lost. Existing lineage: renewal/, its archive_dir and the directories of
// its live links; new one: renewal/, archive/ and live/ (or the nearest existing parent).
Status check_store_writable(const std::string& config_dir, const Lineage* existing);

// Crash recovery for lineages whose update a killed run left half-written (it marks each
// update in renewal/.updating/<name> while it writes): removes the temp files (".X.tmp.*") in
// their archive, live and renewal directories and the files of versions newer than the newest
// complete one (e.g. a private key written just before the kill), points the live links at the
// newest complete version, and removes the half-made directories of a new lineage that never
// got a complete version. A complete version is never deleted. One line per lineage handled.
std::vector<std::string> finish_unfinished_updates(const std::string& config_dir);

// Crash recovery: removes leftover previous_*.pem links and points all four live links at the
// newest version N whose four archive files exist.
Status repair_live_links(Lineage& lineage);

// The README texts certbot writes in live/ and live/<name>/.
std::string live_readme_text(bool base_dir);

}  // namespace certbot
