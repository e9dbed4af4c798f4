// ACME client state machine against a scripted fake transport and clock: no sockets, no sleep.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <catch2/catch.hpp>

#include <ctime>
#include <deque>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "acme.h"
#include "base64.h"
#include "fake_clock_test.h"
#include "fake_http_test.h"
#include "json.h"
#include "log.h"
#include "temp_dir_test.h"
#include "test_certs.h"

using namespace certbot;
using certbot::test::FakeClock;
using certbot::test::FakeHttp;

namespace {

const char* kDir =
    R"({"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct",)"
    R"("newOrder":"https://ca.test/order","revokeCert":"https://ca.test/revoke",)"
    R"("meta":{"termsOfService":"https://ca.test/tos","externalAccountRequired":true,)"
    R"("profiles":{"classic":"x","shortlived":"y"}}})";

std::string problem(const std::string& type, const std::string& detail) {
    return R"({"type":"urn:ietf:params:acme:error:)" + type + R"(","detail":")" + detail + R"("})";
}

// A client of a scripted CA (FakeHttp) whose clock moves only when it sleeps (FakeClock): the
// set-up of the cases below (TEST_CASE_METHOD), and the base of the signed-in clients further on.
struct FakeCa {
    FakeHttp http;
    FakeClock clock;
    AcmeClient acme{http, "https://ca.test/dir", clock};
};

}  // namespace

TEST_CASE_METHOD(FakeCa, "the directory is parsed and its URLs validated", "[acme]") {
    http.reply(200, kDir);
    REQUIRE(acme.load_directory());
    CHECK(acme.directory().new_order == "https://ca.test/order");
    CHECK(acme.directory().terms_of_service == "https://ca.test/tos");
    CHECK(acme.directory().external_account_required);
    CHECK(acme.directory().profiles.size() == 2);
}

TEST_CASE_METHOD(FakeCa, "a broken or hostile directory is refused with the URL named", "[acme]") {
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

TEST_CASE_METHOD(FakeCa, "badNonce is retried with the fresh nonce, but not forever", "[acme]") {
    http.reply(200, kDir);
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
        for (int i = 0; i < 140; ++i) http.reply(400, problem("badNonce", "never"));
        auto o = acme.new_order({"a.test"});
        REQUIRE_FALSE(o);
        CHECK(o.error().message.find("rejected") != std::string::npos);
        CHECK(http.posts() <= 101);
    }
}

