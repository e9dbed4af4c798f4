// Bytes as lowercase hex, two characters a byte: digests (the checkpoints' WRITTEN, apache's
// options-ssl digest, OVH's and DNS Made Easy's request signatures), certificate serials, random
// names. The core (core/base/base64.h hex_encode) and the plugins both need it and may not link
// each other (docs/architecture.md, "plugin-api/common/"), so each compiles this inline copy.
#pragma once

#include <string>
#include <string_view>

namespace certbot::common {

inline std::string hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

inline std::string hex(const unsigned char* bytes, size_t n) {
    return hex(std::string_view(reinterpret_cast<const char*>(bytes), n));
}

}  // namespace certbot::common
