// run, install, enhance, rollback: the installer side of the plugin host. The installer flow
// itself (deploy, enhance, test, restart, roll back on failure) is in installer.cpp.
#include <sys/stat.h>

#include <algorithm>
#include <iostream>

#include "commands.h"
#include "fleet.h"
#include "fleet_relay.h"
#include "fsutil.h"
#include "installer.h"
#include "issuance.h"
#include "log.h"
#include "plugin_host.h"
#include "session.h"
#include "storage.h"

namespace certbot {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

bool is_regular_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

CertPaths live_paths(const std::string& live_dir) {
    return {path_join(live_dir, "cert.pem"), path_join(live_dir, "privkey.pem"),
            path_join(live_dir, "chain.pem"), path_join(live_dir, "fullchain.pem")};
}

// The staple-ocsp enhancement takes the chain path, known only once the lineage is.
std::vector<Enhancement> with_chain(std::vector<Enhancement> es, const std::string& chain) {
    for (auto& e : es)
        if (e.name == "staple-ocsp") e.options = chain;
    return es;
}

// An installer ready for a transaction (prepare_installer).
Result<std::unique_ptr<Installer>> prepared_installer(const Config& cfg,
                                                      const PluginRegistry& plugins) {
    auto inst = open_installer(cfg, plugins);
    if (!inst) return inst.error();
    CB_TRY(prepare_installer(**inst));
    return inst;
}

// run's plugins: -a/-i, or one plugin that is both (--nginx, or either flag alone naming one).
Status resolve_run_plugins(Config& cfg, const PluginRegistry& plugins) {
    auto both = [&](const std::string& name) {
        const LoadedPlugin* p = plugins.find(name);
        return p && p->is_authenticator() && p->is_installer();
    };
    if (cfg.authenticator.empty() && cfg.installer.empty())
        return Error(
            "No plugins chosen: add --nginx, or -a/--authenticator NAME and -i/--installer NAME "
            "(see `certbot plugins`)",
            kExitUsage);
    if (cfg.installer.empty()) {
        if (!both(cfg.authenticator))
            return Error("With the " + cfg.authenticator +
                             " plugin, you probably want the certonly command: certbot certonly "
                             "--" +
                             cfg.authenticator + " (or add -i/--installer NAME to install)",
                         kExitUsage);
        cfg.installer = cfg.authenticator;
    }
    if (cfg.authenticator.empty()) {
        if (!both(cfg.installer))
            return Error("No authenticator chosen for run: add -a/--authenticator NAME (the " +
                             cfg.installer + " plugin only installs)",
                         kExitUsage);
        cfg.authenticator = cfg.installer;
    }
    return Status::Ok();
}

// install, enhance, rollback: -a naming a plugin that also installs stands for -i.
Config with_installer(const Config& cli, const PluginRegistry& plugins) {
    Config cfg = cli;
    if (cfg.installer.empty() && !cfg.authenticator.empty()) {
        const LoadedPlugin* p = plugins.find(cfg.authenticator);
        if (p && p->is_installer()) cfg.installer = cfg.authenticator;
    }
    return cfg;
}

std::optional<Lineage> lineage_named(const Config& cfg) {
    if (cfg.cert_name.empty()) return std::nullopt;
    auto l = load_lineage(cfg.config_dir, cfg.cert_name);
    if (!l) return std::nullopt;
    return std::move(*l);
}

Error no_such_certificate(const Config& cfg) {
    return Error("No certificate found with name " + cfg.cert_name + " (expected " +
                     cfg.config_dir + "/renewal/" + cfg.cert_name +
                     ".conf); see `certbot certificates`",
                 kExitFailure);
}

// --cert-name, or on a terminal a choice among the lineages; under -n an error naming the flag.
Result<Lineage> pick_lineage(const Config& cfg, const std::string& question) {
    if (!cfg.cert_name.empty()) {
        if (auto l = lineage_named(cfg)) return std::move(*l);
        return no_such_certificate(cfg);
    }
    if (!cfg.interactive())
        return Error("No certificate chosen: name it with --cert-name (see `certbot certificates`)",
                     kExitUsage);
    auto all = list_lineages(cfg.config_dir, nullptr);
    if (!all) return all.error();
    if (all->empty())
        return Error("No certificates found in " + cfg.config_dir +
                         "; obtain one first (certbot certonly or run)",
                     kExitFailure);
    std::vector<std::string> names;
    for (const auto& l : *all) names.push_back(l.name);
    auto chosen = ask_choice(question, names, false, std::cin, std::cout);
    if (!chosen) return chosen.error();
    for (auto& l : *all)
        if (l.name == chosen->front()) return std::move(l);
    return no_such_certificate(cfg);
}

std::vector<std::string> lineage_names(const Lineage& l) {
    auto info = current_cert(l);
    return info ? info->dns_names : std::vector<std::string>{};
}

void report_installed(const std::string& installer, const std::vector<std::string>& domains) {
    std::vector<std::string> urls;
    for (const auto& d : domains) urls.push_back("https://" + d);
    log::out("Successfully deployed the certificate with the " + installer +
             " installer.\nCongratulations! You have successfully enabled HTTPS on " +
             join(urls, ", "));
}

}  // namespace

