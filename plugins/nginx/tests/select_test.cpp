// Server block selection, table-driven against nginx's documented order
// (http://nginx.org/en/docs/http/server_names.html#optimization,
//  http://nginx.org/en/docs/http/request_processing.html):
//   1. the exact name
//   2. the longest wildcard name starting with an asterisk ("*.example.org", ".example.org")
//   3. the longest wildcard name ending with an asterisk ("mail.*")
//   4. the first matching regular expression, in order of appearance
//   5. the default server of the address:port (default_server, else the first server)
#include "nginx_config.h"
#include "reverter.h"
#include "test_util.h"

#include <stdlib.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace nginxconf;
using TempRoot = nginx_test::TempRoot;

// The server blocks of an http block holding SERVERS.
std::vector<Server> servers_of(const std::string& servers) {
    TempRoot root;
    root.write("nginx.conf", "events {}\nhttp {\n" + servers + "\n}\n");
    return Config::load(root.path).servers();
}

// Index of the server block nginx picks for NAME on PORT (the only address:port group).
int pick(const std::vector<Server>& servers, const std::string& name, int port = 80) {
    auto picks = route_port(servers, name, port);
    return picks.size() == 1 ? picks[0].server : -1;
}

}  // namespace

TEST_CASE("match_name follows nginx's name forms", "[select]") {
    struct Row {
        const char* pattern;
        const char* name;
        Match expect;
    };
    const Row rows[] = {
        {"example.com", "example.com", Match::kExact},
        {"example.com", "www.example.com", Match::kNone},
        {"*.example.com", "www.example.com", Match::kWildcardHead},
        {"*.example.com", "a.b.example.com", Match::kWildcardHead},
        {"*.example.com", "example.com", Match::kNone},
        {".example.com", "example.com", Match::kWildcardHead},
        {".example.com", "www.example.com", Match::kWildcardHead},
        {".example.com", "badexample.com", Match::kNone},
        {"www.*", "www.example.org", Match::kWildcardTail},
        {"www.*", "www", Match::kNone},
        {"~^(?<user>.+)\\.example\\.net$", "joe.example.net", Match::kRegex},
        {"~^www\\d+\\.example\\.net$", "www12.example.net", Match::kRegex},
        {"~^www\\d+\\.example\\.net$", "www.example.net", Match::kNone},
        {"~(?i)^WWW\\.Example\\.net$", "www.example.net", Match::kRegex},
        {"~^WWW\\.Example\\.net$", "www.example.net", Match::kNone},
        {"", "", Match::kExact},
        {"_", "example.com", Match::kNone},
    };
    for (const auto& r : rows) {
        INFO(r.pattern << " vs " << r.name);
        CHECK(match_name(r.pattern, r.name) == r.expect);
    }
}

TEST_CASE("nginx's selection order", "[select]") {
    // Block indices: 0 default, 1 exact, 2 short head wildcard, 3 long head wildcard,
    // 4 tail wildcard, 5 first regex, 6 second regex, 7 exact on another port.
    auto servers = servers_of(R"(
        server { listen 80; server_name _; }
        server { listen 80; server_name www.example.com; }
        server { listen 80; server_name *.example.com; }
        server { listen 80; server_name *.api.example.com; }
        server { listen 80; server_name www.*; }
        server { listen 80; server_name ~^www\d+\.example\.com$ ~^w; }
        server { listen 80; server_name ~^www; }
        server { listen 8080; server_name other.example.com; }
    )");
    REQUIRE(servers.size() == 8);
    struct Row {
        const char* host;
        int expect;
    };
    const Row rows[] = {
        {"www.example.com", 1},     // exact beats every wildcard and regex
        {"WWW.Example.COM", 1},     // names compare lowercased
        {"a.example.com", 2},       // leading wildcard
        {"v1.api.example.com", 3},  // the longest leading wildcard
        {"www.example.org", 4},     // trailing wildcard (no leading one matches)
        {"www1.example.com", 2},    // leading wildcard beats regex
        {"www.example.net", 4},     // trailing wildcard beats regex
        {"www1.example.net", 5},    // the first matching regex, not the later one
        {"w1.example.net", 5},      // the first regex in configuration order
        {"other.example.com", 2},   // *.example.com, the 8080 block is not on port 80
        {"unknown.test", 0},        // no name: the first server is the default
    };
    for (const auto& r : rows) {
        INFO(r.host);
        CHECK(pick(servers, r.host) == r.expect);
    }
    CHECK(pick(servers, "other.example.com", 8080) == 7);
    CHECK(pick(servers, "nothing.test", 8080) == 7);  // the only server on 8080
    CHECK(route_port(servers, "x", 9999).empty());
}

