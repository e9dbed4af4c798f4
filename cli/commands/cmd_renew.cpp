// certbot renew: examine every renewal conf, renew the lineages that are due with their stored
// options (command-line flags override and are saved back), run the hooks with certbot's
// semantics, and print a summary. Due lineages are renewed by a bounded pool of workers; one
// broken conf or failing lineage never stops the others.
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <ctime>
#include <random>

#include "acme.h"
#include "ari_renewal.h"
#include "commands.h"
#include "fleet.h"
#include "fleet_relay.h"
#include "fsutil.h"
#include "hooks.h"
#include "installer.h"
#include "log.h"
#include "ordered_prefetch.h"
#include "renew_pool.h"
#include "renew_summary.h"
#include "renewal.h"
#include "session.h"
#include "storage.h"

namespace certbot {

namespace {

struct Item {
    Lineage lineage;
    Config cfg;
    RenewalDecision decision;
    // kElsewhere: fleet mode, another node renews (or renewed) it.
    enum class Outcome { kSkipped, kRenewed, kFailed, kElsewhere } outcome = Outcome::kSkipped;
    std::string error;
    IssueResult result;  // when renewed
};

// What a lineage's authenticator must not share with another running at the same time, as
// the plugin declared it (cb_plugin.exclusive, ABI 1.2): the port it binds, the plugin itself,
// or the terminal while a person answers; empty when nothing.
std::string declared_exclusive_key(const Config& c, const PluginRegistry& plugins) {
    const LoadedPlugin* p = plugins.find(c.authenticator);
    if (!p) return {};
    const cb_plugin& e = *p->entry;
    if ((e.exclusive & CB_EXCLUSIVE_PORT) && e.exclusive_port_option) {
        auto values = plugin_values(*p, c);
        if (values) {
            const std::string option = e.exclusive_port_option;
            if (auto v = values->values.find(option);
                v != values->values.end() && !v->second.empty())
                return "port:" + v->second.back();
            if (auto g = values->globals.find(option); g != values->globals.end())
                return "port:" + g->second;
        }
        return "plugin:" + p->name();
    }
    if ((e.exclusive & CB_EXCLUSIVE_INSTANCE) ||
        ((e.exclusive & CB_EXCLUSIVE_INTERACTIVE) && c.interactive()))
        return "plugin:" + p->name();
    return {};
}

// Asks the CAs about the lineages the lifetime rule found not due (in parallel); those whose
// ARI renewal time has passed join `items`, the others are reported as skipped. Fresh answers
// (and their Retry-After) are saved in the renewal confs, as certbot 5.x does.
void add_ari_due(const Config& cli, const PluginRegistry& plugins, std::time_t now,
                 std::vector<AriCheck>& checks, std::vector<std::string>& lines,
                 std::vector<Item>& items, std::vector<std::string>& skipped,
                 std::vector<std::string>& parse_failures) {
    check_ari_and_save(checks, cli, now, static_cast<size_t>(std::max(8, cli.renewal_workers)));
    for (size_t i = 0; i < checks.size(); ++i) {
        const AriCheck& c = checks[i];
        if (!c.due) {
            skipped.push_back(std::move(lines[i]));
            continue;
        }
        auto l = load_lineage(cli.config_dir, c.name);
        auto cfg = l ? renewal_config(*l, cli, plugins) : Result<Config>(l.error());
        Status st = cfg ? set_lineage_domains(*cfg, *l) : Status(cfg.error());
        if (!st) {
            parse_failures.push_back(c.name + " (" + st.error().message + ")");
            continue;
        }
        items.push_back(Item{std::move(*l),
                             std::move(*cfg),
                             RenewalDecision{true, c.reason},
                             Item::Outcome::kSkipped,
                             {},
                             {}});
    }
}

}  // namespace

std::vector<Config> deploy_from_fleet(const Config& cli, const PluginRegistry& plugins,
                                      const std::vector<std::string>& names, HookRunner& hooks) {
    std::vector<Config> out;
    for (const auto& name : names) {
        auto l = load_lineage(cli.config_dir, name);
        auto cfg = l ? renewal_config(*l, cli, plugins) : Result<Config>(l.error());
        if (cfg && set_lineage_domains(*cfg, *l).ok()) {
            if (!cli.dry_run)
                if (auto st = hooks.run_deploy_hooks(
                        cfg->deploy_hooks, path_join(path_join(cli.config_dir, "live"), name),
                        cfg->domains);
                    !st)
                    log::error(st.error().message);
            out.push_back(std::move(*cfg));
        }
    }
    return out;
}

int cmd_renew(const Config& cli, const PluginRegistry& plugins) {
    if (!cli.domains.empty()) {
        log::error(
            "The renew command renews every certificate that is due, or one named with "
            "--cert-name; to renew particular domains use certonly -d instead");
        return kExitUsage;
    }
    if (!cli.disable_hook_validation) {
        for (const auto& h : cli.pre_hooks)
            if (auto st = validate_hook(h, "--pre-hook"); !st)
                return log::error(st.error().message), kExitUsage;
        for (const auto& h : cli.post_hooks)
            if (auto st = validate_hook(h, "--post-hook"); !st)
                return log::error(st.error().message), kExitUsage;
        for (const auto& h : cli.deploy_hooks)
            if (auto st = validate_hook(h, "--deploy-hook"); !st)
                return log::error(st.error().message), kExitUsage;
    }
    auto session = Session::open(cli, Session::Recovery::kByCaller);
    if (!session) return fail(session.error());
    if (auto st = ensure_hook_dirs(cli.config_dir); !st) log::warning(st.error().message);
    // Fleet mode (docs/fleet.md): take the fleet's new versions first; each lineage is renewed
    // by the one node that holds its lock, and published for the others.
    std::vector<std::string> from_fleet;
    auto fleet_or = open_fleet_and_sync(cli, &from_fleet);
    if (!fleet_or) return fail(fleet_or.error());
    Fleet* fleet = fleet_or->get();
    FleetRelay relay(fleet);

    // One lineage at a time: decide (a renewal conf and the certificate's validity period),
    // keep just a report line for those not due, and everything needed only for the due ones.
    // The confs by file name (their directory once): at 10,000 lineages the full paths were
    // a megabyte of the peak.
    const LineageReader reader(cli.config_dir);
    const std::string& renewal_dir = reader.renewal_dir();
    std::vector<std::string> conf_names;
    if (!cli.cert_name.empty()) {
        const std::string conf = renewal_dir + "/" + cli.cert_name + ".conf";
        if (auto st = validate_lineage_name(cli.cert_name);
            !st || access(conf.c_str(), F_OK) != 0) {
            log::error("No certificate found with name " + cli.cert_name + " (expected " + conf +
                       "); see `certbot certificates`");
            return kExitFailure;
        }
        conf_names.push_back(cli.cert_name + ".conf");
    } else {
        auto names = renewal_conf_names(cli.config_dir);
        if (!names) return fail(names.error());
        conf_names = std::move(*names);
    }
    const std::time_t now = std::time(nullptr);
    std::vector<Item> items;  // the due ones
    std::vector<std::string> skipped, parse_failures;
    std::vector<AriCheck> ari_checks;      // not due by lifetime: ask ARI (ari_renewal.h)
    std::vector<std::string> ari_skipped;  // their report lines, index for index
    // Sized once: at 10,000 lineages a vector doubling while full was most of the peak memory.
    skipped.reserve(conf_names.size());
    ari_checks.reserve(conf_names.size());
    ari_skipped.reserve(conf_names.size());
    // Reading and checking each lineage (its conf, live links and their targets) runs ahead on
    // a second thread; the lineages are still decided here one at a time in conf order, so the
    // output, repairs and warnings come as from a plain loop (ordered_prefetch.h).
    AriServerPool ari_servers;
    {
        // The certificate is read there too, when its links need no repair (the repair below
        // may point them elsewhere).
        struct Loaded {
            Result<Lineage> lineage;
            std::optional<std::string> cert_pem;
        };
        auto load = [&](size_t i) {
            Loaded out{reader.load(conf_names[i]), std::nullopt};
            if (out.lineage && out.lineage->links_agree) {
                const auto [fd, rel] = reader.at(out.lineage->cert_path);
                if (auto pem = read_file_at(fd, rel, out.lineage->cert_path, 1 << 20))
                    out.cert_pem = std::move(*pem);
            }
            return out;
        };
        OrderedPrefetch<Loaded> ahead(conf_names.size(), load);
        // Once a lineage has been repaired, the ones after it are read again here, after the
        // repair, as a plain loop reads them (two confs naming the same live/ directory).
        bool repaired = false;
        for (size_t i = 0; i < conf_names.size(); ++i) {
            const std::string path = path_join(renewal_dir, conf_names[i]);
            Loaded loaded = ahead.take(i);
            if (repaired) loaded = load(i);
            auto& l = loaded.lineage;
            if (!l) {
                parse_failures.push_back(l.error().message);
                continue;
            }
            if (!l->links_agree) {
                finish_interrupted_update(*l);
                loaded.cert_pem.reset();
                repaired = true;
            }
            auto cfg = renewal_config(*l, cli, plugins);
            if (!cfg) {
                parse_failures.push_back(path + " (" + cfg.error().message + ")");
                continue;
            }
            auto decision = should_renew_with_cert(*l, *cfg, now,
                                                   loaded.cert_pem ? &*loaded.cert_pem : nullptr);
            if (!decision.due) {
                std::string line = "  " + l->fullchain_path + " " + decision.reason + " (skipped)";
                auto check =
                    decision.ari_may_advance ? ari_check_for(*l, &ari_servers) : std::nullopt;
                if (check) {
                    ari_checks.push_back(std::move(*check));
                    ari_skipped.push_back(std::move(line));
                } else {
                    skipped.push_back(std::move(line));
                }
                continue;
            }
            if (auto st = set_lineage_domains(*cfg, *l); !st) {
                parse_failures.push_back(path + " (" + st.error().message + ")");
                continue;
            }
            items.push_back(Item{std::move(*l),
                                 std::move(*cfg),
                                 std::move(decision),
                                 Item::Outcome::kSkipped,
                                 {},
                                 {}});
        }
    }
    std::vector<std::string>().swap(conf_names);  // no longer needed: not part of the peak
    add_ari_due(cli, plugins, now, ari_checks, ari_skipped, items, skipped, parse_failures);
    // Decided (their lines are in `skipped` now): freed before the summary is built.
    std::vector<AriCheck>().swap(ari_checks);
    std::vector<std::string>().swap(ari_skipped);
    std::vector<Item*> due;
    for (auto& it : items) due.push_back(&it);

    HookConfig hc;
    hc.config_dir = cli.config_dir;
    hc.pre_hooks = cli.pre_hooks;
    hc.post_hooks = cli.post_hooks;
    hc.directory_hooks = !cli.no_directory_hooks;
    hc.dry_run = cli.dry_run;
    HookRunner hooks(hc);

    if (!due.empty()) {
        // Without a terminal, spread a fleet's renewals over time like certbot (1-480 s).
        if (!isatty(STDIN_FILENO) && !cli.no_random_sleep_on_renew && !cli.dry_run) {
            std::mt19937 rng(std::random_device{}());
            int delay = std::uniform_int_distribution<int>(1, 480)(rng);
            log::info("Non-interactive renewal: random delay of " + std::to_string(delay) +
                      " seconds (--no-random-sleep-on-renew skips it)");
            system_clock().sleep_for(std::chrono::seconds(delay));
        }
        std::vector<std::string> lineage_pre;
        for (auto* it : due)
            for (const auto& h : it->cfg.pre_hooks)
                if (std::find(lineage_pre.begin(), lineage_pre.end(), h) == lineage_pre.end())
                    lineage_pre.push_back(h);
        if (auto st = hooks.run_pre_hooks(lineage_pre); !st) log::error(st.error().message);
        for (auto* it : due)
            for (const auto& h : it->cfg.post_hooks) hooks.add_post_hook(h);
    }

    // Renew with a bounded pool (renew_pool.h); what is ours runs in parallel (orders, polling,
    // key generation, file writes). Lineages that run the user's scripts or may ask a person, and
    // standalone lineages of one port, are renewed one after another in conf order, so user
    // scripts and prompts never overlap and always come in the same order. Deploy hooks run after
    // the pool, one at a time, in conf order.
    SharedCaLinks ca_links;  // one directory, connection pool and nonce pool per CA
    auto renew_one = [&](size_t i) {
        Item* it = due[i];
        const bool shared = fleet && !cli.dry_run;
        // A version that came from the fleet in this run was just renewed by another node, also
        // under --force-renewal: nodes started together order once.
        if (shared &&
            std::find(from_fleet.begin(), from_fleet.end(), it->lineage.name) != from_fleet.end()) {
            it->outcome = Item::Outcome::kElsewhere;
            it->error = "renewed by another node of the fleet; its version is now here";
            return;
        }
        if (shared) {
            auto lock = fleet->lock(it->lineage.name);
            if (!lock || !lock->held) {
                it->outcome = lock ? Item::Outcome::kElsewhere : Item::Outcome::kFailed;
                it->error = !lock ? lock.error().message
                            : lock->renewed_elsewhere
                                ? "renewed by another node of the fleet; its version is now here"
                                : "being renewed by " + lock->holder;
                log::info("fleet: skipping " + it->lineage.name + ": " + it->error);
                return;
            }
        }
        log::info("Renewing " + it->lineage.name + " (" + it->decision.reason + ")");
        auto r = issue_and_save(it->cfg, plugins, &it->lineage, ca_links.link(it->cfg));
        if (!r) {
            it->outcome = Item::Outcome::kFailed;
            it->error = r.error().message;
            log::error("Failed to renew certificate " + it->lineage.name + ": " + it->error);
            if (shared) {
                fleet->record_failure(it->lineage.name, it->error);
                (void)fleet->unlock(it->lineage.name);
            }
            return;
        }
        it->outcome = Item::Outcome::kRenewed;
        it->result = std::move(*r);
        if (shared) {
            auto saved = load_lineage(cli.config_dir, it->lineage.name);
            Status published = saved ? fleet->publish(*saved) : Status(saved.error());
            if (!published) log::error("fleet: " + published.error().message);
            (void)fleet->unlock(it->lineage.name);
        }
    };
    run_renewals(
        due.size(), cli.renewal_workers,
        [&](size_t i) {
            // The host's rule (the user's scripts, a person, standalone's port), then what the
            // plugin itself declared (ABI 1.2).
            std::string key = renewal_exclusive_key(due[i]->cfg);
            return key.empty() ? declared_exclusive_key(due[i]->cfg, plugins) : key;
        },
        renew_one, g_interrupted);
    if (!cli.dry_run)
        for (auto* it : due)
            if (it->outcome == Item::Outcome::kRenewed)
                if (auto st = hooks.run_deploy_hooks(it->cfg.deploy_hooks, it->result.live_dir,
                                                     it->result.domains);
                    !st)
                    log::error(st.error().message);

    std::vector<Config> from_fleet_cfgs = deploy_from_fleet(cli, plugins, from_fleet, hooks);

    std::vector<std::string> renewed_domains, failed_domains;
    RenewResults results;
    results.skipped = std::move(skipped);
    results.parse_failures = std::move(parse_failures);
    results.attempted = !due.empty();
    results.dry_run = cli.dry_run;
    std::vector<std::string>& renewed = results.renewed;
    std::vector<std::string>& failed = results.failed;
    for (const auto& it : items) {
        const std::string path = it.lineage.fullchain_path;
        switch (it.outcome) {
            case Item::Outcome::kSkipped:
                break;  // interrupted before its turn (below)
            case Item::Outcome::kElsewhere:
                results.skipped.push_back("  " + path + " " + it.error + " (skipped)");
                break;
            case Item::Outcome::kRenewed:
                renewed.push_back("  " + path + " (success)");
                for (const auto& d : it.result.domains) renewed_domains.push_back(d);
                break;
            case Item::Outcome::kFailed:
                failed.push_back("  " + path + " (failure)");
                for (const auto& d : it.cfg.domains) failed_domains.push_back(d);
                break;
        }
    }
    if (g_interrupted)
        for (auto* it : due)
            if (it->outcome == Item::Outcome::kSkipped)
                failed.push_back("  " + it->lineage.fullchain_path + " (interrupted)");
    std::vector<Config> reload = std::move(from_fleet_cfgs);
    for (const auto& it : items)
        if (it.outcome == Item::Outcome::kRenewed) reload.push_back(it.cfg);
    const Status reloaded = restart_installers(reload, plugins);
    if (!reloaded) log::error(reloaded.error().message);
    results.reloaded = reloaded.ok();
    if (auto st = hooks.run_post_hooks(renewed_domains, failed_domains); !st)
        log::error(st.error().message);

    if (renew_summary_shown(results, cli.quiet)) log::out(renew_summary(results));
    if (!failed.empty() || !results.parse_failures.empty())
        log::error(std::to_string(failed.size()) + " renew failure(s), " +
                   std::to_string(results.parse_failures.size()) + " parse failure(s)");
    return renew_exit_code(results);
}

}  // namespace certbot
