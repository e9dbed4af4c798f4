// The dns-rfc2136 plugin's DNS wire encoder and TSIG (plugins/dns-rfc2136/dns_message.*):
// exact bytes for what we send, TSIG cross-checked against BIND's dig, and a parser that
// survives hostile input.
#include "dns_message.h"
#include "strict_test.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <ctime>
#include <random>
#include <string>

using namespace rfc2136;

namespace {

Bytes bytes(std::initializer_list<int> v) {
    Bytes out;
    for (int b : v) out.push_back(static_cast<uint8_t>(b));
    return out;
}
Bytes text(const std::string& s) {
    return Bytes(s.begin(), s.end());
}
Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
const Bytes kExampleTest = cat({bytes({7}), text("example"), bytes({4}), text("test"), bytes({0})});
const Bytes kAcmeName = cat({bytes({15}), text("_acme-challenge"), kExampleTest});

TsigKey key256() {
    TsigKey k;
    k.name = "certbot-key.";
    k.algorithm = "hmac-sha256.";
    k.secret = *base64_decode("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=");
    return k;
}

bool dig_available() {
    return ::system("command -v dig >/dev/null 2>&1") == 0;
}

// Runs `dig -y ALG:NAME:SECRET` at a UDP socket of ours and returns the query it sent.
Bytes query_signed_by_dig(const std::string& alg, const std::string& name,
                          const std::string& secret) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    socklen_t len = sizeof sa;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string port = std::to_string(ntohs(sa.sin_port));
    const std::string y = alg + ":" + name + ":" + secret;
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execlp("dig", "dig", "+tries=1", "+time=1", "-p", port.c_str(), "@127.0.0.1", "-y",
               y.c_str(), "example.test", "SOA", static_cast<char*>(nullptr));
        _exit(127);
    }
    Bytes buf(65535);
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(n > 0);
    buf.resize(static_cast<size_t>(n));
    return buf;
}

}  // namespace

TEST_CASE("dns: names in wire form, lower-cased, trailing dot optional", "[dns]") {
    CHECK(encode_name("Example.TEST") == kExampleTest);
    CHECK(encode_name("example.test.") == kExampleTest);
    CHECK(encode_name(".") == bytes({0}));
    CHECK_THROWS_AS(encode_name("a..b"), std::invalid_argument);
    CHECK_THROWS_AS(encode_name(std::string(64, 'a') + ".test"), std::invalid_argument);
    std::string long_name;
    for (int i = 0; i < 5; ++i) long_name += std::string(60, 'a') + ".";
    CHECK_THROWS_AS(encode_name(long_name), std::invalid_argument);
    CHECK_NOTHROW(encode_name(std::string(63, 'a') + ".test"));
}

TEST_CASE("dns: certbot's algorithm spellings", "[dns]") {
    CHECK(tsig_algorithm_name("HMAC-SHA256") == "hmac-sha256.");
    CHECK(tsig_algorithm_name("hmac-sha512.") == "hmac-sha512.");
    CHECK(tsig_algorithm_name("HMAC-MD5") == "hmac-md5.sig-alg.reg.int.");
    CHECK(tsig_algorithm_name("hmac-sha1") == "hmac-sha1.");
    CHECK(tsig_algorithm_name("HMAC-SHA3") == "");
    CHECK(tsig_algorithm_name("") == "");
}

TEST_CASE("dns: base64 as in a BIND key (RFC 4648 vectors)", "[dns]") {
    CHECK(*base64_decode("") == text(""));
    CHECK(*base64_decode("Zg==") == text("f"));
    CHECK(*base64_decode("Zm8=") == text("fo"));
    CHECK(*base64_decode("Zm9v") == text("foo"));
    CHECK(*base64_decode("Zm9vYg==") == text("foob"));
    CHECK(*base64_decode("Zm9v YmFy\n") == text("foobar"));
    CHECK(*base64_decode("Zm9vYg") == text("foob"));  // padding optional
    CHECK_FALSE(base64_decode("Zm9v!"));
    CHECK_FALSE(base64_decode("Zg==Zg=="));
    CHECK_FALSE(base64_decode("Z"));
    CHECK_FALSE(base64_decode("Zh=="));  // non-zero trailing bits
}

