// cli.ini: certbot's configuration files (-c/--config FILE, /etc/letsencrypt/cli.ini and
// $XDG_CONFIG_HOME/letsencrypt/cli.ini). Certbot reads them with ConfigArgParse's default parser;
// this is that syntax, line for line:
//
//   # comment            ; comment            [section] (ignored)      --- (ignored)
//   rsa-key-size = 4096  rsa-key-size: 4096   rsa-key-size 4096        --rsa-key-size 4096
//   agree-tos            agree-tos = True     (flags: true/false, yes/no, 1/0, any case)
//   domains = a.example, b.example            (one value; -d's comma list)
//   webroot-path = [/var/www/a, /var/www/b]   (a list: one value per element)
//   email = "x@example.com"  # quotes are stripped; " #" or " ;" starts a trailing comment
//
// Keys are long option names without the leading "--". Each value becomes the command-line
// argument "--key=value" (ConfigArgParse does the same), so the CLI validates it exactly like a
// flag; the difference is that an error names FILE:LINE and the key. A key repeated in one file:
// the last one wins.
//
// Precedence (highest first): the command line, the --config file, the XDG file, the system
// file; a key (or one of its aliases: domain/domains, staging/test-cert, redirect/no-redirect,
// ...) set by a higher layer makes the lower layers' value for it ignored, including
// "key = False".
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace certbot {

struct CliIniEntry {
    std::string key;                  // without leading "--"
    std::vector<std::string> values;  // one value; several for a [a, b] list
    bool list = false;                // written as [a, b]
    bool bare = false;                // a key alone on its line ("agree-tos")
    int line = 0;                     // 1-based
};

struct CliIni {
    std::string path;
    std::vector<CliIniEntry> entries;  // file order; a repeated key keeps its last value
};

// Parses cli.ini text; `path` is only used in messages. Errors name "path:line".
Result<CliIni> parse_cli_ini(std::string_view text, const std::string& path);

// Reads and parses a file (at most 1 MiB).
Result<CliIni> load_cli_ini(const std::string& path);

// "true"/"yes"/"1" -> true, "false"/"no"/"0" -> false (any case), else nullopt.
std::optional<bool> parse_ini_bool(std::string_view s);

// certbot's default files, lowest priority first: the system file (/etc/letsencrypt/cli.ini, or
// $CERTBOT_SYSTEM_CLI_INI when set: empty means none; for tests and packagers, ignored in a
// setuid/setgid process) and $XDG_CONFIG_HOME/letsencrypt/cli.ini (else
// $HOME/.config/letsencrypt/cli.ini). Files that do not exist are the caller's to skip.
std::vector<std::string> default_cli_ini_paths();

// What the command line knows about a key.
enum class OptionKind {
    kUnknown,
    kFlag,    // no value: "key = true" -> "--key", "key = false" -> nothing
    kCount,   // -v: "verbose = 2" -> "--verbose --verbose"; true -> one
    kValue,   // one value: "--key=value"
    kValues,  // may repeat: a [a, b] list -> "--key=a --key=b"
};
struct OptionInfo {
    OptionKind kind = OptionKind::kUnknown;
    std::string group;  // precedence group: aliases share one (e.g. "domains" for domain)
    std::string hint;   // for kUnknown: put after the key, e.g. " (did you mean rsa-key-size?)"
};
using OptionLookup = std::function<OptionInfo(const std::string& key)>;

// One config entry turned into command-line tokens.
struct CliIniArg {
    std::string key;                  // as written (without "--")
    std::string origin;               // "path:line"
    std::vector<std::string> tokens;  // "--key=value", "--flag", ... (may be empty: key = false)
};

// Turns `files` (highest priority first) into arguments, lowest priority first, so that
// prepending their tokens to the command line gives certbot's order. Entries whose group is in
// `given` (set on the command line) or set by a higher-priority file are dropped. Errors
// (kExitUsage) name path:line and the key: an unknown key, a bad flag value, a list for a
// one-value key.
Result<std::vector<CliIniArg>> cli_ini_arguments(const std::vector<CliIni>& files,
                                                 const std::set<std::string>& given,
                                                 const OptionLookup& lookup);

}  // namespace certbot
