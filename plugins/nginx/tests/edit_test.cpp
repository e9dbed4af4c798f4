// The plugin's edits on plain text: exactly what is added, where, and that nothing else moves.
#include "nginx_edit.h"
#include "reverter.h"
#include "test_util.h"

#include <stdlib.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace nginxconf;
using Root = nginx_test::TempRoot;

EditSettings settings(const Root& r) {
    EditSettings s;
    s.config_dir = "/etc/letsencrypt";
    s.challenge_conf = r.file("work/challenge.conf");
    return s;
}

std::string changed(const Config& cfg, const std::string& path) {
    auto c = cfg.changed();
    auto it = c.find(path);
    return it == c.end() ? std::string() : it->second;
}

const char* const kToken = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
const char* const kKeyAuth =
    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

}  // namespace

TEST_CASE("http-01 adds a location and a rewrite to the block nginx picks", "[edit]") {
    Root r;
    r.write("nginx.conf",
            "events {}\nhttp {\n    server {\n        listen 80;\n        server_name a.test;\n"
            "        return 301 https://a.test$request_uri;\n    }\n"
            "    server {\n        listen 80;\n        server_name b.test;\n    }\n}\n");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, settings(r));
    ed.add_challenges({{"a.test", kToken, kKeyAuth}});
    CHECK(changed(cfg, r.file("nginx.conf")) ==
          "events {}\nhttp {\n    server {\n"
          "        rewrite ^(/.well-known/acme-challenge/.*) $1 break;\n"
          "        listen 80;\n        server_name a.test;\n"
          "        return 301 https://a.test$request_uri;\n"
          "        location = /.well-known/acme-challenge/" +
              std::string(kToken) +
              " {\n            default_type text/plain;\n            return 200 " + kKeyAuth +
              ";\n        }\n    }\n"
              "    server {\n        listen 80;\n        server_name b.test;\n    }\n}\n");
    CHECK(cfg.changed().size() == 1);
}

TEST_CASE("http-01 on a port no block listens on makes a block in the challenge file", "[edit]") {
    Root r;
    r.write("nginx.conf", "events {}\nhttp {\n\tserver {\n\t\tlisten [::]:80;\n\t}\n}\n");
    Config cfg = Config::load(r.path);
    EditSettings s = settings(r);
    s.http_port = 5002;
    Editor ed(cfg, s);
    ed.add_challenges({{"c.test", kToken, kKeyAuth}});
    CHECK(changed(cfg, r.file("nginx.conf")) == "events {}\nhttp {\n\tinclude " + s.challenge_conf +
                                                    ";\n\tserver {\n\t\tlisten [::]:80;\n\t}\n}\n");
    std::string conf = changed(cfg, s.challenge_conf);
    CHECK(conf.find("server_names_hash_bucket_size 128;") != std::string::npos);
    CHECK(conf.find("listen 5002;") != std::string::npos);
    CHECK(conf.find("listen [::]:5002;") != std::string::npos);
    CHECK(conf.find("server_name c.test;") != std::string::npos);
    CHECK(conf.find("return 200 " + std::string(kKeyAuth) + ";") != std::string::npos);
    // The new block is part of the configuration now.
    CHECK(route_port(cfg.servers(), "c.test", 5002).size() == 1);
}

TEST_CASE("http-01 refuses tokens and names that are not ACME's alphabet", "[edit][negative]") {
    Root r;
    r.write("nginx.conf", "events {}\nhttp {\n server { listen 80; }\n}\n");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, settings(r));
    CHECK_THROWS(ed.add_challenges({{"a.test", "tok;en", kKeyAuth}}));
    CHECK_THROWS(ed.add_challenges({{"a.test", kToken, "x\"; return 500; #"}}));
    CHECK_THROWS(ed.add_challenges({{"a.test;", kToken, kKeyAuth}}));
    CHECK(cfg.changed().empty());
}

