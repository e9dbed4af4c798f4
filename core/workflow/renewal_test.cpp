#include "renewal.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "fsutil.h"
#include "temp_dir_test.h"

using namespace certbot;

namespace {

struct Store : certbot::test::TempDir {
    Lineage lineage(const std::string& server, std::vector<RenewalParam> extra = {},
                    const std::string& name = "a.example") const {
        const std::string pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
        std::vector<RenewalParam> params = {RenewalParam::str("account", "abc123"),
                                            RenewalParam::str("authenticator", "webroot"),
                                            RenewalParam::str("server", server)};
        if (extra.empty() || extra[0].key != "key_type")
            params.push_back(RenewalParam::str("key_type", "ecdsa"));
        params.insert(params.end(), extra.begin(), extra.end());
        auto l = create_lineage(path, name, pem, pem, "", "KEY", params, "2.1.0");
        REQUIRE(l.ok());
        return *l;
    }
};

}  // namespace

TEST_CASE("a dry run of a Let's Encrypt lineage goes to staging with a staging account",
          "[renewal]") {
    Store s;
    Lineage l = s.lineage(kDefaultServer);
    PluginRegistry none;
    Config cli;
    cli.dry_run = true;
    auto dry = renewal_config(l, cli, none);
    REQUIRE(dry.ok());
    CHECK(dry->effective_server() == kStagingServer);
    CHECK(dry->account.empty());
    cli.dry_run = false;
    auto real = renewal_config(l, cli, none);
    REQUIRE(real.ok());
    CHECK(real->effective_server() == kDefaultServer);
    CHECK(real->account == "abc123");
}

TEST_CASE("a dry run of another CA's lineage stays with that CA and account", "[renewal]") {
    Store s;
    Lineage l = s.lineage("https://127.0.0.1:14000/dir");
    PluginRegistry none;
    Config cli;
    cli.dry_run = true;
    auto dry = renewal_config(l, cli, none);
    REQUIRE(dry.ok());
    CHECK(dry->effective_server() == "https://127.0.0.1:14000/dir");
    CHECK(dry->account == "abc123");
}

TEST_CASE("normalize_key_flags: --new-key leaves the stored reuse_key, with --reuse-key: True",
          "[renewal]") {
    Config c;
    c.new_key = true;
    c.reuse_key = false;  // what the CLI makes of --new-key
    normalize_key_flags(c);
    CHECK_FALSE(c.reuse_key.has_value());
    Config both;
    both.new_key = true;
    both.reuse_key = false;
    both.set_by_user = {"reuse-key", "new-key"};
    normalize_key_flags(both);
    CHECK(both.reuse_key == std::optional<bool>(true));
    Config no;
    no.new_key = true;
    no.reuse_key = false;
    no.set_by_user = {"no-reuse-key", "new-key"};
    normalize_key_flags(no);
    CHECK(no.reuse_key == std::optional<bool>(false));
}

