#include "renewal.h"

#include <algorithm>

#include "account.h"
#include "acme.h"
#include "ari_renewal.h"
#include "cert_dates.h"
#include "flags.h"
#include "fsutil.h"
#include "hooks.h"
#include "identifiers.h"
#include "installer.h"
#include "issuance.h"
#include "json.h"
#include "kept_issuance.h"
#include "log.h"
#include "plugin_options.h"
#include "user_agent.h"
#include "version.h"

namespace certbot {

// Builds what a plugin reads through host->get_option from the parsed flags.
Result<PluginOptionValues> plugin_values(const LoadedPlugin& p, const Config& cfg) {
    PluginOptionValues v;
    const std::string prefix = p.name() + "-";
    std::string per_id_option;
    for (size_t i = 0; i < p.entry->option_count; ++i) {
        const auto& od = p.entry->options[i];
        const std::string long_name = prefix + od.name;
        auto it = cfg.plugin_options.find(long_name);
        if (it != cfg.plugin_options.end())
            v.values[od.name] = it->second;
        else if (od.default_value)
            v.values[od.name] = {od.default_value};
        if (od.flags & CB_OPT_PER_IDENTIFIER) {
            per_id_option = od.name;
            auto pi = cfg.plugin_per_identifier.find(long_name);
            if (pi != cfg.plugin_per_identifier.end())
                v.per_identifier[od.name] = pi->second;
            else
                v.per_identifier[od.name];
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
                auto names = parse_identifiers({keys});  // certbot 5.4: addresses too
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
    // Typed options (ABI 1.3) are checked, and handed over canonical, before the plugin runs.
    CB_TRY(check_plugin_values(p, v));
    // Hook options (CB_OPT_HOOK) are checked like --pre-hook: a typo must fail before the order.
    if (!cfg.disable_hook_validation)
        for (size_t i = 0; i < p.entry->option_count; ++i) {
            const auto& od = p.entry->options[i];
            if (!(od.flags & CB_OPT_HOOK)) continue;
            auto it = v.values.find(od.name);
            if (it == v.values.end()) continue;
            for (const auto& command : it->second)
                CB_TRY(validate_hook(command, "--" + prefix + od.name));
        }
    v.globals["http-01-port"] = std::to_string(cfg.http01_port);
    v.globals["https-port"] = std::to_string(cfg.https_port);
    if (!cfg.http01_address.empty()) v.globals["http-01-address"] = cfg.http01_address;
    return v;
}

namespace {

// The [renewalparams] certbot writes: what the user set, plus server/key_type/account.
std::vector<RenewalParam> renewal_params(const Config& cfg, const LoadedPlugin& auth,
                                         const PluginOptionValues& values,
                                         const std::string& account_id) {
    std::vector<RenewalParam> r;
    r.push_back(RenewalParam::str("account", account_id));
    // certbot's relevant_values() keeps every option set by the user, the directories among
    // them (absolute, as its NamespaceConfig makes them). The flag table gives them no renewal key:
    // a rewrite without the flag keeps the stored value, as certbot's restore-then-save does.
    if (cfg.set_by_user.count("config-dir"))
        r.push_back(RenewalParam::str("config_dir", normalize_path(cfg.config_dir)));
    if (cfg.set_by_user.count("work-dir"))
        r.push_back(RenewalParam::str("work_dir", normalize_path(cfg.work_dir)));
    if (cfg.set_by_user.count("logs-dir"))
        r.push_back(RenewalParam::str("logs_dir", normalize_path(cfg.logs_dir)));
    r.push_back(RenewalParam::str("authenticator", auth.name()));
    if (!cfg.installer.empty()) r.push_back(RenewalParam::str("installer", cfg.installer));
    r.push_back(RenewalParam::str("server", cfg.effective_server()));
    r.push_back(RenewalParam::str("key_type", cfg.key_type));
    if (cfg.key_type == "rsa" && cfg.set_by_user.count("rsa-key-size"))
        r.push_back(RenewalParam::str("rsa_key_size", std::to_string(cfg.rsa_key_size)));
    if (cfg.key_type == "ecdsa" && cfg.set_by_user.count("elliptic-curve"))
        r.push_back(RenewalParam::str("elliptic_curve", cfg.elliptic_curve));
    if (cfg.set_by_user.count("http-01-port"))
        r.push_back(RenewalParam::str("http01_port", std::to_string(cfg.http01_port)));
    if (cfg.set_by_user.count("http-01-address"))
        r.push_back(RenewalParam::str("http01_address", cfg.http01_address));
    if (cfg.set_by_user.count("https-port"))
        r.push_back(RenewalParam::str("https_port", std::to_string(cfg.https_port)));
    if (!cfg.preferred_challenges.empty())
        r.push_back(RenewalParam::list_of("pref_challs", cfg.preferred_challenges));
    // certbot 4.0's keys: STR_CONFIG_ITEMS preferred_profile / required_profile
    if (!cfg.preferred_profile.empty())
        r.push_back(RenewalParam::str("preferred_profile", cfg.preferred_profile));
    if (!cfg.required_profile.empty())
        r.push_back(RenewalParam::str("required_profile", cfg.required_profile));
    if (cfg.must_staple) r.push_back(RenewalParam::str("must_staple", "True"));
    if (cfg.reuse_key)
        r.push_back(RenewalParam::str("reuse_key", *cfg.reuse_key ? "True" : "False"));
    if (cfg.allow_subset_of_names) r.push_back(RenewalParam::str("allow_subset_of_names", "True"));
    if (cfg.no_autorenew) r.push_back(RenewalParam::str("autorenew", "False"));
    if (!cfg.preferred_chain.empty())
        r.push_back(RenewalParam::str("preferred_chain", cfg.preferred_chain));
    // certbot stores one command per hook kind; several --deploy-hook flags are joined.
    auto join = [](const std::vector<std::string>& v) {
        std::string out;
        for (const auto& c : v) out += (out.empty() ? "" : " && ") + c;
        return out;
    };
    if (!cfg.pre_hooks.empty()) r.push_back(RenewalParam::str("pre_hook", join(cfg.pre_hooks)));
    if (!cfg.post_hooks.empty()) r.push_back(RenewalParam::str("post_hook", join(cfg.post_hooks)));
    if (!cfg.deploy_hooks.empty())
        r.push_back(RenewalParam::str("renew_hook", join(cfg.deploy_hooks)));
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
                if (auto m = pi->second.find(d); m != pi->second.end())
                    ordered.emplace_back(d, m->second);
            r.push_back(RenewalParam::section(auth.name() + "_map", ordered));
            continue;
        }
        if (!user_set || it == values.values.end() || it->second.empty()) continue;
        if (od.flags & CB_OPT_REPEATABLE)
            r.push_back(RenewalParam::list_of(key, it->second));
        else
            r.push_back(RenewalParam::str(key, it->second.back()));
    }
    return r;
}

std::optional<bool> parse_bool(const std::optional<std::string>& v) {
    if (!v) return std::nullopt;
    if (*v == "True" || *v == "true" || *v == "1") return true;
    if (*v == "False" || *v == "false" || *v == "0") return false;
    return std::nullopt;
}

// certbot's restore_required_config_elements (_restore_int, _restore_bool): a stored value of
// the wrong type fails this lineage only, reported as a parse failure, before anything is
// ordered; it never silently becomes 0 or the default.
Status check_param_types(const std::string& conf_path, const Section& p) {
    auto wrong = [&](const std::string& key, const std::string& value, const char* want) {
        return Error(conf_path + ": " + key + " = \"" + log::printable(value, 60) + "\" is not " +
                     want + "; fix or remove that line");
    };
    static const struct {
        const char* key;
        long lo, hi;
    } kInts[] = {{"rsa_key_size", 1, 65536}, {"http01_port", 1, 65535}, {"https_port", 1, 65535}};
    for (const auto& k : kInts) {
        auto v = p.get(k.key);
        if (!v || (*v == "None" && std::string(k.key) == "http01_port")) continue;
        const bool digits = !v->empty() && v->size() <= 9 &&
                            v->find_first_not_of("0123456789") == std::string::npos;
        const long n = digits ? std::stol(*v) : 0;
        if (!digits || n < k.lo || n > k.hi)
            return wrong(k.key, *v,
                         k.hi == 65535 ? "a port number (1 to 65535)" : "a positive whole number");
    }
    for (const char* key : {"must_staple", "reuse_key", "allow_subset_of_names", "autorenew"}) {
        auto v = p.get(key);
        if (v && !parse_bool(v)) return wrong(key, *v, "True or False");
    }
    if (auto v = p.get("key_type"); v && *v != "rsa" && *v != "ecdsa")
        return wrong("key_type", *v, "rsa or ecdsa");
    return Status::Ok();
}

// "30 days", "2 weeks", "12 hours", a bare number = days.
std::optional<int64_t> parse_interval(const std::string& text) {
    std::string s = text;
    s.erase(0, s.find_first_not_of(" \t"));
    size_t i = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == 0 || i > 9) return std::nullopt;
    int64_t n = std::stoll(s.substr(0, i));
    std::string unit = s.substr(i);
    unit.erase(0, unit.find_first_not_of(" \t"));
    unit.erase(unit.find_last_not_of(" \t") + 1);
    if (unit.empty() || unit.rfind("day", 0) == 0) return n * 86400;
    if (unit.rfind("week", 0) == 0) return n * 7 * 86400;
    if (unit.rfind("hour", 0) == 0) return n * 3600;
    if (unit.rfind("minute", 0) == 0) return n * 60;
    if (unit.rfind("second", 0) == 0) return n;
    if (unit.rfind("month", 0) == 0) return n * 30 * 86400;
    return std::nullopt;
}

}  // namespace

