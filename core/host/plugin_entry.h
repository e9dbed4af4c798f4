// The checks and the description of a plugin's entry (cb_plugin), shared by the two ways the
// host reads one: from the file without loading it (plugin_elf.h) and from a loaded copy in a
// runner process (plugin_runner.h). Both produce the same "desc" message.
#pragma once

#include <certbot/plugin.h>

#include <string>
#include <vector>

#include "plugin_wire.h"

namespace certbot {

// The option at index I of the entry's array, honouring the element size the plugin was built
// with (options[0].struct_size): a plugin built against a header that appended fields to
// cb_option_desc has a larger stride than this host's sizeof.
const cb_option_desc& plugin_option_at(const cb_plugin& entry, size_t i);

// The head (plugin.h: the fields every major keeps) of an entry.
inline const cb_plugin_head& plugin_head(const cb_plugin& entry) {
    return reinterpret_cast<const cb_plugin_head&>(entry);
}

// Whether this host speaks plugin ABI major MAJOR (today only CB_ABI_MAJOR).
bool plugin_host_speaks(uint32_t major);

// Negotiation (plugin.h, "Negotiation"): the entries a plugin offers, OFFERED[0] being
// certbot_plugin_entry and the rest its certbot_plugin_entries list (absent: OFFERED has one
// element; read at most CB_MAX_ENTRIES + 1 of them). PROBLEM empty: INDEX is the entry of the
// highest major this host speaks (with only certbot_plugin_entry, always 0: its own checks then
// say why it cannot be used). Else PROBLEM says why none can be ("offers only plugin ABI 2.0 and
// 99.0; this certbot speaks ABI 1.0 to 1.3") and INDEX is 0.
struct EntryChoice {
    size_t index = 0;
    std::string problem;
};
EntryChoice plugin_choose_entry(const std::vector<const cb_plugin_head*>& offered);

// The name an entry declares, read from the part of cb_plugin that every major keeps
// (struct_size, abi_major, abi_minor, name: docs/plugin-abi.md, "Versioning"); "" when the
// entry is too short for it or the name is not a valid one.
std::string plugin_declared_name(const cb_plugin_head& entry);

// Why the entry cannot be used ("was built for plugin ABI 2.0; ..."), or "" when it can.
// Reads a field only after struct_size and abi_major say it is there.
std::string plugin_entry_problem(const cb_plugin& entry);

// ["desc", "ok", name, description, version, kinds, abi_minor, types..., options...,
// exclusive, exclusive_port_option] for an entry plugin_entry_problem accepted.
wire::Message plugin_describe_entry(const cb_plugin& entry);

}  // namespace certbot
