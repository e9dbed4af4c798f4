// certbot certonly: obtain (or renew) a certificate with an authenticator plugin and save it
// in certbot's store, without installing it.
#include <algorithm>
#include <ctime>

#include "commands.h"
#include "fsutil.h"
#include "hooks.h"
#include "issuance.h"
#include "log.h"
#include "renewal.h"
#include "session.h"
#include "storage.h"

namespace certbot {

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

std::vector<std::string> lineage_domains(const Lineage& l) {
    auto info = current_cert(l);
    return info ? info->dns_names : std::vector<std::string>{};
}

int fail(const Error& e) {
    log::error(e.message);
    return e.exit_code;
}

}  // namespace

Result<Obtained> obtain_with_hooks(const Config& cfg, const PluginRegistry& plugins) {
    std::optional<Lineage> existing;
    if (!cfg.cert_name.empty()) {
        if (auto l = load_lineage(cfg.config_dir, cfg.cert_name)) existing = std::move(*l);
    } else if (!cfg.duplicate) {
        if (auto all = list_lineages(cfg.config_dir, nullptr)) {
            for (auto& l : *all) {
                if (sorted(lineage_domains(l)) == sorted(cfg.domains)) {
                    existing = std::move(l);
                    break;
                }
            }
        }
    }
    if (existing && sorted(lineage_domains(*existing)) == sorted(cfg.domains) &&
        !should_renew(*existing, cfg, std::time(nullptr)).due) {
        Obtained kept;
        kept.result.name = existing->name;
        kept.result.live_dir = path_join(path_join(cfg.config_dir, "live"), existing->name);
        kept.result.domains = cfg.domains;
        if (auto info = current_cert(*existing)) kept.result.not_after = info->not_after;
        return kept;
    }

    log::info(
        std::string(existing ? "Renewing an existing certificate" : "Requesting a certificate") +
        " for " + cfg.domains[0] +
        (cfg.domains.size() > 1 ? " and " + std::to_string(cfg.domains.size() - 1) +
                                      " more domain" + (cfg.domains.size() > 2 ? "s" : "")
                                : std::string()));
    if (!cfg.disable_hook_validation) {
        for (const auto& h : cfg.pre_hooks)
            if (auto st = validate_hook(h, "--pre-hook"); !st)
                return Error(st.error().message, kExitUsage);
        for (const auto& h : cfg.post_hooks)
            if (auto st = validate_hook(h, "--post-hook"); !st)
                return Error(st.error().message, kExitUsage);
        for (const auto& h : cfg.deploy_hooks)
            if (auto st = validate_hook(h, "--deploy-hook"); !st)
                return Error(st.error().message, kExitUsage);
    }
    if (auto st = ensure_hook_dirs(cfg.config_dir); !st) log::warning(st.error().message);
    HookConfig hc;
    hc.config_dir = cfg.config_dir;
    hc.pre_hooks = cfg.pre_hooks;
    hc.post_hooks = cfg.post_hooks;
    hc.directory_hooks = false;  // certbot runs renewal-hooks/ directories only for renew
    hc.dry_run = cfg.dry_run;
    HookRunner hooks(hc);
    if (auto st = hooks.run_pre_hooks(); !st) log::error(st.error().message);
    auto result = issue_and_save(cfg, plugins, existing ? &*existing : nullptr);
    if (result && !cfg.dry_run)
        if (auto st = hooks.run_deploy_hooks(cfg.deploy_hooks, result->live_dir, result->domains);
            !st)
            log::error(st.error().message);
    if (auto st = hooks.run_post_hooks(result ? cfg.domains : std::vector<std::string>{},
                                       result ? std::vector<std::string>{} : cfg.domains);
        !st)
        log::error(st.error().message);
    if (!result) return result.error();
    Obtained got;
    got.result = std::move(*result);
    got.issued = true;
    return got;
}

int cmd_certonly(const Config& cfg, const PluginRegistry& plugins) {
    if (cfg.domains.empty())
        return fail(
            Error("No domain names given: name them with -d/--domains (for example -d "
                  "example.com -d www.example.com)",
                  kExitUsage));
    if (cfg.authenticator.empty())
        return fail(
            Error("No authenticator chosen: add --webroot -w PATH, --standalone, or "
                  "-a/--authenticator NAME (see `certbot plugins`)",
                  kExitUsage));
    const LoadedPlugin* auth = plugins.find(cfg.authenticator);
    if (auth) {
        // Refuse impossible requests (wildcards without dns-01, bad plugin options) before
        // touching the store or the CA.
        if (auto st = preflight_names(cfg.domains, *auth); !st) return fail(st.error());
        if (auto v = plugin_values(*auth, cfg); !v) return fail(v.error());
    }

    // Directories, locks and the log file before anything is ordered, so a certificate is
    // never issued and then lost for want of a writable store.
    auto session = Session::open(cfg);
    if (!session) return fail(session.error());

    auto got = obtain_with_hooks(cfg, plugins);
    if (!got) return fail(got.error());
    if (!got->issued) {
        log::out("Certificate not yet due for renewal; no action taken.");
        return kExitOk;
    }
    const IssueResult& result = got->result;
    if (result.dry_run) {
        log::out("The dry run was successful.");
        return kExitOk;
    }
    log::out("Successfully received certificate.\nCertificate is saved at: " +
             path_join(result.live_dir, "fullchain.pem") +
             "\nKey is saved at:         " + path_join(result.live_dir, "privkey.pem") +
             "\nThis certificate expires on " + date_of(result.not_after) +
             ".\nThese files will be updated when the certificate renews.");
    return kExitOk;
}

}  // namespace certbot