bool renewal_key_is_ours(const std::string& key, const PluginRegistry& plugins) {
    // The keys renewal_params() writes are the flag table's (flags.h).
    for (const auto& f : flag_table())
        if (!f.renewal_key.empty() && key == f.renewal_key) return true;
    // certbot's dest_namespace: a plugin's options are stored as <name>_<option> with '-' as
    // '_', an identifier map as [[<name>_map]]. Options our plugin does not declare are kept.
    auto underscored = [](std::string s) {
        std::replace(s.begin(), s.end(), '-', '_');
        return s;
    };
    for (const auto& p : plugins.plugins()) {
        if (key == p.name() + "_map") return true;
        for (size_t i = 0; i < p.entry->option_count; ++i)
            if (key == underscored(p.name() + "_" + p.entry->options[i].name)) return true;
    }
    return false;
}

void normalize_key_flags(Config& cfg) {
    if (!cfg.new_key || cfg.set_by_user.count("no-reuse-key")) return;
    if (cfg.set_by_user.count("reuse-key"))
        cfg.reuse_key = true;
    else
        cfg.reuse_key.reset();
}

std::string date_of(int64_t t) {
    return format_utc(t, "%Y-%m-%d");
}

std::optional<CertInfo> current_cert(const Lineage& l) {
    auto pem = read_file(l.cert_path, 1 << 20);
    if (!pem) return std::nullopt;
    auto info = cert_info_walked(*pem);
    if (!info) return std::nullopt;
    return *info;
}

