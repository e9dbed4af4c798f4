// Fleet mode (docs/fleet.md): several nodes share lineages and ACME accounts through etcd.
//
// The local store (storage.h) stays what nginx, apache, hooks and `certificates` read; etcd is a
// second backend behind it. A node publishes a lineage after it issued or renewed it, and every
// node materialises what etcd holds into its config dir with the store's own crash-safe writes
// (create_lineage, save_new_version, save_renewal_conf, save_account): no second copy of the
// store's code. One node renews a lineage at a time: it holds a lease-backed lock taken with a
// transaction; the others skip that lineage.
//
// Keys under the prefix P (default /certbot/):
//   P lineage/<name>          {"version": N, "conf": <renewal conf>, "fullchain_sha256": hex,
//                              "node": <publisher>, "time": <unix time>}
//   P version/<name>/<N>      {"cert", "chain", "fullchain": PEM, "privkey": sealed (seal.h)}
//   P account/<server path>/<id>  {"server": URL, "private_key": sealed, "regr", "meta": JSON}
//   P lock/<name>             the holder's node name, attached to its lease
//   P node/<node>             {"time": <unix time>, "lineages": {name: version}} (status)
//   P result/<name>           {"node", "time", "error"}: the last renewal that failed (status)
//   P order/<digest>          {"url": the unfinished order of these names at this CA, "node",
//   "time"} P agent/<node>            {"webroot": dir, "time"}: a running `fleet agent`, on its
//   lease P http01/<token>          the key authorization every agent serves, on the orderer's
//   lease P http01-ack/<token>/<node>  an agent serves it now, on the agent's lease
// Every value read back is untrusted: names, ids and URLs are validated before they reach a
// path, PEM is parsed, the fullchain is checked against the record's hash and the private key
// against the certificate, and sealed keys open only with the fleet key and their own AAD.
#pragma once

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config.h"
#include "etcd.h"
#include "result.h"
#include "storage.h"

namespace certbot {

// Checks the fleet flags as a whole (the commands that use them call it before they act): fleet
// flags without --fleet-etcd, --fleet-etcd without --fleet-key, a bad URL or prefix, TLS files
// that cannot be read, a fleet key file that is not 32 private bytes: each one line naming the
// flag, exit code kExitUsage.
Status check_fleet_options(const FleetOptions& options);

EtcdOptions etcd_options_for(const FleetOptions& options);

// A lineage as the fleet holds it.
struct SharedLineage {
    std::string name;
    int64_t version = 0;
    std::string conf;  // the renewal conf text, as the publisher had it
    std::string fullchain_sha256;
    std::string node;
    int64_t time = 0;
    int64_t mod_revision = 0;  // of its record (compare-and-swap on publish)
};

struct LockResult {
    bool held = false;
    std::string holder;  // when another node holds it: that node
    // Not held because the fleet already has a newer version than this node had when it decided
    // (another node renewed meanwhile); it has been materialised.
    bool renewed_elsewhere = false;
};

// The answer to one http-01 challenge (RFC 8555 §8.3) as the fleet's agents serve it.
struct FleetHttp01 {
    std::string token, key_authorization;
};

class Fleet {
  public:
    // Connects (no request yet), reads the fleet key. `config_dir` is this node's store.
    static Result<std::unique_ptr<Fleet>> open(const FleetOptions& options,
                                               const std::string& config_dir);
    ~Fleet();
    Fleet(const Fleet&) = delete;
    Fleet& operator=(const Fleet&) = delete;

    // This node's name in the fleet: host name and config dir.
    const std::string& node() const { return node_; }
    const std::string& prefix() const { return prefix_; }
    Etcd& etcd() { return *etcd_; }

    // All lineages in the fleet, sorted by name (invalid records are reported in `problems`).
    Result<std::vector<SharedLineage>> lineages(std::vector<Error>* problems = nullptr);
    Result<std::optional<SharedLineage>> lineage(const std::string& name);

    struct SyncReport {
        std::vector<std::string> updated;  // lineages that got a new version (or appeared)
        std::vector<Error> problems;       // one per lineage or account that could not be done
    };
    // Accounts, then every lineage whose shared fullchain differs from the local one (callers
    // hold the config dir's lock). Also records this node's versions under P node/.
    Result<SyncReport> materialise_all();
    // One lineage; true when the local store changed.
    Result<bool> materialise(const SharedLineage& shared);

    // Publishes the lineage's current local version as the fleet's next version, with its
    // renewal conf and its ACME account. Refused (nothing written) when another node published
    // the lineage since this node locked or last read it.
    Status publish(const Lineage& lineage);

    // One renewer per lineage: takes P lock/<name> with this node's lease (granted on first use
    // and kept alive by a thread until the Fleet is destroyed, which revokes it). Then checks
    // that the fleet's version is the one this node has; if another node renewed meanwhile, the
    // new version is materialised, the lock dropped and renewed_elsewhere set.
    Result<LockResult> lock(const std::string& name);
    Status unlock(const std::string& name);
    // A renewal of `name` by this node failed: P result/<name> says so (node, time, the error's
    // first 300 characters) for `fleet status` until the next publish of the lineage clears it.
    void record_failure(const std::string& name, const std::string& message);
    // True once a keepalive found the lease gone: the locks taken with it are no longer ours.
    bool lease_lost() const { return lease_lost_; }
    // This node's lease (granted on first use), for keys that must vanish with the process.
    Result<int64_t> lease();

    // For issuance (core/workflow's IssuanceRelay, fleet_relay.h): unfinished orders under P order/
    // (kept when the node dies, so the next node resumes them), http-01 answers under P http01/ for
    // every node's agent.
    std::string pending_order(const std::string& server, const std::vector<std::string>& domains);
    void order_placed(const std::string& server, const std::vector<std::string>& domains,
                      const std::string& url);
    void order_done(const std::string& server, const std::vector<std::string>& domains);
    // Publishes the answers on this node's lease, then waits (up to http01_wait_ms) until every
    // running agent confirmed each; an agent that does not is named in a warning.
    Status http01_ready(const std::vector<FleetHttp01>& answers);
    void http01_done(const std::vector<FleetHttp01>& answers);
    int http01_wait_ms = 30000;

  private:
    Fleet() = default;
    Status materialise_accounts(SyncReport& report);
    Status ensure_lease();
    void keepalive_loop();
    std::string key(const std::string& rest) const { return prefix_ + rest; }

    std::unique_ptr<Etcd> etcd_, keepalive_etcd_;
    std::string prefix_, fleet_key_, config_dir_, node_;
    std::mutex mu_;
    std::map<std::string, int64_t> seen_revision_;  // lineage -> record mod_revision at lock
    int64_t lease_ = 0, lease_ttl_ = 60;
    std::atomic<bool> lease_lost_{false};
    std::thread keepalive_;
    std::condition_variable stop_cv_;
    bool stopping_ = false;
};

// For a command: nullptr when fleet mode is off (no --fleet-etcd); else the fleet, opened, after
// bringing this node's store up to date (materialise_all; each lineage or account that could not
// be taken is a warning naming it). `updated` gets the lineages that received a new version.
// Callers hold the config dir's lock (an open Session).
Result<std::unique_ptr<Fleet>> open_fleet_and_sync(const Config& cfg,
                                                   std::vector<std::string>* updated = nullptr);

// sha256 of the fullchain file as hex (what a lineage record carries).
std::string fullchain_digest(const std::string& pem);

}  // namespace certbot
