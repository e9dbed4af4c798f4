// certbot certonly: obtain (or renew) a certificate with an authenticator plugin and save it
// in certbot's store, without installing it. Which lineage the request goes to is decided in
// lineage_plan.h (workflow).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

#include "account.h"
#include "ca_prefetch.h"
#include "commands.h"
#include "fleet.h"
#include "fleet_relay.h"
#include "fsutil.h"
#include "hooks.h"
#include "identifiers.h"
#include "issuance.h"
#include "lineage_plan.h"
#include "log.h"
#include "plugin_host.h"
#include "renewal.h"
#include "session.h"
#include "storage.h"

namespace certbot {

namespace {

// certbot's summarize_domain_list.
std::string summarize(const std::vector<std::string>& d) {
    if (d.empty()) return "";
    if (d.size() == 1) return d[0];
    if (d.size() == 2) return d[0] + " and " + d[1];
    return d[0] + " and " + std::to_string(d.size() - 1) + " more domains";
}

Status validate_hooks(const Config& cfg) {
    if (cfg.disable_hook_validation) return Status::Ok();
    const std::pair<const std::vector<std::string>*, const char*> kinds[] = {
        {&cfg.pre_hooks, "--pre-hook"},
        {&cfg.post_hooks, "--post-hook"},
        {&cfg.deploy_hooks, "--deploy-hook"}};
    for (const auto& k : kinds)
        for (const auto& h : *k.first)
            if (auto st = validate_hook(h, k.second); !st)
                return Error(st.error().message, kExitUsage);
    return Status::Ok();
}

// Fleet mode (docs/fleet.md): certonly and run take the lineage's lock like renew, but wait for
// a node that holds it instead of skipping; released when this goes out of scope.
class LineageLock {
  public:
    explicit LineageLock(Fleet* fleet) : fleet_(fleet) {}
    ~LineageLock() {
        if (!held_.empty()) (void)fleet_->unlock(held_);
    }
    LineageLock(const LineageLock&) = delete;
    LineageLock& operator=(const LineageLock&) = delete;
    // True: held. False: the fleet had a newer version of it (now materialised here), or
    // another node just finished with it: decide again.
    Result<bool> take(const std::string& name) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
        bool told = false;
        for (;;) {
            auto lock = fleet_->lock(name);
            if (!lock) return lock.error().context("taking the fleet's lock on " + name);
            if (lock->held) {
                held_ = name;
                return true;
            }
            if (lock->renewed_elsewhere) return false;
            if (g_interrupted || std::chrono::steady_clock::now() > deadline)
                return Error("fleet: " + lock->holder + " has been obtaining " + name +
                             " for more than 5 minutes; try again later (`certbot fleet status` "
                             "shows the lock holder)");
            if (!told)
                log::info("fleet: " + lock->holder + " is obtaining " + name +
                          "; waiting for it to finish");
            told = true;
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }

