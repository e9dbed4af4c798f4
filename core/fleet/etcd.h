// A client for etcd's v3 API through its JSON gateway (etcd 3.4: POST /v3/kv/range, /v3/kv/put,
// /v3/kv/deleterange, /v3/kv/txn, /v3/lease/grant, /v3/lease/keepalive, /v3/lease/revoke;
// https://etcd.io/docs/v3.4/dev-guide/api_grpc_gateway/). Keys and values travel base64-encoded
// (the gateway's encoding of protobuf bytes) and 64-bit integers as JSON strings (proto3 JSON).
//
// Thread-safe: with a connection factory (make_etcd gives one) requests from several threads run
// at once, each on its own connection (up to EtcdOptions::max_connections, kept open for the
// next request); with one injected HttpClient they are made one after another.
//
// Every byte from etcd is untrusted: responses are bounded in size and time (HttpClient), parsed
// with the strict JSON reader, and each field is checked (base64, integer syntax, key inside the
// range asked for) before it is used. A request fails over to the next member URL when a member
// cannot be reached or answers 5xx (no leader, stopped); a request etcd refused (4xx) is final.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http.h"
#include "result.h"

namespace certbot {

struct EtcdOptions {
    std::vector<std::string> endpoints;  // member client URLs: http(s)://host:port
    std::string ca_file;                 // TLS: the CA that signed the members' certificates
    std::string cert_file, key_file;     // TLS client authentication (both or neither)
    int timeout_s = 5;                   // one request on one member, in total
    size_t max_response = 16u << 20;     // bytes of one response
    size_t max_kvs = 100000;             // key-value pairs of one range response
    size_t rounds = 3;                   // times every member is tried before giving up
    int round_pause_ms = 1000;           // between rounds
    size_t max_connections = 8;          // concurrent requests (each on its own connection)
};

struct EtcdKeyValue {
    std::string key, value;
    int64_t create_revision = 0, mod_revision = 0, version = 0, lease = 0;
};

struct EtcdRange {
    std::vector<EtcdKeyValue> kvs;
    int64_t revision = 0;  // the store's revision when the range was read
    bool more = false;     // a limit cut the answer short
    int64_t count = 0;     // keys in the range (all of them, also when limited)
};

// One condition of a transaction (etcd's Compare, RFC-less: etcdserverpb.Compare).
struct EtcdCompare {
    enum class Target { kCreateRevision, kModRevision, kValue, kLease };
    std::string key;
    Target target = Target::kCreateRevision;
    int64_t number = 0;  // for the revision and lease targets
    std::string value;   // for kValue
    // Conditions compare with EQUAL: create_revision == 0 means "the key does not exist".
    static EtcdCompare absent(std::string key) {
        return EtcdCompare{std::move(key), Target::kCreateRevision, 0, {}};
    }
    static EtcdCompare mod_revision_is(std::string key, int64_t rev) {
        return EtcdCompare{std::move(key), Target::kModRevision, rev, {}};
    }
    static EtcdCompare value_is(std::string key, std::string value) {
        return EtcdCompare{std::move(key), Target::kValue, 0, std::move(value)};
    }
};

// One operation of a transaction: a put, a delete of a key (or of a prefix), or a get.
struct EtcdOp {
    enum class Kind { kPut, kDelete, kDeletePrefix, kGet };
    Kind kind = Kind::kPut;
    std::string key, value;
    int64_t lease = 0;
    static EtcdOp put(std::string key, std::string value, int64_t lease = 0) {
        return EtcdOp{Kind::kPut, std::move(key), std::move(value), lease};
    }
    static EtcdOp del(std::string key) { return EtcdOp{Kind::kDelete, std::move(key), {}, 0}; }
    static EtcdOp get(std::string key) { return EtcdOp{Kind::kGet, std::move(key), {}, 0}; }
};

struct EtcdTxnResult {
    bool succeeded = false;
    int64_t revision = 0;
    // The key-values read by kGet operations of the branch that ran, in order.
    std::vector<std::vector<EtcdKeyValue>> gets;
};

struct EtcdMember {
    std::string name;
    std::vector<std::string> client_urls;
};

struct EtcdLease {
    int64_t id = 0;
    int64_t ttl = 0;  // seconds; 0 after keepalive: the lease had already expired
};

class Etcd {
  public:
    // `http` carries the requests (make_etcd builds the real one from the options).
    Etcd(EtcdOptions options, std::unique_ptr<HttpClient> http);
    // With a factory for more connections: concurrent requests, up to max_connections.
    Etcd(EtcdOptions options, std::unique_ptr<HttpClient> http,
         std::function<std::unique_ptr<HttpClient>()> more);

    Result<std::optional<EtcdKeyValue>> get(const std::string& key);
    // Keys starting with `prefix`, sorted by key; `limit` 0 means all (up to max_kvs).
    Result<EtcdRange> get_prefix(const std::string& prefix, int64_t limit = 0,
                                 bool keys_only = false);
    // The key under `prefix` modified last (keys only) and, in `count`, how many there are: a
    // cheap "did anything change" for a large prefix.
    Result<EtcdRange> newest_in_prefix(const std::string& prefix);
    Status put(const std::string& key, const std::string& value, int64_t lease = 0);
    // Number of keys deleted.
    Result<int64_t> del(const std::string& key);
    Result<int64_t> del_prefix(const std::string& prefix);
    // If every compare holds, runs `success`, else `failure` (atomically).
    Result<EtcdTxnResult> txn(const std::vector<EtcdCompare>& compares,
                              const std::vector<EtcdOp>& success,
                              const std::vector<EtcdOp>& failure = {});
    Result<EtcdLease> lease_grant(int64_t ttl_s);
    // Refreshes a lease; ttl 0 in the answer means it had expired (the caller lost what it held).
    Result<EtcdLease> lease_keepalive(int64_t id);
    Status lease_revoke(int64_t id);
    // The cluster's members as the answering member knows them (/v3/cluster/member/list).
    Result<std::vector<EtcdMember>> members();

    // The member URL that answered last (for messages and `fleet status`).
    const std::string& current_endpoint() const { return options_.endpoints[current_.load()]; }
    const EtcdOptions& options() const { return options_; }

  private:
    Result<std::string> call(const std::string& path, const std::string& body);

    EtcdOptions options_;
    std::unique_ptr<HttpClient> checkout();
    void checkin(std::unique_ptr<HttpClient> http);

    std::function<std::unique_ptr<HttpClient>()> more_;
    std::mutex mu_;  // guards the pool below
    std::condition_variable returned_;
    std::vector<std::unique_ptr<HttpClient>> idle_;
    size_t made_ = 0;  // connections in existence (idle or in use)
    std::atomic<size_t> current_{0};
};

// Checks the options (at least one endpoint, each an http(s) URL with no path, TLS files
// readable, cert and key together) and builds a client over cpp-httplib.
Result<std::unique_ptr<Etcd>> make_etcd(const EtcdOptions& options);

// Splits "URL[,URL...]" (spaces around commas allowed) into member URLs.
std::vector<std::string> split_endpoints(const std::string& text);

// The first key after every key starting with `prefix` (etcd's range_end for a prefix).
std::string prefix_range_end(const std::string& prefix);

}  // namespace certbot
