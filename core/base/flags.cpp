#include "flags.h"

#include <sstream>

#include "config.h"

namespace certbot {

const char* const kKnownPlugins[18] = {"apache",           "nginx",        "webroot",
                                       "standalone",       "manual",       "dns-cloudflare",
                                       "dns-digitalocean", "dns-dnsimple", "dns-dnsmadeeasy",
                                       "dns-gehirn",       "dns-google",   "dns-linode",
                                       "dns-luadns",       "dns-nsone",    "dns-ovh",
                                       "dns-rfc2136",      "dns-route53",  "dns-sakuracloud"};

std::vector<std::string> FlagSpec::fields() const {
    std::vector<std::string> out;
    if (use != FlagUse::kConfig) return out;
    std::istringstream words(consumer);
    for (std::string w; words >> w;) out.push_back(w[0] == '!' ? w.substr(1) : w);
    return out;
}

std::string FlagSpec::verbs_error(const std::string& verb) const {
    std::string message = verbs_message;
    if (message.empty())
        return "--" + name + " is not supported with `" + verb + "` (" + verbs_note + ")";
    if (auto at = message.find("{}"); at != std::string::npos) message.replace(at, 2, verb);
    return message;
}

std::string FlagSpec::help_text() const {
    if (default_value.empty() || help.find("(default:") != std::string::npos) return help;
    return help + " (default: " + default_value + ")";
}

namespace {

// One table row, written as a sentence: F("rsa-key-size", kSecurity, "Size of the RSA key.")
// .number().def("2048").stored("rsa_key_size").sets("rsa_key_size").
struct F {
    FlagSpec s;
    F(const char* name, FlagGroup group, const char* help) {
        s.name = name;
        s.group = group;
        s.help = help;
    }
    F& brief(char c) {
        s.short_name = c;
        return *this;
    }
    F& number() {
        s.type = FlagType::kInt;
        return *this;
    }
    F& text() {
        s.type = FlagType::kString;
        return *this;
    }
    F& texts() {
        s.type = FlagType::kStrings;
        return *this;
    }
    F& topic() {
        s.type = FlagType::kTopic;
        return *this;
    }
    F& def(const char* v) {
        s.default_value = v;
        return *this;
    }
    F& value_name(const char* v) {
        s.value_name = v;
        return *this;
    }
    F& same_as(const char* flag) {
        s.same_as = flag;
        return *this;
    }
    F& stored(const char* key) {
        s.renewal_key = key;
        return *this;
    }
    F& sets(const char* fields) { return use(FlagUse::kConfig, fields); }
    F& command_line(const char* how) {
        s.in_cli_ini = false;
        return use(FlagUse::kCommandLine, how);
    }
    F& by_nature(const char* why) { return use(FlagUse::kByNature, why); }
    F& no_effect(const char* why) { return use(FlagUse::kNoEffect, why); }
    F& refused(const char* message) { return use(FlagUse::kRefused, message); }
    F& action(FlagAction a) {
        s.action = a;
        return *this;
    }
    F& one_of(std::vector<std::string> choices, const char* message) {
        s.choices = std::move(choices);
        return check(FlagCheck::kOneOf, message);
    }
    F& range(long min, long max, const char* message) {
        s.min = min;
        s.max = max;
        return check(FlagCheck::kRange, message);
    }
    F& check(FlagCheck c, const char* message) {
        s.check = c;
        s.check_message = message;
        return *this;
    }
    F& conflicts(const char* flag, const char* message) {
        s.conflicts_with = flag;
        s.conflict_message = message;
        return *this;
    }
    // A conflict only when the value is not one of VALUES.
    F& unless(std::vector<std::string> values) {
        s.conflict_unless = std::move(values);
        return *this;
    }
    F& only_with(std::vector<std::string> verbs, const char* note) {
        s.verbs = std::move(verbs);
        s.verbs_note = note;
        return *this;
    }
    // With the error's own words (certbot's) instead of the usual ones; "{}" is the verb.
    F& only_with(std::vector<std::string> verbs, const char* note, const char* message) {
        s.verbs_message = message;
        return only_with(std::move(verbs), note);
    }
    F& use(FlagUse u, const char* consumer) {
        s.use = u;
        s.consumer = consumer;
        return *this;
    }
    operator FlagSpec() const { return s; }
};

constexpr FlagGroup kGeneral = FlagGroup::kGeneral, kAutomation = FlagGroup::kAutomation,
                    kSecurity = FlagGroup::kSecurity, kTesting = FlagGroup::kTesting,
                    kPaths = FlagGroup::kPaths, kRegistration = FlagGroup::kRegistration,
                    kCertonly = FlagGroup::kCertonly, kRevoke = FlagGroup::kRevoke,
                    kRollback = FlagGroup::kRollback, kUnregister = FlagGroup::kUnregister,
                    kCertificates = FlagGroup::kCertificates, kPlugins = FlagGroup::kPlugins,
                    kHidden = FlagGroup::kHidden;
constexpr FlagAction kCount = FlagAction::kCount, kAtLeast = FlagAction::kAtLeast,
                     kDomains = FlagAction::kDomains, kIpAddresses = FlagAction::kIpAddresses,
                     kSelector = FlagAction::kSelector, kCustom = FlagAction::kCustom,
                     kConfigFile = FlagAction::kConfigFile;
constexpr long kNoLimit = 0x7fffffff;

// The subcommands fleet mode covers (docs/fleet.md); elsewhere a fleet flag would be ignored.
const std::vector<std::string> kFleetVerbs = {"certonly", "run", "renew", "certificates", "fleet"};
const char* const kFleetNote =
    "fleet mode covers certonly, run, renew, certificates and fleet; see docs/fleet.md";

std::vector<FlagSpec> build_table() {
    // One statement a row, not one braced list: a list's rows would all be temporaries of one
    // expression, ~120 KiB of stack that stays resident for the whole run; a statement's
    // temporaries end with it.
    std::vector<FlagSpec> t;
    const auto row = [&t](const F& f) { t.push_back(f.s); };
    // optional arguments
    row(F("help", kGeneral, "show this help message and exit")
            .brief('h')
            .topic()
            .action(kCustom)
            .command_line("prints the help (of a topic)"));
    row(F("verbose", kGeneral,
          "This flag can be used multiple times to incrementally increase the verbosity of "
          "output, e.g. -vvv.")
            .brief('v')
            .action(kCount)
            .sets("verbosity"));
    row(F("non-interactive", kGeneral, "Run without ever asking for user input.")
            .brief('n')
            .sets("non_interactive"));
    row(F("noninteractive", kGeneral, "Alias of --non-interactive.")
            .same_as("non-interactive")
            .sets("non_interactive"));
    row(F("force-interactive", kGeneral,
          "Force Certbot to be interactive even if it detects it's not being run in a terminal.")
            .sets("force_interactive"));
    row(F("domains", kGeneral,
          "Domain names to apply. For multiple domains you can use multiple -d flags or enter a "
          "comma separated list of domains as a parameter.")
            .brief('d')
            .texts()
            .action(kDomains)
            .sets("domains"));
    row(F("domain", kGeneral, "Alias of --domains.")
            .texts()
            .same_as("domains")
            .action(kDomains)
            .sets("domains"));
    // certbot 5.3 (RFC 8738); the addresses follow the domain names in Config::domains.
    row(F("ip-address", kGeneral,
          "IP addresses to include. For multiple IP addresses you can use multiple --ip-address "
          "flags. All IP addresses will be included as Subject Alternative Names on the "
          "certificate, after any domain names. Validated with http-01 or tls-alpn-01 only "
          "(standalone, webroot, manual).")
            .texts()
            .action(kIpAddresses)
            .sets("domains"));
    row(F("cert-name", kGeneral,
          "Certificate name to apply. This name is used by Certbot for housekeeping and in file "
          "paths.")
            .text()
            .sets("cert_name"));
    row(F("dry-run", kGeneral,
          "Perform a test run against the Let's Encrypt staging server, obtaining test "
          "(invalid) certificates but not saving them to disk.")
            // certbot's set_test_server, in its words
            .only_with({"certonly", "renew"}, "a test run obtains a certificate",
                       "--dry-run currently only works with the 'certonly' or 'renew' "
                       "subcommands ('{}')")
            .sets("dry_run"));
    row(F("preferred-challenges", kGeneral,
          "A sorted, comma delimited list of the preferred challenge to use during authorization "
          "with the most preferred challenge listed first (e.g. \"dns\" or \"http,dns\").")
            .texts()
            .stored("pref_challs")
            .action(kCustom)
            .sets("preferred_challenges"));
    row(F("issuance-timeout", kGeneral,
          "This option specifies how long (in seconds) Certbot will wait for the server to issue "
          "a certificate.")
            .number()
            .def("90")
            .sets("issuance_timeout"));
    row(F("user-agent", kGeneral, "Set a custom user agent string for the client.")
            .text()
            .check(FlagCheck::kHeaderText,
                   "--user-agent must not contain control characters (it is sent as an HTTP "
                   "header)")
            .sets("user_agent"));
    row(F("eab-kid", kGeneral, "Key Identifier for External Account Binding")
            .text()
            .sets("eab_kid"));
    row(F("eab-hmac-key", kGeneral, "HMAC key for External Account Binding")
            .text()
            .sets("eab_hmac_key"));
    row(F("version", kGeneral, "show program's version number and exit")
            .action(kCustom)
            .command_line("prints the version"));
    row(F("config", kGeneral, "path to config file")
            .brief('c')
            .text()
            .def("/etc/letsencrypt/cli.ini and ~/.config/letsencrypt/cli.ini")
            .action(kConfigFile)
            .command_line("names the cli.ini to read first"));
    row(F("max-log-backups", kGeneral,
          "Specifies the maximum number of backup logs that should be kept by Certbot's built in "
          "log rotation. Setting this flag to 0 disables log rotation entirely.")
            .number()
            .def("1000")
            .range(0, kNoLimit, "--max-log-backups must be 0 (no rotation) or more")
            .sets("max_log_backups"));
    row(F("debug-challenges", kGeneral,
          "After setting up challenges, wait for user input before submitting to CA.")
            .sets("debug_challenges"));
    row(F("preferred-chain", kGeneral,
          "If the CA offers multiple certificate chains, prefer the chain whose topmost "
          "certificate was issued from this Subject Common Name.")
            .text()
            .stored("preferred_chain")
            .sets("preferred_chain"));
    row(F("preferred-profile", kGeneral,
          "Request the given certificate profile if the CA offers it; otherwise order without "
          "one.")
            .text()
            .stored("preferred_profile")
            .check(FlagCheck::kToken,
                   "--preferred-profile must be a profile name from the CA's directory (letters, "
                   "digits, '-', '_', '.'), such as classic or shortlived")
            .conflicts("required-profile",
                       "--preferred-profile and --required-profile cannot be used together; give "
                       "one")
            .sets("preferred_profile"));
    row(F("required-profile", kGeneral,
          "Request the given certificate profile and fail if the CA does not offer it.")
            .text()
            .stored("required_profile")
            .check(FlagCheck::kToken,
                   "--required-profile must be a profile name from the CA's directory (letters, "
                   "digits, '-', '_', '.'), such as classic or shortlived")
            .sets("required_profile"));
    row(F("user-agent-comment", kGeneral, "Add a comment to the default user agent string.")
            .text()
            .check(FlagCheck::kHeaderText,
                   "--user-agent-comment must not contain control characters (it is sent as an "
                   "HTTP header)")
            .sets("user_agent_comment"));
    row(F("eab-hmac-alg", kGeneral,
          "HMAC algorithm for External Account Binding: HS256, HS384 or HS512")
            .text()
            .def("HS256")
            .one_of({"HS256", "HS384", "HS512"},
                    "--eab-hmac-alg must be HS256, HS384 or HS512, not \"{}\"")
            .sets("eab_hmac_alg"));
    row(F("standalone-supported-challenges", kGeneral,
          "Deprecated: use --preferred-challenges (tls-sni-01 is now tls-alpn-01).")
            .text()
            .same_as("preferred-challenges")
            .action(kCustom)
            .sets("preferred_challenges"));

    // automation
    row(F("keep-until-expiring", kAutomation,
          "If the requested certificate matches an existing certificate, always keep the "
          "existing one until it is due for renewal.")
            .sets("keep_until_expiring"));
    row(F("keep", kAutomation, "Alias of --keep-until-expiring.")
            .same_as("keep-until-expiring")
            .sets("keep_until_expiring"));
    row(F("reinstall", kAutomation, "Alias of --keep-until-expiring.")
            .same_as("keep-until-expiring")
            .sets("keep_until_expiring"));
    row(F("force-renewal", kAutomation,
          "If a certificate already exists for the requested domains, renew it now, regardless "
          "of whether it is near expiry.")
            .sets("force_renewal"));
    row(F("renew-by-default", kAutomation, "Alias of --force-renewal.")
            .same_as("force-renewal")
            .sets("force_renewal"));
    row(F("agree-tos", kAutomation, "Agree to the ACME Subscriber Agreement")
            .def("Ask")
            .sets("agree_tos"));
    row(F("quiet", kAutomation, "Silence all output except errors.")
            .brief('q')
            .sets("quiet non_interactive"));
    row(F("duplicate", kAutomation,
          "Allow making a certificate lineage that duplicates an existing one (both can be "
          "renewed in parallel)")
            .sets("duplicate"));
    row(F("reuse-key", kAutomation,
          "When renewing, use the same private key as the existing certificate.")
            .stored("reuse_key")
            .sets("reuse_key"));
    row(F("no-reuse-key", kAutomation,
          "When renewing, do not use the same private key as the existing certificate.")
            .same_as("reuse-key")
            .stored("reuse_key")
            .sets("!reuse_key"));
    row(F("new-key", kAutomation,
          "When renewing or replacing a certificate, generate a new private key.")
            .sets("!reuse_key new_key"));
    row(F("no-random-sleep-on-renew", kAutomation,
          "Skip the random delay before renewals that runs when not on a terminal.")
            .sets("no_random_sleep_on_renew"));
    row(F("renewal-workers", kAutomation,
          "How many lineages `renew` renews at once (default: 4; 1 renews one after another "
          "like certbot).")
            .number()
            .def("4")
            .range(1, 64, "--renewal-workers must be from 1 to 64")
            .sets("renewal_workers"));
    row(F("hook-timeout", kAutomation,
          "Seconds a hook (pre, post, deploy, manual auth/cleanup) may run before it and what it "
          "started are killed and it counts as failed; 0 for no limit (default: 600).")
            .number()
            .def("600")
            .range(0, kNoLimit, "--hook-timeout must be 0 (no limit) or more seconds")
            .sets("hook_timeout"));
    row(F("plugin-timeout", kAutomation,
          "Time limit in seconds of each call into a plugin, DNS propagation waits included "
          "(default: 600). A plugin that does not answer in time is stopped and only its "
          "certificate fails.")
            .number()
            .def("600")
            .range(1, 86400, "--plugin-timeout must be from 1 to 86400 seconds")
            .sets("plugin_timeout"));
    row(F("pre-hook", kAutomation,
          "Command to be run in a shell before obtaining any certificates.")
            .texts()
            .stored("pre_hook")
            .sets("pre_hooks"));
    row(F("post-hook", kAutomation,
          "Command to be run in a shell after attempting to obtain/renew certificates.")
            .texts()
            .stored("post_hook")
            .sets("post_hooks"));
    row(F("deploy-hook", kAutomation,
          "Command to be run in a shell once for each successfully issued certificate. "
          "RENEWED_LINEAGE and RENEWED_DOMAINS are set.")
            .texts()
            .stored("renew_hook")
            .sets("deploy_hooks"));
    row(F("renew-hook", kAutomation, "Alias of --deploy-hook.")
            .texts()
            .same_as("deploy-hook")
            .stored("renew_hook")
            .sets("deploy_hooks"));
    row(F("disable-hook-validation", kAutomation,
          "Ordinarily the commands specified for --pre-hook/--post-hook/--deploy-hook will be "
          "checked for validity; this disables that.")
            .sets("disable_hook_validation"));
    row(F("no-directory-hooks", kAutomation,
          "Disable running executables found in Certbot's hook directories.")
            .sets("no_directory_hooks"));
    row(F("no-autorenew", kAutomation, "Disable auto renewal of certificates.")
            .stored("autorenew")
            .sets("no_autorenew"));
    row(F("autorenew", kAutomation, "Enable auto renewal of certificates (the default).")
            .same_as("no-autorenew")
            .stored("autorenew")
            .by_nature(
                "renewal is on unless --no-autorenew is given (it overrides one in cli.ini)"));
    row(F("expand", kAutomation,
          "If an existing certificate is a strict subset of the requested names, always expand "
          "and replace it with the additional names.")
            .sets("expand"));
    row(F("renew-with-new-domains", kAutomation,
          "If a certificate already exists for the requested certificate name but does not "
          "match the requested domains, renew it now, regardless of whether it is near expiry.")
            .sets("renew_with_new_domains"));
    row(F("allow-subset-of-names", kAutomation,
          "When performing domain validation, do not consider it a failure if authorizations "
          "can not be obtained for a strict subset of the requested domains.")
            .stored("allow_subset_of_names")
            .sets("allow_subset_of_names"));
    row(F("disable-renew-updates", kAutomation,
          "Disable automatic updates to your server configuration that would otherwise be done "
          "by the selected installer plugin during renewal.")
            .by_nature("renew never changes a server's configuration (it reloads it)"));

    // security
    row(F("rsa-key-size", kSecurity, "Size of the RSA key.")
            .number()
            .def("2048")
            .stored("rsa_key_size")
            .one_of({"2048", "3072", "4096"}, "--rsa-key-size must be 2048, 3072 or 4096")
            .sets("rsa_key_size"));
    row(F("key-type", kSecurity, "Type of generated private key: rsa or ecdsa.")
            .text()
            .def("ecdsa")
            .stored("key_type")
            .one_of({"rsa", "ecdsa"}, "--key-type must be rsa or ecdsa, not \"{}\"")
            .sets("key_type"));
    row(F("elliptic-curve", kSecurity, "The SECG elliptic curve name to use.")
            .text()
            .def("secp256r1")
            .stored("elliptic_curve")
            .one_of({"secp256r1", "secp384r1", "secp521r1"},
                    "--elliptic-curve must be secp256r1, secp384r1 or secp521r1")
            .sets("elliptic_curve"));
    row(F("must-staple", kSecurity, "Adds the OCSP Must-Staple extension to the certificate.")
            .stored("must_staple")
            .sets("must_staple"));
    row(F("redirect", kSecurity,
          "Automatically redirect all HTTP traffic to HTTPS for the newly authenticated vhost.")
            .conflicts("no-redirect",
                       "--redirect and --no-redirect contradict each other; give one")
            .sets("redirect"));
    row(F("no-redirect", kSecurity,
          "Do not automatically redirect all HTTP traffic to HTTPS for the newly authenticated "
          "vhost.")
            .same_as("redirect")
            .sets("!redirect"));
    row(F("hsts", kSecurity, "Add the Strict-Transport-Security header to every HTTP response.")
            .conflicts("auto-hsts",
                       "Parameters --hsts and --auto-hsts cannot be used simultaneously.")
            .sets("hsts"));
    row(F("uir", kSecurity,
          "Add the \"Content-Security-Policy: upgrade-insecure-requests\" header to every HTTP "
          "response.")
            .sets("uir"));
    row(F("staple-ocsp", kSecurity, "Enables OCSP Stapling.").sets("staple_ocsp"));
    row(F("strict-permissions", kSecurity,
          "Require that all configuration files are owned by the current user.")
            .action(kCustom)  // the cli.ini files read are checked at once; Session the dirs
            .sets("strict_permissions"));
    row(F("auto-hsts", kSecurity,
          "Gradually increasing max-age value for HTTP Strict Transport Security.")
            .sets("auto_hsts"));

    // testing
    row(F("test-cert", kTesting, "Obtain a test certificate from a staging server.")
            .sets("staging"));
    row(F("staging", kTesting, "Alias of --test-cert.").same_as("test-cert").sets("staging"));
    row(F("no-verify-ssl", kTesting, "Disable verification of the ACME server's certificate.")
            .sets("no_verify_ssl"));
    row(F("http-01-port", kTesting,
          "Port used in the http-01 challenge. This only affects the port Certbot listens on.")
            .number()
            .def("80")
            .stored("http01_port")
            .range(1, 65535, "--http-01-port must be a port number from 1 to 65535")
            .sets("http01_port"));
    row(F("http-01-address", kTesting,
          "The address the server listens to during http-01 challenge.")
            .text()
            .stored("http01_address")
            .sets("http01_address"));
    row(F("https-port", kTesting, "Port used to serve HTTPS (tls-alpn-01 with standalone).")
            .number()
            .def("443")
            .stored("https_port")
            .range(1, 65535, "--https-port must be a port number from 1 to 65535")
            .sets("https_port"));
    row(F("debug", kTesting, "Show tracebacks in case of errors").sets("debug"));
    row(F("break-my-certs", kTesting,
          "Be willing to replace or renew valid certificates with invalid (testing/staging) "
          "certificates.")
            .sets("break_my_certs"));

    // paths
    row(F("config-dir", kPaths, "Configuration directory.")
            .text()
            .def("/etc/letsencrypt")
            .sets("config_dir"));
    row(F("work-dir", kPaths, "Working directory.")
            .text()
            .def("/var/lib/letsencrypt")
            .sets("work_dir"));
    row(F("logs-dir", kPaths, "Logs directory.")
            .text()
            .def("/var/log/letsencrypt")
            .sets("logs_dir"));
    row(F("server", kPaths, "ACME Directory Resource URI.")
            .text()
            .def(kDefaultServer)
            .stored("server")
            // certbot's set_test_server: a test certificate comes from Let's Encrypt's staging
            // CA (Config::effective_server), so another CA contradicts --staging.
            .conflicts("test-cert", "--server value conflicts with --staging")
            .unless({kDefaultServer, kStagingServer})
            .sets("server server_set"));
    row(F("cert-path", kPaths,
          "Path to where certificate is saved (with certonly --csr), installed from, or "
          "revoked.")
            .text()
            .sets("cert_path"));
    row(F("key-path", kPaths,
          "Path to private key for certificate installation or revocation (if account key is "
          "missing)")
            .text()
            .sets("key_path"));
    row(F("fullchain-path", kPaths,
          "Accompanying path to a full certificate chain (certificate plus chain).")
            .text()
            .sets("fullchain_path"));
    row(F("chain-path", kPaths, "Accompanying path to a certificate chain.")
            .text()
            .sets("chain_path"));

    // fleet mode (docs/fleet.md): our flags, certbot has none. Checked as a whole
    // (check_fleet_options) by the commands that use them.
    row(F("fleet-etcd", kPaths,
          "Fleet mode: the client URLs of every etcd member (comma-separated); lineages and "
          "accounts are shared through them.")
            .text()
            .value_name("URL[,URL...]")
            .only_with(kFleetVerbs, kFleetNote)
            .sets("fleet.etcd"));
    row(F("fleet-prefix", kPaths, "Fleet mode: the etcd key prefix of this fleet.")
            .text()
            .def("/certbot/")
            .only_with(kFleetVerbs, kFleetNote)
            .sets("fleet.prefix"));
    row(F("fleet-etcd-cacert", kPaths,
          "Fleet mode: the CA certificate that signed the etcd members' TLS certificates.")
            .text()
            .value_name("FILE")
            .only_with(kFleetVerbs, kFleetNote)
            .sets("fleet.etcd_cacert"));
    row(F("fleet-etcd-cert", kPaths, "Fleet mode: this node's TLS client certificate for etcd.")
            .text()
            .value_name("FILE")
            .only_with(kFleetVerbs, kFleetNote)
            .sets("fleet.etcd_cert"));
    row(F("fleet-etcd-key", kPaths, "Fleet mode: the private key of --fleet-etcd-cert.")
            .text()
            .value_name("FILE")
            .only_with(kFleetVerbs, kFleetNote)
            .sets("fleet.etcd_key"));
    row(F("fleet-key", kPaths,
          "Fleet mode: the 0600 file of 32 random bytes (raw or base64) that encrypts private "
          "keys in etcd; the same on every node.")
            .text()
            .value_name("FILE")
            .only_with(kFleetVerbs, kFleetNote)
            .sets("fleet.key_file"));

    // register
    row(F("register-unsafely-without-email", kRegistration,
          "Specifying this flag enables registering an account with no email address.")
            .sets("register_unsafely_without_email"));
    row(F("email", kRegistration,
          "Email used for registration and recovery contact. Use comma to register multiple "
          "emails.")
            .brief('m')
            .text()
            .sets("email"));
    row(F("eff-email", kRegistration,
          "Share your e-mail address with EFF (accepted; this client never shares it)")
            .refused(
                "--eff-email is not supported: this client never sends your address to the EFF "
                "(its newsletter is at https://supporters.eff.org/); continuing without it"));
    row(F("no-eff-email", kRegistration, "Don't share your e-mail address with EFF")
            .same_as("eff-email")
            .by_nature("this client never shares the address with the EFF"));

    // certonly
    row(F("csr", kCertonly, "Path to a Certificate Signing Request (CSR) in DER or PEM format.")
            .text()
            .action(kCustom)
            .sets("csr_path csr_der"));

    // revoke
    row(F("reason", kRevoke,
          "Specify reason for revoking certificate: unspecified, keycompromise, "
          "affiliationchanged, superseded or cessationofoperation.")
            .text()
            .def("unspecified")
            .one_of({"unspecified", "keycompromise", "affiliationchanged", "superseded",
                     "cessationofoperation"},
                    "--reason must be one of unspecified, keycompromise, affiliationchanged, "
                    "superseded, cessationofoperation; not \"{}\"")
            .sets("reason"));
    row(F("delete-after-revoke", kRevoke,
          "Delete certificates after revoking them, along with all previous and later versions "
          "of those certificates.")
            .sets("delete_after_revoke"));
    row(F("no-delete-after-revoke", kRevoke, "Do not delete certificates after revoking them.")
            .same_as("delete-after-revoke")
            .sets("!delete_after_revoke"));

    // rollback
    row(F("checkpoints", kRollback, "Revert configuration N number of checkpoints.")
            .number()
            .def("1")
            .range(1, kNoLimit, "--checkpoints must be 1 or more")
            .sets("checkpoints"));

    // unregister
    row(F("account", kUnregister, "Account ID to use (default: the only account there is)")
            .text()
            .stored("account")
            .sets("account"));

    // certificates
    row(F("json", kCertificates,
          "Print the certificates as JSON (our flag; the schema is in docs/user-guide.md, "
          "\"Machine-readable output\").")
            .sets("json_output"));

    // plugins (the selectors --nginx, --webroot... come from kKnownPlugins and the plugins)
    row(F("authenticator", kPlugins, "Authenticator plugin name.")
            .brief('a')
            .text()
            .stored("authenticator")
            .action(kSelector)
            .sets("authenticator"));
    row(F("installer", kPlugins, "Installer plugin name (also used to find domains).")
            .brief('i')
            .text()
            .stored("installer")
            .action(kSelector)
            .sets("installer"));
    row(F("configurator", kPlugins,
          "Name of the plugin that is both an authenticator and an installer.")
            .text()
            .same_as("authenticator")
            .action(kSelector)
            .sets("authenticator installer"));
    row(F("init", kPlugins, "Initialize plugins (with `plugins`).").sets("plugins_init"));
    row(F("prepare", kPlugins, "Initialize and prepare plugins.").sets("plugins_prepare"));
    row(F("authenticators", kPlugins, "Limit to authenticator plugins only.")
            .sets("plugins_authenticators"));
    row(F("installers", kPlugins, "Limit to installer plugins only.").sets("plugins_installers"));
    row(F("check", kPlugins,
          "With `plugins`: check that the file CHECK is a plugin this certbot would load (ABI, "
          "entry, options), without installing it. Exit status 0 when it is.")
            .text()
            .value_name("FILE")
            .sets("plugins_check"));

    // Accepted without being listed, as certbot does; Debian's /etc/letsencrypt/cli.ini sets
    // preconfigured-renewal and max-log-backups.
    row(F("preconfigured-renewal", kHidden, "renewal is set up by the package")
            .no_effect(
                "it only changes certbot's advice about setting up renewal, which this client "
                "does not print"));
    row(F("text", kHidden, "deprecated, no effect").no_effect("deprecated in certbot"));
    row(F("verbose-level", kHidden, "log level number")
            .number()
            .action(kAtLeast)
            .sets("verbosity"));
    row(F("no-hsts", kHidden, "do not add the HSTS header")
            .same_as("hsts")
            .by_nature("no header is added unless --hsts is given"));
    row(F("no-uir", kHidden, "do not add the UIR header")
            .same_as("uir")
            .by_nature("no header is added unless --uir is given"));
    row(F("no-staple-ocsp", kHidden, "do not enable OCSP stapling")
            .same_as("staple-ocsp")
            .by_nature("stapling is off unless --staple-ocsp is given"));
    row(F("os-packages-only", kHidden, "deprecated").no_effect("deprecated in certbot"));
    row(F("no-self-upgrade", kHidden, "deprecated").no_effect("deprecated in certbot"));
    row(F("no-bootstrap", kHidden, "deprecated").no_effect("deprecated in certbot"));
    row(F("no-permissions-check", kHidden, "deprecated").no_effect("deprecated in certbot"));
    return t;
}

}  // namespace

const std::vector<FlagSpec>& flag_table() {
    static const std::vector<FlagSpec> table = build_table();
    return table;
}

const FlagSpec* find_flag(const std::string& name) {
    for (const auto& f : flag_table())
        if (f.name == name) return &f;
    return nullptr;
}

}  // namespace certbot
