// certbot's flags, each declared once: its names, help group and text, value type, default, its
// cli.ini key, the [renewalparams] key it is stored under, and what consumes it. The command line
// (cli/options.cpp: parsing, --help, --dump-cli and from it the man page and the completion),
// cli.ini precedence (cli/config_files.cpp) and the renewal conf keys we own
// (core/workflow/renewal.cpp) are derived from this table; cli/flags_test.cpp walks it and
// certbot's own flag list, and fails on a flag that is accepted with no consumer and no
// "not supported" message.
#pragma once

#include <string>
#include <vector>

namespace certbot {

// certbot's help groups (`certbot --help all`), plus the flags it accepts without listing them.
enum class FlagGroup {
    kGeneral,
    kAutomation,
    kSecurity,
    kTesting,
    kPaths,
    kRegistration,
    kCertonly,
    kRevoke,
    kRollback,
    kUnregister,
    kCertificates,
    kPlugins,
    kHidden,
};

enum class FlagType {
    kSwitch,   // no value
    kInt,      // one number
    kString,   // one value
    kStrings,  // repeatable: every value is kept, in order
    kTopic,    // --help [TOPIC]: an optional value
};

// What becomes of a flag once given; `consumer` says it for each.
enum class FlagUse {
    kConfig,       // sets the Config fields named in `consumer` (space-separated; FlagAction)
    kCommandLine,  // read by the command line itself (help, version, which cli.ini)
    kByNature,     // asks for what this client always does: `consumer` says why
    kNoEffect,     // certbot accepts and ignores it too: `consumer` says why
    kRefused,      // accepted with a warning: `consumer` is the "not supported" message
};

// How a flag given reaches the Config fields its row names (`consumer`), whatever FlagUse it has
// (cli/parse.cpp applies each kind; no flag is read there by its name).
enum class FlagAction {
    kSet,          // each field by its type: a bool true ("!field": false), an int or a string the
                   // value, a list the values appended
    kCount,        // an int counting the times the flag is given (-vvv)
    kAtLeast,      // an int raised to the value if lower (--verbose-level)
    kDomains,      // domain names (comma lists split), in command-line order with the plugins'
                   // per-identifier options (webroot's -w applies to each -d after it)
    kIpAddresses,  // IP addresses, the same way; they follow the domain names
    kSelector,     // a plugin by name: sets the one role field named, or fills in the empty ones
    kCustom,       // a function of cli/parse.cpp's, found by the flag's name
    kConfigFile,   // names a cli.ini file, read before the command line's flags are applied
                   // (cli/config_files.cpp; the last one given wins)
};

// A check of the value given, before any field is set; `check_message` is the error ("{}" is
// replaced by the value).
enum class FlagCheck {
    kNone,
    kOneOf,       // one of `choices`
    kRange,       // a number from `min` to `max`
    kToken,       // 1 to 64 letters, digits, '-', '_', '.' (a profile name)
    kHeaderText,  // no control characters (it is sent in an HTTP header)
};

struct FlagSpec {
    std::string name;     // long name: --NAME on the command line, NAME in cli.ini
    char short_name = 0;  // -X, or 0
    FlagGroup group = FlagGroup::kGeneral;
    FlagType type = FlagType::kSwitch;
    std::string help;
    std::string default_value;  // the built-in value ("" if none); shown as "(default: ...)"
    std::string value_name;     // the value's name in help if not the flag's own (FILE)
    std::string same_as;        // an alias or negation: the flag whose setting this one shares
    std::string renewal_key;    // the [renewalparams] key it is stored under, "" if not stored
    FlagUse use = FlagUse::kConfig;
    std::string consumer;
    bool in_cli_ini = true;  // false: command line only (--config, --help, --version)
    FlagAction action = FlagAction::kSet;
    FlagCheck check = FlagCheck::kNone;
    std::vector<std::string> choices;  // kOneOf
    long min = 0, max = 0;             // kRange
    std::string check_message;
    std::string conflicts_with;    // a flag (or an alias of it) that may not be given with this one
    std::string conflict_message;  // the error when both are
    std::vector<std::string> conflict_unless;  // values of this flag that conflict with nothing
    std::vector<std::string> verbs;  // the subcommands it may be given with; empty: all of them
    std::string verbs_note;          // why not with others (in the error's parentheses)
    std::string verbs_message;       // the error with others, if not the usual ("{}": the verb)

    // The Config fields `consumer` names for a kConfig row ("!" of a negation removed); none
    // for the other uses.
    std::vector<std::string> fields() const;

    // The help text with the default appended as certbot shows it.
    std::string help_text() const;
    // The flag that decides precedence between this and its aliases (itself if none).
    const std::string& setting() const { return same_as.empty() ? name : same_as; }
    // An alias of FLAG that does exactly what FLAG does (--staging of --test-cert, --renew-hook
    // of --deploy-hook): given, it counts as FLAG given. A negation (--no-redirect) is none.
    bool alias_of(const FlagSpec& flag) const {
        return same_as == flag.name && consumer == flag.consumer && action == flag.action &&
               renewal_key == flag.renewal_key;
    }
    // The error when the flag is given with VERB, a subcommand it is not for (`verbs`).
    std::string verbs_error(const std::string& verb) const;
};

// Every flag, by help group in certbot's order.
const std::vector<FlagSpec>& flag_table();

// A flag by long name; null if there is none.
const FlagSpec* find_flag(const std::string& name);

// Plugins certbot knows by name; their selector flags (--nginx) are accepted even when the
// plugin is not installed, so the error can say "not installed".
extern const char* const kKnownPlugins[18];

}  // namespace certbot