// Every [renewalparams] key certbot 2.x to 5.x writes (its renewal.CONFIG_ITEMS, the options of
// its own plugins, the deprecated ones it still carries) plus keys of plugins we do not have.
TEST_CASE("renewal confs keep every key we do not manage, byte for byte", "[renewal]") {
    Store s;
    Lineage l = s.lineage(kDefaultServer);
    const std::string unknown =
        "config_dir = /etc/letsencrypt\n"
        "work_dir = /var/lib/letsencrypt\n"
        "logs_dir = /var/log/letsencrypt\n"
        "user_agent = certbot-test\n"
        "issuance_timeout = 120\n"
        "manual_public_ip_logging_ok = True\n"
        "manual_auth_hook = /usr/local/bin/auth\n"
        "manual_cleanup_hook = /usr/local/bin/cleanup\n"
        "nginx_server_root = /etc/nginx\n"
        "nginx_ctl = nginx\n"
        "apache_server_root = /etc/apache2\n"
        "apache_vhost_root = /etc/apache2/sites-available\n"
        "apache_ctl = apache2ctl\n"
        "dns_cloudflare_credentials = /root/.secrets/cloudflare.ini\n"
        "dns_cloudflare_propagation_seconds = 30\n"
        "dns_rfc2136_credentials = /etc/letsencrypt/rfc2136.ini\n"
        "dns_route53_propagation_seconds = 10\n"
        "some_future_key = a, b\n";
    const std::string ours =
        "account = abc123\n"
        "authenticator = webroot\n"
        "server = https://acme-v02.api.letsencrypt.org/directory\n"
        "key_type = rsa\n"
        "rsa_key_size = 4096\n"
        "pref_challs = http-01,\n"
        "must_staple = True\n"
        "reuse_key = True\n"
        "allow_subset_of_names = True\n"
        "autorenew = True\n"
        "pre_hook = echo pre\n"
        "post_hook = echo post\n"
        "renew_hook = echo deploy\n"
        "http01_port = 8080\n"
        "http01_address = 127.0.0.1\n"
        "preferred_chain = ISRG Root X1\n"
        "preferred_profile = shortlived\n"
        "webroot_path = /var/www/html,\n"
        "[[webroot_map]]\n"
        "a.example = /var/www/html\n";
    std::string text = std::string("# renew_before_expiry = 30 days\nversion = 5.1.0\n") +
                       "archive_dir = " + l.archive_dir + "\ncert = " + l.cert_path +
                       "\nprivkey = " + l.privkey_path + "\nchain = " + l.chain_path +
                       "\nfullchain = " + l.fullchain_path +
                       "\n\n# Options used in the renewal process\n[renewalparams]\n" + unknown +
                       ours + "\n[acme_renewal_info]\nari_retry_after = 2026-05-21T12:34:56\n";
    REQUIRE(atomic_write(l.renewal_conf_path, text, 0600));
    auto loaded = load_lineage(s.path, "a.example");
    REQUIRE(loaded.ok());

    PluginRegistry none;
    for (const char* k : {"account", "server", "pref_challs", "reuse_key", "renew_hook",
                          "preferred_chain", "autorenew"}) {
        INFO(k);
        CHECK(renewal_key_is_ours(k, none));
    }
    for (const char* k : {"config_dir", "issuance_timeout", "dns_cloudflare_credentials",
                          "webroot_path", "manual_auth_hook", "some_future_key"}) {
        INFO(k);
        CHECK_FALSE(renewal_key_is_ours(k, none));  // no plugin loaded: webroot_* is not ours
    }

    // A renewal that turns options off (no hooks, no must-staple...) removes only our keys.
    const std::vector<RenewalParam> params = {
        RenewalParam::str("account", "abc123"), RenewalParam::str("authenticator", "webroot"),
        RenewalParam::str("server", kDefaultServer), RenewalParam::str("key_type", "ecdsa")};
    update_renewal_conf(loaded->conf, "2.1.0", loaded->archive_dir, loaded->cert_path,
                        loaded->privkey_path, loaded->chain_path, loaded->fullchain_path, params,
                        [&](const std::string& key) { return renewal_key_is_ours(key, none); });
    REQUIRE(save_renewal_conf(*loaded));
    auto written = read_file(loaded->renewal_conf_path);
    REQUIRE(written.ok());
    INFO(*written);
    CHECK(written->find("[renewalparams]\n" + unknown +
                        "account = abc123\nauthenticator = webroot\n"
                        "server = https://acme-v02.api.letsencrypt.org/directory\n"
                        "key_type = ecdsa\nwebroot_path = /var/www/html,\n[[webroot_map]]\n"
                        "a.example = /var/www/html\n") != std::string::npos);
    for (const char* gone :
         {"must_staple", "pre_hook", "preferred_chain", "preferred_profile", "rsa_key_size"}) {
        INFO(gone);
        CHECK(written->find(gone) == std::string::npos);
    }
    CHECK(written->find("[acme_renewal_info]\nari_retry_after = 2026-05-21T12:34:56\n") !=
          std::string::npos);
}

TEST_CASE("a renewal conf value of the wrong type fails that lineage, naming file and key",
          "[renewal][hostile]") {
    Store s;
    PluginRegistry none;
    Config cli;
    const struct {
        const char* key;
        const char* value;
        const char* want;
    } kBad[] = {
        {"key_type", "dsa", "rsa or ecdsa"},
        {"http01_port", "abc", "a port number"},
        {"http01_port", "70000", "a port number"},
        {"https_port", "-1", "a port number"},
        {"rsa_key_size", "2048bits", "a positive whole number"},
        {"must_staple", "maybe", "True or False"},
        {"reuse_key", "yes", "True or False"},
        {"allow_subset_of_names", "", "True or False"},
        {"autorenew", "Flase", "True or False"},
    };
    int n = 0;
    for (const auto& b : kBad) {
        INFO(b.key << " = " << b.value);
        Lineage l = s.lineage("https://ca.example/dir", {RenewalParam::str(b.key, b.value)},
                              "bad" + std::to_string(n++) + ".example");
        auto cfg = renewal_config(l, cli, none);
        REQUIRE_FALSE(cfg.ok());
        CHECK(cfg.error().message ==
              l.renewal_conf_path + ": " + b.key + " = \"" + b.value + "\" is not " +
                  std::string(b.want) +
                  (std::string(b.want).rfind("a port", 0) == 0 ? " (1 to 65535)" : "") +
                  "; fix or remove that line");
    }
    // The right types (and certbot's "None" for http01_port) are read.
    Lineage good = s.lineage(
        "https://ca.example/dir",
        {RenewalParam::str("key_type", "rsa"), RenewalParam::str("rsa_key_size", "3072"),
         RenewalParam::str("http01_port", "None"), RenewalParam::str("https_port", "8443"),
         RenewalParam::str("must_staple", "True"), RenewalParam::str("autorenew", "True")},
        "good.example");
    auto cfg = renewal_config(good, cli, none);
    REQUIRE(cfg.ok());
    CHECK(cfg->rsa_key_size == 3072);
    CHECK(cfg->http01_port == 80);
    CHECK(cfg->https_port == 8443);
    CHECK(cfg->must_staple);
}
