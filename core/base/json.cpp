#include "json.h"

#include <rapidjson/error/en.h>

#include "log.h"

namespace certbot::json {

Result<rapidjson::Document> parse(const std::string& text, const std::string& what,
                                  size_t max_bytes) {
    if (text.size() > max_bytes)
        return Error(what + " is larger than " + std::to_string(max_bytes) + " bytes");
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag>(text.data(),
                                                                                  text.size());
    if (doc.HasParseError())
        return Error(what + " is not valid JSON (" +
                     rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                     std::to_string(doc.GetErrorOffset()) + ")");
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

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
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
    return out + "\"";
}

}  // namespace certbot::json
