// certbot's ACME accounts on disk (certbot 2.x certbot/_internal/account.py,
// AccountFileStorage): accounts/<server host>/<server path>/<id>/ holding private_key.json,
// regr.json and meta.json, byte-compatible with Python certbot 2.x. Let's Encrypt's v02 servers
// reuse v01 accounts through a link, like certbot.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace certbot {

struct StoredAccount {
    std::string id;                // MD5 hex of the account public key (SubjectPublicKeyInfo PEM)
    std::string server_url;        // ACME directory URL
    std::string private_key_json;  // private_key.json text (JWK, josepy member order)
    std::string regr_json;         // regr.json text; empty: made from account_uri on save
    std::string meta_json;         // meta.json text; empty: made from now and this host on save
    std::string account_uri;       // "uri" of regr.json (filled in by load)
};

// certbot's server path: netloc + path of the URL ("https://localhost:14000/dir" ->
// "localhost:14000/dir"). Refuses URLs whose path would leave accounts/ ("..", "." segments).
Result<std::string> server_path_for(const std::string& server_url);
// <config_dir>/accounts/<server path>
Result<std::string> accounts_dir_for(const std::string& config_dir, const std::string& server_url);

// regr.json exactly as certbot writes it: {"body": {}, "uri": "<uri>"}
std::string make_regr_json(const std::string& account_uri);
// meta.json exactly as certbot writes it: {"creation_dt": "2026-11-30T03:36:01Z",
// "creation_host": "<host>"} plus "register_to_eff" only when set (josepy omits None).
std::string make_meta_json(std::time_t creation, const std::string& creation_host,
                           const std::optional<std::string>& register_to_eff = std::nullopt);
// A string as Python's json.dumps writes it (ensure_ascii: non-ASCII as \uXXXX).
std::string python_json_string(std::string_view s);
// Python's socket.getfqdn(): certbot's creation_host.
std::string creation_host();

// Writes <dir>/private_key.json (0400), regr.json and meta.json (0644); directories 0700.
Status save_account(const std::string& config_dir, const StoredAccount& account);
// Accounts for a server. Unreadable account directories are skipped (reported in `problems` if
// given). For Let's Encrypt's v02 servers, falls back to v01 accounts and links them, like
// certbot.
Result<std::vector<StoredAccount>> list_accounts(const std::string& config_dir,
                                                 const std::string& server_url,
                                                 std::vector<Error>* problems = nullptr);
Result<StoredAccount> load_account(const std::string& config_dir, const std::string& server_url,
                                   const std::string& id);
// Removes the account directory (following certbot's v01/v02 links) and the server's accounts
// directory when it becomes empty.
Status delete_account(const std::string& config_dir, const std::string& server_url,
                      const std::string& id);

}  // namespace certbot
