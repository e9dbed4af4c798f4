// A small DNS message encoder/decoder for RFC 2136 dynamic updates signed with TSIG (RFC 8945):
// just what the dns-rfc2136 plugin sends (an SOA query, a TXT add/delete update) and what it
// reads back (header, answer types, the TSIG record). Everything read from the network is
// bounds-checked; malformed input throws std::runtime_error. No I/O here, so it is unit-tested
// byte for byte (tests/plugins/dns_message_test.cpp).
#ifndef CERTBOT_PLUGINS_DNS_RFC2136_DNS_MESSAGE_H
#define CERTBOT_PLUGINS_DNS_RFC2136_DNS_MESSAGE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rfc2136 {

using Bytes = std::vector<uint8_t>;

// RFC 1035 §3.2.2-4, RFC 2136 §2.4, RFC 8945 §4.2.
enum : uint16_t {
    kTypeSOA = 6,
    kTypeTXT = 16,
    kTypeTSIG = 250,
    kClassIN = 1,
    kClassNONE = 254,
    kClassANY = 255,
};
enum : int {
    kOpQuery = 0,
    kOpUpdate = 5,
    kRcodeNoError = 0,
    kRcodeNotAuth = 9,
};
// RFC 8945 §5.2 TSIG error codes.
enum : uint16_t { kBadSig = 16, kBadKey = 17, kBadTime = 18, kBadTrunc = 22 };

// Wire form of an absolute domain name (RFC 1035 §3.1), lower-cased (the canonical form TSIG
// needs, RFC 8945 §4.3.3). A trailing dot is optional. Throws std::invalid_argument for an
// empty label, a label over 63 octets or a name over 255.
Bytes encode_name(const std::string& name);

// "hmac-sha256", "HMAC-SHA256", "hmac-sha256." ... -> the algorithm's DNS name
// ("hmac-sha256.", and "hmac-md5.sig-alg.reg.int." for MD5), or "" if unsupported.
std::string tsig_algorithm_name(const std::string& spelling);

struct TsigKey {
    std::string name;       // key name as configured on the server ("certbot." or "certbot")
    std::string algorithm;  // DNS name of the algorithm, from tsig_algorithm_name
    Bytes secret;           // decoded
};

// Standard base64 (RFC 4648 §4) with optional padding and whitespace; nullopt when invalid.
std::optional<Bytes> base64_decode(const std::string& text);

// A query for the SOA of NAME, RD off (we ask the authoritative server itself).
Bytes make_soa_query(uint16_t id, const std::string& name);

// An RFC 2136 update of ZONE: add (TTL) or delete exactly one TXT record NAME "VALUE"
// (§2.5.1 add to an RRset; §2.5.4 delete an RR from an RRset: class NONE, TTL 0).
// VALUE is split into character-strings of at most 255 octets.
Bytes make_txt_update(uint16_t id, const std::string& zone, const std::string& name,
                      const std::string& value, uint32_t ttl, bool add);

// The TSIG "variables" block (RFC 8945 §4.3.3) with these values.
struct TsigFields {
    uint64_t time_signed = 0;  // 48 bits
    uint16_t fudge = 300;
    uint16_t error = 0;
    Bytes other;
};

// Signs MESSAGE (ARCOUNT is incremented and a TSIG RR appended, RFC 8945 §4.2-4.3).
// Returns the MAC, needed to verify the answer.
Bytes tsig_sign(Bytes& message, const TsigKey& key, const TsigFields& fields);

// The MAC over DATA for KEY ("" on an unknown algorithm): HMAC(secret, data).
Bytes tsig_hmac(const TsigKey& key, const Bytes& data);

struct TsigRecord {
    std::string key_name;   // lower-case, with trailing dot
    std::string algorithm;  // lower-case, with trailing dot
    TsigFields fields;
    Bytes mac;
    uint16_t original_id = 0;
    size_t offset = 0;  // where the TSIG RR starts in the message
};

struct Response {
    uint16_t id = 0;
    bool is_response = false;
    int opcode = 0;
    bool authoritative = false;
    int rcode = 0;
    std::vector<uint16_t> answer_types;
    std::optional<TsigRecord> tsig;  // the last additional record, when it is a TSIG
};

// Parses a message (names may be compressed). Throws std::runtime_error when malformed.
Response parse_message(const Bytes& message);

// Verifies a message's TSIG (RFC 8945 §4.3, §5.3.2): "" when valid, else a short reason.
// For an answer REQUEST_MAC is the MAC we sent; empty verifies a request (RFC 8945 §4.3.2).
// NOW is the current time (seconds since the epoch).
std::string tsig_verify(const Bytes& message, const Response& parsed, const TsigKey& key,
                        const Bytes& request_mac, uint64_t now);

// Text of RCODE ("NOERROR", "REFUSED", ...) and of a TSIG error ("BADSIG", ...).
std::string rcode_name(int rcode);
std::string tsig_error_name(uint16_t error);

}  // namespace rfc2136

#endif  // CERTBOT_PLUGINS_DNS_RFC2136_DNS_MESSAGE_H
