#include "etcd.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "base64.h"
#include "json.h"
#include "log.h"

namespace certbot {

namespace {

// etcd refuses requests over 1.5 MiB by default (--max-request-bytes); a key is far smaller.
constexpr size_t kMaxKey = 4096;
constexpr size_t kMaxValue = 4u << 20;

std::string b64(const std::string& bytes) {
    return json::quote(base64_encode(bytes));
}

// proto3 JSON writes int64 as a decimal string; accept a JSON integer too.
Result<int64_t> int_field(const rapidjson::Value& obj, const char* name, const std::string& what) {
    if (!obj.IsObject()) return Error(what + ": not a JSON object");
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd()) return int64_t{0};  // proto3 omits zero values
    const auto& v = it->value;
    if (v.IsInt64()) return v.GetInt64();
    if (!v.IsString() || v.GetStringLength() == 0 || v.GetStringLength() > 20)
        return Error(what + ": \"" + name + "\" is not an integer");
    std::string s(v.GetString(), v.GetStringLength());
    size_t start = s[0] == '-' ? 1 : 0;
    if (start == s.size() ||
        !std::all_of(s.begin() + start, s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return Error(what + ": \"" + name + "\" is not an integer");
    errno = 0;
    long long n = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == ERANGE) return Error(what + ": \"" + name + "\" is out of range");
    return static_cast<int64_t>(n);
}

Result<std::string> bytes_field(const rapidjson::Value& obj, const char* name, size_t max,
                                const std::string& what) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd()) return std::string();
    if (!it->value.IsString()) return Error(what + ": \"" + name + "\" is not a string");
    auto decoded =
        base64_decode(std::string_view(it->value.GetString(), it->value.GetStringLength()));
    if (!decoded) return Error(what + ": \"" + name + "\" is not base64");
    if (decoded->size() > max)
        return Error(what + ": \"" + name + "\" is larger than " + std::to_string(max) + " bytes");
    return std::move(*decoded);
}

Result<int64_t> header_revision(const rapidjson::Value& doc, const std::string& what) {
    auto h = doc.FindMember("header");
    if (h == doc.MemberEnd() || !h->value.IsObject()) return int64_t{0};
    return int_field(h->value, "revision", what);
}

Result<EtcdKeyValue> parse_kv(const rapidjson::Value& v, const std::string& what) {
    if (!v.IsObject()) return Error(what + ": a key-value is not an object");
    EtcdKeyValue kv;
    auto key = bytes_field(v, "key", kMaxKey, what);
    if (!key) return key.error();
    if (key->empty()) return Error(what + ": a key-value has no key");
    kv.key = std::move(*key);
    auto value = bytes_field(v, "value", kMaxValue, what);
    if (!value) return value.error();
    kv.value = std::move(*value);
    for (auto [name, field] : {std::pair{"create_revision", &kv.create_revision},
                               std::pair{"mod_revision", &kv.mod_revision},
                               std::pair{"version", &kv.version}, std::pair{"lease", &kv.lease}}) {
        auto n = int_field(v, name, what);
        if (!n) return n.error();
        if (*n < 0) return Error(what + ": \"" + name + "\" is negative");
        *field = *n;
    }
    return kv;
}

// A RangeResponse: every key must lie in [key, range_end) (or equal key when range_end is
// empty): a member must not slip in keys nobody asked for.
Result<EtcdRange> parse_range(const rapidjson::Value& doc, const std::string& key,
                              const std::string& range_end, size_t max_kvs,
                              const std::string& what) {
    EtcdRange out;
    auto rev = header_revision(doc, what);
    if (!rev) return rev.error();
    out.revision = *rev;
    auto count = int_field(doc, "count", what);
    if (!count) return count.error();
    out.count = *count;
    out.more = json::get_bool(doc, "more");
    auto kvs = doc.FindMember("kvs");
    if (kvs == doc.MemberEnd()) return out;
    if (!kvs->value.IsArray()) return Error(what + ": \"kvs\" is not a list");
    if (kvs->value.Size() > max_kvs)
        return Error(what + ": more than " + std::to_string(max_kvs) + " keys in one answer");
    for (const auto& v : kvs->value.GetArray()) {
        auto kv = parse_kv(v, what);
        if (!kv) return kv.error();
        bool inside = range_end.empty() ? kv->key == key
                                        : kv->key >= key && (range_end == std::string(1, '\0') ||
                                                             kv->key < range_end);
        if (!inside)
            return Error(what + ": the answer holds the key \"" + log::printable(kv->key, 80) +
                         "\", outside the range asked for");
        out.kvs.push_back(std::move(*kv));
    }
    return out;
}

