#include "cli_ini.h"

#include <sys/auxv.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdlib>
#include <map>

#include "fsutil.h"

namespace certbot {

namespace {

constexpr size_t kMaxFileBytes = 1u << 20;
constexpr size_t kMaxLineBytes = 8192;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view strip(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// ConfigArgParse's value grammar, `(['"]?)(.+?)?\1` followed by an optional trailing comment
// `\s+[;#].*`, resolved the way its regex engine resolves it: the shortest value after which the
// rest of the line is empty or a comment; a quoted value if a closing quote allows that.
class ValueMatcher {
  public:
    explicit ValueMatcher(std::string_view s) : s_(s), next_non_space_(s.size() + 1, s.size()) {
        for (size_t i = s.size(); i-- > 0;)
            next_non_space_[i] = is_space(s[i]) ? next_non_space_[i + 1] : i;
    }

    // nullopt: no value at all (an empty quoted string matches as "no value" there).
    std::optional<std::string> match() const {
        if (s_[0] == '"' || s_[0] == '\'') {
            const char q = s_[0];
            for (size_t end = 2; end < s_.size(); ++end)  // s_[end] is the closing quote
                if (s_[end] == q && tail_ok(end + 1)) return std::string(s_.substr(1, end - 1));
            if (s_.size() >= 2 && s_[1] == q && tail_ok(2)) return std::nullopt;
        }
        for (size_t len = 1; len < s_.size(); ++len)
            if (tail_ok(len)) return std::string(s_.substr(0, len));
        return std::string(s_);
    }

  private:
    // Is s_[from:] empty or whitespace followed by a ';' or '#' comment?
    bool tail_ok(size_t from) const {
        if (from >= s_.size()) return true;
        if (!is_space(s_[from])) return false;
        const size_t c = next_non_space_[from];
        return c < s_.size() && (s_[c] == ';' || s_[c] == '#');
    }

    std::string_view s_;
    std::vector<size_t> next_non_space_;
};

// One JSON scalar at s[i]: a string (unescaped; \uXXXX as UTF-8), a number (its text) or
// true/false/null (as Python's str() prints them). Advances i; false if it is not one.
bool json_scalar(std::string_view s, size_t& i, std::string& out) {
    out.clear();
    if (i < s.size() && s[i] == '"') {
        for (++i; i < s.size() && s[i] != '"'; ++i) {
            if (static_cast<unsigned char>(s[i]) < 0x20) return false;
            if (s[i] != '\\') {
                out += s[i];
                continue;
            }
            if (++i >= s.size()) return false;
            const char* simple = "\"\"\\\\//b\bf\fn\nr\rt\t";
            bool done = false;
            for (const char* p = simple; *p; p += 2)
                if (s[i] == p[0]) out += p[1], done = true;
            if (done) continue;
            if (s[i] != 'u' || i + 4 >= s.size()) return false;
            unsigned cp = 0;
            for (int k = 1; k <= 4; ++k) {
                char c = s[i + k];
                int d = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
                if (d < 0) return false;
                cp = cp * 16 + static_cast<unsigned>(d);
            }
            i += 4;
            if (cp == 0) return false;  // no NUL in an argument
            if (cp < 0x80) {
                out += static_cast<char>(cp);
            } else if (cp < 0x800) {
                out += static_cast<char>(0xc0 | (cp >> 6));
                out += static_cast<char>(0x80 | (cp & 0x3f));
            } else {
                out += static_cast<char>(0xe0 | (cp >> 12));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
                out += static_cast<char>(0x80 | (cp & 0x3f));
            }
        }
        if (i >= s.size()) return false;
        ++i;
        return true;
    }
    for (const auto& lit : {std::pair<const char*, const char*>{"true", "True"},
                            {"false", "False"},
                            {"null", "None"}}) {
        const std::string_view l(lit.first);
        if (s.substr(i, l.size()) == l) {
            i += l.size();
            out = lit.second;
            return true;
        }
    }
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; integers only are printed as written
    const size_t start = i;
    if (i < s.size() && s[i] == '-') ++i;
    if (i < s.size() && s[i] == '0') {
        ++i;
    } else {
        if (i >= s.size() || s[i] < '1' || s[i] > '9') return false;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    }
    if (i < s.size() && (s[i] == '.' || s[i] == 'e' || s[i] == 'E'))
        return false;  // a float: Python would print it its own way; use the plain split
    out = std::string(s.substr(start, i - start));
    return true;
}

// "[a, b]": ConfigArgParse tries JSON first (a list of strings, numbers, true/false/null),
// else splits on commas and strips each element.
std::vector<std::string> split_list(std::string_view inner) {
    std::vector<std::string> out;
    size_t i = 0;
    auto skip = [&] {
        while (i < inner.size() && is_space(inner[i])) ++i;
    };
    skip();
    bool json = true;
    if (i < inner.size()) {
        while (true) {
            std::string v;
            skip();
            if (!json_scalar(inner, i, v)) {
                json = false;
                break;
            }
            out.push_back(v);
            skip();
            if (i == inner.size()) break;
            if (inner[i] != ',') {
                json = false;
                break;
            }
            ++i;
        }
    }
    if (json) return out;
    out.clear();
    size_t pos = 0;
    while (true) {
        size_t comma = inner.find(',', pos);
        if (comma == std::string_view::npos) comma = inner.size();
        out.emplace_back(strip(inner.substr(pos, comma - pos)));
        if (comma == inner.size()) break;
        pos = comma + 1;
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace

std::optional<bool> parse_ini_bool(std::string_view s) {
    const std::string l = lower(s);
    if (l == "true" || l == "yes" || l == "1") return true;
    if (l == "false" || l == "no" || l == "0") return false;
    return std::nullopt;
}

Result<CliIni> parse_cli_ini(std::string_view text, const std::string& path) {
    CliIni ini;
    ini.path = path;
    std::map<std::string, size_t> index;  // key -> position in entries
    int line_no = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        // Lines end at \n, \r\n or \r (Python's universal newlines).
        size_t end = text.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view raw = text.substr(pos, end - pos);
        pos = end;
        if (pos < text.size() && text[pos] == '\r' && pos + 1 < text.size() &&
            text[pos + 1] == '\n')
            ++pos;
        if (pos < text.size()) ++pos;
        ++line_no;
        const std::string where = path + ":" + std::to_string(line_no);
        if (raw.size() > kMaxLineBytes)
            return Error(where + ": line longer than " + std::to_string(kMaxLineBytes) +
                             " bytes; is this a cli.ini file?",
                         kExitUsage);
        for (char c : raw)
            if ((static_cast<unsigned char>(c) < 0x20 && !is_space(c)) || c == 0x7f)
                return Error(where + ": control character in line; remove it", kExitUsage);
        std::string_view line = strip(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[' ||
            line.substr(0, 3) == "---")
            continue;

        size_t k = 0;
        while (k < line.size() && !is_space(line[k]) && line[k] != ':' && line[k] != '=' &&
               line[k] != ';' && line[k] != '#')
            ++k;
        if (k == 0)
            return Error(where + ": expected \"key = value\", found \"" + std::string(line) + "\"",
                         kExitUsage);
        CliIniEntry e;
        e.key = std::string(line.substr(0, k));
        if (e.key.size() > 2 && e.key.compare(0, 2, "--") == 0) e.key.erase(0, 2);
        e.line = line_no;
        std::string value;
        size_t p = k;
        while (p < line.size() && is_space(line[p])) ++p;
        if (k == line.size()) {
            e.bare = true;
            value = "true";
        } else if (line[p] == ':' || line[p] == '=') {
            ++p;
            while (p < line.size() && is_space(line[p])) ++p;
            if (p < line.size()) value = ValueMatcher(line.substr(p)).match().value_or("");
        } else if (p > k) {
            // ConfigArgParse: no value (key "") after a space -- exactly ' ', the last
            // blank before the value -- means a bare flag; after another blank, "".
            value = ValueMatcher(line.substr(p)).match().value_or(line[p - 1] == ' ' ? "true" : "");
        } else {
            return Error(where + ": expected \"key = value\" after \"" + e.key + "\"; a comment (" +
                             line[p] + ") needs a space before it",
                         kExitUsage);
        }
        if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
            e.list = true;
            e.values = split_list(std::string_view(value).substr(1, value.size() - 2));
        } else {
            e.values = {value};
        }
        auto it = index.find(e.key);
        if (it != index.end()) {
            ini.entries[it->second] = std::move(e);
        } else {
            index.emplace(e.key, ini.entries.size());
            ini.entries.push_back(std::move(e));
        }
    }
    return ini;
}

Result<CliIni> load_cli_ini(const std::string& path) {
    if (access(path.c_str(), R_OK) != 0)
        return Error("cannot read the config file " + path + ": " + std::strerror(errno),
                     kExitUsage);
    auto text = read_file(path, kMaxFileBytes);
    if (!text) return Error(text.error().message, kExitUsage);
    return parse_cli_ini(*text, path);
}

std::vector<std::string> default_cli_ini_paths() {
    std::vector<std::string> out;
    const bool secure = getauxval(AT_SECURE) != 0;  // setuid/setgid: trust no path variable
    const char* sys = secure ? nullptr : std::getenv("CERTBOT_SYSTEM_CLI_INI");
    if (!sys)
        out.push_back("/etc/letsencrypt/cli.ini");
    else if (*sys)
        out.push_back(sys);
    const char* xdg = secure ? nullptr : std::getenv("XDG_CONFIG_HOME");
    const char* home = secure ? nullptr : std::getenv("HOME");
    if (xdg && *xdg)
        out.push_back(std::string(xdg) + "/letsencrypt/cli.ini");
    else if (home && *home)
        out.push_back(std::string(home) + "/.config/letsencrypt/cli.ini");
    return out;
}

Result<std::vector<CliIniArg>> cli_ini_arguments(const std::vector<CliIni>& files,
                                                 const std::set<std::string>& given,
                                                 const OptionLookup& lookup) {
    std::set<std::string> taken = given;
    std::vector<std::vector<CliIniArg>> per_file;
    for (const auto& ini : files) {
        std::vector<CliIniArg> args;
        std::set<std::string> here;
        for (const auto& e : ini.entries) {
            CliIniArg a;
            a.key = e.key;
            a.origin = ini.path + ":" + std::to_string(e.line);
            const OptionInfo info = lookup(e.key);
            if (info.kind == OptionKind::kUnknown)
                return Error(a.origin + ": unknown option \"" + e.key + "\"" + info.hint +
                                 "; fix or remove this line",
                             kExitUsage);
            if (taken.count(info.group)) continue;
            here.insert(info.group);
            const std::string flag = "--" + e.key;
            if (e.list && info.kind != OptionKind::kValues)
                return Error(a.origin + ": " + e.key + " takes one value, not a [list]",
                             kExitUsage);
            if (info.kind == OptionKind::kFlag || info.kind == OptionKind::kCount) {
                const std::string& v = e.values[0];
                auto b = parse_ini_bool(v);
                size_t count = b ? *b : 0;
                bool is_count = !b && info.kind == OptionKind::kCount && !v.empty() &&
                                v.size() <= 2 && v.find_first_not_of("0123456789") == v.npos;
                if (is_count) count = std::stoul(v);
                if (!b && !is_count)
                    return Error(a.origin + ": " + e.key + " = " + v + ": expected true or false" +
                                     (info.kind == OptionKind::kCount ? " or a count" : "") +
                                     " (also yes/no, 1/0)",
                                 kExitUsage);
                a.tokens.assign(count, flag);
            } else {
                for (const auto& v : e.values) a.tokens.push_back(flag + "=" + v);
            }
            args.push_back(std::move(a));
        }
        taken.insert(here.begin(), here.end());
        per_file.push_back(std::move(args));
    }
    std::vector<CliIniArg> out;
    for (auto it = per_file.rbegin(); it != per_file.rend(); ++it)
        for (auto& a : *it) out.push_back(std::move(a));
    return out;
}

}  // namespace certbot
