#include "dump_cli.h"

#include <cctype>
#include <cstdio>

#include "commands.h"

namespace certbot::cli {

namespace {

std::string clean(std::string s) {
    for (char& c : s)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return s;
}

void record(const std::vector<std::string>& fields) {
    std::string line;
    for (const auto& f : fields) line += (line.empty() ? "" : "\t") + clean(f);
    std::printf("%s\n", line.c_str());
}

void dump_group(const std::string& group, const std::string& title,
                const po::options_description& desc) {
    record({"group", group, title});
    for (const auto& d : desc.options()) {
        std::string shortname;
        const std::string display =
            d->canonical_display_name(po::command_line_style::allow_dash_for_short);
        if (display.size() == 2 && display[0] == '-') shortname = display;
        std::string metavar;
        if (d->semantic()->max_tokens() > 0)  // same rule as --help's (help.cpp)
            for (char c : d->long_name())
                metavar += c == '-' ? '_' : static_cast<char>(std::toupper(c));
        record({"option", group, "--" + d->long_name(), shortname, metavar, d->description()});
    }
}

}  // namespace

int dump_cli(const Options& o, const PluginRegistry& reg,
             const std::vector<std::pair<std::string, std::string>>& verbs) {
    record({"version", certbot_version()});
    for (const auto& [name, help] : verbs) record({"verb", name, help});
    const std::pair<const char*, const po::options_description*> groups[] = {
        {"general", &o.general},
        {"automation", &o.automation},
        {"security", &o.security},
        {"testing", &o.testing},
        {"paths", &o.paths},
        {"register", &o.registration},
        {"certonly", &o.certonly},
        {"revoke", &o.revoke},
        {"rollback", &o.rollback},
        {"unregister", &o.unregister},
        {"certificates", &o.certificates},
        {"plugins", &o.plugins}};
    for (const auto& [name, desc] : groups) dump_group(name, name, *desc);
    for (const auto& [name, desc] : o.per_plugin) dump_group("plugin:" + name, name, desc);
    for (const auto& p : reg.plugins()) {
        std::string kinds = p.is_authenticator() ? "Authenticator" : "";
        if (p.is_installer()) kinds += kinds.empty() ? "Installer" : ",Installer";
        record({"plugin", p.name(), kinds, p.entry->description ? p.entry->description : ""});
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace certbot::cli
