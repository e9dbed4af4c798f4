#include "plugin_entry.h"

#include <cstring>
#include <iterator>
#include <map>
#include <vector>

#include "plugin_host.h"
#include "plugin_options.h"

namespace certbot {

// Here rather than in plugin_host.cpp (which declares it): the runner program (cli/runner) links
// this file, not the host's.
bool plugin_name_valid(const char* name) {
    if (!name || !*name || std::strlen(name) > 64) return false;
    for (const char* c = name; *c; ++c)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) return false;
    return name[0] != '-';
}

// cb_plugin_head is the start of cb_plugin in every major.
static_assert(offsetof(cb_plugin_head, abi_major) == offsetof(cb_plugin, abi_major) &&
              offsetof(cb_plugin_head, abi_minor) == offsetof(cb_plugin, abi_minor) &&
              offsetof(cb_plugin_head, name) == offsetof(cb_plugin, name) &&
              sizeof(cb_plugin_head) == offsetof(cb_plugin, name) + sizeof(const char*));

namespace {
std::string to_s(uint64_t v) {
    return std::to_string(v);
}

std::string host_versions() {
    return "this certbot speaks ABI " + to_s(CB_ABI_MAJOR) + ".0 to " + to_s(CB_ABI_MAJOR) + "." +
           to_s(CB_ABI_MINOR);
}

bool head_readable(const cb_plugin_head* h) {
    return h && h->struct_size >= sizeof(cb_plugin_head);
}
}  // namespace

bool plugin_host_speaks(uint32_t major) {
    return major == CB_ABI_MAJOR;
}

EntryChoice plugin_choose_entry(const std::vector<const cb_plugin_head*>& offered) {
    EntryChoice c;
    if (offered.size() <= 1) return c;
    if (offered.size() > CB_MAX_ENTRIES + 1)
        return {0, "lists more than " + to_s(CB_MAX_ENTRIES) + " entries in " CB_ENTRIES_SYMBOL};
    if (!head_readable(offered[0])) return {0, "has a malformed entry"};
    const std::string name = plugin_declared_name(*offered[0]);
    std::map<uint32_t, uint32_t> majors;  // major -> minor, for the refusal
    bool found = false;
    for (size_t i = 1; i < offered.size(); ++i) {
        const cb_plugin_head* h = offered[i];
        if (!head_readable(h))
            return {0, "has a malformed entry #" + to_s(i - 1) + " in " CB_ENTRIES_SYMBOL};
        if (plugin_declared_name(*h) != name)
            return {0, "names another plugin in " CB_ENTRIES_SYMBOL " #" + to_s(i - 1) +
                           " than in " CB_ENTRY_SYMBOL};
    }
    for (size_t i = 0; i < offered.size(); ++i) {
        const cb_plugin_head* h = offered[i];
        majors.emplace(h->abi_major, h->abi_minor);
        if (plugin_host_speaks(h->abi_major) &&
            (!found || h->abi_major > offered[c.index]->abi_major)) {
            c.index = i;
            found = true;
        }
    }
    if (found) return c;
    std::string list;
    for (auto it = majors.begin(); it != majors.end(); ++it) {
        if (it != majors.begin()) list += std::next(it) == majors.end() ? " and " : ", ";
        list += to_s(it->first) + "." + to_s(it->second);
    }
    return {0, "offers only plugin ABI " + list + "; " + host_versions()};
}

const cb_option_desc& plugin_option_at(const cb_plugin& e, size_t i) {
    const size_t stride = e.options[0].struct_size;
    return *reinterpret_cast<const cb_option_desc*>(reinterpret_cast<const char*>(e.options) +
                                                    i * stride);
}

cb_option_desc plugin_option_typed(const cb_option_desc& od) {
    cb_option_desc t{};
    t.type = CB_TYPE_STRING;
    if (CB_HAS_FIELD(&od, cb_option_desc, type)) {
        t.type = od.type;
        t.choices = od.choices;
        t.min_value = od.min_value;
        t.max_value = od.max_value;
    }
    if (t.type > CB_TYPE_CHOICE) t.type = CB_TYPE_STRING;  // a later minor's type
    t.struct_size = sizeof t;
    t.name = od.name;
    t.short_alias = od.short_alias;
    t.metavar = od.metavar;
    t.help = od.help;
    t.default_value = od.default_value;
    t.flags = od.flags;
    return t;
}

