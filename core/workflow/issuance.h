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

// Checks before anything is ordered: wildcards need dns-01, and so on.
Status preflight_names(const std::vector<std::string>& domains, const LoadedPlugin& authenticator);

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
