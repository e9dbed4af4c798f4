// ACME client state machine against a scripted fake transport and clock: no sockets, no sleep.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <catch2/catch.hpp>

#include <deque>

#include "acme.h"
#include "base64.h"
#include "fake_http_test.h"
#include "json.h"

using namespace certbot;
using certbot::test::FakeHttp;

namespace {

struct FakeClock : Clock {
    std::chrono::steady_clock::time_point t{};
    std::vector<std::chrono::milliseconds> sleeps;
    std::chrono::steady_clock::time_point now() override { return t; }
    void sleep_for(std::chrono::milliseconds d) override {
        sleeps.push_back(d);
        t += d;
    }
};

const char* kDir =
    R"({"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct",)"
    R"("newOrder":"https://ca.test/order","revokeCert":"https://ca.test/revoke",)"
    R"("meta":{"termsOfService":"https://ca.test/tos","externalAccountRequired":true,)"
    R"("profiles":{"classic":"x","shortlived":"y"}}})";

std::string problem(const std::string& type, const std::string& detail) {
    return R"({"type":"urn:ietf:params:acme:error:)" + type + R"(","detail":")" + detail + R"("})";
}

}  // namespace

TEST_CASE("the directory is parsed and its URLs validated", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    CHECK(acme.directory().new_order == "https://ca.test/order");
    CHECK(acme.directory().terms_of_service == "https://ca.test/tos");
    CHECK(acme.directory().external_account_required);
    CHECK(acme.directory().profiles.size() == 2);
}

TEST_CASE("a broken or hostile directory is refused with the URL named", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    AcmeClient acme(http, "https://ca.test/dir", clock);
    SECTION("not JSON") {
        http.reply(200, "{\"newNonce\": ");
        auto st = acme.load_directory();
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find("https://ca.test/dir") != std::string::npos);
        CHECK(st.error().message.find("not valid JSON") != std::string::npos);
    }
    SECTION("missing newOrder") {
        http.reply(200, R"({"newNonce":"https://ca.test/n","newAccount":"https://ca.test/a"})");
        auto st = acme.load_directory();
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find("newOrder") != std::string::npos);
    }
    SECTION("plain http URL") {
        http.reply(
            200,
            R"({"newNonce":"http://ca.test/n","newAccount":"https://ca.test/a","newOrder":"https://ca.test/o"})");
        REQUIRE_FALSE(acme.load_directory());
    }
    SECTION("HTTP error") {
        http.reply(500, "oops");
        auto st = acme.load_directory();
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find("HTTP 500") != std::string::npos);
    }
    SECTION("deeply nested JSON does not crash") {
        http.reply(200, std::string(100000, '[') + std::string(100000, ']'));
        REQUIRE_FALSE(acme.load_directory());
    }
}

TEST_CASE("badNonce is retried with the fresh nonce, but not forever", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    SECTION("two rejections then success") {
        http.reply(400, problem("badNonce", "stale"));
        http.reply(400, problem("badNonce", "stale"));
        http.reply(
            201,
            R"({"status":"pending","identifiers":[{"type":"dns","value":"a.test"}],)"
            R"("authorizations":["https://ca.test/authz/1"],"finalize":"https://ca.test/fin/1"})",
            {{"location", "https://ca.test/order/1"}});
        auto o = acme.new_order({"a.test"});
        REQUIRE(o);
        CHECK(o->url == "https://ca.test/order/1");
        CHECK(http.posts() == 3);
        // Only the first POST needed a HEAD: later ones used the nonces the errors carried.
        size_t heads = 0;
        for (const auto& r : http.seen) heads += r.method == "HEAD";
        CHECK(heads == 1);
    }
    SECTION("a server that rejects every nonce is given up on") {
        for (int i = 0; i < 40; ++i) http.reply(400, problem("badNonce", "never"));
        auto o = acme.new_order({"a.test"});
        REQUIRE_FALSE(o);
        CHECK(o.error().message.find("rejected") != std::string::npos);
        CHECK(http.posts() <= 21);
    }
}

