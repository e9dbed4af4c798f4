#include "storage.h"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "fsutil.h"
#include "temp_dir_test.h"
#include "unprivileged_test.h"

using namespace certbot;
using certbot::test::allow_nobody;
using certbot::test::in_unprivileged_child;
using certbot::test::mode_of;
using certbot::test::TempDir;

namespace {

bool exists(const std::string& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0;
}

std::string link_of(const std::string& p) {
    char buf[4096];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    REQUIRE(n >= 0);
    return std::string(buf, static_cast<size_t>(n));
}

std::string slurp(const std::string& p) {
    return read_file(p).value();
}

const std::string kCert = "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n";
const std::string kChain = "-----BEGIN CERTIFICATE-----\nCHAIN\n-----END CERTIFICATE-----\n";
const std::string kKey = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

// The [renewalparams] of the real conf Debian's certbot 2.1 wrote for
// `certonly --webroot -w W -d a.example -d b.example` against Pebble.
std::vector<RenewalParam> webroot_params(const std::string& dir) {
    return {
        RenewalParam::str("account", "b20347f352618a74018ab19be5d88257"),
        RenewalParam::str("http01_port", "31811"),
        RenewalParam::str("config_dir", dir + "/config"),
        RenewalParam::str("work_dir", dir + "/work"),
        RenewalParam::str("logs_dir", dir + "/logs"),
        RenewalParam::str("server", "https://127.0.0.1:22941/dir"),
        RenewalParam::str("authenticator", "webroot"),
        RenewalParam::list_of("webroot_path", {dir + "/www"}),
        RenewalParam::str("key_type", "ecdsa"),
        RenewalParam::section("webroot_map",
                              {{"b.example", dir + "/www"}, {"a.example", dir + "/www"}}),
    };
}

std::string webroot_conf_text(const std::string& dir, const std::string& name) {
    const std::string c = dir + "/config";
    return "# renew_before_expiry = 30 days\n"
           "version = 2.1.0\n"
           "archive_dir = " +
           c + "/archive/" + name +
           "\n"
           "cert = " +
           c + "/live/" + name +
           "/cert.pem\n"
           "privkey = " +
           c + "/live/" + name +
           "/privkey.pem\n"
           "chain = " +
           c + "/live/" + name +
           "/chain.pem\n"
           "fullchain = " +
           c + "/live/" + name +
           "/fullchain.pem\n"
           "\n"
           "# Options used in the renewal process\n"
           "[renewalparams]\n"
           "account = b20347f352618a74018ab19be5d88257\n"
           "http01_port = 31811\n"
           "config_dir = " +
           c +
           "\n"
           "work_dir = " +
           dir +
           "/work\n"
           "logs_dir = " +
           dir +
           "/logs\n"
           "server = https://127.0.0.1:22941/dir\n"
           "authenticator = webroot\n"
           "webroot_path = " +
           dir +
           "/www,\n"
           "key_type = ecdsa\n"
           "[[webroot_map]]\n"
           "b.example = " +
           dir +
           "/www\n"
           "a.example = " +
           dir + "/www\n";
}

Lineage make_lineage(const TempDir& d, const std::string& name = "a.example") {
    auto l = create_lineage(d / "config", name, kCert, kChain, "", kKey, webroot_params(d.path),
                            "2.1.0");
    REQUIRE(l.ok());
    return *l;
}

std::string pem(const std::string& what, int n) {
    return "-----BEGIN CERTIFICATE-----\n" + what + std::to_string(n) +
           "\n-----END CERTIFICATE-----\n";
}

struct UmaskGuard {
    mode_t old;
    explicit UmaskGuard(mode_t m) : old(::umask(m)) {}
    ~UmaskGuard() { ::umask(old); }
};

// Makes writes of more than `bytes` fail with EFBIG (root is not exempt).
struct FileSizeLimit {
    struct rlimit old;
    void (*old_handler)(int);
    explicit FileSizeLimit(rlim_t bytes) {
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
        old_handler = ::signal(SIGXFSZ, SIG_IGN);
        struct rlimit lim = old;
        lim.rlim_cur = bytes;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &old);
        ::signal(SIGXFSZ, old_handler);
    }
};

}  // namespace

