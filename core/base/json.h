// Small helpers over RapidJSON for reading untrusted JSON and writing compact JSON.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <vector>

#include "json_quote.h"
#include "result.h"

namespace certbot::json {

// Parses at most max_bytes with the iterative parser (no recursion on hostile nesting).
Result<rapidjson::Document> parse(const std::string& text, const std::string& what,
                                  size_t max_bytes = 4 << 20);

std::optional<std::string> get_string(const rapidjson::Value& obj, const char* key);
bool get_bool(const rapidjson::Value& obj, const char* key, bool fallback = false);
std::vector<std::string> get_string_array(const rapidjson::Value& obj, const char* key);

// A JSON string literal (with quotes), escaped (the plugins' DNS toolkit quotes the same way).
inline std::string quote(const std::string& s) {
    return common::json_quote(s);
}

}  // namespace certbot::json
