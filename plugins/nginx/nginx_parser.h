// A lossless parser for nginx's configuration language.
//
// The tree keeps every byte of the input: whitespace and comments travel as "trivia" in front of
// the word they precede, so serialize(parse(text)) == text for every text parse accepts, and a
// file edited in one place writes back byte-identical everywhere else. The tokenizer follows
// ngx_conf_read_token (src/core/ngx_conf_file.c): words end at whitespace, ';' and '{' (except in
// "${var}"), '#' starts a comment only where a word could start, quoted words unescape
// backslash-quote, -backslash, -t, -r and -n, and a quoted word must be followed by whitespace,
// ';', '{' or ')'. Blocks of directives ending in "_by_lua_block" hold Lua, not nginx syntax, and
// are kept as raw text (brace counting that skips Lua strings and comments), as lua-nginx-module
// reads them.
//
// No dependency on the plugin ABI, so it can be unit tested and fuzzed on its own.
#ifndef CERTBOT_PLUGINS_NGINX_NGINX_PARSER_H
#define CERTBOT_PLUGINS_NGINX_NGINX_PARSER_H

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nginxconf {

struct Word {
    std::string space;  // trivia (whitespace, comments) in front of the word
    std::string raw;    // as written: quotes and backslashes included
    std::string value;  // what nginx sees: quotes removed, escapes applied
};

struct Node {
    enum class Kind { kSimple, kBlock, kRawBlock };
    Kind kind = Kind::kSimple;
    std::vector<Word> words;     // never empty; words[0].space is the node's leading trivia
    std::string before_end;      // trivia between the last word and ';' or '{'
    std::vector<Node> children;  // kBlock
    std::string inner;  // kBlock: trivia before '}'; kRawBlock: every byte between '{' and '}'
    int line = 0;       // 1-based line of the first word

    const std::string& name() const { return words[0].value; }
    bool is(std::string_view n) const { return words[0].value == n; }
    size_t argc() const { return words.size() - 1; }
    const std::string& arg(size_t i) const { return words.at(i + 1).value; }
    std::vector<std::string> args() const;
    bool is_block() const { return kind == Kind::kBlock; }
};

struct Document {
    std::vector<Node> nodes;
    std::string trailing;  // trivia after the last directive
};

class ParseError : public std::runtime_error {
  public:
    ParseError(const std::string& file, int line, const std::string& what);
    const std::string& file() const { return file_; }
    int line() const { return line_; }

  private:
    std::string file_;
    int line_;
};

// Throws ParseError naming FILE and the line.
Document parse(std::string_view text, const std::string& file);
std::string serialize(const Document& doc);
std::string serialize(const Node& node);

// The word text for VALUE: as is when nginx reads it back unchanged, else double-quoted with
// '"' and '\' escaped. '$' is left alone (nginx expands variables inside quotes too), so callers
// pass only values that may contain variables on purpose.
std::string quote(std::string_view value);

// Builds a directive "w0 w1 ...;" (or a block when BLOCK) from already-quoted word texts,
// preceded by a newline and INDENT.
Node make_directive(const std::vector<std::string>& raw_words, const std::string& indent);
Node make_block(const std::vector<std::string>& raw_words, const std::string& indent,
                std::vector<Node> children, const std::string& child_indent);

// Indentation (the text after the last newline of the leading trivia) of NODE.
std::string indent_of(const Node& node);
// Indentation for a new child of BLOCK whose own indentation is BLOCK_INDENT.
std::string child_indent(const Node& block, const std::string& block_indent);
// Re-indents NODE (and its children) from OLD to NEW indentation prefix.
void reindent(Node& node, const std::string& old_indent, const std::string& new_indent);

}  // namespace nginxconf

#endif  // CERTBOT_PLUGINS_NGINX_NGINX_PARSER_H
