// Obtaining and saving certificates for lineages, shared by certonly and renew: the renewal
// decision, rebuilding a Config from a renewal conf (with command-line overrides), the
// [renewalparams] to store, and the issue-then-save step.
#pragma once

#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "acme.h"
#include "config.h"
#include "crypto.h"
#include "http.h"
#include "plugin_host.h"
#include "result.h"
#include "storage.h"

namespace certbot {

struct RenewalDecision {
    bool due = false;
    std::string reason;  // "forced", "expires in 12 days", ...
    // Not due by the certificate's lifetime alone: ARI (ari_renewal.h) may still advance it.
    bool ari_may_advance = false;
};

// certbot 4.1+: forced/dry-run; autorenew = False; renew_before_expiry; else less than 1/3 of
// the lifetime left (1/2 when the lifetime is under 10 days). `now` is the clock input.
RenewalDecision should_renew(const Lineage& lineage, const Config& cfg, std::time_t now);
// The same with the current certificate already read by the caller (nullptr: read here).
RenewalDecision should_renew_with_cert(const Lineage& lineage, const Config& cfg, std::time_t now,
                                       const std::string* cert_pem);

std::optional<CertInfo> current_cert(const Lineage& lineage);

// Whether renewal_params() manages this [renewalparams] key (certbot's own keys we write, and the
// declared options of installed plugins): such a key is removed when the option is off. Any other
// key (a Python plugin's, a newer certbot's) is kept as it was.
bool renewal_key_is_ours(const std::string& key, const PluginRegistry& plugins);

// certbot's --new-key replaces the key this time only and leaves the reuse_key choice as it was
// (with --reuse-key: replace now, reuse from then on); the CLI folds --new-key into
// reuse_key = false, this undoes that.
void normalize_key_flags(Config& cfg);

// "2026-11-30" (UTC) for a Unix time, as certbot prints expiry dates.
std::string date_of(int64_t unix_time);

// The configuration to renew `lineage` with: its stored [renewalparams], overridden by what the
// user set on the command line (cli.set_by_user), like certbot, and the names of its current
// certificate: renewal_config + set_lineage_domains.
Result<Config> config_for_lineage(const Lineage& lineage, const Config& cli,
                                  const PluginRegistry& plugins);
// config_for_lineage without reading the certificate (domains stay as on the command line).
Result<Config> renewal_config(const Lineage& lineage, const Config& cli,
                              const PluginRegistry& plugins);
// cfg.domains = the names of the lineage's current certificate.
Status set_lineage_domains(Config& cfg, const Lineage& lineage);

// What a plugin reads through host->get_option, from the parsed or restored flags.
Result<PluginOptionValues> plugin_values(const LoadedPlugin& plugin, const Config& cfg);

// Writes cfg's options (account: cfg.account) to the lineage's [renewalparams], as certbot's
// save_new_config_values does for reconfigure; the certificate files are not touched.
Status save_renewal_options(Lineage& lineage, const Config& cfg, const PluginRegistry& plugins);

struct IssueResult {
    std::string name, live_dir;
    std::vector<std::string> domains;  // the names in the certificate
    int64_t not_after = 0;
    bool dry_run = false;
    // certonly --csr: where the certificate went (no lineage, name and live_dir are empty).
    std::string cert_path, chain_path, fullchain_path;
};

// How issue_and_save reaches the CA: the HTTP client it sends through and the clock the ACME
// client polls and waits with. Commands pass a real client (ca_http_client) and the system
// clock; unit tests script a CA (fake_http_test.h) and a clock that never sleeps
// (fake_clock_test.h). Both are borrowed for the call.
// `share`, when set, is the directory and nonces of the CA shared with the other lineages of
// the run (SharedCaLinks). `ahead`, when set, fetches the directory and a first nonce into
// `share` on a thread once started (ca_prefetch.h): obtain_with_hooks starts it as soon as it
// knows the request goes to the CA.
class CaPrefetch;
struct CaLink {
    HttpClient& http;
    Clock& clock = system_clock();
    CaShare* share = nullptr;
    CaPrefetch* ahead = nullptr;
};
// The HTTP client for cfg's CA: TLS verified unless --no-verify-ssl, certbot's User-Agent.
std::unique_ptr<HttpClient> ca_http_client(const Config& cfg);

// The CA links of one run that renews many lineages, used from every renew worker at once: one
// HTTP client (with its kept-alive connections) per set of client options, and one CaShare per
// directory URL, so that the lineages of one CA fetch its directory once, reuse connections
// (no TLS handshake per lineage) and use each other's nonces. Lives as long as the run.
class SharedCaLinks {
  public:
    CaLink link(const Config& cfg);

  private:
    std::mutex mu_;
    std::map<std::string, std::unique_ptr<HttpClient>> http_;  // by verify_tls + User-Agent
    std::map<std::string, std::unique_ptr<CaShare>> shares_;   // by directory URL
};

// Orders a certificate for cfg.domains with cfg.authenticator through `ca` and saves it: as a new
// version of `existing` (and its renewal conf updated), or as a new lineage. Dry runs save nothing.
// With cfg.csr_der (certonly --csr) the certificate is saved as certbot does, to --cert-path,
// --chain-path and --fullchain-path (new files; by default ./0000_cert.pem, ./0000_chain.pem,
// ./0001_chain.pem, the first free numbers), and the store is not touched.
Result<IssueResult> issue_and_save(const Config& cfg, const PluginRegistry& plugins,
                                   Lineage* existing, CaLink ca);

// certonly's way round issue_and_save: --pre-hook first, --deploy-hook after a saved
// certificate (not in a dry run), --post-hook last whatever happened. Of the renewal-hooks/
// directories only deploy/ runs (certbot 5.3; --no-directory-hooks turns it off).
Result<IssueResult> issue_with_hooks(const Config& cfg, const PluginRegistry& plugins,
                                     Lineage* existing, CaLink ca);

}  // namespace certbot
