#include "apache_parser.h"

#include "files.h"

#include <augeas.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <regex>

namespace apacheconf {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool is_dir(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string strip_quotes(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == '"' || s[b] == '\'')) ++b;
    while (e > b && (s[e - 1] == '"' || s[e - 1] == '\'')) --e;
    return s.substr(b, e - b);
}

// Python's fnmatch.translate(pattern) without its (?s: ... )\Z wrapper, as certbot passes it to
// augeas' regexp().
std::string fnmatch_to_re(const std::string& pat) {
    static const std::string special = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
    std::string out;
    for (size_t i = 0; i < pat.size(); ++i) {
        char c = pat[i];
        if (c == '*') {
            out += ".*";
        } else if (c == '?') {
            out += '.';
        } else if (c == '[') {
            size_t j = i + 1;
            if (j < pat.size() && pat[j] == '!') ++j;
            if (j < pat.size() && pat[j] == ']') ++j;
            while (j < pat.size() && pat[j] != ']') ++j;
            if (j >= pat.size()) {
                out += "\\[";
            } else {
                std::string stuff = pat.substr(i + 1, j - i - 1);
                i = j;
                if (!stuff.empty() && stuff[0] == '!') stuff = "^" + stuff.substr(1);
                out += "[" + stuff + "]";
            }
        } else {
            if (special.find(c) != std::string::npos) out += '\\';
            out += c;
        }
    }
    return out;
}

bool fnmatch_at(const std::string& n, size_t i, const std::string& p, size_t j) {
    while (j < p.size()) {
        char c = p[j];
        if (c == '*') {
            for (size_t k = i; k <= n.size(); ++k)
                if (fnmatch_at(n, k, p, j + 1)) return true;
            return false;
        }
        if (i >= n.size()) return false;
        if (c == '?') {
            ++i;
            ++j;
            continue;
        }
        if (c == '[') {
            size_t k = j + 1;
            bool neg = k < p.size() && p[k] == '!';
            if (neg) ++k;
            size_t start = k;
            if (k < p.size() && p[k] == ']') ++k;
            while (k < p.size() && p[k] != ']') ++k;
            if (k < p.size()) {
                bool hit = false;
                for (size_t m = start; m < k; ++m) {
                    if (m + 2 < k && p[m + 1] == '-') {
                        if (n[i] >= p[m] && n[i] <= p[m + 2]) hit = true;
                        m += 2;
                    } else if (n[i] == p[m]) {
                        hit = true;
                    }
                }
                if (hit == neg) return false;
                ++i;
                j = k + 1;
                continue;
            }
        }
        if (n[i] != c) return false;
        ++i;
        ++j;
    }
    return i == n.size();
}

}  // namespace

void Parser::set_args(const std::string& directive_path, const std::vector<std::string>& args) {
    if (args.size() == 1) {
        aug_.set(directive_path + "/arg", args[0]);
        return;
    }
    for (size_t i = 0; i < args.size(); ++i)
        aug_.set(directive_path + "/arg[" + std::to_string(i + 1) + "]", args[i]);
}

bool fnmatch(const std::string& name, const std::string& pattern) {
    return fnmatch_at(name, 0, pattern, 0);
}

std::string case_i(const std::string& s) {
    // re.escape, then each letter as [Xx].
    static const std::string special = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
    std::string out;
    for (char c : s) {
        if (std::isalpha(static_cast<unsigned char>(c))) {
            out += '[';
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            out += ']';
        } else {
            if (special.find(c) != std::string::npos) out += '\\';
            out += c;
        }
    }
    return out;
}

std::string escape_path(const std::string& fp) {
    std::string out;
    for (char c : fp) {
        if (std::string(",[]|=()!").find(c) != std::string::npos) out += '\\';
        out += c;
    }
    return out;
}

// --- Augeas ---

Augeas::Augeas() {
    aug_ = ::aug_init("/", nullptr, AUG_NO_MODL_AUTOLOAD | AUG_ENABLE_SPAN | AUG_NO_LOAD);
    if (!aug_)
        throw ConfigError("Cannot initialise libaugeas; install libaugeas0 and augeas-lenses.");
}

Augeas::~Augeas() {
    ::aug_close(aug_);
}

void Augeas::fail(const std::string& what, const std::string& path) const {
    std::string msg = "augeas " + what + " " + path + " failed";
    const char* m = ::aug_error_message(aug_);
    const char* d = ::aug_error_details(aug_);
    if (m) msg += std::string(": ") + m;
    if (d) msg += std::string(" (") + d + ")";
    throw ConfigError(msg);
}

