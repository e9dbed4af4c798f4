// fake_acme_server: a deliberately broken or hostile ACME (RFC 8555) server for
// negative integration tests. It is a fake: JWS signatures are never checked,
// state is a handful of counters, and each --mode selects one misbehaviour.
//
//   fake_acme_server --port P --cert CERT.pem --key KEY.pem --mode MODE [--host 127.0.0.1]
//
// Every mode serves GET /healthz (200, for readiness checks) and puts a fresh
// Replay-Nonce on every response (RFC 8555 §6.5). One line per request is
// logged to stderr: "fake_acme: METHOD PATH -> STATUS". SIGTERM/SIGINT stop it
// (also while a slow or huge response is being streamed).
//
// Modes (see usage() for the list):
//   dotdot-token       authorizations carry http-01 and dns-01 challenges whose
//                      token is "../../../../tmp/evil"; answering a challenge
//                      makes it invalid; finalize is refused.
//   broken-json        the directory body is truncated JSON.
//   huge-body          the directory body is 64 MiB of JSON-ish bytes, chunked
//                      (no Content-Length: the client must cap while reading).
//   huge-body-cl       the same with a Content-Length header.
//   rate-limit         newOrder answers 429, Retry-After: 2, rateLimited problem.
//   slow               the directory sends headers and a first chunk, then
//                      stalls for 120 s: the client must time out.
//   bad-nonce-forever  every POST answers 400 badNonce (with a fresh nonce).
//   ok                 a well-formed flow up to finalize (refused); a baseline
//                      proving a test fails for the intended reason.
//   malformed-order    (hardening) the pending order's "authorizations" is a
//                      string, not an array: a client that reads it as "no
//                      authorizations" would go straight to finalize.
//   html-order         (hardening) the order comes as text/html with a JSON
//                      body: a client must not read JSON from it.

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <pthread.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

enum class Mode {
    Ok,
    DotdotToken,
    BrokenJson,
    HugeBody,
    HugeBodyCl,
    RateLimit,
    Slow,
    BadNonceForever,
    MalformedOrder,
    HtmlOrder
};

struct ModeName {
    const char* name;
    Mode mode;
};

constexpr ModeName kModes[] = {
    {"ok", Mode::Ok},
    {"dotdot-token", Mode::DotdotToken},
    {"broken-json", Mode::BrokenJson},
    {"huge-body", Mode::HugeBody},
    {"huge-body-cl", Mode::HugeBodyCl},
    {"rate-limit", Mode::RateLimit},
    {"slow", Mode::Slow},
    {"bad-nonce-forever", Mode::BadNonceForever},
    {"malformed-order", Mode::MalformedOrder},
    {"html-order", Mode::HtmlOrder},
};

constexpr size_t kHugeBodyBytes = 64u << 20;  // 64 MiB
constexpr int kSlowSeconds = 120;
constexpr size_t kMaxRequestBody = 1u << 20;  // requests larger than this are refused
constexpr size_t kMaxIdentifiers = 100;
constexpr size_t kMaxIdentifierLength = 255;
constexpr const char* kEvilToken = "../../../../tmp/evil";

std::atomic<bool> g_stop{false};
std::atomic<unsigned long> g_nonce{0};

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string cert;
    std::string key;
    Mode mode = Mode::Ok;
};

struct Identifier {
    std::string type;
    std::string value;
};

// The most recent order (there is only ever one order): its identifiers, and
// which of its authorizations had a challenge answered (those are invalid).
std::mutex g_order_mutex;
std::vector<Identifier> g_order_identifiers;
std::vector<bool> g_authz_answered;

void usage(FILE* out) {
    std::fprintf(
        out,
        "usage: fake_acme_server --port P --cert CERT --key KEY --mode MODE [--host ADDR]\n"
        "modes:");
    for (const auto& m : kModes) std::fprintf(out, " %s", m.name);
    std::fprintf(out, "\n");
}

