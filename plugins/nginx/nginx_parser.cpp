#include "nginx_parser.h"

#include <cstring>

namespace nginxconf {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// What nginx makes of a word's bytes (ngx_conf_read_token's copy loop).
std::string unescape(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) {
            char n = raw[i + 1];
            if (n == '"' || n == '\'' || n == '\\') {
                out += n;
                ++i;
                continue;
            }
            if (n == 't' || n == 'r' || n == 'n') {
                out += n == 't' ? '\t' : n == 'r' ? '\r' : '\n';
                ++i;
                continue;
            }
        }
        out += raw[i];
    }
    return out;
}

class Parser {
  public:
    Parser(std::string_view text, const std::string& file) : s_(text), file_(file) {}

    Document document() {
        Document doc;
        doc.trailing = block_body(doc.nodes, /*top=*/true, 0);
        return doc;
    }

  private:
    static constexpr int kMaxDepth = 200;

    [[noreturn]] void fail(const std::string& what, int line = 0) const {
        throw ParseError(file_, line ? line : line_, what);
    }
    bool eof() const { return pos_ >= s_.size(); }
    char peek() const { return s_[pos_]; }
    void advance() {
        if (s_[pos_] == '\n') ++line_;
        ++pos_;
    }

    // Whitespace and '#' comments (to the end of the line).
    std::string trivia() {
        size_t start = pos_;
        while (!eof()) {
            char c = peek();
            if (is_space(c)) {
                advance();
            } else if (c == '#') {
                while (!eof() && peek() != '\n') advance();
            } else {
                break;
            }
        }
        return std::string(s_.substr(start, pos_ - start));
    }

    // Reads directives until '}' (returns the trivia before it) or, at top level, the end.
    std::string block_body(std::vector<Node>& out, bool top, int depth) {
        if (depth > kMaxDepth) fail("blocks nested too deeply");
        for (;;) {
            std::string space = trivia();
            if (eof()) {
                if (!top) fail("unexpected end of file, expecting \"}\"");
                return space;
            }
            char c = peek();
            if (c == '}') {
                if (top) fail("unexpected \"}\"");
                advance();
                return space;
            }
            if (c == ';' || c == '{') fail(std::string("unexpected \"") + c + "\"");
            out.push_back(directive(std::move(space), depth));
        }
    }

    Node directive(std::string space, int depth) {
        Node node;
        node.line = line_;
        for (;;) {
            Word w;
            w.space = std::move(space);
            word(w);
            node.words.push_back(std::move(w));
            space = trivia();
            if (eof()) fail("unexpected end of file, expecting \";\" or \"}\"");
            char c = peek();
            if (c == ';') {
                advance();
                node.before_end = std::move(space);
                return node;
            }
            if (c == '{') {
                advance();
                node.before_end = std::move(space);
                if (ends_with(node.name(), "_by_lua_block")) {
                    node.kind = Node::Kind::kRawBlock;
                    node.inner = lua_body(node.line);
                } else {
                    node.kind = Node::Kind::kBlock;
                    node.inner = block_body(node.children, false, depth + 1);
                }
                return node;
            }
            if (c == '}') fail("unexpected \"}\"");
        }
    }

    void word(Word& w) {
        size_t start = pos_;
        int start_line = line_;
        char c = peek();
        if (c == '"' || c == '\'') {
            advance();
            for (;;) {
                if (eof()) fail("unterminated quoted string", start_line);
                char d = peek();
                advance();
                if (d == '\\') {
                    if (eof()) fail("unterminated quoted string", start_line);
                    advance();
                } else if (d == c) {
                    break;
                }
            }
            if (!eof()) {
                char n = peek();
                if (!is_space(n) && n != ';' && n != '{' && n != ')')
                    fail(std::string("unexpected \"") + n + "\" after a quoted string");
            }
            w.raw = std::string(s_.substr(start, pos_ - start));
            w.value = unescape(std::string_view(w.raw).substr(1, w.raw.size() - 2));
            return;
        }
        bool variable = false;
        while (!eof()) {
            char d = peek();
            if (d == '\\') {
                advance();
                if (!eof()) advance();
                variable = false;
                continue;
            }
            if (d == '{' && variable) {
                advance();
                variable = false;
                continue;
            }
            if (is_space(d) || d == ';' || d == '{') break;
            variable = d == '$';
            advance();
        }
        w.raw = std::string(s_.substr(start, pos_ - start));
        w.value = unescape(w.raw);
    }

    // Lua source up to the matching '}', skipping strings and comments.
    std::string lua_body(int start_line) {
        size_t start = pos_;
        int depth = 1;
        while (!eof()) {
            char c = peek();
            if (c == '-' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '-') {
                advance();
                advance();
                if (!lua_long_bracket()) {
                    while (!eof() && peek() != '\n') advance();
                }
            } else if (c == '[') {
                if (!lua_long_bracket()) advance();
            } else if (c == '"' || c == '\'') {
                advance();
                while (!eof() && peek() != c) {
                    if (peek() == '\n') fail("unterminated Lua string", start_line);
                    if (peek() == '\\') advance();
                    if (!eof()) advance();
                }
                if (eof()) break;
                advance();
            } else if (c == '{') {
                ++depth;
                advance();
            } else if (c == '}') {
                if (--depth == 0) {
                    std::string body(s_.substr(start, pos_ - start));
                    advance();
                    return body;
                }
                advance();
            } else {
                advance();
            }
        }
        fail("unexpected end of file in a Lua block, expecting \"}\"", start_line);
    }

