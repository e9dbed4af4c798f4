#include "options.h"

#include <string>
#include <vector>

namespace certbot::cli {

const char* const kKnownPlugins[18] = {"apache",           "nginx",        "webroot",
                                       "standalone",       "manual",       "dns-cloudflare",
                                       "dns-digitalocean", "dns-dnsimple", "dns-dnsmadeeasy",
                                       "dns-gehirn",       "dns-google",   "dns-linode",
                                       "dns-luadns",       "dns-nsone",    "dns-ovh",
                                       "dns-rfc2136",      "dns-route53",  "dns-sakuracloud"};

void build_options(Options& o, const PluginRegistry& reg) {
    o.general.add_options()("help,h", po::value<std::string>()->implicit_value(""),
                            "show this help message and exit")(
        "verbose,v",
        "This flag can be used multiple times to incrementally increase the verbosity of output, "
        "e.g. -vvv.")("non-interactive,n", "Run without ever asking for user input.")(
        "noninteractive", "Alias of --non-interactive.")(
        "force-interactive",
        "Force Certbot to be interactive even if it detects it's not being run in a terminal.")(
        "domains,d", po::value<std::vector<std::string>>(),
        "Domain names to apply. For multiple domains you can use multiple -d flags or enter a "
        "comma separated list of domains as a parameter.")(
        "domain", po::value<std::vector<std::string>>(), "Alias of --domains.")(
        "cert-name", po::value<std::string>(),
        "Certificate name to apply. This name is used by Certbot for housekeeping and in file "
        "paths.")("dry-run",
                  "Perform a test run against the Let's Encrypt staging server, obtaining test "
                  "(invalid) certificates but not saving them to disk.")(
        "preferred-challenges", po::value<std::vector<std::string>>(),
        "A sorted, comma delimited list of the preferred challenge to use during authorization "
        "with the most preferred challenge listed first (e.g. \"dns\" or \"http,dns\").")(
        "issuance-timeout", po::value<int>(),
        "This option specifies how long (in seconds) Certbot will wait for the server to issue a "
        "certificate. (default: 90)")("user-agent", po::value<std::string>(),
                                      "Set a custom user agent string for the client.")(
        "eab-kid", po::value<std::string>(), "Key Identifier for External Account Binding")(
        "eab-hmac-key", po::value<std::string>(), "HMAC key for External Account Binding")(
        "version", "show program's version number and exit")(
        "config,c", po::value<std::string>(),
        "path to config file (default: /etc/letsencrypt/cli.ini and "
        "~/.config/letsencrypt/cli.ini)")(
        "max-log-backups", po::value<int>(),
        "Specifies the maximum number of backup logs that should be kept by Certbot's built in "
        "log rotation. Setting this flag to 0 disables log rotation entirely. (default: 1000)")(
        "debug-challenges",
        "After setting up challenges, wait for user input before submitting to CA.")(
        "preferred-chain", po::value<std::string>(),
        "If the CA offers multiple certificate chains, prefer the chain whose topmost "
        "certificate was issued from this Subject Common Name.")(
        "preferred-profile", po::value<std::string>(),
        "Request the given certificate profile if the CA offers it; otherwise order without "
        "one.")("required-profile", po::value<std::string>(),
                "Request the given certificate profile and fail if the CA does not offer it.")(
        "user-agent-comment", po::value<std::string>(),
        "Add a comment to the default user agent string.")(
        "eab-hmac-alg", po::value<std::string>(),
        "HMAC algorithm for External Account Binding: HS256, HS384 or HS512 (default: HS256)")(
        "standalone-supported-challenges", po::value<std::string>(),
        "Deprecated: use --preferred-challenges (tls-sni-01 is now tls-alpn-01).");
    o.automation.add_options()("keep-until-expiring",
                               "If the requested certificate matches an existing certificate, "
                               "always keep the existing one until it is due for renewal.")(
        "keep", "Alias of --keep-until-expiring.")("reinstall", "Alias of --keep-until-expiring.")(
        "force-renewal",
        "If a certificate already exists for the requested domains, renew it now, regardless of "
        "whether it is near expiry.")("renew-by-default", "Alias of --force-renewal.")(
        "agree-tos", "Agree to the ACME Subscriber Agreement (default: Ask)")(
        "quiet,q", "Silence all output except errors.")(
        "duplicate",
        "Allow making a certificate lineage that duplicates an existing one (both can be renewed "
        "in parallel)")("reuse-key",
                        "When renewing, use the same private key as the existing certificate.")(
        "no-reuse-key",
        "When renewing, do not use the same private key as the existing certificate.")(
        "new-key", "When renewing or replacing a certificate, generate a new private key.")(
        "no-random-sleep-on-renew",
        "Skip the random delay before renewals that runs when not on a terminal.")(
        "renewal-workers", po::value<int>(),
        "How many lineages `renew` renews at once (default: 4; 1 renews one after another like "
        "certbot).")("plugin-timeout", po::value<int>(),
                     "Time limit in seconds of each call into a plugin, DNS propagation waits "
                     "included (default: 600). A plugin that does not answer in time is "
                     "stopped and only its certificate fails.")(
        "pre-hook", po::value<std::vector<std::string>>(),
        "Command to be run in a shell before obtaining any certificates.")(
        "post-hook", po::value<std::vector<std::string>>(),
        "Command to be run in a shell after attempting to obtain/renew certificates.")(
        "deploy-hook", po::value<std::vector<std::string>>(),
        "Command to be run in a shell once for each successfully issued certificate. "
        "RENEWED_LINEAGE and RENEWED_DOMAINS are set.")(
        "renew-hook", po::value<std::vector<std::string>>(), "Alias of --deploy-hook.")(
        "disable-hook-validation",
        "Ordinarily the commands specified for --pre-hook/--post-hook/--deploy-hook will be "
        "checked for validity; this disables that.")(
        "no-directory-hooks", "Disable running executables found in Certbot's hook directories.")(
        "no-autorenew", "Disable auto renewal of certificates.")(
        "autorenew", "Enable auto renewal of certificates (the default).")(
        "expand",
        "If an existing certificate is a strict subset of the requested names, always expand "
        "and replace it with the additional names.")(
        "renew-with-new-domains",
        "If a certificate already exists for the requested certificate name but does not match "
        "the requested domains, renew it now, regardless of whether it is near expiry.")(
        "allow-subset-of-names",
        "When performing domain validation, do not consider it a failure if authorizations can "
        "not be obtained for a strict subset of the requested domains.")(
        "disable-renew-updates",
        "Disable automatic updates to your server configuration that would otherwise be done by "
        "the selected installer plugin during renewal.");
    o.security.add_options()("rsa-key-size", po::value<int>(),
                             "Size of the RSA key. (default: 2048)")(
        "key-type", po::value<std::string>(),
        "Type of generated private key: rsa or ecdsa. (default: ecdsa)")(
        "elliptic-curve", po::value<std::string>(),
        "The SECG elliptic curve name to use. (default: secp256r1)")(
        "must-staple", "Adds the OCSP Must-Staple extension to the certificate.")(
        "redirect",
        "Automatically redirect all HTTP traffic to HTTPS for the newly authenticated "
        "vhost.")("no-redirect",
                  "Do not automatically redirect all HTTP traffic to "
                  "HTTPS for the newly authenticated vhost.")(
        "hsts", "Add the Strict-Transport-Security header to every HTTP response.")(
        "uir",
        "Add the \"Content-Security-Policy: upgrade-insecure-requests\" header to every "
        "HTTP response.")("staple-ocsp", "Enables OCSP Stapling.")(
        "strict-permissions",
        "Require that all configuration files are owned by the current user.")(
        "auto-hsts", "Gradually increasing max-age value for HTTP Strict Transport Security.");
    o.testing.add_options()("test-cert", "Obtain a test certificate from a staging server.")(
        "staging", "Alias of --test-cert.")(
        "no-verify-ssl", "Disable verification of the ACME server's certificate.")(
        "http-01-port", po::value<int>(),
        "Port used in the http-01 challenge. This only affects the port Certbot listens on. "
        "(default: 80)")("http-01-address", po::value<std::string>(),
                         "The address the server listens to during http-01 challenge.")(
        "https-port", po::value<int>(),
        "Port used to serve HTTPS (tls-alpn-01 with standalone). (default: 443)")(
        "debug", "Show tracebacks in case of errors")(
        "break-my-certs",
        "Be willing to replace or renew valid certificates with invalid (testing/staging) "
        "certificates.");
    o.paths.add_options()("config-dir", po::value<std::string>(),
                          "Configuration directory. (default: /etc/letsencrypt)")(
        "work-dir", po::value<std::string>(), "Working directory. (default: /var/lib/letsencrypt)")(
        "logs-dir", po::value<std::string>(), "Logs directory. (default: /var/log/letsencrypt)")(
        "server", po::value<std::string>(),
        "ACME Directory Resource URI. (default: https://acme-v02.api.letsencrypt.org/directory)")(
        "cert-path", po::value<std::string>(),
        "Path to where certificate is saved (with "
        "certonly --csr), installed from, or revoked.")(
        "key-path", po::value<std::string>(),
        "Path to private key for certificate installation or revocation (if account key is "
        "missing)")("fullchain-path", po::value<std::string>(),
                    "Accompanying path to a full certificate chain (certificate plus chain).")(
        "chain-path", po::value<std::string>(), "Accompanying path to a certificate chain.");
    o.certonly.add_options()("csr", po::value<std::string>(),
                             "Path to a Certificate Signing Request (CSR) in DER or PEM format.");
    o.revoke.add_options()("reason", po::value<std::string>(),
                           "Specify reason for revoking certificate: unspecified, keycompromise, "
                           "affiliationchanged, superseded or cessationofoperation. "
                           "(default: unspecified)")(
        "delete-after-revoke",
        "Delete certificates after revoking them, along with all previous "
        "and later versions of those certificates.")(
        "no-delete-after-revoke", "Do not delete certificates after revoking them.");
    o.certificates.add_options()(
        "json",
        "Print the certificates as JSON (our flag; the schema is in docs/user-guide.md, "
        "\"Machine-readable output\").");
    // certbot accepts these without listing them; Debian's /etc/letsencrypt/cli.ini sets
    // preconfigured-renewal and max-log-backups.
    o.hidden.add_options()("preconfigured-renewal", "renewal is set up by the package")(
        "text", "deprecated, no effect")("verbose-level", po::value<int>(), "log level number")(
        "no-hsts", "do not add the HSTS header")("no-uir", "do not add the UIR header")(
        "no-staple-ocsp", "do not enable OCSP stapling")("os-packages-only", "deprecated")(
        "no-self-upgrade", "deprecated")("no-bootstrap", "deprecated")("no-permissions-check",
                                                                       "deprecated");
    o.rollback.add_options()("checkpoints", po::value<int>(),
                             "Revert configuration N number of checkpoints. (default: 1)");
    o.unregister.add_options()("account", po::value<std::string>(),
                               "Account ID to use (default: the only account there is)");
    o.registration.add_options()(
        "register-unsafely-without-email",
        "Specifying this flag enables registering an account with no email address.")(
        "email,m", po::value<std::string>(),
        "Email used for registration and recovery contact. Use comma to register multiple emails.")(
        "eff-email", "Share your e-mail address with EFF (accepted; this client never shares it)")(
        "no-eff-email", "Don't share your e-mail address with EFF");
    o.plugins.add_options()("authenticator,a", po::value<std::string>(),
                            "Authenticator plugin name.")(
        "installer,i", po::value<std::string>(),
        "Installer plugin name (also used to find domains).")(
        "configurator", po::value<std::string>(),
        "Name of the plugin that is both an authenticator and an installer.")(
        "init", "Initialize plugins (with `plugins`).")(
        "prepare", "Initialize and prepare plugins.")("authenticators",
                                                      "Limit to authenticator plugins only.")(
        "installers", "Limit to installer plugins only.")(
        "check", po::value<std::string>()->value_name("FILE"),
        "With `plugins`: check that the file CHECK is a plugin this certbot would load (ABI, "
        "entry, "
        "options), without installing it. Exit status 0 when it is.");
    // certbot's plugin selectors are always flags; one whose plugin is not installed gives a
    // clear "plugin not found" later instead of "unrecognised option".
    for (const char* name : kKnownPlugins)
        if (!reg.find(name))
            o.plugins.add_options()(
                name, (std::string("Use the ") + name + " plugin (not installed)").c_str());
    for (const auto& p : reg.plugins()) {
        const std::string name = p.name();
        o.plugins.add_options()(
            name.c_str(),
            (std::string("Obtain certificates using the ") + name + " plugin").c_str());
        po::options_description desc(name);
        for (size_t i = 0; i < p.entry->option_count; ++i) {
            const cb_option_desc& od = p.entry->options[i];
            std::string spec = name + "-" + od.name;
            if (od.short_alias && od.short_alias[0] == '-' && od.short_alias[1] &&
                !od.short_alias[2])
                spec += std::string(",") + od.short_alias[1];
            const char* help = od.help ? od.help : "";
            if (od.flags & CB_OPT_FLAG)
                desc.add_options()(spec.c_str(), help);
            else
                desc.add_options()(spec.c_str(), po::value<std::vector<std::string>>(), help);
        }
        o.per_plugin.emplace(name, desc);
    }
    o.all.add(o.general)
        .add(o.automation)
        .add(o.security)
        .add(o.testing)
        .add(o.paths)
        .add(o.registration)
        .add(o.certonly)
        .add(o.revoke)
        .add(o.rollback)
        .add(o.unregister)
        .add(o.certificates)
        .add(o.plugins);
    for (auto& kv : o.per_plugin) o.all.add(kv.second);
    o.parse.add(o.all).add(o.hidden);
}

}  // namespace certbot::cli
