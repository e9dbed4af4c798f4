// The ACME account a command acts as: loaded from certbot's account store for the server, or
// registered (RFC 8555 §7.3) and saved there.
#pragma once

#include <string>

#include "acme.h"
#include "config.h"
#include "crypto.h"
#include "result.h"

namespace certbot {

struct ActiveAccount {
    PrivateKey key;
    std::string id;   // certbot's account id (directory name)
    std::string url;  // kid
};

// Loads the account for acme's server (--account picks one when several exist), or registers a
// new one, asking for an email address and ToS agreement when interactive and failing with a
// message naming the flag (--agree-tos, -m/--register-unsafely-without-email) otherwise.
// The key lives in the result: the caller must then call acme.set_account(&r.key, r.url).
Result<ActiveAccount> load_or_register_account(AcmeClient& acme, const Config& cfg);

// Asks a yes/no question on the terminal; default when the answer is empty.
bool ask_yes_no(const std::string& question, bool default_yes);
// Asks for a line of text; empty string on EOF.
std::string ask_text(const std::string& question);

}  // namespace certbot