std::string plugin_declared_name(const cb_plugin_head& entry) {
    if (entry.struct_size < offsetof(cb_plugin_head, name) + sizeof(entry.name)) return {};
    return plugin_name_valid(entry.name) ? entry.name : "";
}

std::string plugin_entry_problem(const cb_plugin& entry) {
    // Read struct_size and the versions first: with the name, the fields every major keeps.
    if (entry.struct_size < offsetof(cb_plugin, abi_minor) + sizeof(entry.abi_minor))
        return "has a malformed entry (struct_size " + to_s(entry.struct_size) + ")";
    if (entry.abi_major != CB_ABI_MAJOR)
        return "was built for plugin ABI " + to_s(entry.abi_major) + "." + to_s(entry.abi_minor) +
               "; " + host_versions();
    if (entry.struct_size < CB_PLUGIN_SIZE_1_0)
        return "has a truncated entry (struct_size " + to_s(entry.struct_size) + ")";
    if (!plugin_name_valid(entry.name))
        return "has an invalid name (lowercase letters, digits and '-' only)";
    if (!entry.create || !entry.destroy) return "has no create/destroy functions";
    if ((entry.kinds & CB_KIND_AUTHENTICATOR) &&
        (!entry.authenticator || entry.authenticator->struct_size < CB_AUTHENTICATOR_SIZE_1_0))
        return "says it is an authenticator but has no complete authenticator table";
    if ((entry.kinds & CB_KIND_INSTALLER) &&
        (!entry.installer || entry.installer->struct_size < CB_INSTALLER_SIZE_1_0))
        return "says it is an installer but has no complete installer table";
    if (!(entry.kinds & (CB_KIND_AUTHENTICATOR | CB_KIND_INSTALLER)))
        return "is neither an authenticator nor an installer";
    if (entry.option_count > 256) return "declares more than 256 options";
    if (entry.option_count > 0) {
        if (!entry.options) return "declares options but no option table";
        const size_t stride = entry.options[0].struct_size;
        if (stride < CB_OPTION_DESC_SIZE_1_0 || stride > 4096 || stride % alignof(size_t) != 0)
            return "declares a malformed option #0 (struct_size " + to_s(stride) + ")";
    }
    for (size_t i = 0; i < entry.option_count; ++i) {
        const auto& o = plugin_option_at(entry, i);
        if (o.struct_size != entry.options[0].struct_size || !plugin_name_valid(o.name))
            return "declares a malformed option #" + to_s(i);
        if (auto why = plugin_option_problem(plugin_option_typed(o)); !why.empty())
            return "declares " + why;
    }
    return {};
}

wire::Message plugin_describe_entry(const cb_plugin& e) {
    wire::Message m{"desc",
                    "ok",
                    e.name,
                    e.description ? e.description : "",
                    e.version ? e.version : "",
                    to_s(e.kinds),
                    to_s(e.abi_minor)};
    std::vector<std::string> types;
    for (const char* const* t = e.challenge_types; t && *t && types.size() < 16; ++t)
        types.emplace_back(*t);
    m.push_back(to_s(types.size()));
    m.insert(m.end(), types.begin(), types.end());
    m.push_back(to_s(e.option_count));
    for (size_t i = 0; i < e.option_count; ++i) {
        const auto& od = plugin_option_at(e, i);
        m.push_back(od.name);
        m.push_back(wire::nullable(od.short_alias));
        m.push_back(wire::nullable(od.metavar));
        m.push_back(wire::nullable(od.help));
        m.push_back(wire::nullable(od.default_value));
        m.push_back(to_s(od.flags));
        // 1.3: the type (an older plugin's options: strings).
        const cb_option_desc t = plugin_option_typed(od);
        m.push_back(to_s(t.type));
        m.push_back(std::to_string(t.min_value));
        m.push_back(std::to_string(t.max_value));
        std::vector<std::string> choices;
        for (const char* const* c = t.choices; c && *c && choices.size() < kMaxChoices; ++c)
            choices.emplace_back(*c);
        m.push_back(to_s(choices.size()));
        m.insert(m.end(), choices.begin(), choices.end());
    }
    const bool has_excl = CB_HAS_FIELD(&e, cb_plugin, exclusive);
    m.push_back(to_s(has_excl ? e.exclusive : 0));
    m.push_back(wire::nullable(has_excl ? e.exclusive_port_option : nullptr));
    return m;
}

}  // namespace certbot