TEST_CASE("default_server wins the fallback, per address:port", "[select]") {
    auto servers = servers_of(R"(
        server { listen 80; server_name a.test; }
        server { listen 80 default_server; server_name b.test; }
        server { listen 127.0.0.1:80; server_name c.test; }
        server { listen [::]:80 default_server; server_name d.test; }
        server { server_name e.test; }
    )");
    REQUIRE(servers.size() == 5);
    auto picks = route_port(servers, "none.test", 80);
    // *:80 -> b (default_server), 127.0.0.1:80 -> c (only), [::]:80 -> d.
    std::vector<int> got;
    for (const auto& p : picks) got.push_back(p.server);
    CHECK(got == std::vector<int>{1, 2, 3});
    // A server without listen listens on *:80 and takes its exact name there.
    picks = route_port(servers, "e.test", 80);
    got.clear();
    for (const auto& p : picks) got.push_back(p.server);
    CHECK(got == std::vector<int>{4, 2, 3});
    CHECK(servers[4].implicit_listen);
}

TEST_CASE("best_match prefers the better match, then SSL, then order", "[select]") {
    auto servers = servers_of(R"(
        server { listen 80; server_name *.example.com; }
        server { listen 80; server_name example.com; }
        server { listen 443 ssl; server_name example.com; }
        server { listen 80; server_name ~example; }
    )");
    auto any = [](const Server&) { return true; };
    CHECK(best_match(servers, "example.com", any).server == 2);
    CHECK(best_match(servers, "www.example.com", any).server == 0);
    CHECK(best_match(servers, "other.net", any).server == -1);
    CHECK(best_match(servers, "myexample.org", any).server == 3);
    CHECK(best_match(servers, "example.com", [](const Server& s) { return !s.has_ssl(); }).server ==
          1);
}

TEST_CASE("includes with globs are followed in order and stream servers are not http servers",
          "[select]") {
    TempRoot root;
    root.write("nginx.conf",
               "events {}\nhttp {\n include conf.d/*.conf;\n include sites-enabled/*;\n}\n"
               "stream { server { listen 1234; proxy_pass 127.0.0.1:1; } }\n");
    root.write("conf.d/b.conf", "server { listen 80; server_name b.test; }\n");
    root.write("conf.d/a.conf", "server { listen 80; server_name a.test; }\n");
    root.write("conf.d/ignored.txt", "this is { not nginx\n");
    root.write("sites-enabled/site", "server { listen 81; server_name site.test; }\n");
    Config cfg = Config::load(root.path);
    auto servers = cfg.servers();
    REQUIRE(servers.size() == 3);
    CHECK(servers[0].names == std::vector<std::string>{"a.test"});
    CHECK(servers[1].names == std::vector<std::string>{"b.test"});
    CHECK(servers[2].names == std::vector<std::string>{"site.test"});
    CHECK(servers[2].ref.file == root.file("sites-enabled/site"));
}

TEST_CASE("an include that cannot be parsed is reported with file:line", "[select][negative]") {
    TempRoot root;
    root.write("nginx.conf", "events {}\nhttp {\n include sites/*.conf;\n}\n");
    root.write("sites/good.conf", "server { listen 80; }\n");
    root.write("sites/bad.conf", "server {\n  listen 80;\n  return 200 \"oops;\n}\n");
    try {
        Config::load(root.path);
        FAIL("loaded a broken include");
    } catch (const ParseError& e) {
        CHECK(e.file() == real_path(root.path + "/sites/bad.conf"));
        CHECK(e.line() == 3);
    }
    root.write("nginx.conf", "events {}\nhttp {\n include missing.conf;\n}\n");
    try {
        Config::load(root.path);
        FAIL("loaded a missing include");
    } catch (const ParseError& e) {
        CHECK(e.line() == 3);
        CHECK(std::string(e.what()).find("missing.conf") != std::string::npos);
    }
}