TEST_CASE("server errors become one message with type, detail and Retry-After", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    http.reply(429, problem("rateLimited", "too many certificates"), {{"retry-after", "120"}});
    auto o = acme.new_order({"a.test"});
    REQUIRE_FALSE(o);
    CHECK(o.error().message.find("rateLimited :: too many certificates") != std::string::npos);
    CHECK(o.error().message.find("120 s") != std::string::npos);
}

TEST_CASE("authorization polling starts fast, backs off and honours Retry-After", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    const std::string pending =
        R"({"status":"pending","identifier":{"type":"dns","value":"a.test"},"challenges":[]})";
    http.reply(200, pending);
    http.reply(200, pending);
    http.reply(200, pending, {{"retry-after", "3"}});
    http.reply(
        200, R"({"status":"valid","identifier":{"type":"dns","value":"a.test"},"challenges":[]})");
    auto a =
        acme.poll_authorization("https://ca.test/authz/1", clock.now() + std::chrono::seconds(90));
    REQUIRE(a);
    CHECK(a->status == "valid");
    REQUIRE(clock.sleeps.size() == 3);
    CHECK(clock.sleeps[0] < std::chrono::milliseconds(100));
    CHECK(clock.sleeps[1] > clock.sleeps[0]);
    CHECK(clock.sleeps[2] == std::chrono::seconds(3));
}

TEST_CASE("polling gives up at the deadline", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    for (int i = 0; i < 100; ++i)
        http.reply(200, R"({"status":"pending","identifier":{"type":"dns","value":"a.test"}})");
    auto a =
        acme.poll_authorization("https://ca.test/authz/1", clock.now() + std::chrono::seconds(5));
    REQUIRE_FALSE(a);
    CHECK(a.error().message.find("issuance timeout") != std::string::npos);
}

TEST_CASE("an authorization with a hostile identifier is refused", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    http.reply(200, R"({"status":"pending","identifier":{"type":"dns","value":"../../etc"}})");
    auto a = acme.get_authorization("https://ca.test/authz/1");
    REQUIRE_FALSE(a);
    CHECK(a.error().message.find("invalid identifier") != std::string::npos);
}

TEST_CASE("JWS requests carry jwk for newAccount and kid afterwards", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key);
    http.reply(201, R"({"status":"valid"})", {{"location", "https://ca.test/acct/7"}});
    auto acct = acme.new_account({"a@b.test"}, true, false);
    REQUIRE(acct);
    CHECK(acme.kid() == "https://ca.test/acct/7");
    auto protected_of = [](const std::string& body) {
        auto start = body.find("\"protected\":\"") + 13;
        auto b = base64url_decode(body.substr(start, body.find('"', start) - start));
        return b ? *b : std::string();
    };
    CHECK(protected_of(http.seen.back().body).find("\"jwk\":") != std::string::npos);
    CHECK(http.seen.back().content_type == "application/jose+json");
    http.reply(400, problem("malformed", "x"));
    (void)acme.new_order({"a.test"});
    CHECK(protected_of(http.seen.back().body).find("\"kid\":\"https://ca.test/acct/7\"") !=
          std::string::npos);
}

TEST_CASE("Retry-After and nonce parsing", "[acme]") {
    CHECK(parse_retry_after("5") == std::chrono::seconds(5));
    CHECK(parse_retry_after("99999999999") == std::chrono::seconds(86400));
    CHECK_FALSE(parse_retry_after("soon"));
    CHECK_FALSE(parse_retry_after(""));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == std::chrono::seconds(0));
    CHECK(valid_nonce("abc_-123"));
    CHECK_FALSE(valid_nonce("abc def"));
    CHECK_FALSE(valid_nonce(std::string(300, 'a')));
    auto p =
        parse_problem(R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"no",)"
                      R"("subproblems":[{"type":"urn:ietf:params:acme:error:caa","detail":"CAA",)"
                      R"("identifier":{"type":"dns","value":"x.test"}}]})");
    REQUIRE(p);
    CHECK(p->describe() == "rejectedIdentifier :: no; x.test: caa :: CAA");
    CHECK_FALSE(parse_problem("not json"));
}

// --- accounts: external account binding (RFC 8555 §7.3.4), key rollover (§7.3.5), contact
// update and deactivation (§7.3.2, §7.3.6), checked structurally.

