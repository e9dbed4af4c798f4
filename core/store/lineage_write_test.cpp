#include "lineage_write.h"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "fsutil.h"
#include "store_fixture_test.h"
#include "unprivileged_test.h"

using namespace certbot;
using namespace certbot::test;

namespace {

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

TEST_CASE("save_renewal_conf leaves a conf with the same bytes alone and rewrites a changed one",
          "[storage]") {
    TempDir d;
    Lineage l = make_lineage(d);
    struct stat before {
    }, after{};
    REQUIRE(::stat(l.renewal_conf_path.c_str(), &before) == 0);
    REQUIRE(save_renewal_conf(l));  // unchanged: the same file (inode), no temp file left
    REQUIRE(::stat(l.renewal_conf_path.c_str(), &after) == 0);
    CHECK(after.st_ino == before.st_ino);
    CHECK(list_dir(dir_name(l.renewal_conf_path)).value().size() == 1);

    l.conf.root().set("renew_before_expiry", "20 days");
    REQUIRE(save_renewal_conf(l));  // changed: replaced atomically
    REQUIRE(::stat(l.renewal_conf_path.c_str(), &after) == 0);
    CHECK(after.st_ino != before.st_ino);
    CHECK(slurp(l.renewal_conf_path).find("renew_before_expiry = 20 days") != std::string::npos);

    // The same bytes, but not a regular file (a symlink to a copy): written as a file, as before.
    const std::string copy = d / "conf-copy";
    REQUIRE(atomic_write(copy, slurp(l.renewal_conf_path), 0644).ok());
    REQUIRE(::unlink(l.renewal_conf_path.c_str()) == 0);
    REQUIRE(::symlink(copy.c_str(), l.renewal_conf_path.c_str()) == 0);
    REQUIRE(save_renewal_conf(l));
    REQUIRE(::lstat(l.renewal_conf_path.c_str(), &after) == 0);
    CHECK(S_ISREG(after.st_mode));
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

TEST_CASE("delete_lineage removes a half-made lineage without a renewal conf",
          "[storage][hostile]") {
    TempDir d;
    const std::string c = d / "config";
    make_lineage(d, "a.example");
    make_lineage(d, "b.example");
    // What a crash between the live links and the renewal conf leaves: no conf, one link.
    REQUIRE(::unlink((c + "/renewal/a.example.conf").c_str()) == 0);
    REQUIRE(::unlink((c + "/live/a.example/chain.pem").c_str()) == 0);
    REQUIRE(delete_lineage(c, "a.example"));
    CHECK_FALSE(exists(c + "/live/a.example"));
    CHECK_FALSE(exists(c + "/archive/a.example"));
    CHECK(load_lineage(c, "b.example").ok());
    // The name is free again (no a.example-0001).
    auto name = choose_lineage_name(c, "a.example");
    REQUIRE(name.ok());
    CHECK(*name == "a.example");
    // Nothing at all: still "no certificate".
    auto none = delete_lineage(c, "a.example");
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find("No certificate found with name a.example") !=
          std::string::npos);
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
