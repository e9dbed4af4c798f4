#include "installer.h"

#include <algorithm>
#include <iostream>
#include <map>

#include "fsutil.h"
#include "identifiers.h"
#include "log.h"
#include "renewal.h"

namespace certbot {

namespace {

// PluginInstance's installer calls behind the Installer interface.
class PluginInstaller : public Installer {
  public:
    explicit PluginInstaller(std::unique_ptr<PluginInstance> p) : p_(std::move(p)) {}
    std::string name() const override { return p_->plugin().name(); }
    Result<std::vector<std::string>> get_all_names() override { return p_->get_all_names(); }
    Result<std::vector<std::string>> supported_enhancements() override {
        return p_->supported_enhancements();
    }
    Status deploy_cert(const std::string& domain, const CertPaths& c) override {
        // A lineage's live/<name>/ links tell the plugin the lineage (host->lineage_name).
        const std::string dir = dir_name(c.fullchain);
        const std::string lineage = base_name(dir_name(dir)) == "live" ? base_name(dir) : "";
        return p_->deploy_cert(domain, c.cert, c.key, c.chain, c.fullchain, lineage);
    }
    Result<bool> enhance(const std::string& domain, const std::string& enhancement,
                         const std::string& options) override {
        return p_->enhance(domain, enhancement, options);
    }
    Status save(const std::string& title, bool temporary) override {
        return p_->save(title, temporary);
    }
    Status rollback_checkpoints(int count) override { return p_->rollback_checkpoints(count); }
    Status recovery_routine() override { return p_->recovery_routine(); }
    Status config_test() override { return p_->config_test(); }
    Status restart() override { return p_->restart(); }