bool parse_args(int argc, char** argv, Options& opt) {
    bool have_mode = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            usage(stdout);
            std::exit(0);
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "fake_acme: %s needs a value\n", arg.c_str());
            return false;
        }
        std::string val = argv[++i];
        if (arg == "--port") {
            char* end = nullptr;
            long p = std::strtol(val.c_str(), &end, 10);
            if (end == val.c_str() || *end != '\0' || p < 1 || p > 65535) {
                std::fprintf(stderr, "fake_acme: bad --port %s\n", val.c_str());
                return false;
            }
            opt.port = static_cast<int>(p);
        } else if (arg == "--cert") {
            opt.cert = val;
        } else if (arg == "--key") {
            opt.key = val;
        } else if (arg == "--host") {
            opt.host = val;
        } else if (arg == "--mode") {
            have_mode = false;
            for (const auto& m : kModes) {
                if (val == m.name) {
                    opt.mode = m.mode;
                    have_mode = true;
                }
            }
            if (!have_mode) {
                std::fprintf(stderr, "fake_acme: unknown --mode %s\n", val.c_str());
                return false;
            }
        } else {
            std::fprintf(stderr, "fake_acme: unknown option %s\n", arg.c_str());
            return false;
        }
    }
    if (opt.port == 0 || opt.cert.empty() || opt.key.empty() || !have_mode) {
        usage(stderr);
        return false;
    }
    return true;
}

// --- encoding helpers ------------------------------------------------------------

