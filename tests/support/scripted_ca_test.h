// A scripted ACME CA for the unit tests of what sits on the ACME client (issuance, certonly):
// the replies (FakeHttp, core/acme/fake_http_test.h) a CA at https://ca.test sends for one order
// of one name, a.test, with one http-01 challenge (RFC 8555 §7.1, §7.4, §7.5), and a test CA
// key and certificate. With sign_finalize set it also signs what finalize asks for: the
// certificate it then serves is for the CSR's key, as the client checks. ScriptedClient is a
// client signed in to it.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "acme.h"
#include "base64.h"
#include "cert_builder.h"
#include "crypto.h"
#include "fake_clock_test.h"
#include "fake_http_test.h"
#include "json.h"
#include "test_certs.h"

namespace certbot::test {

// The directory (RFC 8555 §7.1.1).
inline const char* const kScriptedDirectory =
    R"({"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct",)"
    R"("newOrder":"https://ca.test/order","revokeCert":"https://ca.test/revoke"})";

// What a valid order adds: where its certificate is.
inline const std::string kScriptedCertUrl = R"(,"certificate":"https://ca.test/cert/1")";

// A problem document (RFC 8555 §6.7) of type urn:ietf:params:acme:error:TYPE.
inline std::string acme_problem(const std::string& type, const std::string& detail) {
    return R"({"type":"urn:ietf:params:acme:error:)" + type + R"(","detail":")" + detail + R"("})";
}

// The order for a.test (https://ca.test/order/1) with STATUS; EXTRA is appended to its fields.
inline std::string scripted_order(const std::string& status, const std::string& extra = "") {
    return R"({"status":")" + status +
           R"(","identifiers":[{"type":"dns","value":"a.test"}],)"
           R"("authorizations":["https://ca.test/authz/1"],)"
           R"("finalize":"https://ca.test/order/1/finalize")" +
           extra + "}";
}

// Its authorization (https://ca.test/authz/1) with STATUS and one pending http-01 challenge.
inline std::string scripted_authz(const std::string& status, const std::string& extra = "") {
    return R"({"status":")" + status + R"(","identifier":{"type":"dns","value":"a.test"},)" +
           R"("challenges":[{"type":"http-01","url":"https://ca.test/chall/1",)" +
           R"("token":"tok_1-A","status":"pending"}])" + extra + "}";
}

// A fresh key of the default type (ECDSA P-256).
inline PrivateKey fresh_test_key() {
    auto k = PrivateKey::generate(KeySpec{});
    REQUIRE(k);
    return std::move(*k);
}

struct ScriptedCa : FakeHttp {
    PrivateKey ca_key = fresh_test_key();
    std::string ca_pem;
    // With sign_finalize: finalize's CSR is signed, and the chain (leaf_pem + ca_pem) queued as
    // the last reply, the download's.
    bool sign_finalize = false;
    std::string leaf_pem;

    ScriptedCa() {
        CertParams ca;
        ca.common_name = "Test CA";
        ca.is_ca = true;
        ca_pem = *issue_cert(ca, ca_key, ca_key, "");
    }

    // The directory, then a new account (https://ca.test/acct/1; RFC 8555 §7.3).
    void script_registration() {
        reply(200, kScriptedDirectory);
        reply(201, R"({"status":"valid"})", {{"location", "https://ca.test/acct/1"}});
    }

    // The CA's side of a successful issuance up to the finalize request: the order, its
    // authorization, the challenge answered, the authorization valid. The issuance then
    // finalizes without asking for the order (every authorization was seen valid).
    void script_until_finalize() {
        reply(201, scripted_order("pending"), {{"location", "https://ca.test/order/1"}});
        reply(200, scripted_authz("pending"));
        reply(200, R"({"type":"http-01","status":"processing"})");
        reply(200, scripted_authz("valid"));
    }

    // The URLs POSTed to, in order.
    std::vector<std::string> posted_urls() const {
        std::vector<std::string> urls;
        for (const auto& r : seen)
            if (r.method == "POST") urls.push_back(r.url);
        return urls;
    }

    Result<HttpResponse> send(const HttpRequest& r) override {
        if (sign_finalize && r.url == "https://ca.test/order/1/finalize") {
            // The JWS payload (RFC 8555 §6.2) is {"csr": base64url(DER)}.
            auto jws = json::parse(r.body, "finalize request");
            REQUIRE(jws);
            auto payload = json::parse(*base64url_decode(*json::get_string(*jws, "payload")),
                                       "finalize payload");
            REQUIRE(payload);
            auto leaf = issue_for_csr(*base64url_decode(*json::get_string(*payload, "csr")), ca_key,
                                      ca_pem);
            REQUIRE(leaf);
            leaf_pem = *leaf;
            reply(200, leaf_pem + ca_pem);
        }
        return FakeHttp::send(r);
    }
};

// A client of the scripted CA on a clock that moves only when it sleeps (FakeClock), with the
// directory loaded and signed in as https://ca.test/acct/1 with account_key.
struct ScriptedClient {
    ScriptedCa http;
    FakeClock clock;
    AcmeClient acme{http, "https://ca.test/dir", clock};
    PrivateKey account_key = fresh_test_key();

    ScriptedClient() {
        http.reply(200, kScriptedDirectory);
        REQUIRE(acme.load_directory());
        acme.set_account(&account_key, "https://ca.test/acct/1");
    }
};

}  // namespace certbot::test