std::string range_request(const std::string& key, const std::string& range_end, int64_t limit,
                          bool keys_only, bool newest_first = false) {
    std::string body = "{\"key\":" + b64(key);
    if (!range_end.empty()) body += ",\"range_end\":" + b64(range_end);
    if (limit > 0) body += ",\"limit\":\"" + std::to_string(limit) + "\"";
    if (keys_only) body += ",\"keys_only\":true";
    // etcdserverpb.RangeRequest: sort_order DESCEND (2), sort_target MOD (3).
    if (newest_first) body += ",\"sort_order\":\"DESCEND\",\"sort_target\":\"MOD\"";
    return body + "}";
}

std::string put_request(const std::string& key, const std::string& value, int64_t lease) {
    std::string body = "{\"key\":" + b64(key) + ",\"value\":" + b64(value);
    if (lease != 0) body += ",\"lease\":\"" + std::to_string(lease) + "\"";
    return body + "}";
}

std::string delete_request(const std::string& key, const std::string& range_end) {
    std::string body = "{\"key\":" + b64(key);
    if (!range_end.empty()) body += ",\"range_end\":" + b64(range_end);
    return body + "}";
}

Status check_key(const std::string& key) {
    if (key.empty()) return Error("an etcd key must not be empty");
    if (key.size() > kMaxKey)
        return Error("the etcd key \"" + log::printable(key, 60) + "...\" is longer than " +
                     std::to_string(kMaxKey) + " bytes");
    return Status::Ok();
}

std::string op_json(const EtcdOp& op) {
    switch (op.kind) {
        case EtcdOp::Kind::kPut:
            return "{\"request_put\":" + put_request(op.key, op.value, op.lease) + "}";
        case EtcdOp::Kind::kDelete:
            return "{\"request_delete_range\":" + delete_request(op.key, "") + "}";
        case EtcdOp::Kind::kDeletePrefix:
            return "{\"request_delete_range\":" + delete_request(op.key, prefix_range_end(op.key)) +
                   "}";
        case EtcdOp::Kind::kGet:
            return "{\"request_range\":" + range_request(op.key, "", 0, false) + "}";
    }
    return "{}";
}

std::string compare_json(const EtcdCompare& c) {
    std::string body = "{\"key\":" + b64(c.key) + ",\"result\":\"EQUAL\",\"target\":";
    switch (c.target) {
        case EtcdCompare::Target::kCreateRevision:
            return body + "\"CREATE\",\"create_revision\":\"" + std::to_string(c.number) + "\"}";
        case EtcdCompare::Target::kModRevision:
            return body + "\"MOD\",\"mod_revision\":\"" + std::to_string(c.number) + "\"}";
        case EtcdCompare::Target::kValue:
            return body + "\"VALUE\",\"value\":" + b64(c.value) + "}";
        case EtcdCompare::Target::kLease:
            return body + "\"LEASE\",\"lease\":\"" + std::to_string(c.number) + "\"}";
    }
    return "{}";
}

bool readable(const std::string& path) {
    return ::access(path.c_str(), R_OK) == 0;
}

}  // namespace

