#include "issuance.h"

#include <algorithm>
#include <atomic>
#include <ctime>

#include "base64.h"
#include "crypto.h"
#include "fsutil.h"
#include "identifiers.h"
#include "ip_address.h"
#include "log.h"
#include "prompt.h"

namespace certbot {

Result<std::vector<std::string>> normalize_challenge_types(const std::vector<std::string>& raw) {
    std::vector<std::string> out;
    for (const auto& value : raw) {
        size_t start = 0;
        while (start <= value.size()) {
            size_t comma = value.find(',', start);
            std::string t = value.substr(start, comma == std::string::npos ? comma : comma - start);
            t.erase(0, t.find_first_not_of(" \t"));
            t.erase(t.find_last_not_of(" \t") + 1);
            if (!t.empty()) {
                std::string n;
                if (t == "http" || t == "http-01")
                    n = "http-01";
                else if (t == "dns" || t == "dns-01")
                    n = "dns-01";
                else if (t == "tls-alpn" || t == "tls-alpn-01")
                    n = "tls-alpn-01";
                else if (t == "tls-sni" || t == "tls-sni-01") {
                    log::warning(
                        "tls-sni-01 was switched off by every CA in 2019; using its "
                        "successor tls-alpn-01 instead");
                    n = "tls-alpn-01";
                } else {
                    return Error("--preferred-challenges: unknown challenge type \"" + t +
                                     "\"; use http-01, dns-01 or tls-alpn-01",
                                 kExitUsage);
                }
                if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
            }
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return out;
}

namespace {

// RFC 8555 §7.1.3 / CA policy: a wildcard name can only be proven with dns-01, so it needs an
// authenticator that does dns-01, and dns-01 among --preferred-challenges when those are given.
Status check_wildcards(const std::vector<std::string>& domains, const LoadedPlugin& authenticator,
                       const std::vector<std::string>& preferred) {
    auto types = authenticator.challenge_types();
    bool dns = std::find(types.begin(), types.end(), "dns-01") != types.end();
    bool dns_preferred = preferred.empty() ||
                         std::find(preferred.begin(), preferred.end(), "dns-01") != preferred.end();
    for (const auto& d : domains) {
        if (!is_wildcard(d)) continue;
        if (!dns)
            return Error("Wildcard domain " + d + " needs a dns-01 challenge, which the " +
                             authenticator.name() +
                             " plugin cannot do; use --manual --preferred-challenges dns or a DNS "
                             "plugin such as --dns-rfc2136",
                         kExitUsage);
        if (!dns_preferred)
            return Error("Wildcard domain " + d +
                             " can only be validated with a dns-01 challenge, but "
                             "--preferred-challenges excludes it; add dns (e.g. "
                             "--preferred-challenges dns)",
                         kExitUsage);
    }
    return Status::Ok();
}

// RFC 8738 §6 / §7: an IP identifier is validated by http-01 or tls-alpn-01 only; no DNS record
// can prove control of an address, so dns-01 is never used for one.
bool ip_challenge(const std::string& type) {
    return type == "http-01" || type == "tls-alpn-01";
}

Status check_ip_addresses(const std::vector<std::string>& identifiers,
                          const LoadedPlugin& authenticator,
                          const std::vector<std::string>& preferred) {
    auto types = authenticator.challenge_types();
    const bool can = std::any_of(types.begin(), types.end(), ip_challenge);
    const bool allowed =
        preferred.empty() || std::any_of(preferred.begin(), preferred.end(), ip_challenge);
    for (const auto& id : identifiers) {
        if (!is_ip_identifier(id)) continue;
        // certbot 5.x's nginx and apache authenticators refuse IP identifiers
        // (NginxHttp01.perform / ApacheHttp01.perform in
        // certbot/src/certbot/_internal/plugins/{nginx,apache}/http_01.py): they find the server
        // block by server_name. Our authenticators that are installers too are those two.
        if (authenticator.is_installer())
            return Error("IP address " + id + " cannot be validated by the " +
                             authenticator.name() +
                             " plugin (it finds the server by name, as certbot 5.x's " +
                             authenticator.name() +
                             " authenticator, which refuses IP addresses); use --standalone, "
                             "--webroot or --manual",
                         kExitUsage);
        if (!can)
            return Error("IP address " + id +
                             " can only be validated with http-01 or tls-alpn-01 (RFC 8738), "
                             "which the " +
                             authenticator.name() +
                             " plugin cannot do; use --standalone, --webroot or --manual",
                         kExitUsage);
        if (!allowed)
            return Error("IP address " + id +
                             " can only be validated with http-01 or tls-alpn-01, but "
                             "--preferred-challenges excludes both; add http (e.g. "
                             "--preferred-challenges http)",
                         kExitUsage);
    }
    return Status::Ok();
}

}  // namespace

Status preflight_names(const std::vector<std::string>& domains, const LoadedPlugin& authenticator,
                       const std::vector<std::string>& preferred) {
    CB_TRY(check_ip_addresses(domains, authenticator, preferred));
    return check_wildcards(domains, authenticator, {});
}

namespace {

// Owns the challenge strings the cb_challenge array points into.
struct ChallengeSet {
    struct Owned {
        std::string type, identifier, token, key_authz, validation, validation_name, url, authz_url;
        bool wildcard = false;
        bool ip = false;  // an RFC 8738 "ip" identifier
    };
    std::vector<Owned> owned;
    std::vector<cb_challenge> view() const {
        std::vector<cb_challenge> v;
        for (const auto& o : owned) {
            cb_challenge c{};
            c.struct_size = sizeof(cb_challenge);
            c.type = o.type.c_str();
            c.identifier = o.identifier.c_str();
            c.token = o.token.c_str();
            c.key_authorization = o.key_authz.c_str();
            c.validation = o.validation.c_str();
            c.validation_name = o.validation_name.c_str();
            c.is_wildcard = o.wildcard ? 1 : 0;
            c.identifier_type = o.ip ? "ip" : "dns";
            v.push_back(c);
        }
        return v;
    }
};

// Runs cleanup when it goes out of scope, whatever happened in between.
class CleanupGuard {
  public:
    CleanupGuard(PluginInstance& p, const ChallengeSet& s) : p_(p), s_(s) {}
    ~CleanupGuard() {
        if (!armed_) return;
        if (auto st = p_.cleanup(s_.view()); !st) log::warning(st.error().message);
    }
    void arm() { armed_ = true; }

  private:
    PluginInstance& p_;
    const ChallengeSet& s_;
    bool armed_ = false;
};

Result<ChallengeSet::Owned> choose_challenge(AcmeClient& acme, PluginInstance& auth,
                                             const Authorization& authz,
                                             const std::vector<std::string>& preferred) {
    std::string requested = authz.wildcard ? "*." + authz.identifier : authz.identifier;
    auto can = auth.chall_pref(requested);
    if (!can) return can.error();
    std::vector<std::string> order = *can;
    if (!preferred.empty()) {
        std::vector<std::string> filtered;
        for (const auto& p : preferred)
            if (std::find(can->begin(), can->end(), p) != can->end()) filtered.push_back(p);
        order = filtered;
    }
    const bool ip = is_ip_identifier(authz.identifier);
    for (const auto& type : order) {
        if (ip && !ip_challenge(type)) continue;  // RFC 8738: never dns-01 for an address
        for (const auto& ch : authz.challenges) {
            if (ch.type != type) continue;
            if (ch.token.size() > 256 || !is_base64url(ch.token))
                return Error("the CA sent an invalid " + type + " token for " + requested +
                             " (not base64url); refusing to use it");
            ChallengeSet::Owned o;
            o.type = type;
            o.identifier = authz.identifier;
            o.wildcard = authz.wildcard;
            o.ip = ip;
            o.token = ch.token;
            o.key_authz = acme.key_authorization(ch.token);
            o.url = ch.url;
            o.authz_url = authz.url;
            if (type == "http-01") {
                o.validation = o.key_authz;
                o.validation_name = "/.well-known/acme-challenge/" + ch.token;
            } else if (type == "dns-01") {
                o.validation = base64url_encode(sha256(o.key_authz));
                o.validation_name = "_acme-challenge." + authz.identifier;
            } else if (type == "tls-alpn-01") {
                o.validation = hex_encode(sha256(o.key_authz));
                // RFC 8738 §6: for an IP the CA sends the reverse-mapping name as SNI (an
                // address is not allowed there, RFC 6066 §3); the certificate still carries
                // the address itself as its one iPAddress SAN.
                o.validation_name =
                    ip ? ip_reverse_name(*parse_ip_address(authz.identifier)) : authz.identifier;
            } else {
                continue;
            }
            return o;
        }
    }
    std::string offered;
    for (const auto& ch : authz.challenges) offered += (offered.empty() ? "" : ", ") + ch.type;
    return Error("Client with the currently selected authenticator (" + auth.plugin().name() +
                 ") does not support any combination of challenges that will satisfy the CA for " +
                 requested + " (the CA offers: " + offered +
                 "). You may need to use an authenticator plugin that can do challenges over DNS.");
}

std::string hint_for(const std::string& authenticator, const std::string& type,
                     const std::string& validation_name) {
    if (type == "http-01" && authenticator == "webroot")
        return " Hint: check that files written to the webroot's .well-known/acme-challenge/ are "
               "served by your web server over plain HTTP on port 80.";
    if (type == "http-01" && authenticator == "standalone")
        return " Hint: the CA connects to port 80 of the name; check DNS points here and no "
               "firewall blocks it (--http-01-port only changes where we listen).";
    if (type == "dns-01")
        return " Hint: check the TXT record " + validation_name + " is visible from the Internet.";
    return "";
}

// --debug-challenges: the challenges are in place; show them (with -v, what the CA will look
// for) and wait for Enter before the CA is asked to validate (certbot does the same; with no
// terminal to answer, it does not wait).
void pause_for_debug(const ChallengeSet& set, const Config& cfg) {
    std::string msg = "Challenges loaded. Press Enter to submit them to the CA.";
    if (cfg.verbosity > 0) {
        msg += "\nThe CA will check:";
        for (const auto& o : set.owned) {
            if (o.type == "http-01")
                msg += "\n  http://" + url_host(o.identifier) + "/.well-known/acme-challenge/" +
                       o.token + "\n    expected content: " + o.key_authz;
            else if (o.type == "dns-01")
                msg += "\n  TXT " + o.validation_name + "\n    expected value: " + o.validation;
            else
                msg += "\n  " + o.type + " for " + o.identifier;
        }
    }
    log::out(msg);
    if (!cfg.interactive()) {
        log::warning("not pausing for --debug-challenges: running non-interactively");
        return;
    }
    (void)terminal_prompt().line("");  // Enter (or end of input) continues
}

// The order (RFC 8555 §7.4) must be for exactly the names we asked for: a CA that adds or drops
// one would have us validate or install something else.
Status check_order_names(const Order& order, const std::vector<std::string>& domains) {
    auto sorted = [](std::vector<std::string> v) {
        for (auto& n : v)
            std::transform(n.begin(), n.end(), n.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::sort(v.begin(), v.end());
        return v;
    };
    if (sorted(order.identifiers) != sorted(domains))
        return Error("protocol error: order " + order.url +
                     " is not for the names requested; refusing it");
    if (order.authorizations.empty() && order.status == "pending")
        return Error("protocol error: order " + order.url +
                     " is pending but lists no authorizations; refusing it");
    return Status::Ok();
}

}  // namespace

// --allow-subset-of-names (certbot's best_effort authorization): some authorizations failed, so
// order again for the names that passed (their authorizations are valid now, or validated again
// if the CA does not reuse them). certonly refuses the flag together with a wildcard name, like
// certbot.
static Result<IssuedCert> obtain_subset(AcmeClient& acme, PluginInstance& auth, const Config& cfg,
                                        const std::vector<std::string>& domains,
                                        const std::string& key_pem,
                                        const std::vector<std::string>& failed,
                                        const OrderOptions& order_options) {
    std::vector<std::string> remaining, left_out;
    for (const auto& d : domains)
        (std::find(failed.begin(), failed.end(), d) == failed.end() ? remaining : left_out)
            .push_back(d);
    if (remaining.empty() || left_out.empty())
        return Error("All challenges have failed (authenticator: " + auth.plugin().name() +
                     "); no certificate was issued");
    std::string list;
    for (const auto& d : left_out) list += (list.empty() ? "" : ", ") + d;
    log::out("Unable to obtain a certificate with every requested domain. Retrying without: " +
             list);
    return obtain_certificate(acme, auth, cfg, remaining, key_pem, order_options);
}

// ---- ARI "replaces" and profiles -------------------------------------------------------------
Result<std::string> choose_profile(const Directory& dir, const Config& cfg) {
    auto offered = [&](const std::string& p) {
        return std::find(dir.profiles.begin(), dir.profiles.end(), p) != dir.profiles.end();
    };
    auto list = [&]() {
        std::string out;
        for (const auto& p : dir.profiles) out += (out.empty() ? "" : ", ") + p;
        return out.empty() ? std::string("none") : out;
    };
    if (!cfg.required_profile.empty()) {
        if (offered(cfg.required_profile)) return cfg.required_profile;
        return Error("The CA at " + dir.url + " does not offer the certificate profile \"" +
                         cfg.required_profile + "\" (--required-profile); it offers: " + list() +
                         ". Choose one of those or use --preferred-profile",
                     kExitUsage);
    }
    if (!cfg.preferred_profile.empty()) {
        if (offered(cfg.preferred_profile)) return cfg.preferred_profile;
        log::warning("The CA at " + dir.url + " does not offer the certificate profile \"" +
                     cfg.preferred_profile + "\" (--preferred-profile; it offers: " + list() +
                     "); ordering with the CA's default profile");
    }
    return std::string();
}

// newOrder with the extras; a CA that refuses the "replaces" member (alreadyReplaced, an
// unknown certificate, ...) gets the same order once more without it, as certbot does.
static Result<Order> new_order_with_options(AcmeClient& acme,
                                            const std::vector<std::string>& domains,
                                            const OrderOptions& options) {
    auto order = acme.new_order(domains, options);
    if (order || options.replaces.empty()) return order;
    log::warning("The CA refused the order as a replacement of " + options.replaces + " (" +
                 order.error().message + "); ordering again without \"replaces\"");
    OrderOptions plain = options;
    plain.replaces.clear();
    return acme.new_order(domains, plain);
}
// ---- end ARI / profiles ----------------------------------------------------------------------

namespace {

std::atomic<IssuanceRelay*> g_relay{nullptr};

// The relay's unfinished order for these names, if the CA still has it pending or ready; else a
// new order (announced to the relay). The URL came from elsewhere (etcd): it must lie on the
// CA's own origin, or it is not fetched at all.
Result<Order> resume_or_order(AcmeClient& acme, const Config& cfg,
                              const std::vector<std::string>& domains,
                              const OrderOptions& options) {
    IssuanceRelay* relay = cfg.dry_run ? nullptr : g_relay.load();
    const std::string server = cfg.effective_server();
    if (relay) {
        const std::string url = relay->pending_order(server, domains);
        auto origin = parse_url(url, false);
        auto ca = parse_url(server, false);
        if (!url.empty() && origin && ca && origin->origin() == ca->origin()) {
            auto order = acme.get_order(url);
            std::string why = order ? "it is " + order->status : order.error().message;
            if (order && (order->status == "pending" || order->status == "ready")) {
                if (auto names = check_order_names(*order, domains); names) {
                    log::info("Resuming the unfinished order " + url + " (" + order->status + ")");
                    return order;
                } else {
                    why = names.error().message;
                }
            }
            log::info("Not resuming the unfinished order " + url + " (" + why + "); ordering anew");
        } else if (!url.empty()) {
            log::warning("Not resuming the unfinished order \"" + log::printable(url, 120) +
                         "\": it is not on the CA's origin");
        }
    }
    auto order = new_order_with_options(acme, domains, options);
    if (order && relay) relay->order_placed(server, domains, order->url);
    return order;
}

// Withdraws the http-01 answers from the relay when it goes out of scope.
class RelayGuard {
  public:
    explicit RelayGuard(IssuanceRelay* relay) : relay_(relay) {}
    ~RelayGuard() {
        if (relay_ && !answers_.empty()) relay_->http01_done(answers_);
    }
    Status publish(std::vector<Http01Answer> answers) {
        if (!relay_ || answers.empty()) return Status::Ok();
        answers_ = std::move(answers);
        return relay_->http01_ready(answers_);
    }

  private:
    IssuanceRelay* relay_;
    std::vector<Http01Answer> answers_;
};

}  // namespace

void set_issuance_relay(IssuanceRelay* relay) {
    g_relay.store(relay);
}

Result<IssuedCert> obtain_certificate(AcmeClient& acme, PluginInstance& auth, const Config& cfg,
                                      const std::vector<std::string>& domains,
                                      const std::string& key_pem,
                                      const OrderOptions& order_options) {
    const auto deadline =
        acme.clock().now() + std::chrono::seconds(std::max(1, cfg.issuance_timeout));
    CB_TRY(check_ip_addresses(domains, auth.plugin(), cfg.preferred_challenges));
    CB_TRY(check_wildcards(domains, auth.plugin(), cfg.preferred_challenges));
    acme.set_retry_deadline(deadline);
    auto order = resume_or_order(acme, cfg, domains, order_options);
    if (!order) return order.error();
    CB_TRY(check_order_names(*order, domains));
    // certbot's --dry-run: an authorization the CA would reuse proves nothing about today's
    // setup. Deactivate the valid ones and order again, so every challenge really runs.
    if (cfg.dry_run) {
        bool deactivated = false;
        for (const auto& url : order->authorizations) {
            auto authz = acme.get_authorization(url);
            if (!authz) return authz.error();
            if (authz->status != "valid") continue;
            log::debug("dry run: deactivating the valid authorization for " + authz->identifier);
            CB_TRY(acme.deactivate_authorization(url));
            deactivated = true;
        }
        if (deactivated) {
            order = new_order_with_options(acme, domains, order_options);
            if (!order) return order.error();
            CB_TRY(check_order_names(*order, domains));
        }
    }

    // Collect the authorizations still to be done and choose a challenge for each.
    ChallengeSet set;
    std::vector<std::string> failed_names;  // --allow-subset-of-names: names to leave out
    for (const auto& url : order->authorizations) {
        auto authz = acme.get_authorization(url);
        if (!authz) return authz.error();
        std::string name = authz->wildcard ? "*." + authz->identifier : authz->identifier;
        if (std::find(domains.begin(), domains.end(), name) == domains.end())
            return Error("the CA returned an authorization for " + name +
                         ", which was not requested; refusing it");
        if (authz->status == "valid") continue;
        if (authz->status != "pending" && cfg.allow_subset_of_names) {
            log::warning("authorization for " + name + " is " + authz->status);
            failed_names.push_back(name);
            continue;
        }
        if (authz->status != "pending")
            return Error("authorization for " + name + " is " + authz->status +
                         (authz->error ? ": " + authz->error->describe() : std::string()));
        auto chosen = choose_challenge(acme, auth, *authz, cfg.preferred_challenges);
        if (!chosen) return chosen.error();
        set.owned.push_back(std::move(*chosen));
    }

    if (!set.owned.empty()) {
        CleanupGuard guard(auth, set);
        guard.arm();  // cleanup must also run after a partial perform
        for (const auto& o : set.owned) log::debug("Performing " + o.type + " for " + o.identifier);
        if (auto st = auth.perform(set.view()); !st) return st.error();
        // Fleet mode: every node behind the load balancer serves the http-01 answers.
        RelayGuard relayed(cfg.dry_run ? nullptr : g_relay.load());
        std::vector<Http01Answer> answers;
        for (const auto& o : set.owned)
            if (o.type == "http-01") answers.push_back({o.identifier, o.token, o.key_authz});
        CB_TRY(relayed.publish(std::move(answers)));
        if (cfg.debug_challenges) pause_for_debug(set, cfg);
        for (const auto& o : set.owned)
            if (auto st = acme.respond_challenge(o.url); !st) return st.error();
        std::vector<std::string> failures;
        for (const auto& o : set.owned) {
            auto done = acme.poll_authorization(o.authz_url, deadline);
            if (!done) return done.error();
            if (done->status != "valid") {
                std::string why = done->error ? done->error->describe() : "no reason given";
                failures.push_back("  Domain: " + o.identifier + "\n  Type:   " + o.type +
                                   "\n  Detail: " + why + "\n" +
                                   hint_for(auth.plugin().name(), o.type, o.validation_name));
                failed_names.push_back(o.wildcard ? "*." + o.identifier : o.identifier);
            }
        }
        if (!failures.empty() && cfg.allow_subset_of_names &&
            failed_names.size() < order->authorizations.size()) {
            std::string msg =
                "Some challenges have failed (authenticator: " + auth.plugin().name() + "):";
            for (const auto& f : failures) msg += "\n" + f;
            log::warning(msg);
        } else if (!failures.empty()) {
            std::string msg = std::string(cfg.allow_subset_of_names ? "All" : "Some") +
                              " challenges have failed (authenticator: " + auth.plugin().name() +
                              "). The Certificate Authority reported these problems:";
            for (const auto& f : failures) msg += "\n" + f;
            return Error(msg);
        }
    }

    if (!failed_names.empty())
        return obtain_subset(acme, auth, cfg, domains, key_pem, failed_names, order_options);

    // Key and CSR (RFC 8555 §7.4); with --csr the user's CSR and no key of ours.
    IssuedCert out;
    std::string csr = cfg.csr_der;
    std::string public_key_pem;
    if (csr.empty()) {
        Result<PrivateKey> key =
            key_pem.empty() ? PrivateKey::generate(KeySpec{
                                  cfg.key_type == "rsa" ? KeySpec::Type::Rsa : KeySpec::Type::Ecdsa,
                                  cfg.rsa_key_size, cfg.elliptic_curve})
                            : PrivateKey::from_pem(key_pem);
        if (!key) return key.error();
        auto made = make_csr_der(*key, domains, cfg.must_staple);
        if (!made) return made.error();
        csr = std::move(*made);
        auto pem = key->to_pem();
        if (!pem) return pem.error();
        out.key_pem = std::move(*pem);
    }
    auto csr_info = parse_csr_der(csr);
    if (!csr_info) return csr_info.error();
    // Every authorization was seen valid above (failed ones went to obtain_subset): the order
    // is finalized without asking for it first.
    auto final_order = acme.finalize(*order, csr, deadline, /*authorizations_valid=*/true);
    if (!final_order) return final_order.error();
    std::vector<std::string> alternates;
    auto chain = acme.download_certificate(final_order->certificate,
                                           cfg.preferred_chain.empty() ? nullptr : &alternates);
    if (!chain) return chain.error();
    if (!cfg.preferred_chain.empty())
        *chain = find_chain_with_issuer(*chain, alternates, cfg.preferred_chain, !cfg.dry_run);
    auto parts = split_pem_chain(*chain);
    if (!parts) return parts.error();
    if (auto st =
            verify_issued_chain(*parts, csr_info->public_key_pem, domains, std::time(nullptr));
        !st)
        return Error("the certificate from " + final_order->certificate +
                     " is refused: " + st.error().message + "; nothing was saved");
    out.cert_pem = (*parts)[0];
    for (size_t i = 1; i < parts->size(); ++i) out.chain_pem += (*parts)[i];
    out.fullchain_pem = *chain;
    out.domains = domains;
    if (IssuanceRelay* relay = cfg.dry_run ? nullptr : g_relay.load())
        relay->order_done(cfg.effective_server(), domains);
    return out;
}

std::string find_chain_with_issuer(const std::string& fullchain,
                                   const std::vector<std::string>& alternates,
                                   const std::string& issuer_cn, bool warn_on_no_match) {
    // certbot's crypto_util.find_chain_with_issuer: the first chain whose topmost certificate
    // was issued by issuer_cn. An alternate must carry the same leaf as the default chain.
    auto leaf_and_top_issuer = [](const std::string& chain) -> std::pair<std::string, std::string> {
        auto parts = split_pem_chain(chain);
        if (!parts || parts->empty()) return {};
        auto top = parse_cert_pem(parts->back());
        return {parts->front(), top ? top->issuer_cn : std::string()};
    };
    const auto main = leaf_and_top_issuer(fullchain);
    if (main.second == issuer_cn) return fullchain;
    for (const auto& alt : alternates) {
        const auto a = leaf_and_top_issuer(alt);
        if (a.first != main.first) {
            log::warning(
                "an alternate chain from the CA does not carry the issued certificate; "
                "ignoring it");
            continue;
        }
        if (a.second == issuer_cn) return alt;
    }
    if (warn_on_no_match)
        log::warning("Certbot has been configured to prefer certificate chains with issuer '" +
                     issuer_cn +
                     "', but no chain from the CA matched this issuer. Using the default "
                     "certificate chain instead.");
    return fullchain;
}

Status load_csr(Config& cfg) {
    if (cfg.verb != "certonly")
        return Error(
            "Currently, a CSR file may only be specified when obtaining a new or replacement via "
            "the certonly command. Please try the certonly command instead.",
            kExitUsage);
    if (cfg.allow_subset_of_names)
        return Error("--allow-subset-of-names cannot be used with --csr", kExitUsage);
    auto data = read_file(cfg.csr_path, 64 * 1024);
    if (!data) return Error(data.error().message + " (--csr)", kExitUsage);
    std::string der = *data;
    auto info = parse_csr_der(der);
    if (!info) {  // not DER: PEM
        auto from_pem = csr_pem_to_der(*data);
        if (from_pem) {
            der = std::move(*from_pem);
            info = parse_csr_der(der);
        }
    }
    if (!info) return Error("Failed to parse CSR file: " + cfg.csr_path, kExitUsage);
    std::vector<std::string> names;
    if (!info->common_name.empty()) names.push_back(info->common_name);
    for (const auto& n : info->dns_names)
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    if (names.empty())
        return Error("Unfortunately, your CSR " + cfg.csr_path +
                         " needs to have a SubjectAltName for every domain",
                     kExitUsage);
    auto domains = parse_identifiers(names);  // certbot 5.3: iPAddress SANs too
    if (!domains) return Error(domains.error().message + " (in " + cfg.csr_path + ")", kExitUsage);
    if (!cfg.domains.empty()) {
        std::vector<std::string> a = *domains, b = cfg.domains;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        if (a != b) {
            auto join = [](const std::vector<std::string>& v) {
                std::string out;
                for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
                return out;
            };
            return Error("Inconsistent domain requests:\nFrom the CSR: " + join(*domains) +
                             "\nFrom command line/config: " + join(cfg.domains),
                         kExitUsage);
        }
    }
    cfg.domains = std::move(*domains);
    cfg.csr_der = std::move(der);
    return Status::Ok();
}

}  // namespace certbot