RenewalDecision should_renew(const Lineage& l, const Config& cfg, std::time_t now) {
    return should_renew_with_cert(l, cfg, now, nullptr);
}

RenewalDecision should_renew_with_cert(const Lineage& l, const Config& cfg, std::time_t now,
                                       const std::string* cert_pem) {
    if (cfg.force_renewal) return {true, "forced"};
    if (cfg.dry_run) return {true, "dry run"};
    const Section* params = l.conf.root().find_section("renewalparams");
    if (params && parse_bool(params->get("autorenew")) == false) return {false, "autorenew is off"};
    // Only the validity period: a DER walk, not a full parse (renew reads every lineage).
    auto pem = cert_pem ? Result<std::string>(*cert_pem) : read_file(l.cert_path, 1 << 20);
    auto info = pem ? cert_validity_pem(*pem) : std::nullopt;
    if (!info) return {true, "the current certificate cannot be read"};
    const int64_t left = info->not_after - static_cast<int64_t>(now);
    const std::string when = "expires on " + date_of(info->not_after);
    if (auto rbe = l.conf.root().get("renew_before_expiry")) {
        if (auto interval = parse_interval(*rbe)) {
            if (left < *interval) return {true, when + " (renew_before_expiry " + *rbe + ")"};
            return {false, when, true};
        }
        log::warning(l.renewal_conf_path + ": renew_before_expiry \"" + *rbe +
                     "\" is not an interval like \"30 days\"; using the default");
    }
    const int64_t lifetime = info->not_after - info->not_before;
    const int64_t window = lifetime < 10 * 86400 ? lifetime / 2 : lifetime / 3;
    if (left < window) return {true, when};
    return {false, when, true};
}

