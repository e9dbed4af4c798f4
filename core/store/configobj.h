// Reader/writer for the ConfigObj dialect of certbot's renewal confs (Python configobj 5.0,
// as certbot uses it: encoding utf-8, list_values on, no interpolation is applied to our reads).
//
// Parsing follows configobj's regular expressions exactly (same keys, values, lists, quoting,
// comments and errors, including its odd corners), but in linear time and without recursion, so
// arbitrary input can neither crash nor stall it. Writing follows ConfigObj.write(): scalars
// before subsections, `key = value`, values quoted only where configobj would quote them, one
// element lists with a trailing comma, comments kept where they were. For files certbot writes,
// parse + serialize reproduces the input byte for byte.
//
// Deliberate difference from configobj: an inline comment keeps the whitespace that preceded it
// in the file (configobj rewrites "v  # c" as "v# c" when the file has no indentation).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace certbot {

class Section {
  public:
    explicit Section(int depth = 0, std::string name = "")
        : depth_(depth), name_(std::move(name)) {}
    Section(const Section& other);
    Section& operator=(const Section& other);
    Section(Section&&) noexcept = default;
    Section& operator=(Section&&) noexcept = default;

    const std::string& name() const { return name_; }
    int depth() const { return depth_; }  // root 0, [a] 1, [[b]] 2

    // Scalar value of `key` (unquoted). Empty optional if absent, a list, or a subsection.
    std::optional<std::string> get(const std::string& key) const;
    // List value of `key`; a scalar value is returned as a one-element list.
    std::optional<std::vector<std::string>> get_list(const std::string& key) const;
    bool is_list(const std::string& key) const;
    bool has(const std::string& key) const;  // scalar, list or subsection

    // Sets a scalar or list value. An existing key keeps its place and comments; a new key is
    // appended after the other values (configobj writes values before subsections). A
    // subsection of that name is replaced.
    void set(const std::string& key, const std::string& value);
    void set_list(const std::string& key, const std::vector<std::string>& values);
    bool remove(const std::string& key);  // value or subsection; false if absent
    void clear();                         // all values and subsections

    bool has_section(const std::string& name) const;
    Section& section(const std::string& name);  // created (appended) if absent
    const Section* find_section(const std::string& name) const;

    std::vector<std::string> keys() const;      // value keys, in order
    std::vector<std::string> sections() const;  // subsection names, in order

    // Full-line comments written before an entry (value or subsection), each line as in the
    // file ("" for a blank line, "# text"); lines without '#' get "# " prepended on write.
    std::vector<std::string> comments(const std::string& key) const;
    void set_comments(const std::string& key, std::vector<std::string> lines);
    std::string inline_comment(const std::string& key) const;

  private:
    friend class ConfigObj;
    friend class ConfigParser;
    struct Entry {
        std::string key;
        bool is_list = false;
        std::string value;
        std::vector<std::string> items;
        std::vector<std::string> comments;
        std::string inline_comment;
    };
    struct Child {
        std::unique_ptr<Section> section;
        std::vector<std::string> comments;
        std::string inline_comment;
    };
    Entry* find_entry(const std::string& key);
    const Entry* find_entry(const std::string& key) const;
    Child* find_child(const std::string& name);
    const Child* find_child(const std::string& name) const;
    Entry& entry_for_set(const std::string& key);

    int depth_ = 0;
    std::string name_;
    std::vector<Entry> scalars_;
    std::vector<Child> children_;
};

class ConfigObj {
  public:
    ConfigObj() = default;

    // Parses `text` (the file's bytes). Errors name `filename_for_errors` and the line.
    static Result<ConfigObj> parse(std::string_view text, const std::string& filename_for_errors);
    // The same, every line through the matchers of configobj's regular expressions: parse()
    // takes a one-pass shortcut for plain lines (ASCII key = value, [section], comments), and
    // the tests check it against this.
    static Result<ConfigObj> parse_reference(std::string_view text,
                                             const std::string& filename_for_errors);

    // The file's bytes as configobj would write them. Fails only for values configobj cannot
    // quote (e.g. a key containing a newline, a list item containing both quote characters).
    Result<std::string> serialize() const;

    Section& root() { return root_; }
    const Section& root() const { return root_; }

    // Comment lines before the first entry / after the last one.
    std::vector<std::string>& initial_comment() { return initial_comment_; }
    const std::vector<std::string>& initial_comment() const { return initial_comment_; }
    std::vector<std::string>& final_comment() { return final_comment_; }
    const std::vector<std::string>& final_comment() const { return final_comment_; }

    // Line ending written: the first one found in the parsed file, else "\n".
    const std::string& newline() const { return newline_; }

  private:
    friend class ConfigParser;
    Section root_;
    std::vector<std::string> initial_comment_;
    std::vector<std::string> final_comment_;
    std::string indent_type_;  // first indentation found in the file; "" if none (certbot's case)
    std::string newline_ = "\n";
    bool bom_ = false;
};

}  // namespace certbot
