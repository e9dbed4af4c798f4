// A certificate lineage as certbot keeps it (certbot 2.x certbot/_internal/storage.py,
// RenewableCert): archive/<name>/ (versioned files), live/<name>/ (relative symlinks to the
// current version) and renewal/<name>.conf. Here: the lineage model, its names, building and
// updating renewal confs, and reading lineages back. Writing them is lineage_write.h; crash
// repair is store_repair.h.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "configobj.h"
#include "result.h"

namespace certbot {

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

// First identifier, without a leading "*." (certbot never names files after a wildcard). As
// certbot 5.3's Client._choose_lineagename (certbot/src/certbot/_internal/client.py): the name is
// str() of the first SAN, so an IP address names the lineage in its canonical text form, IPv6
// included, ':' and all ("::1" gives live/::1/ and renewal/::1.conf); only a path separator
// makes a name unusable there (_is_valid_lineagename). `domains` comes DNS names first, then
// addresses (--ip-address), so a mixed certificate is named after its first DNS name.
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

// <config_dir>/renewal, normalised: the directory of the renewal confs.
std::string renewal_dir_of(const std::string& config_dir);

// <config_dir>/renewal/*.conf, sorted bytewise (hidden files ignored); none if renewal/ is
// missing. For going through lineages one at a time (load_lineage_from_conf).
Result<std::vector<std::string>> renewal_conf_paths(const std::string& config_dir);
// The same confs as file names ("example.com.conf"), in renewal_dir_of(config_dir): a tenth of
// the memory of the paths for a store of 10,000.
Result<std::vector<std::string>> renewal_conf_names(const std::string& config_dir);
// "example.com" for ".../renewal/example.com.conf".
std::string lineage_name_of(const std::string& conf_path);

// Reads renewal/*.conf (sorted; hidden files ignored). A conf that cannot be loaded adds an
// Error naming it to `broken` (if given) and the others are still returned.
Result<std::vector<Lineage>> list_lineages(const std::string& config_dir,
                                           std::vector<Error>* broken);
Result<Lineage> load_lineage(const std::string& config_dir, const std::string& name);
Result<Lineage> load_lineage_from_conf(const std::string& config_dir, const std::string& conf_path);

// Reads the lineages of one config dir one conf at a time (renew's scan of every lineage).
// renewal/, live/ and archive/ are opened once, and each lineage's conf, live links and their
// targets are reached relative to them (openat, readlinkat, faccessat): the kernel walks two
// path components per file instead of the whole config dir path. A path a conf names outside
// those directories is used as it is. load() reads, checks and fails exactly as
// load_lineage_from_conf does; it may be called from several threads at once.
class LineageReader {
  public:
    explicit LineageReader(const std::string& config_dir);
    ~LineageReader();
    LineageReader(const LineageReader&) = delete;
    LineageReader& operator=(const LineageReader&) = delete;

    const std::string& config_dir() const { return config_dir_; }    // normalised
    const std::string& renewal_dir() const { return renewal_dir_; }  // renewal_dir_of()
    // conf_name: "example.com.conf", a file in renewal/.
    Result<Lineage> load(const std::string& conf_name) const;
    // The directory descriptor and the path relative to it to reach `path` (an absolute path)
    // by: live/ or archive/ when `path` is plainly under one of them, else AT_FDCWD and `path`.
    // The pointer is into `path`.
    std::pair<int, const char*> at(const std::string& path) const;

  private:
    std::string config_dir_, renewal_dir_, live_prefix_, archive_prefix_;
    int renewal_fd_ = -1, live_fd_ = -1, archive_fd_ = -1;
};

// The README texts certbot writes in live/ and live/<name>/.
std::string live_readme_text(bool base_dir);

}  // namespace certbot
