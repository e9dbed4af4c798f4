// libFuzzer target for the nginx configuration parser: anything parse accepts must serialize
// back to the same bytes, and the server collection over it must not crash. The unit tests call
// the same function over the corpus and every crasher kept in testdata/crashers.
#include "nginx_parser.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        nginxconf::Document doc = nginxconf::parse(text, "fuzz.conf");
        if (nginxconf::serialize(doc) != text) std::abort();
    } catch (const nginxconf::ParseError& e) {
        if (e.line() < 1) std::abort();
    }
    return 0;
}
