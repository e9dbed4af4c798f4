#include "kept_issuance.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <ctime>
#include <string>

#include "crypto.h"
#include "fsutil.h"
#include "temp_dir_test.h"
#include "test_certs.h"

using namespace certbot;
using certbot::test::TempDir;

namespace {

PrivateKey new_key() {
    auto k = PrivateKey::generate(KeySpec{});
    REQUIRE(k.ok());
    return std::move(*k);
}

// A leaf for NAMES issued by a one-level CA, as obtain_certificate returns it.
IssuedCert issued_for(const std::vector<std::string>& names, int64_t not_after = 0) {
    PrivateKey ca_key = new_key();
    CertParams cap;
    cap.common_name = "Kept Test CA";
    cap.is_ca = true;
    auto ca = issue_cert(cap, ca_key, ca_key, "");
    REQUIRE(ca.ok());
    PrivateKey leaf_key = new_key();
    CertParams lp;
    lp.dns_names = names;
    if (not_after) {
        lp.not_before = not_after - 86400;
        lp.not_after = not_after;
    }
    auto leaf = issue_cert(lp, leaf_key, ca_key, *ca);
    REQUIRE(leaf.ok());
    IssuedCert out;
    out.cert_pem = *leaf;
    out.chain_pem = *ca;
    out.fullchain_pem = *leaf + *ca;
    auto key_pem = leaf_key.to_pem();
    REQUIRE(key_pem.ok());
    out.key_pem = *key_pem;
    out.domains = names;
    return out;
}

const std::string kServer = "https://ca.example/dir";

}  // namespace

TEST_CASE("an issued certificate that could not be stored is kept, then taken once",
          "[kept][hostile]") {
    TempDir work;
    const auto now = static_cast<int64_t>(std::time(nullptr));
    IssuedCert issued = issued_for({"a.example", "b.example"});
    auto dir = keep_issuance(work.path, "a.example", kServer, issued);
    REQUIRE(dir.ok());
    CHECK(*dir == work.path + "/issued/a.example.kept");
    CHECK(has_kept_issuance(work.path, "a.example"));
    struct stat st {};
    REQUIRE(::stat(dir->c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((work.path + "/issued").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);

    // Another server, or other names: not used, and kept.
    CHECK_FALSE(take_kept_issuance(work.path, "a.example", "https://other.example/dir",
                                   {"a.example", "b.example"}, now));
    CHECK_FALSE(take_kept_issuance(work.path, "a.example", kServer, {"a.example"}, now));
    CHECK(::stat(dir->c_str(), &st) == 0);

    // The same request (names in any order): the same certificate and key.
    auto taken =
        take_kept_issuance(work.path, "a.example", kServer, {"b.example", "a.example"}, now);
    REQUIRE(taken);
    CHECK(taken->cert_pem == issued.cert_pem);
    CHECK(taken->key_pem == issued.key_pem);
    CHECK(taken->fullchain_pem == issued.fullchain_pem);
    forget_kept_issuance(work.path, "a.example");
    CHECK(::lstat(dir->c_str(), &st) != 0);
    CHECK_FALSE(
        take_kept_issuance(work.path, "a.example", kServer, {"a.example", "b.example"}, now));
}

TEST_CASE("a kept certificate that expired or is damaged is removed, not used", "[kept][hostile]") {
    TempDir work;
    const auto now = static_cast<int64_t>(std::time(nullptr));
    struct stat st {};
    REQUIRE(keep_issuance(work.path, "old", kServer, issued_for({"old.example"}, now - 3600)).ok());
    CHECK_FALSE(take_kept_issuance(work.path, "old", kServer, {"old.example"}, now));
    CHECK(::lstat((work.path + "/issued/old.kept").c_str(), &st) != 0);

    // A key that is not the certificate's.
    IssuedCert mixed = issued_for({"m.example"});
    auto other = new_key().to_pem();
    REQUIRE(other.ok());
    mixed.key_pem = *other;
    REQUIRE(keep_issuance(work.path, "mixed", kServer, mixed).ok());
    CHECK_FALSE(take_kept_issuance(work.path, "mixed", kServer, {"m.example"}, now));
    CHECK(::lstat((work.path + "/issued/mixed.kept").c_str(), &st) != 0);
}

TEST_CASE("a kept issuance file that is damaged or cut short is removed, not used",
          "[kept][hostile]") {
    TempDir work;
    const auto now = static_cast<int64_t>(std::time(nullptr));
    IssuedCert issued = issued_for({"d.example"});
    auto path = keep_issuance(work.path, "d.example", kServer, issued);
    REQUIRE(path.ok());
    auto text = read_file(*path);
    REQUIRE(text.ok());
    struct stat st {};
    const std::vector<std::string> damaged = {
        text->substr(0, text->size() / 2),                    // cut short
        *text + "x",                                          // trailing bytes
        "certbot-native kept issuance 2" + text->substr(30),  // an unknown version
        "",                                                   // empty
    };
    for (const auto& bad : damaged) {
        REQUIRE(atomic_write(*path, bad, 0600).ok());
        CHECK(has_kept_issuance(work.path, "d.example"));  // there; take says unusable
        CHECK_FALSE(take_kept_issuance(work.path, "d.example", kServer, {"d.example"}, now));
        CHECK(::lstat(path->c_str(), &st) != 0);
    }
    // A length that does not match the part.
    std::string wrong = *text;
    const auto at = wrong.find("\ncert ");
    REQUIRE(at != std::string::npos);
    wrong.insert(at + 6, "1");
    REQUIRE(atomic_write(*path, wrong, 0600).ok());
    CHECK_FALSE(take_kept_issuance(work.path, "d.example", kServer, {"d.example"}, now));
    CHECK(::lstat(path->c_str(), &st) != 0);
}

TEST_CASE("a kept issuance an earlier version left as a directory is still used, then removed",
          "[kept]") {
    TempDir work;
    const auto now = static_cast<int64_t>(std::time(nullptr));
    IssuedCert issued = issued_for({"o.example"});
    const std::string dir = work.path + "/issued/o.example";
    REQUIRE(make_dirs(dir, 0700).ok());
    REQUIRE(atomic_write(dir + "/privkey.pem", issued.key_pem, 0600).ok());
    REQUIRE(atomic_write(dir + "/cert.pem", issued.cert_pem, 0644).ok());
    REQUIRE(atomic_write(dir + "/chain.pem", issued.chain_pem, 0644).ok());
    // Without "server" (written last) it was never complete.
    CHECK_FALSE(has_kept_issuance(work.path, "o.example"));
    REQUIRE(atomic_write(dir + "/fullchain.pem", issued.fullchain_pem, 0644).ok());
    REQUIRE(atomic_write(dir + "/server", kServer + "\n", 0644).ok());
    CHECK(has_kept_issuance(work.path, "o.example"));
    CHECK(kept_issuance_where(work.path, "o.example") == dir);
    CHECK_FALSE(take_kept_issuance(work.path, "o.example", "https://other.example/dir",
                                   {"o.example"}, now));
    auto taken = take_kept_issuance(work.path, "o.example", kServer, {"o.example"}, now);
    REQUIRE(taken);
    CHECK(taken->key_pem == issued.key_pem);
    CHECK(taken->chain_pem == issued.chain_pem);
    CHECK(taken->fullchain_pem == issued.fullchain_pem);
    forget_kept_issuance(work.path, "o.example");
    struct stat st {};
    CHECK(::lstat(dir.c_str(), &st) != 0);
    CHECK_FALSE(has_kept_issuance(work.path, "o.example"));
}
