#include "configobj.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace certbot {

// ---- Section ---------------------------------------------------------------------------------

Section::Section(const Section& other)
    : depth_(other.depth_), name_(other.name_), scalars_(other.scalars_) {
    children_.reserve(other.children_.size());
    for (const Child& c : other.children_) {
        children_.push_back(
            Child{std::make_unique<Section>(*c.section), c.comments, c.inline_comment});
    }
}

Section& Section::operator=(const Section& other) {
    if (this != &other) {
        Section copy(other);
        *this = std::move(copy);
    }
    return *this;
}

Section::Entry* Section::find_entry(const std::string& key) {
    for (Entry& e : scalars_) {
        if (e.key == key) return &e;
    }
    return nullptr;
}

const Section::Entry* Section::find_entry(const std::string& key) const {
    for (const Entry& e : scalars_) {
        if (e.key == key) return &e;
    }
    return nullptr;
}

Section::Child* Section::find_child(const std::string& name) {
    for (Child& c : children_) {
        if (c.section->name_ == name) return &c;
    }
    return nullptr;
}

const Section::Child* Section::find_child(const std::string& name) const {
    for (const Child& c : children_) {
        if (c.section->name_ == name) return &c;
    }
    return nullptr;
}

std::optional<std::string> Section::get(const std::string& key) const {
    const Entry* e = find_entry(key);
    if (e == nullptr || e->is_list) return std::nullopt;
    return e->value;
}

std::optional<std::vector<std::string>> Section::get_list(const std::string& key) const {
    const Entry* e = find_entry(key);
    if (e == nullptr) return std::nullopt;
    if (e->is_list) return e->items;
    return std::vector<std::string>{e->value};
}

bool Section::is_list(const std::string& key) const {
    const Entry* e = find_entry(key);
    return e != nullptr && e->is_list;
}

bool Section::has(const std::string& key) const {
    return find_entry(key) != nullptr || find_child(key) != nullptr;
}

Section::Entry& Section::entry_for_set(const std::string& key) {
    if (Entry* e = find_entry(key)) return *e;
    std::vector<std::string> comments;
    for (auto it = children_.begin(); it != children_.end(); ++it) {
        if (it->section->name_ == key) {
            comments = std::move(it->comments);
            children_.erase(it);
            break;
        }
    }
    Entry e;
    e.key = key;
    e.comments = std::move(comments);
    scalars_.push_back(std::move(e));
    return scalars_.back();
}

void Section::set(const std::string& key, const std::string& value) {
    Entry& e = entry_for_set(key);
    e.is_list = false;
    e.value = value;
    e.items.clear();
}

void Section::set_list(const std::string& key, const std::vector<std::string>& values) {
    Entry& e = entry_for_set(key);
    e.is_list = true;
    e.value.clear();
    e.items = values;
}

bool Section::remove(const std::string& key) {
    for (auto it = scalars_.begin(); it != scalars_.end(); ++it) {
        if (it->key == key) {
            scalars_.erase(it);
            return true;
        }
    }
    for (auto it = children_.begin(); it != children_.end(); ++it) {
        if (it->section->name_ == key) {
            children_.erase(it);
            return true;
        }
    }
    return false;
}

void Section::clear() {
    scalars_.clear();
    children_.clear();
}

bool Section::has_section(const std::string& name) const {
    return find_child(name) != nullptr;
}

Section& Section::section(const std::string& name) {
    if (Child* c = find_child(name)) return *c->section;
    std::vector<std::string> comments;
    for (auto it = scalars_.begin(); it != scalars_.end(); ++it) {
        if (it->key == name) {
            comments = std::move(it->comments);
            scalars_.erase(it);
            break;
        }
    }
    children_.push_back(
        Child{std::make_unique<Section>(depth_ + 1, name), std::move(comments), ""});
    return *children_.back().section;
}

const Section* Section::find_section(const std::string& name) const {
    const Child* c = find_child(name);
    return c == nullptr ? nullptr : c->section.get();
}

std::vector<std::string> Section::keys() const {
    std::vector<std::string> out;
    for (const Entry& e : scalars_) out.push_back(e.key);
    return out;
}

std::vector<std::string> Section::sections() const {
    std::vector<std::string> out;
    for (const Child& c : children_) out.push_back(c.section->name_);
    return out;
}

std::vector<std::string> Section::comments(const std::string& key) const {
    if (const Entry* e = find_entry(key)) return e->comments;
    if (const Child* c = find_child(key)) return c->comments;
    return {};
}

void Section::set_comments(const std::string& key, std::vector<std::string> lines) {
    if (Entry* e = find_entry(key)) {
        e->comments = std::move(lines);
    } else if (Child* c = find_child(key)) {
        c->comments = std::move(lines);
    }
}

std::string Section::inline_comment(const std::string& key) const {
    if (const Entry* e = find_entry(key)) return e->inline_comment;
    if (const Child* c = find_child(key)) return c->inline_comment;
    return "";
}

// ---- text helpers ----------------------------------------------------------------------------