namespace {

struct Jws {
    std::string protected_json, payload, signing_input, signature;
};

Jws split_jws(const std::string& text) {
    auto doc = json::parse(text, "jws");
    REQUIRE(doc);
    REQUIRE(doc->IsObject());
    Jws j;
    auto p = json::get_string(*doc, "protected");
    auto pl = json::get_string(*doc, "payload");
    auto s = json::get_string(*doc, "signature");
    REQUIRE(p);
    REQUIRE(pl);
    REQUIRE(s);
    j.protected_json = base64url_decode(*p).value();
    j.payload = base64url_decode(*pl).value();
    j.signing_input = *p + "." + *pl;
    j.signature = base64url_decode(*s).value();
    return j;
}

rapidjson::Document parsed(const std::string& text) {
    auto doc = json::parse(text, "json");
    REQUIRE(doc);
    REQUIRE(doc->IsObject());
    return std::move(*doc);
}

std::string member_json(const rapidjson::Value& obj, const char* key) {
    REQUIRE(obj.HasMember(key));
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    obj[key].Accept(w);
    return sb.GetString();
}

const char* kKeyChangeDir =
    R"({"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct",)"
    R"("newOrder":"https://ca.test/order","keyChange":"https://ca.test/key-change"})";
const char* kAcctUrl = "https://ca.test/acct/7";

PrivateKey make_key(KeySpec spec = {}) {
    auto k = PrivateKey::generate(spec);
    REQUIRE(k);
    return std::move(*k);
}

// A client signed in as kAcctUrl with `key` (old_key), the directory already loaded.
struct SignedInClient {
    FakeHttp http;
    AcmeClient acme{http, "https://ca.test/dir"};
    PrivateKey key = make_key();
    explicit SignedInClient(const char* directory = kKeyChangeDir) {
        http.reply(200, directory);
        REQUIRE(acme.load_directory());
        acme.set_account(&key, kAcctUrl);
    }
};

}  // namespace

TEST_CASE("EAB: HMAC-signed JWS over the account JWK, for each HS algorithm", "[acme][eab]") {
    auto account_key = make_key();
    const std::string mac_key = "0123456789abcdef0123456789abcdef";
    for (auto [alg, mac_len] :
         {std::pair<const char*, size_t>{"HS256", 32}, {"HS384", 48}, {"HS512", 64}}) {
        ExternalAccountBinding eab{"kid-1", base64url_encode(mac_key), alg};
        auto text = external_account_binding_jws(eab, account_key, "https://ca.test/acct");
        REQUIRE(text);
        auto jws = split_jws(*text);
        auto hdr = parsed(jws.protected_json);
        CHECK(json::get_string(hdr, "alg") == std::optional<std::string>(alg));
        CHECK(json::get_string(hdr, "kid") == std::optional<std::string>("kid-1"));
        CHECK(json::get_string(hdr, "url") == std::optional<std::string>("https://ca.test/acct"));
        CHECK_FALSE(hdr.HasMember("nonce"));
        CHECK_FALSE(hdr.HasMember("jwk"));
        CHECK(jws.payload == jwk_public_json(account_key));
        CHECK(jws.signature.size() == mac_len);
        CHECK(jws.signature == hmac(alg, mac_key, jws.signing_input));
    }
}

TEST_CASE("EAB: a bad key or algorithm is a usage error that never echoes the key", "[acme][eab]") {
    auto account_key = make_key();
    auto bad = external_account_binding_jws({"kid", "sec!ret*", "HS256"}, account_key, "u");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().exit_code == 2);
    CHECK(bad.error().message.find("--eab-hmac-key") != std::string::npos);
    CHECK(bad.error().message.find("sec!ret") == std::string::npos);
    auto alg = external_account_binding_jws({"kid", "c2VjcmV0", "HS1"}, account_key, "u");
    REQUIRE_FALSE(alg);
    CHECK(alg.error().message.find("--eab-hmac-alg") != std::string::npos);
}

