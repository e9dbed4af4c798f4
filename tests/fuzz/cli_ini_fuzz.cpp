// Fuzz target for the cli.ini parser (core/cli_ini.h): any bytes must give entries or one
// error naming the file and line, never a crash, and the entries must keep the parser's
// invariants. libFuzzer entry point; replay_main.cpp runs it over a corpus without libFuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cli_ini.h"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace certbot;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto ini = parse_cli_ini(text, "fuzz.ini");
    if (!ini) {
        check(ini.error().message.rfind("fuzz.ini:", 0) == 0);
        check(ini.error().exit_code == kExitUsage);
        return 0;
    }
    size_t lines = 1;
    for (char c : text) lines += c == '\n' || c == '\r';
    for (const auto& e : ini->entries) {
        check(!e.key.empty());
        check(e.key.find_first_of(":=;# \t\r\n\v\f") == std::string::npos);
        check(e.line >= 1 && static_cast<size_t>(e.line) <= lines);
        check(e.list || e.values.size() == 1);
        for (const auto& v : e.values) check(v.find('\0') == std::string::npos);
    }
    // Conversion to arguments: every key known, the kind chosen from the key's length.
    auto args = cli_ini_arguments({*ini}, {}, [](const std::string& key) {
        static const OptionKind kinds[] = {OptionKind::kFlag, OptionKind::kCount,
                                           OptionKind::kValue, OptionKind::kValues};
        return OptionInfo{kinds[key.size() % 4], key, ""};
    });
    if (args)
        for (const auto& a : *args)
            for (const auto& t : a.tokens) check(t.rfind("--" + a.key, 0) == 0);
    return 0;
}
