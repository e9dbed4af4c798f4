#include "lineage_plan.h"

#include <unistd.h>

#include <algorithm>
#include <set>

#include "log.h"
#include "prompt.h"
#include "renewal.h"

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

LineagePlan renew(LineageCandidate c) {
    return {LineagePlan::Action::kRenew, std::move(c)};
}

// _handle_unexpected_key_type_migration: true when the lineage's key type is to change. Without
// --key-type a different default never changes it (cfg.key_type takes the lineage's type).
Result<bool> key_type_change(Config& cfg, const LineageCandidate& c) {
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
Result<LineagePlan> identical_request(Config& cfg, LineageCandidate c, std::time_t now,
                                      const DueCheck& due) {
    auto changing = key_type_change(cfg, c);
    if (!changing) return changing.error();
    if (*changing || due(c.lineage, cfg, now).due) return renew(std::move(c));
    if (cfg.keep_until_expiring || !cfg.interactive())
        return LineagePlan{LineagePlan::Action::kKeep, c};
    auto picked = ask_numbers(
        "You have an existing certificate that has exactly the same domains or certificate "
        "name you requested and isn't close to expiry.\n(ref: " +
            c.lineage.renewal_conf_path + ")\n\nWhat would you like to do?",
        {"Keep the existing certificate for now",
         "Renew & replace the certificate (may be subject to CA rate limits)"},
        false);
    if (picked.empty()) return Error("Operation canceled. You may re-run the client.");
    if (picked[0] == 0) return LineagePlan{LineagePlan::Action::kKeep, c};
    return renew(std::move(c));
}

// _handle_subset_cert_request
Result<LineagePlan> subset_request(Config& cfg, LineageCandidate c) {
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

std::optional<LineageCandidate> candidate(Lineage l) {
    auto info = current_cert(l);
    if (!info) return std::nullopt;
    return LineageCandidate{std::move(l), std::move(*info)};
}

// _find_lineage_for_domains: an identical lineage (the last one in name order, like certbot),
// else the lineage with the most names that are all among the requested ones.
Result<LineagePlan> plan_for_domains(Config& cfg, std::time_t now, const DueCheck& due) {
    if (cfg.duplicate) return LineagePlan{};
    auto all = list_lineages(cfg.config_dir, nullptr);
    if (!all) return all.error();
    const auto wanted = as_set(cfg.domains);
    std::optional<LineageCandidate> same, subset;
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
    if (same) return identical_request(cfg, std::move(*same), now, due);
    if (subset) return subset_request(cfg, std::move(*subset));
    return LineagePlan{};
}

}  // namespace

Result<LineagePlan> plan_request(Config& cfg, std::time_t now, const DueCheck& due) {
    if (cfg.cert_name.empty()) return plan_for_domains(cfg, now, due);
    CB_TRY(validate_lineage_name(cfg.cert_name));
    const std::string conf = cfg.config_dir + "/renewal/" + cfg.cert_name + ".conf";
    if (access(conf.c_str(), F_OK) != 0) {
        if (!cfg.domains.empty()) return LineagePlan{};
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
        return identical_request(cfg, std::move(*c), now, due);
    }
    if (as_set(cfg.domains) == as_set(c->cert.dns_names))
        return identical_request(cfg, std::move(*c), now, due);
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

}  // namespace certbot