    // At '[': skips a Lua long bracket "[==[ ... ]==]" when there is one.
    bool lua_long_bracket() {
        if (eof() || peek() != '[') return false;
        size_t p = pos_ + 1;
        size_t level = 0;
        while (p < s_.size() && s_[p] == '=') ++level, ++p;
        if (p >= s_.size() || s_[p] != '[') return false;
        int start_line = line_;
        std::string close = "]" + std::string(level, '=') + "]";
        size_t end = s_.find(close, p + 1);
        if (end == std::string_view::npos) fail("unterminated Lua long string", start_line);
        while (pos_ < end + close.size()) advance();
        return true;
    }

    std::string_view s_;
    const std::string& file_;
    size_t pos_ = 0;
    int line_ = 1;
};

void write_node(std::string& out, const Node& n) {
    for (const auto& w : n.words) {
        out += w.space;
        out += w.raw;
    }
    out += n.before_end;
    switch (n.kind) {
        case Node::Kind::kSimple:
            out += ';';
            break;
        case Node::Kind::kBlock:
            out += '{';
            for (const auto& c : n.children) write_node(out, c);
            out += n.inner;
            out += '}';
            break;
        case Node::Kind::kRawBlock:
            out += '{';
            out += n.inner;
            out += '}';
            break;
    }
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
        s.replace(p, from.size(), to);
}

}  // namespace

ParseError::ParseError(const std::string& file, int line, const std::string& what)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + what),
      file_(file),
      line_(line) {}

std::vector<std::string> Node::args() const {
    std::vector<std::string> out;
    for (size_t i = 1; i < words.size(); ++i) out.push_back(words[i].value);
    return out;
}

Document parse(std::string_view text, const std::string& file) {
    return Parser(text, file).document();
}

std::string serialize(const Document& doc) {
    std::string out;
    for (const auto& n : doc.nodes) write_node(out, n);
    out += doc.trailing;
    return out;
}

std::string serialize(const Node& node) {
    std::string out;
    write_node(out, node);
    return out;
}

std::string quote(std::string_view value) {
    bool plain = !value.empty() && value[0] != '"' && value[0] != '\'' && value[0] != '#';
    for (char c : value) {
        if (is_space(c) || c == ';' || c == '{' || c == '}' || c == '\\' || c == '"' || c == '\'' ||
            static_cast<unsigned char>(c) < 0x20)
            plain = false;
    }
    if (plain) return std::string(value);
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

Node make_directive(const std::vector<std::string>& raw_words, const std::string& indent) {
    Node n;
    for (size_t i = 0; i < raw_words.size(); ++i) {
        Word w;
        w.space = i == 0 ? "\n" + indent : " ";
        w.raw = raw_words[i];
        w.value = unescape(raw_words[i].size() >= 2 && raw_words[i][0] == '"'
                               ? std::string_view(raw_words[i]).substr(1, raw_words[i].size() - 2)
                               : std::string_view(raw_words[i]));
        n.words.push_back(std::move(w));
    }
    return n;
}

Node make_block(const std::vector<std::string>& raw_words, const std::string& indent,
                std::vector<Node> children, const std::string& child_indent) {
    Node n = make_directive(raw_words, indent);
    n.kind = Node::Kind::kBlock;
    n.before_end = " ";
    for (auto& c : children) {
        reindent(c, indent_of(c), child_indent);
        n.children.push_back(std::move(c));
    }
    n.inner = "\n" + indent;
    return n;
}

std::string indent_of(const Node& node) {
    const std::string& sp = node.words[0].space;
    size_t nl = sp.rfind('\n');
    if (nl == std::string::npos) return std::string();
    std::string ind = sp.substr(nl + 1);
    // Only the leading whitespace after the last newline (a comment may not follow it: it
    // would have been consumed up to the newline).
    return ind;
}

std::string child_indent(const Node& block, const std::string& block_indent) {
    for (const auto& c : block.children) {
        if (c.words[0].space.find('\n') != std::string::npos) return indent_of(c);
    }
    bool tabs = block_indent.find('\t') != std::string::npos;
    return block_indent + (tabs ? "\t" : "    ");
}

void reindent(Node& node, const std::string& old_indent, const std::string& new_indent) {
    if (old_indent == new_indent) return;
    auto fix = [&](std::string& trivia) {
        replace_all(trivia, "\n" + old_indent, "\n" + new_indent);
    };
    fix(node.words[0].space);
    if (node.kind == Node::Kind::kBlock) {
        for (auto& c : node.children) reindent(c, old_indent, new_indent);
        fix(node.inner);
    }
}

}  // namespace nginxconf
