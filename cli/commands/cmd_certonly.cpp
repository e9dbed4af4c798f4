// certbot certonly: obtain (or renew) a certificate with an authenticator plugin and save it
// in certbot's store, without installing it.
//
// Which lineage a request goes to follows certbot's main.py exactly
// (_find_lineage_for_domains_and_certname and the _handle_* functions it calls):
//  --cert-name NAME, NAME exists: same names (or no -d) -> the "identical" case below; other
//      names -> replace NAME's names (asked on a terminal, unless --renew-with-new-domains;
//      without a terminal certbot's default is yes).
//  --cert-name NAME, NAME missing: a new lineage called NAME (needs -d).
//  --duplicate: always a new lineage (NAME-0001 when the name is taken).
//  a lineage with exactly the requested names ("identical"): renew it if it is due (or with
//      --force-renewal / --dry-run, or to change its key type); else keep it (--keep /
//      --reinstall, or without a terminal), or ask "Keep / Renew & replace".
//  a lineage whose names are a strict subset of the request: replace it with the new names with
//      --expand or --force-renewal, or when the user says so on a terminal; without a terminal
//      this is an error naming --expand (and --duplicate).
//  otherwise: a new lineage.
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "account.h"
#include "ari_renewal.h"
#include "commands.h"
#include "fsutil.h"
#include "hooks.h"
#include "identifiers.h"
#include "issuance.h"
#include "log.h"
#include "prompt.h"
#include "renewal.h"
#include "session.h"
#include "storage.h"

namespace certbot {

namespace {

// certbot's errors.Error(USER_CANCELLED)
constexpr const char* kUserCancelled =
    "User chose to cancel the operation and may reinvoke the client.";

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::set<std::string> as_set(const std::vector<std::string>& v) {
    return {v.begin(), v.end()};
}

// certbot's summarize_domain_list.
std::string summarize(const std::vector<std::string>& d) {
    if (d.empty()) return "";
    if (d.size() == 1) return d[0];
    if (d.size() == 2) return d[0] + " and " + d[1];
    return d[0] + " and " + std::to_string(d.size() - 1) + " more domains";
}

int fail(const Error& e) {
    log::error(e.message);
    return e.exit_code;
}

struct Candidate {
    Lineage lineage;
    CertInfo cert;
};

struct Plan {
    enum class Action { kNew, kRenew, kKeep } action = Action::kNew;
    std::optional<Candidate> existing;
};

Plan renew(Candidate c) {
    return {Plan::Action::kRenew, std::move(c)};
}

// _handle_unexpected_key_type_migration: true when the lineage's key type is to change. Without
// --key-type a different default never changes it (cfg.key_type takes the lineage's type).
Result<bool> key_type_change(Config& cfg, const Candidate& c) {
    const std::string current = lower(c.cert.key_type);  // "ecdsa" / "rsa"
    if (current.empty() || current == cfg.key_type) return false;
    const bool key_type_flag = cfg.set_by_user.count("key-type") > 0;
    if (key_type_flag && cfg.set_by_user.count("cert-name")) return true;
    if (cfg.interactive() &&
        ask_yes_no("An " + upper(current) + " certificate named " + c.lineage.name +
                       " already exists. Do you want to update its key type to " +
                       upper(cfg.key_type) + "?",
                   false))
        return true;
    if (key_type_flag)
        return Error("Are you trying to change the key type of the certificate named " +
                         c.lineage.name + " from " + upper(current) + " to " + upper(cfg.key_type) +
                         "? Please provide both --cert-name and --key-type on the command line "
                         "to confirm the change you are trying to make.",
                     kExitUsage);
    cfg.key_type = current;
    return false;
}

// _handle_identical_cert_request
Result<Plan> identical_request(Config& cfg, Candidate c) {
    auto changing = key_type_change(cfg, c);
    if (!changing) return changing.error();
    if (*changing || should_renew_with_ari(c.lineage, cfg, std::time(nullptr)).due)
        return renew(std::move(c));
    if (cfg.keep_until_expiring || !cfg.interactive()) return Plan{Plan::Action::kKeep, c};
    auto picked = ask_numbers(
        "You have an existing certificate that has exactly the same domains or certificate "
        "name you requested and isn't close to expiry.\n(ref: " +
            c.lineage.renewal_conf_path + ")\n\nWhat would you like to do?",
        {"Keep the existing certificate for now",
         "Renew & replace the certificate (may be subject to CA rate limits)"},
        false);
    if (picked.empty()) return Error("Operation canceled. You may re-run the client.");
    if (picked[0] == 0) return Plan{Plan::Action::kKeep, c};
    return renew(std::move(c));
}

// _handle_subset_cert_request
Result<Plan> subset_request(Config& cfg, Candidate c) {
    auto changing = key_type_change(cfg, c);
    if (!changing) return changing.error();
    if (cfg.expand || cfg.force_renewal) return renew(std::move(c));
    const std::string existing = join(c.cert.dns_names, ", ");
    const std::string question =
        "You have an existing certificate that contains a portion of the domains you requested "
        "(ref: " +
        c.lineage.renewal_conf_path + ")\n\nIt contains these names: " + existing +
        "\n\nYou requested these names for the new certificate: " + join(cfg.domains, ", ") +
        ".\n\nDo you want to expand and replace this existing certificate with the new "
        "certificate?";
    if (!cfg.interactive())
        return Error("Missing command line flag or config entry for this setting:\n" + question +
                         "\n\n(You can set this with the --expand flag; or keep " + c.lineage.name +
                         " as it is and get a separate certificate with "
                         "--duplicate)",
                     kExitUsage);
    if (ask_yes_no(question, false)) return renew(std::move(c));
    log::out(
        "To obtain a new certificate that contains these names without replacing your "
        "existing certificate for " +
        existing +
        ", you must use the --duplicate option.\n\nFor example:\n\ncertbot certonly "
        "--duplicate -d " +
        join(cfg.domains, " -d "));
    return Error(kUserCancelled);
}

std::optional<Candidate> candidate(Lineage l) {
    auto info = current_cert(l);
    if (!info) return std::nullopt;
    return Candidate{std::move(l), std::move(*info)};
}

// _find_lineage_for_domains: an identical lineage (the last one in name order, like certbot),
// else the lineage with the most names that are all among the requested ones.
Result<Plan> plan_for_domains(Config& cfg) {
    if (cfg.duplicate) return Plan{};
    auto all = list_lineages(cfg.config_dir, nullptr);
    if (!all) return all.error();
    const auto wanted = as_set(cfg.domains);
    std::optional<Candidate> same, subset;
    for (auto& l : *all) {
        auto c = candidate(std::move(l));
        if (!c) continue;
        const auto names = as_set(c->cert.dns_names);
        if (names == wanted) {
            same = std::move(c);
        } else if (std::includes(wanted.begin(), wanted.end(), names.begin(), names.end()) &&
                   (!subset || names.size() > subset->cert.dns_names.size())) {
            subset = std::move(c);
        }
    }
    if (same) return identical_request(cfg, std::move(*same));
    if (subset) return subset_request(cfg, std::move(*subset));
    return Plan{};
}

// _find_lineage_for_domains_and_certname
Result<Plan> plan_request(Config& cfg) {
    if (cfg.cert_name.empty()) return plan_for_domains(cfg);
    CB_TRY(validate_lineage_name(cfg.cert_name));
    const std::string conf = cfg.config_dir + "/renewal/" + cfg.cert_name + ".conf";
    if (access(conf.c_str(), F_OK) != 0) {
        if (!cfg.domains.empty()) return Plan{};
        return Error("No certificate with name " + cfg.cert_name +
                         " found. Use -d to specify domains, or run certbot certificates to see "
                         "possible certificate names.",
                     kExitUsage);
    }
    auto l = load_lineage(cfg.config_dir, cfg.cert_name);
    if (!l) return l.error();
    auto c = candidate(std::move(*l));
    if (!c) return Error("cannot read the certificate of " + cfg.cert_name + " (" + conf + ")");
    if (cfg.domains.empty()) {
        cfg.domains = c->cert.dns_names;
        return identical_request(cfg, std::move(*c));
    }
    if (as_set(cfg.domains) == as_set(c->cert.dns_names))
        return identical_request(cfg, std::move(*c));
    // _ask_user_to_confirm_new_names (certbot's default, without a terminal, is yes).
    auto changing = key_type_change(cfg, *c);
    if (!changing) return changing.error();
    if (!cfg.renew_with_new_domains && cfg.interactive()) {
        std::vector<std::string> added, removed;
        const auto before = as_set(c->cert.dns_names), after = as_set(cfg.domains);
        std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                            std::back_inserter(added));
        std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                            std::back_inserter(removed));
        auto list = [](const std::vector<std::string>& v, const char* ch) {
            return v.empty() ? std::string("\n(None)")
                             : "\n" + std::string(ch) + " " +
                                   join(v, ("\n" + std::string(ch) + " ").c_str());
        };
        if (!ask_yes_no("You are updating certificate " + cfg.cert_name +
                            " to include new domain(s): " + list(added, "+") +
                            "\n\nYou are also removing previously included domain(s): " +
                            list(removed, "-") + "\n\nDid you intend to make this change?",
                        true))
            return Error("Specified mismatched certificate name and domains.", kExitUsage);
    }
    return renew(std::move(*c));
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

}  // namespace

