// A JSON string literal (RFC 8259 §7): the one quoting both sides of the plugin ABI use. The core
// (certbot::json::quote) and the DNS toolkit of plugins/support (dns::json_quote, in the SDK) may
// not link each other (docs/architecture.md, "plugin-api/common/"), so each compiles this inline
// copy.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace certbot::common {

// `s` between double quotes, with '"', '\\' and control characters escaped.
inline std::string json_quote(std::string_view s) {
    std::string out = "\"";
    out.reserve(s.size() + 2);
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
    return out;
}

}  // namespace certbot::common
