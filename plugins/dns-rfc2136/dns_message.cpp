#include "dns_message.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <stdexcept>

namespace rfc2136 {

namespace {

void put16(Bytes& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& out, uint32_t v) {
    put16(out, static_cast<uint16_t>(v >> 16));
    put16(out, static_cast<uint16_t>(v));
}
void put48(Bytes& out, uint64_t v) {
    put16(out, static_cast<uint16_t>(v >> 32));
    put32(out, static_cast<uint32_t>(v));
}
void append(Bytes& out, const Bytes& more) {
    out.insert(out.end(), more.begin(), more.end());
}

// RFC 1035 §4.1.1 header: ID, flags, and the four section counts.
Bytes header(uint16_t id, int opcode, bool rd, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
    Bytes h;
    put16(h, id);
    put16(h, static_cast<uint16_t>((opcode & 0xF) << 11 | (rd ? 0x0100 : 0)));
    put16(h, qd);
    put16(h, an);
    put16(h, ns);
    put16(h, ar);
    return h;
}

// Reads from a message, never past its end.
class Reader {
  public:
    explicit Reader(const Bytes& m) : m_(m) {}
    size_t pos() const { return pos_; }
    void need(size_t n) const {
        if (m_.size() - pos_ < n) throw std::runtime_error("truncated DNS message");
    }
    uint8_t u8() {
        need(1);
        return m_[pos_++];
    }
    uint16_t u16() {
        uint16_t hi = u8();
        return static_cast<uint16_t>(hi << 8 | u8());
    }
    uint32_t u32() {
        uint32_t hi = u16();
        return hi << 16 | u16();
    }
    uint64_t u48() {
        uint64_t hi = u16();
        return hi << 32 | u32();
    }
    Bytes bytes(size_t n) {
        need(n);
        Bytes out(m_.begin() + static_cast<std::ptrdiff_t>(pos_),
                  m_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
        pos_ += n;
        return out;
    }
    void skip(size_t n) {
        need(n);
        pos_ += n;
    }
    // A possibly compressed name (RFC 1035 §4.1.4), as lower-case text with a trailing dot.
    std::string name() {
        std::string out;
        size_t p = pos_;
        bool jumped = false;
        for (int hops = 0;; ++hops) {
            if (hops > 127) throw std::runtime_error("DNS name compression loop");
            if (p >= m_.size()) throw std::runtime_error("truncated DNS name");
            uint8_t len = m_[p];
            if ((len & 0xC0) == 0xC0) {
                if (p + 1 >= m_.size()) throw std::runtime_error("truncated DNS name");
                size_t target = static_cast<size_t>(len & 0x3F) << 8 | m_[p + 1];
                if (!jumped) pos_ = p + 2;
                jumped = true;
                if (target >= p) throw std::runtime_error("DNS name pointer points forward");
                p = target;
                continue;
            }
            if (len & 0xC0) throw std::runtime_error("unsupported DNS label type");
            if (len == 0) {
                if (!jumped) pos_ = p + 1;
                break;
            }
            if (p + 1 + len > m_.size()) throw std::runtime_error("truncated DNS label");
            for (size_t i = 0; i < len; ++i)
                out.push_back(static_cast<char>(std::tolower(m_[p + 1 + i])));
            out.push_back('.');
            if (out.size() > 255) throw std::runtime_error("DNS name too long");
            p += 1 + len;
        }
        return out.empty() ? "." : out;
    }

  private:
    const Bytes& m_;
    size_t pos_ = 0;
};

std::string absolute(std::string name) {
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name.empty() || name.back() != '.') name += '.';
    return name;
}

// The TSIG variables of RFC 8945 §4.3.3, in the order they are digested.
Bytes tsig_variables(const TsigKey& key, const TsigFields& f) {
    Bytes v = encode_name(key.name);
    put16(v, kClassANY);
    put32(v, 0);  // TTL
    append(v, encode_name(key.algorithm));
    put48(v, f.time_signed);
    put16(v, f.fudge);
    put16(v, f.error);
    put16(v, static_cast<uint16_t>(f.other.size()));
    append(v, f.other);
    return v;
}

const EVP_MD* digest_of(const std::string& algorithm) {
    const std::string a = absolute(algorithm);
    if (a == "hmac-md5.sig-alg.reg.int.") return EVP_md5();
    if (a == "hmac-sha1.") return EVP_sha1();
    if (a == "hmac-sha224.") return EVP_sha224();
    if (a == "hmac-sha256.") return EVP_sha256();
    if (a == "hmac-sha384.") return EVP_sha384();
    if (a == "hmac-sha512.") return EVP_sha512();
    return nullptr;
}

}  // namespace

Bytes encode_name(const std::string& name) {
    Bytes out;
    if (name.empty() || name == ".") {
        out.push_back(0);
        return out;
    }
    std::string n = name.back() == '.' ? name.substr(0, name.size() - 1) : name;
    size_t start = 0;
    while (true) {
        size_t dot = n.find('.', start);
        size_t len = (dot == std::string::npos ? n.size() : dot) - start;
        if (len == 0) throw std::invalid_argument("empty label in DNS name \"" + name + "\"");
        if (len > 63) throw std::invalid_argument("label over 63 octets in \"" + name + "\"");
        out.push_back(static_cast<uint8_t>(len));
        for (size_t i = start; i < start + len; ++i)
            out.push_back(static_cast<uint8_t>(std::tolower(static_cast<unsigned char>(n[i]))));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    out.push_back(0);
    if (out.size() > 255) throw std::invalid_argument("DNS name over 255 octets: \"" + name + "\"");
    return out;
}

std::string tsig_algorithm_name(const std::string& spelling) {
    std::string a = absolute(spelling);
    if (a == "hmac-md5." || a == "hmac-md5.sig-alg.reg.int.") return "hmac-md5.sig-alg.reg.int.";
    return digest_of(a) ? a : std::string();
}

std::optional<Bytes> base64_decode(const std::string& text) {
    Bytes out;
    uint32_t acc = 0;
    int bits = 0;
    size_t pad = 0;
    for (char ch : text) {
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') continue;
        int v;
        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9')
            v = ch - '0' + 52;
        else if (ch == '+')
            v = 62;
        else if (ch == '/')
            v = 63;
        else if (ch == '=') {
            ++pad;
            continue;
        } else
            return std::nullopt;
        if (pad) return std::nullopt;  // data after padding
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<uint8_t>(acc >> bits));
        }
    }
    if (pad > 2 || bits >= 6 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

Bytes make_soa_query(uint16_t id, const std::string& name) {
    Bytes m = header(id, kOpQuery, false, 1, 0, 0, 0);
    append(m, encode_name(name));
    put16(m, kTypeSOA);
    put16(m, kClassIN);
    return m;
}

Bytes make_txt_update(uint16_t id, const std::string& zone, const std::string& name,
                      const std::string& value, uint32_t ttl, bool add) {
    // RFC 2136 §2.2: ZOCOUNT=1, PRCOUNT=0, UPCOUNT=1, ADCOUNT=0 (TSIG is added when signing).
    Bytes m = header(id, kOpUpdate, false, 1, 0, 1, 0);
    append(m, encode_name(zone));  // §2.3 zone section: ZNAME, ZTYPE=SOA, ZCLASS
    put16(m, kTypeSOA);
    put16(m, kClassIN);
    Bytes rdata;
    size_t at = 0;
    do {  // RFC 1035 §3.3.14: one or more <character-string>s
        size_t n = std::min<size_t>(255, value.size() - at);
        rdata.push_back(static_cast<uint8_t>(n));
        rdata.insert(rdata.end(), value.begin() + static_cast<std::ptrdiff_t>(at),
                     value.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
    } while (at < value.size());
    if (rdata.size() > 65535) throw std::invalid_argument("TXT value too long");
    append(m, encode_name(name));
    put16(m, kTypeTXT);
    put16(m, add ? kClassIN : kClassNONE);
    put32(m, add ? ttl : 0);
    put16(m, static_cast<uint16_t>(rdata.size()));
    append(m, rdata);
    return m;
}

Bytes tsig_hmac(const TsigKey& key, const Bytes& data) {
    const EVP_MD* md = digest_of(key.algorithm);
    if (!md) return {};
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    static const unsigned char kEmpty = 0;
    if (!HMAC(md, key.secret.empty() ? &kEmpty : key.secret.data(),
              static_cast<int>(key.secret.size()), data.data(), data.size(), mac, &len))
        return {};
    return Bytes(mac, mac + len);
}

Bytes tsig_sign(Bytes& message, const TsigKey& key, const TsigFields& fields) {
    if (message.size() < 12) throw std::invalid_argument("DNS message without a header");
    Bytes digest = message;
    append(digest, tsig_variables(key, fields));
    Bytes mac = tsig_hmac(key, digest);
    if (mac.empty()) throw std::invalid_argument("unsupported TSIG algorithm " + key.algorithm);
    // RFC 8945 §4.2: the TSIG RR, last in the additional section.
    Bytes rdata = encode_name(key.algorithm);
    put48(rdata, fields.time_signed);
    put16(rdata, fields.fudge);
    put16(rdata, static_cast<uint16_t>(mac.size()));
    append(rdata, mac);
    rdata.push_back(message[0]);  // original ID
    rdata.push_back(message[1]);
    put16(rdata, fields.error);
    put16(rdata, static_cast<uint16_t>(fields.other.size()));
    append(rdata, fields.other);
    append(message, encode_name(key.name));
    put16(message, kTypeTSIG);
    put16(message, kClassANY);
    put32(message, 0);
    put16(message, static_cast<uint16_t>(rdata.size()));
    append(message, rdata);
    uint16_t ar = static_cast<uint16_t>(message[10] << 8 | message[11]);
    ++ar;
    message[10] = static_cast<uint8_t>(ar >> 8);
    message[11] = static_cast<uint8_t>(ar);
    return mac;
}

Response parse_message(const Bytes& message) {
    Reader r(message);
    Response out;
    out.id = r.u16();
    uint16_t flags = r.u16();
    out.is_response = flags & 0x8000;
    out.opcode = (flags >> 11) & 0xF;
    out.authoritative = flags & 0x0400;
    out.rcode = flags & 0xF;
    uint16_t qd = r.u16(), an = r.u16(), ns = r.u16(), ar = r.u16();
    for (uint16_t i = 0; i < qd; ++i) {
        r.name();
        r.skip(4);
    }
    const uint32_t rr_total = static_cast<uint32_t>(an) + ns + ar;
    for (uint32_t i = 0; i < rr_total; ++i) {
        size_t start = r.pos();
        std::string owner = r.name();
        uint16_t type = r.u16();
        uint16_t cls = r.u16();
        r.skip(4);  // TTL
        uint16_t rdlen = r.u16();
        r.need(rdlen);
        size_t rdata_end = r.pos() + rdlen;
        if (i < an) out.answer_types.push_back(type);
        if (type == kTypeTSIG) {
            // RFC 8945 §5.1: a TSIG must be the last record, of class ANY.
            if (i + 1 != rr_total || i < static_cast<uint32_t>(an) + ns || cls != kClassANY)
                throw std::runtime_error("misplaced TSIG record in DNS message");
            TsigRecord t;
            t.offset = start;
            t.key_name = owner;
            t.algorithm = r.name();
            t.fields.time_signed = r.u48();
            t.fields.fudge = r.u16();
            t.mac = r.bytes(r.u16());
            t.original_id = r.u16();
            t.fields.error = r.u16();
            t.fields.other = r.bytes(r.u16());
            if (r.pos() != rdata_end) throw std::runtime_error("malformed TSIG record");
            out.tsig = t;
        } else {
            r.skip(rdlen);
        }
    }
    if (r.pos() != message.size()) throw std::runtime_error("trailing bytes after DNS message");
    return out;
}

std::string tsig_verify(const Bytes& message, const Response& parsed, const TsigKey& key,
                        const Bytes& request_mac, uint64_t now) {
    if (!parsed.tsig) return "the answer is not signed";
    const TsigRecord& t = *parsed.tsig;
    if (t.key_name != absolute(key.name)) return "the answer is signed with another key";
    if (t.algorithm != absolute(key.algorithm))
        return "the answer is signed with another algorithm";
    if (t.fields.error != 0) return "the server reported " + tsig_error_name(t.fields.error);
    // RFC 8945 §4.3.1-4.3.3: request MAC, the message without its TSIG (ARCOUNT - 1, original
    // ID), then the TSIG variables.
    Bytes digest;
    if (!request_mac.empty()) {  // an answer: the request's MAC comes first
        put16(digest, static_cast<uint16_t>(request_mac.size()));
        append(digest, request_mac);
    }
    Bytes body(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(t.offset));
    body[0] = static_cast<uint8_t>(t.original_id >> 8);
    body[1] = static_cast<uint8_t>(t.original_id);
    uint16_t ar = static_cast<uint16_t>(body[10] << 8 | body[11]);
    --ar;
    body[10] = static_cast<uint8_t>(ar >> 8);
    body[11] = static_cast<uint8_t>(ar);
    append(digest, body);
    append(digest, tsig_variables(key, t.fields));
    Bytes mac = tsig_hmac(key, digest);
    if (mac.empty() || mac.size() != t.mac.size() ||
        CRYPTO_memcmp(mac.data(), t.mac.data(), mac.size()) != 0)
        return "the answer's TSIG signature does not verify (BADSIG)";
    uint64_t skew =
        now > t.fields.time_signed ? now - t.fields.time_signed : t.fields.time_signed - now;
    if (skew > t.fields.fudge)
        return "the answer's TSIG time is off by " + std::to_string(skew) + " s (BADTIME)";
    return "";
}

std::string rcode_name(int rcode) {
    static const char* const kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                         "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                         "NXRRSET", "NOTAUTH", "NOTZONE"};
    if (rcode >= 0 && rcode <= 10) return kNames[rcode];
    return "RCODE " + std::to_string(rcode);
}

std::string tsig_error_name(uint16_t error) {
    switch (error) {
        case 0:
            return "NOERROR";
        case kBadSig:
            return "BADSIG";
        case kBadKey:
            return "BADKEY";
        case kBadTime:
            return "BADTIME";
        case kBadTrunc:
            return "BADTRUNC";
        default:
            return "TSIG error " + std::to_string(error);
    }
}

}  // namespace rfc2136