TEST_CASE("deploy_cert makes a plain block listen with SSL without repeating socket options",
          "[edit]") {
    Root r;
    r.write("nginx.conf", "events {}\nhttp {\n include sites/*;\n}\n");
    r.write("sites/a",
            "server {\n    listen 80 default_server reuseport;\n"
            "    listen [::]:80 default_server ipv6only=on;\n    server_name a.test;\n"
            "    root /var/www/a;\n}\n");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, settings(r));
    ed.deploy_cert("a.test", "/etc/letsencrypt/live/a.test/privkey.pem",
                   "/etc/letsencrypt/live/a.test/fullchain.pem");
    CHECK(changed(cfg, r.file("sites/a")) ==
          "server {\n    listen 80 default_server reuseport;\n"
          "    listen [::]:80 default_server ipv6only=on;\n"
          "    listen 443 ssl;\n    listen [::]:443 ssl;\n    server_name a.test;\n"
          "    root /var/www/a;\n"
          "    ssl_certificate /etc/letsencrypt/live/a.test/fullchain.pem;\n"
          "    ssl_certificate_key /etc/letsencrypt/live/a.test/privkey.pem;\n"
          "    include /etc/letsencrypt/options-ssl-nginx.conf;\n"
          "    ssl_dhparam /etc/letsencrypt/ssl-dhparams.pem;\n}\n");
}

TEST_CASE("deploy_cert replaces an existing certificate and adds ssl to listen 443", "[edit]") {
    Root r;
    r.write("nginx.conf",
            "events {}\nhttp {\n server {\n  listen 443;\n  server_name a.test;\n"
            "  ssl_certificate /old/cert.pem;  # old\n  ssl_certificate_key /old/key.pem;\n"
            "  ssl_protocols TLSv1.3;\n }\n}\n");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, settings(r));
    ed.deploy_cert("a.test", "/new/key dir/privkey.pem", "/new/fullchain.pem");
    CHECK(changed(cfg, r.file("nginx.conf")) ==
          "events {}\nhttp {\n server {\n  listen 443 ssl;\n  server_name a.test;\n"
          "  ssl_certificate /new/fullchain.pem;  # old\n"
          "  ssl_certificate_key \"/new/key dir/privkey.pem\";\n  ssl_protocols TLSv1.3;\n"
          "  ssl_dhparam /etc/letsencrypt/ssl-dhparams.pem;\n }\n}\n");
}

TEST_CASE("deploy_cert with no matching name copies the default block", "[edit]") {
    Root r;
    r.write("nginx.conf",
            "events {}\nhttp {\n    server {\n        listen 80 default_server backlog=100;\n"
            "        server_name _;\n        root /var/www/html;\n    }\n}\n");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, settings(r));
    ed.deploy_cert("new.test", "/k.pem", "/f.pem");
    std::string text = changed(cfg, r.file("nginx.conf"));
    // The original is untouched, the copy follows it.
    CHECK(text.find("    server {\n        listen 80 default_server backlog=100;\n"
                    "        server_name _;\n        root /var/www/html;\n    }\n\n"
                    "    server {\n        listen 80;\n        listen 443 ssl;\n"
                    "        server_name new.test;\n        root /var/www/html;\n") !=
          std::string::npos);
    auto servers = cfg.servers();
    REQUIRE(servers.size() == 2);
    CHECK(servers[1].names == std::vector<std::string>{"new.test"});
    CHECK(servers[1].has_ssl());
}

TEST_CASE("redirect splits a combined block and uses the configured name", "[edit]") {
    Root r;
    r.write("nginx.conf",
            "events {}\nhttp {\n    server {\n        listen 80;\n        listen 443 ssl;\n"
            "        server_name a.test www.a.test;\n        ssl_certificate /f.pem;\n"
            "        ssl_certificate_key /k.pem;\n    }\n}\n");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, settings(r));
    ed.redirect("www.a.test");
    CHECK(changed(cfg, r.file("nginx.conf")) ==
          "events {}\nhttp {\n    server {\n        listen 443 ssl;\n"
          "        server_name a.test www.a.test;\n        ssl_certificate /f.pem;\n"
          "        ssl_certificate_key /k.pem;\n    }\n\n"
          "    server {\n        if ($host = www.a.test) {\n"
          "            return 301 https://www.a.test$request_uri;\n        }\n"
          "        listen 80;\n        server_name a.test www.a.test;\n"
          "        return 404;\n    }\n}\n");
    // The second name goes into the split block; a repeated call adds nothing.
    ed.redirect("a.test");
    std::string once = changed(cfg, r.file("nginx.conf"));
    CHECK(once.find("if ($host = a.test) {\n            return 301 https://a.test$request_uri;") !=
          std::string::npos);
    ed.redirect("a.test");
    CHECK(changed(cfg, r.file("nginx.conf")) == once);
}

