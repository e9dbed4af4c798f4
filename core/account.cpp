#include "account.h"

#include <iostream>

#include "log.h"
#include "storage.h"

namespace certbot {

bool ask_yes_no(const std::string& question, bool default_yes) {
    std::cout << question << (default_yes ? " (Y)es/(N)o [Y]: " : " (Y)es/(N)o [N]: ")
              << std::flush;
    std::string line;
    if (!std::getline(std::cin, line)) return false;
    if (line.empty()) return default_yes;
    return line[0] == 'y' || line[0] == 'Y';
}

std::string ask_text(const std::string& question) {
    std::cout << question << std::flush;
    std::string line;
    if (!std::getline(std::cin, line)) return {};
    line.erase(0, line.find_first_not_of(" \t"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    return line;
}

namespace {

Result<ActiveAccount> from_stored(const StoredAccount& s) {
    auto key = private_key_from_jwk_json(s.private_key_json);
    if (!key) return key.error().context("account " + s.id);
    return ActiveAccount{std::move(*key), s.id, s.account_uri};
}

Status validate_email(const std::string& email) {
    if (email.empty() || email.size() > 254 || email.find('@') == std::string::npos ||
        email.find_first_of(" \t\r\n,;<>\"") != std::string::npos)
        return Error("\"" + email + "\" is not a valid email address; check -m/--email",
                     kExitUsage);
    return Status::Ok();
}

}  // namespace

Result<ActiveAccount> load_or_register_account(AcmeClient& acme, const Config& cfg) {
    const std::string server = acme.directory().url;
    auto stored = list_accounts(cfg.config_dir, server);
    if (!stored) return stored.error();
    if (!cfg.account.empty()) {
        for (const auto& s : *stored) {
            if (s.id != cfg.account) continue;
            return from_stored(s);
        }
        return Error("Account " + cfg.account + " was not found for " + server +
                         "; check --account (see `certbot show_account`)",
                     kExitUsage);
    }
    if (stored->size() > 1)
        return Error("Several accounts exist for " + server + " in " + cfg.config_dir +
                         "; choose one with --account ID",
                     kExitUsage);
    if (stored->size() == 1) {
        auto a = from_stored(stored->front());
        if (!a) return a.error();
        return a;
    }

    // Register (RFC 8555 §7.3).
    std::vector<std::string> emails;
    if (!cfg.email.empty()) {
        size_t start = 0;
        while (start <= cfg.email.size()) {
            size_t comma = cfg.email.find(',', start);
            std::string e =
                cfg.email.substr(start, comma == std::string::npos ? comma : comma - start);
            if (!e.empty()) {
                CB_TRY(validate_email(e));
                emails.push_back(e);
            }
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    } else if (!cfg.register_unsafely_without_email) {
        if (!cfg.interactive())
            return Error(
                "No email address given for the new account: add -m/--email ADDRESS, or "
                "--register-unsafely-without-email",
                kExitUsage);
        std::string e = ask_text(
            "Enter email address (used for urgent renewal and security notices)\n"
            " (Enter 'c' to cancel): ");
        if (e.empty() || e == "c") return Error("No email address given; registration canceled");
        CB_TRY(validate_email(e));
        emails.push_back(e);
    }
    const auto& tos = acme.directory().terms_of_service;
    if (!cfg.agree_tos && !tos.empty()) {
        if (!cfg.interactive())
            return Error("You must agree to the ACME server's terms of service at " + tos +
                             ": add --agree-tos",
                         kExitUsage);
        if (!ask_yes_no("Please read the Terms of Service at " + tos +
                            ". You must agree in order to register with the ACME server. Do you "
                            "agree?",
                        false))
            return Error("Terms of service not accepted; no account registered");
    }
    if (acme.directory().external_account_required &&
        (cfg.eab_kid.empty() || cfg.eab_hmac_key.empty()))
        return Error("The ACME server " + server +
                         " requires external account binding: add --eab-kid and --eab-hmac-key",
                     kExitUsage);

    auto key = PrivateKey::generate(KeySpec{});  // ES256 account key
    if (!key) return key.error();
    std::string id = certbot_account_id(*key);  // before the key is moved
    ActiveAccount active{std::move(*key), std::move(id), ""};
    acme.set_account(&active.key);
    std::optional<ExternalAccountBinding> eab;
    if (!cfg.eab_kid.empty()) eab = ExternalAccountBinding{cfg.eab_kid, cfg.eab_hmac_key, "HS256"};
    auto acct = acme.new_account(emails, true, false, eab);
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

}  // namespace certbot
