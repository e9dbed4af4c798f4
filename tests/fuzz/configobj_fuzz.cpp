// Fuzz target for the configobj reader/writer (core/configobj.h), which reads every renewal conf
// in the store, also ones a local user or another tool wrote: any bytes give a parsed file or
// one error naming the file and line, never a crash; and what we write reads back, and writes
// again to the same bytes but for one thing Python's configobj does too: each round drops one of
// several blank lines at the end of the file ('a = b\n\n\n' -> 'a = b\n\n' -> 'a = b\n', as
// configobj 5.0.8 writes them; corpus/configobj/trailing-blank-lines), so a conf converges and
// nothing else in it changes over any number of renewals. libFuzzer entry point;
// replay_main.cpp replays the corpus in ctest.
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
    check(twice.ok());
    const bool same = *twice == *once;
    const bool one_blank_line_less = once->size() >= 2 &&
                                     once->compare(once->size() - 2, 2, "\n\n") == 0 &&
                                     *twice == once->substr(0, once->size() - 1);
    check(same || one_blank_line_less);
    return 0;
}
