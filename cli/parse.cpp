// The command line: certbot's subcommands and flags (Boost.Program_options) into a Config, with
// cli.ini layered under it and certbot's cross-flag checks.
#include "parse.h"

#include <boost/program_options.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
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
#include "config_files.h"
#include "flags.h"
#include "help.h"
#include "identifiers.h"
#include "issuance.h"
#include "log.h"
#include "options.h"
#include "plugin_host.h"
#include "session.h"

namespace certbot::cli {

namespace {

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
    {"fleet", &cmd_fleet,
     "Fleet mode over etcd: `certbot fleet status|publish|agent` (docs/fleet.md)"},
};

// Old names certbot still accepts.
const std::pair<const char*, const char*> kVerbAliases[] = {{"auth", "certonly"},
                                                            {"everything", "run"}};

}  // namespace

std::vector<std::pair<std::string, std::string>> verb_help() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& v : kVerbs) out.emplace_back(v.name, v.help);
    return out;
}

const Verb* find_verb(std::string name) {
    for (const auto& a : kVerbAliases)
        if (name == a.first) name = a.second;
    for (const auto& v : kVerbs)
        if (name == v.name) return &v;
    return nullptr;
}

namespace {

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
        // An option of a plugin certbot knows (--apache-ctl) whose plugin is not here.
        if (name.empty() && args[i].rfind("--", 0) == 0)
            for (const char* k : kKnownPlugins)
                if (args[i].rfind(std::string("--") + k + "-", 0) == 0 &&
                    args[i].size() > std::strlen(k) + 3)
                    name = k;
        if (!name.empty() && !reg.find(name)) return name;
    }
    return {};
}

// The command line takes unique prefixes of long options (--force-renew, --agree), as
// argparse does; cli.ini keys must be spelled out (kStyle).
const auto kCommandLineStyle =
    static_cast<po::command_line_style::style_t>(po::command_line_style::unix_style);

// Option values that never reach a log: EAB's HMAC key and plugin options holding secrets.
bool secret_option(const std::string& key) {
    if (key == "eab-hmac-key") return true;
    for (const char* word : {"secret", "password", "token"})
        if (key.find(word) != std::string::npos) return true;
    return false;
}

// The command line for the log's "Arguments:" line, with secret values as *****.
std::string masked_command_line(const std::string& verb, const po::parsed_options& parsed) {
    std::string out = verb;
    for (const auto& o : parsed.options) {
        if (o.original_tokens.empty()) continue;
        const bool secret = secret_option(o.string_key);
        for (size_t i = 0; i < o.original_tokens.size(); ++i) {
            std::string t = o.original_tokens[i];
            if (secret && i == 0 && t.find('=') != std::string::npos)
                t = t.substr(0, t.find('=') + 1) + "*****";
            else if (secret && i > 0)
                t = "*****";
            out += " " + t;
        }
    }
    return out;
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

}  // namespace