Result<Config> config_for_lineage(const Lineage& l, const Config& cli,
                                  const PluginRegistry& plugins) {
    auto cfg = renewal_config(l, cli, plugins);
    if (!cfg) return cfg.error();
    CB_TRY(set_lineage_domains(*cfg, l));
    return cfg;
}

Status set_lineage_domains(Config& cfg, const Lineage& l) {
    auto info = current_cert(l);
    if (!info) return Error("cannot read the certificate " + l.cert_path + " of lineage " + l.name);
    // certbot 5.3 renews a lineage's san.split(): its DNS names, then its IP addresses, whatever
    // order the CA wrote the SANs in.
    cfg.domains = dns_names_then_ips(info->dns_names);
    return Status::Ok();
}

Result<Config> renewal_config(const Lineage& l, const Config& cli, const PluginRegistry& plugins) {
    Config cfg = cli;
    normalize_key_flags(cfg);
    cfg.cert_name = l.name;
    const Section* p = l.conf.root().find_section("renewalparams");
    if (!p) return Error(l.renewal_conf_path + " has no [renewalparams] section; fix or delete it");
    CB_TRY(check_param_types(l.renewal_conf_path, *p));
    auto user = [&](const char* flag) { return cli.set_by_user.count(flag) > 0; };
    auto str = [&](const char* key) { return p->get(key); };
    if (!user("authenticator") && cli.authenticator.empty())
        cfg.authenticator = str("authenticator").value_or("");
    if (cfg.authenticator.empty())
        return Error(l.renewal_conf_path + " names no authenticator; fix it or pass -a");
    if (!user("installer")) {
        cfg.installer = str("installer").value_or("");
        if (cfg.installer == "None") cfg.installer.clear();
    }
    if (!user("server") && str("server")) {
        cfg.server = *str("server");
        cfg.server_set = true;
    }
    // certbot's set_test_server: a dry run of a Let's Encrypt production lineage goes to the
    // staging server (effective_server()); any other CA is used as stored. The stored account
    // belongs to the stored server; a run redirected to staging uses (or registers) a staging
    // account instead.
    const bool to_staging = cfg.effective_server() != cfg.server;
    if (!user("account") && !to_staging) cfg.account = str("account").value_or(cli.account);
    if (!user("key-type"))
        cfg.key_type = str("key_type").value_or("rsa");  // absent: pre-1.25 = rsa
    // A value restored from the conf counts as set, so it is written back unchanged.
    auto restored = [&](const char* flag) { cfg.set_by_user.insert(flag); };
    if (!user("rsa-key-size") && str("rsa_key_size")) {
        cfg.rsa_key_size = std::atoi(str("rsa_key_size")->c_str());
        restored("rsa-key-size");
    }
    if (!user("elliptic-curve") && str("elliptic_curve")) {
        cfg.elliptic_curve = *str("elliptic_curve");
        restored("elliptic-curve");
    }
    if (!user("http-01-port") && str("http01_port") && *str("http01_port") != "None") {
        cfg.http01_port = std::atoi(str("http01_port")->c_str());
        restored("http-01-port");
    }
    if (!user("http-01-address") && str("http01_address")) {
        cfg.http01_address = *str("http01_address");
        restored("http-01-address");
    }
    if (!user("https-port") && str("https_port")) {
        cfg.https_port = std::atoi(str("https_port")->c_str());
        restored("https-port");
    }
    // A profile given on the command line replaces the stored one (either kind).
    if (!user("preferred-profile") && !user("required-profile")) {
        auto profile = [&](const char* key) {
            auto v = str(key);
            return v && *v != "None" ? *v : std::string();
        };
        cfg.preferred_profile = profile("preferred_profile");
        cfg.required_profile = profile("required_profile");
    }
    if (!user("must-staple")) cfg.must_staple = parse_bool(str("must_staple")).value_or(false);
    if (!user("reuse-key") && !user("no-reuse-key"))
        if (auto b = parse_bool(str("reuse_key"))) cfg.reuse_key = *b;
    if (!user("allow-subset-of-names"))
        cfg.allow_subset_of_names = parse_bool(str("allow_subset_of_names")).value_or(false);
    if (!user("preferred-challenges")) {
        if (auto list = p->get_list("pref_challs")) {
            auto types = normalize_challenge_types(*list);
            if (!types) return types.error().context(l.renewal_conf_path);
            cfg.preferred_challenges = *types;
        }
    }
    if (!user("preferred-chain") && str("preferred_chain"))
        cfg.preferred_chain = *str("preferred_chain");
    auto hook = [&](const char* key, const char* flag, std::vector<std::string>& dst) {
        if (user(flag)) return;
        auto v = str(key);
        if (v && !v->empty() && *v != "None") dst = {*v};
    };
    hook("pre_hook", "pre-hook", cfg.pre_hooks);
    hook("post_hook", "post-hook", cfg.post_hooks);
    hook("renew_hook", "deploy-hook", cfg.deploy_hooks);

    // The authenticator's own options: <plugin>_<option> and [[<plugin>_map]].
    const LoadedPlugin* auth = plugins.find(cfg.authenticator);
    if (auth) {
        const std::string name = auth->name();
        for (size_t i = 0; i < auth->entry->option_count; ++i) {
            const auto& od = auth->entry->options[i];
            const std::string flag = name + "-" + od.name;
            if (user(flag.c_str())) continue;
            std::string key = name + "_" + od.name;
            std::replace(key.begin(), key.end(), '-', '_');
            if (od.flags & CB_OPT_PER_IDENTIFIER) {
                cfg.plugin_per_identifier.erase(flag);
                if (auto list = p->get_list(key)) cfg.plugin_options[flag] = *list;
                if (const Section* map = p->find_section(name + "_map"))
                    for (const auto& d : map->keys())
                        if (auto v = map->get(d)) cfg.plugin_per_identifier[flag][d] = *v;
            } else if (auto list = p->get_list(key)) {
                cfg.plugin_options[flag] = *list;
            }
        }
    }
    restore_installer_options(cfg, *p, plugins);
    return cfg;
}

