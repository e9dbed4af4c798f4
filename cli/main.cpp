// certbot: the command-line front end. Thin by design: it parses certbot's flags into a Config
// (Boost.Program_options), finds the plugins, and dispatches to the command table; the work is
// done in the core library.
#include <boost/program_options.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "acme.h"
#include "commands.h"
#include "config.h"
#include "identifiers.h"
#include "issuance.h"
#include "log.h"
#include "plugin_host.h"

namespace po = boost::program_options;
using namespace certbot;

namespace {

struct Verb {
    const char* name;
    int (*run)(const Config&, const PluginRegistry&);
    const char* help;
};

// certbot's subcommands, in the order `certbot --help` lists them.
const Verb kVerbs[] = {
    {"run", &cmd_run, "Obtain & install a certificate in your current webserver"},
    {"certonly", &cmd_certonly, "Obtain or renew a certificate, but do not install it"},
    {"renew", &cmd_renew, "Renew all previously obtained certificates that are near expiry"},
    {"enhance", &cmd_enhance, "Add security enhancements to your existing configuration"},
    {"certificates", &cmd_certificates,
     "Display information about certificates you have from Certbot"},
    {"delete", &cmd_delete, "Delete a certificate (including its renewal configuration)"},
    {"reconfigure", &cmd_reconfigure,
     "Update a certificate's configuration (e.g. the options to use when renewing it)"},
    {"install", &cmd_install, "Install an arbitrary certificate in a server"},
    {"rollback", &cmd_rollback, "Rollback server configuration changes made during install"},
    {"revoke", &cmd_revoke, "Revoke a certificate specified with --cert-path or --cert-name"},
    {"register", &cmd_register, "Register for account with Let's Encrypt / other ACME server"},
    {"update_account", &cmd_update_account,
     "Update account with Let's Encrypt / other ACME server"},
    {"unregister", &cmd_unregister, "Irrevocably deactivate your account"},
    {"show_account", &cmd_show_account, "Display account details"},
    {"plugins", &cmd_plugins, "Display information about installed plugins"},
    {"update_symlinks", &cmd_update_symlinks,
     "Recreate symlinks in your /etc/letsencrypt/live/ directory"},
};

// Old names certbot still accepts.
const std::pair<const char*, const char*> kVerbAliases[] = {{"auth", "certonly"},
                                                            {"everything", "run"}};

const Verb* find_verb(std::string name) {
    for (const auto& a : kVerbAliases)
        if (name == a.first) name = a.second;
    for (const auto& v : kVerbs)
        if (name == v.name) return &v;
    return nullptr;
}

const char* kUsage =
    "usage: \n"
    "  certbot [SUBCOMMAND] [options] [-d DOMAIN] [-d DOMAIN] ...\n"
    "\n"
    "Certbot can obtain and install HTTPS/TLS/SSL certificates.  By default,\n"
    "it will attempt to use a webserver both for obtaining and installing the\n"
    "certificate. The most common SUBCOMMANDS and flags are:\n"
    "\n"
    "obtain, install, and renew certificates:\n"
    "    (default) run   Obtain & install a certificate in your current webserver\n"
    "    certonly        Obtain or renew a certificate, but do not install it\n"
    "\n"
    "  -d DOMAINS        Comma-separated list of domains to obtain a certificate for\n"
    "\n"
    "  --standalone      Run a standalone webserver for authentication\n"
    "  --webroot         Place files in a server's webroot folder for authentication\n"
    "\n"
    "  -n                Run non-interactively\n"
    "  --test-cert       Obtain a test certificate from a staging server\n"
    "  --dry-run         Test \"renew\" or \"certonly\" without saving any certificates to disk\n"
    "\n"
    "manage certificates:\n"
    "    certificates    Display information about certificates you have from Certbot\n"
    "\n"
    "More detailed help:\n"
    "\n"
    "  -h, --help [TOPIC]    print this message, or detailed help on a topic;\n"
    "                        the available TOPICS are:\n"
    "\n"
    "   all, automation, paths, security, testing, or any of the subcommands or\n"
    "   plugins (certonly, plugins, certificates, webroot, standalone, ...)\n";

const char* const kKnownPlugins[] = {"apache",           "nginx",        "webroot",
                                     "standalone",       "manual",       "dns-cloudflare",
                                     "dns-digitalocean", "dns-dnsimple", "dns-dnsmadeeasy",
                                     "dns-gehirn",       "dns-google",   "dns-linode",
                                     "dns-luadns",       "dns-nsone",    "dns-ovh",
                                     "dns-rfc2136",      "dns-route53",  "dns-sakuracloud"};

// When parsing failed: was a plugin asked for that is not installed? Its options are unknown
// then, and "plugin not found" is the useful message.
std::string missing_plugin(const std::vector<std::string>& args, const PluginRegistry& reg) {
    for (size_t i = 0; i < args.size(); ++i) {
        std::string name;
        if (args[i].rfind("--", 0) == 0) {
            std::string flag = args[i].substr(2);
            for (const char* k : kKnownPlugins)
                if (flag == k) name = k;
        }
        if ((args[i] == "-a" || args[i] == "--authenticator" || args[i] == "-i" ||
             args[i] == "--installer") &&
            i + 1 < args.size())
            name = args[i + 1];
        if (!name.empty() && !reg.find(name)) return name;
    }
    return {};
}

struct Parsed {
    Config cfg;
    std::string help_topic;
    bool help = false;
};

// Option groups, by certbot's help topics.
struct Options {
    po::options_description general{"optional arguments"};
    po::options_description automation{"automation"};
    po::options_description security{"security"};
    po::options_description testing{"testing"};
    po::options_description paths{"paths"};
    po::options_description plugins{"plugins"};
    po::options_description registration{"register"};
    po::options_description certonly{"certonly"};
    po::options_description revoke{"revoke"};
    po::options_description rollback{"rollback"};
    po::options_description unregister{"unregister"};
    std::map<std::string, po::options_description> per_plugin;
    po::options_description all{"all"};
};

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
        "certbot).")("pre-hook", po::value<std::vector<std::string>>(),
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
        "installers", "Limit to installer plugins only.");
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
        .add(o.plugins);
    for (auto& kv : o.per_plugin) o.all.add(kv.second);
}