namespace {

using U32 = std::u32string;
constexpr size_t kNone = static_cast<size_t>(-1);
constexpr int kMaxDepth = 64;  // certbot uses 2; deeper nesting is refused, not recursed into

// Python's str.isspace() / re's \s for str patterns.
bool is_space(char32_t c) {
    if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
    if (c < 0x85) return false;
    return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
           c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

// Strict UTF-8 (as Python's codec: no overlongs, no surrogates, max U+10FFFF).
bool decode_utf8(std::string_view in, U32& out) {
    out.clear();
    out.reserve(in.size());
    size_t i = 0;
    const size_t n = in.size();
    while (i < n) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c < 0x80) {
            out.push_back(c);
            ++i;
            continue;
        }
        int len;
        char32_t cp;
        char32_t min;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false;
        }
        if (i + static_cast<size_t>(len) > n) return false;
        for (int k = 1; k < len; ++k) {
            unsigned char cc = static_cast<unsigned char>(in[i + static_cast<size_t>(k)]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        out.push_back(cp);
        i += static_cast<size_t>(len);
    }
    return true;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

std::string utf8(const U32& s, size_t b = 0, size_t e = kNone) {
    if (e == kNone || e > s.size()) e = s.size();
    std::string out;
    for (size_t i = b; i < e; ++i) append_utf8(out, s[i]);
    return out;
}

// Python's str.strip()/lstrip() on UTF-8 text (input is always valid UTF-8 here).
std::string py_strip(const std::string& s, bool left_only) {
    U32 u;
    if (!decode_utf8(s, u)) return s;
    size_t b = 0, e = u.size();
    while (b < e && is_space(u[b])) ++b;
    if (!left_only) {
        while (e > b && is_space(u[e - 1])) --e;
    }
    return utf8(u, b, e);
}

// configobj's _unquote: strip one pair of matching outer quotes.
U32 unquote(const U32& v) {
    if (v.size() >= 2 && v.front() == v.back() && (v.front() == U'"' || v.front() == U'\'')) {
        return v.substr(1, v.size() - 2);
    }
    if (v.size() == 1 && (v[0] == U'"' || v[0] == U'\'')) return U32();  // "x"[1:-1] on 1 char
    return v;
}

// Per-string tables used by the matchers below.
struct Scan {
    const U32& s;
    size_t n;
    std::vector<size_t> nnw;  // nnw[p]: first index >= p that is not whitespace (n if none)
    explicit Scan(const U32& str) : s(str), n(str.size()), nnw(str.size() + 1) {
        nnw[n] = n;
        for (size_t p = n; p-- > 0;) nnw[p] = is_space(s[p]) ? nnw[p + 1] : p;
    }
    // `\s*(\#.*)?$` matches at p.
    bool tail_ok(size_t p) const {
        size_t q = nnw[p];
        return q == n || s[q] == U'#';
    }
};

// Value of a `key = value` line after configobj's _handle_value (list_values on).
struct ParsedValue {
    bool is_list = false;
    U32 scalar;
    std::vector<U32> items;
    bool has_comment = false;
    U32 comment;  // including the whitespace before '#'
};

// Emulates re.match(_valueexp, v) (see configobj) in linear time. The regex is
//   ^(?:(?:((?:ITEM\s*,\s*)*)(LAST)?)|(,))\s*(\#.*)?$
//   ITEM = ".*?" | '.*?' | [^'",\#][^,\#]*?
//   LAST = ".*?" | '.*?' | [^'",\#\s][^,]*? | (?<!,)
// Backtracking explores the star greedily, each ITEM alternative in order with lazy ends; whether
// the rest matches from a position depends only on that position, so a right-to-left table
// (star_ok) gives the same first match as the backtracking engine.
struct ValueMatch {
    bool matched = false;
    bool alt_comma = false;  // the `(,)` alternative: empty list
    size_t star_end = 0;     // group 1 = v[0, star_end)
    bool single_set = false;
    size_t single_b = 0, single_e = 0;
    size_t tail = 0;  // where `\s*(\#.*)?$` starts
};

ValueMatch match_value(const U32& v) {
    Scan sc(v);
    const size_t n = sc.n;
    auto ch = [&](size_t p) -> char32_t { return p < n ? v[p] : 0; };
    // first_comma_or_hash[p]: first index >= p holding ',' or '#'; first_comma[p] likewise.
    std::vector<size_t> first_ch(n + 2, n), first_comma(n + 2, n);
    for (size_t p = n; p-- > 0;) {
        first_ch[p] = (v[p] == U',' || v[p] == U'#') ? p : first_ch[p + 1];
        first_comma[p] = v[p] == U',' ? p : first_comma[p + 1];
    }
    // first_tail[p]: first e >= p with tail_ok(e).
    std::vector<size_t> first_tail(n + 2, kNone);
    for (size_t p = n + 1; p-- > 0;) first_tail[p] = sc.tail_ok(p) ? p : first_tail[p + 1];
    // Closing quote candidates for LAST: first e >= p with v[e]==q and tail_ok(e+1).
    std::vector<size_t> dq_tail(n + 2, kNone), sq_tail(n + 2, kNone);
    for (size_t p = n; p-- > 0;) {
        dq_tail[p] = (v[p] == U'"' && sc.tail_ok(p + 1)) ? p : dq_tail[p + 1];
        sq_tail[p] = (v[p] == U'\'' && sc.tail_ok(p + 1)) ? p : sq_tail[p + 1];
    }

    std::vector<char> star_ok(n + 2, 0);
    std::vector<size_t> hi_star(n + 2, kNone);  // highest r in [p, nnw[p]] with star_ok[r]
    std::vector<size_t> dq_sep(n + 2, kNone), sq_sep(n + 2, kNone);

    // Separator `\s*,\s*` after an item ending at ie, then the star again: the position the
    // star continues at (the greedy whitespace gives back one character at a time), or kNone.
    auto sep_next = [&](size_t ie) -> size_t {
        size_t q = sc.nnw[ie];
        if (q >= n || v[q] != U',') return kNone;
        return hi_star[q + 1];
    };
    // LAST followed by the tail, at p: sets single/tail, false if none of its options match.
    auto after_star = [&](size_t p, ValueMatch* m) -> bool {
        char32_t c = ch(p);
        if (p < n && (c == U'"' || c == U'\'')) {
            size_t e = (c == U'"' ? dq_tail : sq_tail)[p + 1];
            if (e != kNone) {
                if (m) *m = ValueMatch{true, false, p, true, p, e + 1, e + 1};
                return true;
            }
        } else if (p < n && c != U',' && c != U'#' && !is_space(c)) {
            size_t e = first_tail[p + 1];
            if (e != kNone && e <= first_comma[p + 1]) {
                if (m) *m = ValueMatch{true, false, p, true, p, e, e};
                return true;
            }
        }
        if (!sc.tail_ok(p)) return false;
        bool lookbehind_ok = p == 0 || v[p - 1] != U',';  // (?<!,): empty LAST, else skipped
        if (m) *m = ValueMatch{true, false, p, lookbehind_ok, p, p, p};
        return true;
    };
    // One more ITEM at p (then separator and star): the star position after it, or kNone.
    auto item_next = [&](size_t p) -> size_t {
        if (p >= n) return kNone;
        char32_t c = v[p];
        if (c == U'"' || c == U'\'') {
            size_t e = (c == U'"' ? dq_sep : sq_sep)[p + 1];
            return e == kNone ? kNone : sep_next(e + 1);
        }
        if (c == U',' || c == U'#') return kNone;
        size_t cpos = first_ch[p + 1];
        if (cpos >= n || v[cpos] != U',') return kNone;
        return hi_star[cpos + 1];  // item ends at max(p+1, ws_start[cpos]); same separator
    };

    for (size_t p = n + 1; p-- > 0;) {
        star_ok[p] = item_next(p) != kNone || after_star(p, nullptr);
        if (p == n || !is_space(v[p])) {
            hi_star[p] = star_ok[p] ? p : kNone;
        } else {
            hi_star[p] = hi_star[p + 1] != kNone ? hi_star[p + 1] : (star_ok[p] ? p : kNone);
        }
        if (p < n) {
            bool sep = sep_next(p + 1) != kNone;
            dq_sep[p] = (v[p] == U'"' && sep) ? p : dq_sep[p + 1];
            sq_sep[p] = (v[p] == U'\'' && sep) ? p : sq_sep[p + 1];
        }
    }

    ValueMatch m;
    if (star_ok[0]) {
        size_t p = 0;
        for (size_t guard = 0; guard <= n + 1; ++guard) {
            size_t next = item_next(p);
            if (next == kNone) break;
            p = next;
        }
        after_star(p, &m);
        return m;
    }
    if (n > 0 && v[0] == U',' && sc.tail_ok(1)) {
        m.matched = true;
        m.alt_comma = true;
        m.tail = 1;
    }
    return m;
}

// re.findall(_listvalueexp, L) with _listvalueexp = (".*?"|'.*?'|[^'",\#]?.*?)\s*,\s*
std::vector<U32> find_list_items(const U32& L) {
    Scan sc(L);
    const size_t m = sc.n;
    std::vector<size_t> first_comma(m + 2, kNone), ws_start(m + 1, 0);
    for (size_t p = m; p-- > 0;) first_comma[p] = L[p] == U',' ? p : first_comma[p + 1];
    for (size_t p = 0; p <= m; ++p)
        ws_start[p] = (p > 0 && is_space(L[p - 1])) ? ws_start[p - 1] : p;
    auto comma_after = [&](size_t p) { return sc.nnw[p] < m && L[sc.nnw[p]] == U','; };
    std::vector<size_t> dq(m + 2, kNone), sq(m + 2, kNone);  // quote e >= p with \s*, after it
    for (size_t p = m; p-- > 0;) {
        dq[p] = (L[p] == U'"' && comma_after(p + 1)) ? p : dq[p + 1];
        sq[p] = (L[p] == U'\'' && comma_after(p + 1)) ? p : sq[p + 1];
    }
    std::vector<U32> out;
    size_t p = 0;
    while (p <= m) {
        size_t gb = p, ge = kNone, comma = kNone;
        char32_t c = p < m ? L[p] : 0;
        if (p < m && (c == U'"' || c == U'\'')) {
            size_t e = (c == U'"' ? dq : sq)[p + 1];
            if (e != kNone) {
                ge = e + 1;
                comma = sc.nnw[e + 1];
            }
        }
        if (ge == kNone && p < m && c != U'"' && c != U'\'' && c != U',' && c != U'#') {
            size_t cpos = first_comma[p + 1];
            if (cpos != kNone) {
                ge = std::max(p + 1, ws_start[cpos]);
                comma = cpos;
            }
        }
        if (ge == kNone) {
            size_t cpos = first_comma[p];
            if (cpos != kNone) {
                ge = std::max(p, ws_start[cpos]);
                comma = cpos;
            }
        }
        if (ge == kNone) {
            ++p;
            continue;
        }
        out.push_back(L.substr(gb, ge - gb));
        p = sc.nnw[comma + 1];
    }
    return out;
}

// Returns false on configobj's SyntaxError ("Parse error in value").
bool handle_value(const U32& v, ParsedValue& out) {
    ValueMatch m = match_value(v);
    if (!m.matched) return false;
    Scan sc(v);
    size_t q = sc.nnw[m.tail];
    if (q < v.size()) {
        out.has_comment = true;
        out.comment = v.substr(m.tail);
    }
    if (m.alt_comma) {
        out.is_list = true;
        return true;
    }
    U32 list_values = v.substr(0, m.star_end);
    bool single_none = !m.single_set;
    U32 single;
    if (list_values.empty() && single_none) return false;
    if (!single_none) {
        single = v.substr(m.single_b, m.single_e - m.single_b);
        if (!list_values.empty() && single.empty()) {
            single_none = true;
        } else {
            if (single.empty()) single = U"\"\"";
            single = unquote(single);
        }
    }
    if (list_values.empty()) {
        out.scalar = single;
        return true;
    }
    out.is_list = true;
    for (const U32& item : find_list_items(list_values)) {
        if (item.empty()) return false;  // _unquote('') raises SyntaxError
        out.items.push_back(unquote(item));
    }
    if (!single_none) out.items.push_back(single);
    return true;
}

// ^(\s*)((?:\[\s*)+)("\s*\S.*?\s*"|'\s*\S.*?\s*'|[^'"\s].*?)((?:\s*\])+)\s*(\#.*)?$
struct SectionMatch {
    size_t indent = 0;
    int open = 0, close = 0;
    U32 name;
    bool has_comment = false;
    U32 comment;
};

bool match_section(const U32& line, SectionMatch& out) {
    Scan sc(line);
    const size_t n = sc.n;
    size_t i = sc.nnw[0];
    if (i >= n || line[i] != U'[') return false;
    std::vector<size_t> ends;  // position after the k-th '[' and its whitespace
    for (size_t j = i; j < n && line[j] == U'[';) {
        j = sc.nnw[j + 1];
        ends.push_back(j);
    }
    // close_cnt[p]/close_end[p]: the greedy run of `\s*\]` at p.
    std::vector<size_t> close_cnt(n + 2, 0), close_end(n + 2, 0), next_ok(n + 2, kNone);
    for (size_t p = n + 1; p-- > 0;) {
        size_t q = sc.nnw[p];
        if (q < n && line[q] == U']') {
            close_cnt[p] = 1 + close_cnt[q + 1];
            close_end[p] = close_cnt[q + 1] > 0 ? close_end[q + 1] : q + 1;
        } else {
            close_cnt[p] = 0;
            close_end[p] = p;
        }
        bool ok = close_cnt[p] > 0 && sc.tail_ok(close_end[p]);
        next_ok[p] = ok ? p : next_ok[p + 1];
    }
    auto finish = [&](size_t k, size_t nb, size_t ne) {
        out.indent = i;
        out.open = static_cast<int>(k);
        out.name = line.substr(nb, ne - nb);
        out.close = static_cast<int>(close_cnt[ne]);
        size_t ce = close_end[ne];
        if (sc.nnw[ce] < n) {
            out.has_comment = true;
            out.comment = line.substr(ce);
        }
        return true;
    };
    const size_t K = ends.size();
    for (size_t k = K; k >= 1; --k) {
        size_t s = ends[k - 1];
        if (s >= n) continue;
        char32_t c = line[s];
        if (c == U'"' || c == U'\'') {
            size_t first_non_ws = sc.nnw[std::min(s + 1, n)];
            for (size_t e = s + 1; e < n; ++e) {
                if (line[e] == c && first_non_ws < e && next_ok[e + 1] == e + 1) {
                    return finish(k, s, e + 1);
                }
            }
            continue;
        }
        if (is_space(c)) continue;
        size_t e = next_ok[s + 1];
        if (e != kNone) return finish(k, s, e);
    }
    return false;
}

// ^(\s*)(".*?"|'.*?'|[^'"=].*?)\s*=\s*(.*)$
struct KeyMatch {
    size_t indent = 0;
    U32 key;
    size_t value_start = 0;
};

bool match_keyword(const U32& line, KeyMatch& out) {
    Scan sc(line);
    const size_t n = sc.n;
    std::vector<size_t> next_eq(n + 2, kNone), ws_start(n + 1, 0);
    for (size_t p = n; p-- > 0;) next_eq[p] = line[p] == U'=' ? p : next_eq[p + 1];
    for (size_t p = 0; p <= n; ++p)
        ws_start[p] = (p > 0 && is_space(line[p - 1])) ? ws_start[p - 1] : p;
    const size_t W = sc.nnw[0];
    for (size_t s = W + 1; s-- > 0;) {
        if (s >= n) continue;
        char32_t c = line[s];
        if (c == U'"' || c == U'\'') {
            for (size_t e = s + 1; e < n; ++e) {
                if (line[e] != c) continue;
                size_t q = sc.nnw[e + 1];
                if (q < n && line[q] == U'=') {
                    out.indent = s;
                    out.key = line.substr(s, e + 1 - s);
                    out.value_start = sc.nnw[q + 1];
                    return true;
                }
            }
            continue;
        }
        if (c == U'=') continue;
        size_t q = next_eq[s + 1];
        if (q == kNone) continue;
        size_t e = std::max(s + 1, ws_start[q]);
        out.indent = s;
        out.key = line.substr(s, e - s);
        out.value_start = sc.nnw[q + 1];
        return true;
    }
    return false;
}

// First j >= from with s[j..j+3) == quot and `\s*(\#.*)?$` after it.
size_t find_closing_triple(const U32& s, size_t from, const U32& quot) {
    Scan sc(s);
    for (size_t j = from; j + 3 <= s.size(); ++j) {
        if (s.compare(j, 3, quot) == 0 && sc.tail_ok(j + 3)) return j;
    }
    return kNone;
}

// ---- writer helpers --------------------------------------------------------------------------

bool in_wspace_plus(char c) {
    return c == ' ' || c == '\r' || c == '\n' || c == '\v' || c == '\t' || c == '\'' || c == '"';
}

Result<std::string> single_quote(const std::string& v) {
    bool sq = v.find('\'') != std::string::npos, dq = v.find('"') != std::string::npos;
    if (sq && dq) return Error("value \"" + v + "\" cannot be safely quoted");
    return dq ? "'" + v + "'" : "\"" + v + "\"";
}

// configobj's _quote for a string (list_values on, write_empty_values off).
Result<std::string> quote(const std::string& v, bool multiline) {
    if (v.empty()) return std::string("\"\"");
    const bool sq = v.find('\'') != std::string::npos;
    const bool dq = v.find('"') != std::string::npos;
    const bool nl = v.find('\n') != std::string::npos;
    const bool hash = v.find('#') != std::string::npos;
    const bool need_triple = multiline && ((sq && dq) || nl);
    if (!need_triple) {
        if (nl) return Error("value \"" + v + "\" cannot be safely quoted (it has a newline)");
        if (!in_wspace_plus(v.front()) && !in_wspace_plus(v.back()) &&
            v.find(',') == std::string::npos) {
            if (hash) return single_quote(v);
            return v;
        }
        return single_quote(v);
    }
    bool has_tdq = v.find("\"\"\"") != std::string::npos;
    bool has_tsq = v.find("'''") != std::string::npos;
    if (has_tdq && has_tsq) return Error("value \"" + v + "\" cannot be safely quoted");
    return has_tdq ? "\"\"\"" + v + "\"\"\"" : "'''" + v + "'''";
}

void add_comment_lines(std::vector<std::string>& out, const std::vector<std::string>& lines,
                       const std::string& indent, bool is_edge_comment) {
    for (std::string line : lines) {
        if (is_edge_comment) {
            std::string stripped = py_strip(line, false);
            if (!stripped.empty() && stripped[0] != '#') line = "# " + line;
            out.push_back(line);
        } else {
            line = py_strip(line, true);
            if (!line.empty() && line[0] != '#') line = "# " + line;
            out.push_back(indent + line);
        }
    }
}

}  // namespace

// ---- fast path -------------------------------------------------------------------------------

namespace {

// The lines certbot writes (and most a person writes) are plain ASCII `key = value`, lists of
// plain items, `[section]` headers and comments. For those the regular expressions have one
// obvious answer, found here in one pass over the bytes, without decoding the line to UTF-32 and
// building the matchers' tables (a no-op `renew` parses every renewal conf). Anything else
// (quotes, '#' after a value, other whitespace, non-ASCII, an empty list item) returns false and
// the line goes through the matchers above, which are the reference: configobj_test.cpp checks
// that both give the same result.
bool fast_blank(char c) {
    return c == ' ' || c == '\t';
}
bool fast_plain(char c) {  // printable ASCII or blank
    return (c >= 0x20 && c < 0x7f) || c == '\t';
}
bool fast_name_char(char c) {  // a section name certbot writes: renewalparams, webroot_map
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}
bool fast_key_char(char c) {
    return c > 0x20 && c < 0x7f && c != '\'' && c != '"' && c != '=' && c != '#' && c != '[' &&
           c != ']' && c != ',';
}

std::string_view fast_trim(std::string_view s) {
    while (!s.empty() && fast_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && fast_blank(s.back())) s.remove_suffix(1);
    return s;
}

// One line, matched: what the parser does with it (UTF-8 throughout).
struct ParsedLine {
    enum class Kind { kComment, kSection, kKey } kind = Kind::kComment;
    size_t indent = 0;  // bytes of leading whitespace
    int open = 0, close = 0;
    std::string name;  // section name or key, unquoted
    bool is_list = false;
    std::string value;
    std::vector<std::string> items;
    std::string comment;  // inline comment ("" if none)
};

// The fast path: true and `out` filled when the line is one of the plain forms.
bool fast_parse_line(std::string_view line, ParsedLine& out) {
    size_t i = 0;
    const size_t n = line.size();
    while (i < n && fast_blank(line[i])) ++i;
    if (i == n || line[i] == '#') {
        // A comment or blank line, if what precedes is whitespace Python agrees on.
        out.kind = ParsedLine::Kind::kComment;
        return true;
    }
    for (char c : line)
        if (!fast_plain(c)) return false;
    out.indent = i;
    if (line[i] == '[') {
        size_t j = i;
        while (j < n && line[j] == '[') ++j;
        const size_t name_b = j;
        while (j < n && fast_name_char(line[j])) ++j;
        const size_t name_e = j;
        while (j < n && line[j] == ']') ++j;
        const size_t open = name_b - i, close = j - name_e;
        if (name_e == name_b || open != close || !fast_trim(line.substr(j)).empty()) return false;
        out.kind = ParsedLine::Kind::kSection;
        out.open = out.close = static_cast<int>(open);
        out.name.assign(line.substr(name_b, name_e - name_b));
        return true;
    }
    size_t j = i;
    while (j < n && fast_key_char(line[j])) ++j;
    if (j == i) return false;
    const size_t key_e = j;
    while (j < n && fast_blank(line[j])) ++j;
    if (j == n || line[j] != '=') return false;
    std::string_view value = fast_trim(line.substr(j + 1));
    for (char c : value)
        if (c == '\'' || c == '"' || c == '#') return false;
    out.kind = ParsedLine::Kind::kKey;
    out.name.assign(line.substr(i, key_e - i));
    if (value.find(',') == std::string_view::npos) {
        out.value.assign(value);
        return true;
    }
    // a, b, c  /  a,  (a trailing comma makes a one-element list); no empty item but the last
    out.is_list = true;
    while (true) {
        const size_t comma = value.find(',');
        std::string_view item = fast_trim(value.substr(0, comma));
        if (comma == std::string_view::npos) {
            if (!item.empty()) out.items.emplace_back(item);
            return true;
        }
        if (item.empty()) return false;
        out.items.emplace_back(item);
        value.remove_prefix(comma + 1);
    }
}

}  // namespace

// ---- parser ----------------------------------------------------------------------------------

class ConfigParser {
  public:
    ConfigParser(ConfigObj& cfg, const std::string& file, bool fast)
        : cfg_(cfg), file_(file), fast_(fast) {}

