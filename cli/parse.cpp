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
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
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

// The Config fields the flag table names (FlagSpec::consumer), by those names. How a flag sets
// them comes from its row's FlagAction (apply_row): parse() reads no flag by its name.
template <typename T>
using FieldOf = T& (*)(Config&);
using Field = std::variant<FieldOf<bool>, FieldOf<std::optional<bool>>, FieldOf<int>,
                           FieldOf<std::string>, FieldOf<std::vector<std::string>>>;

#define FIELD(path)                                                                    \
    {                                                                                  \
#path, Field(FieldOf <std::decay_t <decltype(std::declval <Config&>().path)>>( \
                   [](Config & c) -> auto& { return c.path; }))                        \
    }

const std::map<std::string, Field>& config_fields() {
    static const std::map<std::string, Field> fields = {
        FIELD(non_interactive),
        FIELD(force_interactive),
        FIELD(verbosity),
        FIELD(quiet),
        FIELD(domains),
        FIELD(dry_run),
        FIELD(staging),
        FIELD(server),
        FIELD(server_set),
        FIELD(cert_name),
        FIELD(config_dir),
        FIELD(work_dir),
        FIELD(logs_dir),
        FIELD(agree_tos),
        FIELD(email),
        FIELD(register_unsafely_without_email),
        FIELD(eab_kid),
        FIELD(eab_hmac_key),
        FIELD(eab_hmac_alg),
        FIELD(account),
        FIELD(key_type),
        FIELD(rsa_key_size),
        FIELD(elliptic_curve),
        FIELD(must_staple),
        FIELD(reuse_key),
        FIELD(new_key),
        FIELD(authenticator),
        FIELD(installer),
        FIELD(preferred_challenges),
        FIELD(http01_port),
        FIELD(http01_address),
        FIELD(https_port),
        FIELD(issuance_timeout),
        FIELD(user_agent),
        FIELD(user_agent_comment),
        FIELD(no_verify_ssl),
        FIELD(force_renewal),
        FIELD(keep_until_expiring),
        FIELD(duplicate),
        FIELD(no_random_sleep_on_renew),
        FIELD(renewal_workers),
        FIELD(plugin_timeout),
        FIELD(hook_timeout),
        FIELD(pre_hooks),
        FIELD(post_hooks),
        FIELD(deploy_hooks),
        FIELD(disable_hook_validation),
        FIELD(no_directory_hooks),
        FIELD(no_autorenew),
        FIELD(expand),
        FIELD(renew_with_new_domains),
        FIELD(allow_subset_of_names),
        FIELD(preferred_chain),
        FIELD(preferred_profile),
        FIELD(required_profile),
        FIELD(csr_path),
        FIELD(csr_der),
        FIELD(cert_path),
        FIELD(key_path),
        FIELD(fullchain_path),
        FIELD(chain_path),
        FIELD(max_log_backups),
        FIELD(debug),
        FIELD(debug_challenges),
        FIELD(strict_permissions),
        FIELD(break_my_certs),
        FIELD(redirect),
        FIELD(hsts),
        FIELD(uir),
        FIELD(staple_ocsp),
        FIELD(auto_hsts),
        FIELD(checkpoints),
        FIELD(reason),
        FIELD(delete_after_revoke),
        FIELD(json_output),
        FIELD(fleet.etcd),
        FIELD(fleet.prefix),
        FIELD(fleet.etcd_cacert),
        FIELD(fleet.etcd_cert),
        FIELD(fleet.etcd_key),
        FIELD(fleet.key_file),
        FIELD(plugins_init),
        FIELD(plugins_prepare),
        FIELD(plugins_authenticators),
        FIELD(plugins_installers),
        FIELD(plugins_check),
    };
    return fields;
}

#undef FIELD

template <typename T>
constexpr bool kIsBool = std::is_same_v<T, bool> || std::is_same_v<T, std::optional<bool>>;

// Whether a field of this kind can take what a row of this type and action gives it (checked for
// every row by flag_table_problems, so apply_row's casts cannot fail).
bool fits(const Field& field, const FlagSpec& f) {
    return std::visit(
        [&](auto get) {
            using T = std::decay_t<decltype(get(std::declval<Config&>()))>;
            switch (f.action) {
                case FlagAction::kCount:
                    return std::is_same_v<T, int> && f.type == FlagType::kSwitch;
                case FlagAction::kAtLeast:
                    return std::is_same_v<T, int> && f.type == FlagType::kInt;
                case FlagAction::kSelector:
                    return std::is_same_v<T, std::string> && f.type == FlagType::kString;
                case FlagAction::kSet:
                    if constexpr (kIsBool<T>) return true;  // a switch, or "a value was given"
                    if constexpr (std::is_same_v<T, int>) return f.type == FlagType::kInt;
                    if constexpr (std::is_same_v<T, std::string>)
                        return f.type == FlagType::kString;
                    if constexpr (std::is_same_v<T, std::vector<std::string>>)
                        return f.type == FlagType::kStrings;
                    return false;
                default:
                    return true;  // the walk or a custom function sets the fields
            }
        },
        field);
}