std::string prefix_range_end(const std::string& prefix) {
    std::string end = prefix;
    while (!end.empty()) {
        unsigned char last = static_cast<unsigned char>(end.back());
        if (last < 0xff) {
            end.back() = static_cast<char>(last + 1);
            return end;
        }
        end.pop_back();
    }
    return std::string(1, '\0');  // every key (etcd: range_end "\0" with key "\0")
}

std::vector<std::string> split_endpoints(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        std::string part = text.substr(start, comma - start);
        auto first = part.find_first_not_of(" \t");
        auto last = part.find_last_not_of(" \t");
        if (first != std::string::npos) out.push_back(part.substr(first, last - first + 1));
        start = comma + 1;
    }
    return out;
}

Etcd::Etcd(EtcdOptions options, std::unique_ptr<HttpClient> http)
    : Etcd(std::move(options), std::move(http), nullptr) {}

Etcd::Etcd(EtcdOptions options, std::unique_ptr<HttpClient> http,
           std::function<std::unique_ptr<HttpClient>()> more)
    : options_(std::move(options)), more_(std::move(more)) {
    if (options_.endpoints.empty()) options_.endpoints.push_back("http://127.0.0.1:2379");
    idle_.push_back(std::move(http));
    made_ = 1;
}

std::unique_ptr<HttpClient> Etcd::checkout() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        if (!idle_.empty()) {
            auto http = std::move(idle_.back());
            idle_.pop_back();
            return http;
        }
        if (more_ && made_ < std::max<size_t>(1, options_.max_connections)) {
            ++made_;
            lock.unlock();
            return more_();
        }
        returned_.wait(lock);
    }
}

void Etcd::checkin(std::unique_ptr<HttpClient> http) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        idle_.push_back(std::move(http));
    }
    returned_.notify_one();
}

Result<std::string> Etcd::call(const std::string& path, const std::string& body) {
    // Start at the member that answered last; on a transport failure or 5xx try the next one.
    // A cluster electing a leader (a member just stopped) answers 503 for a second or two: a
    // second and third round over the members, a second apart, ride that out.
    // One connection for this request, back to the pool whatever happens.
    struct Borrowed {
        Etcd& etcd;
        std::unique_ptr<HttpClient> http;
        ~Borrowed() { etcd.checkin(std::move(http)); }
    } borrowed{*this, checkout()};
    Error last;
    const size_t n = options_.endpoints.size();
    for (size_t tried = 0; tried < n * options_.rounds; ++tried) {
        if (tried > 0 && tried % n == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(options_.round_pause_ms));
        size_t index = (current_ + tried) % n;
        std::string url = options_.endpoints[index];
        while (!url.empty() && url.back() == '/') url.pop_back();
        HttpRequest request;
        request.method = "POST";
        request.url = url + path;
        request.body = body;
        request.content_type = "application/json";
        auto response = borrowed.http->send(request);
        if (!response) {
            last = Error("etcd member " + url + ": " + response.error().message);
            log::debug(last.message + "; trying the next member");
            continue;
        }
        std::string what = "etcd member " + url + " answering " + path;
        if (response->status == 200) {
            current_ = index;
            return std::move(response->body);
        }
        // grpc-gateway's error body: {"error": "...", "code": N, "message": "..."}.
        std::string message = "HTTP " + std::to_string(response->status);
        if (auto doc = json::parse(response->body, what, 64 << 10); doc && doc->IsObject()) {
            auto m = json::get_string(*doc, "message");
            if (!m) m = json::get_string(*doc, "error");
            if (m) message = log::printable(*m, 200);
        }
        last = Error(what + ": " + message);
        if (response->status >= 500) {
            log::debug(last.message + "; trying the next member");
            continue;
        }
        current_ = index;
        return last;  // etcd refused the request itself: another member would too
    }
    std::string members =
        options_.endpoints.size() == 1
            ? "the etcd member"
            : "none of the " + std::to_string(options_.endpoints.size()) + " etcd members";
    Error e(members + " answered (last: " + last.message +
            "); check that the cluster is up and has quorum (--fleet-etcd)");
    e.transient = true;
    return e;
}