TEST_CASE("create_lineage writes certbot's layout", "[storage]") {
    TempDir d;
    UmaskGuard umask_022(022);
    Lineage l = make_lineage(d);
    const std::string c = d / "config";
    CHECK(l.name == "a.example");
    CHECK(l.config_dir == c);
    CHECK(l.renewal_conf_path == c + "/renewal/a.example.conf");
    CHECK(l.archive_dir == c + "/archive/a.example");
    CHECK(l.fullchain_path == c + "/live/a.example/fullchain.pem");

    CHECK(mode_of(c + "/archive") == 0700);
    CHECK(mode_of(c + "/live") == 0700);
    CHECK(mode_of(c + "/renewal") == 0755);
    CHECK(mode_of(c + "/archive/a.example") == 0755);
    CHECK(mode_of(c + "/archive/a.example/privkey1.pem") == 0600);
    for (const char* f : {"cert1.pem", "chain1.pem", "fullchain1.pem"}) {
        CHECK(mode_of(c + "/archive/a.example/" + f) == 0644);
    }
    CHECK(mode_of(c + "/renewal/a.example.conf") == 0644);
    CHECK(list_dir(c + "/archive/a.example").value() ==
          std::vector<std::string>{"cert1.pem", "chain1.pem", "fullchain1.pem", "privkey1.pem"});
    CHECK(list_dir(c + "/live/a.example").value() ==
          std::vector<std::string>{"README", "cert.pem", "chain.pem", "fullchain.pem",
                                   "privkey.pem"});
    for (const char* kind : kLineageKinds) {
        CHECK(link_of(c + "/live/a.example/" + kind + ".pem") ==
              std::string("../../archive/a.example/") + kind + "1.pem");
    }
    CHECK(slurp(c + "/live/a.example/fullchain.pem") == kCert + kChain);
    CHECK(slurp(c + "/live/a.example/privkey.pem") == kKey);
    CHECK(slurp(c + "/renewal/a.example.conf") == webroot_conf_text(d.path, "a.example"));

    // The READMEs, byte for byte as certbot 2.1 writes them.
    const std::string readme =
        "This directory contains your keys and certificates.\n\n"
        "`privkey.pem`  : the private key for your certificate.\n"
        "`fullchain.pem`: the certificate file used in most server software.\n"
        "`chain.pem`    : used for OCSP stapling in Nginx >=1.3.7.\n"
        "`cert.pem`     : will break many server configurations, and should not be used\n"
        "                 without reading further documentation (see link below).\n\n"
        "WARNING: DO NOT MOVE OR RENAME THESE FILES!\n"
        "         Certbot expects these files to remain in this location in order\n"
        "         to function properly!\n\n"
        "We recommend not moving these files. For more information, see the Certbot\n"
        "User Guide at https://certbot.eff.org/docs/using.html#where-are-my-certificates.\n";
    CHECK(slurp(c + "/live/a.example/README") == readme);
    std::string base = slurp(c + "/live/README");
    CHECK(base.find("`[cert name]/privkey.pem`  : the private key") != std::string::npos);
    CHECK(base.size() == readme.size() + 4 * std::string("[cert name]/").size());

    CHECK(l.latest_common_version() == 1);
    CHECK(l.current_version("cert") == 1);
    CHECK(l.next_free_version() == 2);

    // And it loads back.
    auto loaded = load_lineage(c, "a.example");
    REQUIRE(loaded.ok());
    CHECK(loaded->privkey_path == l.privkey_path);
    CHECK(loaded->conf.serialize().value() == webroot_conf_text(d.path, "a.example"));
    CHECK(loaded->renewal_params().get("authenticator") == std::optional<std::string>("webroot"));

    // A second lineage of the same name is refused.
    auto again = create_lineage(c, "a.example", kCert, kChain, "", kKey, {}, "2.1.0");
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().message.find("already exists") != std::string::npos);
}

TEST_CASE("new versions switch the links and old ones are pruned", "[storage]") {
    TempDir d;
    Lineage l = make_lineage(d);
    for (int n = 2; n <= 8; ++n) {
        const std::string key = n % 2 ? std::string() : "KEY" + std::to_string(n);
        auto v = save_new_version(l, pem("CERT", n), pem("CHAIN", n), "", key);
        REQUIRE(v.ok());
        CHECK(*v == n);
        for (const char* kind : kLineageKinds) {
            CHECK(link_of(l.link_path(kind)) ==
                  std::string("../../archive/a.example/") + kind + std::to_string(n) + ".pem");
        }
    }
    CHECK(l.latest_common_version() == 8);
    // Current + 5 previous: versions 3..8 remain.
    CHECK(l.available_versions("cert") == std::vector<int>{3, 4, 5, 6, 7, 8});
    CHECK(l.available_versions("privkey") == std::vector<int>{3, 4, 5, 6, 7, 8});
    CHECK(l.available_versions("fullchain") == std::vector<int>{3, 4, 5, 6, 7, 8});
    CHECK(slurp(l.fullchain_path) == pem("CERT", 8) + pem("CHAIN", 8));
    // Empty key = reuse: version 7 carries version 6's key bytes, version 8 its own new key.
    CHECK(slurp(l.archive_path("privkey", 7)) == "KEY6");
    CHECK(slurp(l.privkey_path) == "KEY8");
    CHECK(list_dir(l.archive_dir).value().size() == 24);  // no temp files
}

