// The header-only code both sides of the plugin ABI compile in (plugin-api/common/).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "durable_write.h"
#include "files_test.h"
#include "hex.h"
#include "http_body.h"
#include "json_quote.h"

using certbot::common::BodyLimits;
using certbot::common::bound_response_body;
using certbot::common::hex;
using certbot::common::json_quote;
using certbot::common::write_durably;
using certbot::common::write_through_link;
using certbot::test::mode_of;
using certbot::test::slurp;

TEST_CASE("json_quote escapes quotes, backslashes and control characters", "[common]") {
    CHECK(json_quote("") == "\"\"");
    CHECK(json_quote("plain text") == "\"plain text\"");
    CHECK(json_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(json_quote("l1\nl2\r\t") == "\"l1\\nl2\\r\\t\"");
    CHECK(json_quote(std::string("\x01\x1f", 2)) == "\"\\u0001\\u001f\"");
    CHECK(json_quote(std::string("nul\0end", 7)) == "\"nul\\u0000end\"");
    // Bytes from 0x20 up, UTF-8 included, pass as they are.
    CHECK(json_quote("caf\xc3\xa9 ~\x7f") == "\"caf\xc3\xa9 ~\x7f\"");
}

namespace {

struct Bounded {
    httplib::Request request;
    std::string body;
    BodyLimits limits;
    Bounded(size_t max_body, int seconds_left) : limits(max_body, seconds_left) {
        bound_response_body(request, body, limits);
    }
    bool announce(const std::string& content_length) {
        httplib::Response r;
        if (!content_length.empty()) r.set_header("Content-Length", content_length);
        return request.response_handler(r);
    }
    bool chunk(const std::string& data) {
        return request.content_receiver(data.data(), data.size(), 0, 0);
    }
};

}  // namespace

TEST_CASE("a response body is read whole within its size and time", "[common]") {
    Bounded b(10, 60);
    CHECK(b.announce("10"));
    CHECK(b.chunk("01234"));
    CHECK(b.chunk("56789"));
    CHECK(b.body == "0123456789");
    CHECK(b.request.get_header_value("Accept-Encoding") == "identity");  // the bound is on bytes
    CHECK_FALSE(b.limits.too_big);
    CHECK_FALSE(b.limits.too_slow);
}

TEST_CASE("an announced oversized body is refused before it is read", "[common]") {
    Bounded b(10, 60);
    CHECK_FALSE(b.announce("11"));
    CHECK(b.limits.too_big);
    Bounded huge(10, 60);
    CHECK_FALSE(huge.announce("99999999999999999"));
    // A Content-Length too long to be a number is not trusted either way: the bytes decide.
    Bounded garbage(10, 60);
    CHECK(garbage.announce("12345678901234567890123"));
    CHECK(garbage.announce(""));
}

TEST_CASE("a body that grows past its size or its deadline is cut off", "[common]") {
    Bounded big(10, 60);
    CHECK(big.announce(""));
    CHECK(big.chunk("0123456789"));
    CHECK_FALSE(big.chunk("x"));
    CHECK(big.limits.too_big);
    CHECK(big.body == "0123456789");

    Bounded late(10, -1);  // the deadline has passed
    CHECK_FALSE(late.chunk("a"));
    CHECK(late.limits.too_slow);
    CHECK(late.body.empty());
}

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/common_test.XXXXXX";
        REQUIRE(::mkdtemp(tmpl));
        path = tmpl;
    }
    // Removes everything under it without a shell: children first, links not followed.
    ~TempDir() {
        ::nftw(
            path.c_str(),
            [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
            FTW_DEPTH | FTW_PHYS);
    }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
    int entries() const {
        int n = 0;
        DIR* dir = ::opendir(path.c_str());
        REQUIRE(dir);
        while (dirent* e = ::readdir(dir))
            n += std::string(e->d_name) != "." && std::string(e->d_name) != "..";
        ::closedir(dir);
        return n;
    }
};

}  // namespace

TEST_CASE("write_durably writes with the exact mode, replaces or only creates", "[common]") {
    TempDir d;
    const mode_t old_umask = ::umask(077);
    CHECK(write_durably(d / "key", "secret", 0640, {}, true).empty());
    ::umask(old_umask);
    CHECK(slurp(d / "key") == "secret");
    CHECK(mode_of(d / "key") == 0640);
    CHECK(write_durably(d / "key", "newer", 0600, {}, true).empty());
    CHECK(slurp(d / "key") == "newer");
    CHECK(mode_of(d / "key") == 0600);
    // Without replacing: an existing file stays, and the caller learns it existed.
    bool existed = false;
    const std::string error = write_durably(d / "key", "other", 0600, {}, false, &existed);
    CHECK(existed);
    CHECK(error.find(d / "key") != std::string::npos);
    CHECK(slurp(d / "key") == "newer");
    CHECK(d.entries() == 1);  // no temporary file left
    // A directory that does not exist: the error names it.
    CHECK(write_durably(d / "missing/file", "x", 0644, {}, true).find(d / "missing") !=
          std::string::npos);
}

TEST_CASE("write_through_link writes the file a symlink names and keeps its mode", "[common]") {
    TempDir d;
    std::ofstream(d / "site.conf") << "old";
    REQUIRE(::chmod((d / "site.conf").c_str(), 0640) == 0);
    REQUIRE(::symlink("site.conf", (d / "enabled.conf").c_str()) == 0);
    CHECK(write_through_link(d / "enabled.conf", "new", 0644).empty());
    CHECK(slurp(d / "site.conf") == "new");
    CHECK(mode_of(d / "site.conf") == 0640);  // the mode of the file replaced, not MODE
    struct stat st {};
    REQUIRE(::lstat((d / "enabled.conf").c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));  // still a link
    CHECK(d.entries() == 2);
    // A new file gets MODE.
    CHECK(write_through_link(d / "fresh.conf", "x", 0600).empty());
    CHECK(mode_of(d / "fresh.conf") == 0600);
    // A dangling link cannot be written through: the error names it.
    REQUIRE(::symlink("gone.conf", (d / "dangling.conf").c_str()) == 0);
    CHECK(write_through_link(d / "dangling.conf", "x", 0644).find(d / "dangling.conf") !=
          std::string::npos);
}

TEST_CASE("hex gives two lowercase digits a byte", "[common]") {
    CHECK(hex(std::string_view()) == "");
    CHECK(hex(std::string("\x00\x01\x7f\x80\xab\xff", 6)) == "00017f80abff");
    const unsigned char digest[] = {0xde, 0xad, 0xbe, 0xef};
    CHECK(hex(digest, sizeof digest) == "deadbeef");
}
