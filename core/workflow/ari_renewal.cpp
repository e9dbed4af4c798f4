#include "ari_renewal.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "acme.h"
#include "fsutil.h"
#include "log.h"
#include "user_agent.h"

namespace certbot {

namespace {

std::string when(int64_t t) {
    return format_utc(t, "%Y-%m-%d %H:%M UTC");
}

// Runs fn(i) for i in [0, n) on up to `parallel` threads, each with its own HttpClient.
void parallel_for(size_t n, size_t parallel, const HttpFactory& make_http,
                  const std::function<void(size_t, HttpClient&)>& fn) {
    if (n == 0) return;
    std::atomic<size_t> next{0};
    auto worker = [&]() {
        auto http = make_http();
        for (size_t i; (i = next++) < n && !g_interrupted;) fn(i, *http);
    };
    const size_t threads = std::max<size_t>(1, std::min(parallel, n));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
}

void decide(AriCheck& c, int64_t now) {
    if (!c.window_in_force || !c.stored.window) return;
    const RenewalWindow& w = *c.stored.window;
    const int64_t at = ari_renewal_time(w, c.cert_id);
    c.due = now >= at;
    c.reason = (c.due ? "ARI suggested renewal from " : "ARI suggests renewal from ") + when(at);
    if (c.due && !w.explanation_url.empty()) c.reason += " (" + w.explanation_url + ")";
}

constexpr const char* kAriSection = "acme_renewal_info";

}  // namespace

std::string python_isoformat_utc(int64_t t) {
    return format_utc(t, "%Y-%m-%dT%H:%M:%S");
}

AriState load_ari_state(const ConfigObj& conf) {
    AriState s;
    const Section* sec = conf.root().find_section(kAriSection);
    if (!sec) return s;
    if (auto v = sec->get("ari_retry_after")) {
        // Python's naive isoformat (UTC), possibly with microseconds; an offset is accepted too.
        std::string text = *v;
        if (text.size() >= 19 && text.find_first_of("Zz+", 19) == std::string::npos &&
            text.find('-', 19) == std::string::npos)
            text += "Z";
        s.retry_after = parse_rfc3339(text);
    }
    s.cert_id = sec->get("ari_cert_id").value_or("");
    auto start = sec->get("ari_window_start");
    auto end = sec->get("ari_window_end");
    if (start && end) {
        auto a = parse_rfc3339(*start);
        auto b = parse_rfc3339(*end);
        if (a && b && *b > *a) s.window = RenewalWindow{*a, *b, {}};
    }
    return s;
}

void store_ari_state(ConfigObj& conf, const AriState& state) {
    if (!state.retry_after && !state.window && !conf.root().has_section(kAriSection)) return;
    Section& sec = conf.root().section(kAriSection);
    if (state.retry_after)
        sec.set("ari_retry_after", python_isoformat_utc(*state.retry_after));
    else
        sec.remove("ari_retry_after");
    if (state.window && !state.cert_id.empty()) {
        sec.set("ari_cert_id", state.cert_id);
        sec.set("ari_window_start", rfc3339_utc(state.window->start));
        sec.set("ari_window_end", rfc3339_utc(state.window->end));
    } else {
        sec.remove("ari_cert_id");
        sec.remove("ari_window_start");
        sec.remove("ari_window_end");
    }
}

HttpOptions ari_http_options(bool verify_tls, const std::string& user_agent) {
    HttpOptions o;
    o.verify_tls = verify_tls;
    o.user_agent = user_agent;
    o.max_body = 64 * 1024;
    o.connect_timeout_s = 5;
    o.read_timeout_s = 10;
    o.total_timeout_s = 15;
    return o;
}

std::shared_ptr<const std::string> AriServerPool::intern(const std::string& server) {
    auto it = servers_.find(server);
    if (it == servers_.end())
        it = servers_.emplace(server, std::make_shared<const std::string>(server)).first;
    return it->second;
}

std::optional<AriCheck> ari_check_for(const Lineage& l, AriServerPool* servers) {
    const Section* params = l.conf.root().find_section("renewalparams");
    auto server = params ? params->get("server") : std::nullopt;
    if (!server || server->empty() || *server == "None") {
        log::warning("Skipping ARI check because " + l.renewal_conf_path +
                     " has no 'server' field. This issue will not prevent certificate renewal");
        return std::nullopt;
    }
    AriCheck c;
    c.name = l.name;
    c.server = servers ? servers->intern(*server) : std::make_shared<const std::string>(*server);
    c.cert_path = l.cert_path;
    c.stored = load_ari_state(l.conf);
    return c;
}

void run_ari_checks(std::vector<AriCheck>& checks, const HttpFactory& make_http, int64_t now,
                    size_t parallel) {
    // Lineages still inside the CA's Retry-After use the window stored for their certificate
    // and ask nothing; the others need their CA's directory.
    std::vector<size_t> ask;
    std::map<std::string, std::string> renewal_info;  // server -> renewalInfo URL ("": none)
    auto cert_id_of = [](AriCheck& c) {
        if (!c.cert_id.empty()) return true;
        auto pem = read_file(c.cert_path, 1 << 20);
        if (!pem) return c.warning = pem.error().message, false;
        auto id = ari_cert_id(*pem);
        if (!id) return c.warning = c.cert_path + ": " + id.error().message, false;
        c.cert_id = *id;
        return true;
    };
    for (size_t i = 0; i < checks.size(); ++i) {
        auto& c = checks[i];
        if (c.stored.retry_after && *c.stored.retry_after > now) {
            if (c.stored.window && cert_id_of(c) && c.stored.cert_id == c.cert_id) {
                c.window_in_force = true;
                decide(c, now);
            }
            continue;
        }
        ask.push_back(i);
        renewal_info.emplace(*c.server, "");
    }
    if (ask.empty()) return;

    std::vector<std::string> servers;
    for (const auto& [s, unused] : renewal_info) servers.push_back(s);
    std::vector<std::string> urls(servers.size());
    parallel_for(servers.size(), parallel, make_http, [&](size_t i, HttpClient& http) {
        AcmeClient acme(http, servers[i]);
        // One attempt: the retries with backoff that issuance makes (about 10 s against a CA
        // that is down) would make every no-op renew that slow; the lifetime rule decides.
        acme.set_retry_deadline(acme.clock().now());
        if (auto st = acme.load_directory(); !st) {
            log::debug("ARI: " + st.error().message);
            return;
        }
        urls[i] = acme.directory().renewal_info;
        if (urls[i].empty()) log::debug("ARI: " + servers[i] + " offers no renewalInfo");
    });
    for (size_t i = 0; i < servers.size(); ++i) renewal_info[servers[i]] = urls[i];

    parallel_for(ask.size(), parallel, make_http, [&](size_t k, HttpClient& http) {
        AriCheck& c = checks[ask[k]];
        const std::string& url = renewal_info[*c.server];
        if (url.empty() || !cert_id_of(c)) return;
        auto answer = fetch_renewal_info(http, url, c.cert_id, now);
        if (!answer) {
            c.warning = answer.error().message;
            return;
        }
        c.fetched = true;
        c.window_in_force = true;
        c.stored.retry_after = answer->retry_after;
        c.stored.cert_id = c.cert_id;
        c.stored.window = answer->window;
        decide(c, now);
    });
}

Status save_ari_state(const std::string& config_dir, const AriCheck& c, DirSync dir_sync) {
    auto l = load_lineage(config_dir, c.name);
    if (!l) return l.error();
    store_ari_state(l->conf, c.stored);
    return save_renewal_conf(*l, dir_sync);
}

RenewalDecision should_renew_with_ari(const Lineage& l, const Config& cfg, std::time_t now) {
    RenewalDecision d = should_renew(l, cfg, now);
    if (d.due || !d.ari_may_advance) return d;
    auto check = ari_check_for(l);
    if (!check) return d;
    std::vector<AriCheck> one{std::move(*check)};
    check_ari_and_save(one, cfg, now, 1);
    if (one[0].due) return {true, one[0].reason};
    return d;
}

void check_ari_and_save(std::vector<AriCheck>& checks, const Config& cfg, int64_t now,
                        size_t parallel) {
    const HttpOptions opts = ari_http_options(!cfg.no_verify_ssl, user_agent(cfg));
    run_ari_checks(
        checks, [&]() { return make_http_client(opts); }, now, parallel);
    bool saved = false;
    for (const AriCheck& c : checks) {
        if (!c.warning.empty())
            log::warning("An error occurred requesting ACME Renewal Information (ARI) for " +
                         c.name + ": " + c.warning + "; the certificate's lifetime decides");
        if (!c.fetched) continue;
        if (auto st = save_ari_state(cfg.config_dir, c, DirSync::kByCaller); !st)
            log::warning("could not save ARI state: " + st.error().message);
        else
            saved = true;
    }
    // The renames above made durable at once (every conf is in <config_dir>/renewal/).
    if (saved)
        if (auto st = fsync_dir(renewal_dir_of(cfg.config_dir)); !st)
            log::warning("could not save ARI state: " + st.error().message);
}

}  // namespace certbot