int cmd_run(const Config& cli, const PluginRegistry& plugins) {
    Config cfg = cli;
    if (cfg.dry_run)
        return fail(Error(
            "--dry-run works with the certonly and renew subcommands only; try certbot certonly "
            "--dry-run",
            kExitUsage));
    if (auto st = resolve_run_plugins(cfg, plugins); !st) return fail(st.error());
    const LoadedPlugin* auth = plugins.find(cfg.authenticator);
    if (auth)
        if (auto v = plugin_values(*auth, cfg); !v) return fail(v.error());
    // The installer's process starts now and gets ready while the store is opened
    // (plugin_host.h); the authenticator's starts when the installer's is done.
    prestart_plugin_runner();

    auto session = Session::open(cfg);
    if (!session) return fail(session.error());
    // Fleet mode (docs/fleet.md): as certonly, then the certificate is installed on this node.
    auto fleet = open_fleet_and_sync(cfg);
    if (!fleet) return fail(fleet.error());
    FleetRelay relay(fleet->get());

    std::vector<Enhancement> enhancements;
    if (auto st = refuse_ip_install(cfg.installer, cfg.domains); !st) return fail(st.error());
    {
        // Released before the authenticator runs: it may edit the same server's configuration.
        auto inst = prepared_installer(cfg, plugins);
        if (!inst) return fail(inst.error());
        if (cfg.domains.empty())
            if (auto l = lineage_named(cfg)) cfg.domains = lineage_names(*l);
        if (cfg.domains.empty()) {
            auto names = choose_names(**inst, cfg.interactive(), std::cin, std::cout);
            if (!names) return fail(names.error());
            cfg.domains = *names;
        }
        auto supported = supported_only(**inst, requested_enhancements(cfg, true, ""));
        if (!supported) return fail(supported.error());
        enhancements = std::move(*supported);
        if (cfg.must_staple) {
            auto all = (*inst)->supported_enhancements();
            if (all && std::find(all->begin(), all->end(), "staple-ocsp") == all->end())
                return fail(Error("--must-staple needs an installer that can staple OCSP, and " +
                                      cfg.installer +
                                      " cannot: leave --must-staple out or use certonly",
                                  kExitUsage));
        }
    }
    prestart_plugin_runner();  // the authenticator's (or the installer's, when nothing is due)
    if (auto st = refuse_ip_install(cfg.installer, cfg.domains); !st)  // names of --cert-name
        return fail(st.error());
    if (auth)
        if (auto st = preflight_names(cfg.domains, *auth, cfg.preferred_challenges); !st)
            return fail(st.error());

    auto http = ca_http_client(cfg);
    auto got = obtain_with_hooks(cfg, plugins, {*http}, fleet->get());
    if (!got) return fail(got.error());
    const IssueResult& r = got->result;
    const CertPaths paths = live_paths(r.live_dir);
    if (got->issued)
        log::out("Successfully received certificate.\nCertificate is saved at: " + paths.fullchain +
                 "\nKey is saved at:         " + paths.key + "\nThis certificate expires on " +
                 date_of(r.not_after) +
                 ".\nThese files will be updated when the certificate renews.");
    else
        log::out("Certificate not yet due for renewal; reinstalling the existing certificate " +
                 r.name + ".");

    auto inst = open_installer(cfg, plugins);
    if (!inst) return fail(inst.error());
    if (auto st =
            install_transaction(**inst, cfg.domains, &paths, with_chain(enhancements, paths.chain));
        !st)
        return fail(st.error().context("Could not install the certificate (it is saved in " +
                                       r.live_dir + ")"));
    report_installed(cfg.installer, cfg.domains);
    return kExitOk;
}

