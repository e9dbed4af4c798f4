// Fuzz target for the configobj reader/writer (core/configobj.h), which reads every renewal conf
// in the store, also ones a local user or another tool wrote: any bytes give a parsed file or
// one error naming the file and line, never a crash; and what we write reads back to the same
// bytes (writing is a fixed point after one round), so a conf survives any number of renewals
// unchanged. libFuzzer entry point; replay_main.cpp replays the corpus in ctest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "configobj.h"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace certbot;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto conf = ConfigObj::parse(text, "fuzz.conf");
    if (!conf) {
        check(conf.error().message.find("fuzz.conf") != std::string::npos);
        return 0;
    }
    auto once = conf->serialize();
    if (!once) return 0;  // a value configobj itself cannot quote
    auto again = ConfigObj::parse(*once, "fuzz.conf");
    check(again.ok());  // what we write, we read
    auto twice = again->serialize();
    check(twice.ok() && *twice == *once);
    return 0;
}
