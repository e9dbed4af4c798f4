// The DNS toolkit without a provider: credentials files, zone guesses, the propagation option and
// wait, the record bookkeeping of DnsAuthenticator, and the HTTPS client's settings. The exchange
// with (fake) provider APIs is in the integration tests tests/integration/dns_*.sh.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "dns_authenticator.h"
#include "dns_credentials.h"
#include "dns_https.h"
#include "dns_json.h"
#include "dns_paging.h"
#include "host_services.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace certbot::plugin;
using namespace certbot::plugin::dns;

namespace {

// A cb_host whose options come from a map and which records log lines.
struct TestHost {
    std::map<std::string, std::string> options;
    std::vector<std::pair<int, std::string>> logs;
    std::vector<std::string> waits;  // "SECONDS WHAT" per certbot.wait.v1 call
    std::string wait_error;          // when set, every wait is cancelled with it
    cb_host table{};

    TestHost() {
        table.struct_size = sizeof table;
        table.abi_major = CB_ABI_MAJOR;
        table.abi_minor = CB_ABI_MINOR;
        table.ctx = this;
        table.log = [](void* ctx, int level, const char* m) {
            static_cast<TestHost*>(ctx)->logs.emplace_back(level, m);
        };
        table.set_error = [](void*, const char*) {};
        table.get_option = [](void* ctx, const char* name, const char*, cb_string_sink sink,
                              void* sink_ctx) -> size_t {
            auto& o = static_cast<TestHost*>(ctx)->options;
            auto it = o.find(name);
            if (it == o.end()) return 0;
            sink(sink_ctx, it->second.c_str());
            return 1;
        };
        table.is_interactive = [](void*) { return 0; };
        // The host's own credentials service (core/host/host_services.h), as the runner offers it.
        table.get_extension = [](void*, const char* id) -> const void* {
            static const cb_credentials_v1 kCredentials = {
                sizeof(cb_credentials_v1),
                [](void* ctx, const char* path, cb_pair_sink sink, void* sink_ctx,
                   cb_string_sink error, void* error_ctx) {
                    return certbot::serve_credentials(
                        path, sink, sink_ctx, error, error_ctx, [ctx](const std::string& w) {
                            static_cast<TestHost*>(ctx)->logs.emplace_back(CB_LOG_WARNING, w);
                        });
                }};
            // certbot.wait.v1 that records the wait instead of waiting (the host's own wait is
            // tested in core/host/host_services_test.cpp).
            static const cb_wait_v1 kWait = {
                sizeof(cb_wait_v1), [](void* ctx, uint32_t seconds, const char* what,
                                       cb_string_sink error, void* error_ctx) {
                    auto& t = *static_cast<TestHost*>(ctx);
                    t.waits.push_back(std::to_string(seconds) + " " + (what ? what : ""));
                    if (t.wait_error.empty()) return CB_OK;
                    error(error_ctx, t.wait_error.c_str());
                    return CB_ERROR;
                }};
            if (std::string(id) == CB_WAIT_V1) return &kWait;
            return std::string(id) == CB_CREDENTIALS_V1 ? &kCredentials : nullptr;
        };
    }
    Host host() const { return Host(&table); }
    std::string all_logs() const {
        std::string out;
        for (const auto& l : logs) out += l.second + "\n";
        return out;
    }
};

struct TempFile {
    std::string path;
    explicit TempFile(const std::string& content, mode_t mode = 0600) {
        char tmpl[] = "/tmp/dns-support-test.XXXXXX";
        int fd = ::mkstemp(tmpl);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = tmpl;
        std::ofstream(path) << content;
        ::chmod(path.c_str(), mode);
    }
    ~TempFile() { ::unlink(path.c_str()); }
};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("credentials: certbot's INI format and dns_<provider>_<key> names", "[dns-support]") {
    TestHost t;
    TempFile f(
        "# Cloudflare API token used by Certbot\n"
        "dns_cloudflare_api_token = 0123456789abcdef\n"
        "; another comment\n"
        "  dns_cloudflare_email=\"user@example.com\"  \n"
        "dns_cloudflare_api_key = 'k#ey' # quoted, then a comment\n"
        "dns_cloudflare_other = v # inline comment\n"
        "dns_digitalocean_token = not-mine\n"
        "[section]\n"
        "dns_cloudflare_later = in a section\n");
    auto c = Credentials::load(t.host(), "dns-cloudflare", f.path);
    CHECK(c.key("api-token") == "dns_cloudflare_api_token");
    CHECK(c.get("api-token") == "0123456789abcdef");
    CHECK(c.get("api_token") == "0123456789abcdef");
    CHECK(c.get("email") == "user@example.com");
    CHECK(c.get("api-key") == "k#ey");
    CHECK(c.get("other") == "v");
    CHECK(c.get("token").empty());
    CHECK_FALSE(c.has("later"));
    CHECK(c.require("api-token") == "0123456789abcdef");
    std::string err = error_of([&] { c.require("token", "API token"); });
    CHECK(err == "Missing property in credentials configuration file " + f.path +
                     ": dns_cloudflare_token is required (should be API token).");

    TempFile bad("dns_x_a = 1\nno equals sign\n");
    CHECK(error_of([&] {
              Credentials::load(t.host(), "dns-x", bad.path);
          }).find("Line 2 of " + bad.path) != std::string::npos);
    TempFile quote("dns_x_a = \"secret\" trailing\n");
    err = error_of([&] { Credentials::load(t.host(), "dns-x", quote.path); });
    CHECK(err.find("after the closing quote of dns_x_a") != std::string::npos);
    CHECK(err.find("secret") == std::string::npos);
}

TEST_CASE("credentials: missing file, directory, and the permission warning", "[dns-support]") {
    TestHost t;
    CHECK(error_of([&] {
              Credentials::load(t.host(), "dns-linode", "");
          }).find("--dns-linode-credentials") != std::string::npos);
    CHECK(error_of([&] {
              Credentials::load(t.host(), "dns-linode", "/nonexistent/x.ini");
          }).find("Cannot read the credentials file /nonexistent/x.ini") != std::string::npos);
    CHECK(error_of([&] {
              Credentials::load(t.host(), "dns-linode", "/tmp");
          }).find("is not a regular file") != std::string::npos);

    TempFile safe("dns_linode_key = s3cr3t-value\n");
    auto c = Credentials::load(t.host(), "dns-linode", safe.path);
    CHECK(c.get("key") == "s3cr3t-value");
    CHECK(t.logs.empty());

    TempFile open("dns_linode_key = s3cr3t-value\n", 0644);
    Credentials::load(t.host(), "dns-linode", open.path);
    REQUIRE(t.logs.size() == 1);
    CHECK(t.logs[0].first == CB_LOG_WARNING);
    CHECK(t.logs[0].second.find("Unsafe permissions on credentials configuration file: " +
                                open.path) == 0);
    CHECK(t.all_logs().find("s3cr3t") == std::string::npos);

    TempFile big(std::string(70 * 1024, '#'));
    CHECK(error_of([&] {
              Credentials::load(t.host(), "dns-linode", big.path);
          }).find("too large") != std::string::npos);

    // A host without the service (an older certbot) is named, not crashed on.
    TestHost old;
    old.table.get_extension = nullptr;
    CHECK(error_of([&] {
              Credentials::load(old.host(), "dns-linode", safe.path);
          }).find("does not offer the host service certbot.credentials.v1") != std::string::npos);
}

TEST_CASE("zone guesses and relative names", "[dns-support]") {
    CHECK(zone_guesses("foo.bar.example.com") ==
          std::vector<std::string>{"foo.bar.example.com", "bar.example.com", "example.com", "com"});
    CHECK(zone_guesses("example.com.") == std::vector<std::string>{"example.com", "com"});
    CHECK(zone_guesses("").empty());
    CHECK(relative_name("_acme-challenge.a.example.com", "example.com") == "_acme-challenge.a");
    CHECK(relative_name("example.com", "example.com") == "@");
    CHECK_THROWS(relative_name("_acme-challenge.notexample.com", "example.com"));
    CHECK_THROWS(relative_name("example.com", "www.example.com"));

    std::vector<std::string> asked;
    auto only = [&](const std::string& zone) {
        return [&asked, zone](const std::string& g) {
            asked.push_back(g);
            return g == zone;
        };
    };
    CHECK(first_zone("a.b.example.com", "Test", only("example.com")) == "example.com");
    CHECK(asked == std::vector<std::string>{"a.b.example.com", "b.example.com", "example.com"});
    CHECK(error_of([&] { first_zone("a.example.org", "Test", only("example.com")); }) ==
          "Unable to determine zone identifier for a.example.org using zone names: "
          "a.example.org, example.org, org. Is the domain in this Test account?");
    CHECK(status_message(401, "{\"message\":\"Authentication\\nfailed\"}", "message") ==
          "HTTP status 401: Authentication failed");
    CHECK(status_message(500, "<html>", "message") == "HTTP status 500");
}

TEST_CASE("propagation seconds: each plugin's default, checked", "[dns-support]") {
    TestHost t;
    CHECK(propagation_seconds_option(t.host(), "dns-x", 10) == 10);
    t.options["propagation-seconds"] = "0";
    CHECK(propagation_seconds_option(t.host(), "dns-x", 10) == 0);
    for (const char* bad : {"-1", "ten", "", "86401", "9999999999"}) {
        t.options["propagation-seconds"] = bad;
        CHECK(error_of([&] {
                  propagation_seconds_option(t.host(), "dns-x", 10);
              }).find("--dns-x-propagation-seconds must be a number of seconds") !=
              std::string::npos);
    }
}

TEST_CASE("the propagation wait is the host's, and its cancellation is the call's error",
          "[dns-support]") {
    TestHost t;
    wait_for_propagation(t.host(), 0);  // nothing to wait for: no call
    CHECK(t.waits.empty());
    wait_for_propagation(t.host(), 30);
    CHECK(t.waits == std::vector<std::string>{"30 DNS changes to propagate"});
    t.wait_error = "cancelled: certbot is stopping (SIGINT/SIGTERM)";
    CHECK(error_of([&] { wait_for_propagation(t.host(), 30); }) == t.wait_error);
    // A host without the service (older than this toolkit) is named, not slept through.
    TestHost old;
    old.table.get_extension = nullptr;
    CHECK(error_of([&] {
              wait_for_propagation(old.host(), 5);
          }).find("does not offer the host service certbot.wait.v1") != std::string::npos);
}

TEST_CASE("a provider's change is polled with the host's waits in between, within a budget",
          "[dns-support]") {
    TestHost t;
    int asks = 0;
    SECTION("live at the first ask: no wait") {
        CHECK(poll_until(t.host(), "change C1 to be INSYNC", 600, [&] { return ++asks == 1; }));
        CHECK(asks == 1);
        CHECK(t.waits.empty());
    }
    SECTION("live at the fifth ask: 1, 2, 4 and 5 s between the asks") {
        CHECK(poll_until(t.host(), "change C1 to be INSYNC", 600, [&] { return ++asks == 5; }));
        CHECK(asks == 5);
        CHECK(t.waits ==
              std::vector<std::string>{"1 change C1 to be INSYNC", "2 change C1 to be INSYNC",
                                       "4 change C1 to be INSYNC", "5 change C1 to be INSYNC"});
    }
    SECTION("never live: false once the waits add up to the budget, the last one cut to fit") {
        CHECK_FALSE(poll_until(t.host(), "x", 10, [&] { return ++asks < 0; }));
        CHECK(t.waits == std::vector<std::string>{"1 x", "2 x", "4 x", "3 x"});
        CHECK(asks == 5);  // asked once more after the last wait
    }
    SECTION("a cancelled wait (SIGINT/SIGTERM, the call's time limit) ends the poll, naming it") {
        t.wait_error = "cancelled: certbot is stopping (SIGINT/SIGTERM)";
        CHECK(error_of([&] {
                  poll_until(t.host(), "change C1 to be INSYNC", 600, [&] { return ++asks < 0; });
              }) ==
              "Stopped waiting for change C1 to be INSYNC: cancelled: certbot is stopping "
              "(SIGINT/SIGTERM)");
        CHECK(asks == 1);  // not asked again after the cancellation
    }
    SECTION("an error of the ask itself goes through unchanged") {
        CHECK(error_of([&] {
                  poll_until(t.host(), "x", 600,
                             []() -> bool { throw std::runtime_error("HTTP status 500"); });
              }) == "HTTP status 500");
    }
}

namespace {

// A provider that records calls and fails on demand.
class FakeProvider : public DnsAuthenticator {
  public:
    explicit FakeProvider(Host h) : DnsAuthenticator(h, "dns-fake", 0) {}
    std::vector<std::string> live;  // "name value"
    std::string fail_add_before_send, fail_add_after_send, fail_delete;