int cmd_install(const Config& cli, const PluginRegistry& plugins) {
    Config cfg = with_installer(cli, plugins);
    auto session = Session::open(cfg);
    if (!session) return fail(session.error());

    CertPaths paths{cfg.cert_path, cfg.key_path, cfg.chain_path, cfg.fullchain_path};
    std::vector<std::string> lineage_domains;
    if (!cfg.cert_name.empty() || cfg.cert_path.empty() || cfg.key_path.empty()) {
        auto l = pick_lineage(cfg, "Which certificate would you like to install?");
        if (!l)
            return fail(cfg.interactive() || !cfg.cert_name.empty()
                            ? l.error()
                            : Error("No certificate chosen: name it with --cert-name, or give "
                                    "--cert-path and --key-path (see `certbot certificates`)",
                                    kExitUsage));
        const CertPaths live = {l->cert_path, l->privkey_path, l->chain_path, l->fullchain_path};
        if (paths.cert.empty()) paths.cert = live.cert;
        if (paths.key.empty()) paths.key = live.key;
        if (paths.chain.empty()) paths.chain = live.chain;
        if (paths.fullchain.empty()) paths.fullchain = live.fullchain;
        lineage_domains = lineage_names(*l);
    }
    for (const auto& [flag, path] :
         {std::pair<const char*, std::string&>{"--cert-path", paths.cert},
          {"--key-path", paths.key}}) {
        if (!is_regular_file(path))
            return fail(Error(
                "Cannot read " + path + " (" + flag + "): give the path of an " + "existing file",
                kExitUsage));
        path = normalize_path(path);
    }
    for (auto* p : {&paths.chain, &paths.fullchain})
        if (!p->empty()) *p = normalize_path(*p);

    std::vector<std::string> domains = cfg.domains.empty() ? lineage_domains : cfg.domains;
    if (auto st = refuse_ip_install(cfg.installer, domains); !st) return fail(st.error());
    auto inst = prepared_installer(cfg, plugins);
    if (!inst) return fail(inst.error());
    if (domains.empty()) {
        auto names = choose_names(**inst, cfg.interactive(), std::cin, std::cout);
        if (!names) return fail(names.error());
        domains = *names;
    }
    auto enhancements = supported_only(**inst, requested_enhancements(cfg, true, paths.chain));
    if (!enhancements) return fail(enhancements.error());
    if (auto st = install_transaction(**inst, domains, &paths, *enhancements); !st)
        return fail(st.error().context("Could not install the certificate"));
    report_installed(cfg.installer, domains);
    return kExitOk;
}