TEST_CASE("dns: SOA query bytes (RFC 1035 §4.1)", "[dns]") {
    Bytes want = cat({bytes({0xab, 0xcd, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}), kExampleTest,
                      bytes({0, 6, 0, 1})});
    CHECK(make_soa_query(0xabcd, "example.test") == want);
}

TEST_CASE("dns: TXT add and delete update bytes (RFC 2136 §2.5.1, §2.5.4)", "[dns]") {
    Bytes head = bytes({0x12, 0x34, 0x28, 0x00, 0, 1, 0, 0, 0, 1, 0, 0});
    Bytes zone = cat({kExampleTest, bytes({0, 6, 0, 1})});
    Bytes add =
        cat({head, zone, kAcmeName, bytes({0, 16, 0, 1, 0, 0, 0, 120, 0, 4, 3}), text("abc")});
    CHECK(make_txt_update(0x1234, "example.test", "_acme-challenge.example.test", "abc", 120,
                          true) == add);
    Bytes del =
        cat({head, zone, kAcmeName, bytes({0, 16, 0, 254, 0, 0, 0, 0, 0, 4, 3}), text("abc")});
    CHECK(make_txt_update(0x1234, "example.test.", "_acme-challenge.example.test", "abc", 120,
                          false) == del);
    // Long values become several <character-string>s of at most 255 octets.
    Bytes m = make_txt_update(1, "example.test", "_acme-challenge.example.test",
                              std::string(300, 'x'), 120, true);
    Bytes tail(m.end() - 302, m.end());
    CHECK(tail[0] == 255);
    CHECK(tail[256] == 45);
    CHECK(m[m.size() - 304] == 0x01);  // RDLENGTH 302
    CHECK(m[m.size() - 303] == 0x2e);
}

TEST_CASE("dns: TSIG signing appends one TSIG RR that verifies", "[dns]") {
    TsigKey key = key256();
    Bytes m =
        make_txt_update(0x0102, "example.test", "_acme-challenge.example.test", "v", 120, true);
    const size_t unsigned_size = m.size();
    TsigFields f;
    f.time_signed = 1700000000;
    Bytes mac = tsig_sign(m, key, f);
    CHECK(mac.size() == 32);
    CHECK(m[11] == 1);  // ARCOUNT
    Response r = parse_message(m);
    REQUIRE(r.tsig);
    CHECK(r.tsig->offset == unsigned_size);
    CHECK(r.tsig->key_name == "certbot-key.");
    CHECK(r.tsig->algorithm == "hmac-sha256.");
    CHECK(r.tsig->fields.time_signed == 1700000000);
    CHECK(r.tsig->fields.fudge == 300);
    CHECK(r.tsig->original_id == 0x0102);
    CHECK(r.tsig->mac == mac);
    CHECK(tsig_verify(m, r, key, {}, 1700000010) == "");
    CHECK(tsig_verify(m, r, key, {}, 1700000400).find("BADTIME") != std::string::npos);
    TsigKey other = key;
    other.secret[0] ^= 1;
    CHECK(tsig_verify(m, r, other, {}, 1700000000).find("BADSIG") != std::string::npos);
    Bytes tampered = m;
    tampered[14] ^= 0x01;  // "example" becomes "eyample"
    CHECK(tsig_verify(tampered, parse_message(tampered), key, {}, 1700000000) != "");
    // The same message as an answer needs the request MAC in the digest.
    CHECK(tsig_verify(m, r, key, mac, 1700000000) != "");
}