std::vector<std::string> Augeas::match(const std::string& path) const {
    char** m = nullptr;
    int n = ::aug_match(aug_, path.c_str(), &m);
    if (n < 0) fail("match", path);
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        out.emplace_back(m[i]);
        std::free(m[i]);
    }
    std::free(m);
    return out;
}

std::string Augeas::get(const std::string& path) const {
    const char* v = nullptr;
    int r = ::aug_get(aug_, path.c_str(), &v);
    if (r < 0) fail("get", path);
    return (r == 1 && v) ? std::string(v) : std::string();
}

bool Augeas::exists(const std::string& path) const {
    return !match(path).empty();
}

void Augeas::set(const std::string& path, const std::string& value) {
    if (::aug_set(aug_, path.c_str(), value.c_str()) != 0) fail("set", path);
}

void Augeas::insert(const std::string& path, const std::string& label, bool before) {
    if (::aug_insert(aug_, path.c_str(), label.c_str(), before ? 1 : 0) != 0) fail("insert", path);
}

void Augeas::remove(const std::string& path) {
    if (::aug_rm(aug_, path.c_str()) < 0) fail("remove", path);
}

void Augeas::load() {
    if (::aug_load(aug_) != 0) fail("load", "");
}

void Augeas::save() {
    if (::aug_save(aug_) != 0) fail("save", "");
}

Augeas::Span Augeas::span(const std::string& path) const {
    char* file = nullptr;
    unsigned ls, le, vs, ve, ss, se;
    if (::aug_span(aug_, path.c_str(), &file, &ls, &le, &vs, &ve, &ss, &se) != 0)
        fail("span", path);
    Span s;
    s.file = file ? file : "";
    std::free(file);
    s.start = ss;
    s.end = se;
    return s;
}

// --- Parser ---

Parser::Parser(const std::string& root, const std::string& vhost_root, CtlRunner ctl)
    : root_(fs::absolute(root).lexically_normal().string()), ctl_(std::move(ctl)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    loc_["root"] = find_config_root();
    parse_file(loc_["root"]);
    update_runtime_variables();
    standardize_excl();
    parse_modules();
    std::string listen = root_ + "/ports.conf";
    if (!is_file(listen)) listen = loc_["root"];
    loc_["default"] = loc_["root"];
    loc_["listen"] = listen;
    loc_["name"] = listen;
    existing_paths_ = parser_paths_;
    if (!vhost_root.empty())
        parse_file(fs::absolute(vhost_root).lexically_normal().string() + "/*");
}

std::string Parser::find_config_root() const {
    for (const char* name : {"apache2.conf", "httpd.conf", "conf/httpd.conf"}) {
        std::string p = root_ + "/" + name;
        if (is_file(p)) return p;
    }
    throw ConfigError(
        "Could not find Apache's configuration root (apache2.conf or httpd.conf) in " + root_ +
        "; give the directory that holds it with --apache-server-root.");
}

void Parser::check_parsing_errors() const {
    for (const auto& path : aug_.match("/augeas//error")) {
        std::string lens = aug_.get(path + "/lens");
        if (lens.find("httpd.aug") == std::string::npos) continue;
        // /augeas/files<file>/error
        std::string file = path.substr(13, path.size() - 13 - 6);
        throw ConfigError("There has been an error in parsing the file " + file + " on line " +
                          aug_.get(path + "/line") + ": " + aug_.get(path + "/message") +
                          ". Fix it (apache2ctl configtest) and run certbot again.");
    }
}

std::set<std::string> Parser::unsaved_files() {
    std::string mode = aug_.get("/augeas/save");
    aug_.set("/augeas/save", "noop");
    try {
        aug_.save();
    } catch (const ConfigError&) {
        aug_.set("/augeas/save", mode);
        std::string which;
        for (const auto& e : aug_.match("/augeas//error"))
            which += " " + e.substr(13, e.size() - 19) + ": " + aug_.get(e + "/message") + ";";
        throw ConfigError("Error saving the Apache configuration:" + which);
    }
    aug_.set("/augeas/save", mode.empty() ? "overwrite" : mode);
    std::set<std::string> out;
    for (const auto& p : aug_.match("/augeas/events/saved")) out.insert(aug_.get(p).substr(6));
    return out;
}