    Status run(std::string_view text) {
        if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") {
            cfg_.bom_ = true;
            text.remove_prefix(3);
        }
        // Lines as Python's readlines() splits them (on '\n' only); the first line ending found
        // becomes the output line ending; trailing '\r'/'\n' are stripped from every line. Every
        // line is checked to be UTF-8 before any is parsed (the first bad one is the error).
        std::vector<std::string_view> lines;
        lines.reserve(32);
        bool newline_set = false;
        size_t pos = 0;
        U32 scratch;
        while (pos < text.size()) {
            size_t nl = text.find('\n', pos);
            size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
            std::string_view raw = text.substr(pos, end - pos);
            if (!newline_set && !raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) {
                newline_set = true;
                if (raw.size() >= 2 && raw.substr(raw.size() - 2) == "\r\n") {
                    cfg_.newline_ = "\r\n";
                } else {
                    cfg_.newline_ = raw.back() == '\n' ? "\n" : "\r";
                }
            }
            while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
            bool ascii = true;
            for (char c : raw) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
            if (!ascii && !decode_utf8(raw, scratch)) {
                return error(lines.size(), "is not valid UTF-8; re-save the file as UTF-8");
            }
            lines.push_back(raw);
            pos = end;
        }
        // readlines() on a file holding only a BOM gives one line, empty once the BOM is gone.
        if (cfg_.bom_ && text.empty()) lines.emplace_back();
        return parse_lines(lines);
    }