namespace {

// certbot's client.save_certificate: a path the user gave is created new (O_EXCL); a default is
// made unique as NNNN_<name> (util.unique_file). Files are 0644 in a 0755 directory.
Result<std::string> create_pem(const std::string& path, bool given, const std::string& pem) {
    const std::string abs = normalize_path(path);
    CB_TRY(make_dirs(dir_name(abs), 0755));
    if (given) {
        CB_TRY(atomic_create(abs, pem, 0644));
        return abs;
    }
    for (int n = 0; n < 10000; ++n) {
        char prefix[8];
        std::snprintf(prefix, sizeof prefix, "%04d_", n);
        const std::string candidate = path_join(dir_name(abs), prefix + base_name(abs));
        bool existed = false;
        auto st = atomic_create(candidate, pem, 0644, &existed);
        if (st) return candidate;
        if (!existed) return st.error();
    }
    return Error("no free file name like " + abs + "; pass a path");
}

Status save_csr_certificate(const Config& cfg, const IssuedCert& issued, IssueResult& out) {
    auto given = [&](const char* flag) { return cfg.set_by_user.count(flag) > 0; };
    auto cert = create_pem(given("cert-path") ? cfg.cert_path : "cert.pem", given("cert-path"),
                           issued.cert_pem);
    if (!cert) return cert.error();
    auto chain = create_pem(given("chain-path") ? cfg.chain_path : "chain.pem", given("chain-path"),
                            issued.chain_pem);
    if (!chain) return chain.error();
    auto full = create_pem(given("fullchain-path") ? cfg.fullchain_path : "chain.pem",
                           given("fullchain-path"), issued.fullchain_pem);
    if (!full) return full.error();
    out.cert_path = *cert;
    out.chain_path = *chain;
    out.fullchain_path = *full;
    return Status::Ok();
}

// RFC 9773 §5: an order that renews a lineage names the certificate it replaces, when the CA
// speaks ARI; a certificate we cannot identify is simply not named.
std::string replaces_for(const AcmeClient& acme, const Lineage& l) {
    if (acme.directory().renewal_info.empty()) return {};
    auto pem = read_file(l.cert_path, 1 << 20);
    if (!pem) return {};
    auto id = ari_cert_id(*pem);
    if (!id) {
        log::debug("not sending \"replaces\": " + l.cert_path + ": " + id.error().message);
        return {};
    }
    return *id;
}

Status store_params(Lineage& l, const std::vector<RenewalParam>& params,
                    const PluginRegistry& plugins) {
    update_renewal_conf(l.conf, certbot_surface_version(), l.archive_dir, l.cert_path,
                        l.privkey_path, l.chain_path, l.fullchain_path, params,
                        [&](const std::string& key) { return renewal_key_is_ours(key, plugins); });
    return save_renewal_conf(l);
}

}  // namespace

