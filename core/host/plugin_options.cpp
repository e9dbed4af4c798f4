#include "plugin_options.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "fsutil.h"
#include "log.h"

namespace certbot {

namespace {

std::string flag_of(const std::string& plugin, const cb_option_desc& od) {
    return "--" + plugin + "-" + od.name;
}

bool has_bounds(const cb_option_desc& od) {
    return od.min_value != 0 || od.max_value != 0;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string choices_text(const cb_option_desc& od, const char* separator) {
    std::string out;
    for (const char* const* c = od.choices; c && *c; ++c)
        out += (out.empty() ? "" : separator) + std::string(*c);
    return out;
}

}  // namespace

Result<std::string> plugin_option_value(const std::string& plugin, const cb_option_desc& od,
                                        const std::string& value) {
    const std::string where = "The " + plugin + " plugin's " + flag_of(plugin, od);
    auto bad = [&](const std::string& what) {
        return Error(where + " " + what + ", not \"" + log::printable(value, 100) + "\"",
                     kExitUsage);
    };
    switch (od.type) {
        case CB_TYPE_INT: {
            errno = 0;
            char* end = nullptr;
            const long long v = value.empty() || std::isspace(static_cast<unsigned char>(value[0]))
                                    ? 0
                                    : std::strtoll(value.c_str(), &end, 10);
            if (!end || *end != '\0' || errno == ERANGE) return bad("takes a whole number");
            if (has_bounds(od) && (v < od.min_value || v > od.max_value))
                return bad("must be from " + std::to_string(od.min_value) + " to " +
                           std::to_string(od.max_value));
            return std::to_string(v);
        }
        case CB_TYPE_BOOL: {
            const std::string v = lower(value);
            if (v == "true" || v == "yes" || v == "on" || v == "1") return std::string("True");
            if (v == "false" || v == "no" || v == "off" || v == "0") return std::string("False");
            return bad("takes True or False");
        }
        case CB_TYPE_PATH:
            if (value.empty())
                return Error(where + " takes a path, not an empty value", kExitUsage);
            return normalize_path(value);
        case CB_TYPE_CHOICE:
            for (const char* const* c = od.choices; c && *c; ++c)
                if (value == *c) return value;
            return bad("must be one of " + choices_text(od, ", "));
        default:
            return value;
    }
}

Status check_plugin_values(const LoadedPlugin& p, PluginOptionValues& v) {
    const std::string plugin = p.name();
    for (size_t i = 0; i < p.entry->option_count; ++i) {
        const cb_option_desc& od = p.entry->options[i];
        if (od.flags & CB_OPT_FLAG) continue;
        size_t given = 0;
        if (auto it = v.values.find(od.name); it != v.values.end()) {
            for (auto& value : it->second) {
                auto checked = plugin_option_value(plugin, od, value);
                if (!checked) return checked.error();
                value = *checked;
            }
            given += it->second.size();
        }
        if (auto it = v.per_identifier.find(od.name); it != v.per_identifier.end()) {
            for (auto& [identifier, value] : it->second) {
                auto checked = plugin_option_value(plugin, od, value);
                if (!checked) return checked.error();
                value = *checked;
            }
            given += it->second.size();
        }
        if ((od.flags & CB_OPT_REQUIRED) && given == 0)
            return Error("The " + plugin + " plugin needs " + flag_of(plugin, od) + " " +
                             plugin_option_metavar(plugin, od) + " (see certbot --help " + plugin +
                             ")",
                         kExitFailure);  // certbot: MissingCommandlineFlag, exit 1
    }
    return Status::Ok();
}

std::string plugin_option_metavar(const std::string& plugin, const cb_option_desc& od) {
    if (od.metavar && *od.metavar) return od.metavar;
    if (od.type == CB_TYPE_CHOICE && od.choices) return "{" + choices_text(od, ",") + "}";
    std::string out;
    for (char c : plugin + "-" + od.name)
        out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string plugin_option_summary(const cb_option_desc& od) {
    std::string out;
    switch (od.type) {
        case CB_TYPE_INT:
            out = "int";
            if (has_bounds(od))
                out += " " + std::to_string(od.min_value) + " to " + std::to_string(od.max_value);
            break;
        case CB_TYPE_BOOL:
            out = "bool";
            break;
        case CB_TYPE_PATH:
            out = "path";
            break;
        case CB_TYPE_CHOICE:
            out = "one of " + choices_text(od, "|");
            break;
        default:
            out = (od.flags & CB_OPT_FLAG) ? "switch" : "string";
    }
    if (od.flags & CB_OPT_REQUIRED) out += ", required";
    if (od.default_value) out += ", default " + std::string(od.default_value);
    return out;
}

std::string plugin_option_problem(const cb_option_desc& od) {
    const std::string name = std::string("option ") + od.name;
    if (od.type == CB_TYPE_CHOICE && (!od.choices || !od.choices[0]))
        return name + " as a choice without choices";
    if (od.type == CB_TYPE_INT && od.min_value > od.max_value)
        return name + " with no value allowed (min_value above max_value)";
    if (od.default_value && !(od.flags & CB_OPT_FLAG) &&
        !plugin_option_value("plugin", od, od.default_value))
        return name + " with a default its own type refuses (\"" +
               log::printable(od.default_value, 100) + "\")";
    return {};
}

}  // namespace certbot