  private:
    Error error(size_t index, const std::string& what) {
        return Error(file_ + ": line " + std::to_string(index + 1) + " " + what, kExitFailure);
    }

    static U32 decoded(std::string_view line) {
        U32 u;
        (void)decode_utf8(line, u);  // checked in run()
        return u;
    }

    // The reference: the line through configobj's regular expressions. `cur` moves past the
    // lines a multi-line value takes.
    Status slow_parse_line(const std::vector<std::string_view>& lines, size_t& cur,
                           ParsedLine& out) {
        const U32 line = decoded(lines[cur]);
        Scan sc(line);
        size_t first = sc.nnw[0];
        if (first == line.size() || line[first] == U'#') {
            out.kind = ParsedLine::Kind::kComment;
            return Status::Ok();
        }
        SectionMatch sm;
        if (match_section(line, sm)) {
            out.kind = ParsedLine::Kind::kSection;
            out.indent = utf8(line, 0, sm.indent).size();
            out.open = sm.open;
            out.close = sm.close;
            out.name = utf8(unquote(sm.name));
            if (sm.has_comment) out.comment = utf8(sm.comment);
            return Status::Ok();
        }
        KeyMatch km;
        if (!match_keyword(line, km)) {
            return error(cur, "is neither a [section] nor key = value: \"" + utf8(line) +
                                  "\"; fix or remove it");
        }
        out.kind = ParsedLine::Kind::kKey;
        out.indent = utf8(line, 0, km.indent).size();
        U32 value = line.substr(km.value_start);
        ParsedValue pv;
        const U32 tdq = U"\"\"\"", tsq = U"'''";
        if (value.size() >= 3 && (value.compare(0, 3, tdq) == 0 || value.compare(0, 3, tsq) == 0)) {
            U32 quot = value.substr(0, 3);
            size_t start_line = cur;
            size_t j = find_closing_triple(value, 3, quot);
            if (j != kNone) {
                pv.scalar = value.substr(3, j - 3);
                set_comment(pv, value, j + 3);
            } else {
                if (value.find(quot, 3) != U32::npos) {
                    return error(start_line, "has a badly quoted multi-line value");
                }
                U32 newvalue = value.substr(3);
                U32 last;
                bool closed = false;
                while (cur + 1 < lines.size()) {
                    ++cur;
                    newvalue += U'\n';
                    last = decoded(lines[cur]);
                    if (last.find(quot) == U32::npos) {
                        newvalue += last;
                    } else {
                        closed = true;
                        break;
                    }
                }
                if (!closed) {
                    return error(start_line,
                                 "starts a multi-line value that is never "
                                 "closed");
                }
                size_t k = find_closing_triple(last, 0, quot);
                if (k == kNone) {
                    return error(start_line, "has a badly quoted multi-line value");
                }
                pv.scalar = newvalue + last.substr(0, k);
                set_comment(pv, last, k + 3);
            }
        } else if (!handle_value(value, pv)) {
            return error(cur, "has a value configobj cannot parse (bad quotes or list): \"" +
                                  utf8(line) + "\"");
        }
        out.name = utf8(unquote(km.key));
        out.is_list = pv.is_list;
        if (pv.is_list) {
            for (const U32& item : pv.items) out.items.push_back(utf8(item));
        } else {
            out.value = utf8(pv.scalar);
        }
        if (pv.has_comment) out.comment = utf8(pv.comment);
        return Status::Ok();
    }