TEST_CASE("a new key takes the previous key's group read bits, never more", "[storage]") {
    TempDir d;
    Lineage l = make_lineage(d);
    ::chmod(l.archive_path("privkey", 1).c_str(), 0644);  // admin opened it up for a group
    REQUIRE(save_new_version(l, kCert, kChain, "", "K2").ok());
    CHECK(mode_of(l.archive_path("privkey", 2)) == 0644);
    ::chmod(l.archive_path("privkey", 2).c_str(), 0666);  // world-writable is not inherited
    REQUIRE(save_new_version(l, kCert, kChain, "", "K3").ok());
    CHECK(mode_of(l.archive_path("privkey", 3)) == 0664);  // 0600 | group rw | other r
    ::chmod(l.archive_path("privkey", 3).c_str(), 0600);
    REQUIRE(save_new_version(l, kCert, kChain, "", "").ok());
    CHECK(mode_of(l.archive_path("privkey", 4)) == 0600);
    CHECK(slurp(l.archive_path("privkey", 4)) == "K3");
}

TEST_CASE("lineage names: collisions, wildcards and refusals", "[storage]") {
    TempDir d;
    const std::string c = d / "config";
    CHECK(choose_lineage_name(c, "example.com").value() == "example.com");
    make_lineage(d, "example.com");
    CHECK(choose_lineage_name(c, "example.com").value() == "example.com-0001");
    make_lineage(d, "example.com-0001");
    CHECK(choose_lineage_name(c, "example.com").value() == "example.com-0002");
    // Leftovers of an interrupted run also make a name taken; an empty directory does not.
    REQUIRE(make_dirs(c + "/archive/example.com-0002/x", 0755));
    CHECK(choose_lineage_name(c, "example.com").value() == "example.com-0003");
    REQUIRE(make_dirs(c + "/live/other", 0755));
    CHECK(choose_lineage_name(c, "other").value() == "other");

    CHECK(default_lineage_name({"*.example.com", "example.com"}) == "example.com");
    CHECK(default_lineage_name({"www.example.com"}) == "www.example.com");
    const std::vector<std::string> bad_names = {
        "", "a/b", "..", "a..b", ".hidden", "*.example.com", "x\ny", std::string(201, 'a')};
    for (const std::string& bad : bad_names) {
        auto r = choose_lineage_name(c, bad);
        INFO(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().exit_code == kExitUsage);
        CHECK_FALSE(create_lineage(c, bad, kCert, kChain, "", kKey, {}, "2.1.0").ok());
    }
}

TEST_CASE("list_lineages reports broken confs and loads the rest", "[storage]") {
    TempDir d;
    const std::string c = d / "config";
    make_lineage(d, "a.example");
    make_lineage(d, "b.example");
    REQUIRE(atomic_write(c + "/renewal/garbage.conf", "this is [not a conf\n", 0644));
    REQUIRE(atomic_write(c + "/renewal/nocert.conf", "version = 2.1.0\n[renewalparams]\n", 0644));
    REQUIRE(atomic_write(c + "/renewal/dangling.conf",
                         "cert = " + c + "/live/x/cert.pem\nprivkey = " + c +
                             "/live/x/privkey.pem\nchain = " + c +
                             "/live/x/chain.pem\n"
                             "fullchain = " +
                             c + "/live/x/fullchain.pem\n",
                         0644));
    REQUIRE(atomic_write(c + "/renewal/README", "not a conf", 0644));
    REQUIRE(atomic_write(c + "/renewal/.hidden.conf", "garbage [", 0644));

    std::vector<Error> broken;
    auto all = list_lineages(c, &broken);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 2);
    CHECK((*all)[0].name == "a.example");
    CHECK((*all)[1].name == "b.example");
    REQUIRE(broken.size() == 3);
    CHECK(broken[0].message.rfind(c + "/renewal/dangling.conf: ", 0) == 0);
    CHECK(broken[0].message.find("expected " + c + "/live/x/cert.pem to be a symlink") !=
          std::string::npos);
    CHECK(broken[1].message.find(c + "/renewal/garbage.conf: line 1") != std::string::npos);
    CHECK(broken[2].message.find(c + "/renewal/nocert.conf is missing a required file") !=
          std::string::npos);

    auto none = list_lineages(d / "empty-config", nullptr);
    REQUIRE(none.ok());
    CHECK(none->empty());
    auto missing = load_lineage(c, "nope");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("No certificate found with name nope") != std::string::npos);
}