TEST_CASE("redirect adds a plain block where plain HTTP is served, ports from settings", "[edit]") {
    Root r;
    r.write("nginx.conf",
            "events {}\nhttp {\n  server {\n    listen 8443 ssl;\n    server_name a.test;\n"
            "  }\n}\n");
    EditSettings s = settings(r);
    s.http_port = 8080;
    s.https_port = 8443;
    {
        // Nothing serves plain HTTP on 8080: like certbot, no redirect and no new socket.
        Config cfg = Config::load(r.path);
        Editor ed(cfg, s);
        ed.redirect("a.test");
        CHECK(cfg.changed().empty());
    }
    r.write("conf.d/default",
            "server {\n  listen 127.0.0.1:8080 default_server reuseport;\n  listen [::]:8080;\n"
            "}\n");
    r.write("nginx.conf",
            "events {}\nhttp {\n  include conf.d/default;\n  server {\n    listen 8443 ssl;\n"
            "    server_name a.test;\n  }\n}\n");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, s);
    ed.redirect("a.test");
    std::string text = changed(cfg, r.file("nginx.conf"));
    CHECK(text.find("  server {\n    if ($host = a.test) {\n"
                    "      return 301 https://a.test:8443$request_uri;\n    }\n"
                    "    listen 127.0.0.1:8080;\n    listen [::]:8080;\n    server_name a.test;\n"
                    "    return 404;\n  }\n") != std::string::npos);
    CHECK_THROWS(ed.redirect("nossl.test"));
}

TEST_CASE("headers and stapling go into the SSL block once", "[edit]") {
    Root r;
    r.write("nginx.conf",
            "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name a.test;\n"
            "  }\n}\n");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, settings(r));
    ed.ensure_header("a.test", "Strict-Transport-Security");
    ed.ensure_header("a.test", "strict-transport-security");
    ed.ensure_header("a.test", "Upgrade-Insecure-Requests");
    ed.staple_ocsp("a.test", "/chain.pem");
    ed.staple_ocsp("a.test", "/chain.pem");
    CHECK_THROWS(ed.ensure_header("a.test", "X-Bogus"));
    CHECK(changed(cfg, r.file("nginx.conf")) ==
          "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name a.test;\n"
          "    add_header Strict-Transport-Security \"max-age=31536000\" always;\n"
          "    add_header Content-Security-Policy \"upgrade-insecure-requests\";\n"
          "    ssl_trusted_certificate /chain.pem;\n    ssl_stapling on;\n"
          "    ssl_stapling_verify on;\n  }\n}\n");
}

TEST_CASE("blocks outside the server root are never edited", "[edit][negative]") {
    Root outside;
    outside.write("site.conf", "server { listen 80; server_name out.test; }\n");
    Root r;
    r.write("nginx.conf", "events {}\nhttp {\n include " + outside.file("site.conf") + ";\n}\n");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, settings(r));
    CHECK_THROWS_WITH(ed.add_challenges({{"out.test", kToken, kKeyAuth}}),
                      Catch::Contains("outside the nginx server root"));
    CHECK_THROWS(ed.deploy_cert("out.test", "/k", "/f"));
    CHECK(cfg.changed().empty());
}

TEST_CASE("http-01 answered by a default server outside the root gets a block of its own",
          "[edit]") {
    Root outside;
    outside.write("default.conf",
                  "server { listen 127.0.0.1:8080 default_server reuseport; server_name _; }\n");
    Root r;
    r.write("nginx.conf", "events {}\nhttp {\n include " + outside.file("default.conf") +
                              ";\n server { listen 127.0.0.1:8080; server_name in.test; }\n}\n");
    Config cfg = Config::load(r.path);
    EditSettings s = settings(r);
    s.http_port = 8080;
    Editor ed(cfg, s);
    ed.add_challenges({{"new.test", kToken, kKeyAuth}});
    CHECK(changed(cfg, outside.file("default.conf")).empty());
    std::string conf = changed(cfg, s.challenge_conf);
    // The same address, no socket option repeated, the exact name.
    CHECK(conf.find("    listen 127.0.0.1:8080;\n    server_name new.test;\n") !=
          std::string::npos);
    auto picks = route_port(cfg.servers(), "new.test", 8080);
    REQUIRE(picks.size() == 1);
    CHECK(picks[0].how == Match::kExact);
}

TEST_CASE("valid_domain", "[edit]") {
    CHECK(valid_domain("example.com"));
    CHECK(valid_domain("*.example.com"));
    CHECK(valid_domain("xn--bcher-kva.example"));
    CHECK_FALSE(valid_domain("a..b"));
    CHECK_FALSE(valid_domain("-a.b"));
    CHECK_FALSE(valid_domain("a b"));
    CHECK_FALSE(valid_domain("a;b"));
    CHECK_FALSE(valid_domain(""));
}
