#include "base64.h"

#include <array>
#include <cstdint>

#include "hex.h"

namespace certbot {

namespace {

constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr int8_t kInvalid = -1;

// Reverse table for one alphabet: byte -> 6-bit value, or kInvalid.
struct DecodeTable {
    std::array<int8_t, 256> v{};
    explicit constexpr DecodeTable(const char* alphabet) {
        for (auto& x : v) x = kInvalid;
        for (int i = 0; i < 64; ++i)
            v[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
    }
};

constexpr DecodeTable kStdTable(kStdAlphabet);
constexpr DecodeTable kUrlTable(kUrlAlphabet);

std::string encode(std::string_view bytes, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                     (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    size_t rest = bytes.size() - i;
    if (rest == 1) {
        uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        if (pad) out += "==";
    } else if (rest == 2) {
        uint32_t n =
            (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        if (pad) out += '=';
    }
    return out;
}

// Decodes a run of alphabet characters (no padding, no whitespace). `strict_tail` rejects
// non-zero bits in the last character, which would make two texts decode to the same bytes.
Result<std::string> decode_symbols(std::string_view syms, const DecodeTable& table,
                                   bool strict_tail, const char* what) {
    if (syms.size() % 4 == 1) {
        return Error(std::string("invalid ") + what + ": length " + std::to_string(syms.size()) +
                     " is not a possible encoding");
    }
    std::string out;
    out.reserve(syms.size() / 4 * 3 + 2);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < syms.size(); ++i) {
        int8_t v = table.v[static_cast<unsigned char>(syms[i])];
        if (v == kInvalid) {
            return Error(std::string("invalid ") + what + ": unexpected character at offset " +
                         std::to_string(i));
        }
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    if (strict_tail && bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        return Error(std::string("invalid ") + what + ": non-zero trailing bits");
    }
    return out;
}

bool is_ascii_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    return encode(bytes, kUrlAlphabet, false);
}

Result<std::string> base64url_decode(std::string_view text) {
    return decode_symbols(text, kUrlTable, true, "base64url");
}

bool is_base64url(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (kUrlTable.v[static_cast<unsigned char>(c)] == kInvalid) return false;
    }
    return true;
}

std::string base64_encode(std::string_view bytes) {
    return encode(bytes, kStdAlphabet, true);
}

Result<std::string> base64_decode(std::string_view text) {
    std::string syms;
    syms.reserve(text.size());
    size_t padding = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (is_ascii_space(c)) continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        if (padding > 0) {
            return Error("invalid base64: data after '=' padding at offset " + std::to_string(i));
        }
        syms += c;
    }
    if (padding > 2 || (padding > 0 && (syms.size() + padding) % 4 != 0)) {
        return Error("invalid base64: wrong amount of '=' padding");
    }
    return decode_symbols(syms, kStdTable, false, "base64");
}

std::string hex_encode(std::string_view bytes) {
    return common::hex(bytes);
}

}  // namespace certbot