Result<std::optional<EtcdKeyValue>> Etcd::get(const std::string& key) {
    if (auto ok = check_key(key); !ok) return ok.error();
    auto body = call("/v3/kv/range", range_request(key, "", 0, false));
    if (!body) return body.error();
    const std::string what = "etcd's answer to a read of \"" + log::printable(key, 80) + "\"";
    auto doc = json::parse(*body, what, options_.max_response);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error(what + ": not a JSON object");
    auto range = parse_range(*doc, key, "", 1, what);
    if (!range) return range.error();
    if (range->kvs.empty()) return std::optional<EtcdKeyValue>();
    return std::optional<EtcdKeyValue>(std::move(range->kvs.front()));
}

Result<EtcdRange> Etcd::get_prefix(const std::string& prefix, int64_t limit, bool keys_only) {
    if (auto ok = check_key(prefix); !ok) return ok.error();
    const std::string end = prefix_range_end(prefix);
    auto body = call("/v3/kv/range", range_request(prefix, end, limit, keys_only));
    if (!body) return body.error();
    const std::string what = "etcd's answer to a read of \"" + log::printable(prefix, 80) + "*\"";
    auto doc = json::parse(*body, what, options_.max_response);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error(what + ": not a JSON object");
    size_t max = limit > 0 ? std::min<size_t>(static_cast<size_t>(limit), options_.max_kvs)
                           : options_.max_kvs;
    return parse_range(*doc, prefix, end, max, what);
}

Result<EtcdRange> Etcd::newest_in_prefix(const std::string& prefix) {
    if (auto ok = check_key(prefix); !ok) return ok.error();
    const std::string end = prefix_range_end(prefix);
    auto body = call("/v3/kv/range", range_request(prefix, end, 1, true, true));
    if (!body) return body.error();
    const std::string what = "etcd's answer to a read of \"" + log::printable(prefix, 80) + "*\"";
    auto doc = json::parse(*body, what, options_.max_response);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error(what + ": not a JSON object");
    return parse_range(*doc, prefix, end, 1, what);
}

Status Etcd::put(const std::string& key, const std::string& value, int64_t lease) {
    if (auto ok = check_key(key); !ok) return ok.error();
    if (value.size() > kMaxValue)
        return Error("the value for etcd key \"" + log::printable(key, 80) + "\" is larger than " +
                     std::to_string(kMaxValue) + " bytes");
    auto body = call("/v3/kv/put", put_request(key, value, lease));
    if (!body) return body.error();
    auto doc = json::parse(*body, "etcd's answer to a write", options_.max_response);
    if (!doc) return doc.error();
    return Status::Ok();
}

namespace {
Result<int64_t> deleted_count(const std::string& body, size_t max) {
    auto doc = json::parse(body, "etcd's answer to a delete", max);
    if (!doc) return doc.error();
    return int_field(*doc, "deleted", "etcd's answer to a delete");
}
}  // namespace

Result<int64_t> Etcd::del(const std::string& key) {
    if (auto ok = check_key(key); !ok) return ok.error();
    auto body = call("/v3/kv/deleterange", delete_request(key, ""));
    if (!body) return body.error();
    return deleted_count(*body, options_.max_response);
}

Result<int64_t> Etcd::del_prefix(const std::string& prefix) {
    if (auto ok = check_key(prefix); !ok) return ok.error();
    auto body = call("/v3/kv/deleterange", delete_request(prefix, prefix_range_end(prefix)));
    if (!body) return body.error();
    return deleted_count(*body, options_.max_response);
}