    Status parse_lines(const std::vector<std::string_view>& lines) {
        std::vector<std::string> comment_list;
        bool done_start = false;
        bool reset_comment = false;
        std::vector<Section*> path{&cfg_.root_};  // path[d]: the open section at depth d
        std::optional<std::string> indent_type;
        const size_t maxline = lines.size();
        for (size_t cur = 0; cur < maxline; ++cur) {
            if (reset_comment) comment_list.clear();
            const std::string_view raw = lines[cur];
            ParsedLine pl;
            if (!fast_ || !fast_parse_line(raw, pl)) {
                pl = ParsedLine();
                CB_TRY(slow_parse_line(lines, cur, pl));
            }
            if (pl.kind == ParsedLine::Kind::kComment) {
                reset_comment = false;
                comment_list.emplace_back(raw);
                continue;
            }
            if (!done_start) {
                cfg_.initial_comment_ = comment_list;
                comment_list.clear();
                done_start = true;
            }
            reset_comment = true;
            Section* this_section = path.back();
            // The indentation is the line's first bytes (a multi-line value starts on line
            // `cur` as it was before the value's other lines).
            if (pl.indent > 0 && !indent_type) indent_type = std::string(raw.substr(0, pl.indent));

            if (pl.kind == ParsedLine::Kind::kSection) {
                int depth = pl.open;
                if (depth != pl.close)
                    return error(cur,
                                 "has a bad section header: the numbers "
                                 "of '[' and ']' differ");
                Section* parent;
                if (depth <= this_section->depth_) {
                    parent = path[static_cast<size_t>(depth - 1)];
                } else if (depth == this_section->depth_ + 1) {
                    parent = this_section;
                } else {
                    return error(cur, "opens a section nested too deeply for its place (" +
                                          std::string(static_cast<size_t>(depth), '[') +
                                          " under a section of depth " +
                                          std::to_string(this_section->depth_) + ")");
                }
                if (depth > kMaxDepth) return error(cur, "nests sections too deeply");
                if (parent->has(pl.name)) {
                    return error(cur, "repeats the name \"" + pl.name +
                                          "\" in its section; remove the duplicate");
                }
                parent->children_.push_back(
                    Section::Child{std::make_unique<Section>(depth, std::move(pl.name)),
                                   std::move(comment_list), std::move(pl.comment)});
                comment_list.clear();
                path.resize(static_cast<size_t>(depth));
                path.push_back(parent->children_.back().section.get());
                continue;
            }
            if (this_section->has(pl.name)) {
                return error(cur, "repeats the key \"" + pl.name + "\"; remove the duplicate");
            }
            Section::Entry e;
            e.key = std::move(pl.name);
            e.is_list = pl.is_list;
            e.items = std::move(pl.items);
            e.value = std::move(pl.value);
            e.comments = std::move(comment_list);
            comment_list.clear();
            e.inline_comment = std::move(pl.comment);
            this_section->scalars_.push_back(std::move(e));
        }
        cfg_.indent_type_ = indent_type.value_or("");
        bool root_empty = cfg_.root_.scalars_.empty() && cfg_.root_.children_.empty();
        if (root_empty && cfg_.initial_comment_.empty()) {
            cfg_.initial_comment_ = comment_list;
        } else if (!reset_comment) {
            cfg_.final_comment_ = comment_list;
        }
        return Status::Ok();
    }