TEST_CASE("a conf written by Python certbot loads and is rewritten identically", "[storage]") {
    TempDir d;
    const std::string c = d / "config";
    const std::string name = "example.com";
    // Layout and conf as in certbot-compat.md, with this test's paths.
    REQUIRE(make_dirs(c + "/archive/" + name, 0700));
    REQUIRE(make_dirs(c + "/live/" + name, 0700));
    REQUIRE(make_dirs(c + "/renewal", 0755));
    for (const char* kind : kLineageKinds) {
        for (int v = 1; v <= 2; ++v) {
            REQUIRE(atomic_write(c + "/archive/" + name + "/" + kind + std::to_string(v) + ".pem",
                                 pem(kind, v), 0644));
        }
        REQUIRE(::symlink((std::string("../../archive/") + name + "/" + kind + "2.pem").c_str(),
                          (c + "/live/" + name + "/" + kind + ".pem").c_str()) == 0);
    }
    const std::string text =
        "# renew_before_expiry = 30 days\n"
        "version = 2.1.0\n"
        "archive_dir = " +
        c +
        "/archive/example.com\n"
        "cert = " +
        c +
        "/live/example.com/cert.pem\n"
        "privkey = " +
        c +
        "/live/example.com/privkey.pem\n"
        "chain = " +
        c +
        "/live/example.com/chain.pem\n"
        "fullchain = " +
        c +
        "/live/example.com/fullchain.pem\n"
        "\n"
        "# Options used in the renewal process\n"
        "[renewalparams]\n"
        "account = 0123456789abcdef0123456789abcdef\n"
        "authenticator = webroot\n"
        "installer = nginx\n"
        "server = https://acme-v02.api.letsencrypt.org/directory\n"
        "key_type = ecdsa\n"
        "webroot_path = /var/www/html,\n"
        "pref_challs = http-01,\n"
        "renew_hook = systemctl reload nginx\n"
        "[[webroot_map]]\n"
        "example.com = /var/www/html\n"
        "\n"
        "[acme_renewal_info]\n"
        "ari_retry_after = 2026-05-21T12:34:56\n";
    REQUIRE(atomic_write(c + "/renewal/example.com.conf", text, 0600));

    auto l = load_lineage(c, name);
    REQUIRE(l.ok());
    CHECK(l->current_version("cert") == 2);
    CHECK(l->latest_common_version() == 2);
    CHECK(l->renewal_params().get_list("webroot_path") ==
          std::vector<std::string>{"/var/www/html"});
    CHECK(l->conf.serialize().value() == text);

    // certbot's write_renewal_config with the same values leaves the bytes alone...
    auto all_ours = [](const std::string&) { return true; };
    const std::vector<RenewalParam> params = {
        RenewalParam::str("account", "0123456789abcdef0123456789abcdef"),
        RenewalParam::str("authenticator", "webroot"),
        RenewalParam::str("installer", "nginx"),
        RenewalParam::str("server", "https://acme-v02.api.letsencrypt.org/directory"),
        RenewalParam::str("key_type", "ecdsa"),
        RenewalParam::list_of("webroot_path", {"/var/www/html"}),
        RenewalParam::list_of("pref_challs", {"http-01"}),
        RenewalParam::str("renew_hook", "systemctl reload nginx"),
        RenewalParam::section("webroot_map", {{"example.com", "/var/www/html"}}),
    };
    update_renewal_conf(l->conf, "2.1.0", l->archive_dir, l->cert_path, l->privkey_path,
                        l->chain_path, l->fullchain_path, params, all_ours);
    REQUIRE(save_renewal_conf(*l));
    CHECK(slurp(l->renewal_conf_path) == text);
    CHECK(mode_of(l->renewal_conf_path) == 0600);  // the file's mode is kept

    // ...and with other values changes only what changed; the unknown section survives.
    std::vector<RenewalParam> changed = params;
    changed.erase(changed.begin() + 2);  // no installer any more
    changed.push_back(RenewalParam::str("reuse_key", "True"));
    update_renewal_conf(l->conf, "5.1.0", l->archive_dir, l->cert_path, l->privkey_path,
                        l->chain_path, l->fullchain_path, changed, all_ours);
    std::string out = l->conf.serialize().value();
    CHECK(out.find("version = 5.1.0\n") != std::string::npos);
    CHECK(out.find("installer") == std::string::npos);
    CHECK(out.find("renew_hook = systemctl reload nginx\nreuse_key = True\n[[webroot_map]]") !=
          std::string::npos);
    CHECK(out.find("[acme_renewal_info]\nari_retry_after = 2026-05-21T12:34:56\n") !=
          std::string::npos);
}

TEST_CASE("delete_lineage removes conf, live and archive like certbot", "[storage]") {
    TempDir d;
    const std::string c = d / "config";
    make_lineage(d, "a.example");
    make_lineage(d, "b.example");
    REQUIRE(delete_lineage(c, "a.example"));
    CHECK_FALSE(exists(c + "/renewal/a.example.conf"));
    CHECK_FALSE(exists(c + "/live/a.example"));
    CHECK_FALSE(exists(c + "/archive/a.example"));
    CHECK(exists(c + "/live/README"));
    CHECK(load_lineage(c, "b.example").ok());
    auto again = delete_lineage(c, "a.example");
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().message.find("No certificate found with name a.example") !=
          std::string::npos);

    // A conf whose archive_dir points at something that is not the lineage's archive.
    Lineage b = *load_lineage(c, "b.example");
    b.conf.root().set("archive_dir", c);
    REQUIRE(save_renewal_conf(b));
    CHECK_FALSE(delete_lineage(c, "b.example").ok());
    CHECK(exists(c + "/archive/b.example/cert1.pem"));
}