Result<EtcdTxnResult> Etcd::txn(const std::vector<EtcdCompare>& compares,
                                const std::vector<EtcdOp>& success,
                                const std::vector<EtcdOp>& failure) {
    for (const auto& c : compares)
        if (auto ok = check_key(c.key); !ok) return ok.error();
    for (const auto* ops : {&success, &failure})
        for (const auto& op : *ops)
            if (auto ok = check_key(op.key); !ok) return ok.error();
    auto list = [](const auto& items, auto render) {
        std::string out = "[";
        for (const auto& item : items) out += (out.size() > 1 ? "," : "") + render(item);
        return out + "]";
    };
    std::string body = "{\"compare\":" + list(compares, compare_json) +
                       ",\"success\":" + list(success, op_json) +
                       ",\"failure\":" + list(failure, op_json) + "}";
    auto answer = call("/v3/kv/txn", body);
    if (!answer) return answer.error();
    const std::string what = "etcd's answer to a transaction";
    auto doc = json::parse(*answer, what, options_.max_response);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error(what + ": not a JSON object");
    EtcdTxnResult out;
    out.succeeded = json::get_bool(*doc, "succeeded");
    auto rev = header_revision(*doc, what);
    if (!rev) return rev.error();
    out.revision = *rev;
    const auto& ran = out.succeeded ? success : failure;
    auto responses = doc->FindMember("responses");
    size_t n = 0;
    if (responses != doc->MemberEnd()) {
        if (!responses->value.IsArray()) return Error(what + ": \"responses\" is not a list");
        n = responses->value.Size();
    }
    if (n != ran.size())
        return Error(what + ": " + std::to_string(n) + " responses to " +
                     std::to_string(ran.size()) + " operations");
    for (size_t i = 0; i < ran.size(); ++i) {
        if (ran[i].kind != EtcdOp::Kind::kGet) continue;
        const auto& r = responses->value[static_cast<rapidjson::SizeType>(i)];
        if (!r.IsObject()) return Error(what + ": a response is not an object");
        auto range = r.FindMember("response_range");
        if (range == r.MemberEnd() || !range->value.IsObject())
            return Error(what + ": a read in the transaction has no answer");
        auto got = parse_range(range->value, ran[i].key, "", 1, what);
        if (!got) return got.error();
        out.gets.push_back(std::move(got->kvs));
    }
    return out;
}

Result<EtcdLease> Etcd::lease_grant(int64_t ttl_s) {
    if (ttl_s < 1 || ttl_s > 86400)
        return Error("an etcd lease must last between 1 s and a day, not " + std::to_string(ttl_s) +
                     " s");
    auto body = call("/v3/lease/grant", "{\"TTL\":\"" + std::to_string(ttl_s) + "\"}");
    if (!body) return body.error();
    const std::string what = "etcd's answer to a lease grant";
    auto doc = json::parse(*body, what, 64 << 10);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error(what + ": not a JSON object");
    if (auto e = json::get_string(*doc, "error"); e && !e->empty())
        return Error(what + ": " + log::printable(*e, 200));
    auto id = int_field(*doc, "ID", what);
    if (!id) return id.error();
    auto ttl = int_field(*doc, "TTL", what);
    if (!ttl) return ttl.error();
    if (*id == 0 || *ttl < 1 || *ttl > ttl_s * 2 + 60)
        return Error(what + ": lease " + std::to_string(*id) + " with a TTL of " +
                     std::to_string(*ttl) + " s is not what was asked for");
    return EtcdLease{*id, *ttl};
}

Result<EtcdLease> Etcd::lease_keepalive(int64_t id) {
    // A streaming call through the gateway: one request in the body, one {"result": ...} back.
    auto body = call("/v3/lease/keepalive", "{\"ID\":\"" + std::to_string(id) + "\"}");
    if (!body) return body.error();
    const std::string what = "etcd's answer to a lease keepalive";
    // Some gateway versions end the stream with a newline and nothing else.
    std::string text = *body;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
    auto doc = json::parse(text, what, 64 << 10);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error(what + ": not a JSON object");
    auto error = doc->FindMember("error");
    if (error != doc->MemberEnd()) {
        std::string message = "refused";
        if (error->value.IsObject())
            if (auto m = json::get_string(error->value, "message")) message = *m;
        return Error(what + ": " + log::printable(message, 200));
    }
    auto result = doc->FindMember("result");
    if (result == doc->MemberEnd() || !result->value.IsObject())
        return Error(what + ": no \"result\"");
    auto got_id = int_field(result->value, "ID", what);
    if (!got_id) return got_id.error();
    auto ttl = int_field(result->value, "TTL", what);
    if (!ttl) return ttl.error();
    if (*got_id != id)
        return Error(what + ": it is about lease " + std::to_string(*got_id) + ", not " +
                     std::to_string(id));
    if (*ttl < 0 || *ttl > 86400 * 2) return Error(what + ": TTL out of range");
    return EtcdLease{id, *ttl};
}