TEST_CASE_METHOD(FakeCa, "server errors become one message with type, detail and Retry-After",
                 "[acme]") {
    http.reply(200, kDir);
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

TEST_CASE_METHOD(FakeCa, "authorization polling starts fast, backs off and honours Retry-After",
                 "[acme]") {
    http.reply(200, kDir);
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

TEST_CASE_METHOD(FakeCa, "polling gives up at the deadline", "[acme]") {
    http.reply(200, kDir);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    for (int i = 0; i < 100; ++i)
        http.reply(200, R"({"status":"pending","identifier":{"type":"dns","value":"a.test"},)"
                        R"("challenges":[]})");
    auto a =
        acme.poll_authorization("https://ca.test/authz/1", clock.now() + std::chrono::seconds(5));
    REQUIRE_FALSE(a);
    CHECK(a.error().message.find("issuance timeout") != std::string::npos);
}

TEST_CASE_METHOD(FakeCa, "an authorization with a hostile identifier is refused", "[acme]") {
    http.reply(200, kDir);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    http.reply(200, R"({"status":"pending","identifier":{"type":"dns","value":"../../etc"}})");
    auto a = acme.get_authorization("https://ca.test/authz/1");
    REQUIRE_FALSE(a);
    CHECK(a.error().message.find("invalid identifier") != std::string::npos);
}

TEST_CASE_METHOD(FakeCa, "JWS requests carry jwk for newAccount and kid afterwards", "[acme]") {
    http.reply(200, kDir);
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

namespace {

std::string protected_header(const std::string& jws) {
    auto start = jws.find("\"protected\":\"") + 13;
    auto b = base64url_decode(jws.substr(start, jws.find('"', start) - start));
    return b ? *b : std::string();
}

const char* kOrderBody =
    R"({"status":"pending","identifiers":[{"type":"dns","value":"a.test"}],)"
    R"("authorizations":["https://ca.test/authz/1"],"finalize":"https://ca.test/fin/1"})";

}  // namespace

TEST_CASE("clients sharing a CaShare fetch the directory once and use each other's nonces",
          "[acme][share]") {
    FakeHttp http;
    FakeClock clock;
    CaShare share("https://ca.test/dir");
    AcmeClient a(http, "https://ca.test/dir", clock), b(http, "https://ca.test/dir", clock);
    a.share_with(share);
    b.share_with(share);
    SECTION("one directory request for both") {
        http.reply(200, kDir);
        REQUIRE(a.load_directory());
        REQUIRE(b.load_directory());
        CHECK(http.seen.size() == 1);
        CHECK(b.directory().new_order == "https://ca.test/order");
        CHECK(b.directory().profiles.size() == 2);
    }
    SECTION("a failed directory request is not kept: the next client asks again") {
        http.reply(500, "oops");
        REQUIRE_FALSE(a.load_directory());
        http.reply(200, kDir);
        REQUIRE(b.load_directory());
        CHECK(http.seen.size() == 2);
    }
    SECTION("the nonce one client's answer brought signs the other's next request") {
        http.reply(200, kDir);
        REQUIRE(a.load_directory());
        REQUIRE(b.load_directory());
        auto key = PrivateKey::generate(KeySpec{});
        REQUIRE(key);
        a.set_account(&*key, "https://ca.test/acct/1");
        b.set_account(&*key, "https://ca.test/acct/1");
        http.reply(201, kOrderBody,
                   {{"location", "https://ca.test/order/1"}, {"replay-nonce", "fromA"}});
        REQUIRE(a.new_order({"a.test"}));
        http.reply(201, kOrderBody, {{"location", "https://ca.test/order/2"}});
        REQUIRE(b.new_order({"a.test"}));
        size_t heads = 0;
        for (const auto& r : http.seen) heads += r.method == "HEAD";
        CHECK(heads == 1);  // only the very first request needed one
        CHECK(protected_header(http.seen.back().body).find("\"nonce\":\"fromA\"") !=
              std::string::npos);
        // Used once: the next request takes the nonce b's answer brought, not fromA again.
        http.reply(201, kOrderBody, {{"location", "https://ca.test/order/3"}});
        REQUIRE(a.new_order({"a.test"}));
        CHECK(protected_header(http.seen.back().body).find("\"nonce\":\"fromA\"") ==
              std::string::npos);
    }
    SECTION("a share of another CA is not used") {
        AcmeClient other(http, "https://other.test/dir", clock);
        other.share_with(share);
        http.reply(200, kDir);
        REQUIRE(a.load_directory());
        http.reply(200, kDir);
        REQUIRE(other.load_directory());
        CHECK(http.seen.size() == 2);
        CHECK(http.seen.back().url == "https://other.test/dir");
    }
}

TEST_CASE("a shared nonce is handed to one taker only, from any number of threads",
          "[acme][share]") {
    CaShare share("https://ca.test/dir");
    for (size_t i = 0; i < CaShare::kMaxNonces + 10; ++i) share.give_nonce("n" + std::to_string(i));
    std::mutex mu;
    std::vector<std::string> taken;
    std::vector<std::thread> takers;
    for (int t = 0; t < 4; ++t)
        takers.emplace_back([&] {
            while (auto n = share.take_nonce()) {
                std::lock_guard<std::mutex> l(mu);
                taken.push_back(*n);
            }
        });
    for (auto& t : takers) t.join();
    // At most kMaxNonces are kept (the oldest go), and none is handed out twice.
    CHECK(taken.size() == CaShare::kMaxNonces);
    std::set<std::string> distinct(taken.begin(), taken.end());
    CHECK(distinct.size() == taken.size());
    CHECK(distinct.count("n0") == 0);
    CHECK(distinct.count("n" + std::to_string(CaShare::kMaxNonces + 9)) == 1);
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
struct SignedInClient : FakeCa {
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

// --- a hostile or broken CA (issue: "trust nothing from the CA that we can check") ----------

namespace {

const char* kOrderUrl = "https://ca.test/order/1";

std::string order_json(const std::string& status, const std::string& extra = "") {
    return R"({"status":")" + status +
           R"(","identifiers":[{"type":"dns","value":"a.test"}],)"
           R"("authorizations":["https://ca.test/authz/1"],"finalize":"https://ca.test/fin/1")" +
           extra + "}";
}

Order ready_order() {
    Order o;
    o.url = kOrderUrl;
    o.status = "ready";
    o.finalize = "https://ca.test/fin/1";
    o.identifiers = {"a.test"};
    o.authorizations = {"https://ca.test/authz/1"};
    return o;
}

struct ClockedClient : FakeCa {
    PrivateKey key = make_key();
    ClockedClient() {
        http.reply(200, kDir);
        REQUIRE(acme.load_directory());
        acme.set_account(&key, kAcctUrl);
    }
    std::chrono::steady_clock::time_point deadline(int s = 90) {
        return clock.now() + std::chrono::seconds(s);
    }
    size_t posts_to(const std::string& url) const {
        size_t n = 0;
        for (const auto& r : http.seen) n += r.method == "POST" && r.url == url;
        return n;
    }
};

bool says(const Error& e, const std::string& what) {
    return e.message.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("an order with a field of the wrong type is a protocol error naming URL and field",
          "[acme][hostile]") {
    ClockedClient c;
    struct Case {
        const char* body;
        const char* field;
    } cases[] = {
        // The case that once finalized a pending order: authorizations read as an empty list.
        {R"({"status":"pending","identifiers":[{"type":"dns","value":"a.test"}],)"
         R"("authorizations":"https://ca.test/authz/1","finalize":"https://ca.test/fin/1"})",
         "authorizations"},
        {R"({"status":"pending","identifiers":[{"type":"dns","value":"a.test"}],)"
         R"("authorizations":[42],"finalize":"https://ca.test/fin/1"})",
         "authorizations"},
        {R"({"status":"pending","identifiers":[{"type":"dns","value":"a.test"}],)"
         R"("finalize":"https://ca.test/fin/1"})",
         "authorizations"},
        {R"({"identifiers":[{"type":"dns","value":"a.test"}],)"
         R"("authorizations":[],"finalize":"https://ca.test/fin/1"})",
         "status"},
        {R"({"status":["pending"],"identifiers":[],"authorizations":[],)"
         R"("finalize":"https://ca.test/fin/1"})",
         "status"},
        {R"({"status":"pending","identifiers":{"type":"dns"},"authorizations":[],)"
         R"("finalize":"https://ca.test/fin/1"})",
         "identifiers"},
        {R"({"status":"pending","identifiers":[{"type":"dns","value":7}],"authorizations":[],)"
         R"("finalize":"https://ca.test/fin/1"})",
         "value"},
        {R"({"status":"pending","identifiers":[],"authorizations":[]})", "finalize"},
        {R"({"status":"valid","identifiers":[],"authorizations":[],)"
         R"("finalize":"https://ca.test/fin/1","certificate":{"url":"x"}})",
         "certificate"},
        {R"({"status":"invalid","identifiers":[],"authorizations":[],)"
         R"("finalize":"https://ca.test/fin/1","error":"bad"})",
         "error"},
        {R"({"status":"pending","identifiers":[],"authorizations":[],)"
         R"("finalize":"https://ca.test/fin/1","expires":20990101})",
         "expires"},
    };
    for (const auto& k : cases) {
        CAPTURE(k.body);
        c.http.reply(201, k.body, {{"location", kOrderUrl}});
        auto o = c.acme.new_order({"a.test"});
        REQUIRE_FALSE(o);
        CHECK(says(o.error(), "protocol error"));
        CHECK(says(o.error(), kOrderUrl));
        CHECK(says(o.error(), std::string("\"") + k.field + "\""));
    }
}

TEST_CASE("an authorization or challenge with a field of the wrong type is refused",
          "[acme][hostile]") {
    ClockedClient c;
    const std::string id = R"("identifier":{"type":"dns","value":"a.test"})";
    struct Case {
        std::string body;
        const char* field;
    } cases[] = {
        {"{" + id + R"(,"challenges":[]})", "status"},
        {"{" + id + R"(,"status":"pending"})", "challenges"},
        {"{" + id + R"(,"status":"pending","challenges":{}})", "challenges"},
        {"{" + id + R"(,"status":"bogus","challenges":[]})", "status"},
        {"{" + id + R"(,"status":"pending","wildcard":"yes","challenges":[]})", "wildcard"},
        {R"({"identifier":"a.test","status":"pending","challenges":[]})", "identifier"},
        {"{" + id +
             R"(,"status":"pending","challenges":[{"type":"http-01","url":"https://ca.test/c",)"
             R"("status":"pending"}]})",
         "token"},
        {"{" + id +
             R"(,"status":"pending","challenges":[{"type":"http-01","url":"https://ca.test/c",)"
             R"("status":"pending","token":["abc"]}]})",
         "token"},
        {"{" + id +
             R"(,"status":"pending","challenges":[{"type":"http-01","url":5,)"
             R"("status":"pending","token":"abc"}]})",
         "url"},
        {"{" + id + R"(,"status":"pending","challenges":["http-01"]})", "challenges"},
    };
    for (const auto& k : cases) {
        CAPTURE(k.body);
        c.http.reply(200, k.body);
        auto a = c.acme.get_authorization("https://ca.test/authz/9");
        REQUIRE_FALSE(a);
        CHECK(says(a.error(), "protocol error"));
        CHECK(says(a.error(), "https://ca.test/authz/9"));
        CHECK(says(a.error(), std::string("\"") + k.field + "\""));
    }
    // An unknown challenge type needs no token.
    c.http.reply(200, "{" + id +
                          R"(,"status":"pending","challenges":[{"type":"new-01",)"
                          R"("url":"https://ca.test/c","status":"pending"}]})");
    auto ok = c.acme.get_authorization("https://ca.test/authz/9");
    REQUIRE(ok);
    CHECK(ok->challenges.size() == 1);
}

TEST_CASE_METHOD(FakeCa, "directory and account objects are type-checked too", "[acme][hostile]") {
    http.reply(200, R"({"newNonce":"https://ca.test/n","newAccount":"https://ca.test/a",)"
                    R"("newOrder":"https://ca.test/o","meta":{"externalAccountRequired":"no"}})");
    auto st = acme.load_directory();
    REQUIRE_FALSE(st);
    CHECK(says(st.error(), "\"externalAccountRequired\""));
    http.reply(200, R"({"newNonce":"https://ca.test/n","newAccount":"https://ca.test/a",)"
                    R"("newOrder":"https://ca.test/o","keyChange":["https://ca.test/k"]})");
    st = acme.load_directory();
    REQUIRE_FALSE(st);
    CHECK(says(st.error(), "\"keyChange\""));

    ClockedClient c;
    c.http.reply(200, R"({"status":"valid","contact":"mailto:a@b.test"})");
    auto acct = c.acme.update_contact({"a@b.test"});
    REQUIRE_FALSE(acct);
    CHECK(says(acct.error(), "\"contact\""));
    CHECK(says(acct.error(), kAcctUrl));
}

TEST_CASE("JSON is read only from a JSON content type, strictly", "[acme][hostile]") {
    ClockedClient c;
    SECTION("an HTML page with status 200") {
        c.http.reply(201, order_json("pending"),
                     {{"location", kOrderUrl}, {"content-type", "text/html"}});
        auto o = c.acme.new_order({"a.test"});
        REQUIRE_FALSE(o);
        CHECK(says(o.error(), "text/html"));
        CHECK(says(o.error(), "HTTP 201"));
        CHECK(says(o.error(), "{\"status\":\"pending\""));  // a short excerpt of the body
    }
    SECTION("an error page that is not a problem document") {
        c.http.reply(502, "<html>\x1b[31mBad gateway</html>", {{"content-type", "text/html"}});
        auto o = c.acme.new_order({"a.test"});
        REQUIRE_FALSE(o);
        CHECK(says(o.error(), "HTTP 502"));
        CHECK(says(o.error(), "Bad gateway"));
        CHECK_FALSE(says(o.error(), "\x1b"));  // sanitised
    }
    SECTION("a problem document is still read with its parameters") {
        c.http.reply(403, problem("unauthorized", "no"),
                     {{"content-type", "Application/Problem+JSON; charset=utf-8"}});
        auto o = c.acme.new_order({"a.test"});
        REQUIRE_FALSE(o);
        CHECK(says(o.error(), "unauthorized :: no"));
    }
    SECTION("duplicate keys") {
        c.http.reply(201, order_json("pending", R"(,"status":"valid")"), {{"location", kOrderUrl}});
        auto o = c.acme.new_order({"a.test"});
        REQUIRE_FALSE(o);
        CHECK(says(o.error(), "appears twice"));
    }
    SECTION("trailing garbage") {
        c.http.reply(201, order_json("pending") + "{}", {{"location", kOrderUrl}});
        REQUIRE_FALSE(c.acme.new_order({"a.test"}));
    }
    SECTION("invalid UTF-8") {
        c.http.reply(201, order_json("pending", ",\"x\":\"\xff\""), {{"location", kOrderUrl}});
        REQUIRE_FALSE(c.acme.new_order({"a.test"}));
    }
}

TEST_CASE("an order is finalized only when ready (RFC 8555 §7.1.6)", "[acme][hostile]") {
    ClockedClient c;
    SECTION("pending until the deadline: never finalized") {
        for (int i = 0; i < 200; ++i) c.http.reply(200, order_json("pending"));
        auto o = c.acme.finalize(ready_order(), "csr", c.deadline(5));
        REQUIRE_FALSE(o);
        CHECK(says(o.error(), "still pending"));
        CHECK(c.posts_to("https://ca.test/fin/1") == 0);
    }
    SECTION("pending, then ready: finalized once") {
        c.http.reply(200, order_json("pending"));
        c.http.reply(200, order_json("ready"));
        c.http.reply(200, order_json("processing"));
        c.http.reply(200, order_json("valid", R"(,"certificate":"https://ca.test/cert/1")"));
        auto o = c.acme.finalize(ready_order(), "csr", c.deadline());
        REQUIRE(o);
        CHECK(o->certificate == "https://ca.test/cert/1");
        CHECK(c.posts_to("https://ca.test/fin/1") == 1);
    }
    SECTION("already processing or valid: refused") {
        for (const char* status : {"processing", "valid"}) {
            c.http.reply(200, order_json(status, R"(,"certificate":"https://ca.test/cert/1")"));
            auto o = c.acme.finalize(ready_order(), "csr", c.deadline());
            REQUIRE_FALSE(o);
            CHECK(says(o.error(), "not ready"));
        }
        CHECK(c.posts_to("https://ca.test/fin/1") == 0);
    }
    SECTION("a status that goes backwards is refused") {
        c.http.reply(200, order_json("ready"));
        c.http.reply(200, order_json("processing"));
        c.http.reply(200, order_json("pending"));
        auto o = c.acme.finalize(ready_order(), "csr", c.deadline());
        REQUIRE_FALSE(o);
        CHECK(says(o.error(), "from processing to pending"));
    }
}

TEST_CASE("a finalize whose answer is lost re-polls the order, never losing the certificate",
          "[acme][hostile]") {
    ClockedClient c;
    // Requests so far: the directory (0). Then: the ready check (1), the finalize (2), ...
    SECTION("the CA took it: the order is fetched, not finalized again") {
        c.http.reply(200, order_json("ready"));
        c.http.fail_requests = {2};
        c.http.reply(200, order_json("processing"));
        c.http.reply(200, order_json("valid", R"(,"certificate":"https://ca.test/cert/1")"));
        auto o = c.acme.finalize(ready_order(), "csr", c.deadline());
        REQUIRE(o);
        CHECK(o->certificate == "https://ca.test/cert/1");
        CHECK(c.posts_to("https://ca.test/fin/1") == 1);
    }
    SECTION("the request never arrived: the order is still ready, finalize is sent again") {
        c.http.reply(200, order_json("ready"));
        c.http.fail_requests = {2};
        c.http.reply(200, order_json("ready"));
        c.http.reply(200, order_json("valid", R"(,"certificate":"https://ca.test/cert/1")"));
        auto o = c.acme.finalize(ready_order(), "csr", c.deadline());
        REQUIRE(o);
        CHECK(c.posts_to("https://ca.test/fin/1") == 2);
    }
    SECTION("a 503 on finalize is followed by asking the order too") {
        c.http.reply(200, order_json("ready"));
        c.http.reply(503, problem("serverInternal", "busy"));
        c.http.reply(200, order_json("processing"));
        c.http.reply(200, order_json("valid", R"(,"certificate":"https://ca.test/cert/1")"));
        REQUIRE(c.acme.finalize(ready_order(), "csr", c.deadline()));
        CHECK(c.posts_to("https://ca.test/fin/1") == 1);
    }
    SECTION("a refusal is final") {
        c.http.reply(200, order_json("ready"));
        c.http.reply(403, problem("badCSR", "no"));
        auto o = c.acme.finalize(ready_order(), "csr", c.deadline());
        REQUIRE_FALSE(o);
        CHECK(says(o.error(), "badCSR"));
        CHECK(c.posts_to("https://ca.test/fin/1") == 1);
    }
}

TEST_CASE("a lost certificate download is retried (POST-as-GET is idempotent)", "[acme][hostile]") {
    ClockedClient c;
    c.http.fail_requests = {1};
    auto made = make_self_signed({"a.test"}, 30);
    REQUIRE(made);
    c.http.reply(200, made->first);
    auto chain = c.acme.download_certificate("https://ca.test/cert/1");
    REQUIRE(chain);
    CHECK(c.posts_to("https://ca.test/cert/1") == 2);
    REQUIRE(c.clock.sleeps.size() == 1);
    CHECK(c.clock.sleeps[0] >= std::chrono::milliseconds(500));
    CHECK(c.clock.sleeps[0] <= std::chrono::milliseconds(1000));
}

TEST_CASE("transient server errors: bounded, jittered retries honouring Retry-After",
          "[acme][hostile]") {
    ClockedClient c;
    const std::string authz =
        R"({"status":"valid","identifier":{"type":"dns","value":"a.test"},"challenges":[]})";
    SECTION("503 with Retry-After, serverInternal, then success") {
        c.http.reply(503, problem("rateLimited", "later"), {{"retry-after", "7"}});
        c.http.reply(500, problem("serverInternal", "oops"));
        c.http.reply(200, authz);
        REQUIRE(c.acme.get_authorization("https://ca.test/authz/1"));
        REQUIRE(c.clock.sleeps.size() == 2);
        CHECK(c.clock.sleeps[0] == std::chrono::seconds(7));
        CHECK(c.clock.sleeps[1] >= std::chrono::milliseconds(1000));  // second attempt: 1-2 s
        CHECK(c.clock.sleeps[1] <= std::chrono::milliseconds(2000));
    }
    SECTION("a persistent failure ends after a bounded number of tries, with one line") {
        for (int i = 0; i < 20; ++i) c.http.reply(503, problem("serverInternal", "down"));
        auto a = c.acme.get_authorization("https://ca.test/authz/1");
        REQUIRE_FALSE(a);
        CHECK(says(a.error(), "HTTP 503"));
        CHECK(a.error().message.find('\n') == std::string::npos);
        CHECK(c.posts_to("https://ca.test/authz/1") == 5);
    }
    SECTION("retries stop at the retry deadline") {
        c.acme.set_retry_deadline(c.clock.now() + std::chrono::seconds(2));
        for (int i = 0; i < 20; ++i) c.http.reply(503, problem("serverInternal", "down"));
        REQUIRE_FALSE(c.acme.get_authorization("https://ca.test/authz/1"));
        std::chrono::milliseconds slept{0};
        for (auto d : c.clock.sleeps) slept += d;
        CHECK(slept <= std::chrono::seconds(2));
        CHECK(c.posts_to("https://ca.test/authz/1") < 5);  // fewer than without a deadline
    }
    SECTION("a non-idempotent request is not retried") {
        c.http.reply(503, problem("serverInternal", "down"));
        REQUIRE_FALSE(c.acme.new_order({"a.test"}));
        CHECK(c.posts_to("https://ca.test/order") == 1);
        CHECK(c.clock.sleeps.empty());
    }
    SECTION("a 4xx is final") {
        c.http.reply(404, problem("malformed", "gone"));
        REQUIRE_FALSE(c.acme.get_authorization("https://ca.test/authz/1"));
        CHECK(c.posts_to("https://ca.test/authz/1") == 1);
    }
}

TEST_CASE("badNonce retries succeed against a CA rejecting 90% of nonces", "[acme][hostile]") {
    ClockedClient c;
    for (int i = 0; i < 60; ++i) c.http.reply(400, problem("badNonce", "no"));
    c.http.reply(201, order_json("pending"), {{"location", kOrderUrl}});
    REQUIRE(c.acme.new_order({"a.test"}));
    CHECK(c.clock.sleeps.empty());
}

TEST_CASE("authorization deactivation (RFC 8555 §7.5.2)", "[acme]") {
    ClockedClient c;
    c.http.reply(200, R"({"status":"deactivated","identifier":{"type":"dns","value":"a.test"},)"
                      R"("challenges":[]})");
    REQUIRE(c.acme.deactivate_authorization("https://ca.test/authz/1"));
    CHECK(split_jws(c.http.seen.back().body).payload == R"({"status":"deactivated"})");
    c.http.reply(200, R"({"status":"valid","identifier":{"type":"dns","value":"a.test"},)"
                      R"("challenges":[]})");
    CHECK_FALSE(c.acme.deactivate_authorization("https://ca.test/authz/1"));
}

TEST_CASE("a CA clock far from ours is warned about once", "[acme]") {
    certbot::test::TempDir dir;
    REQUIRE(log::open_file(dir / "log"));
    ClockedClient c;
    c.acme.set_wall_clock([] { return std::time_t{1445412480}; });  // 2015-10-21 07:28:00 UTC
    for (int i = 0; i < 2; ++i)
        c.http.reply(200,
                     R"({"status":"valid","identifier":{"type":"dns","value":"a.test"},)"
                     R"("challenges":[]})",
                     {{"date", "Wed, 21 Oct 2015 07:48:00 GMT"}});
    REQUIRE(c.acme.get_authorization("https://ca.test/authz/1"));
    REQUIRE(c.acme.get_authorization("https://ca.test/authz/1"));
    log::close_file();
    std::ifstream in(dir / "log");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto first = text.find("1200 s behind");
    CHECK(first != std::string::npos);
    CHECK(text.find("1200 s behind", first + 1) == std::string::npos);
}

// --- RFC 8738: IP identifiers ------------------------------------------------------------------

TEST_CASE("an IP address is ordered as an ip identifier, never dns", "[acme][ip]") {
    ClockedClient c;
    c.http.reply(
        201,
        R"({"status":"pending","identifiers":[{"type":"dns","value":"a.test"},)"
        R"({"type":"ip","value":"192.0.2.1"},{"type":"ip","value":"2001:DB8::0:1"}],)"
        R"("authorizations":["https://ca.test/authz/1"],"finalize":"https://ca.test/fin/1"})",
        {{"location", "https://ca.test/order/1"}});
    auto o = c.acme.new_order({"a.test", "192.0.2.1", "2001:db8::1"});
    REQUIRE(o);
    // The server's spelling is made canonical (RFC 5952) before it is compared with ours.
    CHECK(o->identifiers == std::vector<std::string>{"a.test", "192.0.2.1", "2001:db8::1"});
    auto payload = parsed(split_jws(c.http.seen.back().body).payload);
    const auto& ids = payload["identifiers"];
    REQUIRE(ids.Size() == 3);
    CHECK(std::string(ids[0]["type"].GetString()) == "dns");
    CHECK(std::string(ids[1]["type"].GetString()) == "ip");
    CHECK(std::string(ids[1]["value"].GetString()) == "192.0.2.1");
    CHECK(std::string(ids[2]["type"].GetString()) == "ip");
    CHECK(std::string(ids[2]["value"].GetString()) == "2001:db8::1");
}

TEST_CASE("ip identifiers from the server are checked", "[acme][ip][hostile]") {
    ClockedClient c;
    c.http.reply(200, R"({"status":"pending","identifier":{"type":"ip","value":"::0001"},)"
                      R"("challenges":[]})");
    auto ok = c.acme.get_authorization("https://ca.test/authz/1");
    REQUIRE(ok);
    CHECK(ok->identifier == "::1");
    struct Case {
        const char* identifier;
        const char* says;
    } cases[] = {
        {R"({"type":"dns","value":"192.0.2.1"})", "an IP address as a dns identifier"},
        {R"({"type":"ip","value":"example.com"})", "not an IP address"},
        {R"({"type":"ip","value":"192.0.2.1/24"})", "not an IP address"},
        {R"({"type":"ip","value":"[::1]"})", "not an IP address"},
        {R"({"type":"email","value":"a@b.test"})", "identifier type"},
    };
    for (const auto& k : cases) {
        CAPTURE(k.identifier);
        c.http.reply(200, std::string(R"({"status":"pending","identifier":)") + k.identifier +
                              R"(,"challenges":[]})");
        auto a = c.acme.get_authorization("https://ca.test/authz/1");
        REQUIRE_FALSE(a);
        CHECK(says(a.error(), k.says));
    }
    c.http.reply(200, R"({"status":"pending","wildcard":true,)"
                      R"("identifier":{"type":"ip","value":"192.0.2.1"},"challenges":[]})");
    auto w = c.acme.get_authorization("https://ca.test/authz/1");
    REQUIRE_FALSE(w);
    CHECK(says(w.error(), "wildcard"));
    // An order that lists an address as a dns identifier is refused as well.
    c.http.reply(
        201,
        R"({"status":"pending","identifiers":[{"type":"dns","value":"192.0.2.1"}],)"
        R"("authorizations":["https://ca.test/authz/1"],"finalize":"https://ca.test/fin/1"})",
        {{"location", "https://ca.test/order/1"}});
    auto o = c.acme.new_order({"192.0.2.1"});
    REQUIRE_FALSE(o);
    CHECK(says(o.error(), "an IP address as a dns identifier"));
}
