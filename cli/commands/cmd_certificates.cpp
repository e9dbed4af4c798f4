// certbot certificates: list the lineages in the store with their names, serials, key types,
// domains, expiry and paths, in certbot's format; with --json, the same as a versioned JSON
// document (schema: docs/user-guide.md, "Machine-readable output"). Broken renewal confs are
// listed, not fatal.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "ari_renewal.h"
#include "cmd_certificates.h"
#include "commands.h"
#include "crypto.h"
#include "fleet.h"
#include "fsutil.h"
#include "ip_address.h"
#include "log.h"
#include "session.h"
#include "storage.h"

namespace certbot {

namespace {

constexpr int kJsonSchemaVersion = 1;

const char* kRule =
    "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -";

// What the listing shows of one lineage, copied out of its Lineage; written into the output at
// once, then dropped with the Lineage (10,000 lineages are listed without holding 10,000 confs
// or 10,000 of these).
struct Listed {
    std::string name;
    std::string cert_path, chain_path, fullchain_path, privkey_path, renewal_conf_path;
    std::string authenticator, installer, server;
    CertInfo cert;
    std::vector<std::string> reasons;  // certbot's INVALID reasons: TEST_CERT, EXPIRED
    int64_t left = 0;                  // seconds until not_after
    std::string profile;               // preferred_profile / required_profile
    AriState ari;                      // window only when it belongs to this certificate
};

struct Broken {
    std::string conf_path;  // may be empty when unknown
    std::string message;
};

std::string utc_text(int64_t t, const char* format) {
    return format_utc(t, format);
}

// certbot: "VALID: 89 days", "VALID: 1 day", "VALID: 5 hour(s)", "INVALID: TEST_CERT, EXPIRED".
std::string status_text(const Listed& c) {
    if (!c.reasons.empty()) {
        std::string s = "INVALID: ";
        for (size_t i = 0; i < c.reasons.size(); ++i) s += (i ? ", " : "") + c.reasons[i];
        return s;
    }
    const int64_t days = c.left / 86400;
    if (days == 1) return "VALID: 1 day";
    if (days < 1) return "VALID: " + std::to_string(c.left % 86400 / 3600) + " hour(s)";
    return "VALID: " + std::to_string(days) + " days";
}

// certbot's certificates filters: --cert-name, and every -d among the certificate's names.
bool selected(const Config& cfg, const Lineage& l, const CertInfo& info) {
    if (!cfg.cert_name.empty() && l.name != cfg.cert_name) return false;
    for (const auto& d : cfg.domains) {
        bool found = false;
        for (const auto& n : info.dns_names) found = found || n == d;
        if (!found) return false;
    }
    return true;
}

std::string param(const Lineage& l, const char* key) {
    const Section* p = l.conf.root().find_section("renewalparams");
    if (!p) return "";
    auto v = p->get(key);
    return v && *v != "None" ? *v : "";
}

// ---- profiles and ARI (issue 17) ------------------------------------------------------------
std::string profile_of(const Lineage& l) {
    std::string p = param(l, "required_profile");
    return p.empty() ? param(l, "preferred_profile") : p;
}

// The stored ARI state, with the window dropped unless it was given for this certificate.
AriState ari_of(const Lineage& l, const std::string& cert_pem) {
    AriState s = load_ari_state(l.conf);
    if (!s.window) return s;  // nothing to match: no certID needed
    auto id = ari_cert_id(cert_pem);
    if (!id || *id != s.cert_id) s.window.reset();
    return s;
}

std::string profile_and_ari_text(const Listed& c) {
    std::string out;
    if (!c.profile.empty()) out += "\n    Profile: " + c.profile;
    if (c.ari.window)
        out += "\n    ARI Renewal Window: " +
               utc_text(c.ari.window->start, "%Y-%m-%d %H:%M:%S+00:00") + " to " +
               utc_text(c.ari.window->end, "%Y-%m-%d %H:%M:%S+00:00");
    return out;
}
// ---- end profiles and ARI --------------------------------------------------------------------

// One lineage's entry in certbot's listing.
void append_entry(std::string& text, const Listed& c) {
    text += "  Certificate Name: " + c.name + "\n    Serial Number: " + c.cert.serial_hex +
            "\n    Key Type: " + c.cert.key_type + "\n    " +
            certificate_names_line(c.cert.dns_names) +
            "\n    Expiry Date: " + utc_text(c.cert.not_after, "%Y-%m-%d %H:%M:%S+00:00") + " (" +
            status_text(c) + ")" + profile_and_ari_text(c) +
            "\n    Certificate Path: " + c.fullchain_path +
            "\n    Private Key Path: " + c.privkey_path + "\n";
}

// certbot's listing around the entries (`entries`, built by append_entry as the lineages were
// read; `listed` of them): the header goes in front of them in place, the invalid confs after.
void finish_human(const Config& cfg, std::string& entries, size_t listed, size_t parsed,
                  const std::vector<Broken>& broken) {
    std::string head = "\n" + std::string(kRule) + "\n";
    if (parsed == 0 && broken.empty()) {
        head += "No certificates found.\n";
    } else if (parsed > 0) {
        const bool filtered = !cfg.cert_name.empty() || !cfg.domains.empty();
        head += std::string("Found the following ") + (filtered ? "matching " : "") + "certs:\n";
        if (listed == 0) head += "\n";  // certbot: the empty match list
    }
    entries.insert(0, head);
    if (!broken.empty()) {
        entries += "\nThe following renewal configurations were invalid:\n";
        for (const auto& b : broken)
            entries += "  " + (b.conf_path.empty() ? b.message : b.conf_path) + "\n";
    }
    entries += kRule;
}

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void put(Writer& w, const char* key, const std::string& value) {
    w.Key(key);
    if (value.empty())
        w.Null();
    else
        w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

// The JSON document's start: everything before the first certificate.
void start_json(Writer& w, int64_t now) {
    w.StartObject();
    w.Key("version");
    w.Int(kJsonSchemaVersion);
    put(w, "generated_at", utc_text(now, "%Y-%m-%dT%H:%M:%SZ"));
    w.Key("certificates");
    w.StartArray();
}

// One lineage's object in "certificates".
void append_json(Writer& w, const Listed& c) {
    w.StartObject();
    put(w, "name", c.name);
    w.Key("identifiers");
    w.StartArray();
    for (const auto& n : c.cert.dns_names) w.String(n.c_str());
    w.EndArray();
    put(w, "serial", c.cert.serial_hex);
    put(w, "key_type", c.cert.key_type);
    put(w, "not_before", utc_text(c.cert.not_before, "%Y-%m-%dT%H:%M:%SZ"));
    put(w, "not_after", utc_text(c.cert.not_after, "%Y-%m-%dT%H:%M:%SZ"));
    w.Key("days_left");
    w.Int64(c.left >= 0 ? c.left / 86400 : -((-c.left + 86399) / 86400));
    put(w, "status", c.reasons.empty() ? "VALID" : "INVALID");
    w.Key("reasons");
    w.StartArray();
    for (const auto& r : c.reasons) w.String(r.c_str());
    w.EndArray();
    w.Key("paths");
    w.StartObject();
    put(w, "cert", c.cert_path);
    put(w, "chain", c.chain_path);
    put(w, "fullchain", c.fullchain_path);
    put(w, "privkey", c.privkey_path);
    put(w, "renewal_conf", c.renewal_conf_path);
    w.EndObject();
    put(w, "authenticator", c.authenticator);
    put(w, "installer", c.installer);
    put(w, "server", c.server);
    put(w, "profile", c.profile);
    w.Key("ari");
    if (c.ari.window || c.ari.retry_after) {
        w.StartObject();
        put(w, "window_start",
            c.ari.window ? utc_text(c.ari.window->start, "%Y-%m-%dT%H:%M:%SZ") : "");
        put(w, "window_end", c.ari.window ? utc_text(c.ari.window->end, "%Y-%m-%dT%H:%M:%SZ") : "");
        put(w, "retry_after",
            c.ari.retry_after ? utc_text(*c.ari.retry_after, "%Y-%m-%dT%H:%M:%SZ") : "");
        w.EndObject();
    } else {
        w.Null();
    }
    w.EndObject();
}

// The rest of the document after the last certificate: the invalid confs.
void finish_json(Writer& w, const std::vector<Broken>& broken) {
    w.EndArray();
    w.Key("invalid");
    w.StartArray();
    for (const auto& b : broken) {
        w.StartObject();
        put(w, "renewal_conf", b.conf_path);
        put(w, "error", b.message);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
}

}  // namespace

std::string certificate_names_line(const std::vector<std::string>& names) {
    const bool has_ip = std::any_of(names.begin(), names.end(), is_ip_address);
    // certbot: f'Domains: {" ".join(names)}' (a trailing space when there are none).
    std::string line = has_ip ? "Identifiers: " : "Domains: ";
    for (size_t i = 0; i < names.size(); ++i) line += (i ? " " : "") + names[i];
    return line;
}

int cmd_certificates(const Config& cfg, const PluginRegistry&) {
    // Listing never writes: an interrupted update is shown as found and repaired only by a
    // command that writes (under the lock).
    auto session = Session::open(cfg, Session::Recovery::kNone);
    if (!session) return fail(session.error());
    // Fleet mode (docs/fleet.md): what the fleet holds is materialised first; without etcd the
    // local copies are listed.
    if (auto fleet = open_fleet_and_sync(cfg); !fleet) {
        if (fleet.error().exit_code == kExitUsage) return fail(fleet.error());
        log::warning("fleet: " + fleet.error().message + "; listing this node's copies");
    }
    // One renewal conf at a time (as renew reads them), and each listed lineage goes into the
    // output text (or JSON) at once: nothing else of it is kept, so memory grows only by the
    // output itself. The output is printed after the loop all the same, because certbot warns
    // about broken confs (on stderr) before it prints the listing.
    auto paths = renewal_conf_paths(cfg.config_dir);
    if (!paths) return fail(paths.error());
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    std::string text;                  // human output: the entries, the header added at the end
    rapidjson::StringBuffer json_buf;  // --json output
    Writer writer(json_buf);
    if (cfg.json_output)
        start_json(writer, now);
    else
        text.reserve(paths->size() * 400);  // about one entry each; pages are touched as used
    std::vector<Broken> broken;
    size_t parsed = 0, listed = 0;
    for (const std::string& path : *paths) {
        auto loaded = load_lineage_from_conf(cfg.config_dir, path);
        if (!loaded) {
            broken.push_back({path, loaded.error().message});
            continue;
        }
        const Lineage& l = *loaded;
        auto pem = read_file(l.cert_path, 1 << 20);
        Result<CertInfo> info = pem ? cert_info_walked(*pem) : Result<CertInfo>(pem.error());
        if (!info) {
            broken.push_back({l.renewal_conf_path, info.error().message});
            continue;
        }
        ++parsed;
        if (!l.links_agree)
            log::warning("lineage " + l.name +
                         " was left half-updated by an interrupted run; the next command that "
                         "writes (certonly, renew) finishes the update");
        if (!selected(cfg, l, *info)) continue;
        Listed c{l.name,
                 l.cert_path,
                 l.chain_path,
                 l.fullchain_path,
                 l.privkey_path,
                 l.renewal_conf_path,
                 param(l, "authenticator"),
                 param(l, "installer"),
                 param(l, "server"),
                 std::move(*info),
                 {},
                 0,
                 profile_of(l),
                 ari_of(l, *pem)};
        c.left = c.cert.not_after - now;
        // certbot: a certificate from a staging server is a test certificate.
        if (c.server.find("staging") != std::string::npos) c.reasons.push_back("TEST_CERT");
        if (c.left <= 0) c.reasons.push_back("EXPIRED");
        if (cfg.json_output)
            append_json(writer, c);
        else
            append_entry(text, c);
        ++listed;
    }
    for (const auto& b : broken)
        log::warning("Renewal configuration file " +
                     (b.conf_path.empty() ? "" : b.conf_path + " ") +
                     "produced an unexpected error: " + b.message + ". Skipping.");
    if (cfg.json_output) {
        // Asked-for data: printed also under -q.
        finish_json(writer, broken);
        std::fwrite(json_buf.GetString(), 1, json_buf.GetSize(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
        log::debug("certificates: " + std::to_string(listed) + " listed as JSON");
    } else {
        finish_human(cfg, text, listed, parsed, broken);
        log::out(text);
    }
    return kExitOk;  // like certbot: broken confs are reported, not fatal, for a listing
}

}  // namespace certbot