// A flag given `times` times (the last value kept) sets its row's fields: kSet, kCount and
// kAtLeast rows. A field written "!field" in the row is set false.
void apply_row(const FlagSpec& f, const po::variable_value& value, int times, Config& cfg) {
    std::istringstream words(f.consumer);
    for (std::string word; words >> word;) {
        const bool off = word[0] == '!';
        const Field& field = config_fields().at(off ? word.substr(1) : word);
        std::visit(
            [&](auto get) {
                auto& dst = get(cfg);
                using T = std::decay_t<decltype(dst)>;
                if constexpr (kIsBool<T>) {
                    dst = !off;
                } else if constexpr (std::is_same_v<T, int>) {
                    if (f.action == FlagAction::kCount)
                        dst += times;
                    else if (f.action == FlagAction::kAtLeast)
                        dst = std::max(dst, value.as<int>());
                    else
                        dst = value.as<int>();
                } else if constexpr (std::is_same_v<T, std::string>) {
                    dst = value.as<std::string>();
                } else {
                    for (const auto& v : value.as<std::vector<std::string>>()) dst.push_back(v);
                }
            },
            field);
    }
}

// The value of a flag as text, for its check and the check's message.
std::string value_text(const FlagSpec& f, const po::variable_value& value) {
    return f.type == FlagType::kInt ? std::to_string(value.as<int>()) : value.as<std::string>();
}

// The row's check of the value given (FlagCheck); the error message if it fails.
std::optional<std::string> check_value(const FlagSpec& f, const po::variable_value& value) {
    if (f.check == FlagCheck::kNone) return std::nullopt;
    const std::string v = value_text(f, value);
    bool ok = true;
    switch (f.check) {
        case FlagCheck::kNone:
            break;
        case FlagCheck::kOneOf:
            ok = std::find(f.choices.begin(), f.choices.end(), v) != f.choices.end();
            break;
        case FlagCheck::kRange:
            ok = value.as<int>() >= f.min && value.as<int>() <= f.max;
            break;
        case FlagCheck::kToken:
            ok = !v.empty() && v.size() <= 64;
            for (char c : v)
                ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                            c == '.');
            break;
        case FlagCheck::kHeaderText:
            for (char c : v) ok = ok && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
            break;
    }
    if (ok) return std::nullopt;
    std::string message = f.check_message;
    if (auto at = message.find("{}"); at != std::string::npos) message.replace(at, 2, v);
    return message;
}

// What a custom row's function may use besides its value.
struct FlagContext {
    const po::variables_map& vm;
    Parsed& out;
    bool verb_given;                               // a subcommand was named (certonly -h)
    const std::vector<std::string>& config_files;  // the cli.ini files read
};
using CustomFlag = Status (*)(const FlagSpec&, const po::variable_value&, FlagContext&);

// The functions of the FlagAction::kCustom rows, by flag name: what needs more than setting
// fields (normalising, reading or checking a file, the command line's own flags).
const std::map<std::string, CustomFlag>& custom_flags() {
    static const std::map<std::string, CustomFlag> functions = {
        {"help",
         [](const FlagSpec&, const po::variable_value& v, FlagContext& c) -> Status {
             c.out.help = true;
             c.out.help_topic = v.as<std::string>();
             if (c.out.help_topic.empty() && c.verb_given) c.out.help_topic = c.out.cfg.verb;
             return {};
         }},
        {"version",
         [](const FlagSpec&, const po::variable_value&, FlagContext& c) -> Status {
             c.out.version = true;
             return {};
         }},
        {"preferred-challenges",
         [](const FlagSpec&, const po::variable_value& v, FlagContext& c) -> Status {
             auto types = normalize_challenge_types(v.as<std::vector<std::string>>());
             if (!types) return types.error();
             c.out.cfg.preferred_challenges = *types;
             return {};
         }},
        // Deprecated; the flag it is an alias of wins when both are given.
        {"standalone-supported-challenges",
         [](const FlagSpec& f, const po::variable_value& v, FlagContext& c) -> Status {
             log::warning(
                 "--standalone-supported-challenges is deprecated; use --preferred-challenges "
                 "(tls-sni-01 is served as tls-alpn-01)");
             auto types = normalize_challenge_types({v.as<std::string>()});
             if (!types) return types.error();
             if (!c.vm.count(f.same_as)) c.out.cfg.preferred_challenges = *types;
             return {};
         }},
        // The cli.ini files read must be as safe as the directories (Session::open checks those).
        {"strict-permissions",
         [](const FlagSpec&, const po::variable_value&, FlagContext& c) -> Status {
             c.out.cfg.strict_permissions = true;
             for (const auto& file : c.config_files) CB_TRY(check_strict_permissions(file));
             return {};
         }},
        // The CSR's names become the domains (checked against -d); after every plain field, as
        // load_csr reads --allow-subset-of-names and the verb.
        {"csr",
         [](const FlagSpec&, const po::variable_value& v, FlagContext& c) -> Status {
             c.out.cfg.csr_path = v.as<std::string>();
             return load_csr(c.out.cfg);
         }},
    };
    return functions;
}

