// The dns-rfc2136 plugin (plugins/dns-rfc2136) without a DNS server: options and the
// credentials file. The exchange with a real BIND is integration.dns_rfc2136_bind.
#include "plugin_harness.h"

#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <string>

using namespace plugin_test;

namespace {

const PluginLibrary& rfc2136() {
    static PluginLibrary lib(CERTBOT_RFC2136_PLUGIN);
    return lib;
}

const char* const kSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=";

std::string ini(const std::string& server, const std::string& algorithm,
                const std::string& secret = kSecret) {
    return "dns_rfc2136_server = " + server +
           "\ndns_rfc2136_port = 53\ndns_rfc2136_name = certbot-key.\n"
           "dns_rfc2136_secret = \"" +
           secret + "\"\ndns_rfc2136_algorithm = " + algorithm + "\n";
}

// DIR/rfc2136.ini with CONTENT, mode 0600.
std::string credentials_file(const TempDir& dir, const std::string& content) {
    const std::string f = dir / "rfc2136.ini";
    write_file(f, content);
    chmod(f.c_str(), 0600);
    return f;
}

// create() with the credentials in FILE: the error, or "" on success.
std::string create_with(FakeHost& host, const std::string& file) {
    host.set("credentials", {file});
    host.set("propagation-seconds", {"0"});
    void* self = nullptr;
    cb_status st = rfc2136().entry().create(host.table(), &self);
    if (st == CB_OK) {
        rfc2136().entry().destroy(self);
        return "";
    }
    return host.last_error();
}

}  // namespace

TEST_CASE("dns-rfc2136: certbot-dns-rfc2136's options and challenge type", "[rfc2136]") {
    const cb_plugin& p = rfc2136().entry();
    CHECK(std::string(p.name) == "dns-rfc2136");
    REQUIRE(p.option_count == 2);
    CHECK(std::string(p.options[0].name) == "propagation-seconds");
    CHECK(std::string(p.options[0].default_value) == "60");
    CHECK(std::string(p.options[1].name) == "credentials");
    REQUIRE(p.challenge_types[0] != nullptr);
    CHECK(std::string(p.challenge_types[0]) == "dns-01");
    CHECK(p.challenge_types[1] == nullptr);
}

TEST_CASE("dns-rfc2136: credentials are checked when the plugin starts", "[rfc2136]") {
    TempDir dir;
    {
        FakeHost host;
        void* self = nullptr;
        REQUIRE(rfc2136().entry().create(host.table(), &self) == CB_ERROR);
        CHECK(host.last_error().find("--dns-rfc2136-credentials") != std::string::npos);
    }
    {
        FakeHost host;
        CHECK(create_with(host, dir / "missing.ini").find("missing.ini") != std::string::npos);
    }
    struct Bad {
        std::string content, expect;
    } cases[] = {
        {ini("ns1.example.com", "HMAC-SHA256"), "A hostname is not allowed"},
        {ini("127.0.0.1", "HMAC-SHA3"), "Unknown algorithm: HMAC-SHA3"},
        {ini("127.0.0.1", "HMAC-SHA256", "not*base64"), "dns_rfc2136_secret"},
        {"dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_name = k.\n",
         "dns_rfc2136_secret is required"},
        {"dns_rfc2136_server = 127.0.0.1\nthis line is wrong\n", "Line 2 of"},
    };
    for (const auto& c : cases) {
        INFO(c.content);
        FakeHost host;
        std::string err = create_with(host, credentials_file(dir, c.content));
        CHECK(err.find(c.expect) != std::string::npos);
        CHECK(err.find(kSecret) == std::string::npos);
        CHECK(err.find("not*base64") == std::string::npos);
        CHECK(host.all_logs().find(kSecret) == std::string::npos);
    }
}

TEST_CASE("dns-rfc2136: a credentials file others can read is warned about", "[rfc2136]") {
    TempDir dir;
    const std::string f = credentials_file(dir, ini("127.0.0.1", "HMAC-SHA512"));
    {
        FakeHost host;
        CHECK(create_with(host, f) == "");
        CHECK_FALSE(host.logged("Unsafe permissions"));
    }
    chmod(f.c_str(), 0640);
    FakeHost host;
    CHECK(create_with(host, f) == "");
    CHECK(
        host.logged("Unsafe permissions on credentials configuration file: " + f, CB_LOG_WARNING));
    CHECK(host.all_logs().find(kSecret) == std::string::npos);
}

TEST_CASE("dns-rfc2136: only dns-01, and a bad propagation time is refused", "[rfc2136]") {
    TempDir dir;
    const std::string f = credentials_file(dir, ini("::1", "hmac-sha256"));
    FakeHost host;
    host.set("credentials", {f});
    host.set("propagation-seconds", {"0"});
    Instance inst(rfc2136(), host);
    CHECK(inst.chall_pref("example.com") == std::vector<std::string>{"dns-01"});
    auto c = http01("example.com", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
    CHECK(inst.perform({c}) == CB_ERROR);
    CHECK(host.last_error().find("only answer dns-01") != std::string::npos);
    CHECK(inst.cleanup({c}) == CB_OK);

    FakeHost slow;
    slow.set("credentials", {f});
    slow.set("propagation-seconds", {"soon"});
    void* self = nullptr;
    REQUIRE(rfc2136().entry().create(slow.table(), &self) == CB_ERROR);
    CHECK(slow.last_error().find("--dns-rfc2136-propagation-seconds") != std::string::npos);
}