int cmd_enhance(const Config& cli, const PluginRegistry& plugins) {
    Config cfg = with_installer(cli, plugins);
    if (requested_enhancements(cfg, false, "").empty())
        return fail(
            Error("No enhancements requested: add one or more of --redirect, --hsts, --uir, "
                  "--staple-ocsp (see certbot --help security)",
                  kExitUsage));
    auto session = Session::open(cfg);
    if (!session) return fail(session.error());
    // The installer's own errors (none chosen, not an installer) come first; an IP lineage is
    // refused before the installer prepares (recovery, config test) or changes anything.
    auto inst = open_installer(cfg, plugins);
    if (!inst) return fail(inst.error());
    auto lineage =
        pick_lineage(cfg, "Which certificate would you like to use to enhance your configuration?");
    if (!lineage) return fail(lineage.error());
    const std::vector<std::string> cert_domains = lineage_names(*lineage);
    if (auto st = refuse_ip_enhance(cfg.installer, lineage->name, cert_domains); !st)
        return fail(st.error());
    if (auto st = prepare_installer(**inst); !st) return fail(st.error());
    std::vector<std::string> domains = cert_domains;
    if (!cfg.domains.empty()) {
        for (const auto& d : cfg.domains)
            if (std::find(cert_domains.begin(), cert_domains.end(), d) == cert_domains.end())
                return fail(Error(d + " is not on certificate " + lineage->name + " (" +
                                      join(cert_domains, ", ") + "); leave it out of -d",
                                  kExitUsage));
        domains = cfg.domains;
    } else if (cfg.interactive()) {
        auto chosen =
            ask_choice("Which domain names would you like to enable the selected enhancements for?",
                       cert_domains, true, std::cin, std::cout);
        if (!chosen) return fail(chosen.error());
        domains = *chosen;
    }
    if (domains.empty())
        return fail(Error("Cannot read the names of certificate " + lineage->name + " from " +
                          lineage->cert_path));
    const std::string chain = cfg.chain_path.empty() ? lineage->chain_path : cfg.chain_path;
    auto enhancements = supported_only(**inst, requested_enhancements(cfg, false, chain));
    if (!enhancements) return fail(enhancements.error());
    if (auto st = install_transaction(**inst, domains, nullptr, *enhancements); !st)
        return fail(
            st.error().context("Could not enhance the " + cfg.installer + " configuration"));
    std::vector<std::string> flags;
    for (const auto& e : *enhancements) flags.push_back(e.flag);
    log::out("Enabled " + join(flags, ", ") + " for " + join(domains, ", ") + " with the " +
             cfg.installer + " installer.");
    return kExitOk;
}

int cmd_rollback(const Config& cli, const PluginRegistry& plugins) {
    Config cfg = with_installer(cli, plugins);
    if (cfg.installer.empty()) {
        // Like certbot: the only installer there is needs no flag.
        std::vector<std::string> installers;
        for (const auto& p : plugins.plugins())
            if (p.is_installer()) installers.push_back(p.name());
        if (installers.size() != 1)
            return fail(
                Error("Which installer's changes should be rolled back? Name it with "
                      "-i/--installer (" +
                          (installers.empty() ? std::string("no installer plugin found")
                                              : "one of " + join(installers, ", ")) +
                          ")",
                      kExitUsage));
        cfg.installer = installers.front();
    }
    auto session = Session::open(cfg);
    if (!session) return fail(session.error());
    auto inst = open_installer(cfg, plugins);
    if (!inst) return fail(inst.error());
    const std::string n = std::to_string(cfg.checkpoints);
    if (auto st = (*inst)->rollback_checkpoints(cfg.checkpoints); !st)
        return fail(
            st.error().context("Rolling back " + n + " " + cfg.installer + " checkpoint(s)"));
    if (auto st = (*inst)->restart(); !st)
        return fail(st.error().context("The configuration was rolled back " + n +
                                       " checkpoint(s) but the server did not restart"));
    log::out("Rolled back " + n + " " + cfg.installer + " checkpoint(s) and reloaded the server.");
    return kExitOk;
}

}  // namespace certbot
