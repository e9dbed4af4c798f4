// certbot certonly: obtain (or renew) a certificate with an authenticator plugin and save it
// in certbot's store, without installing it.
#include <algorithm>
#include <ctime>
#include <set>

#include "account.h"
#include "acme.h"
#include "commands.h"
#include "crypto.h"
#include "fsutil.h"
#include "identifiers.h"
#include "issuance.h"
#include "json.h"
#include "log.h"
#include "session.h"
#include "storage.h"

namespace certbot {

namespace {

// Builds what a plugin reads through host->get_option from the parsed flags.
Result<PluginOptionValues> plugin_values(const LoadedPlugin& p, const Config& cfg) {
    PluginOptionValues v;
    const std::string prefix = p.name() + "-";
    std::string per_id_option;
    for (size_t i = 0; i < p.entry->option_count; ++i) {
        const auto& od = p.entry->options[i];
        const std::string long_name = prefix + od.name;
        auto it = cfg.plugin_options.find(long_name);
        if (it != cfg.plugin_options.end()) v.values[od.name] = it->second;
        else if (od.default_value) v.values[od.name] = {od.default_value};
        if (od.flags & CB_OPT_PER_IDENTIFIER) {
            per_id_option = od.name;
            auto pi = cfg.plugin_per_identifier.find(long_name);
            if (pi != cfg.plugin_per_identifier.end()) v.per_identifier[od.name] = pi->second;
            else v.per_identifier[od.name];
        }
    }
    // A JSON map option ({"a.com,b.com": "/var/www"}) feeds the per-identifier option.
    for (size_t i = 0; i < p.entry->option_count; ++i) {
        const auto& od = p.entry->options[i];
        if (!(od.flags & CB_OPT_IDENTIFIER_MAP) || per_id_option.empty()) continue;
        auto it = cfg.plugin_options.find(prefix + od.name);
        if (it == cfg.plugin_options.end()) continue;
        for (const auto& text : it->second) {
            auto doc = json::parse(text, "--" + prefix + od.name, 1 << 20);
            if (!doc) return Error(doc.error().message, kExitUsage);
            if (!doc->IsObject())
                return Error("--" + prefix + od.name + " must be a JSON object", kExitUsage);
            for (const auto& m : doc->GetObject()) {
                if (!m.value.IsString())
                    return Error("--" + prefix + od.name + ": values must be strings", kExitUsage);
                std::string keys(m.name.GetString(), m.name.GetStringLength());
                auto names = parse_domains({keys});
                if (!names) return Error(names.error().message, kExitUsage);
                for (const auto& n : *names)
                    v.per_identifier[per_id_option][n] = m.value.GetString();
            }
        }
    }
    // Identifiers that came before any per-identifier value take the last one given
    // (certbot: "each domain will have the webroot path that preceded it", else the last).
    if (!per_id_option.empty()) {
        auto& map = v.per_identifier[per_id_option];
        const auto& all = v.values[per_id_option];
        if (!all.empty())
            for (const auto& d : cfg.domains) map.emplace(d, all.back());
    }
    v.globals["http-01-port"] = std::to_string(cfg.http01_port);
    v.globals["https-port"] = std::to_string(cfg.https_port);
    if (!cfg.http01_address.empty()) v.globals["http-01-address"] = cfg.http01_address;
    return v;
}

// The [renewalparams] certbot writes: what the user set, plus server/key_type/account.
std::vector<RenewalParam> renewal_params(const Config& cfg, const LoadedPlugin& auth,
                             const PluginOptionValues& values, const std::string& account_id) {
    std::vector<RenewalParam> r;
    r.push_back(RenewalParam::str("account", account_id));
    r.push_back(RenewalParam::str("authenticator", auth.name()));
    if (!cfg.installer.empty()) r.push_back(RenewalParam::str("installer", cfg.installer));
    r.push_back(RenewalParam::str("server", cfg.effective_server()));
    r.push_back(RenewalParam::str("key_type", cfg.key_type));
    if (cfg.key_type == "rsa" && cfg.set_by_user.count("rsa-key-size"))
        r.push_back(RenewalParam::str("rsa_key_size", std::to_string(cfg.rsa_key_size)));
    if (cfg.key_type == "ecdsa" && cfg.set_by_user.count("elliptic-curve"))
        r.push_back(RenewalParam::str("elliptic_curve", cfg.elliptic_curve));
    if (cfg.set_by_user.count("http-01-port")) r.push_back(RenewalParam::str("http01_port", std::to_string(cfg.http01_port)));
    if (cfg.set_by_user.count("http-01-address")) r.push_back(RenewalParam::str("http01_address", cfg.http01_address));
    if (cfg.set_by_user.count("https-port")) r.push_back(RenewalParam::str("https_port", std::to_string(cfg.https_port)));
    if (!cfg.preferred_challenges.empty()) r.push_back(RenewalParam::list_of("pref_challs", cfg.preferred_challenges));
    if (cfg.must_staple) r.push_back(RenewalParam::str("must_staple", "True"));
    const std::string prefix = auth.name() + "-";
    for (size_t i = 0; i < auth.entry->option_count; ++i) {
        const auto& od = auth.entry->options[i];
        if (od.flags & CB_OPT_IDENTIFIER_MAP) continue;  // stored as [[<plugin>_map]] below
        std::string key = auth.name() + "_" + od.name;
        std::replace(key.begin(), key.end(), '-', '_');
        auto it = values.values.find(od.name);
        bool user_set = cfg.plugin_options.count(prefix + od.name) > 0;
        if (od.flags & CB_OPT_PER_IDENTIFIER) {
            auto pi = values.per_identifier.find(od.name);
            if (pi == values.per_identifier.end() || pi->second.empty()) continue;
            std::vector<std::string> list;
            if (it != values.values.end()) list = it->second;
            r.push_back(RenewalParam::list_of(key, list));
            std::vector<std::pair<std::string, std::string>> ordered;
            for (const auto& d : cfg.domains)
                if (auto m = pi->second.find(d); m != pi->second.end()) ordered.emplace_back(d, m->second);
            r.push_back(RenewalParam::section(auth.name() + "_map", ordered));
            continue;
        }
        if (!user_set || it == values.values.end() || it->second.empty()) continue;
        if (od.flags & CB_OPT_REPEATABLE) r.push_back(RenewalParam::list_of(key, it->second));
        else r.push_back(RenewalParam::str(key, it->second.back()));
    }
    return r;
}

std::string date_of(int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

// certbot 4.1+: renew when less than 1/3 of the lifetime remains (1/2 under 10 days).
std::optional<CertInfo> current_cert(const Lineage& l) {
    auto pem = read_file(l.cert_path, 1 << 20);
    if (!pem) return std::nullopt;
    auto info = parse_cert_pem(*pem);
    if (!info) return std::nullopt;
    return *info;
}

std::vector<std::string> lineage_domains(const Lineage& l) {
    auto info = current_cert(l);
    return info ? info->dns_names : std::vector<std::string>{};
}

bool due_for_renewal(const Lineage& l, std::time_t now) {
    auto info = current_cert(l);
    if (!info) return true;
    int64_t lifetime = info->not_after - info->not_before;
    int64_t window = lifetime < 10 * 86400 ? lifetime / 2 : lifetime / 3;
    return info->not_after - static_cast<int64_t>(now) < window;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace

int cmd_certonly(const Config& cfg, const PluginRegistry& plugins) {
    if (cfg.domains.empty()) {
        log::error("No domain names given: name them with -d/--domains (for example -d "
                   "example.com -d www.example.com)");
        return kExitUsage;
    }
    if (cfg.authenticator.empty()) {
        log::error("No authenticator chosen: add --webroot -w PATH, --standalone, or "
                   "-a/--authenticator NAME (see `certbot plugins`)");
        return kExitUsage;
    }
    const LoadedPlugin* auth = plugins.find(cfg.authenticator);
    if (!auth) {
        std::string dirs;
        for (const auto& d : plugin_search_path()) dirs += (dirs.empty() ? "" : ":") + d;
        log::error("The requested " + cfg.authenticator + " plugin was not found in " + dirs +
                   "; install it or set CERTBOT_PLUGIN_PATH (see `certbot plugins`)");
        return kExitUsage;
    }
    if (!auth->is_authenticator()) {
        log::error("The " + auth->name() + " plugin is not an authenticator; choose one with -a");
        return kExitUsage;
    }
    if (auto st = preflight_names(cfg.domains, *auth); !st) {
        log::error(st.error().message);
        return st.error().exit_code;
    }
    auto values = plugin_values(*auth, cfg);
    if (!values) {
        log::error(values.error().message);
        return values.error().exit_code;
    }

    // Directories, locks and the log file before anything is ordered, so a certificate is
    // never issued and then lost for want of a writable store.
    auto session = Session::open(cfg);
    if (!session) {
        log::error(session.error().message);
        return session.error().exit_code;
    }

    // Is there a lineage already?
    std::optional<Lineage> existing;
    if (!cfg.cert_name.empty()) {
        if (auto l = load_lineage(cfg.config_dir, cfg.cert_name)) existing = std::move(*l);
    } else if (!cfg.duplicate) {
        auto all = list_lineages(cfg.config_dir, nullptr);
        if (all) {
            for (auto& l : *all) {
                if (sorted(lineage_domains(l)) == sorted(cfg.domains)) {
                    existing = std::move(l);
                    break;
                }
            }
        }
    }
    if (existing && !cfg.force_renewal && !cfg.dry_run &&
        sorted(lineage_domains(*existing)) == sorted(cfg.domains) &&
        !due_for_renewal(*existing, std::time(nullptr))) {
        log::out("Certificate not yet due for renewal; no action taken.");
        return kExitOk;
    }

    auto http = make_http_client(session->http_options());
    AcmeClient acme(*http, cfg.effective_server());
    if (auto st = acme.load_directory(); !st) {
        log::error(st.error().message);
        return st.error().exit_code;
    }
    auto account = load_or_register_account(acme, cfg);
    if (!account) {
        log::error(account.error().message);
        return account.error().exit_code;
    }
    acme.set_account(&account->key, account->url);

    auto instance = PluginInstance::create(*auth, *values, cfg.interactive(), cfg.dry_run,
                                           cfg.config_dir, cfg.work_dir, cfg.logs_dir);
    if (!instance) {
        log::error(instance.error().message);
        return instance.error().exit_code;
    }
    log::info(std::string(existing ? "Renewing an existing certificate" : "Requesting a certificate") +
              " for " + cfg.domains[0] +
              (cfg.domains.size() > 1 ? " and " + std::to_string(cfg.domains.size() - 1) + " more domain" +
                                            (cfg.domains.size() > 2 ? "s" : "")
                                      : std::string()));
    std::string reuse_key_pem;
    if (existing && cfg.reuse_key.value_or(false)) {
        auto k = read_file(existing->privkey_path);
        if (k) reuse_key_pem = *k;
    }
    auto issued = obtain_certificate(acme, **instance, cfg, cfg.domains, reuse_key_pem);
    if (!issued) {
        log::error(issued.error().message);
        return issued.error().exit_code;
    }
    if (cfg.dry_run) {
        log::out("The dry run was successful.");
        return kExitOk;
    }

    auto params = renewal_params(cfg, *auth, *values, account->id);
    std::string name;
    if (existing) {
        name = existing->name;
        auto version = save_new_version(*existing, issued->cert_pem, issued->chain_pem,
                                        issued->fullchain_pem, issued->key_pem);
        if (!version) {
            log::error(version.error().message);
            return version.error().exit_code;
        }
        update_renewal_conf(existing->conf, certbot_version(), existing->archive_dir,
                            existing->cert_path, existing->privkey_path, existing->chain_path,
                            existing->fullchain_path, params);
        if (auto st = save_renewal_conf(*existing); !st) {
            log::error(st.error().message);
            return st.error().exit_code;
        }
    } else {
        auto chosen = choose_lineage_name(cfg.config_dir,
                                          cfg.cert_name.empty() ? cfg.domains[0] : cfg.cert_name);
        if (!chosen) {
            log::error(chosen.error().message);
            return chosen.error().exit_code;
        }
        name = *chosen;
        auto created = create_lineage(cfg.config_dir, name, issued->cert_pem, issued->chain_pem,
                                      issued->fullchain_pem, issued->key_pem, params,
                                      certbot_version());
        if (!created) {
            log::error(created.error().message);
            return created.error().exit_code;
        }
    }
    auto info = parse_cert_pem(issued->cert_pem);
    const std::string live = path_join(path_join(cfg.config_dir, "live"), name);
    log::out("Successfully received certificate.\nCertificate is saved at: " +
             path_join(live, "fullchain.pem") + "\nKey is saved at:         " +
             path_join(live, "privkey.pem") + "\nThis certificate expires on " +
             (info ? date_of(info->not_after) : std::string("(unknown)")) +
             ".\nThese files will be updated when the certificate renews.");
    return kExitOk;
}

}  // namespace certbot
