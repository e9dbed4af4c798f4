#include "help.h"

#include <boost/make_shared.hpp>

#include <cctype>
#include <iostream>
#include <set>
#include <sstream>

#include "log.h"
#include "result.h"

namespace certbot::cli {

namespace {

const char* const kIntro =
    "Certbot can obtain and install HTTPS/TLS/SSL certificates.  By default,\n"
    "it will attempt to use a webserver both for obtaining and installing the\n"
    "certificate. ";

const char* const kGeneralUsage = "  certbot [SUBCOMMAND] [options] [-d DOMAIN] [-d DOMAIN] ...\n";

const char* const kCommon =
    "The most common SUBCOMMANDS and flags are:\n"
    "\n"
    "obtain, install, and renew certificates:\n"
    "    (default) run   Obtain & install a certificate in your current webserver\n"
    "    certonly        Obtain or renew a certificate, but do not install it\n"
    "    renew           Renew all previously obtained certificates that are near expiry\n"
    "    enhance         Add security enhancements to your existing configuration\n"
    "   -d DOMAINS       Comma-separated list of domains to obtain a certificate for\n"
    "\n"
    "  --standalone      Run a standalone webserver for authentication\n"
    "  --webroot         Place files in a server's webroot folder for authentication\n"
    "\n"
    "   -n               Run non-interactively\n"
    "  --test-cert       Obtain a test certificate from a staging server\n"
    "  --dry-run         Test \"renew\" or \"certonly\" without saving any certificates to disk\n"
    "\n"
    "manage certificates:\n"
    "    certificates    Display information about certificates you have from Certbot\n"
    "    revoke          Revoke a certificate (supply --cert-name or --cert-path)\n"
    "    delete          Delete a certificate (supply --cert-name)\n"
    "    reconfigure     Update a certificate's configuration (supply --cert-name)\n"
    "\n"
    "manage your account:\n"
    "    register        Create an ACME account\n"
    "    unregister      Deactivate an ACME account\n"
    "    update_account  Update an ACME account\n"
    "    show_account    Display account details\n"
    "  --agree-tos       Agree to the ACME server's Subscriber Agreement\n"
    "   -m EMAIL         Email address for important account notifications\n"
    "\n"
    "More detailed help:\n"
    "\n"
    "  -h, --help [TOPIC]    print this message, or detailed help on a topic;\n"
    "                        the available TOPICS are:\n"
    "\n"
    "   all, automation, commands, paths, security, testing, or any of the\n"
    "   subcommands or plugins (certonly, renew, install, register, webroot,\n"
    "   standalone, etc.)\n"
    "  -h all                print a detailed help page including all topics\n"
    "  --version             print the version number\n";

const char* const kCommands =
    "The full list of available SUBCOMMANDS is:\n"
    "\n"
    "certificates        List certificates managed by Certbot\n"
    "certonly            Obtain or renew a certificate, but do not install it\n"
    "delete              Clean up all files related to a certificate\n"
    "enhance             Add security enhancements to your existing configuration\n"
    "install             Install an arbitrary certificate in a server\n"
    "plugins             List plugins that are installed and available on your system\n"
    "reconfigure         Update a certificate's configuration (e.g. the options to use when\n"
    "                    renewing it)\n"
    "register            Register for account with Let's Encrypt / other ACME server\n"
    "renew               Renew all certificates (or one specified with --cert-name)\n"
    "revoke              Revoke a certificate specified with --cert-path or --cert-name\n"
    "rollback            Roll back server conf changes made during certificate installation\n"
    "run (default)       Obtain/renew a certificate, and install it\n"
    "show_account        Show account details from an ACME server\n"
    "unregister          Irrevocably deactivate your account\n"
    "update_account      Update existing account with Let's Encrypt / other ACME server\n"
    "update_symlinks     Recreate symlinks in your /etc/letsencrypt/live/ directory\n"
    "\n"
    "You can get more help on a specific subcommand with --help SUBCOMMAND\n";

// certbot's help topics: which flags each shows, in certbot 2.x's order (the flags' own text is
// in options.cpp). `usage` is the subcommand's usage line, nullptr for the general one.
struct Topic {
    const char* name;
    const char* usage;
    const char* description;
    const char* flags;  // space-separated long names
};

const char* const kPluginFlags =
    " apache nginx standalone manual webroot dns-cloudflare dns-digitalocean dns-dnsimple "
    "dns-dnsmadeeasy dns-gehirn dns-google dns-linode dns-luadns dns-nsone dns-ovh dns-rfc2136 "
    "dns-route53 dns-sakuracloud";

const Topic kTopics[] = {
    {"automation", nullptr, "Flags for automating execution & other tweaks",
     "non-interactive register-unsafely-without-email eff-email no-eff-email keep-until-expiring "
     "expand version force-renewal renew-with-new-domains reuse-key no-reuse-key new-key "
     "allow-subset-of-names agree-tos account duplicate quiet no-random-sleep-on-renew "
     "renewal-workers plugin-timeout"},
    {"security", nullptr, "Security parameters & server settings",
     "rsa-key-size key-type elliptic-curve must-staple redirect no-redirect hsts uir staple-ocsp "
     "strict-permissions auto-hsts"},
    {"testing", nullptr, "The following flags are meant for testing and integration purposes only.",
     "dry-run test-cert debug no-verify-ssl http-01-port http-01-address https-port "
     "break-my-certs"},
    {"paths", nullptr, "Flags for changing execution paths & servers",
     "cert-path key-path fullchain-path chain-path config-dir work-dir logs-dir server "
     "fleet-etcd fleet-prefix fleet-etcd-cacert fleet-etcd-cert fleet-etcd-key fleet-key"},
    {"run", nullptr, "Options for obtaining & installing certificates",
     "non-interactive force-interactive domains eab-kid eab-hmac-key cert-name "
     "keep-until-expiring quiet test-cert debug-challenges preferred-chain issuance-timeout "
     "apache nginx"},
    {"certonly",
     "  certbot certonly [options] [-d DOMAIN] [-d DOMAIN] ...\n\nThis command obtains a "
     "TLS/SSL certificate without installing it anywhere.\n",
     "Options for modifying how a certificate is obtained",
     "non-interactive force-interactive domains ip-address eab-kid eab-hmac-key cert-name "
     "dry-run keep-until-expiring allow-subset-of-names quiet debug-challenges preferred-chain "
     "preferred-challenges issuance-timeout csr cert-path"},
    {"renew", "  certbot renew [--cert-name CERTNAME] [options]\n",
     "The 'renew' subcommand will attempt to renew any certificates previously obtained if they "
     "are close to expiry, and print a summary of the results. By default, 'renew' will reuse "
     "the plugins and options used to obtain or most recently renew each certificate. You can "
     "test whether future renewals will succeed with `--dry-run`. Individual certificates can be "
     "renewed with the `--cert-name` option. Hooks are available to run commands before and "
     "after renewal.",
     "cert-name dry-run force-renewal allow-subset-of-names quiet preferred-chain "
     "preferred-challenges pre-hook post-hook deploy-hook disable-hook-validation "
     "no-directory-hooks disable-renew-updates no-autorenew no-random-sleep-on-renew "
     "renewal-workers hook-timeout plugin-timeout"},
    {"enhance", "  certbot enhance [options]\n",
     "Helps to harden the TLS configuration by adding security enhancements to already existing "
     "configuration.",
     "non-interactive force-interactive domains cert-name redirect hsts uir auto-hsts"},
    {"certificates",
     "  certbot certificates [options] ...\n\nPrint information about the status of "
     "certificates managed by Certbot.\n",
     "List certificates managed by Certbot", "domains cert-name json"},
    {"delete", "  certbot delete --cert-name CERTNAME\n", "Options for deleting a certificate",
     "cert-name"},
    {"reconfigure", "  certbot reconfigure --cert-name CERTNAME [options]\n",
     "Common options that may be updated with the \"reconfigure\" subcommand:",
     "cert-name dry-run authenticator installer pre-hook post-hook deploy-hook"},
    {"install",
     "  certbot install --cert-path /path/to/fullchain.pem  --key-path /path/to/private-key "
     "[options]\n",
     "Options for modifying how a certificate is deployed",
     "cert-path key-path fullchain-path chain-path apache nginx"},
    {"rollback", "  certbot rollback --checkpoints 3 [options]\n",
     "Options for rolling back server configuration changes", "checkpoints"},
    {"revoke",
     "  certbot revoke [--cert-path /path/to/fullchain.pem | --cert-name example.com] "
     "[options]\n",
     "Options for revocation of certificates",
     "test-cert reason delete-after-revoke no-delete-after-revoke cert-path key-path"},
    {"register", "  certbot register --email user@example.com [options]\n",
     "Options for account registration",
     "force-interactive eab-kid eab-hmac-key eab-hmac-alg register-unsafely-without-email email "
     "eff-email no-eff-email"},
    {"update_account", "  certbot update_account --email updated_email@example.com [options]\n",
     "Options for account modification", "email eff-email no-eff-email new-key"},
    {"unregister", "  certbot unregister [options]\n", "Options for account deactivation.",
     "email account"},
    {"show_account", "  certbot show_account [options]\n",
     "Options useful for the \"show_account\" subcommand:", "server account"},
    {"plugins", "  certbot plugins [options]\n", "Options for the \"plugins\" subcommand",
     "init prepare authenticators installers check configurator authenticator installer"},
    {"update_symlinks", "  certbot update_symlinks [options]\n",
     "Recreates certificate and key symlinks in /etc/letsencrypt/live, if you changed them by "
     "hand or edited a renewal configuration file",
     ""},
};

// Wraps `text` at 78 columns with a two-space indent (certbot's group descriptions).
std::string wrap(const std::string& text) {
    std::istringstream words(text);
    std::string word, line, out;
    while (words >> word) {
        if (!line.empty() && line.size() + 1 + word.size() > 76) {
            out += "  " + line + "\n";
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out += "  " + line + "\n";
    return out;
}

// One option as argparse shows it: "  -d DOMAINS, --domains DOMAINS" and the help text from
// column 24, wrapped at 78.
// A plugin's option shows the metavar its descriptor gives (OPTS.metavars).
std::string format_option(const po::option_description& d, const Options& opts) {
    std::string metavar;
    if (d.semantic()->max_tokens() > 0) {
        if (auto it = opts.metavars.find(d.long_name()); it != opts.metavars.end())
            metavar = it->second;
        else
            for (char c : d.long_name())
                metavar += c == '-' ? '_' : static_cast<char>(std::toupper(c));
        metavar = " " + metavar;
    }
    std::string head = "  ";
    const std::string shortname =
        d.canonical_display_name(po::command_line_style::allow_dash_for_short);
    if (!shortname.empty() && shortname.size() == 2 && shortname[0] == '-')
        head += shortname + metavar + ", ";
    head += "--" + d.long_name() + metavar;
    std::string out = head;
    std::istringstream words(d.description());
    std::string word, line;
    bool first = true;
    auto flush = [&] {
        if (first && head.size() <= 22) {
            out += std::string(24 - head.size(), ' ') + line + "\n";
        } else {
            if (first) out += "\n";
            out += std::string(24, ' ') + line + "\n";
        }
        first = false;
        line.clear();
    };
    while (words >> word) {
        if (!line.empty() && 24 + line.size() + 1 + word.size() > 78) flush();
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty() || first) flush();
    return out;
}

// `usage`: a subcommand's usage lines, or nullptr for the general one followed by the intro
// and `tail` (the list of common subcommands for `--help all`).
void print_header(const char* usage, const char* tail = "\n") {
    std::cout << "usage: \n"
              << (usage ? "\n" : "") << (usage ? usage : kGeneralUsage) << "\n"
              << (usage ? "" : std::string(kIntro) + tail + "\n")
              << "options:\n"
                 "  -h, --help            show this help message and exit\n"
                 "  -c CONFIG_FILE, --config CONFIG_FILE\n"
                 "                        path to config file (default: /etc/letsencrypt/cli.ini\n"
                 "                        and ~/.config/letsencrypt/cli.ini)\n\n";
}

void print_group(const std::string& title, const std::string& description,
                 const std::vector<boost::shared_ptr<po::option_description>>& flags,
                 const Options& opts) {
    std::cout << title << ":\n" << wrap(description) << "\n";
    for (const auto& d : flags) std::cout << format_option(*d, opts);
    if (!flags.empty()) std::cout << "\n";
}

int print_topic(const Topic& t, const Options& opts, const PluginRegistry& reg) {
    print_header(t.usage);
    std::vector<boost::shared_ptr<po::option_description>> group;
    std::istringstream names(std::string(t.flags) +
                             (std::string(t.name) == "certonly" || std::string(t.name) == "plugins"
                                  ? kPluginFlags
                                  : ""));
    std::string name;
    std::set<std::string> seen;
    while (names >> name) {
        if (!seen.insert(name).second) continue;
        if (auto d = opts.all.find_nothrow(name, false, false, false))
            group.push_back(boost::make_shared<po::option_description>(*d));
    }
    // certonly and plugins also list the installed plugins certbot does not know by name.
    if (std::string(t.name) == "certonly" || std::string(t.name) == "plugins")
        for (const auto& p : reg.plugins())
            if (!seen.count(p.name()))
                if (auto d = opts.all.find_nothrow(p.name(), false, false, false))
                    group.push_back(boost::make_shared<po::option_description>(*d));
    print_group(t.name, t.description, group, opts);
    return kExitOk;
}

}  // namespace

int print_help(const std::string& topic, const Options& opts, const PluginRegistry& reg) {
    if (topic.empty() || topic == "commands") {
        std::cout << "usage: \n"
                  << kGeneralUsage << "\n"
                  << kIntro << (topic.empty() ? kCommon : kCommands);
        return kExitOk;
    }
    if (topic == "all") {
        print_header(nullptr, kCommon);
        std::vector<std::pair<std::string, const po::options_description*>> groups = {
            {"options", &opts.general},
            {"automation", &opts.automation},
            {"security", &opts.security},
            {"testing", &opts.testing},
            {"paths", &opts.paths},
            {"register", &opts.registration},
            {"certonly", &opts.certonly},
            {"revoke", &opts.revoke},
            {"rollback", &opts.rollback},
            {"unregister", &opts.unregister},
            {"certificates", &opts.certificates},
            {"plugins", &opts.plugins}};
        for (const auto& kv : opts.per_plugin) groups.emplace_back(kv.first, &kv.second);
        for (const auto& [caption, group] : groups) {
            std::string description;
            for (const auto& t : kTopics)
                if (caption == t.name) description = t.description;
            if (const LoadedPlugin* p = reg.find(caption))
                description = p->entry->description ? p->entry->description : "";
            if (caption == "options") {  // under the header's "options:"
                for (const auto& d : group->options())
                    if (d->long_name() != "help" && d->long_name() != "config")
                        std::cout << format_option(*d, opts);
                std::cout << "\n";
                continue;
            }
            print_group(caption, description, group->options(), opts);
        }
        return kExitOk;
    }
    std::string verb = topic == "everything" ? "run" : topic == "auth" ? "certonly" : topic;
    for (const auto& t : kTopics)
        if (verb == t.name) return print_topic(t, opts, reg);
    if (const LoadedPlugin* p = reg.find(topic)) {
        print_header(nullptr);
        auto it = opts.per_plugin.find(topic);
        print_group(topic, p->entry->description ? p->entry->description : "",
                    it != opts.per_plugin.end()
                        ? it->second.options()
                        : std::vector<boost::shared_ptr<po::option_description>>{},
                    opts);
        return kExitOk;
    }
    std::string names = "all, commands";
    for (const auto& t : kTopics) names += std::string(", ") + t.name;
    for (const auto& p : reg.plugins()) names += ", " + p.name();
    for (const char* k : kKnownPlugins) {
        if (topic != k) continue;
        log::error("No help for the " + topic +
                   " plugin: it is not installed (see certbot plugins)");
        return kExitUsage;
    }
    log::error("No help topic \"" + log::printable(topic, 60) + "\"; the topics are " + names);
    return kExitUsage;
}

}  // namespace certbot::cli
