#include "account.h"

#include <sstream>

#include "log.h"

namespace certbot {

namespace {

constexpr const char* kNoEmailWarning =
    "No email address: you will not receive notice about impending expiration or revocation of "
    "your certificates, or about problems that will lead to failure to renew. Add one later "
    "with `certbot update_account -m EMAIL`.";

Result<ActiveAccount> from_stored(const StoredAccount& s) {
    auto key = private_key_from_jwk_json(s.private_key_json);
    if (!key) return key.error().context("account " + s.id);
    return ActiveAccount{std::move(*key), s.id, s.account_uri};
}

Status validate_email(const std::string& email) {
    if (email.empty() || email.size() > 254 || email.find('@') == std::string::npos ||
        email.front() == '@' || email.back() == '@' ||
        email.find_first_of(" \t\r\n,;:<>\"'()[]\\") != std::string::npos ||
        log::printable(email, 254) != email)
        return Error(
            "\"" + log::printable(email, 80) + "\" is not a valid email address; check -m/--email",
            kExitUsage);
    return Status::Ok();
}

// certbot's get_email: asks until a valid address, a cancel ('c' or end of input) or, when
// `optional`, an empty answer (no address, with a warning).
Result<std::vector<std::string>> ask_email(bool optional) {
    Prompt& p = terminal_prompt();
    std::string question = "Enter email address (used for urgent renewal and security notices)\n";
    if (optional) question += " (Enter blank to register without one)\n";
    question += " (Enter 'c' to cancel): ";
    for (bool invalid = false;;) {
        auto answer =
            p.line(invalid ? "There seem to be problems with that address. " + question : question);
        if (!answer || *answer == "c" || *answer == "C")
            return Error(optional ? "An e-mail address or --register-unsafely-without-email must "
                                    "be provided; nothing was changed"
                                  : "An e-mail address must be provided (-m EMAIL); nothing "
                                    "was changed");
        if (answer->empty()) {
            if (!optional) continue;
            p.notify(kNoEmailWarning);
            return std::vector<std::string>{};
        }
        auto emails = parse_emails(*answer);
        if (emails && !emails->empty()) return emails;
        invalid = true;
    }
}

Status agree_to_terms(const Config& cfg, const std::string& tos) {
    if (cfg.agree_tos || tos.empty()) return Status::Ok();
    if (!cfg.interactive())
        return Error("You must agree to the ACME server's terms of service at " +
                         log::printable(tos, 300) + ": add --agree-tos",
                     kExitUsage);
    auto agreed =
        terminal_prompt().yes_no("Please read the Terms of Service at " + log::printable(tos, 300) +
                                     ". You must agree in order to register with the "
                                     "ACME server. Do you agree?",
                                 "Agree", "Cancel");
    if (!agreed.value_or(false))
        return Error(
            "Registration cannot proceed without accepting the Terms of Service (--agree-tos)");
    return Status::Ok();
}

std::string describe(const StoredAccount& s) {
    return s.id + " (" + log::printable(s.account_uri, 200) + ")";
}

}  // namespace

Result<CaSession> CaSession::open(const Config& cfg, const std::string& server) {
    auto session = Session::open(cfg);
    if (!session) return session.error();
    auto http = make_http_client(session->http_options());
    auto acme = std::make_unique<AcmeClient>(*http, server);
    CB_TRY(acme->load_directory());
    return CaSession{std::move(*session), std::move(http), std::move(acme)};
}

Result<std::vector<std::string>> parse_emails(const std::string& list) {
    std::vector<std::string> emails;
    std::istringstream items(list);
    for (std::string e; std::getline(items, e, ',');) {
        const auto first = e.find_first_not_of(' ');
        if (first == std::string::npos) continue;
        e = e.substr(first, e.find_last_not_of(' ') - first + 1);
        CB_TRY(validate_email(e));
        emails.push_back(e);
    }
    return emails;
}

Result<std::vector<std::string>> emails_for_update(const Config& cfg) {
    if (!cfg.email.empty()) return parse_emails(cfg.email);
    if (cfg.register_unsafely_without_email) return std::vector<std::string>{};
    if (!cfg.interactive())
        return Error(
            "No email address given: add -m EMAIL (or --register-unsafely-without-email to "
            "remove every contact address)",
            kExitUsage);
    return ask_email(false);
}

namespace {

// The accounts stored for `server`, each unreadable one reported as a warning.
Result<std::vector<StoredAccount>> stored_accounts(const Config& cfg, const std::string& server) {
    std::vector<Error> problems;
    auto stored = list_accounts(cfg.config_dir, server, &problems);
    if (!stored) return stored.error();
    for (const auto& p : problems) log::warning(p.message);
    return stored;
}

// select_account's choice among `stored`, the accounts stored for `server`.
Result<ActiveAccount> choose_account(const Config& cfg, const std::string& server,
                                     const std::vector<StoredAccount>& stored) {
    if (!cfg.account.empty()) {
        for (const auto& s : stored)
            if (s.id == cfg.account) return from_stored(s);
        return Error("Account " + cfg.account + " was not found for " + server +
                         "; check --account (see `certbot show_account`)",
                     kExitUsage);
    }
    if (stored.empty())
        return Error("No account is registered for " + server + " in " + cfg.config_dir +
                         "; create one with `certbot register`, or check --server and "
                         "--config-dir",
                     kExitFailure);
    if (stored.size() == 1) return from_stored(stored.front());
    if (!cfg.interactive()) {
        std::string ids;
        for (const auto& s : stored) ids += (ids.empty() ? "" : ", ") + s.id;
        return Error("Several accounts exist for " + server + " in " + cfg.config_dir + " (" + ids +
                         "); choose one with --account ID",
                     kExitUsage);
    }
    Prompt& p = terminal_prompt();
    std::string menu = "Please choose an account\n";
    for (size_t i = 0; i < stored.size(); ++i)
        menu += std::to_string(i + 1) + ": " + describe(stored[i]) + "\n";
    for (;;) {
        auto answer =
            p.line(menu + "Select the appropriate number [1-" + std::to_string(stored.size()) +
                   "] then [enter] (press 'c' to "
                   "cancel): ");
        if (!answer || *answer == "c" || *answer == "C")
            return Error("No account has been chosen (--account ID chooses one)", kExitUsage);
        if (answer->empty() || answer->size() > 4 ||
            answer->find_first_not_of("0123456789") != std::string::npos)
            continue;
        size_t n = std::stoul(*answer);
        if (n >= 1 && n <= stored.size()) return from_stored(stored[n - 1]);
    }
}

}  // namespace

Result<ActiveAccount> select_account(const Config& cfg, const std::string& server) {
    auto stored = stored_accounts(cfg, server);
    if (!stored) return stored.error();
    return choose_account(cfg, server, *stored);
}

Result<std::optional<ActiveAccount>> stored_account(const Config& cfg, const std::string& server) {
    auto stored = stored_accounts(cfg, server);
    if (!stored) return stored.error();
    if (stored->empty() && cfg.account.empty()) return std::optional<ActiveAccount>();
    auto chosen = choose_account(cfg, server, *stored);
    if (!chosen) return chosen.error();
    return std::optional<ActiveAccount>(std::move(*chosen));
}

Result<ActiveAccount> register_account(AcmeClient& acme, const Config& cfg) {
    const std::string server = acme.directory().url;
    // Refuse what cannot succeed before asking anything.
    const bool eab_given = !cfg.eab_kid.empty() || !cfg.eab_hmac_key.empty();
    if (eab_given && (cfg.eab_kid.empty() || cfg.eab_hmac_key.empty()))
        return Error("External account binding needs both --eab-kid and --eab-hmac-key",
                     kExitUsage);
    std::optional<ExternalAccountBinding> eab;
    if (eab_given) {
        eab = ExternalAccountBinding{cfg.eab_kid, cfg.eab_hmac_key, cfg.eab_hmac_alg};
        CB_TRY(check_external_account_binding(*eab));
    }
    if (acme.directory().external_account_required && !eab_given)
        return Error("The ACME server " + server +
                         " requires external account binding: add --eab-kid and --eab-hmac-key "
                         "(from your CA)",
                     kExitUsage);

    std::vector<std::string> emails;
    if (!cfg.email.empty()) {
        auto parsed = parse_emails(cfg.email);
        if (!parsed) return parsed.error();
        emails = std::move(*parsed);
    } else if (!cfg.register_unsafely_without_email) {
        if (!cfg.interactive())
            return Error(
                "No email address given for the new account: add -m EMAIL or "
                "--register-unsafely-without-email",
                kExitUsage);
        auto asked = ask_email(true);
        if (!asked) return asked.error();
        emails = std::move(*asked);
    }
    CB_TRY(agree_to_terms(cfg, acme.directory().terms_of_service));

    auto key = PrivateKey::generate(KeySpec{});  // ES256 account key
    if (!key) return key.error();
    std::string id = certbot_account_id(*key);  // before the key is moved
    ActiveAccount active{std::move(*key), std::move(id), ""};
    acme.set_account(&active.key);
    auto acct = acme.new_account(emails, true, false, eab);
    if (!acct && eab && acct.error().exit_code != kExitUsage)
        return Error(acct.error().message + "; check --eab-kid, --eab-hmac-key and --eab-hmac-alg",
                     acct.error().exit_code);
    if (!acct) return acct.error();
    active.url = acct->url;

    auto jwk = jwk_private_json_certbot(active.key);
    if (!jwk) return jwk.error();
    StoredAccount s;
    s.id = active.id;
    s.server_url = server;
    s.private_key_json = *jwk;
    s.account_uri = active.url;
    if (auto st = save_account(cfg.config_dir, s); !st)
        return st.error().context("the account was registered at " + active.url +
                                  " but could not be saved");
    log::info("Account registered.");
    return active;
}

Result<ActiveAccount> load_or_register_account(AcmeClient& acme, const Config& cfg) {
    auto stored = stored_account(cfg, acme.directory().url);
    if (!stored) return stored.error();
    if (*stored) return std::move(**stored);
    return register_account(acme, cfg);
}

Status roll_over_account_key(AcmeClient& acme, const Config& cfg, ActiveAccount& active) {
    const std::string server = acme.directory().url;
    auto old = load_account(cfg.config_dir, server, active.id);
    if (!old) return old.error();
    auto key = PrivateKey::generate(active.key.spec());
    if (!key) return key.error();
    auto jwk = jwk_private_json_certbot(*key);
    if (!jwk) return jwk.error();

    // The new key is on disk before the CA knows it, so no outcome loses the account: after a
    // crash here there are two account directories, and the stale one is refused by the CA.
    StoredAccount next = *old;
    next.id = certbot_account_id(*key);
    next.private_key_json = *jwk;
    CB_TRY(save_account(cfg.config_dir, next));
    if (auto st = acme.key_change(*key); !st) {
        acme.set_account(&active.key, active.url);
        // An unclear outcome (lost answer, 5xx): the CA may hold the new key already. Ask it
        // before deleting anything; keep both keys while that is unknown.
        bool switched = false;
        if (st.error().transient) {
            auto holds_new = acme.account_uses_key(*key);
            if (!holds_new)
                return Error(st.error().message +
                             "; whether the CA switched to the new key is "
                             "unknown (" +
                             holds_new.error().message +
                             "), so both keys are kept: "
                             "accounts/.../" +
                             active.id + " (old) and " + next.id +
                             " (new); run update_account --new-key again when the CA answers");
            switched = *holds_new;
            if (switched)
                log::warning(
                    "the answer to the key change was lost, but the CA holds the new "
                    "key: continuing with it");
        }
        if (!switched) {
            if (auto rm = delete_account(cfg.config_dir, server, next.id); !rm)
                log::warning(rm.error().message);
            return st;
        }
    }
    const std::string old_id = active.id;
    active.key = std::move(*key);
    active.id = next.id;
    acme.set_account(&active.key, active.url);

    // certbot names the account in each lineage's renewal conf: follow the new id.
    std::vector<Error> broken;
    if (auto lineages = list_lineages(cfg.config_dir, &broken)) {
        for (auto& l : *lineages) {
            if (l.renewal_params().get("account").value_or("") != old_id) continue;
            l.renewal_params().set("account", active.id);
            if (auto st = save_renewal_conf(l); !st)
                log::warning(st.error().message + "; set account = " + active.id + " in it");
        }
    }
    for (const auto& b : broken)
        log::warning(b.message + "; if it names account " + old_id + ", change it to " + active.id);
    if (auto st = delete_account(cfg.config_dir, server, old_id); !st)
        log::warning("the old account key could not be removed: " + st.error().message);
    return Status::Ok();
}

}  // namespace certbot
