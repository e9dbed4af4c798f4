// The ACME account a command acts as: loaded from certbot's account store for the server, or
// registered (RFC 8555 §7.3) and saved there; and the account changes that touch the store
// (key rollover, deactivation).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "acme.h"
#include "config.h"
#include "crypto.h"
#include "prompt.h"
#include "result.h"
#include "session.h"
#include "storage.h"

namespace certbot {

struct ActiveAccount {
    PrivateKey key;
    std::string id;   // certbot's account id (directory name)
    std::string url;  // kid
};

// What the account and revoke commands open first: the session (locks, log file), an HTTP
// client and the CA's directory.
struct CaSession {
    Session session;
    std::unique_ptr<HttpClient> http;
    std::unique_ptr<AcmeClient> acme;
    static Result<CaSession> open(const Config& cfg, const std::string& server);
};

// Loads the account for acme's server (--account picks one when several exist), or registers a
// new one, asking for an email address and ToS agreement when interactive and failing with a
// message naming the flag (--agree-tos, -m/--register-unsafely-without-email) otherwise.
// The key lives in the result: the caller must then call acme.set_account(&r.key, r.url).
Result<ActiveAccount> load_or_register_account(AcmeClient& acme, const Config& cfg);

// The stored account to act as for `server`: --account, else the only one, else (on a
// terminal) the user's choice. None stored, or several under -n, is an error naming what to do.
Result<ActiveAccount> select_account(const Config& cfg, const std::string& server);

// select_account without the error for none stored: nothing when no account is stored for
// `server` and --account names none (the caller registers one). Reads only the store, so it
// needs no answer from the CA (the server's URL is its directory's).
Result<std::optional<ActiveAccount>> stored_account(const Config& cfg, const std::string& server);

// Registers a new account (the prompts and checks of load_or_register_account) and saves it.
Result<ActiveAccount> register_account(AcmeClient& acme, const Config& cfg);

// -m/--email's comma-separated list, each address checked; usage error naming -m otherwise.
Result<std::vector<std::string>> parse_emails(const std::string& list);

// The email addresses update_account sets: -m, none with --register-unsafely-without-email, else
// asked for on a terminal; under -n an error naming -m.
Result<std::vector<std::string>> emails_for_update(const Config& cfg);

// RFC 8555 §7.3.5 and the store: generates a key of the same kind, saves the account under the
// new key's id, asks the CA to change the key, repoints renewal confs that named the old id and
// removes the old account directory. The saved files are certbot's: Python certbot keeps using
// the account. On success `active` holds the new key and id, and acme signs with it.
Status roll_over_account_key(AcmeClient& acme, const Config& cfg, ActiveAccount& active);

}  // namespace certbot
