// The parser and configurator on a small Debian-like tree, without a running Apache: apache2ctl
// is a function answering DUMP_RUN_CFG/DUMP_MODULES/DUMP_INCLUDES for the tree.
#include "apache_configurator.h"
#include "host_services.h"
#include "temp_root.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace apacheconf;

TEST_CASE("addresses parse and compare as certbot's", "[apache]") {
    Addr a = Addr::parse("[::1]:80");
    CHECK(a.host == "[::1]");
    CHECK(a.port == "80");
    CHECK(a.ipv6);
    CHECK(Addr::parse("[0:0:0:0:0:0:0:1]:80") == a);
    CHECK(Addr::parse("*:80").str() == "*:80");
    CHECK(Addr::parse("10.0.0.1").is_wildcard());
    CHECK(Addr::parse("10.0.0.1:*") == Addr::parse("10.0.0.1"));
    CHECK(Addr::parse("*:80").with_port("443").str() == "*:443");
    CHECK(Addr::parse("_default_:443").conflicts(Addr::parse("*:443")));
    CHECK_FALSE(Addr::parse("*:443").conflicts(Addr::parse("*:80")));
}

TEST_CASE("names match exactly and by wildcard", "[apache]") {
    CHECK(domain_in_names({"*.example.com"}, "www.EXAMPLE.com"));
    CHECK_FALSE(domain_in_names({"*.example.com"}, "example.com"));
    CHECK_FALSE(domain_in_names({"[abc].example.com"}, "a.example.com"));
    CHECK(fnmatch("/etc/apache2/sites-enabled/a.conf", "/etc/apache2/sites-enabled/*.conf"));
    CHECK_FALSE(fnmatch("a.conf", "*.load"));
}

namespace {

struct Tree {
    support_test::TempRoot dir;
    std::string root;
    certbot::LocalHost host;  // the checkpoint service, as the plugin's runner offers it
    Tree() : root(dir.path + "/apache2"), host(dir.path + "/work") {
        dir.write("apache2/apache2.conf",
                  "Define SITE_NAME defined.example\n"
                  "IncludeOptional mods-enabled/*.load\n"
                  "Include ports.conf\n"
                  "IncludeOptional sites-enabled/*.conf\n");
        dir.write("apache2/ports.conf",
                  "Listen 80\n<IfModule ssl_module>\n\tListen 443\n"
                  "</IfModule>\n");
        dir.write("apache2/mods-available/ssl.load", "# ssl\n");
        dir.write("apache2/sites-available/a.conf",
                  "<VirtualHost *:80>\n\tServerName a.example\n\tServerAlias *.wild.example\n"
                  "\tDocumentRoot /var/www/a\n</VirtualHost>\n");
        dir.write("apache2/sites-available/b.conf",
                  "<VirtualHost *:80>\n\tServerName ${SITE_NAME}\n</VirtualHost>\n");
        dir.write("apache2/sites-available/off.conf",
                  "<VirtualHost *:80>\n\tServerName off.example\n</VirtualHost>\n");
        std::filesystem::create_directories(root + "/sites-enabled");
        std::filesystem::create_directories(root + "/mods-enabled");
        std::filesystem::create_symlink("../sites-available/a.conf",
                                        root + "/sites-enabled/a.conf");
        std::filesystem::create_symlink("../sites-available/b.conf",
                                        root + "/sites-enabled/b.conf");
    }
    Options options() const {
        Options o;
        o.server_root = root;
        o.config_dir = dir.path + "/le";
        o.work_dir = dir.path + "/work";
        return o;
    }
    Environment env(bool ssl) const {
        Environment e;
        e.ctl = [ssl](const std::vector<std::string>& args) {
            const std::string& what = args.back();
            if (what == "DUMP_RUN_CFG")
                return CtlResult{0, "Define: DUMP_RUN_CFG\nDefine: SITE_NAME=defined.example\n"};
            if (what == "DUMP_MODULES")
                return CtlResult{0,
                                 std::string("Loaded Modules:\n core_module (static)\n") +
                                     (ssl ? " ssl_module (shared)\n socache_shmcb_module (shared)\n"
                                            " rewrite_module (shared)\n headers_module (shared)\n"
                                          : "")};
            return CtlResult{0, ""};
        };
        e.run = [](const std::vector<std::string>& argv) {
            return CtlResult{1, argv[0] + " is not run in unit tests"};
        };
        e.host = host.table();
        return e;
    }
};

}  // namespace