Result<Obtained> obtain_with_hooks(const Config& cli, const PluginRegistry& plugins) {
    Config cfg = cli;
    normalize_key_flags(cfg);
    CB_TRY(validate_hooks(cfg));  // again for `run`, which comes here without certonly's checks
    auto plan = plan_request(cfg);
    if (!plan) return plan.error();
    Obtained got;
    if (plan->action == Plan::Action::kKeep) {
        const Candidate& c = *plan->existing;
        got.result.name = c.lineage.name;
        got.result.live_dir = path_join(path_join(cfg.config_dir, "live"), c.lineage.name);
        got.result.domains = c.cert.dns_names;
        got.result.not_after = c.cert.not_after;
        return got;
    }
    Lineage* existing = plan->existing ? &plan->existing->lineage : nullptr;
    if (const LoadedPlugin* auth = plugins.find(cfg.authenticator); auth && existing)
        CB_TRY(preflight_names(cfg.domains, *auth));  // names restored from the lineage

    log::out(std::string(existing ? (cfg.dry_run ? "Simulating renewal of an existing certificate"
                                                 : "Renewing an existing certificate")
                                  : (cfg.dry_run ? "Simulating a certificate request"
                                                 : "Requesting a certificate")) +
             " for " + summarize(cfg.domains));
    auto result = issue_with_hooks(cfg, plugins, existing);
    if (!result) return result.error();
    got.result = std::move(*result);
    got.issued = true;
    return got;
}

int cmd_certonly(const Config& cli, const PluginRegistry& plugins) {
    Config cfg = cli;
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
        if (auto st = preflight_names(cfg.domains, *auth); !st) return fail(st.error());
        if (auto v = plugin_values(*auth, cfg); !v) return fail(v.error());
    }
    if (auto st = validate_hooks(cfg); !st) return fail(st.error());

    // Directories, locks and the log file before anything is ordered, so a certificate is
    // never issued and then lost for want of a writable store.
    auto session = Session::open(cfg);
    if (!session) return fail(session.error());

    auto got = obtain_with_hooks(cfg, plugins);
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