TEST_CASE("dns: our TSIG verifies what BIND's dig signs", "[dns]") {
    if (!dig_available()) {
        CERTBOT_SKIP(
            "dig not installed (Debian: bind9-dnsutils): the cross-check with BIND did not run");
        return;
    }
    struct Case {
        const char* dig_alg;
        const char* our_alg;
        const char* secret;
    } cases[] = {
        {"hmac-sha256", "HMAC-SHA256", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="},
        {"hmac-sha512", "HMAC-SHA512",
         "NT5hzm2yGJ0fXhN0oNCWF8jDf7kBpDdLGNP02I7lAu1pO79hqz4gOR3CUoe9y8GGUmZjjyGmUoLtBr1aJ3s3"
         "cA=="},
        {"hmac-md5", "HMAC-MD5", "bWQ1LXNlY3JldA=="},
    };
    for (const auto& c : cases) {
        INFO(c.dig_alg);
        Bytes q = query_signed_by_dig(c.dig_alg, "dig-key.example", c.secret);
        Response r = parse_message(q);
        REQUIRE(r.tsig);
        CHECK(r.tsig->key_name == "dig-key.example.");
        TsigKey k;
        k.name = "dig-key.example";
        k.algorithm = tsig_algorithm_name(c.our_alg);
        k.secret = *base64_decode(c.secret);
        const uint64_t now = static_cast<uint64_t>(std::time(nullptr));
        CHECK(tsig_verify(q, r, k, {}, now) == "");
        k.secret.back() ^= 0x80;
        CHECK(tsig_verify(q, r, k, {}, now) != "");
    }
}

TEST_CASE("dns: answers are parsed: rcode, AA, answer types, compressed names", "[dns]") {
    // An authoritative answer to "example.test SOA" with the owner compressed (pointer to 12).
    Bytes m =
        cat({bytes({0xab, 0xcd, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0}), kExampleTest,
             bytes({0, 6, 0, 1}), bytes({0xc0, 12, 0, 6, 0, 1, 0, 0, 1, 0x2c, 0, 2, 0xc0, 12})});
    Response r = parse_message(m);
    CHECK(r.id == 0xabcd);
    CHECK(r.is_response);
    CHECK(r.authoritative);
    CHECK(r.rcode == kRcodeNoError);
    CHECK(r.answer_types == std::vector<uint16_t>{kTypeSOA});
    CHECK_FALSE(r.tsig);
    CHECK(rcode_name(9) == "NOTAUTH");
    CHECK(tsig_error_name(kBadKey) == "BADKEY");
}

TEST_CASE("dns: malformed answers throw, never read out of bounds", "[dns]") {
    Bytes good = make_soa_query(7, "example.test");
    for (size_t cut = 0; cut < good.size(); ++cut) {
        Bytes t(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
        CHECK_THROWS_AS(parse_message(t), std::runtime_error);
    }
    // A pointer to itself, and a forward pointer.
    CHECK_THROWS(parse_message(
        cat({bytes({0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0}), bytes({0xc0, 12, 0, 6, 0, 1})})));
    CHECK_THROWS(parse_message(
        cat({bytes({0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0}), bytes({0xc0, 40, 0, 6, 0, 1})})));
    // A TSIG that is not last.
    TsigKey key = key256();
    Bytes signed_msg = make_soa_query(9, "example.test");
    tsig_sign(signed_msg, key, {});
    Bytes two = signed_msg;
    two[11] = 2;
    size_t tsig_at = parse_message(signed_msg).tsig->offset;
    two.insert(two.end(), signed_msg.begin() + static_cast<std::ptrdiff_t>(tsig_at),
               signed_msg.end());
    CHECK_THROWS(parse_message(two));
    // Random garbage and random mutations of a signed message: throw or parse, nothing else.
    std::mt19937 rng(42);
    for (int i = 0; i < 20000; ++i) {
        Bytes b = signed_msg;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int j = 0; j < flips; ++j) b[rng() % b.size()] = static_cast<uint8_t>(rng());
        if (rng() % 4 == 0) b.resize(rng() % b.size());
        try {
            Response r = parse_message(b);
            if (r.tsig) (void)tsig_verify(b, r, key, {}, 0);
        } catch (const std::runtime_error&) {
        }
    }
}