int parse(int argc, char** argv, const PluginRegistry& reg, Options& opts, Parsed& out) {
    std::string verb;
    auto args = preprocess(argc, argv, verb);
    Config& cfg = out.cfg;
    if (!verb.empty()) cfg.verb = find_verb(verb)->name;
    build_options(opts, reg);
    po::parsed_options parsed(nullptr);
    po::options_description with_positional;
    with_positional.add(opts.parse)
        .add_options()("unrecognized-arguments", po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("unrecognized-arguments", -1);
    try {
        parsed = po::command_line_parser(args)
                     .options(with_positional)
                     .positional(positional)
                     .style(kCommandLineStyle)
                     .run();
    } catch (const po::ambiguous_option& e) {
        // argparse's wording: "ambiguous option: --re could match --reinstall, --renew-hook"
        std::string list;
        for (const auto& alt : e.alternatives()) list += (list.empty() ? "--" : ", --") + alt;
        log::error("ambiguous option: " + e.get_option_name() + " could match " + list);
        return kExitUsage;
    } catch (const po::error& e) {
        if (auto name = missing_plugin(args, reg); !name.empty()) {
            log::error(reg.missing(name));
            return kExitUsage;
        }
        log::error(std::string(e.what()) + " (see certbot --help)");
        return kExitUsage;
    }
    cfg.command_line = masked_command_line(cfg.verb, parsed);
    // `certbot fleet ACTION` (docs/fleet.md): the one positional argument we take.
    if (cfg.verb == "fleet") {
        auto it =
            std::find_if(parsed.options.begin(), parsed.options.end(), [](const po::option& o) {
                return o.string_key == "unrecognized-arguments" && o.value.size() == 1;
            });
        if (it != parsed.options.end()) {
            cfg.fleet.action = it->value[0];
            parsed.options.erase(it);
        }
    }
    for (const auto& o : parsed.options) {
        if (o.string_key != "unrecognized-arguments") continue;
        std::string list;
        for (const auto& v : o.value) list += (list.empty() ? "" : " ") + v;
        log::error("unrecognized arguments: " + list + " (see certbot --help for the subcommands)");
        return kExitUsage;
    }
    // Like certbot, --help reads no config file (a broken one must not hide the help).
    bool help = false;
    for (const auto& o : parsed.options) help = help || o.string_key == "help";
    std::map<std::string, std::string> origin;  // option -> "cli.ini:LINE" it came from
    std::vector<std::string> config_files;
    if (!help) {
        if (auto st = apply_config_files(parsed, opts, reg, origin, config_files); !st) {
            log::error(st.error().message);
            return st.error().exit_code;
        }
    }
    // certbot (issue 4096): `renew` ignores domains from a config file, which would otherwise
    // apply to every lineage.
    if (cfg.verb == "renew")
        parsed.options.erase(std::remove_if(parsed.options.begin(), parsed.options.end(),
                                            [&](const po::option& o) {
                                                return (o.string_key == "domains" ||
                                                        o.string_key == "domain" ||
                                                        o.string_key == "ip-address") &&
                                                       origin.count(o.string_key);
                                            }),
                             parsed.options.end());
    // A bad value from a config file: say where it was set.
    auto bad = [&](const std::string& key, const std::string& message) {
        auto it = origin.find(key);
        log::error(message + (it == origin.end() ? "" : " (set in " + it->second + ")"));
        return kExitUsage;
    };
    // An option given twice (-vvv, --rsa-key-size 2048 --rsa-key-size 4096) is fine, as with
    // certbot: the last value wins. program_options refuses repeats of one-value options, so
    // store only the last of each (repeatable options such as -d keep all).
    for (const auto& o : parsed.options) cfg.verbosity += o.string_key == "verbose";
    po::parsed_options once(&opts.parse);
    std::set<std::string> seen;
    for (auto it = parsed.options.rbegin(); it != parsed.options.rend(); ++it) {
        const auto* d = opts.parse.find_nothrow(it->string_key, false, false, false);
        const bool repeatable = d && dynamic_cast<const po::typed_value<std::vector<std::string>>*>(
                                         d->semantic().get());
        if (!repeatable && !seen.insert(it->string_key).second) continue;
        once.options.insert(once.options.begin(), *it);
    }
    po::variables_map vm;
    try {
        po::store(once, vm);
        po::notify(vm);
    } catch (const po::error& e) {
        log::error(std::string(e.what()) + " (see certbot --help)");
        return kExitUsage;
    }
    for (const auto& o : parsed.options) cfg.set_by_user.insert(o.string_key);

    // Walk the options in command-line order: -d values, and per-identifier plugin options
    // (webroot's -w applies to each -d that follows it).
    std::map<std::string, std::string> current_per_id;  // option -> latest value
    std::set<std::string> per_id_after_domain;          // first given after a -d
    std::vector<std::string> raw_domains, raw_ips;
    for (const auto& o : parsed.options) {
        const std::string& k = o.string_key;
        // --ip-address (certbot 5.3) interleaves with -w like -d (certbot 5.4's webroot).
        if (k == "domains" || k == "domain" || k == "ip-address") {
            for (const auto& v : o.value) {
                auto ds = k == "ip-address" ? parse_ip_addresses({v}) : parse_domains({v});
                if (!ds) return bad(k, ds.error().message);
                for (const auto& d : *ds) {
                    (k == "ip-address" ? raw_ips : raw_domains).push_back(d);
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
                    // certbot's _WebrootPathAction: with -d before the first of several -w,
                    // which name belongs to which path is a guess; refuse it.
                    if ((od.flags & CB_OPT_PER_IDENTIFIER) && !origin.count(k)) {
                        if (!current_per_id.count(k) && (!raw_domains.empty() || !raw_ips.empty()))
                            per_id_after_domain.insert(k);
                        else if (per_id_after_domain.count(k))
                            return bad(k, "If you specify multiple " + p.name() +
                                              " paths, one of them must precede all domain "
                                              "flags (--" +
                                              k + ")");
                    }
                    for (const auto& v : o.value) cfg.plugin_options[k].push_back(v);
                    if ((od.flags & CB_OPT_PER_IDENTIFIER) && !o.value.empty())
                        current_per_id[k] = o.value.back();
                }
            }
        }
    }
    auto domains = parse_domains(raw_domains);
    if (!domains) return bad("domains", domains.error().message);
    auto ips = parse_ip_addresses(raw_ips);
    if (!ips) return bad("ip-address", ips.error().message);
    // certbot 5.3: the certificate's identifiers are the domains, then the IP addresses.
    cfg.domains = *domains;
    cfg.domains.insert(cfg.domains.end(), ips->begin(), ips->end());

    out.version = vm.count("version") > 0;
    if (vm.count("help")) {
        out.help = true;
        out.help_topic = vm["help"].as<std::string>();
        if (out.help_topic.empty() && !verb.empty()) out.help_topic = cfg.verb;  // certonly -h
    }
    cfg.quiet = vm.count("quiet");
    if (vm.count("verbose-level"))  // certbot's hidden form of -v: a number
        cfg.verbosity = std::max(cfg.verbosity, vm["verbose-level"].as<int>());
    // certbot: -q implies --non-interactive.
    cfg.non_interactive = vm.count("non-interactive") || vm.count("noninteractive") || cfg.quiet;
    cfg.force_interactive = vm.count("force-interactive");
    if (vm.count("cert-name")) cfg.cert_name = vm["cert-name"].as<std::string>();
    cfg.dry_run = vm.count("dry-run");
    cfg.staging = vm.count("test-cert") || vm.count("staging");
    if (vm.count("server")) {
        cfg.server = vm["server"].as<std::string>();
        cfg.server_set = true;
    }
    if (auto st = check_test_server(cfg); !st)
        return bad(st.error().message.rfind("--server", 0) == 0 ? "server" : "dry-run",
                   st.error().message);
    if (vm.count("config-dir")) cfg.config_dir = vm["config-dir"].as<std::string>();
    if (vm.count("work-dir")) cfg.work_dir = vm["work-dir"].as<std::string>();
    if (vm.count("logs-dir")) cfg.logs_dir = vm["logs-dir"].as<std::string>();
    cfg.agree_tos = vm.count("agree-tos");
    if (vm.count("email")) cfg.email = vm["email"].as<std::string>();
    cfg.register_unsafely_without_email = vm.count("register-unsafely-without-email");
    if (vm.count("eab-kid")) cfg.eab_kid = vm["eab-kid"].as<std::string>();
    if (vm.count("eab-hmac-key")) cfg.eab_hmac_key = vm["eab-hmac-key"].as<std::string>();
    if (vm.count("key-type")) cfg.key_type = vm["key-type"].as<std::string>();
    if (cfg.key_type != "rsa" && cfg.key_type != "ecdsa")
        return bad("key-type", "--key-type must be rsa or ecdsa, not \"" + cfg.key_type + "\"");
    if (vm.count("rsa-key-size")) cfg.rsa_key_size = vm["rsa-key-size"].as<int>();
    if (cfg.rsa_key_size != 2048 && cfg.rsa_key_size != 3072 && cfg.rsa_key_size != 4096)
        return bad("rsa-key-size", "--rsa-key-size must be 2048, 3072 or 4096");
    if (vm.count("elliptic-curve")) cfg.elliptic_curve = vm["elliptic-curve"].as<std::string>();
    if (cfg.elliptic_curve != "secp256r1" && cfg.elliptic_curve != "secp384r1" &&
        cfg.elliptic_curve != "secp521r1")
        return bad("elliptic-curve", "--elliptic-curve must be secp256r1, secp384r1 or secp521r1");
    cfg.must_staple = vm.count("must-staple");
    if (vm.count("standalone-supported-challenges")) {
        log::warning(
            "--standalone-supported-challenges is deprecated; use --preferred-challenges "
            "(tls-sni-01 is served as tls-alpn-01)");
        auto types =
            normalize_challenge_types({vm["standalone-supported-challenges"].as<std::string>()});
        if (!types) return bad("standalone-supported-challenges", types.error().message);
        if (!vm.count("preferred-challenges")) cfg.preferred_challenges = *types;
    }
    if (vm.count("preferred-challenges")) {
        auto types =
            normalize_challenge_types(vm["preferred-challenges"].as<std::vector<std::string>>());
        if (!types) return bad("preferred-challenges", types.error().message);
        cfg.preferred_challenges = *types;
    }
    auto port = [&](const char* name, int& dst) {
        if (!vm.count(name)) return true;
        dst = vm[name].as<int>();
        if (dst < 1 || dst > 65535) {
            bad(name, std::string("--") + name + " must be a port number from 1 to 65535");
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
        if (cfg.renewal_workers < 1 || cfg.renewal_workers > 64)
            return bad("renewal-workers", "--renewal-workers must be from 1 to 64");
    }
    if (vm.count("plugin-timeout")) {
        cfg.plugin_timeout = vm["plugin-timeout"].as<int>();
        if (cfg.plugin_timeout < 1 || cfg.plugin_timeout > 86400)
            return bad("plugin-timeout", "--plugin-timeout must be from 1 to 86400 seconds");
    }
    if (vm.count("hook-timeout")) {
        cfg.hook_timeout = vm["hook-timeout"].as<int>();
        if (cfg.hook_timeout < 0)
            return bad("hook-timeout", "--hook-timeout must be 0 (no limit) or more seconds");
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
    // --disable-renew-updates and --no-eff-email are honoured by nature (flags.h says why).
    cfg.new_key = vm.count("new-key");
    auto str = [&](const char* name, std::string& dst) {
        if (vm.count(name)) dst = vm[name].as<std::string>();
    };
    str("config", cfg.config_file);
    str("preferred-chain", cfg.preferred_chain);
    str("preferred-profile", cfg.preferred_profile);
    str("required-profile", cfg.required_profile);
    for (const char* k : {"preferred-profile", "required-profile"}) {
        if (!vm.count(k)) continue;
        const std::string& v = vm[k].as<std::string>();
        bool ok = !v.empty() && v.size() <= 64;
        for (char c : v)
            ok = ok &&
                 (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
        if (!ok)
            return bad(k, std::string("--") + k +
                              " must be a profile name from the CA's directory (letters, digits, "
                              "'-', '_', '.'), such as classic or shortlived");
    }
    if (!cfg.preferred_profile.empty() && !cfg.required_profile.empty()) {
        log::error("--preferred-profile and --required-profile cannot be used together; give one");
        return kExitUsage;
    }
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
            cfg.eab_hmac_alg != "HS512")
            return bad("eab-hmac-alg", "--eab-hmac-alg must be HS256, HS384 or HS512, not \"" +
                                           cfg.eab_hmac_alg + "\"");
    }
    if (vm.count("max-log-backups")) {
        cfg.max_log_backups = vm["max-log-backups"].as<int>();
        if (cfg.max_log_backups < 0)
            return bad("max-log-backups", "--max-log-backups must be 0 (no rotation) or more");
    }
    cfg.debug = vm.count("debug");
    cfg.debug_challenges = vm.count("debug-challenges");
    cfg.strict_permissions = vm.count("strict-permissions");
    if (cfg.strict_permissions)
        for (const auto& f : config_files)
            if (auto st = check_strict_permissions(f); !st) return bad("", st.error().message);
    for (const char* k : {"user-agent", "user-agent-comment"})
        if (vm.count(k))
            for (char c : vm[k].as<std::string>())
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                    return bad(k, std::string("--") + k +
                                      " must not contain control characters (it is sent as an "
                                      "HTTP header)");
    cfg.break_my_certs = vm.count("break-my-certs");
    // The flags the table refuses (flags.h): accepted, as scripts written for certbot pass them,
    // with their "not supported" warning; not when another spelling of the same setting was
    // given as well (--eff-email --no-eff-email).
    for (const auto& f : flag_table()) {
        if (f.use != FlagUse::kRefused || !vm.count(f.name)) continue;
        bool other = false;
        for (const auto& g : flag_table())
            other = other || (g.name != f.name && g.setting() == f.setting() && vm.count(g.name));
        if (!other) log::warning(f.consumer);
    }
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
    if (cfg.hsts && cfg.auto_hsts) {
        log::error("Parameters --hsts and --auto-hsts cannot be used simultaneously.");
        return kExitUsage;
    }
    if (vm.count("checkpoints")) {
        cfg.checkpoints = vm["checkpoints"].as<int>();
        if (cfg.checkpoints < 1) return bad("checkpoints", "--checkpoints must be 1 or more");
    }
    if (vm.count("reason")) {
        cfg.reason = vm["reason"].as<std::string>();
        static const char* const kReasons[] = {"unspecified", "keycompromise", "affiliationchanged",
                                               "superseded", "cessationofoperation"};
        bool ok = false;
        for (const char* r : kReasons) ok = ok || cfg.reason == r;
        if (!ok)
            return bad("reason",
                       "--reason must be one of unspecified, keycompromise, affiliationchanged, "
                       "superseded, cessationofoperation; not \"" +
                           cfg.reason + "\"");
    }
    if (vm.count("delete-after-revoke")) cfg.delete_after_revoke = true;
    if (vm.count("no-delete-after-revoke")) cfg.delete_after_revoke = false;
    cfg.json_output = vm.count("json");
    str("fleet-etcd", cfg.fleet.etcd);
    str("fleet-prefix", cfg.fleet.prefix);
    str("fleet-etcd-cacert", cfg.fleet.etcd_cacert);
    str("fleet-etcd-cert", cfg.fleet.etcd_cert);
    str("fleet-etcd-key", cfg.fleet.etcd_key);
    str("fleet-key", cfg.fleet.key_file);
    // Checked (check_fleet_options) by the commands that use them: with the fleet in cli.ini,
    // the local-only commands (delete, revoke...) still run. On their command line a fleet flag
    // would be accepted and not acted on: refused.
    if (cfg.verb != "certonly" && cfg.verb != "renew" && cfg.verb != "run" &&
        cfg.verb != "certificates" && cfg.verb != "fleet")
        for (const char* f : {"fleet-etcd", "fleet-prefix", "fleet-etcd-cacert", "fleet-etcd-cert",
                              "fleet-etcd-key", "fleet-key"})
            if (cfg.set_by_user.count(f))
                return bad(f,
                           std::string("--") + f + " is not supported with `" + cfg.verb +
                               "` (fleet mode covers certonly, run, renew, certificates and fleet; "
                               "see docs/fleet.md)");
    cfg.plugins_init = vm.count("init");
    cfg.plugins_prepare = vm.count("prepare");
    cfg.plugins_authenticators = vm.count("authenticators");
    cfg.plugins_installers = vm.count("installers");
    if (vm.count("check")) cfg.plugins_check = vm["check"].as<std::string>();

    if (!cfg.csr_path.empty())
        if (auto st = load_csr(cfg); !st) return bad("csr", st.error().message);

    // A plugin asked for by name that is not installed: say so now (not "no plugins chosen").
    for (const char* name : kKnownPlugins)
        if (vm.count(name) && !reg.find(name)) return bad(name, reg.missing(name));
    for (const char* flag : {"authenticator", "installer", "configurator"})
        if (vm.count(flag) && !reg.find(vm[flag].as<std::string>()))
            return bad(flag, reg.missing(vm[flag].as<std::string>()));

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

}  // namespace certbot::cli