TEST_CASE("keyChange inner JWS: new key's jwk, url, no nonce/kid, account and oldKey",
          "[acme][keychange]") {
    auto old_key = make_key();
    auto new_key = make_key(KeySpec{KeySpec::Type::Ecdsa, 2048, "secp384r1"});
    auto text = key_change_inner_jws(new_key, old_key, "https://ca.test/key-change", kAcctUrl);
    REQUIRE(text);
    auto jws = split_jws(*text);
    auto hdr = parsed(jws.protected_json);
    CHECK(json::get_string(hdr, "alg") == std::optional<std::string>("ES384"));
    CHECK(member_json(hdr, "jwk") == jwk_public_json(new_key));
    CHECK(json::get_string(hdr, "url") == std::optional<std::string>("https://ca.test/key-change"));
    CHECK_FALSE(hdr.HasMember("nonce"));
    CHECK_FALSE(hdr.HasMember("kid"));
    auto payload = parsed(jws.payload);
    CHECK(json::get_string(payload, "account") == std::optional<std::string>(kAcctUrl));
    CHECK(member_json(payload, "oldKey") == jwk_public_json(old_key));
    CHECK(verify_raw(new_key, jws.signing_input, jws.signature));
    CHECK_FALSE(verify_raw(old_key, jws.signing_input, jws.signature));
}

TEST_CASE("key_change: outer JWS by the old key (kid, nonce), then the new key signs",
          "[acme][keychange]") {
    SignedInClient c;
    auto [http, acme, old_key] = std::tie(c.http, c.acme, c.key);
    auto new_key = make_key();
    http.reply(200, R"({"status":"valid"})");
    REQUIRE(acme.key_change(new_key));
    const auto& req = http.seen.back();
    CHECK(req.url == "https://ca.test/key-change");
    auto outer = split_jws(req.body);
    auto hdr = parsed(outer.protected_json);
    CHECK(json::get_string(hdr, "kid") == std::optional<std::string>(kAcctUrl));
    CHECK(json::get_string(hdr, "nonce") == std::optional<std::string>("nonce0"));
    CHECK(json::get_string(hdr, "url") == std::optional<std::string>("https://ca.test/key-change"));
    CHECK_FALSE(hdr.HasMember("jwk"));
    CHECK(verify_raw(old_key, outer.signing_input, outer.signature));
    auto inner = split_jws(outer.payload);
    CHECK(verify_raw(new_key, inner.signing_input, inner.signature));
    CHECK(acme.key_authorization("t") == "t." + jwk_thumbprint(new_key));

    // The next request is signed by the new key, still as the same account.
    http.reply(200, R"({"status":"valid","contact":[]})");
    REQUIRE(acme.update_contact({}));
    auto next = split_jws(http.seen.back().body);
    CHECK(verify_raw(new_key, next.signing_input, next.signature));
    CHECK(parsed(next.payload).HasMember("contact"));
}

TEST_CASE("key_change: refused by the CA or not offered keeps the old key", "[acme][keychange]") {
    auto new_key = make_key();
    SignedInClient without(
        R"({"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct",)"
        R"("newOrder":"https://ca.test/order"})");
    auto none = without.acme.key_change(new_key);
    REQUIRE_FALSE(none);
    CHECK(none.error().message.find("keyChange") != std::string::npos);

    SignedInClient c;
    c.http.reply(409, R"({"type":"urn:ietf:params:acme:error:malformed","detail":"key in use"})");
    auto refused = c.acme.key_change(new_key);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("key in use") != std::string::npos);
    CHECK(c.acme.key_authorization("t") == "t." + jwk_thumbprint(c.key));
}

TEST_CASE("contact update and deactivation payloads, and a deactivation not confirmed fails",
          "[acme]") {
    SignedInClient c;
    auto [http, acme] = std::tie(c.http, c.acme);
    http.reply(200, R"({"status":"valid","contact":["mailto:a@b.test","mailto:c@d.test"]})");
    auto acct = acme.update_contact({"a@b.test", "c@d.test"});
    REQUIRE(acct);
    CHECK(acct->contact.size() == 2);
    CHECK(split_jws(http.seen.back().body).payload ==
          R"({"contact":["mailto:a@b.test","mailto:c@d.test"]})");
    CHECK(http.seen.back().url == kAcctUrl);

    http.reply(200, R"({"status":"deactivated"})");
    REQUIRE(acme.deactivate_account());
    CHECK(split_jws(http.seen.back().body).payload == R"({"status":"deactivated"})");
    http.reply(200, R"({"status":"valid"})");
    CHECK_FALSE(acme.deactivate_account());
}