// RFC 4648 §5 base64url, padding optional. Returns false on any other byte.
bool base64url_decode(const std::string& in, std::string& out) {
    out.clear();
    unsigned buffer = 0;
    int bits = 0;
    for (char c : in) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-')
            v = 62;
        else if (c == '_')
            v = 63;
        else if (c == '=')
            break;
        else
            return false;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xffu));
        }
    }
    return true;
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void put(JsonWriter& w, const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string text(const rapidjson::StringBuffer& sb) {
    return std::string(sb.GetString(), sb.GetSize());
}

// --- the server -------------------------------------------------------------------

class FakeAcme {
  public:
    explicit FakeAcme(const Options& opt)
        : opt_(opt), base_("https://" + opt.host + ":" + std::to_string(opt.port)) {}

    void install(httplib::Server& svr) {
        svr.set_payload_max_length(kMaxRequestBody);
        svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
            std::fprintf(stderr, "fake_acme: %s %s -> %d\n", req.method.c_str(), req.path.c_str(),
                         res.status);
        });
        svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
            if (!res.has_header("Replay-Nonce")) add_nonce(res);
            if (res.body.empty()) {
                problem(res, res.status, "malformed", "no such resource on the fake ACME server");
            }
        });

        svr.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
            add_nonce(res);
            res.set_content("ok\n", "text/plain");
        });
        svr.Get("/dir",
                [this](const httplib::Request&, httplib::Response& res) { directory(res); });

        auto nonce = [](const httplib::Request& req, httplib::Response& res) {
            add_nonce(res);
            res.set_header("Cache-Control", "no-store");
            res.status = req.method == "HEAD" ? 200 : 204;  // RFC 8555 §7.2
        };
        svr.Get("/new-nonce", nonce);  // httplib answers HEAD through the GET route

        svr.Post(R"(/.*)",
                 [this](const httplib::Request& req, httplib::Response& res) { post(req, res); });
    }

  private:
    static void add_nonce(httplib::Response& res) {
        res.set_header("Replay-Nonce", "fakeNonce" + std::to_string(++g_nonce));
    }

    // RFC 7807 problem document with an ACME error type (RFC 8555 §6.7).
    static void problem(httplib::Response& res, int status, const std::string& type,
                        const std::string& detail) {
        rapidjson::StringBuffer sb;
        JsonWriter w(sb);
        w.StartObject();
        put(w, "type", "urn:ietf:params:acme:error:" + type);
        put(w, "detail", detail);
        w.Key("status");
        w.Int(status);
        w.EndObject();
        res.status = status;
        res.set_content(text(sb), "application/problem+json");
    }

    static void json(httplib::Response& res, int status, const std::string& body) {
        res.status = status;
        res.set_content(body, "application/json");
    }

    std::string url(const std::string& path) const { return base_ + path; }

    void directory(httplib::Response& res) {
        add_nonce(res);
        switch (opt_.mode) {
            case Mode::BrokenJson:
                res.set_content(R"({"newNonce": )", "application/json");
                return;
            case Mode::HugeBody:
                // Not plain "application/json": cpp-httplib would gzip that for a client
                // sending Accept-Encoding, and the body on the wire would be small.
                res.set_chunked_content_provider("application/json; charset=utf-8",
                                                 [](size_t offset, httplib::DataSink& sink) {
                                                     return huge_chunk(offset, sink, true);
                                                 });
                return;
            case Mode::HugeBodyCl:
                res.set_content_provider(kHugeBodyBytes, "application/json; charset=utf-8",
                                         [](size_t offset, size_t, httplib::DataSink& sink) {
                                             return huge_chunk(offset, sink, false);
                                         });
                return;
            case Mode::Slow:
                res.set_chunked_content_provider(
                    "application/json; charset=utf-8", [](size_t offset, httplib::DataSink& sink) {
                        if (offset == 0) {
                            static const char head[] = "{\"newNonce\": ";
                            return sink.write(head, sizeof head - 1);
                        }
                        stall(sink);
                        return false;  // abort: the body never completes
                    });
                return;
            default:
                break;
        }
        rapidjson::StringBuffer sb;
        JsonWriter w(sb);
        w.StartObject();
        put(w, "newNonce", url("/new-nonce"));
        put(w, "newAccount", url("/new-account"));
        put(w, "newOrder", url("/new-order"));
        put(w, "revokeCert", url("/revoke-cert"));
        put(w, "keyChange", url("/key-change"));
        w.Key("meta");
        w.StartObject();
        put(w, "termsOfService", url("/terms"));
        w.EndObject();
        w.EndObject();
        json(res, 200, text(sb));
    }

    // Writes the next piece of '{"x":"aaaa...' until kHugeBodyBytes are out.
    static bool huge_chunk(size_t offset, httplib::DataSink& sink, bool chunked) {
        if (g_stop) return false;
        if (offset >= kHugeBodyBytes) {
            if (chunked) sink.done();
            return true;
        }
        static const std::string block = [] {
            std::string b(64 * 1024, 'a');
            b.replace(0, 6, "{\"x\":\"");
            return b;
        }();
        size_t n = std::min(block.size(), kHugeBodyBytes - offset);
        const char* data = block.data();
        if (offset != 0) data += 6;  // only the first block starts the object
        if (offset != 0 && n > block.size() - 6) n = block.size() - 6;
        return sink.write(data, n);
    }

    static void stall(httplib::DataSink& sink) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kSlowSeconds);
        while (!g_stop && std::chrono::steady_clock::now() < deadline && sink.is_writable()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }

    // Decodes the flattened JWS (RFC 8555 §6.2) body's payload; no signature check.
    static bool jws_payload(const httplib::Request& req, rapidjson::Document& payload,
                            std::string& error) {
        rapidjson::Document jws;
        if (jws.Parse(req.body.c_str(), req.body.size()).HasParseError() || !jws.IsObject()) {
            error = "request body is not a JSON object";
            return false;
        }
        auto it = jws.FindMember("payload");
        if (it == jws.MemberEnd() || !it->value.IsString()) {
            error = "JWS has no payload";
            return false;
        }
        std::string decoded;
        if (!base64url_decode(std::string(it->value.GetString(), it->value.GetStringLength()),
                              decoded)) {
            error = "JWS payload is not base64url";
            return false;
        }
        if (decoded.empty()) {  // POST-as-GET (RFC 8555 §6.3)
            payload.SetNull();
            return true;
        }
        if (payload.Parse(decoded.c_str(), decoded.size()).HasParseError() || !payload.IsObject()) {
            error = "JWS payload is not a JSON object";
            return false;
        }
        return true;
    }

    void post(const httplib::Request& req, httplib::Response& res) {
        add_nonce(res);
        if (opt_.mode == Mode::BadNonceForever) {
            problem(res, 400, "badNonce", "JWS has an invalid anti-replay nonce");
            return;
        }
        rapidjson::Document payload;
        std::string error;
        if (!jws_payload(req, payload, error)) {
            problem(res, 400, "malformed", error);
            return;
        }
        const std::string& path = req.path;
        if (path == "/new-account") {
            new_account(res);
        } else if (path == "/new-order") {
            new_order(payload, res);
        } else if (path == "/acct/1") {
            new_account(res);
            res.status = 200;
        } else if (path == "/order/1") {
            order(res, 200);
        } else if (path.rfind("/authz/", 0) == 0) {
            authz(path.substr(7), res);
        } else if (path.rfind("/chall/", 0) == 0) {
            challenge_response(path.substr(7), res);
        } else if (path == "/order/1/finalize") {
            problem(res, 403, "unauthorized", "the fake ACME server never issues certificates");
        } else {
            problem(res, 404, "malformed", "no such resource: " + path);
        }
    }

    void new_account(httplib::Response& res) {
        rapidjson::StringBuffer sb;
        JsonWriter w(sb);
        w.StartObject();
        put(w, "status", "valid");
        w.Key("contact");
        w.StartArray();
        w.EndArray();
        put(w, "orders", url("/acct/1/orders"));
        w.EndObject();
        res.set_header("Location", url("/acct/1"));
        json(res, 201, text(sb));
    }

    void new_order(const rapidjson::Document& payload, httplib::Response& res) {
        if (opt_.mode == Mode::RateLimit) {
            res.set_header("Retry-After", "2");
            problem(res, 429, "rateLimited", "too many certificates");
            return;
        }
        if (!payload.IsObject() || !payload.HasMember("identifiers") ||
            !payload["identifiers"].IsArray()) {
            problem(res, 400, "malformed", "newOrder payload has no identifiers array");
            return;
        }
        const auto& ids = payload["identifiers"];
        if (ids.Empty() || ids.Size() > kMaxIdentifiers) {
            problem(res, 400, "rejectedIdentifier", "between 1 and 100 identifiers, please");
            return;
        }
        std::vector<Identifier> parsed;
        for (const auto& id : ids.GetArray()) {
            if (!id.IsObject() || !id.HasMember("type") || !id.HasMember("value") ||
                !id["type"].IsString() || !id["value"].IsString() ||
                id["value"].GetStringLength() > kMaxIdentifierLength) {
                problem(res, 400, "malformed",
                        "identifier must be {\"type\": string, \"value\": string}");
                return;
            }
            parsed.push_back({id["type"].GetString(), id["value"].GetString()});
        }
        {
            std::lock_guard<std::mutex> lock(g_order_mutex);
            g_order_identifiers = std::move(parsed);
            g_authz_answered.assign(g_order_identifiers.size(), false);
        }
        res.set_header("Location", url("/order/1"));
        order(res, 201);
    }

    // The identifiers of the current order (set by newOrder).
    static std::vector<Identifier> order_identifiers() {
        std::lock_guard<std::mutex> lock(g_order_mutex);
        return g_order_identifiers;
    }

    // "identifiers": [{"type": ..., "value": ...}, ...] (RFC 8555 §7.1.3).
    static void put_identifiers(JsonWriter& w, const std::vector<Identifier>& ids) {
        w.Key("identifiers");
        w.StartArray();
        for (const auto& id : ids) {
            w.StartObject();
            put(w, "type", id.type);
            put(w, "value", id.value);
            w.EndObject();
        }
        w.EndArray();
    }

    void order(httplib::Response& res, int status) {
        if (hardening_order(res, status)) return;
        const std::vector<Identifier> ids = order_identifiers();
        rapidjson::StringBuffer sb;
        JsonWriter w(sb);
        w.StartObject();
        put(w, "status", "pending");
        put(w, "expires", "2099-01-01T00:00:00Z");
        put_identifiers(w, ids);
        w.Key("authorizations");
        w.StartArray();
        for (size_t i = 0; i < ids.size(); ++i) {
            const std::string u = url("/authz/" + std::to_string(i));
            w.String(u.c_str());
        }
        w.EndArray();
        put(w, "finalize", url("/order/1/finalize"));
        w.EndObject();
        json(res, status, text(sb));
    }

    // --- hardening modes (issue 13): orders a strict client must refuse ------------------

    // Answers the order in the malformed-order and html-order modes; false in any other mode.
    bool hardening_order(httplib::Response& res, int status) {
        if (opt_.mode != Mode::MalformedOrder && opt_.mode != Mode::HtmlOrder) return false;
        const std::vector<Identifier> ids = order_identifiers();
        rapidjson::StringBuffer sb;
        JsonWriter w(sb);
        w.StartObject();
        put(w, "status", "pending");
        put_identifiers(w, ids);
        if (opt_.mode == Mode::MalformedOrder) {
            put(w, "authorizations", url("/authz/0"));  // RFC 8555 §7.1.3: must be an array
        } else {
            w.Key("authorizations");
            w.StartArray();
            w.EndArray();
        }
        put(w, "finalize", url("/order/1/finalize"));
        w.EndObject();
        res.status = status;
        res.set_content(text(sb), opt_.mode == Mode::HtmlOrder ? "text/html" : "application/json");
        return true;
    }

    std::string token() const {
        return opt_.mode == Mode::DotdotToken ? kEvilToken
                                              : "fakeTokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    }

    // Index of an authorization of the current order, or -1.
    static long authz_index(const std::string& text) {
        char* end = nullptr;
        const unsigned long i = std::strtoul(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || i >= g_order_identifiers.size()) return -1;
        return static_cast<long>(i);
    }

    void authz(const std::string& index_text, httplib::Response& res) {
        Identifier id;
        bool answered = false;
        {
            std::lock_guard<std::mutex> lock(g_order_mutex);
            const long i = authz_index(index_text);
            if (i < 0) {
                problem(res, 404, "malformed", "no such authorization");
                return;
            }
            id = g_order_identifiers[static_cast<size_t>(i)];
            answered = g_authz_answered[static_cast<size_t>(i)];
        }
        rapidjson::StringBuffer sb;
        JsonWriter w(sb);
        w.StartObject();
        put(w, "status", answered ? "invalid" : "pending");
        put(w, "expires", "2099-01-01T00:00:00Z");
        w.Key("identifier");
        w.StartObject();
        put(w, "type", id.type);
        put(w, "value", id.value);
        w.EndObject();
        w.Key("challenges");
        w.StartArray();
        for (const char* type : {"http-01", "dns-01"}) {
            w.StartObject();
            put(w, "type", type);
            put(w, "status", answered ? "invalid" : "pending");
            put(w, "url", url("/chall/" + index_text + "/" + type));
            put(w, "token", token());
            if (answered) failed_challenge_error(w);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
        json(res, 200, text(sb));
    }

    static void failed_challenge_error(JsonWriter& w) {
        w.Key("error");
        w.StartObject();
        put(w, "type", "urn:ietf:params:acme:error:unauthorized");
        put(w, "detail", "the fake ACME server fails every challenge");
        w.EndObject();
    }

    // Any answer to a challenge makes it and its authorization invalid: the
    // flow always ends here (RFC 8555 §7.5.1).
    void challenge_response(const std::string& rest, httplib::Response& res) {
        const auto slash = rest.find('/');
        const std::string index_text = rest.substr(0, slash);
        const std::string type = slash == std::string::npos ? "" : rest.substr(slash + 1);
        {
            std::lock_guard<std::mutex> lock(g_order_mutex);
            const long i = authz_index(index_text);
            if (i < 0 || (type != "http-01" && type != "dns-01")) {
                problem(res, 404, "malformed", "no such challenge");
                return;
            }
            g_authz_answered[static_cast<size_t>(i)] = true;
        }
        rapidjson::StringBuffer sb;
        JsonWriter w(sb);
        w.StartObject();
        put(w, "type", type);
        put(w, "status", "invalid");
        put(w, "url", url("/chall/" + rest));
        put(w, "token", token());
        failed_challenge_error(w);
        w.EndObject();
        res.set_header("Link", "<" + url("/authz/" + index_text) + ">;rel=\"up\"");
        json(res, 200, text(sb));
    }

    Options opt_;
    std::string base_;
};

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    if (!parse_args(argc, argv, opt)) return 2;

    // Block the stop signals in every thread; one thread waits for them and
    // stops the server (svr.stop() is not async-signal-safe).
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    httplib::SSLServer svr(opt.cert.c_str(), opt.key.c_str());
    if (!svr.is_valid()) {
        std::fprintf(stderr, "fake_acme: cannot load TLS certificate %s / key %s\n",
                     opt.cert.c_str(), opt.key.c_str());
        return 1;
    }
    FakeAcme fake(opt);
    fake.install(svr);

    std::thread signal_thread([&svr, stop_signals] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        g_stop = true;
        svr.stop();
    });

    if (!svr.bind_to_port(opt.host.c_str(), opt.port)) {
        std::fprintf(stderr, "fake_acme: cannot listen on %s:%d\n", opt.host.c_str(), opt.port);
        std::_Exit(1);  // signal_thread is still waiting; nothing to clean up
    }
    std::fprintf(stderr, "fake_acme: listening on https://%s:%d/dir\n", opt.host.c_str(), opt.port);
    const bool ok = svr.listen_after_bind();
    if (!g_stop) {
        // listen failed by itself: wake the signal thread so it can be joined.
        pthread_kill(signal_thread.native_handle(), SIGTERM);
    }
    signal_thread.join();
    std::fprintf(stderr, "fake_acme: stopped\n");
    return ok || g_stop ? 0 : 1;
}