TEST_CASE("virtual hosts, names and enabled state come from the tree", "[apache]") {
    Tree t;
    Configurator c(t.options(), t.env(false));
    auto names = c.all_names();
    CHECK(names == std::vector<std::string>{"*.wild.example", "a.example", "defined.example"});
    int enabled = 0;
    for (const auto& vh : c.vhosts()) {
        CHECK(vh.filep.find("/sites-enabled/") != std::string::npos);
        if (vh.enabled) ++enabled;
        CHECK_FALSE(vh.ssl);
    }
    CHECK(c.vhosts().size() == 2);
    CHECK(enabled == 2);
}

TEST_CASE("deploy makes the -le-ssl.conf copy with the certificate directives", "[apache]") {
    Tree t;
    Configurator c(t.options(), t.env(true));
    c.deploy_cert("a.example", "/le/live/a/cert.pem", "/le/live/a/privkey.pem",
                  "/le/live/a/chain.pem", "/le/live/a/fullchain.pem");
    c.save("Deployed", false);
    std::string ssl = plugin_support::read_file(t.root + "/sites-available/a-le-ssl.conf");
    CHECK(ssl.find("<IfModule mod_ssl.c>\n<VirtualHost *:443>") == 0);
    CHECK(ssl.find("SSLCertificateFile /le/live/a/fullchain.pem") != std::string::npos);
    CHECK(ssl.find("SSLCertificateKeyFile /le/live/a/privkey.pem") != std::string::npos);
    CHECK(ssl.find("Include " + t.dir.path + "/le/options-ssl-apache.conf") != std::string::npos);
    CHECK(plugin_support::file_exists(t.root + "/sites-enabled/a-le-ssl.conf"));
    // Rolled back: the copy and the link are gone, a.conf is byte for byte what it was.
    c.reverter().rollback_checkpoints(1);
    CHECK_FALSE(plugin_support::file_exists(t.root + "/sites-available/a-le-ssl.conf"));
    CHECK_FALSE(plugin_support::file_exists(t.root + "/sites-enabled/a-le-ssl.conf"));
}

TEST_CASE("a name no virtual host serves is refused, naming it", "[apache]") {
    Tree t;
    Configurator c(t.options(), t.env(true));
    CHECK_THROWS_WITH(c.deploy_cert("nowhere.example", "c", "k", "ch", "fc"),
                      Catch::Contains("Certbot could not find a VirtualHost for nowhere.example"));
}

TEST_CASE("a file the Httpd lens rejects is named with its line", "[apache]") {
    Tree t;
    t.dir.write("apache2/sites-available/bad.conf", "<VirtualHost *:80>\nServerName x\n");
    std::filesystem::create_symlink("../sites-available/bad.conf",
                                    t.root + "/sites-enabled/bad.conf");
    CHECK_THROWS_WITH(Configurator(t.options(), t.env(false)), Catch::Contains("bad.conf"));
}