  private:
    std::unique_ptr<PluginInstance> p_;
};

// Undoes an unfinished transaction; returns `cause` extended with what the undo achieved.
Error roll_back(Installer& inst, const Error& cause, int checkpoints, bool restarted) {
    log::info("Rolling back the " + inst.name() + " configuration changes of this run");
    std::vector<std::string> problems;
    if (auto st = inst.recovery_routine(); !st) problems.push_back(st.error().message);
    if (checkpoints > 0)
        if (auto st = inst.rollback_checkpoints(checkpoints); !st)
            problems.push_back(st.error().message);
    if (restarted && problems.empty())
        if (auto st = inst.restart(); !st) problems.push_back(st.error().message);
    if (problems.empty())
        return Error(
            cause.message + "; the previous " + inst.name() + " configuration was restored",
            cause.exit_code);
    std::string why;
    for (const auto& p : problems) why += (why.empty() ? "" : "; ") + p;
    return Error(cause.message + "; restoring the previous configuration also failed (" + why +
                     "): check the " + inst.name() + " configuration by hand",
                 cause.exit_code);
}

// certbot's _sort_names key: the labels from right to left, without the top-level one.
std::vector<std::string> sort_key(const std::string& name) {
    std::vector<std::string> labels;
    size_t start = 0;
    while (true) {
        size_t dot = name.find('.', start);
        labels.push_back(name.substr(start, dot == std::string::npos ? dot : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    std::reverse(labels.begin(), labels.end());
    labels.erase(labels.begin());
    return labels;
}

// The installer when it is not also the authenticator (whose options renewal.cpp handles).
const LoadedPlugin* separate_installer(const Config& cfg, const PluginRegistry& plugins) {
    if (cfg.installer.empty() || cfg.installer == cfg.authenticator) return nullptr;
    return plugins.find(cfg.installer);
}

// The installer's plain options (installers have no per-identifier ones) with their renewal
// conf keys: "nginx-server-root" -> "nginx_server_root".
std::vector<std::pair<const cb_option_desc*, std::string>> stored_options(const LoadedPlugin& p) {
    std::vector<std::pair<const cb_option_desc*, std::string>> out;
    for (size_t i = 0; i < p.entry->option_count; ++i) {
        const auto& od = p.entry->options[i];
        if (od.flags & (CB_OPT_PER_IDENTIFIER | CB_OPT_IDENTIFIER_MAP)) continue;
        std::string key = p.name() + "_" + od.name;
        std::replace(key.begin(), key.end(), '-', '_');
        out.emplace_back(&od, key);
    }
    return out;
}

}  // namespace

std::vector<RenewalParam> installer_renewal_params(const Config& cfg,
                                                   const PluginRegistry& plugins) {
    std::vector<RenewalParam> r;
    const LoadedPlugin* p = separate_installer(cfg, plugins);
    if (!p) return r;
    for (const auto& [od, key] : stored_options(*p)) {
        auto it = cfg.plugin_options.find(p->name() + "-" + od->name);
        if (it == cfg.plugin_options.end() || it->second.empty()) continue;
        r.push_back((od->flags & CB_OPT_REPEATABLE) ? RenewalParam::list_of(key, it->second)
                                                    : RenewalParam::str(key, it->second.back()));
    }
    return r;
}

void restore_installer_options(Config& cfg, const Section& params, const PluginRegistry& plugins) {
    const LoadedPlugin* p = separate_installer(cfg, plugins);
    if (!p) return;
    for (const auto& [od, key] : stored_options(*p)) {
        const std::string flag = p->name() + "-" + od->name;
        if (cfg.set_by_user.count(flag)) continue;
        if (auto list = params.get_list(key)) cfg.plugin_options[flag] = *list;
    }
}

Result<std::unique_ptr<Installer>> open_installer(const Config& cfg,
                                                  const PluginRegistry& plugins) {
    if (cfg.installer.empty())
        return Error(
            "No installer chosen: add --nginx or -i/--installer NAME (see `certbot plugins "
            "--installers`)",
            kExitUsage);
    const LoadedPlugin* p = plugins.find(cfg.installer);
    if (!p) return Error(plugins.missing(cfg.installer), kExitUsage);
    if (!p->is_installer())
        return Error("The " + p->name() +
                         " plugin is not an installer; choose one with -i/--installer (see "
                         "`certbot plugins --installers`)",
                     kExitUsage);
    auto values = plugin_values(*p, cfg);
    if (!values) return values.error();
    auto inst = PluginInstance::create(*p, std::move(*values), cfg.interactive(), cfg.dry_run,
                                       cfg.config_dir, cfg.work_dir, cfg.logs_dir);
    if (!inst) return inst.error();
    return std::unique_ptr<Installer>(new PluginInstaller(std::move(*inst)));
}

namespace {
// The first IP address among IDENTIFIERS, or nullptr.
const std::string* first_ip(const std::vector<std::string>& identifiers) {
    auto it = std::find_if(identifiers.begin(), identifiers.end(), is_ip_identifier);
    return it == identifiers.end() ? nullptr : &*it;
}
}  // namespace

Status refuse_ip_install(const std::string& installer,
                         const std::vector<std::string>& identifiers) {
    const std::string* ip = first_ip(identifiers);
    if (!ip) return Status::Ok();
    return Error("The " + installer +
                     " installer cannot install a certificate for the IP address " + *ip +
                     " (certbot installs certificates for DNS names only): get it with certbot "
                     "certonly --standalone, --webroot or --manual --ip-address " +
                     *ip + " and point the server at the files in live/",
                 kExitUsage);
}

Status refuse_ip_enhance(const std::string& installer, const std::string& lineage,
                         const std::vector<std::string>& identifiers) {
    const std::string* ip = first_ip(identifiers);
    if (!ip) return Status::Ok();
    return Error("The " + installer +
                     " installer cannot enhance the configuration for certificate " + lineage +
                     ": it has the IP address " + *ip +
                     ", and certbot installs and enhances certificates for DNS names only; "
                     "configure the server for the files in live/" +
                     lineage + "/ yourself",
                 kExitUsage);
}

Status prepare_installer(Installer& inst) {
    if (auto st = inst.recovery_routine(); !st)
        return st.error().context("Undoing unfinished " + inst.name() + " changes");
    if (auto names = inst.get_all_names(); !names)
        return names.error().context("Reading the " + inst.name() + " configuration");
    if (auto st = inst.config_test(); !st)
        return Error("The " + inst.name() + " configuration is invalid before any change (" +
                         st.error().message + "); fix it first",
                     st.error().exit_code);
    return Status::Ok();
}

std::vector<Enhancement> requested_enhancements(const Config& cfg, bool redirect_default,
                                                const std::string& chain_path) {
    std::vector<Enhancement> out;
    if (cfg.hsts)
        out.push_back({"--hsts", "ensure-http-header", "Strict-Transport-Security", true});
    if (cfg.redirect.value_or(redirect_default))
        out.push_back({"--redirect", "redirect", "", cfg.redirect.has_value()});
    if (cfg.staple_ocsp) out.push_back({"--staple-ocsp", "staple-ocsp", chain_path, true});
    if (cfg.uir) out.push_back({"--uir", "ensure-http-header", "Upgrade-Insecure-Requests", true});
    // certbot's apache-only enhancement: an installer that lacks it refuses it (supported_only).
    if (cfg.auto_hsts) out.push_back({"--auto-hsts", "auto-hsts", "", true});
    return out;
}

Result<std::vector<Enhancement>> supported_only(Installer& inst, std::vector<Enhancement> wanted) {
    if (wanted.empty()) return wanted;
    auto supported = inst.supported_enhancements();
    if (!supported) return supported.error();
    std::vector<Enhancement> out;
    for (auto& e : wanted) {
        if (std::find(supported->begin(), supported->end(), e.name) != supported->end()) {
            out.push_back(std::move(e));
        } else if (e.requested) {
            return Error(e.flag + " is not supported by the " + inst.name() +
                             " installer; leave it out or choose another installer",
                         kExitUsage);
        } else {
            log::debug("The " + inst.name() + " installer has no " + e.name + "; skipped");
        }
    }
    return out;
}

Status install_transaction(Installer& inst, const std::vector<std::string>& domains,
                           const CertPaths* paths, const std::vector<Enhancement>& enhancements) {
    int checkpoints = 0;
    auto saved = [&](const std::string& title) -> Status {
        auto st = inst.save(title, false);
        if (st) ++checkpoints;
        return st;
    };
    if (paths) {
        log::info("Deploying the certificate with the " + inst.name() + " installer");
        for (const auto& d : domains)
            if (auto st = inst.deploy_cert(d, *paths); !st)
                return roll_back(inst, st.error(), checkpoints, false);
        if (auto st = saved("Deployed ACME Certificate"); !st)
            return roll_back(inst, st.error(), checkpoints, false);
    }
    for (const auto& e : enhancements) {
        const std::string label = e.name == "ensure-http-header" ? e.options : e.name;
        bool applied = false;
        for (const auto& d : domains) {
            auto done = inst.enhance(d, e.name, e.options);
            if (!done) return roll_back(inst, done.error(), checkpoints, false);
            applied = applied || *done;
        }
        if (!applied) continue;
        if (auto st = saved("Add enhancement " + label); !st)
            return roll_back(inst, st.error(), checkpoints, false);
    }
    if (auto st = inst.config_test(); !st) return roll_back(inst, st.error(), checkpoints, false);
    if (auto st = inst.restart(); !st) return roll_back(inst, st.error(), checkpoints, true);
    return Status::Ok();
}

std::vector<std::string> certificate_names(const std::vector<std::string>& raw) {
    std::vector<std::string> out;
    for (const auto& r : raw) {
        auto d = normalize_domain(r);
        if (!d || is_wildcard(*d)) continue;
        if (std::find(out.begin(), out.end(), *d) == out.end()) out.push_back(*d);
    }
    std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        return sort_key(a) < sort_key(b);
    });
    return out;
}

Result<std::vector<std::string>> parse_name_choice(const std::string& answer,
                                                   const std::vector<std::string>& names) {
    std::vector<std::string> out;
    std::string token;
    auto take = [&]() -> Status {
        if (token.empty()) return Status::Ok();
        bool digits = token.size() <= 6 && std::all_of(token.begin(), token.end(),
                                                       [](char c) { return c >= '0' && c <= '9'; });
        size_t n = digits ? std::stoul(token) : 0;
        if (n < 1 || n > names.size())
            return Error("\"" + log::printable(token, 20) + "\" is not a number from 1 to " +
                             std::to_string(names.size()),
                         kExitUsage);
        if (std::find(out.begin(), out.end(), names[n - 1]) == out.end())
            out.push_back(names[n - 1]);
        token.clear();
        return Status::Ok();
    };
    for (char c : answer) {
        if (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            CB_TRY(take());
        } else {
            token += c;
        }
    }
    CB_TRY(take());
    if (out.empty()) return names;
    return out;
}

Result<std::vector<std::string>> choose_names(Installer& inst, bool interactive, std::istream& in,
                                              std::ostream& out) {
    const std::string use_d =
        "name them with -d/--domains (for example -d example.com -d www.example.com)";
    if (!interactive)
        return Error("No domain names given: " + use_d + "; without a terminal the names in the " +
                         inst.name() + " configuration are not offered",
                     kExitUsage);
    auto raw = inst.get_all_names();
    if (!raw) return raw.error();
    auto names = certificate_names(*raw);
    if (names.empty())
        return Error("No names that can go on a certificate were found in the " + inst.name() +
                         " configuration (server_name); " + use_d,
                     kExitUsage);
    return ask_choice("Which names would you like to activate HTTPS for?", names, true, in, out);
}

Result<std::vector<std::string>> ask_choice(const std::string& question,
                                            const std::vector<std::string>& options, bool multiple,
                                            std::istream& in, std::ostream& out) {
    out << question << "\n";
    for (size_t i = 0; i < options.size(); ++i) out << (i + 1) << ": " << options[i] << "\n";
    out << (multiple ? "Select the appropriate numbers separated by commas and/or spaces, or "
                       "leave input blank to select all options shown (Enter 'c' to cancel): "
                     : "Select the appropriate number [1-" + std::to_string(options.size()) +
                           "] then [enter] (press 'c' to cancel): ")
        << std::flush;
    std::string line;
    if (!std::getline(in, line))
        return Error("No answer given to \"" + question + "\"", kExitUsage);
    line.erase(0, line.find_first_not_of(" \t"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line == "c" || line == "C") return Error("Cancelled: nothing chosen", kExitFailure);
    if (!multiple && (line.empty() || line.find_first_of(", \t") != std::string::npos))
        return Error("Answer with one number from 1 to " + std::to_string(options.size()),
                     kExitUsage);
    return parse_name_choice(line, options);
}

Status restart_installers(const std::vector<Config>& renewed, const PluginRegistry& plugins) {
    // One restart per installer and option set (two lineages may name different server roots).
    std::map<std::string, const Config*> distinct;
    for (const auto& c : renewed) {
        if (c.installer.empty() || c.dry_run) continue;
        std::string key = c.installer;
        if (const LoadedPlugin* p = plugins.find(c.installer))
            if (auto v = plugin_values(*p, c))
                for (const auto& kv : v->values)
                    for (const auto& s : kv.second) key += "\n" + kv.first + "=" + s;
        distinct.emplace(key, &c);
    }
    std::vector<std::string> failures;
    for (const auto& kv : distinct) {
        const Config& c = *kv.second;
        log::info("Reloading " + c.installer + " server after certificate renewal");
        auto inst = open_installer(c, plugins);
        Status st = inst ? (*inst)->restart() : Status(inst.error());
        if (!st) failures.push_back(st.error().message);
    }
    if (failures.empty()) return Status::Ok();
    std::string all;
    for (const auto& f : failures) all += (all.empty() ? "" : "; ") + f;
    return Error("The renewed certificates are saved but the server was not reloaded: " + all +
                 "; fix it and reload the server by hand");
}

}  // namespace certbot
