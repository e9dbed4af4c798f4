#include "config_files.h"

#include <unistd.h>

#include <algorithm>
#include <set>
#include <vector>

#include "cli_ini.h"
#include "flags.h"

namespace certbot::cli {

const po::command_line_style::style_t kStyle = static_cast<po::command_line_style::style_t>(
    po::command_line_style::unix_style ^ po::command_line_style::allow_guessing);

namespace {

// Options that set the same thing share a precedence group: one given on the command line (or in
// a higher-priority cli.ini) overrides the others in lower layers.
std::string option_group(const std::string& key, const PluginRegistry& reg) {
    if (const FlagSpec* f = find_flag(key)) return f->setting();
    for (const char* name : kKnownPlugins)
        if (key == name) return "authenticator";  // --webroot etc. choose the authenticator
    if (reg.find(key)) return "authenticator";
    return key;
}

// Levenshtein distance, for "did you mean" on a misspelt cli.ini key.
size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

OptionInfo lookup_option(const std::string& key, const Options& opts, const PluginRegistry& reg) {
    OptionInfo info;
    const po::option_description* d = opts.parse.find_nothrow(key, false, false, false);
    const FlagSpec* flag = find_flag(key);
    if ((flag && !flag->in_cli_ini) || key == "unrecognized-arguments") {
        info.hint = ": --" + key + " only works on the command line";
        return info;
    }
    if (!d || key.size() < 2) {  // one letter: a short option (-d), not a key
        for (const char* name : kKnownPlugins)
            if (key.rfind(std::string(name) + "-", 0) == 0 && !reg.find(name))
                info.hint = std::string(": the ") + name +
                            " plugin's option, and that plugin is not installed (see certbot "
                            "plugins)";
        if (!info.hint.empty()) return info;
        size_t best = 3;
        for (const auto& o : opts.all.options()) {
            const std::string& name = o->long_name();
            size_t dist = edit_distance(key, name);
            if (dist < best && dist < name.size() / 2) {
                best = dist;
                info.hint = " (did you mean " + name + "?)";
            }
        }
        return info;
    }
    info.group = option_group(key, reg);
    if (flag && flag->action == FlagAction::kCount)  // -v: cli.ini's "verbose = 3"
        info.kind = OptionKind::kCount;
    else if (d->semantic()->max_tokens() == 0)
        info.kind = OptionKind::kFlag;
    else if (dynamic_cast<const po::typed_value<std::vector<std::string>>*>(d->semantic().get()))
        info.kind = OptionKind::kValues;
    else
        info.kind = OptionKind::kValue;
    return info;
}

// The cli.ini layers (highest priority first): the file a FlagAction::kConfigFile row names
// (--config FILE), then the default files that exist.
Result<std::vector<CliIni>> load_config_files(const po::parsed_options& cmdline) {
    std::vector<CliIni> files;
    std::string explicit_file;  // -c given twice: the last one, as with certbot
    for (const auto& o : cmdline.options)
        if (const FlagSpec* f = find_flag(o.string_key);
            f && f->action == FlagAction::kConfigFile && !o.value.empty())
            explicit_file = o.value.back();
    if (!explicit_file.empty()) {
        auto ini = load_cli_ini(explicit_file);
        if (!ini) return ini.error();
        files.push_back(std::move(*ini));
    }
    auto defaults = default_cli_ini_paths();
    for (auto it = defaults.rbegin(); it != defaults.rend(); ++it) {
        if (access(it->c_str(), F_OK) != 0) continue;
        auto ini = load_cli_ini(*it);
        if (!ini) return ini.error();
        files.push_back(std::move(*ini));
    }
    return files;
}

}  // namespace

// Merges the cli.ini layers in front of the command line's options (as ConfigArgParse does), so
// they go through the same checks; `origin` records where each came from for messages.
Status apply_config_files(po::parsed_options& parsed, const Options& opts,
                          const PluginRegistry& reg, std::map<std::string, std::string>& origin,
                          std::vector<std::string>& paths) {
    auto files = load_config_files(parsed);
    if (!files) return files.error();
    for (const auto& f : *files) paths.push_back(f.path);
    std::set<std::string> given;
    for (const auto& o : parsed.options) given.insert(option_group(o.string_key, reg));
    auto args = cli_ini_arguments(
        *files, given, [&](const std::string& k) { return lookup_option(k, opts, reg); });
    if (!args) return args.error();
    std::vector<po::option> merged;
    for (const auto& a : *args) {
        if (a.tokens.empty()) continue;
        try {
            auto one = po::command_line_parser(a.tokens).options(opts.parse).style(kStyle).run();
            po::variables_map scratch;  // type checks (an int that is not a number, ...)
            po::store(one, scratch);
            for (auto& o : one.options) {
                origin.emplace(o.string_key, a.origin);
                merged.push_back(std::move(o));
            }
        } catch (const po::error& e) {
            return Error(a.origin + ": " + a.key + ": " + e.what() + "; fix this line", kExitUsage);
        }
    }
    merged.insert(merged.end(), parsed.options.begin(), parsed.options.end());
    parsed.options = std::move(merged);
    return {};
}

}  // namespace certbot::cli
