// The lossless nginx parser: round trip over a corpus of real configurations, what words mean,
// errors with file:line, and the fuzz entry point replayed over the corpus, the kept crashers
// and deterministic mutations of the corpus.
#include "nginx_parser.h"
#include "reverter.h"

#include <dirent.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using namespace nginxconf;
using plugin_support::read_file;

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    REQUIRE(d != nullptr);
    while (dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') out.push_back(dir + "/" + e->d_name);
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

const std::string kCorpus = std::string(NGINX_TESTDATA) + "/corpus";

Document parse_text(const std::string& text) {
    return parse(text, "test.conf");
}

int error_line(const std::string& text) {
    try {
        parse_text(text);
    } catch (const ParseError& e) {
        return e.line();
    }
    return 0;
}

void fuzz_one(const std::string& s) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

TEST_CASE("every corpus file writes back byte for byte", "[parser]") {
    auto files = files_in(kCorpus);
    REQUIRE(files.size() >= 10);
    for (const auto& f : files) {
        INFO(f);
        std::string text = read_file(f);
        Document doc = parse(text, f);
        CHECK(serialize(doc) == text);
        CHECK(!doc.nodes.empty());
    }
}

TEST_CASE("the Debian default site parses into its directives", "[parser]") {
    Document doc = parse(read_file(kCorpus + "/debian-sites-default"), "default");
    const Node* server = nullptr;
    for (const auto& n : doc.nodes)
        if (n.is("server")) server = server ? server : &n;
    REQUIRE(server != nullptr);
    std::vector<std::vector<std::string>> listens;
    for (const auto& c : server->children)
        if (c.is("listen")) listens.push_back(c.args());
    REQUIRE(listens.size() == 2);
    CHECK(listens[0] == std::vector<std::string>{"80", "default_server"});
    CHECK(listens[1] == std::vector<std::string>{"[::]:80", "default_server"});
}

TEST_CASE("quoted words and escapes mean what nginx reads", "[parser]") {
    Document doc = parse_text(
        "set $a \"x \\\"q\\\" \\\\ \\t y\";\nset $b 'it\\'s';\nname esc\\ aped a${b}c \"\";\n");
    REQUIRE(doc.nodes.size() == 3);
    CHECK(doc.nodes[0].arg(1) == "x \"q\" \\ \t y");
    CHECK(doc.nodes[1].arg(1) == "it's");
    CHECK(doc.nodes[2].arg(0) == "esc\\ aped");  // nginx keeps a backslash before a space
    CHECK(doc.nodes[2].arg(1) == "a${b}c");
    CHECK(doc.nodes[2].arg(2).empty());
    CHECK(doc.nodes[2].words[3].raw == "\"\"");
}

TEST_CASE("'#' starts a comment only where a word starts", "[parser]") {
    Document doc = parse_text("a b#c; # comment ; { }\nd \"#\";");
    REQUIRE(doc.nodes.size() == 2);
    CHECK(doc.nodes[0].arg(0) == "b#c");
    CHECK(doc.nodes[1].arg(0) == "#");
    CHECK(doc.nodes[1].words[0].space == " # comment ; { }\n");
}

TEST_CASE("Lua blocks are kept raw, braces in strings and comments included", "[parser]") {
    Document doc = parse(read_file(kCorpus + "/lua.conf"), "lua.conf");
    const Node& http = doc.nodes.at(0);
    const Node& init = http.children.at(1);
    CHECK(init.is("init_by_lua_block"));
    CHECK(init.kind == Node::Kind::kRawBlock);
    CHECK(init.inner.find("]==]") != std::string::npos);
    const Node& server = http.children.at(2);
    REQUIRE(server.is("server"));
    const Node& set = server.children.back();
    CHECK(set.is("set_by_lua_block"));
    CHECK(set.arg(0) == "$res");
    CHECK(set.inner == " return 32 + math.cos(32) ");
}

TEST_CASE("regex server names and map entries survive as words", "[parser]") {
    Document doc = parse(read_file(kCorpus + "/map-regex.conf"), "map-regex.conf");
    const Node& http = doc.nodes.at(0);
    const Node& map = http.children.at(0);
    CHECK(map.args() == std::vector<std::string>{"$http_user_agent", "$is_bot"});
    CHECK(map.children.at(2).name() == "~^Mozilla/5\\.0\\ \\(compatible");
    const Node& server = http.children.at(3);
    CHECK(server.children.at(1).arg(1) == "~^www\\d+\\.example\\.com$");
}

TEST_CASE("errors name the file and the line", "[parser][negative]") {
    struct Case {
        const char* file;
        int line;
        const char* says;
    };
    const Case cases[] = {
        {"unterminated-brace.conf", 4, "expecting \"}\""},
        {"unterminated-quote.conf", 3, "unterminated quoted string"},
        {"extra-brace.conf", 2, "unexpected \"}\""},
        {"after-quote.conf", 2, "after a quoted string"},
        {"unterminated-lua.conf", 2, "Lua block"},
        {"lone-semicolon.conf", 2, "unexpected \";\""},
        {"missing-semicolon.conf", 3, "unexpected \"}\""},
    };
    for (const auto& c : cases) {
        std::string path = std::string(NGINX_TESTDATA) + "/bad/" + c.file;
        INFO(path);
        try {
            parse(read_file(path), path);
            FAIL("parsed a broken file");
        } catch (const ParseError& e) {
            CHECK(e.file() == path);
            CHECK(e.line() == c.line);
            CHECK(std::string(e.what()).find(path + ":" + std::to_string(c.line) + ": ") == 0);
            CHECK(std::string(e.what()).find(c.says) != std::string::npos);
        }
    }
    CHECK(error_line("a {\n\n") == 3);
    CHECK(error_line("{") == 1);
}

TEST_CASE("quote writes words nginx reads back as the same value", "[parser]") {
    const std::string values[] = {"plain",
                                  "/etc/letsencrypt/live/a b/fullchain.pem",
                                  "semi;colon",
                                  "br{ac}es",
                                  "quo\"te",
                                  "back\\slash",
                                  "#hash",
                                  "'single'",
                                  "tok-EN_123.thumb-PRINT_x"};
    for (const auto& v : values) {
        INFO(v);
        Document doc = parse_text("d " + quote(v) + ";");
        REQUIRE(doc.nodes.size() == 1);
        CHECK(doc.nodes[0].arg(0) == v);
    }
    CHECK(quote("plain") == "plain");
}

TEST_CASE("new directives take the file's indentation", "[parser]") {
    Document doc = parse_text("server {\n\tlisten 80;\n}\n");
    Node& server = doc.nodes[0];
    std::string ind = child_indent(server, indent_of(server));
    CHECK(ind == "\t");
    Node n = make_directive({"server_name", "a.example"}, ind);
    server.children.push_back(n);
    CHECK(serialize(doc) == "server {\n\tlisten 80;\n\tserver_name a.example;\n}\n");
}

TEST_CASE("fuzz entry point: corpus, crashers and mutations", "[parser][fuzz]") {
    std::vector<std::string> inputs;
    for (const auto& f : files_in(kCorpus)) inputs.push_back(read_file(f));
    for (const auto& f : files_in(std::string(NGINX_TESTDATA) + "/crashers"))
        inputs.push_back(read_file(f));
    for (const auto& f : files_in(std::string(NGINX_TESTDATA) + "/bad"))
        inputs.push_back(read_file(f));
    for (const auto& in : inputs) fuzz_one(in);
    // Deterministic mutations: deleting, duplicating and replacing bytes with the characters
    // the tokenizer cares about.
    std::mt19937 rng(12345);
    const std::string special = "{};\"'\\#$ \n[]-=";
    int runs = 0;
    for (const auto& in : inputs) {
        if (in.empty()) continue;
        for (int i = 0; i < 200; ++i) {
            std::string m = in;
            size_t at = rng() % m.size();
            switch (rng() % 3) {
                case 0:
                    m.erase(at, 1 + rng() % 4);
                    break;
                case 1:
                    m.insert(at, m.substr(rng() % m.size(), 1 + rng() % 16));
                    break;
                default:
                    m[at] = special[rng() % special.size()];
            }
            fuzz_one(m);
            ++runs;
        }
    }
    CHECK(runs > 1000);
}