Status save_renewal_options(Lineage& l, const Config& cfg, const PluginRegistry& plugins) {
    const LoadedPlugin* auth = plugins.find(cfg.authenticator);
    if (!auth) return Error("The " + cfg.authenticator + " plugin is not installed", kExitUsage);
    auto values = plugin_values(*auth, cfg);
    if (!values) return values.error();
    auto params = renewal_params(cfg, *auth, *values, cfg.account);
    // The installer's options too, as issue_and_save stores them (reconfigure -i NAME --NAME-x).
    for (auto& ip : installer_renewal_params(cfg, plugins)) params.push_back(std::move(ip));
    return store_params(l, params, plugins);
}

std::unique_ptr<HttpClient> ca_http_client(const Config& cfg) {
    HttpOptions http_opts;
    http_opts.verify_tls = !cfg.no_verify_ssl;
    http_opts.user_agent = user_agent(cfg);
    return make_http_client(http_opts);
}

CaLink SharedCaLinks::link(const Config& cfg) {
    const std::string server = cfg.effective_server();
    const std::string ua = user_agent(cfg);
    std::lock_guard<std::mutex> l(mu_);
    auto& http = http_[(cfg.no_verify_ssl ? "0 " : "1 ") + ua];
    if (!http) http = ca_http_client(cfg);
    auto& share = shares_[server];
    if (!share) share = std::make_unique<CaShare>(server);
    return CaLink{*http, system_clock(), share.get()};
}

