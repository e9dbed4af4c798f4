#include "configobj.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <random>
#include <string>
#include <vector>

using certbot::ConfigObj;
using certbot::Result;
using certbot::Section;

namespace {

// A renewal conf as Debian's certbot 2.1 writes it (webroot, one lineage renewed once, a deploy
// hook that needs quoting, a one-element list, the webroot_map subsection).
const char* const kCertbotConf =
    "# renew_before_expiry = 30 days\n"
    "version = 2.1.0\n"
    "archive_dir = /etc/letsencrypt/archive/example.com\n"
    "cert = /etc/letsencrypt/live/example.com/cert.pem\n"
    "privkey = /etc/letsencrypt/live/example.com/privkey.pem\n"
    "chain = /etc/letsencrypt/live/example.com/chain.pem\n"
    "fullchain = /etc/letsencrypt/live/example.com/fullchain.pem\n"
    "\n"
    "# Options used in the renewal process\n"
    "[renewalparams]\n"
    "account = b20347f352618a74018ab19be5d88257\n"
    "http01_port = 31811\n"
    "pref_challs = http-01,\n"
    "renew_hook = 'echo \"done, ok\" # x'\n"
    "server = https://acme-v02.api.letsencrypt.org/directory\n"
    "authenticator = webroot\n"
    "webroot_path = /var/www/html,\n"
    "key_type = ecdsa\n"
    "[[webroot_map]]\n"
    "b.example = /var/www/html\n"
    "example.com = /var/www/html\n";

ConfigObj parse_ok(const std::string& text) {
    auto r = ConfigObj::parse(text, "test.conf");
    INFO(text);
    REQUIRE(r.ok());
    return *r;
}

std::string write(const ConfigObj& c) {
    auto r = c.serialize();
    REQUIRE(r.ok());
    return *r;
}

std::string error_of(const std::string& text) {
    auto r = ConfigObj::parse(text, "/etc/letsencrypt/renewal/x.conf");
    INFO(text);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace

TEST_CASE("a renewal conf written by certbot round-trips byte for byte", "[configobj]") {
    ConfigObj c = parse_ok(kCertbotConf);
    CHECK(write(c) == kCertbotConf);

    const Section& root = c.root();
    CHECK(root.keys() == std::vector<std::string>{"version", "archive_dir", "cert", "privkey",
                                                  "chain", "fullchain"});
    CHECK(root.get("version") == std::optional<std::string>("2.1.0"));
    CHECK(root.sections() == std::vector<std::string>{"renewalparams"});
    CHECK(c.initial_comment() == std::vector<std::string>{"# renew_before_expiry = 30 days"});
    CHECK(root.comments("renewalparams") ==
          std::vector<std::string>{"", "# Options used in the renewal process"});

    const Section* rp = root.find_section("renewalparams");
    REQUIRE(rp != nullptr);
    CHECK(rp->depth() == 1);
    CHECK(rp->get("renew_hook") == std::optional<std::string>("echo \"done, ok\" # x"));
    CHECK(rp->is_list("pref_challs"));
    CHECK(rp->get_list("pref_challs") == std::vector<std::string>{"http-01"});
    CHECK_FALSE(rp->get("pref_challs").has_value());  // a list, not a scalar
    CHECK(rp->get_list("account") == std::vector<std::string>{"b20347f352618a74018ab19be5d88257"});
    const Section* wm = rp->find_section("webroot_map");
    REQUIRE(wm != nullptr);
    CHECK(wm->depth() == 2);
    CHECK(wm->keys() == std::vector<std::string>{"b.example", "example.com"});
}

TEST_CASE("modifying keeps order, comments and unknown keys", "[configobj]") {
    std::string text = std::string("# my note\n") + kCertbotConf +
                       "\n[acme_renewal_info]\n"
                       "# keep me\nari_retry_after = 2026-05-21T12:34:56\nfuture_key = 1\n";
    ConfigObj c = parse_ok(text);
    c.root().set("version", "5.1.0");  // existing: stays in place
    Section& rp = c.root().section("renewalparams");
    rp.set("authenticator", "standalone");
    rp.remove("http01_port");
    rp.set_list("pref_challs", {"dns-01", "http-01"});
    rp.set("new_key", "a, b");                       // needs quotes
    c.root().set("renew_before_expiry", "20 days");  // new root scalar: before the sections

    std::string out = write(c);
    CHECK(out ==
          "# my note\n"
          "# renew_before_expiry = 30 days\n"
          "version = 5.1.0\n"
          "archive_dir = /etc/letsencrypt/archive/example.com\n"
          "cert = /etc/letsencrypt/live/example.com/cert.pem\n"
          "privkey = /etc/letsencrypt/live/example.com/privkey.pem\n"
          "chain = /etc/letsencrypt/live/example.com/chain.pem\n"
          "fullchain = /etc/letsencrypt/live/example.com/fullchain.pem\n"
          "renew_before_expiry = 20 days\n"
          "\n"
          "# Options used in the renewal process\n"
          "[renewalparams]\n"
          "account = b20347f352618a74018ab19be5d88257\n"
          "pref_challs = dns-01, http-01\n"
          "renew_hook = 'echo \"done, ok\" # x'\n"
          "server = https://acme-v02.api.letsencrypt.org/directory\n"
          "authenticator = standalone\n"
          "webroot_path = /var/www/html,\n"
          "key_type = ecdsa\n"
          "new_key = \"a, b\"\n"
          "[[webroot_map]]\n"
          "b.example = /var/www/html\n"
          "example.com = /var/www/html\n"
          "\n"
          "[acme_renewal_info]\n"
          "# keep me\n"
          "ari_retry_after = 2026-05-21T12:34:56\n"
          "future_key = 1\n");
    // And what we wrote parses back to the same values.
    ConfigObj again = parse_ok(out);
    CHECK(again.root().find_section("renewalparams")->get("new_key") ==
          std::optional<std::string>("a, b"));
    CHECK(write(again) == out);
}

TEST_CASE("a conf built from scratch is written like certbot writes a new one", "[configobj]") {
    ConfigObj c;
    c.initial_comment() = {"renew_before_expiry = 30 days"};
    Section& root = c.root();
    root.set("version", "2.1.0");
    root.set("archive_dir", "/c/archive/a.example");
    Section& rp = root.section("renewalparams");
    root.set_comments("renewalparams", {"", "Options used in the renewal process"});
    rp.set("authenticator", "webroot");
    rp.set_list("webroot_path", {"/var/www"});
    rp.section("webroot_map").set("a.example", "/var/www");
    rp.set("key_type", "ecdsa");  // values are written before subsections
    CHECK(write(c) ==
          "# renew_before_expiry = 30 days\n"
          "version = 2.1.0\n"
          "archive_dir = /c/archive/a.example\n"
          "\n"
          "# Options used in the renewal process\n"
          "[renewalparams]\n"
          "authenticator = webroot\n"
          "webroot_path = /var/www,\n"
          "key_type = ecdsa\n"
          "[[webroot_map]]\n"
          "a.example = /var/www\n");
    CHECK(ConfigObj().serialize().value() == "\n");  // configobj writes one newline when empty
}

TEST_CASE("values are quoted exactly where configobj quotes them", "[configobj]") {
    // Expected lines produced by Python configobj 5.0.8.
    struct Case {
        std::string value, line;
    };
    const std::vector<Case> cases = {
        {"plain", "k = plain"},
        {"a,b", "k = \"a,b\""},
        {" lead", "k = \" lead\""},
        {"trail ", "k = \"trail \""},
        {"has#hash", "k = \"has#hash\""},
        {"it's", "k = it's"},
        {"say \"hi\"", "k = 'say \"hi\"'"},
        {"both ' and \"", "k = '''both ' and \"'''"},
        {"multi\nline", "k = '''multi\nline'''"},
        {"", "k = \"\""},
        {"[x]", "k = [x]"},
        {"x = y", "k = x = y"},
        {"tab\t", "k = \"tab\t\""},
        {"'q'", "k = \"'q'\""},
        {"\xc3\xa9 \xc3\xbc", "k = \xc3\xa9 \xc3\xbc"},
    };
    for (const Case& tc : cases) {
        ConfigObj c;
        c.root().set("k", tc.value);
        INFO(tc.value);
        CHECK(write(c) == tc.line + "\n");
        ConfigObj back = parse_ok(write(c));
        CHECK(back.root().get("k") == std::optional<std::string>(tc.value));
    }
    struct ListCase {
        std::vector<std::string> items;
        std::string line;
    };
    const std::vector<ListCase> lists = {
        {{}, "k = ,"},
        {{"a"}, "k = a,"},
        {{"a", "b"}, "k = a, b"},
        {{"a,b", "c"}, "k = \"a,b\", c"},
        {{""}, "k = \"\","},
        {{"x y", "#"}, "k = x y, \"#\""},
        {{"it's", "q\""}, "k = it's, 'q\"'"},
    };
    for (const ListCase& tc : lists) {
        ConfigObj c;
        c.root().set_list("k", tc.items);
        CHECK(write(c) == tc.line + "\n");
        ConfigObj back = parse_ok(write(c));
        CHECK(back.root().is_list("k"));
        CHECK(back.root().get_list("k") == tc.items);
    }
    ConfigObj keys;
    keys.root().set("a b", "v");
    keys.root().set("", "v");
    keys.root().set("x,y", "v");
    CHECK(write(keys) == "a b = v\n\"\" = v\n\"x,y\" = v\n");

    ConfigObj bad;
    bad.root().set_list("k", {"both ' and \""});  // list items cannot use triple quotes
    CHECK_FALSE(bad.serialize().ok());
}

TEST_CASE("parsing follows configobj's value rules", "[configobj]") {
    ConfigObj c = parse_ok(
        "a = 1\n"
        "b =\n"
        "c = x, y , z\n"
        "d = \"quoted, with comma\"   # trailing comment\n"
        "e = 'single'\n"
        "f = ,\n"
        "g = value#not-a-value\n"
        "h = \"a\", 'b',\n"
        "  i  =  spaced value  \n"
        "\"q k\" = 1\n"
        "j = '''multi\n"
        "line''' # after\n");
    const Section& r = c.root();
    CHECK(r.get("a") == std::optional<std::string>("1"));
    CHECK(r.get("b") == std::optional<std::string>(""));
    CHECK(r.get_list("c") == std::vector<std::string>{"x", "y", "z"});
    CHECK(r.get("d") == std::optional<std::string>("quoted, with comma"));
    CHECK(r.inline_comment("d") == "   # trailing comment");
    CHECK(r.get("e") == std::optional<std::string>("single"));
    CHECK(r.is_list("f"));
    CHECK(r.get_list("f")->empty());
    CHECK(r.get("g") == std::optional<std::string>("value"));
    CHECK(r.get_list("h") == std::vector<std::string>{"a", "b"});
    CHECK(r.get("i") == std::optional<std::string>("spaced value"));
    CHECK(r.get("q k") == std::optional<std::string>("1"));
    CHECK(r.get("j") == std::optional<std::string>("multi\nline"));
    CHECK(r.inline_comment("j") == " # after");
}

TEST_CASE("comments, blank lines, CRLF and a BOM survive a round trip", "[configobj]") {
    const std::string text =
        "\xEF\xBB\xBF# head\r\n"
        "\r\n"
        "a = 1\r\n"
        "# before s\r\n"
        "[s]  # on s\r\n"
        "b = 2  # on b\r\n"
        "   # indented note\r\n"
        "c = 3\r\n"
        "# tail\r\n";
    ConfigObj c = parse_ok(text);
    CHECK(c.newline() == "\r\n");
    CHECK(c.initial_comment() == std::vector<std::string>{"# head", ""});
    CHECK(c.final_comment() == std::vector<std::string>{"# tail"});
    // configobj strips the indentation of comment lines before entries; the rest is kept.
    std::string expected = text;
    expected.replace(expected.find("   # indented"), 3, "");
    CHECK(write(c) == expected);

    // Found by the differential fuzz against Python: a file that is only a BOM is one empty line.
    ConfigObj bom = parse_ok("\xEF\xBB\xBF");
    CHECK(bom.initial_comment() == std::vector<std::string>{""});
    CHECK(write(bom) == "\xEF\xBB\xBF\n");
}

TEST_CASE("parse errors name the file and the line", "[configobj]") {
    CHECK(error_of("a = 1\nthis is not valid\n") ==
          "/etc/letsencrypt/renewal/x.conf: line 2 is neither a [section] nor key = value: "
          "\"this is not valid\"; fix or remove it");
    CHECK(error_of("a = 1\na = 2\n").find("line 2 repeats the key \"a\"") != std::string::npos);
    CHECK(error_of("[s]\n[s]\n").find("line 2 repeats the name \"s\"") != std::string::npos);
    CHECK(error_of("[s]\n[[[t]]]\n").find("line 2") != std::string::npos);  // too nested
    CHECK(error_of("[[s]\n").find("line 1") != std::string::npos);          // [[ vs ]
    CHECK(error_of("x\n\nk = '''open\nmore\n").find("line 1") != std::string::npos);
    CHECK(error_of("a = 1\nk = '''open\nmore\n").find("line 2 starts a multi-line value") !=
          std::string::npos);
    CHECK(error_of("k = \"unbalanced\n").find("line 1 has a value") != std::string::npos);
    CHECK(error_of("k = a, , b\n").find("line 1") != std::string::npos);  // empty list item
    CHECK(error_of("ok = 1\nbad = \xff\xfe\n").find("line 2 is not valid UTF-8") !=
          std::string::npos);
}

TEST_CASE("configobj's odd corners are reproduced", "[configobj]") {
    // Each expectation was checked against Python configobj 5.0.8.
    ConfigObj c = parse_ok("  = v\nk = a,  \n[ s p ]\nx = \"a\"b\", c\n");
    CHECK(c.root().get(" ") == std::optional<std::string>("v"));  // key " " (indent given back)
    CHECK(c.root().get_list("k") == std::vector<std::string>{"a"});
    CHECK(c.root().has_section("s p"));
    CHECK(c.root().find_section("s p")->get_list("x") == std::vector<std::string>{"a\"b", "c"});
    // Sections close back to a shallower depth.
    ConfigObj d = parse_ok("[a]\n[[b]]\n[[[c]]]\nx = 1\n[d]\ny = 2\n");
    CHECK(d.root().sections() == std::vector<std::string>{"a", "d"});
    CHECK(d.root().find_section("a")->find_section("b")->find_section("c")->get("x") ==
          std::optional<std::string>("1"));
    CHECK(d.root().find_section("d")->get("y") == std::optional<std::string>("2"));
}

TEST_CASE("each write drops one of several trailing blank lines, as configobj does",
          "[configobj]") {
    // Python configobj 5.0.8: 'a = b\n\n\n' -> 'a = b\n\n' -> 'a = b\n' -> 'a = b\n' (found by
    // the configobj fuzz target, whose round-trip invariant allows exactly this).
    std::string text = "a = b\n\n\n";
    for (const char* want : {"a = b\n\n", "a = b\n", "a = b\n"}) {
        text = parse_ok(text).serialize().value();
        CHECK(text == want);
    }
    CHECK(parse_ok("# c\na = b\n\n# end\n\n").serialize().value() == "# c\na = b\n\n# end\n");
}

TEST_CASE("the parser survives random bytes and stays fast on hostile lines", "[configobj]") {
    std::mt19937 rng(12345);
    const std::string alphabet = "[]=,#\"' \t\r\nab\\";
    for (int i = 0; i < 3000; ++i) {
        std::uniform_int_distribution<int> len(0, 300);
        std::string text;
        int n = len(rng);
        for (int k = 0; k < n; ++k) {
            if (rng() % 4 == 0) {
                text += static_cast<char>(rng() & 0xff);  // raw bytes, often invalid UTF-8
            } else {
                text += alphabet[rng() % alphabet.size()];
            }
        }
        auto r = ConfigObj::parse(text, "fuzz.conf");
        if (!r) {
            CHECK(r.error().message.rfind("fuzz.conf: line ", 0) == 0);
            continue;
        }
        auto out = r->serialize();
        if (out) (void)ConfigObj::parse(*out, "fuzz-out.conf");
    }

    // Lines that make a backtracking regex engine go quadratic or worse.
    std::string quotes = "k = ";
    for (int i = 0; i < 100000; ++i) quotes += "\",";
    std::string brackets(200000, '[');
    std::string mixed = "k = ";
    for (int i = 0; i < 50000; ++i) mixed += "'a' ,  \" ";
    // CPU time, not wall time: a quadratic parser shows in it whatever the machine's load.
    const std::clock_t start = std::clock();
    (void)ConfigObj::parse(quotes, "q.conf");
    (void)ConfigObj::parse(brackets, "b.conf");
    (void)ConfigObj::parse(mixed, "m.conf");
    (void)ConfigObj::parse(std::string(100000, '=') + "\n" + std::string(100000, '#'), "e.conf");
    const double took_s = double(std::clock() - start) / CLOCKS_PER_SEC;
    CHECK(took_s < 5.0);

    // Deep nesting is refused rather than recursed into.
    std::string deep;
    for (int d = 1; d <= 100; ++d) deep += std::string(d, '[') + "s" + std::string(d, ']') + "\n";
    auto r = ConfigObj::parse(deep, "deep.conf");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("line 65") != std::string::npos);
}

namespace {

// Everything a parsed ConfigObj holds, through its interface, as text.
void dump_section(const Section& s, std::string& out) {
    out += "<" + s.name() + " depth " + std::to_string(s.depth()) + ">\n";
    for (const std::string& k : s.keys()) {
        for (const std::string& c : s.comments(k)) out += "  #[" + c + "]\n";
        out += "  [" + k + "]";
        if (s.is_list(k)) {
            out += " list:";
            const auto list = s.get_list(k);
            for (const std::string& v : *list) out += " [" + v + "]";
        } else {
            out += " = [" + *s.get(k) + "]";
        }
        out += " inline [" + s.inline_comment(k) + "]\n";
    }
    for (const std::string& name : s.sections()) {
        for (const std::string& c : s.comments(name)) out += "  #[" + c + "]\n";
        out += "  inline [" + s.inline_comment(name) + "]\n";
        dump_section(*s.find_section(name), out);
    }
}

std::string dump(const Result<ConfigObj>& r) {
    if (!r) return "error: " + r.error().message;
    std::string out;
    for (const std::string& c : r->initial_comment()) out += "initial [" + c + "]\n";
    dump_section(r->root(), out);
    for (const std::string& c : r->final_comment()) out += "final [" + c + "]\n";
    out += "newline [" + r->newline() + "]\n";
    auto text = r->serialize();
    out += text ? "written:\n" + *text : "unwritable: " + text.error().message;
    return out;
}

void check_same_as_reference(const std::string& text) {
    INFO(text);
    CHECK(dump(ConfigObj::parse(text, "t.conf")) ==
          dump(ConfigObj::parse_reference(text, "t.conf")));
}

}  // namespace

TEST_CASE("the plain-line shortcut parses exactly as configobj's regular expressions do",
          "[configobj]") {
    check_same_as_reference(kCertbotConf);
    // Lines at the edge of the shortcut: each either taken by it or left to the matchers, with
    // the same result either way.
    const std::vector<std::string> lines = {
        "",
        " ",
        "\t",
        "# c",
        "  # c",
        "\v# c",
        "\x1c",
        "a = b",
        "a=b",
        "  a = b  ",
        "\ta\t=\tb",
        "a =",
        "a = ",
        "a = b c",
        "a = b, c",
        "a = b,c,",
        "a = b ,c",
        "a = b , c ,  ",
        "a = b,",
        "a = ,",
        "a = ,b",
        "a = b,,c",
        "a = b, ,",
        "a = b #c",
        "a = 'b'",
        "a = \"b\"",
        "a = b = c",
        "a b = c",
        "'a' = b",
        "a = b\r",
        "a = [b]",
        "a = b]",
        "=b",
        "a",
        "a = é",
        "é = b",
        "a = b\xc2\xa0",
        "\xc2\xa0"
        "a = b",
        "[s]",
        "[[s]]",
        " [s] ",
        "[s]]",
        "[[s]",
        "[ s ]",
        "[s] # c",
        "['s']",
        "[s.t-u_v]",
        "[]",
        "[[]]",
        "[s]x",
        "a = '''b'''",
        "a = '''b",
        "c'''",
        "a = b\tc",
        "a,b = c",
        "a = b#",
        "a = #",
        "k-e.y = v/w:x@y",
    };
    for (const std::string& l : lines) check_same_as_reference(l + "\n");
    // Pairs and triples of them, under and between sections (duplicates, nesting, comments).
    for (const std::string& a : lines)
        for (const char* b : {"[s]", "a = b", "# c", "[[m]]", "x = y,", "a = '''q"})
            for (const char* c : {"", "\n[s]\nz = 1", "\n# end", "\nc'''"})
                check_same_as_reference("[s]\n" + a + "\n" + b + c + "\n");

    // Random lines over the characters the two paths treat differently.
    std::mt19937 rng(4242);
    const std::vector<std::string> pieces = {"a",  "b",  "k",   "_",        ".",  "-", " ", "  ",
                                             "\t", "=",  " = ", ",",        ", ", "#", "[", "]",
                                             "'",  "\"", "\v",  "\xc3\xa9", "\r", "/", "0", "'''"};
    for (int i = 0; i < 4000; ++i) {
        std::string text;
        const int n_lines = 1 + static_cast<int>(rng() % 4);
        for (int l = 0; l < n_lines; ++l) {
            const int n = static_cast<int>(rng() % 8);
            for (int k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
            text += "\n";
        }
        check_same_as_reference(text);
    }
}