void Parser::save(const std::function<void(const std::string&, const std::string&)>& writer) {
    auto files = unsaved_files();
    if (files.empty()) return;
    aug_.set("/augeas/save", "newfile");
    try {
        aug_.save();
    } catch (...) {
        aug_.set("/augeas/save", "overwrite");
        throw;
    }
    aug_.set("/augeas/save", "overwrite");
    for (const auto& f : files) {
        // augeas writes the new text beside the file it resolved (a link's target).
        std::string target = f;
        std::error_code ec;
        auto real = fs::canonical(f, ec);
        if (!ec) target = real.string();
        std::string augnew = target + ".augnew";
        if (!plugin_support::file_exists(augnew)) augnew = f + ".augnew";
        std::string text = plugin_support::read_file(augnew);
        ::unlink(augnew.c_str());
        writer(f, text);
        aug_.remove("/files" + f);
    }
    aug_.load();
}

std::vector<std::string> Parser::ctl_lines(const std::string& define) {
    CtlResult r = ctl_({"-t", "-D", define});
    if (r.status != 0)
        throw ConfigError(
            "Apache is unable to check whether or not the module is loaded because "
            "Apache is misconfigured (apache2ctl -t -D " +
            define + ": " + r.output + ").");
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= r.output.size()) {
        size_t nl = r.output.find('\n', pos);
        if (nl == std::string::npos) nl = r.output.size();
        out.push_back(r.output.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

void Parser::update_defines() {
    variables_.clear();
    static const std::regex re("Define: ([^ \\n]*)");
    std::vector<std::string> found;
    for (const auto& line : ctl_lines("DUMP_RUN_CFG"))
        for (std::sregex_iterator it(line.begin(), line.end(), re), end; it != end; ++it)
            found.push_back((*it)[1]);
    auto d = std::find(found.begin(), found.end(), "DUMP_RUN_CFG");
    if (d == found.end()) return;
    found.erase(d);
    for (const auto& m : found) {
        size_t eq = m.find('=');
        variables_[m.substr(0, eq)] = eq == std::string::npos ? "" : m.substr(eq + 1);
    }
}

void Parser::update_includes() {
    find_dir("Include");
    static const std::regex re("\\(.*\\) (.*)");
    std::smatch m;
    for (const auto& line : ctl_lines("DUMP_INCLUDES"))
        if (std::regex_search(line, m, re) && !parsed_in_current(m[1])) parse_file(m[1]);
}

void Parser::update_modules() {
    static const std::regex re("(.*)_module");
    std::smatch m;
    for (const auto& line : ctl_lines("DUMP_MODULES")) {
        if (!std::regex_search(line, m, re)) continue;
        std::string name = m[1];
        size_t b = name.find_first_not_of(" \t");
        add_mod(b == std::string::npos ? name : name.substr(b));
    }
}

void Parser::update_runtime_variables() {
    update_defines();
    update_includes();
    update_modules();
}

void Parser::add_mod(const std::string& name) {
    modules_.emplace(name + "_module", "");
    modules_.emplace("mod_" + name + ".c", "");
}

void Parser::reset_modules() {
    modules_.clear();
    update_modules();
    parse_modules();
}

void Parser::parse_modules() {
    auto matches = find_dir("LoadModule");
    for (size_t i = 0; i + 1 < matches.size(); i += 2) {
        std::string name = get_arg(matches[i]);
        std::string file = get_arg(matches[i + 1]);
        if (name.empty() || file.empty()) continue;
        modules_[name] = file;
        std::string base = plugin_support::base_of(file);
        if (base.size() >= 2) modules_[base.substr(0, base.size() - 2) + "c"] = file;
    }
}

std::vector<std::string> Parser::find_dir(const std::string& directive, const std::string* arg,
                                          const std::string& start_in, bool exclude) {
    std::string start = start_in.empty() ? aug_path(loc_.at("root")) : start_in;
    std::string regex = "(" + case_i(directive) + ")|(" + case_i("Include") + ")|(" +
                        case_i("IncludeOptional") + ")";
    auto matches = aug_.match(start + "//*[self::directive=~regexp('" + regex + "')]");
    if (exclude) matches = exclude_dirs(matches);
    std::string suffix = arg ? "/*[self::arg=~regexp('" + case_i(*arg) + "')]" : "/arg";
    std::vector<std::string> out;
    const std::string want = lower(directive);
    for (const auto& m : matches) {
        std::string d = lower(aug_.get(m));
        if (d == "include" || d == "includeoptional") {
            std::string inc = get_arg(m + "/arg");
            if (!inc.empty()) {
                auto sub = find_dir(directive, arg, get_include_path(inc), exclude);
                out.insert(out.end(), sub.begin(), sub.end());
            }
        }
        if (d == want) {
            auto sub = aug_.match(m + suffix);
            out.insert(out.end(), sub.begin(), sub.end());
        }
    }
    return out;
}

std::string Parser::get_arg(const std::string& path) const {
    std::string value = aug_.get(path);
    if (value.empty()) return value;
    value = strip_quotes(value);
    static const std::regex var("\\$\\{[^ \\}]*\\}");
    std::string out;
    std::sregex_iterator it(value.begin(), value.end(), var), end;
    size_t last = 0;
    for (; it != end; ++it) {
        std::string name = it->str().substr(2, it->str().size() - 3);
        auto found = variables_.find(name);
        if (found == variables_.end())
            throw ConfigError("Error Parsing variable: " + it->str() +
                              " (not Defined in the Apache configuration)");
        out += value.substr(last, static_cast<size_t>(it->position()) - last) + found->second;
        last = static_cast<size_t>(it->position() + it->length());
    }
    return out + value.substr(last);
}

std::vector<std::string> Parser::exclude_dirs(const std::vector<std::string>& matches) const {
    std::vector<std::string> out;
    auto mod = [this](const std::string& e) { return modules_.count(e) != 0; };
    auto def = [this](const std::string& e) { return variables_.count(e) != 0; };
    for (const auto& m : matches)
        if (pass_filter(m, "ifmodule", mod) && pass_filter(m, "ifdefine", def)) out.push_back(m);
    return out;
}

bool Parser::pass_filter(const std::string& match, const std::string& kind,
                         const std::function<bool(const std::string&)>& known) const {
    std::string ml = lower(match);
    size_t idx = ml.find(kind);
    while (idx != std::string::npos) {
        size_t end = ml.find('/', idx);
        std::string expr = aug_.get(match.substr(0, end) + "/arg");
        if (!expr.empty() && expr[0] == '!') {
            if (known(expr.substr(1))) return false;
        } else if (!known(expr)) {
            return false;
        }
        if (end == std::string::npos) break;
        idx = ml.find(kind, end);
    }
    return true;
}

std::string Parser::standard_path_from_server_root(const std::string& arg_in) const {
    std::string arg = strip_quotes(arg_in);
    fs::path p = (!arg.empty() && arg[0] == '/') ? fs::path(arg) : fs::path(root_) / arg;
    std::string out = p.lexically_normal().string();
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

std::string Parser::get_include_path(const std::string& arg_in) {
    std::string arg = standard_path_from_server_root(arg_in);
    if (is_dir(arg))
        parse_file(arg + "/*");
    else
        parse_file(arg);
    std::string out;
    size_t pos = 0;
    bool first = true;
    while (pos <= arg.size()) {
        size_t slash = arg.find('/', pos);
        if (slash == std::string::npos) slash = arg.size();
        std::string part = arg.substr(pos, slash - pos);
        if (part.find_first_of("*?\\[]") != std::string::npos)
            part = "* [label()=~regexp('" + fnmatch_to_re(part) + "')]";
        if (!first) out += "/";
        out += part;
        first = false;
        pos = slash + 1;
    }
    return aug_path(out);
}

void Parser::parse_file(const std::string& filepath) {
    bool use_new = true, remove_old = false;
    auto it = parser_paths_.find(plugin_support::dir_of(filepath));
    if (it != parser_paths_.end()) {
        use_new = std::find(it->second.begin(), it->second.end(), "*") == it->second.end();
        remove_old = plugin_support::base_of(filepath) == "*";
    }
    if (autosave && !unsaved_files().empty()) autosave();
    if (!use_new) return;
    if (!aug_.match("/augeas/load/Httpd['" + filepath + "' =~ glob(incl)]").empty()) return;
    if (remove_old) remove_httpd_transform(filepath);
    add_httpd_transform(filepath);
    aug_.load();
}

void Parser::add_httpd_transform(const std::string& incl) {
    auto last = aug_.match("/augeas/load/Httpd/incl [last()]");
    if (!last.empty()) {
        aug_.insert(last[0], "incl", false);
        aug_.set("/augeas/load/Httpd/incl[last()]", incl);
    } else {
        aug_.set("/augeas/load/Httpd/lens", "Httpd.lns");
        aug_.set("/augeas/load/Httpd/incl", incl);
    }
    std::string dir = plugin_support::dir_of(incl);
    if (!parser_paths_.count(dir)) dir_order_.push_back(dir);
    parser_paths_[dir].push_back(plugin_support::base_of(incl));
}

void Parser::remove_httpd_transform(const std::string& filepath) {
    std::string dir = plugin_support::dir_of(filepath);
    for (const auto& name : parser_paths_[dir]) {
        auto inc = aug_.match("/augeas/load/Httpd/incl [. ='" + dir + "/" + name + "']");
        if (!inc.empty()) aug_.remove(inc[0]);
    }
    parser_paths_.erase(dir);
    dir_order_.erase(std::remove(dir_order_.begin(), dir_order_.end(), dir), dir_order_.end());
}

void Parser::standardize_excl() {
    std::vector<std::string> excl = {"*.augnew",
                                     "*.augsave",
                                     "*.dpkg-dist",
                                     "*.dpkg-bak",
                                     "*.dpkg-new",
                                     "*.dpkg-old",
                                     "*.rpmsave",
                                     "*.rpmnew",
                                     "*~",
                                     root_ + "/*.augsave",
                                     root_ + "/*~",
                                     root_ + "/*/*augsave",
                                     root_ + "/*/*~",
                                     root_ + "/*/*/*.augsave",
                                     root_ + "/*/*/*~"};
    for (size_t i = 0; i < excl.size(); ++i)
        aug_.set("/augeas/load/Httpd/excl[" + std::to_string(i + 1) + "]", excl[i]);
    aug_.load();
}

static bool parsed_by(const std::string& file,
                      const std::map<std::string, std::vector<std::string>>& paths) {
    for (const auto& [dir, names] : paths)
        for (const auto& n : names)
            if (fnmatch(file, dir + "/" + n)) return true;
    return false;
}

bool Parser::parsed_in_current(const std::string& file) const {
    return !file.empty() && parsed_by(file, parser_paths_);
}

bool Parser::parsed_in_original(const std::string& file) const {
    return !file.empty() && parsed_by(file, existing_paths_);
}

void Parser::add_include(const std::string& main_config, const std::string& inc_path) {
    if (!find_dir(case_i("Include"), inc_path).empty()) return;
    add_dir(aug_path(main_config), "Include", {inc_path});
    existing_paths_[plugin_support::dir_of(inc_path)].push_back(plugin_support::base_of(inc_path));
}

void Parser::add_dir(const std::string& path, const std::string& directive,
                     const std::vector<std::string>& args) {
    aug_.set(path + "/directive[last() + 1]", directive);
    set_args(path + "/directive[last()]", args);
}

void Parser::add_dir_beginning(const std::string& path, const std::string& directive,
                               const std::vector<std::string>& args) {
    std::string first = path + "/directive[1]";
    if (!aug_.get(first).empty())
        aug_.insert(first, "directive", true);
    else
        aug_.set(first, "directive");
    aug_.set(first, directive);
    set_args(first, args);
}

void Parser::add_dir_to_ifmodssl(const std::string& path, const std::string& directive,
                                 const std::vector<std::string>& args) {
    std::string ifmod;
    auto found = aug_.match(path + "/IfModule/*[self::arg='mod_ssl.c']");
    if (found.empty()) {
        aug_.set(path + "/IfModule[last() + 1]", "");
        aug_.set(path + "/IfModule[last()]/arg", "mod_ssl.c");
        ifmod = path + "/IfModule[last()]/";
    } else {
        ifmod = found[0].substr(0, found[0].rfind("arg"));
    }
    aug_.insert(ifmod + "arg", "directive", false);
    std::string d = ifmod + "directive[1]";
    aug_.set(d, directive);
    set_args(d, args);
}

void Parser::add_comment(const std::string& path, const std::string& comment) {
    aug_.set(path + "/#comment[last() + 1]", comment);
}

std::vector<std::string> Parser::find_comments(const std::string& text, const std::string& start) {
    std::vector<std::string> out;
    for (const auto& c : aug_.match(start + "//*[label() = '#comment']"))
        if (aug_.get(c).find(text) != std::string::npos) out.push_back(c);
    return out;
}

}  // namespace apacheconf