TEST_CASE("repair_live_links finishes an interrupted switch", "[storage]") {
    TempDir d;
    Lineage l = make_lineage(d);
    // Crash after writing version 2 and moving only cert.pem; a partial version 3 (cert only);
    // a leftover of Python certbot's own link switching.
    for (const char* kind : kLineageKinds) {
        REQUIRE(atomic_write(l.archive_path(kind, 2), pem(kind, 2), 0644));
    }
    REQUIRE(atomic_write(l.archive_path("cert", 3), pem("cert", 3), 0644));
    REQUIRE(atomic_symlink("../../archive/a.example/cert2.pem", l.cert_path));
    REQUIRE(::symlink("../../archive/a.example/cert1.pem",
                      (dir_name(l.cert_path) + "/previous_cert.pem").c_str()) == 0);
    CHECK(l.current_version("cert") == 2);
    CHECK(l.current_version("chain") == 1);

    REQUIRE(repair_live_links(l));
    for (const char* kind : kLineageKinds) {
        CHECK(l.current_version(kind) == 2);
        CHECK(link_of(l.link_path(kind)) ==
              std::string("../../archive/a.example/") + kind + "2.pem");
    }
    CHECK_FALSE(exists(dir_name(l.cert_path) + "/previous_cert.pem"));
    // The next version is numbered after the partial one.
    CHECK(l.next_free_version() == 4);

    // A missing link is recreated too.
    ::unlink(l.chain_path.c_str());
    REQUIRE(repair_live_links(l));
    CHECK(link_of(l.chain_path) == "../../archive/a.example/chain2.pem");
}

TEST_CASE("failed writes roll back: no half lineage, no half version", "[storage]") {
    TempDir d;
    const std::string c = d / "config";
    Lineage l = make_lineage(d, "a.example");
    {
        // The conf (the last file written, ~1 KiB here) is over the limit; the PEMs are not.
        FileSizeLimit limit(700);
        auto r = create_lineage(c, "b.example", kCert, kChain, "", kKey, webroot_params(d.path),
                                "2.1.0");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find(c + "/renewal/b.example.conf") != std::string::npos);
    }
    CHECK_FALSE(exists(c + "/renewal/b.example.conf"));
    CHECK_FALSE(exists(c + "/archive/b.example"));
    CHECK_FALSE(exists(c + "/live/b.example"));
    CHECK(list_dir(c + "/renewal").value() == std::vector<std::string>{"a.example.conf"});
    CHECK(choose_lineage_name(c, "b.example").value() == "b.example");

    {
        FileSizeLimit limit(100);  // fullchain (> 100 bytes) fails after privkey, cert, chain
        auto v = save_new_version(l, kCert, kChain, "", kKey);
        REQUIRE_FALSE(v.ok());
    }
    CHECK(l.available_versions("privkey") == std::vector<int>{1});
    CHECK(l.available_versions("cert") == std::vector<int>{1});
    CHECK(l.current_version("fullchain") == 1);
    CHECK(list_dir(l.archive_dir).value().size() == 4);
    CHECK(save_new_version(l, kCert, kChain, "", kKey).value() == 2);
}

TEST_CASE("account server paths follow certbot", "[storage]") {
    CHECK(server_path_for("https://localhost:14000/dir").value() == "localhost:14000/dir");
    CHECK(server_path_for("https://acme-v02.api.letsencrypt.org/directory").value() ==
          "acme-v02.api.letsencrypt.org/directory");
    CHECK(server_path_for("https://h/a/b?x=1#f").value() == "h/a/b");
    CHECK(server_path_for("https://h").value() == "h");
    CHECK(server_path_for("https://h/dir;p").value() == "h/dir");
    CHECK_FALSE(server_path_for("https://h/../../etc").ok());
    CHECK_FALSE(server_path_for("https://h/a/./b").ok());
    CHECK_FALSE(server_path_for("not a url").ok());
    CHECK_FALSE(server_path_for("https:///dir").ok());
    CHECK_FALSE(server_path_for("https://h/\n").ok());
    CHECK(accounts_dir_for("/etc/letsencrypt", "https://127.0.0.1:14000/dir").value() ==
          "/etc/letsencrypt/accounts/127.0.0.1:14000/dir");
}

