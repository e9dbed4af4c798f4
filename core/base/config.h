// Everything a command needs to know, as parsed from the command line (and later cli.ini and
// renewal confs). Plain data: the CLI fills it, the core reads it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "process.h"
#include "result.h"

namespace certbot {

constexpr const char* kDefaultServer = "https://acme-v02.api.letsencrypt.org/directory";
constexpr const char* kStagingServer = "https://acme-staging-v02.api.letsencrypt.org/directory";

// Fleet mode (docs/fleet.md; our flags, certbot has none): many nodes share lineages through etcd.
struct FleetOptions {
    std::string etcd;  // --fleet-etcd URL[,URL...]: every member; empty: fleet mode off
    std::string prefix = "/certbot/";              // --fleet-prefix
    std::string etcd_cacert, etcd_cert, etcd_key;  // TLS to etcd, client authentication
    std::string key_file;                          // --fleet-key: 32 bytes sealing private keys
    std::string action;                            // `certbot fleet ACTION`: status
    bool enabled() const { return !etcd.empty(); }
};

struct Config {
    std::string verb = "run";

    // What to obtain
    std::vector<std::string> domains;  // normalised, in order
    std::string cert_name;
    std::string csr_path;
    std::string csr_der;  // --csr: the CSR read by load_csr (its names are `domains`)

    // Where
    std::string server = kDefaultServer;
    bool server_set = false;
    bool staging = false;
    bool dry_run = false;
    std::string config_dir = "/etc/letsencrypt";
    std::string work_dir = "/var/lib/letsencrypt";
    std::string logs_dir = "/var/log/letsencrypt";

    // Interaction
    bool non_interactive = false;
    bool force_interactive = false;
    int verbosity = 0;  // -v count
    bool quiet = false;

    // Account
    bool agree_tos = false;
    std::string email;
    bool register_unsafely_without_email = false;
    std::string eab_kid, eab_hmac_key;
    std::string account;  // --account id

    // Keys
    std::string key_type = "ecdsa";
    int rsa_key_size = 2048;
    std::string elliptic_curve = "secp256r1";
    bool must_staple = false;
    std::optional<bool> reuse_key;
    bool new_key = false;  // --new-key (also: update_account --new-key rolls the account key)

    // Challenges and plugins
    std::string authenticator, installer;
    std::vector<std::string> preferred_challenges;  // normalised: "http-01", "dns-01", ...
    int http01_port = 80;
    std::string http01_address;
    int https_port = 443;
    int issuance_timeout = 90;

    // Plugin options: plugin option long name without dashes ("webroot-path") -> values in
    // command-line order; per-identifier values resolved from -w/-d interleaving.
    std::map<std::string, std::vector<std::string>> plugin_options;
    std::map<std::string, std::map<std::string, std::string>> plugin_per_identifier;

    // Lineage handling
    bool force_renewal = false;
    bool keep_until_expiring = false;
    bool duplicate = false;
    bool expand = false;
    bool renew_with_new_domains = false;
    bool allow_subset_of_names = false;

    // Renewal and hooks
    std::vector<std::string> pre_hooks, post_hooks, deploy_hooks;
    bool no_directory_hooks = false;
    bool disable_hook_validation = false;
    bool no_random_sleep_on_renew = false;
    bool no_autorenew = false;
    int renewal_workers = 4;
    int plugin_timeout = 600;                  // seconds per call into a plugin (--plugin-timeout)
    int hook_timeout = kDefaultHookTimeLimit;  // --hook-timeout (seconds; 0: none)

    // TLS to the CA
    bool no_verify_ssl = false;
    std::string user_agent;
    std::string user_agent_comment;
    std::string preferred_chain;
    // Certificate profiles (draft-aaron-acme-profiles, certbot 4.0)
    std::string preferred_profile, required_profile;
    std::string eab_hmac_alg = "HS256";

    // General
    int max_log_backups = 1000;  // 0 disables rotation
    bool debug = false;
    bool debug_challenges = false;
    bool strict_permissions = false;
    bool break_my_certs = false;

    // Installation and enhancements (run/install/enhance)
    std::optional<bool> redirect;  // --redirect / --no-redirect
    bool hsts = false, uir = false, staple_ocsp = false, auto_hsts = false;
    std::string cert_path, key_path, fullchain_path, chain_path;
    int checkpoints = 1;  // rollback --checkpoints

    // revoke
    std::string reason = "unspecified";
    std::optional<bool> delete_after_revoke;

    // certificates --json (our flag): the listing as JSON
    bool json_output = false;

    FleetOptions fleet;

    // plugins subcommand filters
    bool plugins_init = false, plugins_prepare = false;
    bool plugins_authenticators = false, plugins_installers = false;
    std::string plugins_check;  // `plugins --check FILE`: validate FILE instead of listing

    // The command line as given, secrets (--eab-hmac-key, ...) masked: the log's "Arguments:".
    std::string command_line;

    // Long option names the user gave explicitly (for what renewal confs store).
    std::set<std::string> set_by_user;

    bool interactive() const;  // a TTY on stdin and stdout, and not -n (or --force-interactive)
    std::string effective_server() const;  // staging / dry-run aware
};

}  // namespace certbot