  private:
    Fleet* fleet_;
    std::string held_;
};

}  // namespace

Result<Obtained> obtain_with_hooks(const Config& cli, const PluginRegistry& plugins, CaLink ca,
                                   Fleet* fleet) {
    Config cfg = cli;
    normalize_key_flags(cfg);
    CB_TRY(validate_hooks(cfg));  // again for `run`, which comes here without certonly's checks
    if (cfg.dry_run) fleet = nullptr;  // a dry run changes nothing in the fleet either
    LineageLock lock(fleet);
    auto plan = plan_request(cfg, std::time(nullptr));
    if (!plan) return plan.error();
    // The lock on the lineage this request goes to, then the decision again if the fleet
    // changed it meanwhile (another node obtained it: kept, not ordered twice).
    while (fleet && plan->action != LineagePlan::Action::kKeep) {
        const std::string name = plan->existing          ? plan->existing->lineage.name
                                 : cfg.cert_name.empty() ? default_lineage_name(cfg.domains)
                                                         : cfg.cert_name;
        auto held = lock.take(name);
        if (!held) return held.error();
        if (*held) break;
        cfg = cli;
        normalize_key_flags(cfg);
        plan = plan_request(cfg, std::time(nullptr));
        if (!plan) return plan.error();
    }
    Obtained got;
    if (plan->action == LineagePlan::Action::kKeep) {
        const LineageCandidate& c = *plan->existing;
        got.result.name = c.lineage.name;
        got.result.live_dir = path_join(path_join(cfg.config_dir, "live"), c.lineage.name);
        got.result.domains = c.cert.dns_names;
        got.result.not_after = c.cert.not_after;
        return got;
    }
    // The request goes to the CA: its directory and a first nonce can be fetched now.
    if (ca.ahead) ca.ahead->start();
    Lineage* existing = plan->existing ? &plan->existing->lineage : nullptr;
    if (const LoadedPlugin* auth = plugins.find(cfg.authenticator); auth && existing)
        CB_TRY(preflight_names(cfg.domains, *auth,
                               cfg.preferred_challenges));  // names restored from the lineage

    log::out(std::string(existing ? (cfg.dry_run ? "Simulating renewal of an existing certificate"
                                                 : "Renewing an existing certificate")
                                  : (cfg.dry_run ? "Simulating a certificate request"
                                                 : "Requesting a certificate")) +
             " for " + summarize(cfg.domains));
    auto result = issue_with_hooks(cfg, plugins, existing, ca);
    if (!result) return result.error();
    got.result = std::move(*result);
    got.issued = true;
    if (fleet) {
        auto lineage = load_lineage(cfg.config_dir, got.result.name);
        Status published = lineage ? fleet->publish(*lineage) : Status(lineage.error());
        if (!published) log::error("fleet: " + published.error().message);
    }
    return got;
}

namespace {

// certbot's _csr_get_and_save_cert and _csr_report_new_cert: no lineage, no hooks, files where
// --cert-path/--chain-path/--fullchain-path say.
int certonly_csr(const Config& cfg, const PluginRegistry& plugins, CaPrefetch& ahead) {
    auto session = Session::open(cfg);
    if (!session) return fail(session.error());
    log::out(
        std::string(cfg.dry_run ? "Simulating a certificate request" : "Requesting a certificate") +
        " for " + summarize(cfg.domains));
    ahead.start();  // --csr always orders
    auto result = issue_and_save(cfg, plugins, nullptr, ahead.link());
    if (!result) return fail(result.error());
    if (result->dry_run) {
        log::out("The dry run was successful.");
        return kExitOk;
    }
    log::out("\nSuccessfully received certificate.\nCertificate is saved at:            " +
             result->cert_path + "\nIntermediate CA chain is saved at:  " + result->chain_path +
             "\nFull certificate chain is saved at: " + result->fullchain_path +
             "\nThis certificate expires on " + date_of(result->not_after) + ".");
    log::out(
        "NEXT STEPS:\n- Certificates created using --csr will not be renewed automatically by "
        "Certbot. You will need to renew the certificate before it expires, by running the same "
        "Certbot command again.");
    return kExitOk;
}

}  // namespace

int cmd_certonly(const Config& cli, const PluginRegistry& plugins) {
    Config cfg = cli;
    // The CA's first requests, ahead of need (ca_prefetch.h). certonly almost always talks to a
    // CA: the prefetch's thread starts now and sets OpenSSL up while the checks, the plugin
    // runner, the locks and the store run (a kept certificate wastes ~3 ms of the other core);
    // it fetches from the CA only once start() says the request goes there.
    CaPrefetch ahead(cfg);
    ahead.warm_up();
    normalize_key_flags(cfg);
    if (cfg.domains.empty() && cfg.cert_name.empty())
        return fail(
            Error("No domain names given: name them with -d/--domains (for example -d "
                  "example.com -d www.example.com), or name an existing certificate with "
                  "--cert-name",
                  kExitUsage));
    if (cfg.authenticator.empty())
        return fail(
            Error("No authenticator chosen: add --webroot -w PATH, --standalone, or "
                  "-a/--authenticator NAME (see `certbot plugins`)",
                  kExitUsage));
    if (cfg.allow_subset_of_names &&
        std::any_of(cfg.domains.begin(), cfg.domains.end(),
                    [](const std::string& d) { return is_wildcard(d); }))
        return fail(
            Error("Using --allow-subset-of-names with a wildcard domain is not supported; drop one "
                  "of them",
                  kExitUsage));
    const LoadedPlugin* auth = plugins.find(cfg.authenticator);
    if (auth) {
        // Refuse impossible requests (wildcards without dns-01, bad plugin options) before
        // touching the store or the CA.
        if (auto st = preflight_names(cfg.domains, *auth, cfg.preferred_challenges); !st)
            return fail(st.error());
        if (auto v = plugin_values(*auth, cfg); !v) return fail(v.error());
    }
    if (auto st = validate_hooks(cfg); !st) return fail(st.error());
    // The authenticator's process starts now, and gets ready while the store, the CA's
    // directory and the account are read (plugin_host.h).
    if (auth && auth->is_authenticator()) prestart_plugin_runner();
    if (!cfg.csr_der.empty()) return certonly_csr(cfg, plugins, ahead);

    // Directories, locks and the log file before anything is ordered, so a certificate is
    // never issued and then lost for want of a writable store.
    auto session = Session::open(cfg);
    if (!session) return fail(session.error());
    // The CA's directory and a first nonce are fetched on the prefetch's thread while the store
    // is read and the plugin runner starts: from here when the request surely goes to the CA
    // (--force-renewal, --dry-run: the plan renews), else once the plan says so
    // (obtain_with_hooks).
    if (cfg.force_renewal || cfg.dry_run) ahead.start();
    // Fleet mode (docs/fleet.md): see the fleet's lineages first, publish what was issued.
    auto fleet = open_fleet_and_sync(cfg);
    if (!fleet) return fail(fleet.error());
    FleetRelay relay(fleet->get());

    auto got = obtain_with_hooks(cfg, plugins, ahead.link(), fleet->get());
    if (!got) return fail(got.error());
    if (!got->issued) {
        log::info("Keeping the existing certificate " + got->result.name);
        log::out("Certificate not yet due for renewal; no action taken.");
        return kExitOk;
    }
    const IssueResult* result = &got->result;
    if (result->dry_run) {
        log::out("The dry run was successful.");
        return kExitOk;
    }
    log::out("Successfully received certificate.\nCertificate is saved at: " +
             path_join(result->live_dir, "fullchain.pem") +
             "\nKey is saved at:         " + path_join(result->live_dir, "privkey.pem") +
             "\nThis certificate expires on " + date_of(result->not_after) +
             ".\nThese files will be updated when the certificate renews.");
    return kExitOk;
}

}  // namespace certbot
