#include "lineage.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

#include "fsutil.h"
#include "store_fixture_test.h"

using namespace certbot;
using namespace certbot::test;

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

// certbot 5.3 (client.py Client._choose_lineagename, storage.py RenewableCert.new_lineage,
// util.unique_lineage_name): an address names the lineage as written canonically, ':' included.
TEST_CASE("lineage names for IP addresses keep the canonical text, colons included", "[storage]") {
    TempDir d;
    const std::string c = d / "config";
    CHECK(default_lineage_name({"192.0.2.1"}) == "192.0.2.1");
    CHECK(default_lineage_name({"::1"}) == "::1");
    CHECK(default_lineage_name({"2001:db8::1", "192.0.2.1"}) == "2001:db8::1");
    CHECK(default_lineage_name({"example.com", "2001:db8::1"}) == "example.com");
    for (const std::string name : {"::1", "2001:db8::1", "192.0.2.1"}) {
        INFO(name);
        REQUIRE(choose_lineage_name(c, name).value() == name);
        auto made = create_lineage(c, name, kCert, kChain, "", kKey, {}, "5.3.0");
        REQUIRE(made.ok());
        CHECK(made->name == name);
        CHECK(made->renewal_conf_path == c + "/renewal/" + name + ".conf");
        CHECK(exists(c + "/live/" + name + "/fullchain.pem"));
        CHECK(exists(c + "/archive/" + name + "/cert1.pem"));
        CHECK(lineage_name_of(made->renewal_conf_path) == name);
        auto loaded = load_lineage(c, name);
        REQUIRE(loaded.ok());
        CHECK(loaded->fullchain_path == c + "/live/" + name + "/fullchain.pem");
        // A second certificate for the same address: certbot's NAME-0001.
        CHECK(choose_lineage_name(c, name).value() == name + "-0001");
    }
    std::vector<Error> broken;
    auto all = list_lineages(c, &broken);
    REQUIRE(all.ok());
    CHECK(broken.empty());
    CHECK(all->size() == 3);
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

TEST_CASE("renewal confs by name and by path: only *.conf, sorted, hidden files left out",
          "[storage]") {
    TempDir d;
    const std::string c = d / "config";
    REQUIRE(make_dirs(c + "/renewal", 0755));
    for (const char* n : {"b.example.conf", "a.example.conf", "README", ".hidden.conf", ".conf"})
        REQUIRE(atomic_write(c + "/renewal/" + n, "x", 0644));
    auto names = renewal_conf_names(c);
    REQUIRE(names.ok());
    CHECK(*names == std::vector<std::string>{"a.example.conf", "b.example.conf"});
    const std::string dir = renewal_dir_of(c);
    CHECK(dir == normalize_path(c) + "/renewal");
    auto paths = renewal_conf_paths(c);
    REQUIRE(paths.ok());
    CHECK(*paths == std::vector<std::string>{dir + "/a.example.conf", dir + "/b.example.conf"});
    auto none = renewal_conf_names(d / "no-config");
    REQUIRE(none.ok());
    CHECK(none->empty());
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

namespace {

std::string describe(const Result<Lineage>& l) {
    if (!l) return "error: " + l.error().message;
    return l->name + "|" + l->config_dir + "|" + l->renewal_conf_path + "|" + l->cert_path + "|" +
           l->privkey_path + "|" + l->chain_path + "|" + l->fullchain_path + "|" + l->archive_dir +
           "|" + (l->links_agree ? "agree" : "disagree") + "|" + l->conf.serialize().value();
}

}  // namespace

TEST_CASE("LineageReader loads and refuses lineages exactly as load_lineage_from_conf",
          "[storage]") {
    TempDir d;
    const std::string c = d / "config";
    for (const char* n : {"good", "into-other", "outside", "no-target", "half", "not-link",
                          "dotdot", "via-link", "other"})
        make_lineage(d, n);
    REQUIRE(atomic_symlink("../../archive/other/cert1.pem", c + "/live/into-other/cert.pem"));
    put(d / "elsewhere.pem", "x");
    REQUIRE(atomic_symlink(d / "elsewhere.pem", c + "/live/outside/chain.pem"));
    REQUIRE(::unlink((c + "/archive/no-target/fullchain1.pem").c_str()) == 0);
    // A run killed while switching the links: one link on version 2, the others on 1.
    for (const char* kind : kLineageKinds) put(c + "/archive/half/" + kind + "2.pem", "v2");
    REQUIRE(atomic_symlink("../../archive/half/privkey2.pem", c + "/live/half/privkey.pem"));
    REQUIRE(::unlink((c + "/live/not-link/cert.pem").c_str()) == 0);
    put(c + "/live/not-link/cert.pem", "a file, not a link");
    // Paths a conf names with "..", and through a symlink to the config dir: resolved by the
    // kernel from the full path, as before.
    auto rewrite = [&](const std::string& name, const std::string& from, const std::string& to) {
        std::string text = slurp(c + "/renewal/" + name + ".conf");
        for (size_t p; (p = text.find(from)) != std::string::npos;)
            text.replace(p, from.size(), to);
        put(c + "/renewal/" + name + ".conf", text);
    };
    rewrite("dotdot", c + "/live/dotdot/", c + "/live/good/../dotdot/");
    REQUIRE(::symlink(c.c_str(), (d / "config-link").c_str()) == 0);
    rewrite("via-link", c + "/", d / "config-link/");
    put(c + "/renewal/garbage.conf", "this is [not a conf\n");
    put(c + "/renewal/nocert.conf", "version = 2.1.0\n[renewalparams]\n");
    REQUIRE(make_dirs(c + "/renewal/dir.conf", 0755));

    for (const std::string& config_dir : {c, d / "config-link", c + "/"}) {
        LineageReader reader(config_dir);
        CHECK(reader.renewal_dir() == renewal_dir_of(config_dir));
        const std::string renewal_dir = renewal_dir_of(config_dir);
        auto names = renewal_conf_names(config_dir);
        REQUIRE(names.ok());
        REQUIRE(names->size() == 12);
        names->push_back("missing.conf");
        size_t ok = 0;
        for (const std::string& name : *names) {
            INFO(config_dir << " " << name);
            auto want = load_lineage_from_conf(config_dir, path_join(renewal_dir, name));
            auto got = reader.load(name);
            CHECK(describe(got) == describe(want));
            ok += got.ok();
        }
        CHECK(ok == 5);  // good, half (links disagree), dotdot, via-link, other
    }
    auto half = LineageReader(c).load("half.conf");
    REQUIRE(half.ok());
    CHECK_FALSE(half->links_agree);
}