    static void set_comment(ParsedValue& pv, const U32& s, size_t from) {
        Scan sc(s);
        if (sc.nnw[from] < s.size()) {
            pv.has_comment = true;
            pv.comment = s.substr(from);
        }
    }

    ConfigObj& cfg_;
    const std::string& file_;
    const bool fast_;
};

namespace {

Result<ConfigObj> parse_text(std::string_view text, const std::string& filename_for_errors,
                             bool fast) {
    ConfigObj cfg;
    ConfigParser parser(cfg, filename_for_errors, fast);
    Status st = parser.run(text);
    if (!st) return st.error();
    return cfg;
}

}  // namespace

Result<ConfigObj> ConfigObj::parse(std::string_view text, const std::string& filename_for_errors) {
    return parse_text(text, filename_for_errors, true);
}

Result<ConfigObj> ConfigObj::parse_reference(std::string_view text,
                                             const std::string& filename_for_errors) {
    return parse_text(text, filename_for_errors, false);
}

// ---- writer ----------------------------------------------------------------------------------

namespace {

// configobj writes indent_type + "#..."; a comment parsed with whitespace before its '#' is
// written back with that whitespace.
std::string inline_comment_text(const std::string& comment, const std::string& indent_type) {
    if (comment.empty()) return "";
    if (comment[0] == '#') return indent_type + comment;
    return comment;
}

}  // namespace

