#include "account_store.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "fsutil.h"
#include "store_fixture_test.h"

using namespace certbot;
using namespace certbot::test;

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