// The plugins asked for: the selector rows (-a, -i, --configurator: FlagAction::kSelector) and
// the plugins' own flags (--nginx, --webroot: a selector of the authenticator each, and of the
// installer too when the plugin installs, as in certbot; certonly then only records it, so that
// renewals reload the server). A row naming one role sets it; one naming both (--configurator)
// fills in those still empty. -1, or the exit status of the error printed.
template <typename Bad>
int select_plugins(const po::variables_map& vm, const PluginRegistry& reg, Config& cfg, Bad& bad) {
    // A plugin asked for by name that is not installed: say so now (not "no plugins chosen").
    for (const char* name : kKnownPlugins)
        if (vm.count(name) && !reg.find(name)) return bad(name, reg.missing(name));
    std::vector<const FlagSpec*> given;
    for (const auto& f : flag_table()) {
        if (f.action != FlagAction::kSelector || !vm.count(f.name)) continue;
        if (!reg.find(vm[f.name].as<std::string>()))
            return bad(f.name, reg.missing(vm[f.name].as<std::string>()));
        given.push_back(&f);
    }
    auto role = [&](const std::string& field) -> std::string& {
        return std::get<FieldOf<std::string>>(config_fields().at(field))(cfg);
    };
    // The authenticators asked for: a selector row's first, then the plugins' flags.
    std::vector<std::string> chosen;
    for (const auto& p : reg.plugins())
        if (vm.count(p.name())) chosen.push_back(p.name());
    for (const FlagSpec* f : given) {
        const auto fields = f->fields();
        if (fields.size() != 1) continue;
        if (fields[0] == "authenticator")
            chosen.insert(chosen.begin(), vm[f->name].as<std::string>());
        else
            role(fields[0]) = vm[f->name].as<std::string>();
    }
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
    if (cfg.installer.empty())
        for (const auto& p : reg.plugins())
            if (vm.count(p.name()) && p.is_installer()) cfg.installer = p.name();
    for (const FlagSpec* f : given) {
        const auto fields = f->fields();
        if (fields.size() > 1)
            for (const auto& field : fields)
                if (role(field).empty()) role(field) = vm[f->name].as<std::string>();
    }
    return -1;
}

// A row's spellings on the command line: --name and -x.
bool spelled(const std::string& arg, const FlagSpec& f) {
    return arg == "--" + f.name || (f.short_name && arg == std::string("-") + f.short_name);
}

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
        for (const auto& f : flag_table())
            if (f.action == FlagAction::kSelector && spelled(args[i], f) && i + 1 < args.size())
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

// A short flag that counts (-v): -vvv is given three times.
bool counted_short(char c) {
    for (const auto& f : flag_table())
        if (f.action == FlagAction::kCount && f.short_name == c) return true;
    return false;
}

