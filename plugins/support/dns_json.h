// JSON for provider APIs (RapidJSON): parsing an untrusted response body and reading members
// without trusting their types, and quoting a provider's message before it reaches an error.
#ifndef CERTBOT_PLUGINS_SUPPORT_DNS_JSON_H
#define CERTBOT_PLUGINS_SUPPORT_DNS_JSON_H

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>
#include <string>

namespace certbot::plugin::dns {

// At most MAX printable characters of S (a server's message on its way into an error line).
inline std::string printable(const std::string& s, size_t max = 300) {
    std::string out;
    for (unsigned char c : s) {
        if (out.size() >= max) return out + "...";
        out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
    }
    return out;
}

// BODY parsed as JSON; throws "The WHERE sent a response that is not JSON ..." otherwise.
inline rapidjson::Document parse_json(const std::string& body, const std::string& where) {
    rapidjson::Document d;
    d.Parse(body.c_str(), body.size());
    if (d.HasParseError())
        throw std::runtime_error("The " + where + " sent a response that is not JSON (" +
                                 rapidjson::GetParseError_En(d.GetParseError()) + " at offset " +
                                 std::to_string(d.GetErrorOffset()) + ").");
    return d;
}

// The member NAME of V as a string ("" when V is no object, NAME is missing or null); numbers
// are written in decimal (record ids are numbers in some APIs).
inline std::string json_string(const rapidjson::Value& v, const char* name) {
    if (!v.IsObject()) return std::string();
    auto it = v.FindMember(name);
    if (it == v.MemberEnd()) return std::string();
    const auto& m = it->value;
    if (m.IsString()) return std::string(m.GetString(), m.GetStringLength());
    if (m.IsInt64()) return std::to_string(m.GetInt64());
    if (m.IsUint64()) return std::to_string(m.GetUint64());
    return std::string();
}

// "HTTP status 401", with ": <message>" when BODY is a JSON object whose member MEMBER is a string
// (a provider's error body, e.g. {"message": "Authentication failed"}).
inline std::string status_message(int status, const std::string& body, const char* member) {
    rapidjson::Document d;
    d.Parse(body.c_str(), body.size());
    std::string msg = d.HasParseError() ? std::string() : json_string(d, member);
    return "HTTP status " + std::to_string(status) + (msg.empty() ? "" : ": " + printable(msg));
}

// V written as compact JSON (a provider's object sent back with our change: the members we do
// not know are kept as they came).
inline std::string json_write(const rapidjson::Value& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

// The member NAME of V when it is an array, else nullptr.
inline const rapidjson::Value* json_array(const rapidjson::Value& v, const char* name) {
    if (!v.IsObject()) return nullptr;
    auto it = v.FindMember(name);
    return it != v.MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
}

}  // namespace certbot::plugin::dns

#endif  // CERTBOT_PLUGINS_SUPPORT_DNS_JSON_H
