// Fuzz target for the DNS message parser of the dns-rfc2136 plugin
// (plugins/dns-rfc2136/dns_message.h), which reads whatever answers on the DNS server's port:
// any bytes give a parsed response or std::runtime_error, never a crash or another exception;
// a parsed TSIG record lies inside the message. libFuzzer entry point; replay_main.cpp replays
// the corpus in ctest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "dns_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const rfc2136::Bytes message(data, data + size);
    try {
        auto r = rfc2136::parse_message(message);
        if (r.tsig && r.tsig->offset >= size) std::abort();
    } catch (const std::runtime_error&) {
    }
    return 0;
}