TEST_CASE("enhancements are certbot's directives, and a second time already present", "[apache]") {
    Tree t;
    t.dir.write("apache2/sites-available/a.conf",
                "<VirtualHost *:80>\n\tServerName a.example\n"
                "\tRewriteEngine on\n\tRewriteRule ^/old$ https://a.example/new [R=301,L]\n"
                "</VirtualHost>\n");
    Configurator c(t.options(), t.env(true));
    c.deploy_cert("a.example", "c", "/k.pem", "ch", "/fc.pem");
    c.save("Deployed", false);
    const std::string ssl_file = t.root + "/sites-available/a-le-ssl.conf";
    std::string ssl = plugin_support::read_file(ssl_file);
    // The rule to https:// would loop on the HTTPS copy: commented out with certbot's note.
    CHECK(ssl.find("# Some rewrite rules in this file were disabled on your HTTPS site,") !=
          std::string::npos);
    CHECK(ssl.find("# \tRewriteRule ^/old$ https://a.example/new [R=301,L]") != std::string::npos);
    CHECK(c.enhance("a.example", "redirect", ""));
    CHECK(c.enhance("a.example", "ensure-http-header", "Strict-Transport-Security"));
    CHECK_FALSE(c.enhance("a.example", "ensure-http-header", "Strict-Transport-Security"));
    CHECK(c.enhance("a.example", "staple-ocsp", ""));
    c.save("Enhanced", false);
    std::string http = plugin_support::read_file(t.root + "/sites-available/a.conf");
    CHECK(http.find("RewriteCond %{SERVER_NAME} =a.example\nRewriteRule ^ "
                    "https://%{SERVER_NAME}%{REQUEST_URI} [END,NE,R=permanent]\n") !=
          std::string::npos);
    ssl = plugin_support::read_file(ssl_file);
    CHECK(ssl.find("Header always set Strict-Transport-Security \"max-age=31536000\"") !=
          std::string::npos);
    CHECK(ssl.find("SSLUseStapling on") != std::string::npos);
    CHECK(ssl.find("SSLStaplingCache shmcb:/var/run/apache2/stapling_cache(128000)") !=
          std::string::npos);
    CHECK_THROWS_WITH(c.enhance("a.example", "ensure-http-header", "X-Other"),
                      Catch::Contains("cannot set the HTTP header"));
    // A new configurator (a later run) finds certbot's redirect already there.
    Configurator again(t.options(), t.env(true));
    CHECK_FALSE(again.enhance("a.example", "redirect", ""));
}

TEST_CASE("options-ssl-apache.conf: installed, updated when known, kept when edited", "[apache]") {
    Tree t;
    Configurator c(t.options(), t.env(false));
    const std::string conf = t.dir.path + "/le/options-ssl-apache.conf";
    const std::string digest = t.dir.path + "/le/.updated-options-ssl-apache-conf-digest.txt";
    c.install_ssl_options_conf();
    CHECK(plugin_support::read_file(conf) == kOptionsSslApache);
    CHECK(plugin_support::read_file(digest) ==
          "61466bc2f98a623c02be8a5ee916ead1655b0ce883bdc936692076ea499ff5ce");
    plugin_support::atomic_write(conf, "# edited by hand\n");
    c.install_ssl_options_conf();
    CHECK(plugin_support::read_file(conf) == "# edited by hand\n");
    CHECK(
        known_options_ssl_hash("3fd812e3e87fe5c645d3682a511b2a06c8286f19594f28e280f17cd6af1301b5"));
    CHECK_FALSE(known_options_ssl_hash("00"));
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern size_t apache_fuzz_deploys;

TEST_CASE("fuzz entry point: the corpus replays and reaches deploys", "[apache][fuzz]") {
    size_t inputs = 0;
    const size_t deploys_before = apache_fuzz_deploys;
    for (const auto& e :
         std::filesystem::directory_iterator(std::string(APACHE_TESTDATA) + "/corpus")) {
        const std::string s = plugin_support::read_file(e.path().string());
        INFO(e.path().string());
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
        ++inputs;
    }
    CHECK(inputs >= 9);
    // Seeds with ssl_module loaded get as far as a saved deploy that must load again.
    CHECK(apache_fuzz_deploys - deploys_before >= 5);
}
