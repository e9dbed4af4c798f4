// The ARI part of the renewal decision (RFC 9773 §4.2), for lineages the lifetime rule
// (renewal.h should_renew) has found not due. Lineages the lifetime rule already decided are
// never asked about, so a no-op `renew` makes one directory request per CA and renewalInfo
// requests only for lineages whose stored Retry-After has passed, all in parallel and bounded
// in time. Any failure leaves the lineage to the lifetime rule.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ari.h"
#include "config.h"
#include "configobj.h"
#include "fsutil.h"
#include "http.h"
#include "renewal.h"
#include "storage.h"

namespace certbot {

// ---- ARI state in the renewal conf --------------------------------------------------------
// certbot 5.x writes
//   [acme_renewal_info]
//   ari_retry_after = 2025-10-07T12:26:09        (UTC, no offset: Python's naive isoformat)
// We add the last window seen, for the certificate it was seen for (certbot ignores keys it
// does not know and keeps them when it rewrites the conf):
//   ari_cert_id = <certID>, ari_window_start = <RFC 3339>, ari_window_end = <RFC 3339>
struct AriState {
    std::optional<int64_t> retry_after;
    std::string cert_id;
    std::optional<RenewalWindow> window;
};
AriState load_ari_state(const ConfigObj& conf);
void store_ari_state(ConfigObj& conf, const AriState& state);
// "2025-10-07T12:26:09", as certbot writes ari_retry_after.
std::string python_isoformat_utc(int64_t unix_time);

struct AriCheck {
    // In: the lineage's own CA (its renewal conf's server, never the command line's, like
    // certbot 4.2), its current certificate and the ARI state of its conf.
    std::string name;
    std::shared_ptr<const std::string> server;  // never null; shared by lineages of one CA
    std::string cert_path;
    // Out as well: a fresh answer replaces it (and is what save_ari_state writes). One AriCheck
    // is held per lineage not due, so it is kept small: a no-op renew over 10,000 lineages
    // stays under 20 MB.
    AriState stored;
    // Out
    std::string cert_id;
    bool window_in_force = false;  // stored.window is this certificate's (fetched or stored)
    bool fetched = false;          // a fresh answer: `stored` is to be saved
    bool due = false;
    std::string reason;   // "ARI suggests renewal from 2026-01-02 03:04 UTC"
    std::string warning;  // why ARI could not be used ("" if it could, or was not offered)
};

// One shared copy of each CA's URL for the checks of many lineages (a store usually has one
// or two CAs; 10,000 copies of the URL were a tenth of a no-op renew's memory), whatever order
// the lineages come in.
class AriServerPool {
  public:
    std::shared_ptr<const std::string> intern(const std::string& server);

  private:
    std::map<std::string, std::shared_ptr<const std::string>, std::less<>> servers_;
};

// Builds the check for a lineage the lifetime rule left undecided; nullopt if it has no server
// (certbot warns and skips ARI then too; the warning is logged here). With a pool, its server
// URL is the pool's copy.
std::optional<AriCheck> ari_check_for(const Lineage& lineage, AriServerPool* servers = nullptr);

// Decides each check. make_http is called once per worker thread. Directories are fetched once
// per distinct server. At most `parallel` requests are in flight.
using HttpFactory = std::function<std::unique_ptr<HttpClient>()>;
void run_ari_checks(std::vector<AriCheck>& checks, const HttpFactory& make_http, int64_t now,
                    size_t parallel);

// Saves a fresh answer's state into the lineage's renewal conf (caller holds the store lock).
// With DirSync::kByCaller the caller fsyncs the renewal directory after its batch (fsutil.h).
Status save_ari_state(const std::string& config_dir, const AriCheck& check,
                      DirSync dir_sync = DirSync::kNow);

// HTTP settings for ARI requests: shorter timeouts than issuance, so a CA that does not answer
// cannot make a no-op renew slow.
HttpOptions ari_http_options(bool verify_tls, const std::string& user_agent);

// run_ari_checks with real HTTP (ari_http_options for cfg), then for each check its warning
// logged and a fresh answer saved in its renewal conf (caller holds the store lock). Each conf
// is written atomically (temp file, fsync, rename); the renewal directory is fsynced once after
// the last of them, before this returns, not once per conf (1,000 confs: 1,001 fsyncs, not 2,000).
void check_ari_and_save(std::vector<AriCheck>& checks, const Config& cfg, int64_t now,
                        size_t parallel);

// One lineage (certonly of an existing lineage): should_renew, then ARI when that left it
// undecided; a fresh ARI answer is saved in the renewal conf (caller holds the store lock).
RenewalDecision should_renew_with_ari(const Lineage& lineage, const Config& cfg, std::time_t now);

}  // namespace certbot
