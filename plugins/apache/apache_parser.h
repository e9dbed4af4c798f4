// Apache's configuration through libaugeas and its Httpd lens, as certbot-apache's parser.py reads
// and edits it, so both clients see the same directives and write the same bytes:
//
//  - parsing starts at <server root>/apache2.conf and follows Include/IncludeOptional (globs,
//    directories) as find_dir meets them, plus everything apache2ctl -t -D DUMP_INCLUDES names;
//  - Define/${VAR} come from apache2ctl -t -D DUMP_RUN_CFG, loaded modules from DUMP_MODULES and
//    LoadModule; <IfModule>/<IfDefine> sections that are off are skipped by find_dir;
//  - edits are augeas tree operations; save() asks augeas for the new text of every changed file
//    ("newfile" mode) and hands it to a writer (the plugin checkpoints, then writes atomically).
//
// No dependency on the plugin ABI.
#ifndef CERTBOT_PLUGINS_APACHE_APACHE_PARSER_H
#define CERTBOT_PLUGINS_APACHE_APACHE_PARSER_H

#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

struct augeas;

namespace apacheconf {

// A configuration augeas cannot parse, or an Apache setup we cannot work with.
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// RAII libaugeas handle with certbot's flags (no default lenses, spans on). Every call throws
// ConfigError naming the path on failure.
class Augeas {
  public:
    Augeas();
    ~Augeas();
    Augeas(const Augeas&) = delete;
    Augeas& operator=(const Augeas&) = delete;

    std::vector<std::string> match(const std::string& path) const;
    // The value at PATH: "" when none or no value; throws when PATH matches several nodes.
    std::string get(const std::string& path) const;
    bool exists(const std::string& path) const;
    void set(const std::string& path, const std::string& value);
    void insert(const std::string& path, const std::string& label, bool before);
    void remove(const std::string& path);
    void load();
    void save();
    struct Span {
        std::string file;
        unsigned start = 0, end = 0;
    };
    Span span(const std::string& path) const;

  private:
    [[noreturn]] void fail(const std::string& what, const std::string& path) const;
    augeas* aug_;
};

// Runs apache2ctl with arguments; returns its exit status and output (a test may replace it).
struct CtlResult {
    int status = -1;
    std::string output;
};
using CtlRunner = std::function<CtlResult(const std::vector<std::string>& args)>;

// certbot's case_i: a case-insensitive augeas regexp for a literal string.
std::string case_i(const std::string& s);
// The augeas path of a file.
inline std::string aug_path(const std::string& file) {
    return "/files" + file;
}
// certbot's _escape for file paths inside augeas path expressions.
std::string escape_path(const std::string& file);

class Parser {
  public:
    // ROOT: the server root (holding apache2.conf). VHOST_ROOT: also parsed ("" for none).
    // CTL runs apache2ctl for defines, includes and modules. WRITE(path, text) writes a changed
    // file; CHANGED(files) is called before, with the files about to change (to checkpoint them).
    Parser(const std::string& root, const std::string& vhost_root, CtlRunner ctl);

    Augeas& aug() { return aug_; }
    const std::string& root() const { return root_; }
    std::string loc(const std::string& key) const { return loc_.at(key); }

    // Throws ConfigError "file:line: message" for the first file the Httpd lens rejected.
    void check_parsing_errors() const;

    // Files changed in the tree and not yet written.
    std::set<std::string> unsaved_files();
    // Writes every changed file through WRITER(path, new text) and reloads the tree.
    void save(const std::function<void(const std::string&, const std::string&)>& writer);
    // Called by parse_file when the tree has unsaved changes that a reload would lose.
    std::function<void()> autosave;

    void parse_file(const std::string& filepath);
    bool parsed_in_current(const std::string& file) const;
    bool parsed_in_original(const std::string& file) const;
    void add_include(const std::string& main_config, const std::string& inc_path);

    // Directive argument paths ("/files/.../directive[3]/arg"), in configuration order,
    // following includes from START (default: apache2.conf); EXCLUDE drops those inside an
    // <IfModule>/<IfDefine> that is off.
    std::vector<std::string> find_dir(const std::string& directive,
                                      const std::string* arg = nullptr,
                                      const std::string& start = "", bool exclude = true);
    std::vector<std::string> find_dir(const std::string& directive, const std::string& arg,
                                      const std::string& start = "", bool exclude = true) {
        return find_dir(directive, &arg, start, exclude);
    }
    // The argument at PATH, quotes stripped and ${VAR} replaced; "" when none. Throws on an
    // undefined variable.
    std::string get_arg(const std::string& path) const;

    void add_dir(const std::string& aug_conf_path, const std::string& directive,
                 const std::vector<std::string>& args);
    void add_dir_beginning(const std::string& aug_conf_path, const std::string& directive,
                           const std::vector<std::string>& args);
    void add_dir_to_ifmodssl(const std::string& aug_conf_path, const std::string& directive,
                             const std::vector<std::string>& args);
    void add_comment(const std::string& aug_conf_path, const std::string& comment);
    std::vector<std::string> find_comments(const std::string& text, const std::string& start);

    const std::map<std::string, std::string>& modules() const { return modules_; }
    bool has_module(const std::string& name) const { return modules_.count(name) != 0; }
    void add_mod(const std::string& name);
    void reset_modules();
    void update_runtime_variables();
    const std::map<std::string, std::string>& variables() const { return variables_; }
    // Directories and file globs added to the augeas load transform.
    const std::map<std::string, std::vector<std::string>>& parser_paths() const {
        return parser_paths_;
    }
    // The directories of parser_paths in the order they were first added (certbot iterates its
    // dict in that order to list virtual hosts).
    std::vector<std::string> parser_dirs() const { return dir_order_; }

  private:
    std::string find_config_root() const;
    std::string standard_path_from_server_root(const std::string& arg) const;
    std::string get_include_path(const std::string& arg);
    std::vector<std::string> exclude_dirs(const std::vector<std::string>& matches) const;
    bool pass_filter(const std::string& match, const std::string& kind,
                     const std::function<bool(const std::string&)>& known) const;
    void add_httpd_transform(const std::string& incl);
    void remove_httpd_transform(const std::string& filepath);
    void standardize_excl();
    void parse_modules();
    void update_defines();
    void update_includes();
    void update_modules();
    std::vector<std::string> ctl_lines(const std::string& define);
    // ARGS as the arguments of the directive at DIRECTIVE_PATH ("arg", or "arg[1]".."arg[n]").
    void set_args(const std::string& directive_path, const std::vector<std::string>& args);

    Augeas aug_;
    std::string root_;
    CtlRunner ctl_;
    std::map<std::string, std::string> loc_;
    std::map<std::string, std::string> modules_;
    std::map<std::string, std::string> variables_;
    std::map<std::string, std::vector<std::string>> parser_paths_;
    std::map<std::string, std::vector<std::string>> existing_paths_;
    std::vector<std::string> dir_order_;
};

// Python fnmatch semantics (*, ?, [seq], [!seq]; '/' is an ordinary character).
bool fnmatch(const std::string& name, const std::string& pattern);

}  // namespace apacheconf

#endif  // CERTBOT_PLUGINS_APACHE_APACHE_PARSER_H
