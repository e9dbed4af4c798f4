// Certificate profiles (draft-aaron-acme-profiles) and the newOrder extras of ARI (RFC 9773 §5).
#include <catch2/catch.hpp>

#include "acme.h"
#include "base64.h"
#include "config.h"
#include "issuance.h"
#include "json.h"
#include "scripted_ca_test.h"

using namespace certbot;

namespace {

Directory offering(std::vector<std::string> profiles) {
    Directory d;
    d.url = "https://ca.test/dir";
    d.profiles = std::move(profiles);
    return d;
}

// The JSON payload of a flattened JWS request body.
std::string jws_payload(const std::string& body) {
    auto doc = json::parse(body, "jws");
    REQUIRE(doc.ok());
    auto payload = base64url_decode(json::get_string(*doc, "payload").value_or(""));
    REQUIRE(payload.ok());
    return *payload;
}

}  // namespace

TEST_CASE(
    "profiles: --required-profile is used when offered, a usage error naming the offer otherwise",
    "[profiles]") {
    Config cfg;
    cfg.required_profile = "shortlived";
    auto p = choose_profile(offering({"classic", "shortlived"}), cfg);
    REQUIRE(p.ok());
    CHECK(*p == "shortlived");
    auto missing = choose_profile(offering({"classic"}), cfg);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().exit_code == kExitUsage);
    CHECK(missing.error().message.find("\"shortlived\" (--required-profile); it offers: classic") !=
          std::string::npos);
    auto none = choose_profile(offering({}), cfg);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find("it offers: none") != std::string::npos);
}

TEST_CASE("profiles: --preferred-profile is used when offered, else no profile", "[profiles]") {
    Config cfg;
    cfg.preferred_profile = "tlsserver";
    auto used = choose_profile(offering({"classic", "tlsserver"}), cfg);
    REQUIRE(used.ok());
    CHECK(*used == "tlsserver");
    auto fallback = choose_profile(offering({"classic"}), cfg);
    REQUIRE(fallback.ok());
    CHECK(fallback->empty());
    Config plain;
    auto nothing = choose_profile(offering({"classic"}), plain);
    REQUIRE(nothing.ok());
    CHECK(nothing->empty());
}

TEST_CASE("newOrder carries replaces and profile only when given", "[profiles][ari]") {
    test::ScriptedClient client;
    auto& http = client.http;
    auto& acme = client.acme;
    const std::string order =
        R"({"status":"ready","identifiers":[{"type":"dns","value":"a.test"}],)"
        R"("authorizations":[],"finalize":"https://ca.test/fin/1"})";
    http.reply(201, order, {{"location", "https://ca.test/order/1"}});
    REQUIRE(acme.new_order({"a.test"}, OrderOptions{"aYhb.AIdl", "shortlived"}).ok());
    auto payload = jws_payload(http.seen.back().body);
    auto doc = json::parse(payload, "payload");
    REQUIRE(doc.ok());
    CHECK(json::get_string(*doc, "replaces") == "aYhb.AIdl");
    CHECK(json::get_string(*doc, "profile") == "shortlived");

    http.reply(201, order, {{"location", "https://ca.test/order/2"}});
    REQUIRE(acme.new_order({"a.test"}).ok());
    auto plain = json::parse(jws_payload(http.seen.back().body), "payload");
    REQUIRE(plain.ok());
    CHECK_FALSE(plain->HasMember("replaces"));
    CHECK_FALSE(plain->HasMember("profile"));
}