// certbot-style argv clean-up: "-vvv" -> "-v -v -v"; "-h TOPIC" -> "--help=TOPIC".
std::vector<std::string> preprocess(int argc, char** argv, std::string& verb) {
    std::vector<std::string> out;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (verb.empty() && find_verb(a)) {
            verb = a;
            continue;
        }
        if (a.size() > 2 && a[0] == '-' && a[1] == 'v' &&
            a.find_first_not_of('v', 1) == std::string::npos) {
            for (size_t k = 1; k < a.size(); ++k) out.push_back("-v");
            continue;
        }
        if ((a == "-h" || a == "--help") && i + 1 < argc && argv[i + 1][0] != '-') {
            out.push_back(std::string("--help=") + argv[++i]);
            continue;
        }
        out.push_back(a);
    }
    return out;
}

int parse(int argc, char** argv, const PluginRegistry& reg, Options& opts, Parsed& out) {
    std::string verb;
    auto args = preprocess(argc, argv, verb);
    Config& cfg = out.cfg;
    if (!verb.empty()) cfg.verb = find_verb(verb)->name;
    build_options(opts, reg);
    po::parsed_options parsed(nullptr);
    po::options_description with_positional;
    with_positional.add(opts.all).add_options()("unrecognized-arguments",
                                                po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("unrecognized-arguments", -1);
    try {
        parsed =
            po::command_line_parser(args)
                .options(with_positional)
                .positional(positional)
                .style(po::command_line_style::unix_style ^ po::command_line_style::allow_guessing)
                .run();
    } catch (const po::error& e) {
        if (auto name = missing_plugin(args, reg); !name.empty()) {
            std::string dirs;
            for (const auto& d : plugin_search_path()) dirs += (dirs.empty() ? "" : ":") + d;
            log::error("The requested " + name + " plugin was not found in " + dirs +
                       "; install it or set CERTBOT_PLUGIN_PATH (see `certbot plugins`)");
            return kExitUsage;
        }
        log::error(std::string(e.what()) + " (see certbot --help)");
        return kExitUsage;
    }
    for (const auto& o : parsed.options) {
        if (o.string_key != "unrecognized-arguments") continue;
        std::string list;
        for (const auto& v : o.value) list += (list.empty() ? "" : " ") + v;
        log::error("unrecognized arguments: " + list + " (see certbot --help for the subcommands)");
        return kExitUsage;
    }
    po::variables_map vm;
    try {
        po::store(parsed, vm);
        po::notify(vm);
    } catch (const po::error& e) {
        log::error(std::string(e.what()) + " (see certbot --help)");
        return kExitUsage;
    }
    for (const auto& o : parsed.options) cfg.set_by_user.insert(o.string_key);

    // Walk the options in command-line order: -d values, and per-identifier plugin options
    // (webroot's -w applies to each -d that follows it).
    std::map<std::string, std::string> current_per_id;  // option -> latest value
    std::vector<std::string> raw_domains;
    for (const auto& o : parsed.options) {
        const std::string& k = o.string_key;
        if (k == "domains" || k == "domain") {
            for (const auto& v : o.value) {
                auto ds = parse_domains({v});
                if (!ds) {
                    log::error(ds.error().message);
                    return kExitUsage;
                }
                for (const auto& d : *ds) {
                    raw_domains.push_back(d);
                    for (const auto& kv : current_per_id)
                        cfg.plugin_per_identifier[kv.first].emplace(d, kv.second);
                }
            }
            continue;
        }
        for (const auto& p : reg.plugins()) {
            const std::string prefix = p.name() + "-";
            if (k.rfind(prefix, 0) != 0) continue;
            std::string oname = k.substr(prefix.size());
            for (size_t i = 0; i < p.entry->option_count; ++i) {
                const auto& od = p.entry->options[i];
                if (oname != od.name) continue;
                if (od.flags & CB_OPT_FLAG) {
                    cfg.plugin_options[k] = {"True"};
                } else {
                    for (const auto& v : o.value) cfg.plugin_options[k].push_back(v);
                    if ((od.flags & CB_OPT_PER_IDENTIFIER) && !o.value.empty())
                        current_per_id[k] = o.value.back();
                }
            }
        }
    }
    auto domains = parse_domains(raw_domains);
    if (!domains) {
        log::error(domains.error().message);
        return kExitUsage;
    }
    cfg.domains = *domains;

    if (vm.count("help")) {
        out.help = true;
        out.help_topic = vm["help"].as<std::string>();
    }
    cfg.verbosity = 0;  // vm.count() is 0/1; each -v counts
    for (const auto& o : parsed.options) cfg.verbosity += o.string_key == "verbose";
    cfg.quiet = vm.count("quiet");
    cfg.non_interactive = vm.count("non-interactive") || vm.count("noninteractive");
    cfg.force_interactive = vm.count("force-interactive");
    if (vm.count("cert-name")) cfg.cert_name = vm["cert-name"].as<std::string>();
    cfg.dry_run = vm.count("dry-run");
    cfg.staging = vm.count("test-cert") || vm.count("staging");
    if (vm.count("server")) {
        cfg.server = vm["server"].as<std::string>();
        cfg.server_set = true;
    }
    if (vm.count("config-dir")) cfg.config_dir = vm["config-dir"].as<std::string>();
    if (vm.count("work-dir")) cfg.work_dir = vm["work-dir"].as<std::string>();
    if (vm.count("logs-dir")) cfg.logs_dir = vm["logs-dir"].as<std::string>();
    cfg.agree_tos = vm.count("agree-tos");
    if (vm.count("email")) cfg.email = vm["email"].as<std::string>();
    cfg.register_unsafely_without_email = vm.count("register-unsafely-without-email");
    if (vm.count("eab-kid")) cfg.eab_kid = vm["eab-kid"].as<std::string>();
    if (vm.count("eab-hmac-key")) cfg.eab_hmac_key = vm["eab-hmac-key"].as<std::string>();
    if (vm.count("key-type")) cfg.key_type = vm["key-type"].as<std::string>();
    if (cfg.key_type != "rsa" && cfg.key_type != "ecdsa") {
        log::error("--key-type must be rsa or ecdsa, not \"" + cfg.key_type + "\"");
        return kExitUsage;
    }
    if (vm.count("rsa-key-size")) cfg.rsa_key_size = vm["rsa-key-size"].as<int>();
    if (cfg.rsa_key_size != 2048 && cfg.rsa_key_size != 3072 && cfg.rsa_key_size != 4096) {
        log::error("--rsa-key-size must be 2048, 3072 or 4096");
        return kExitUsage;
    }
    if (vm.count("elliptic-curve")) cfg.elliptic_curve = vm["elliptic-curve"].as<std::string>();
    if (cfg.elliptic_curve != "secp256r1" && cfg.elliptic_curve != "secp384r1" &&
        cfg.elliptic_curve != "secp521r1") {
        log::error("--elliptic-curve must be secp256r1, secp384r1 or secp521r1");
        return kExitUsage;
    }
    cfg.must_staple = vm.count("must-staple");
    if (vm.count("standalone-supported-challenges")) {
        log::warning(
            "--standalone-supported-challenges is deprecated; use --preferred-challenges "
            "(tls-sni-01 is served as tls-alpn-01)");
        auto types =
            normalize_challenge_types({vm["standalone-supported-challenges"].as<std::string>()});
        if (!types) {
            log::error(types.error().message);
            return kExitUsage;
        }
        if (!vm.count("preferred-challenges")) cfg.preferred_challenges = *types;
    }
    if (vm.count("preferred-challenges")) {
        auto types =
            normalize_challenge_types(vm["preferred-challenges"].as<std::vector<std::string>>());
        if (!types) {
            log::error(types.error().message);
            return kExitUsage;
        }
        cfg.preferred_challenges = *types;
    }
    auto port = [&](const char* name, int& dst) {
        if (!vm.count(name)) return true;
        dst = vm[name].as<int>();
        if (dst < 1 || dst > 65535) {
            log::error(std::string("--") + name + " must be a port number from 1 to 65535");
            return false;
        }
        return true;
    };
    if (!port("http-01-port", cfg.http01_port) || !port("https-port", cfg.https_port))
        return kExitUsage;
    if (vm.count("http-01-address")) cfg.http01_address = vm["http-01-address"].as<std::string>();
    if (vm.count("issuance-timeout")) cfg.issuance_timeout = vm["issuance-timeout"].as<int>();
    if (vm.count("user-agent")) cfg.user_agent = vm["user-agent"].as<std::string>();
    cfg.no_verify_ssl = vm.count("no-verify-ssl");
    cfg.force_renewal = vm.count("force-renewal") || vm.count("renew-by-default");
    cfg.keep_until_expiring =
        vm.count("keep-until-expiring") || vm.count("keep") || vm.count("reinstall");
    cfg.duplicate = vm.count("duplicate");
    if (vm.count("reuse-key")) cfg.reuse_key = true;
    if (vm.count("no-reuse-key") || vm.count("new-key")) cfg.reuse_key = false;
    cfg.no_random_sleep_on_renew = vm.count("no-random-sleep-on-renew");
    if (vm.count("renewal-workers")) {
        cfg.renewal_workers = vm["renewal-workers"].as<int>();
        if (cfg.renewal_workers < 1 || cfg.renewal_workers > 64) {
            log::error("--renewal-workers must be from 1 to 64");
            return kExitUsage;
        }
    }
    auto strings = [&](const char* name, std::vector<std::string>& dst) {
        if (vm.count(name))
            for (const auto& v : vm[name].as<std::vector<std::string>>()) dst.push_back(v);
    };
    strings("pre-hook", cfg.pre_hooks);
    strings("post-hook", cfg.post_hooks);
    strings("deploy-hook", cfg.deploy_hooks);
    strings("renew-hook", cfg.deploy_hooks);
    if (vm.count("renew-hook")) cfg.set_by_user.insert("deploy-hook");
    cfg.disable_hook_validation = vm.count("disable-hook-validation");
    cfg.no_directory_hooks = vm.count("no-directory-hooks");
    cfg.no_autorenew = vm.count("no-autorenew");
    cfg.expand = vm.count("expand");
    cfg.renew_with_new_domains = vm.count("renew-with-new-domains");
    cfg.allow_subset_of_names = vm.count("allow-subset-of-names");
    cfg.disable_renew_updates = vm.count("disable-renew-updates");
    cfg.new_key = vm.count("new-key");
    auto str = [&](const char* name, std::string& dst) {
        if (vm.count(name)) dst = vm[name].as<std::string>();
    };
    str("config", cfg.config_file);
    str("preferred-chain", cfg.preferred_chain);
    str("user-agent-comment", cfg.user_agent_comment);
    str("cert-path", cfg.cert_path);
    str("key-path", cfg.key_path);
    str("fullchain-path", cfg.fullchain_path);
    str("chain-path", cfg.chain_path);
    str("csr", cfg.csr_path);
    str("account", cfg.account);
    if (vm.count("eab-hmac-alg")) {
        cfg.eab_hmac_alg = vm["eab-hmac-alg"].as<std::string>();
        if (cfg.eab_hmac_alg != "HS256" && cfg.eab_hmac_alg != "HS384" &&
            cfg.eab_hmac_alg != "HS512") {
            log::error("--eab-hmac-alg must be HS256, HS384 or HS512, not \"" + cfg.eab_hmac_alg +
                       "\"");
            return kExitUsage;
        }
    }
    if (vm.count("max-log-backups")) {
        cfg.max_log_backups = vm["max-log-backups"].as<int>();
        if (cfg.max_log_backups < 0) {
            log::error("--max-log-backups must be 0 (no rotation) or more");
            return kExitUsage;
        }
    }
    cfg.debug = vm.count("debug");
    cfg.debug_challenges = vm.count("debug-challenges");
    cfg.strict_permissions = vm.count("strict-permissions");
    cfg.break_my_certs = vm.count("break-my-certs");
    if (vm.count("eff-email")) cfg.eff_email = true;
    if (vm.count("no-eff-email")) cfg.eff_email = false;
    if (vm.count("redirect") && vm.count("no-redirect")) {
        log::error("--redirect and --no-redirect contradict each other; give one");
        return kExitUsage;
    }
    if (vm.count("redirect")) cfg.redirect = true;
    if (vm.count("no-redirect")) cfg.redirect = false;
    cfg.hsts = vm.count("hsts");
    cfg.uir = vm.count("uir");
    cfg.staple_ocsp = vm.count("staple-ocsp");
    cfg.auto_hsts = vm.count("auto-hsts");
    if (vm.count("checkpoints")) {
        cfg.checkpoints = vm["checkpoints"].as<int>();
        if (cfg.checkpoints < 1) {
            log::error("--checkpoints must be 1 or more");
            return kExitUsage;
        }
    }
    if (vm.count("reason")) {
        cfg.reason = vm["reason"].as<std::string>();
        static const char* const kReasons[] = {"unspecified", "keycompromise", "affiliationchanged",
                                               "superseded", "cessationofoperation"};
        bool ok = false;
        for (const char* r : kReasons) ok = ok || cfg.reason == r;
        if (!ok) {
            log::error(
                "--reason must be one of unspecified, keycompromise, affiliationchanged, "
                "superseded, cessationofoperation; not \"" +
                cfg.reason + "\"");
            return kExitUsage;
        }
    }
    if (vm.count("delete-after-revoke")) cfg.delete_after_revoke = true;
    if (vm.count("no-delete-after-revoke")) cfg.delete_after_revoke = false;
    cfg.plugins_init = vm.count("init");
    cfg.plugins_prepare = vm.count("prepare");
    cfg.plugins_authenticators = vm.count("authenticators");
    cfg.plugins_installers = vm.count("installers");

    // Authenticator selection: -a NAME or one of the --<plugin> shortcuts.
    std::vector<std::string> chosen;
    for (const auto& p : reg.plugins())
        if (vm.count(p.name())) chosen.push_back(p.name());
    if (vm.count("authenticator"))
        chosen.insert(chosen.begin(), vm["authenticator"].as<std::string>());
    if (vm.count("installer")) cfg.installer = vm["installer"].as<std::string>();
    if (chosen.size() > 1) {
        bool same = true;
        for (const auto& c : chosen) same = same && c == chosen[0];
        if (!same) {
            log::error("Too many flags setting authenticators/installers: " + chosen[0] + " and " +
                       chosen[1] + "; choose one");
            return kExitUsage;
        }
    }
    if (!chosen.empty()) cfg.authenticator = chosen[0];
    // A shortcut naming a plugin that also installs (--nginx) sets the installer too, as in
    // certbot; certonly then only records it, so that renewals reload the server.
    if (cfg.installer.empty())
        for (const auto& p : reg.plugins())
            if (vm.count(p.name()) && p.is_installer()) cfg.installer = p.name();
    if (vm.count("configurator")) {
        const std::string c = vm["configurator"].as<std::string>();
        if (cfg.authenticator.empty()) cfg.authenticator = c;
        if (cfg.installer.empty()) cfg.installer = c;
    }
    return -1;
}

int print_help(const std::string& topic, const Options& o) {
    if (topic.empty()) {
        std::cout << kUsage;
        return 0;
    }
    std::map<std::string, const po::options_description*> topics = {
        {"all", &o.all},           {"automation", &o.automation}, {"security", &o.security},
        {"testing", &o.testing},   {"paths", &o.paths},           {"register", &o.registration},
        {"plugins", &o.plugins},   {"certonly", &o.certonly},     {"revoke", &o.revoke},
        {"rollback", &o.rollback}, {"unregister", &o.unregister},
    };
    for (const auto& kv : o.per_plugin) topics[kv.first] = &kv.second;
    auto it = topics.find(topic);
    if (it == topics.end()) {
        std::string names;
        for (const auto& kv : topics) names += " " + kv.first;
        log::error("No help topic \"" + topic + "\"; topics are:" + names);
        return kExitUsage;
    }
    std::cout << kUsage << "\n" << *it->second << "\n";
    return 0;
}

extern "C" void on_signal(int sig) {
    if (g_interrupted.exchange(true)) {
        std::signal(sig, SIG_DFL);
        std::raise(sig);
    }
}

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = &on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: blocking calls return so cleanup can start
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace

int main(int argc, char** argv) {
    // Fast paths that need no plugins.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0) {
            std::printf("certbot %s\n", certbot_version());
            return 0;
        }
    }
    install_signal_handlers();
    auto registry = PluginRegistry::discover(plugin_search_path());
    Options opts;
    Parsed parsed;
    int rc = parse(argc, argv, registry, opts, parsed);
    if (rc >= 0) return rc;
    if (parsed.help) return print_help(parsed.help_topic, opts);
    Config& cfg = parsed.cfg;
    log::set_console_level(cfg.quiet ? log::kError : cfg.verbosity > 0 ? log::kDebug : log::kInfo);
    const Verb* verb = find_verb(cfg.verb);
    try {
        return verb->run(cfg, registry);
    } catch (const std::exception& e) {
        log::error(std::string("unexpected error: ") + e.what() +
                   "; please report this with the log file");
        return kExitFailure;
    }
}