  protected:
    void add_txt(TxtRecord& r) override {
        r.zone = "example.com";
        if (r.domain == fail_add_before_send) throw std::runtime_error("zone not found");
        r.sent = true;
        live.push_back(r.name + " " + r.value);
        if (r.domain == fail_add_after_send) throw std::runtime_error("answer lost");
        r.id = std::to_string(live.size());
    }
    void del_txt(const TxtRecord& r) override {
        if (r.domain == fail_delete) throw std::runtime_error("API down.");
        for (auto it = live.begin(); it != live.end(); ++it)
            if (*it == r.name + " " + r.value) {
                live.erase(it);
                return;
            }
    }
};

Challenge dns01(const std::string& domain, const std::string& value) {
    Challenge c;
    c.type = "dns-01";
    c.identifier = domain;
    c.validation = value;
    c.validation_name = "_acme-challenge." + domain;
    return c;
}

}  // namespace

TEST_CASE("DnsAuthenticator deletes exactly what this run added", "[dns-support]") {
    TestHost t;
    {
        FakeProvider p(t.host());
        p.live.push_back("_acme-challenge.example.com someone-else");
        p.perform({dns01("example.com", "v1"), dns01("example.com", "v2")});
        CHECK(p.live.size() == 3);
        p.cleanup({});
        CHECK(p.live == std::vector<std::string>{"_acme-challenge.example.com someone-else"});
    }
    {
        // Failure before the request left: nothing to delete; after: deleted by name and value.
        FakeProvider p(t.host());
        p.fail_add_after_send = "b.example.com";
        CHECK_THROWS(p.perform({dns01("a.example.com", "v1"), dns01("b.example.com", "v2"),
                                dns01("c.example.com", "v3")}));
        CHECK(p.live.size() == 2);
        p.cleanup({});
        CHECK(p.live.empty());
        p.fail_add_after_send.clear();
        p.fail_add_before_send = "a.example.com";
        CHECK_THROWS_WITH(p.perform({dns01("a.example.com", "v1")}), "zone not found");
        p.cleanup({});
        CHECK(p.live.empty());
    }
    {
        // A delete that fails is reported with what to do, and retried by the next cleanup.
        FakeProvider p(t.host());
        p.perform({dns01("a.example.com", "v1"), dns01("b.example.com", "v2")});
        p.fail_delete = "a.example.com";
        std::string err = error_of([&] { p.cleanup({}); });
        CHECK(err ==
              "API down. Remove the TXT record _acme-challenge.a.example.com from zone "
              "example.com by hand.");
        CHECK(p.live == std::vector<std::string>{"_acme-challenge.a.example.com v1"});
        p.fail_delete.clear();
        p.cleanup({});
        CHECK(p.live.empty());
    }
    {
        // Destroyed with a record cleanup could not delete: reported by cleanup, no crash (the
        // base class does not call the provider from its destructor).
        auto p = std::make_unique<FakeProvider>(t.host());
        p->perform({dns01("a.example.com", "v1")});
        p->fail_delete = "a.example.com";
        CHECK_THROWS_WITH(p->cleanup({}), Catch::Contains("by hand"));
        p.reset();
    }
    {
        FakeProvider p(t.host());
        Challenge http;
        http.type = "http-01";
        http.identifier = "example.com";
        CHECK(error_of([&] {
                  p.perform({http});
              }).find("dns-fake plugin can only answer dns-01 challenges, not http-01") !=
              std::string::npos);
        CHECK(p.chall_pref("example.com") == std::vector<std::string>{"dns-01"});
    }
}

TEST_CASE("HTTPS client settings: CA bundle, proxy exceptions, endpoint", "[dns-support]") {
    ::setenv("REQUESTS_CA_BUNDLE", "/a.pem", 1);
    ::setenv("SSL_CERT_FILE", "/b.pem", 1);
    CHECK(ca_bundle_from_environment() == "/a.pem");
    ::unsetenv("REQUESTS_CA_BUNDLE");
    CHECK(ca_bundle_from_environment() == "/b.pem");
    ::unsetenv("SSL_CERT_FILE");
    CHECK(ca_bundle_from_environment().empty());

    CHECK(no_proxy_covers("*", "api.example.com"));
    CHECK(no_proxy_covers("localhost, .example.com", "api.example.com"));
    CHECK(no_proxy_covers("example.com", "API.example.com"));
    CHECK(no_proxy_covers("127.0.0.1", "127.0.0.1"));
    CHECK_FALSE(no_proxy_covers("example.com", "notexample.com"));
    CHECK_FALSE(no_proxy_covers("", "example.com"));

    CHECK(url_encode("_acme-challenge.a b/+") == "_acme-challenge.a%20b%2F%2B");
    // RFC 7617 §2's example.
    CHECK(basic_auth("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    CHECK(basic_auth("", "") == "Basic Og==");

    HttpsClient ok("Test", "https://api.example.com/client/v4/", "", HttpsOptions{});
    CHECK(ok.origin() == "https://api.example.com:443");
    CHECK(ok.base_path() == "/client/v4");
    ::setenv("CERTBOT_DNS_TEST_API_URL", "https://[::1]:8443/v2", 1);
    HttpsClient over("Test", "https://api.example.com", "CERTBOT_DNS_TEST_API_URL", HttpsOptions{});
    CHECK(over.origin() == "https://[::1]:8443");
    CHECK(over.base_path() == "/v2");
    ::setenv("CERTBOT_DNS_TEST_API_URL", "http://127.0.0.1:8080", 1);
    CHECK(error_of([] {
              HttpsClient c("Test", "https://api.example.com", "CERTBOT_DNS_TEST_API_URL",
                            HttpsOptions{});
          }).find("is not an https:// URL (check CERTBOT_DNS_TEST_API_URL)") != std::string::npos);
    ::unsetenv("CERTBOT_DNS_TEST_API_URL");
    // Nothing listens on port 1: a clear, bounded error naming the provider.
    HttpsOptions quick;
    quick.connect_timeout_s = 2;
    HttpsClient dead("Test", "https://127.0.0.1:1", "", quick);
    CHECK(error_of([&] {
              dead.send("GET", "/zones?name=x", {{"Authorization", "Bearer s3"}});
          }).find("Could not reach the Test API (GET https://127.0.0.1:1/zones)") !=
          std::string::npos);
}

TEST_CASE("paged listings: every page until found, bounded, errors named", "[dns-support]") {
    // Three pages of two items each, "next" on all but the last (pages as DigitalOcean sends them).
    std::vector<int> fetched;
    PagedListing l;
    l.fetch = [&](int page) {
        fetched.push_back(page);
        HttpsResponse r;
        r.status = 200;
        r.body = "{\"items\":[{\"id\":" + std::to_string(page * 10) +
                 "},{\"id\":" + std::to_string(page * 10 + 1) +
                 "}],\"next\":" + (page < 3 ? "true" : "false") + "}";
        return r;
    };
    l.items = "items";
    l.where = "Test API (GET /items)";
    l.fail = [](const HttpsResponse& r) {
        throw std::runtime_error("listing failed: " + std::to_string(r.status));
    };
    l.has_next = [](const rapidjson::Document& d, int) { return d["next"].IsTrue(); };

    std::vector<std::string> seen;
    CHECK_FALSE(find_in_pages(l, [&](const rapidjson::Value& x) {
        seen.push_back(json_string(x, "id"));
        return false;
    }));
    CHECK(seen == std::vector<std::string>{"10", "11", "20", "21", "30", "31"});
    CHECK(fetched == std::vector<int>{1, 2, 3});

    CHECK(find_id_in_pages(l, [](const rapidjson::Value& x) { return x["id"].GetInt() > 20; }) ==
          "21");
    CHECK(find_id_in_pages(l, [](const rapidjson::Value&) { return false; }).empty());
    fetched.clear();
    CHECK(find_in_pages(l, [](const rapidjson::Value& x) { return json_string(x, "id") == "20"; }));
    CHECK(fetched == std::vector<int>{1, 2});  // stops at the page where it found it

    // A server that always says "next" is read max_pages times, no more.
    fetched.clear();
    l.has_next = [](const rapidjson::Document&, int) { return true; };
    l.max_pages = 4;
    CHECK_FALSE(find_in_pages(l, [](const rapidjson::Value&) { return false; }));
    CHECK(fetched.size() == 4);

    // No items member: the walk ends without error; garbage and HTTP errors are named.
    l.fetch = [](int) { return HttpsResponse{200, "{\"other\":[]}", {}}; };
    CHECK_FALSE(find_in_pages(l, [](const rapidjson::Value&) { return true; }));
    l.fetch = [](int) { return HttpsResponse{200, "<html>", {}}; };
    CHECK(error_of([&] {
              find_in_pages(l, [](const rapidjson::Value&) { return true; });
          }).find("The Test API (GET /items) sent a response that is not JSON") !=
          std::string::npos);
    l.fetch = [](int) { return HttpsResponse{500, "{}", {}}; };
    CHECK(error_of([&] { find_in_pages(l, [](const rapidjson::Value&) { return true; }); }) ==
          "listing failed: 500");
    // The body itself is the array when items is nullptr (LuaDNS, Gehirn).
    l.items = nullptr;
    l.fetch = [](int) { return HttpsResponse{200, "[{\"id\":1},{\"id\":2}]", {}}; };
    l.has_next = nullptr;
    int n = 0;
    CHECK_FALSE(find_in_pages(l, [&](const rapidjson::Value&) { return ++n > 5; }));
    CHECK(n == 2);
}
