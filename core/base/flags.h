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
    kConfig,       // sets the Config fields named in `consumer` (space-separated)
    kCommandLine,  // read by the command line itself (help, version, which cli.ini)
    kByNature,     // asks for what this client always does: `consumer` says why
    kNoEffect,     // certbot accepts and ignores it too: `consumer` says why
    kRefused,      // accepted with a warning: `consumer` is the "not supported" message
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

    // The help text with the default appended as certbot shows it.
    std::string help_text() const;
    // The flag that decides precedence between this and its aliases (itself if none).
    const std::string& setting() const { return same_as.empty() ? name : same_as; }
};

// Every flag, by help group in certbot's order.
const std::vector<FlagSpec>& flag_table();

// A flag by long name; null if there is none.
const FlagSpec* find_flag(const std::string& name);

// Plugins certbot knows by name; their selector flags (--nginx) are accepted even when the
// plugin is not installed, so the error can say "not installed".
extern const char* const kKnownPlugins[18];

}  // namespace certbot
