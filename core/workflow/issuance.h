// The certificate issuance flow (RFC 8555 §7.4): order, authorize through an authenticator
// plugin, finalize with a CSR, download. Cleanup of challenge answers runs on every path.
#pragma once

#include <string>
#include <vector>

#include "acme.h"
#include "config.h"
#include "plugin_host.h"
#include "result.h"

namespace certbot {

struct IssuedCert {
    std::string cert_pem, chain_pem, fullchain_pem, key_pem;
    std::vector<std::string> domains;
};

// Fleet mode (core/fleet, docs/fleet.md) takes part in issuance through this interface, so the
// workflow does not depend on etcd. One relay per process (set_issuance_relay); it must be
// thread-safe (renew's workers issue in parallel). Without one, issuance is a single machine's.
struct Http01Answer {
    std::string identifier, token, key_authorization;
};
class IssuanceRelay {
  public:
    virtual ~IssuanceRelay() = default;
    // Before newOrder: the URL of an unfinished order for exactly `domains` at `server` that an
    // earlier run (maybe another node's) left, or "". It is used only if it lies on the CA's
    // origin, the CA still has it pending or ready, and its names are these.
    virtual std::string pending_order(const std::string& server,
                                      const std::vector<std::string>& domains) = 0;
    // The order this run works on (new or resumed), so that another run can resume it.
    virtual void order_placed(const std::string& server, const std::vector<std::string>& domains,
                              const std::string& url) = 0;
    // The order is finalized and its certificate downloaded: nothing to resume any more.
    virtual void order_done(const std::string& server, const std::vector<std::string>& domains) = 0;
    // After the authenticator performed, before the CA is told: the http-01 answers every node
    // must serve. An error stops the issuance (the authenticator is still cleaned up).
    virtual Status http01_ready(const std::vector<Http01Answer>& answers) = 0;
    // The CA is done with them (or the issuance failed): withdraw them everywhere.
    virtual void http01_done(const std::vector<Http01Answer>& answers) = 0;
};
// Sets (nullptr: clears) the process's relay; the caller keeps it alive while it is set.
void set_issuance_relay(IssuanceRelay* relay);

// Checks before anything is ordered: wildcards need dns-01, IP addresses http-01 or tls-alpn-01
// (among `preferred`, the --preferred-challenges, when given), and so on.
Status preflight_names(const std::vector<std::string>& domains, const LoadedPlugin& authenticator,
                       const std::vector<std::string>& preferred = {});

// key_pem: an existing private key to reuse (--reuse-key), or empty to generate one per
// cfg.key_type/rsa_key_size/elliptic_curve. With cfg.csr_der (--csr) that CSR is finalized with
// instead; no key is made and IssuedCert::key_pem stays empty. With cfg.preferred_chain the
// CA's alternate chains are fetched and chosen from (find_chain_with_issuer).
// order: the newOrder extras (ARI "replaces", "profile"); an order refused with "replaces" is
// tried once more without it (RFC 9773 §5: the CA may refuse a replacement it does not accept).
Result<IssuedCert> obtain_certificate(AcmeClient& acme, PluginInstance& authenticator,
                                      const Config& cfg, const std::vector<std::string>& domains,
                                      const std::string& key_pem, const OrderOptions& order = {});

// Profiles (draft-aaron-acme-profiles, certbot 4.0): the profile to order with given the CA's
// meta.profiles. --required-profile not offered: an error; --preferred-profile not offered: a
// warning and no profile; neither: no profile.
Result<std::string> choose_profile(const Directory& directory, const Config& cfg);

// certbot's --preferred-chain: of the default chain and the alternates (each leaf first), the
// first whose topmost certificate's issuer CN is issuer_cn; else the default (with a warning if
// warn_on_no_match). Alternates with another leaf than the default chain are ignored.
std::string find_chain_with_issuer(const std::string& fullchain,
                                   const std::vector<std::string>& alternates,
                                   const std::string& issuer_cn, bool warn_on_no_match);

// certbot's handle_csr for `certonly --csr FILE`: reads the CSR (DER, else PEM), takes its names
// (commonName, then the SANs) as cfg.domains and the DER as cfg.csr_der. Refused (kExitUsage,
// certbot's messages) for other subcommands, with --allow-subset-of-names, without names, or when
// -d names other domains than the CSR.
Status load_csr(Config& cfg);

// Maps certbot's --preferred-challenges spellings ("http", "dns-01", "tls-sni-01", ...) to
// RFC 8555 type names; unknown names are a usage error naming the flag.
Result<std::vector<std::string>> normalize_challenge_types(const std::vector<std::string>& raw);

}  // namespace certbot