Status Etcd::lease_revoke(int64_t id) {
    auto body = call("/v3/lease/revoke", "{\"ID\":\"" + std::to_string(id) + "\"}");
    if (!body) return body.error();
    return Status::Ok();
}

Result<std::vector<EtcdMember>> Etcd::members() {
    auto body = call("/v3/cluster/member/list", "{}");
    if (!body) return body.error();
    const std::string what = "etcd's member list";
    auto doc = json::parse(*body, what, 1 << 20);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error(what + ": not a JSON object");
    std::vector<EtcdMember> out;
    auto members = doc->FindMember("members");
    if (members == doc->MemberEnd()) return out;
    if (!members->value.IsArray() || members->value.Size() > 64)
        return Error(what + ": \"members\" is not a list of at most 64");
    for (const auto& m : members->value.GetArray()) {
        if (!m.IsObject()) return Error(what + ": a member is not an object");
        EtcdMember member;
        member.name = log::printable(json::get_string(m, "name").value_or(""), 100);
        for (const auto& url : json::get_string_array(m, "clientURLs"))
            if (member.client_urls.size() < 16)
                member.client_urls.push_back(log::printable(url, 200));
        out.push_back(std::move(member));
    }
    return out;
}

Result<std::unique_ptr<Etcd>> make_etcd(const EtcdOptions& options) {
    if (options.endpoints.empty())
        return Error("--fleet-etcd names no etcd member URL", kExitUsage);
    bool any_https = false;
    for (const auto& endpoint : options.endpoints) {
        auto url = parse_url(endpoint, false);
        if (!url)
            return Error("--fleet-etcd: " + url.error().message +
                             " (give each member as http(s)://HOST:PORT)",
                         kExitUsage);
        if (url->path != "/")
            return Error("--fleet-etcd: \"" + log::printable(endpoint, 120) +
                             "\" has a path; give the member's client URL, http(s)://HOST:PORT",
                         kExitUsage);
        any_https = any_https || url->scheme == "https";
    }
    if (options.cert_file.empty() != options.key_file.empty())
        return Error(
            "--fleet-etcd-cert and --fleet-etcd-key go together (TLS client authentication); "
            "give both or neither",
            kExitUsage);
    for (auto [flag, path] : {std::pair{"--fleet-etcd-cacert", &options.ca_file},
                              std::pair{"--fleet-etcd-cert", &options.cert_file},
                              std::pair{"--fleet-etcd-key", &options.key_file}}) {
        if (path->empty()) continue;
        if (!any_https)
            return Error(std::string(flag) + " is for TLS, but no --fleet-etcd URL is https://",
                         kExitUsage);
        if (!readable(*path))
            return Error(std::string(flag) + ": cannot read " + *path, kExitUsage);
    }
    HttpOptions http;
    http.ca_file = options.ca_file;
    http.client_cert_file = options.cert_file;
    http.client_key_file = options.key_file;
    http.max_body = options.max_response;
    http.connect_timeout_s = std::max(1, options.timeout_s / 2);
    http.read_timeout_s = options.timeout_s;
    http.total_timeout_s = options.timeout_s;
    return std::make_unique<Etcd>(options, make_http_client(http),
                                  [http] { return make_http_client(http); });
}

}  // namespace certbot
