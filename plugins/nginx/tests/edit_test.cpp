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
          "        rewrite ^(/.well-known/acme-challenge/.*) $1 break; # managed by Certbot\n"
          "        listen 80;\n        server_name a.test;\n"
          "        return 301 https://a.test$request_uri;\n"
          "        location = /.well-known/acme-challenge/" +
              std::string(kToken) +
              " {\n            default_type text/plain;\n            return 200 " + kKeyAuth +
              ";\n        } # managed by Certbot\n    }\n"
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
    CHECK(changed(cfg, r.file("nginx.conf")) ==
          "events {}\nhttp {\n\tinclude " + s.challenge_conf +
              "; # managed by Certbot\n\tserver {\n\t\tlisten [::]:80;\n\t}\n}\n");
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
          "    listen 443 ssl; # managed by Certbot\n"
          "    listen [::]:443 ssl; # managed by Certbot\n    server_name a.test;\n"
          "    root /var/www/a;\n"
          "    ssl_certificate /etc/letsencrypt/live/a.test/fullchain.pem; # managed by Certbot\n"
          "    ssl_certificate_key /etc/letsencrypt/live/a.test/privkey.pem; # managed by Certbot\n"
          "    include /etc/letsencrypt/options-ssl-nginx.conf; # managed by Certbot\n"
          "    ssl_dhparam /etc/letsencrypt/ssl-dhparams.pem; # managed by Certbot\n}\n");
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
          "events {}\nhttp {\n server {\n  listen 443 ssl; # managed by Certbot\n"
          "  server_name a.test;\n"
          "  ssl_certificate /new/fullchain.pem; # managed by Certbot  # old\n"
          "  ssl_certificate_key \"/new/key dir/privkey.pem\"; # managed by Certbot\n"
          "  ssl_protocols TLSv1.3;\n"
          "  ssl_dhparam /etc/letsencrypt/ssl-dhparams.pem; # managed by Certbot\n }\n}\n");
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
    CHECK(
        text.find("    server {\n        listen 80 default_server backlog=100;\n"
                  "        server_name _;\n        root /var/www/html;\n    }\n\n"
                  "    server {\n        listen 80;\n        listen 443 ssl; # managed by Certbot\n"
                  "        server_name new.test; # managed by Certbot\n"
                  "        root /var/www/html;\n") != std::string::npos);
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
          "            return 301 https://www.a.test$request_uri;\n"
          "        } # managed by Certbot\n"
          "        listen 80;\n        server_name a.test www.a.test;\n"
          "        return 404; # managed by Certbot\n    }\n}\n");
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
                    "      return 301 https://a.test:8443$request_uri;\n"
                    "    } # managed by Certbot\n"
                    "    listen 127.0.0.1:8080; # managed by Certbot\n"
                    "    listen [::]:8080; # managed by Certbot\n"
                    "    server_name a.test; # managed by Certbot\n"
                    "    return 404; # managed by Certbot\n  } # managed by Certbot\n") !=
          std::string::npos);
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
          "    add_header Strict-Transport-Security \"max-age=31536000\" always; # managed by "
          "Certbot\n"
          "    add_header Content-Security-Policy \"upgrade-insecure-requests\"; # managed by "
          "Certbot\n"
          "    ssl_trusted_certificate /chain.pem; # managed by Certbot\n"
          "    ssl_stapling on; # managed by Certbot\n"
          "    ssl_stapling_verify on; # managed by Certbot\n  }\n}\n");
}

TEST_CASE("blocks in files outside the server root are edited where they are", "[edit]") {
    // As certbot: a site file included by absolute path, or symlinked into sites-enabled from
    // elsewhere, is part of nginx's configuration and is edited at its real path.
    Root outside;
    outside.write("site.conf", "server { listen 80; server_name out.test; }\n");
    outside.write("linked.conf", "server {\n    listen 80;\n    server_name linked.test;\n}\n");
    Root r;
    r.write("nginx.conf", "events {}\nhttp {\n include " + outside.file("site.conf") +
                              ";\n include sites-enabled/*;\n}\n");
    std::filesystem::create_directories(r.path + "/sites-enabled");
    std::filesystem::create_symlink(outside.file("linked.conf"), r.path + "/sites-enabled/linked");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, settings(r));
    ed.add_challenges({{"out.test", kToken, kKeyAuth}});
    CHECK(changed(cfg, outside.file("site.conf"))
              .find("server {\n    rewrite ^(/.well-known/acme-challenge/.*) $1 break; # managed "
                    "by Certbot\n    listen 80; server_name out.test;") == 0);
    ed.deploy_cert("linked.test", "/k", "/f");
    CHECK(changed(cfg, outside.file("linked.conf")) ==
          "server {\n    listen 80;\n    listen 443 ssl; # managed by Certbot\n"
          "    server_name linked.test;\n    ssl_certificate /f; # managed by Certbot\n"
          "    ssl_certificate_key /k; # managed by Certbot\n"
          "    include /etc/letsencrypt/options-ssl-nginx.conf; # managed by Certbot\n"
          "    ssl_dhparam /etc/letsencrypt/ssl-dhparams.pem; # managed by Certbot\n}\n");
    CHECK(cfg.changed().size() == 2);  // nginx.conf and the symlink are untouched
}

TEST_CASE("certbot's mark: once per line, and a comment stays on the line it was on", "[edit]") {
    Root r;
    r.write("nginx.conf",
            "events {}\nhttp {\n    server {  # the site\n        listen 80;  # plain\n"
            "        server_name a.test;  # name\n    }\n}\n");
    Config cfg = Config::load(r.path);
    Editor ed(cfg, settings(r));
    ed.add_challenges({{"a.test", kToken, kKeyAuth}});
    ed.deploy_cert("a.test", "/k", "/f");
    ed.deploy_cert("a.test", "/k2", "/f2");  // updated in place, marked once
    const std::string text = changed(cfg, r.file("nginx.conf"));
    CHECK(text.find("    server {  # the site\n"
                    "        rewrite ^(/.well-known/acme-challenge/.*) $1 break; # managed by "
                    "Certbot\n        listen 80;  # plain\n"
                    "        listen 443 ssl; # managed by Certbot\n"
                    "        server_name a.test;  # name\n") != std::string::npos);
    CHECK(text.find("        } # managed by Certbot\n"
                    "        ssl_certificate /f2; # managed by Certbot\n"
                    "        ssl_certificate_key /k2; # managed by Certbot\n") !=
          std::string::npos);
    size_t marks = 0;
    for (size_t at = text.find(kManagedMark); at != std::string::npos;
         at = text.find(kManagedMark, at + 1))
        ++marks;
    CHECK(marks == 7);  // rewrite, location, listen, certificate, key, options, dhparam
    // A one-line block: what followed the marked directive moves to its own line.
    Config one = Config::from_text("/x/nginx.conf",
                                   "http { server { listen 443 ssl; server_name b.test; } }\n");
    Editor ed1(one, settings(r));
    ed1.staple_ocsp("b.test", "");
    CHECK(changed(one, "/x/nginx.conf") ==
          "http { server { listen 443 ssl; server_name b.test;\n"
          "    ssl_stapling on; # managed by Certbot\n"
          "    ssl_stapling_verify on; # managed by Certbot\n} }\n");
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
