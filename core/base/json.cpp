#include "json.h"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <string_view>

#include "log.h"

namespace certbot::json {

namespace {

// RFC 8259 §4 leaves duplicate names undefined; RapidJSON keeps both and FindMember returns the
// first, which another reader may not. A hostile server must not get two readings of one object.
// Iterative, like the parser: nesting depth cannot exhaust the stack.
std::optional<std::string> duplicate_key(const rapidjson::Value& root) {
    std::vector<const rapidjson::Value*> todo{&root};
    std::vector<std::string_view> names;
    while (!todo.empty()) {
        const rapidjson::Value* v = todo.back();
        todo.pop_back();
        if (v->IsArray()) {
            for (const auto& e : v->GetArray()) todo.push_back(&e);
        } else if (v->IsObject()) {
            names.clear();
            for (const auto& m : v->GetObject()) {
                names.emplace_back(m.name.GetString(), m.name.GetStringLength());
                todo.push_back(&m.value);
            }
            std::sort(names.begin(), names.end());
            auto dup = std::adjacent_find(names.begin(), names.end());
            if (dup != names.end()) return std::string(*dup);
        }
    }
    return std::nullopt;
}

}  // namespace

Result<rapidjson::Document> parse(const std::string& text, const std::string& what,
                                  size_t max_bytes) {
    if (text.size() > max_bytes)
        return Error(what + " is larger than " + std::to_string(max_bytes) + " bytes");
    // RapidJSON stops at a NUL byte; raw NUL is never valid JSON (RFC 8259 §7).
    if (text.find('\0') != std::string::npos)
        return Error(what + " is not valid JSON (a NUL byte at offset " +
                     std::to_string(text.find('\0')) + ")");
    rapidjson::Document doc;
    // RFC 8259 strictly: invalid UTF-8 and anything after the value (but whitespace) are errors.
    doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                      text.size());
    if (doc.HasParseError())
        return Error(what + " is not valid JSON (" +
                     rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                     std::to_string(doc.GetErrorOffset()) + ")");
    if (auto dup = duplicate_key(doc))
        return Error(what + " is not valid JSON (the key \"" + log::printable(*dup, 60) +
                     "\" appears twice in one object)");
    return doc;
}

std::optional<std::string> get_string(const rapidjson::Value& obj, const char* key) {
    if (!obj.IsObject()) return std::nullopt;
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

bool get_bool(const rapidjson::Value& obj, const char* key, bool fallback) {
    if (!obj.IsObject()) return fallback;
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || !it->value.IsBool()) return fallback;
    return it->value.GetBool();
}

std::vector<std::string> get_string_array(const rapidjson::Value& obj, const char* key) {
    std::vector<std::string> out;
    if (!obj.IsObject()) return out;
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || !it->value.IsArray()) return out;
    for (const auto& v : it->value.GetArray())
        if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
    return out;
}

}  // namespace certbot::json