Result<IssueResult> issue_and_save(const Config& cfg, const PluginRegistry& plugins,
                                   Lineage* existing, CaLink ca) {
    const LoadedPlugin* auth = plugins.find(cfg.authenticator);
    if (!auth) return Error(plugins.missing(cfg.authenticator), kExitUsage);
    if (!auth->is_authenticator())
        return Error("The " + auth->name() + " plugin is not an authenticator; choose one with -a",
                     kExitUsage);
    CB_TRY(preflight_names(cfg.domains, *auth, cfg.preferred_challenges));
    // certbot's _avoid_invalidating_lineage: a test certificate never replaces one from a real CA
    // unless --break-my-certs (a dry run saves nothing).
    auto is_staging = [](const std::string& url) {
        return url.find("staging") != std::string::npos;
    };
    if (existing && !cfg.dry_run && !cfg.break_my_certs && is_staging(cfg.effective_server()) &&
        !is_staging(existing->renewal_params().get("server").value_or(kDefaultServer))) {
        std::string names;
        for (const auto& d : cfg.domains) names += (names.empty() ? "" : ", ") + d;
        return Error(
            "You've asked to renew/replace a seemingly valid certificate with a test "
            "certificate (domains: " +
                names + "). We will not do that unless you use the --break-my-certs flag!",
            kExitUsage);
    }
    auto values = plugin_values(*auth, cfg);
    if (!values) return values.error();
    // The caller holds the store's lock (Session); nothing is ordered that could not be saved.
    if (!cfg.dry_run) CB_TRY(check_store_writable(cfg.config_dir, existing));
    // A new lineage's name is chosen (and checked: length, characters) before anything is
    // ordered, so a certificate the CA issued always has a place; the lock keeps it free.
    std::string new_name;
    if (!existing && cfg.csr_der.empty()) {
        auto chosen = choose_lineage_name(cfg.config_dir, cfg.cert_name.empty()
                                                              ? default_lineage_name(cfg.domains)
                                                              : cfg.cert_name);
        if (!chosen) return chosen.error();
        new_name = *chosen;
    }

    AcmeClient acme(ca.http, cfg.effective_server(), ca.clock);
    if (ca.share) acme.share_with(*ca.share);
    // What needs no answer from the CA is done first, while its directory may be on the way
    // (a prefetch, ca_prefetch.h): the stored account, the kept issuance and the plugin's
    // instance. Registering a new account needs the directory; it comes after.
    auto stored = stored_account(cfg, acme.directory().url);
    if (!stored) return stored.error();

    // What an earlier run got from the CA but could not store is stored now, not ordered again.
    const std::string keep_name = existing ? existing->name : new_name;  // none with --csr
    std::optional<IssuedCert> kept;
    if (!cfg.dry_run && !keep_name.empty())
        kept = take_kept_issuance(cfg.work_dir, keep_name, cfg.effective_server(), cfg.domains,
                                  static_cast<int64_t>(std::time(nullptr)));
    // A run killed after storing but before forgetting its kept copy left the lineage's own
    // certificate there: storing it again would renew nothing.
    if (kept && existing) {
        auto current = read_file(existing->cert_path);
        if (current && *current == kept->cert_pem) {
            log::debug("The certificate kept in " + kept_issuance_where(cfg.work_dir, keep_name) +
                       " is already " + existing->name + "'s current one; removing the copy");
            forget_kept_issuance(cfg.work_dir, keep_name);
            kept.reset();
        }
    }
    std::unique_ptr<PluginInstance> instance;
    if (!kept) {
        auto made = PluginInstance::create(*auth, *values, cfg.interactive(), cfg.dry_run,
                                           cfg.config_dir, cfg.work_dir, cfg.logs_dir);
        if (!made) return made.error();
        instance = std::move(*made);
    }

    CB_TRY(acme.load_directory());
    std::optional<ActiveAccount> account = std::move(*stored);
    if (!account) {
        auto registered = register_account(acme, cfg);
        if (!registered) return registered.error();
        account.emplace(std::move(*registered));
    }
    acme.set_account(&account->key, account->url);

    IssuedCert issued;
    if (kept) {
        log::notice("Storing the certificate an earlier run obtained for " + keep_name +
                    " but could not save (kept in " + kept_issuance_where(cfg.work_dir, keep_name) +
                    "); nothing is ordered");
        issued = std::move(*kept);
    } else {
        std::string reuse_key_pem;
        if (existing && cfg.reuse_key.value_or(false) && !cfg.new_key) {
            auto k = read_file(existing->privkey_path);
            if (!k) return k.error().context("--reuse-key");
            reuse_key_pem = *k;
        }
        OrderOptions order;
        auto profile = choose_profile(acme.directory(), cfg);
        if (!profile) return profile.error();
        order.profile = *profile;
        if (existing && !cfg.dry_run) order.replaces = replaces_for(acme, *existing);
        auto got = obtain_certificate(acme, *instance, cfg, cfg.domains, reuse_key_pem, order);
        if (!got) return got.error();
        issued = std::move(*got);
    }

    IssueResult out;
    out.domains = issued.domains;  // fewer than asked for with --allow-subset-of-names
    out.dry_run = cfg.dry_run;
    // The DER walk (cert_dates.h) reads the date without OpenSSL's decoders; the full parse
    // only for a certificate it does not understand.
    if (auto v = cert_validity_pem(issued.cert_pem))
        out.not_after = v->not_after;
    else if (auto info = parse_cert_pem(issued.cert_pem))
        out.not_after = info->not_after;
    if (cfg.dry_run) {
        out.name = existing ? existing->name : cfg.cert_name;
        return out;
    }
    if (!cfg.csr_der.empty()) {
        CB_TRY(save_csr_certificate(cfg, issued, out));
        return out;
    }
    // Kept before it is stored (below), or kept already by an earlier run: where the copy is.
    std::optional<std::string> kept_at;
    if (kept) kept_at = kept_issuance_where(cfg.work_dir, keep_name);
    // Storing failed (a full disk): keep what the CA issued where the next run finds it, unless
    // it is kept already.
    auto keep_unsaved = [&](Error e) {
        auto dir = kept_at ? Result<std::string>(*kept_at)
                           : keep_issuance(cfg.work_dir, keep_name, cfg.effective_server(), issued);
        if (!dir) {
            e.message += "; keeping the issued certificate in the work dir failed too (" +
                         dir.error().message + ")";
            return e;
        }
        e.message += "; the certificate the CA issued is kept in " + *dir +
                     " and the next run stores it instead of ordering again (free some space "
                     "and run the same command)";
        return e;
    };
    auto params = renewal_params(cfg, *auth, *values, account->id);
    for (auto& ip : installer_renewal_params(cfg, plugins)) params.push_back(std::move(ip));
    // Kept before it is stored, so that a run killed while storing (SIGKILL, power loss) loses
    // nothing: the next run's store repair removes a half-made new lineage and stores this copy
    // under the same name instead of ordering again (session.cpp, kept_issuance.h).
    if (!kept) {
        if (auto dir = keep_issuance(cfg.work_dir, keep_name, cfg.effective_server(), issued))
            kept_at = *dir;
        else
            log::warning("Could not keep a copy of the issued certificate before storing it (" +
                         dir.error().message + ")");
    }
    if (existing) {
        auto version = save_new_version(*existing, issued.cert_pem, issued.chain_pem,
                                        issued.fullchain_pem, issued.key_pem);
        if (!version) return keep_unsaved(version.error());
        store_ari_state(existing->conf, {});  // a new certificate: nothing known about it yet
        CB_TRY(store_params(*existing, params, plugins));
        out.name = existing->name;
    } else {
        auto created =
            create_lineage(cfg.config_dir, new_name, issued.cert_pem, issued.chain_pem,
                           issued.fullchain_pem, issued.key_pem, params, certbot_surface_version());
        if (!created) return keep_unsaved(created.error());
        out.name = new_name;
    }
    forget_kept_issuance(cfg.work_dir, keep_name);
    out.live_dir = path_join(path_join(cfg.config_dir, "live"), out.name);
    return out;
}