TEST_CASE("account JSON is written as Python's json.dumps writes it", "[storage]") {
    // Both texts as certbot 2.1 wrote them against Pebble.
    CHECK(make_regr_json("https://127.0.0.1:22941/my-account/45c07b072f5a7a85") ==
          "{\"body\": {}, \"uri\": \"https://127.0.0.1:22941/my-account/45c07b072f5a7a85\"}");
    CHECK(make_meta_json(1796009761, "localhost") ==
          "{\"creation_dt\": \"2026-11-30T03:36:01Z\", \"creation_host\": \"localhost\"}");
    CHECK(make_meta_json(1796009761, "h", std::string("me@example.com")) ==
          "{\"creation_dt\": \"2026-11-30T03:36:01Z\", \"creation_host\": \"h\", "
          "\"register_to_eff\": \"me@example.com\"}");
    CHECK(python_json_string("\xc3\xa9\n\"\\\x01/\x7f\xf0\x9f\x98\x80\t\b\f\r") ==
          "\"\\u00e9\\n\\\"\\\\\\u0001/\\u007f\\ud83d\\ude00\\t\\b\\f\\r\"");
    CHECK_FALSE(creation_host().empty());
}

TEST_CASE("accounts are saved, listed, loaded and deleted", "[storage]") {
    TempDir d;
    const std::string c = d / "config";
    const std::string server = "https://localhost:14000/dir";
    StoredAccount a;
    a.id = "b20347f352618a74018ab19be5d88257";
    a.server_url = server;
    a.private_key_json =
        "{\"d\": \"x\", \"x\": \"y\", \"y\": \"z\", \"crv\": \"P-256\", \"kty\": \"EC\"}";
    a.account_uri = "https://localhost:14000/my-account/1";
    a.meta_json = make_meta_json(1796009761, "localhost");
    REQUIRE(save_account(c, a));

    const std::string dir = c + "/accounts/localhost:14000/dir/" + a.id;
    CHECK(mode_of(c + "/accounts") == 0700);
    CHECK(mode_of(c + "/accounts/localhost:14000") == 0700);
    CHECK(mode_of(dir) == 0700);
    CHECK(mode_of(dir + "/private_key.json") == 0400);
    CHECK(mode_of(dir + "/regr.json") == 0644);
    CHECK(mode_of(dir + "/meta.json") == 0644);
    CHECK(slurp(dir + "/regr.json") ==
          "{\"body\": {}, \"uri\": \"https://localhost:14000/my-account/1\"}");
    CHECK(slurp(dir + "/private_key.json") == a.private_key_json);

    StoredAccount b = a;
    b.id = "00000000000000000000000000000000";
    b.account_uri = "https://localhost:14000/my-account/2";
    b.regr_json.clear();
    REQUIRE(save_account(c, b));
    REQUIRE(make_dirs(c + "/accounts/localhost:14000/dir/broken", 0700));  // skipped, reported

    std::vector<Error> problems;
    auto all = list_accounts(c, server, &problems);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 2);
    CHECK((*all)[0].id == b.id);
    CHECK((*all)[1].id == a.id);
    CHECK((*all)[1].account_uri == a.account_uri);
    CHECK((*all)[1].meta_json == a.meta_json);
    CHECK(problems.size() == 1);
    CHECK(list_accounts(c, "https://other.example/dir").value().empty());

    auto one = load_account(c, server, a.id);
    REQUIRE(one.ok());
    CHECK(one->private_key_json == a.private_key_json);
    auto missing = load_account(c, server, "ffff");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find(c + "/accounts/localhost:14000/dir/ffff") !=
          std::string::npos);
    CHECK_FALSE(load_account(c, server, "../../x").ok());

    REQUIRE(delete_account(c, server, a.id));
    CHECK_FALSE(exists(dir));
    CHECK(load_account(c, server, b.id).ok());
    REQUIRE(remove_tree(c + "/accounts/localhost:14000/dir/broken"));
    REQUIRE(delete_account(c, server, b.id));
    CHECK_FALSE(exists(c + "/accounts/localhost:14000/dir"));  // emptied server dir goes too
    CHECK_FALSE(delete_account(c, server, b.id).ok());
}

TEST_CASE("Let's Encrypt v02 reuses v01 accounts through a link, like certbot", "[storage]") {
    TempDir d;
    const std::string c = d / "config";
    StoredAccount a;
    a.id = "0123456789abcdef0123456789abcdef";
    a.server_url = "https://acme-v01.api.letsencrypt.org/directory";
    a.private_key_json = "{\"kty\": \"RSA\"}";
    a.account_uri = "https://acme-v01.api.letsencrypt.org/acme/reg/1";
    REQUIRE(save_account(c, a));
    auto v2 = list_accounts(c, "https://acme-v02.api.letsencrypt.org/directory");
    REQUIRE(v2.ok());
    REQUIRE(v2->size() == 1);
    CHECK((*v2)[0].id == a.id);
    const std::string link = c + "/accounts/acme-v02.api.letsencrypt.org/directory";
    CHECK(link_of(link) == c + "/accounts/acme-v01.api.letsencrypt.org/directory");
    CHECK(load_account(c, "https://acme-v02.api.letsencrypt.org/directory", a.id).ok());
    // Deleting through v02 removes the link and the v01 account.
    REQUIRE(delete_account(c, "https://acme-v02.api.letsencrypt.org/directory", a.id));
    CHECK_FALSE(exists(link));
    CHECK_FALSE(exists(c + "/accounts/acme-v01.api.letsencrypt.org/directory/" + a.id));
}

