// Describing a plugin without running any of its code: the entry (`certbot_plugin_entry`, a
// const cb_plugin of static data, rule 4) is read from the .so file itself. The dynamic symbol
// table gives its address; the file's loadable segments give its bytes; the dynamic relocations
// (RELATIVE, RELR, and symbolic ones against symbols the file defines) give the values its
// pointers will have once loaded. Nothing is mapped executable, nothing is called: a plugin with
// a crashing ELF constructor is described like any other. docs/plugin-abi.md, "Process model".
#pragma once

#include <optional>
#include <string>

#include "plugin_wire.h"

namespace certbot {

// The file's "desc" message, as a runner would answer it (["desc", "ok", ...] or
// ["desc", "skip", reason, declared name]), when the file's static data decides it; nullopt
// when only loading the file can tell (an entry filled in at run time, an ELF object of another
// class or machine, a pointer the file cannot resolve, no entry in the file's own symbols):
// the caller then asks a runner process.
std::optional<wire::Message> describe_plugin_file(const std::string& path);

}  // namespace certbot