Result<IssueResult> issue_with_hooks(const Config& cfg, const PluginRegistry& plugins,
                                     Lineage* existing, CaLink ca) {
    if (auto st = ensure_hook_dirs(cfg.config_dir); !st) log::warning(st.error().message);
    HookConfig hc;
    hc.config_dir = cfg.config_dir;
    hc.pre_hooks = cfg.pre_hooks;
    hc.post_hooks = cfg.post_hooks;
    hc.directory_hooks = false;  // pre/ and post/ run only for renew (certbot)
    hc.deploy_directory_hooks = !cfg.no_directory_hooks;  // deploy/ too since certbot 5.3
    hc.dry_run = cfg.dry_run;
    HookRunner hooks(hc);
    if (auto st = hooks.run_pre_hooks(); !st) log::error(st.error().message);
    auto result = issue_and_save(cfg, plugins, existing, ca);
    if (result && !cfg.dry_run)
        if (auto st = hooks.run_deploy_hooks(cfg.deploy_hooks, result->live_dir, result->domains);
            !st)
            log::error(st.error().message);
    if (auto st = hooks.run_post_hooks(result ? result->domains : std::vector<std::string>{},
                                       result ? std::vector<std::string>{} : cfg.domains);
        !st)
        log::error(st.error().message);
    return result;
}

}  // namespace certbot