namespace {

std::string read_link_text(const std::string& p) {
    char buf[4096];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

void put(const std::string& path, const std::string& text, mode_t mode = 0644) {
    REQUIRE(atomic_write(path, text, mode).ok());
}

// What a run killed mid-update leaves: the marker of `name`, and (version > 0) all four archive
// files of `version`, written but never linked.
void interrupted(const TempDir& d, const std::string& name, int version) {
    REQUIRE(make_dirs(d / "config/renewal/.updating", 0755).ok());
    put(d / ("config/renewal/.updating/" + name), name + "\n");
    if (version <= 0) return;
    const std::string a = d / ("config/archive/" + name) + "/";
    const std::string v = std::to_string(version);
    REQUIRE(make_dirs(dir_name(a + "x"), 0755).ok());
    put(a + "privkey" + v + ".pem", kKey, 0600);
    put(a + "cert" + v + ".pem", pem("cert", version));
    put(a + "chain" + v + ".pem", pem("chain", version));
    put(a + "fullchain" + v + ".pem", pem("cert", version) + pem("chain", version));
}

}  // namespace

TEST_CASE("a finished update leaves no marker and nothing to clean up", "[storage][recovery]") {
    TempDir d;
    Lineage l = make_lineage(d);
    REQUIRE(save_new_version(l, pem("cert", 2), pem("chain", 2), "", "").ok());
    CHECK_FALSE(exists(d / "config/renewal/.updating/a.example"));
    CHECK(finish_unfinished_updates(d / "config").empty());
}

TEST_CASE("finish_unfinished_updates removes temp files and an incomplete version only",
          "[storage][recovery]") {
    TempDir d;
    Lineage l = make_lineage(d);
    const std::string archive = d / "config/archive/a.example";
    const std::string live = d / "config/live/a.example";
    // What a kill during save_new_version of version 2 leaves: the marker, the new key, a temp
    // file of the certificate, a temp link, a temp renewal conf.
    interrupted(d, "a.example", 0);
    put(archive + "/privkey2.pem", kKey, 0600);
    put(archive + "/.cert2.pem.tmp.abc123", "partial");
    REQUIRE(::symlink("../../archive/a.example/cert2.pem", (live + "/.cert.pem.tmp.x1").c_str()) ==
            0);
    put(d / "config/renewal/.a.example.conf.tmp.zz", "partial");
    put(d / "config/renewal/.b.example.conf.tmp.zz", "not ours to touch");

    auto report = finish_unfinished_updates(d / "config");
    REQUIRE(report.size() == 2);
    CHECK(report[0].find("renewal conf") != std::string::npos);
    CHECK(report[1].find("a.example") != std::string::npos);
    CHECK_FALSE(exists(archive + "/privkey2.pem"));
    CHECK_FALSE(exists(archive + "/.cert2.pem.tmp.abc123"));
    CHECK_FALSE(exists(live + "/.cert.pem.tmp.x1"));
    CHECK_FALSE(exists(d / "config/renewal/.a.example.conf.tmp.zz"));
    // Under the lock no run is writing a conf: another lineage's leftover is dead too.
    CHECK_FALSE(exists(d / "config/renewal/.b.example.conf.tmp.zz"));
    CHECK_FALSE(exists(d / "config/renewal/.updating/a.example"));
    // Version 1 is complete and untouched; the links still point at it.
    for (const char* kind : kLineageKinds)
        CHECK(exists(archive + "/" + std::string(kind) + "1.pem"));
    CHECK(read_link_text(live + "/cert.pem") == "../../archive/a.example/cert1.pem");
    CHECK(load_lineage(d / "config", "a.example").ok());
}

TEST_CASE("a renewal conf temp file left without a marker is removed at start",
          "[storage][recovery][hostile]") {
    // renew rewrites the conf outside a marked update; a kill at its rename left this behind
    // and no later run removed it.
    TempDir d;
    Lineage l = make_lineage(d);
    put(d / "config/renewal/.a.example.conf.tmp.k1ll3d", "partial");
    put(d / "config/renewal/notes.txt", "the user's");
    auto report = finish_unfinished_updates(d / "config");
    REQUIRE(report.size() == 1);
    CHECK_FALSE(exists(d / "config/renewal/.a.example.conf.tmp.k1ll3d"));
    CHECK(exists(d / "config/renewal/notes.txt"));
    CHECK(exists(l.renewal_conf_path));
}

TEST_CASE("a live link into another lineage or out of the store is reported, never repaired",
          "[storage][hostile]") {
    TempDir d;
    Lineage a = make_lineage(d, "a.example");
    Lineage b = make_lineage(d, "b.example");
    SECTION("into another lineage") {
        REQUIRE(atomic_symlink("../../archive/b.example/cert1.pem", a.cert_path));
        auto l = load_lineage(d / "config", "a.example");
        REQUIRE_FALSE(l.ok());
        CHECK(l.error().message.find("outside the archive") != std::string::npos);
        CHECK(l.error().message.find("another part of the store") != std::string::npos);
    }
    SECTION("out of the config dir") {
        put(d / "elsewhere.pem", "x");
        REQUIRE(atomic_symlink(d / "elsewhere.pem", a.cert_path));
        auto l = load_lineage(d / "config", "a.example");
        REQUIRE_FALSE(l.ok());
        CHECK(l.error().message.find("outside the config dir") != std::string::npos);
    }
    const std::string before = read_link_text(a.cert_path);
    (void)finish_unfinished_updates(d / "config");
    CHECK(read_link_text(a.cert_path) == before);  // not "repaired"
}

TEST_CASE("finish_unfinished_updates finishes a complete version the links never reached",
          "[storage][recovery]") {
    TempDir d;
    Lineage l = make_lineage(d);
    const std::string archive = d / "config/archive/a.example";
    // Killed after all four version-2 files were written, before the links moved.
    interrupted(d, "a.example", 2);
    REQUIRE(finish_unfinished_updates(d / "config").size() == 1);
    for (const char* kind : kLineageKinds)
        CHECK(read_link_text(d / ("config/live/a.example/" + std::string(kind) + ".pem")) ==
              "../../archive/a.example/" + std::string(kind) + "2.pem");
    CHECK(exists(archive + "/cert1.pem"));  // the previous version stays
}

TEST_CASE("finish_unfinished_updates removes a new lineage that never got a complete version",
          "[storage][recovery]") {
    TempDir d;
    make_lineage(d, "other.example");
    const std::string archive = d / "config/archive/new.example";
    const std::string live = d / "config/live/new.example";
    REQUIRE(make_dirs(archive, 0755).ok());
    REQUIRE(make_dirs(live, 0755).ok());
    interrupted(d, "new.example", 0);
    put(archive + "/privkey1.pem", kKey, 0600);
    put(archive + "/.cert1.pem.tmp.q", "partial");
    REQUIRE(finish_unfinished_updates(d / "config").size() == 1);
    CHECK_FALSE(exists(archive));
    CHECK_FALSE(exists(live));
    CHECK(load_lineage(d / "config", "other.example").ok());
    // The name is free again.
    auto name = choose_lineage_name(d / "config", "new.example");
    REQUIRE(name.ok());
    CHECK(*name == "new.example");
}

TEST_CASE("finish_unfinished_updates keeps a complete new lineage without a conf",
          "[storage][recovery]") {
    TempDir d;
    const std::string archive = d / "config/archive/new.example";
    interrupted(d, "new.example", 1);
    auto report = finish_unfinished_updates(d / "config");
    REQUIRE(report.size() == 1);
    CHECK(report[0].find("never written") != std::string::npos);
    CHECK(exists(archive + "/privkey1.pem"));
    CHECK(exists(archive + "/cert1.pem"));
}

TEST_CASE("check_store_writable refuses a read-only archive before anything is ordered",
          "[storage]") {
    // Root can write anywhere, so the check runs as an unprivileged user that owns the store.
    TempDir d;
    Lineage l = make_lineage(d);
    allow_nobody(d.path);
    const std::string writable = in_unprivileged_child([&] {
        auto st = check_store_writable(d / "config", &l);
        return st.ok() ? std::string("ok") : st.error().message;
    });
    CHECK(writable == "ok");
    REQUIRE(::chmod(l.archive_dir.c_str(), 0555) == 0);
    const std::string refused = in_unprivileged_child([&] {
        auto st = check_store_writable(d / "config", &l);
        return st.ok() ? std::string("ok") : st.error().message;
    });
    CHECK(refused != "ok");
    CHECK(refused.find(l.archive_dir) != std::string::npos);
    REQUIRE(::chmod(l.archive_dir.c_str(), 0755) == 0);
}

TEST_CASE("atomic_symlinks switches several links and makes nothing when one cannot be made",
          "[fsutil]") {
    TempDir d;
    REQUIRE(::symlink("old1", (d / "a").c_str()) == 0);
    REQUIRE(::symlink("old2", (d / "b").c_str()) == 0);
    REQUIRE(atomic_symlinks({{"new1", d / "a"}, {"new2", d / "b"}}).ok());
    CHECK(read_link_text(d / "a") == "new1");
    CHECK(read_link_text(d / "b") == "new2");
    CHECK_FALSE(atomic_symlinks({{"x", d / "a"}, {"y", d / "missing-dir/b"}}).ok());
    CHECK(read_link_text(d / "a") == "new1");  // untouched
    auto names = list_dir(d.path);
    REQUIRE(names.ok());
    for (const auto& n : *names) CHECK_FALSE(is_temp_name(n));
}
