#include "options.h"

#include "plugin_options.h"

#include <string>
#include <vector>

namespace certbot::cli {

po::options_description& Options::group(FlagGroup g) {
    switch (g) {
        case FlagGroup::kGeneral:
            return general;
        case FlagGroup::kAutomation:
            return automation;
        case FlagGroup::kSecurity:
            return security;
        case FlagGroup::kTesting:
            return testing;
        case FlagGroup::kPaths:
            return paths;
        case FlagGroup::kRegistration:
            return registration;
        case FlagGroup::kCertonly:
            return certonly;
        case FlagGroup::kRevoke:
            return revoke;
        case FlagGroup::kRollback:
            return rollback;
        case FlagGroup::kUnregister:
            return unregister;
        case FlagGroup::kCertificates:
            return certificates;
        case FlagGroup::kPlugins:
            return plugins;
        case FlagGroup::kHidden:
            return hidden;
    }
    return hidden;
}

namespace {

// A table row as program_options takes it.
void add_flag(po::options_description& desc, const FlagSpec& f) {
    std::string spec = f.name;
    if (f.short_name) spec += std::string(",") + f.short_name;
    const std::string help = f.help_text();
    switch (f.type) {
        case FlagType::kSwitch:
            desc.add_options()(spec.c_str(), help.c_str());
            break;
        case FlagType::kInt:
            desc.add_options()(spec.c_str(), po::value<int>(), help.c_str());
            break;
        case FlagType::kString: {
            auto* v = po::value<std::string>();
            if (!f.value_name.empty()) v->value_name(f.value_name);
            desc.add_options()(spec.c_str(), v, help.c_str());
            break;
        }
        case FlagType::kStrings:
            desc.add_options()(spec.c_str(), po::value<std::vector<std::string>>(), help.c_str());
            break;
        case FlagType::kTopic:
            desc.add_options()(spec.c_str(), po::value<std::string>()->implicit_value(""),
                               help.c_str());
            break;
    }
}

}  // namespace

void build_options(Options& o, const PluginRegistry& reg) {
    for (const auto& f : flag_table()) add_flag(o.group(f.group), f);
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
            std::string help = od.help ? od.help : "";
            if (od.flags & CB_OPT_FLAG) {
                desc.add_options()(spec.c_str(), help.c_str());
                continue;
            }
            if (od.default_value && help.find("(default:") == std::string::npos)
                help +=
                    std::string(help.empty() ? "" : " ") + "(default: " + od.default_value + ")";
            o.metavars[name + "-" + od.name] = plugin_option_metavar(name, od);
            // A typed value (ABI 1.3) is checked as it is parsed, like argparse's type=, for
            // every plugin's options; plugin_values() checks again what a renewal conf restores.
            auto* value = po::value<std::vector<std::string>>()->notifier(
                [name, od](const std::vector<std::string>& values) {
                    for (const auto& v : values)
                        if (auto checked = plugin_option_value(name, od, v); !checked)
                            throw po::error(checked.error().message);
                });
            desc.add_options()(spec.c_str(), value, help.c_str());
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