// certbot-style argv clean-up: "-vvv" -> "-v -v -v" (a counted flag); "-h TOPIC" -> "--help=TOPIC".
std::vector<std::string> preprocess(int argc, char** argv, std::string& verb) {
    std::vector<std::string> out;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (verb.empty() && find_verb(a)) {
            verb = a;
            continue;
        }
        if (a.size() > 2 && a[0] == '-' && counted_short(a[1]) &&
            a.find_first_not_of(a[1], 1) == std::string::npos) {
            for (size_t k = 1; k < a.size(); ++k) out.push_back(a.substr(0, 2));
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

std::vector<std::string> flag_table_problems() {
    std::vector<std::string> out;
    for (const auto& f : flag_table()) {
        const std::string flag = "--" + f.name + ": ";
        const bool custom = f.action == FlagAction::kCustom;
        if (custom != (custom_flags().count(f.name) > 0))
            out.push_back(flag + (custom
                                      ? "no function in custom_flags()"
                                      : "a function in custom_flags() but the row is not kCustom"));
        if (f.use == FlagUse::kCommandLine && !custom && f.action != FlagAction::kConfigFile)
            out.push_back(flag +
                          "a command line flag is read by a custom function or names a "
                          "cli.ini");
        if (f.action == FlagAction::kConfigFile &&
            (f.use != FlagUse::kCommandLine || f.type != FlagType::kString))
            out.push_back(flag + "a cli.ini is named by one value on the command line");
        if (f.use != FlagUse::kConfig && f.use != FlagUse::kCommandLine &&
            f.action != FlagAction::kSet)
            out.push_back(flag + "a row that sets nothing has an action");
        if (f.use == FlagUse::kConfig && f.fields().empty())
            out.push_back(flag + "names no Config field");
        for (const auto& field : f.fields()) {
            auto it = config_fields().find(field);
            if (it == config_fields().end())
                out.push_back(flag + "Config::" + field + " is not in config_fields()");
            else if (!fits(it->second, f))
                out.push_back(flag + "Config::" + field + " does not take this flag's value");
        }
        if ((f.action == FlagAction::kCount || f.action == FlagAction::kAtLeast) &&
            f.fields().size() != 1)
            out.push_back(flag + "a counted or raised flag sets one number");
        if ((f.action == FlagAction::kDomains || f.action == FlagAction::kIpAddresses) &&
            f.fields() != std::vector<std::string>{"domains"})
            out.push_back(flag + "an identifier flag sets Config::domains");
        if (f.action == FlagAction::kSelector)
            for (const auto& field : f.fields())
                if (field != "authenticator" && field != "installer")
                    out.push_back(flag + "a selector sets the authenticator or the installer");
        if (f.check != FlagCheck::kNone && f.check_message.find("--" + f.name) == std::string::npos)
            out.push_back(flag + "the check's message does not name the flag");
        if (f.check == FlagCheck::kOneOf && f.choices.empty())
            out.push_back(flag + "one of no choices");
        if (f.check == FlagCheck::kRange && (f.type != FlagType::kInt || f.min > f.max))
            out.push_back(flag + "a range of a number, min <= max");
        if ((f.check == FlagCheck::kOneOf || f.check == FlagCheck::kToken ||
             f.check == FlagCheck::kHeaderText) &&
            f.type != FlagType::kString && f.type != FlagType::kInt)
            out.push_back(flag + "checks a value of one");
        if (!f.conflicts_with.empty() && !find_flag(f.conflicts_with))
            out.push_back(flag + "conflicts with an unknown flag");
        if (!f.conflict_unless.empty() &&
            (f.conflicts_with.empty() || (f.type != FlagType::kString && f.type != FlagType::kInt)))
            out.push_back(flag + "values that conflict with nothing, but no conflict or no value");
        if (!f.verbs_message.empty() &&
            (f.verbs.empty() || f.verbs_message.find("--" + f.name) == std::string::npos))
            out.push_back(flag + "a subcommand error without subcommands or not naming the flag");
        for (const auto& v : f.verbs)
            if (!find_verb(v)) out.push_back(flag + "only with an unknown subcommand " + v);
    }
    for (const auto& [name, fn] : custom_flags())
        if (!find_flag(name))
            out.push_back("--" + name + ": a function in custom_flags() without a row");
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
    // Like certbot, --help (the flag with a topic) reads no config file (a broken one must not
    // hide the help).
    bool help = false;
    for (const auto& o : parsed.options)
        if (const FlagSpec* f = find_flag(o.string_key)) help = help || f->type == FlagType::kTopic;
    std::map<std::string, std::string> origin;  // option -> "cli.ini:LINE" it came from
    std::vector<std::string> config_files;
    if (!help) {
        if (auto st = apply_config_files(parsed, opts, reg, origin, config_files); !st) {
            log::error(st.error().message);
            return st.error().exit_code;
        }
    }
    // An identifier flag (-d, --ip-address) of the flag table, or null.
    auto identifier_flag = [](const std::string& key) -> const FlagSpec* {
        const FlagSpec* f = find_flag(key);
        return f && (f->action == FlagAction::kDomains || f->action == FlagAction::kIpAddresses)
                   ? f
                   : nullptr;
    };
    // certbot (issue 4096): `renew` ignores domains from a config file, which would otherwise
    // apply to every lineage.
    if (cfg.verb == "renew")
        parsed.options.erase(std::remove_if(parsed.options.begin(), parsed.options.end(),
                                            [&](const po::option& o) {
                                                return identifier_flag(o.string_key) &&
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
    std::map<std::string, int> times;  // how often each option was given (a counted flag's value)
    for (const auto& o : parsed.options) ++times[o.string_key];
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
    // An alias that does exactly what its flag does (--renew-hook) counts as that flag given.
    for (const auto& f : flag_table())
        if (const FlagSpec* a = find_flag(f.same_as); a && vm.count(f.name) && f.alias_of(*a))
            cfg.set_by_user.insert(a->name);
    // A flag given, or an alias of it (--staging for --test-cert).
    auto given = [&vm](const std::string& name) {
        if (vm.count(name)) return true;
        const FlagSpec* flag = find_flag(name);
        for (const auto& f : flag_table())
            if (flag && f.alias_of(*flag) && vm.count(f.name)) return true;
        return false;
    };

    // Walk the options in command-line order: identifiers (-d, --ip-address), and per-identifier
    // plugin options (webroot's -w applies to each -d that follows it).
    std::map<std::string, std::string> current_per_id;       // option -> latest value
    std::set<std::string> per_id_after_domain;               // first given after a -d
    std::map<FlagAction, std::vector<std::string>> raw_ids;  // kDomains, kIpAddresses
    std::map<FlagAction, std::string> id_flag;               // the flag of each, for messages
    for (const auto& o : parsed.options) {
        const std::string& k = o.string_key;
        // --ip-address (certbot 5.3) interleaves with -w like -d (certbot 5.4's webroot).
        if (const FlagSpec* f = identifier_flag(k)) {
            const bool ip = f->action == FlagAction::kIpAddresses;
            id_flag.emplace(f->action, f->setting());
            for (const auto& v : o.value) {
                auto ds = ip ? parse_ip_addresses({v}) : parse_domains({v});
                if (!ds) return bad(k, ds.error().message);
                for (const auto& d : *ds) {
                    raw_ids[f->action].push_back(d);
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
                        if (!current_per_id.count(k) && !raw_ids.empty())
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
    auto domains = parse_domains(raw_ids[FlagAction::kDomains]);
    if (!domains) return bad(id_flag[FlagAction::kDomains], domains.error().message);
    auto ips = parse_ip_addresses(raw_ids[FlagAction::kIpAddresses]);
    if (!ips) return bad(id_flag[FlagAction::kIpAddresses], ips.error().message);
    // certbot 5.3: the certificate's identifiers are the domains, then the IP addresses.
    cfg.domains = *domains;
    cfg.domains.insert(cfg.domains.end(), ips->begin(), ips->end());

    // Every other flag given, as its row says: its value checked, then its fields set (in table
    // order, so --deploy-hook's commands come before --renew-hook's and a negation after its
    // flag), then the custom rows' functions (they may read the fields set).
    for (const auto& f : flag_table())
        if (vm.count(f.name))
            if (auto message = check_value(f, vm[f.name])) return bad(f.name, *message);
    for (const auto& f : flag_table())
        if (vm.count(f.name) && f.use == FlagUse::kConfig &&
            (f.action == FlagAction::kSet || f.action == FlagAction::kCount ||
             f.action == FlagAction::kAtLeast))
            apply_row(f, vm[f.name], times[f.name], cfg);
    FlagContext context{vm, out, !verb.empty(), config_files};
    for (const auto& f : flag_table())
        if (vm.count(f.name) && f.action == FlagAction::kCustom)
            if (auto st = custom_flags().at(f.name)(f, vm[f.name], context); !st)
                return bad(f.name, st.error().message);

    // Flags that may not be given together (with a value the row allows, they may), or only
    // with some subcommands.
    for (const auto& f : flag_table())
        if (vm.count(f.name) && !f.conflicts_with.empty() && given(f.conflicts_with) &&
            (f.conflict_unless.empty() ||
             std::find(f.conflict_unless.begin(), f.conflict_unless.end(),
                       value_text(f, vm[f.name])) == f.conflict_unless.end()))
            return bad(f.name, f.conflict_message);
    // With the fleet in cli.ini too (check_fleet_options checks it in the commands that use it).
    for (const auto& f : flag_table())
        if (vm.count(f.name) && !f.verbs.empty() &&
            std::find(f.verbs.begin(), f.verbs.end(), cfg.verb) == f.verbs.end())
            return bad(f.name, f.verbs_error(cfg.verb));
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
    return select_plugins(vm, reg, cfg, bad);
}

}  // namespace certbot::cli
