// register, update_account, show_account, unregister (RFC 8555 §7.3), as certbot 2.x does them.
#include "account.h"
#include "commands.h"
#include "log.h"

namespace certbot {

namespace {

std::string join(const std::vector<std::string>& emails, const char* separator) {
    std::string out;
    for (const auto& e : emails) out += (out.empty() ? "" : separator) + e;
    return out;
}

// The stored account and a client signing as it. Fails when none is stored (never registers).
struct SignedIn {
    CaSession ca;
    std::unique_ptr<ActiveAccount> account;  // on the heap: acme keeps a pointer to its key
};
Result<SignedIn> sign_in(const Config& cfg) {
    const std::string server = cfg.effective_server();
    auto ca = CaSession::open(cfg, server);
    if (!ca) return ca.error();
    auto account = select_account(cfg, server);
    if (!account) return account.error();
    SignedIn s{std::move(*ca), std::make_unique<ActiveAccount>(std::move(*account))};
    s.ca.acme->set_account(&s.account->key, s.account->url);
    return s;
}

}  // namespace

int cmd_register(const Config& cfg, const PluginRegistry&) {
    const std::string server = cfg.effective_server();
    auto ca = CaSession::open(cfg, server);
    if (!ca) return fail(ca.error());
    auto stored = list_accounts(cfg.config_dir, server);
    if (!stored) return fail(stored.error());
    if (!stored->empty())
        return fail(Error("There is an existing account for " + server + " in " + cfg.config_dir +
                          " (" + stored->front().id +
                          "); registration of a duplicate account is not supported "
                          "(`certbot update_account` changes its contact)"));
    auto account = register_account(*ca->acme, cfg);
    if (!account) return fail(account.error().context("Unable to register an account"));
    return kExitOk;  // register_account said "Account registered."
}

int cmd_show_account(const Config& cfg, const PluginRegistry&) {
    auto s = sign_in(cfg);
    if (!s) return fail(s.error());
    // certbot's query_registration: newAccount with onlyReturnExisting (RFC 8555 §7.3.1)
    // proves the key still opens the account and returns its current object.
    auto acct = s->ca.acme->new_account({}, false, true);
    if (!acct) return fail(acct.error().context("account " + s->account->id));
    std::vector<std::string> emails;
    for (const auto& c : acct->contact)
        if (c.rfind("mailto:", 0) == 0) emails.push_back(c.substr(7));
    std::string out = "Account details for server " + cfg.effective_server() + ":\n" +
                      "  Account URL: " + acct->url + "\n" +
                      "  Account Thumbprint: " + jwk_thumbprint(s->account->key) + "\n" +
                      "  Email contact" + (emails.size() > 1 ? "s" : "") + ": " +
                      (emails.empty() ? std::string("none") : join(emails, ", "));
    log::out(out);
    return kExitOk;
}

int cmd_update_account(const Config& cfg, const PluginRegistry&) {
    auto s = sign_in(cfg);
    if (!s) return fail(s.error());
    // --new-key alone only rolls the key over; otherwise the contact is (also) replaced.
    const bool change_contact =
        !cfg.new_key || !cfg.email.empty() || cfg.register_unsafely_without_email;
    if (change_contact) {
        auto emails = emails_for_update(cfg);
        if (!emails) return fail(emails.error());
        auto acct = s->ca.acme->update_contact(*emails);
        if (!acct) return fail(acct.error());
        log::out(emails->empty()
                     ? "Any contact information associated with this account has been removed."
                     : "Your e-mail address was updated to " + join(*emails, ",") + ".");
    }
    if (cfg.new_key) {
        const std::string old_id = s->account->id;
        if (auto st = roll_over_account_key(*s->ca.acme, cfg, *s->account); !st)
            return fail(st.error());
        log::out("The account key was rolled over: account " + old_id + " is now " +
                 s->account->id + " (key thumbprint " + jwk_thumbprint(s->account->key) + ").");
    }
    return kExitOk;
}

int cmd_unregister(const Config& cfg, const PluginRegistry&) {
    auto s = sign_in(cfg);
    if (!s) return fail(s.error());
    if (cfg.interactive()) {
        auto sure = terminal_prompt().yes_no(
            "Are you sure you would like to irrevocably deactivate your account " +
                s->account->url + "?",
            "Deactivate", "Abort");
        if (!sure.value_or(false)) return fail(Error("Deactivation aborted."));
    }
    if (auto st = s->ca.acme->deactivate_account(); !st) return fail(st.error());
    if (auto st = delete_account(cfg.config_dir, cfg.effective_server(), s->account->id); !st)
        return fail(st.error().context("the account was deactivated but its files remain"));
    log::out("Account deactivated.");
    return kExitOk;
}

}  // namespace certbot