Result<std::string> ConfigObj::serialize() const {
    std::vector<std::string> out;
    add_comment_lines(out, initial_comment_, "", true);

    // Iterative walk (sections nest at most kMaxDepth when parsed, but be safe for built ones).
    struct Frame {
        const Section* section;
        size_t next;
    };
    std::vector<Frame> stack{{&root_, 0}};
    while (!stack.empty()) {
        Frame& f = stack.back();
        const Section& s = *f.section;
        std::string indent;
        for (int d = 0; d < s.depth_; ++d) indent += indent_type_;
        const size_t total = s.scalars_.size() + s.children_.size();
        if (f.next >= total) {
            stack.pop_back();
            continue;
        }
        size_t idx = f.next++;
        if (idx < s.scalars_.size()) {
            const Section::Entry& e = s.scalars_[idx];
            add_comment_lines(out, e.comments, indent, false);
            auto key = quote(e.key, false);
            if (!key) return key.error().context("key \"" + e.key + "\"");
            std::string val;
            if (e.is_list) {
                if (e.items.empty()) {
                    val = ",";
                } else {
                    for (size_t i = 0; i < e.items.size(); ++i) {
                        auto q = quote(e.items[i], false);
                        if (!q) return q.error().context("key \"" + e.key + "\"");
                        if (i > 0) val += ", ";
                        val += *q;
                    }
                    if (e.items.size() == 1) val += ",";
                }
            } else {
                auto q = quote(e.value, true);
                if (!q) return q.error().context("key \"" + e.key + "\"");
                val = *q;
            }
            out.push_back(indent + *key + " = " + val +
                          inline_comment_text(e.inline_comment, indent_type_));
        } else {
            const Section::Child& c = s.children_[idx - s.scalars_.size()];
            add_comment_lines(out, c.comments, indent, false);
            auto name = quote(c.section->name_, false);
            if (!name) return name.error().context("section \"" + c.section->name_ + "\"");
            const size_t depth = static_cast<size_t>(c.section->depth_);
            out.push_back(indent + std::string(depth, '[') + *name + std::string(depth, ']') +
                          inline_comment_text(c.inline_comment, indent_type_));
            stack.push_back(Frame{c.section.get(), 0});  // invalidates f; not used below
        }
    }
    add_comment_lines(out, final_comment_, "", true);

    std::string text;
    for (size_t i = 0; i < out.size(); ++i) {
        if (i > 0) text += newline_;
        text += out[i];
    }
    if (text.size() < newline_.size() ||
        text.compare(text.size() - newline_.size(), newline_.size(), newline_) != 0) {
        text += newline_;
    }
    if (bom_) text = "\xEF\xBB\xBF" + text;
    return text;
}

}  // namespace certbot
