#include "fleet.h"

#include <openssl/crypto.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "base64.h"
#include "crypto.h"
#include "fsutil.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "seal.h"

namespace certbot {

namespace {

constexpr size_t kMaxRecord = 1u << 20;  // one lineage record or version in etcd
constexpr int kKeepVersions = 6;         // in etcd: the current one and 5 before it, like archive/
constexpr size_t kSyncWorkers = 4;       // lineages materialised at once

// Private key bytes do not outlive their use in this process's memory longer than needed.
void wipe(std::string& s) {
    OPENSSL_cleanse(s.data(), s.size());
}

bool is_hex(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
}

Status check_prefix(const std::string& prefix) {
    auto bad = [&](const std::string& why) {
        return Error("--fleet-prefix \"" + log::printable(prefix, 80) + "\": " + why, kExitUsage);
    };
    if (prefix.size() < 2 || prefix.size() > 200) return bad("give 2 to 200 characters");
    if (prefix.front() != '/' || prefix.back() != '/')
        return bad("it must start and end with '/' (like /certbot/)");
    for (char c : prefix) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return bad("only printable ASCII without spaces");
    }
    if (prefix.find("//") != std::string::npos || prefix.find("/../") != std::string::npos ||
        prefix.find("/./") != std::string::npos)
        return bad("no empty, '.' or '..' segments");
    return Status::Ok();
}

Result<int64_t> int_member(const rapidjson::Value& v, const char* name, const std::string& what) {
    auto it = v.FindMember(name);
    if (it == v.MemberEnd() || !it->value.IsInt64())
        return Error(what + ": \"" + name + "\" is missing or not an integer");
    return it->value.GetInt64();
}

Result<std::string> string_member(const rapidjson::Value& v, const char* name,
                                  const std::string& what) {
    auto s = json::get_string(v, name);
    if (!s) return Error(what + ": \"" + name + "\" is missing or not a string");
    return std::move(*s);
}

Result<SharedLineage> parse_lineage_record(const std::string& name, const EtcdKeyValue& kv) {
    const std::string what = "the fleet's record of lineage " + log::printable(name, 80);
    if (auto st = validate_lineage_name(name); !st) return Error(what + ": " + st.error().message);
    auto doc = json::parse(kv.value, what, kMaxRecord);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error(what + ": not a JSON object");
    SharedLineage s;
    s.name = name;
    s.mod_revision = kv.mod_revision;
    auto version = int_member(*doc, "version", what);
    if (!version) return version.error();
    if (*version < 1 || *version > 1000000000) return Error(what + ": version out of range");
    s.version = *version;
    auto time = int_member(*doc, "time", what);
    if (!time) return time.error();
    s.time = *time;
    for (auto [field, dst] :
         {std::pair{"conf", &s.conf}, std::pair{"fullchain_sha256", &s.fullchain_sha256},
          std::pair{"node", &s.node}}) {
        auto v = string_member(*doc, field, what);
        if (!v) return v.error();
        *dst = std::move(*v);
    }
    if (s.fullchain_sha256.size() != 64 || !is_hex(s.fullchain_sha256))
        return Error(what + ": \"fullchain_sha256\" is not a SHA-256 in hex");
    s.node = log::printable(s.node, 200);
    return s;
}

std::string version_key(const std::string& name, int64_t version) {
    return "version/" + name + "/" + std::to_string(version);
}

// The local lineage's fullchain digest, "" when it has none.
std::string local_digest(const std::string& config_dir, const std::string& name) {
    auto local = load_lineage(config_dir, name);
    if (!local) return {};
    auto pem = read_file(local->fullchain_path, 1 << 20);
    return pem ? fullchain_digest(*pem) : std::string();
}

std::string account_aad(const std::string& server_path, const std::string& id) {
    return "certbot-fleet account=" + server_path + "/" + id;
}

}  // namespace

std::string fullchain_digest(const std::string& pem) {
    return hex_encode(sha256(pem));
}

EtcdOptions etcd_options_for(const FleetOptions& options) {
    EtcdOptions e;
    e.endpoints = split_endpoints(options.etcd);
    e.ca_file = options.etcd_cacert;
    e.cert_file = options.etcd_cert;
    e.key_file = options.etcd_key;
    return e;
}

Status check_fleet_options(const FleetOptions& options) {
    if (!options.enabled()) {
        const FleetOptions defaults;
        for (auto [flag, set] : {std::pair{"fleet-prefix", options.prefix != defaults.prefix},
                                 std::pair{"fleet-etcd-cacert", !options.etcd_cacert.empty()},
                                 std::pair{"fleet-etcd-cert", !options.etcd_cert.empty()},
                                 std::pair{"fleet-etcd-key", !options.etcd_key.empty()},
                                 std::pair{"fleet-key", !options.key_file.empty()}})
            if (set)
                return Error(std::string("--") + flag +
                                 " is a fleet-mode option: give --fleet-etcd URL[,URL...] (the "
                                 "etcd members) too, or drop it",
                             kExitUsage);
        return Status::Ok();
    }
    if (options.key_file.empty())
        return Error(
            "--fleet-etcd needs --fleet-key FILE: the 0600 file of 32 random bytes, the same on "
            "every node, that encrypts private keys in etcd (head -c 32 /dev/urandom > FILE)",
            kExitUsage);
    if (auto st = check_prefix(options.prefix); !st) return st;
    if (auto etcd = make_etcd(etcd_options_for(options)); !etcd) return etcd.error();
    if (auto key = load_fleet_key(options.key_file); !key) return key.error();
    return Status::Ok();
}

Result<std::unique_ptr<Fleet>> Fleet::open(const FleetOptions& options,
                                           const std::string& config_dir) {
    if (auto st = check_prefix(options.prefix); !st) return st.error();
    auto etcd = make_etcd(etcd_options_for(options));
    if (!etcd) return etcd.error();
    auto keepalive = make_etcd(etcd_options_for(options));
    if (!keepalive) return keepalive.error();
    auto key = load_fleet_key(options.key_file);
    if (!key) return key.error();
    std::unique_ptr<Fleet> f(new Fleet());
    f->etcd_ = std::move(*etcd);
    f->keepalive_etcd_ = std::move(*keepalive);
    f->prefix_ = options.prefix;
    f->fleet_key_ = std::move(*key);
    f->config_dir_ = normalize_path(config_dir);
    f->node_ = creation_host() + ":" + f->config_dir_;
    return f;
}

Fleet::~Fleet() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
    if (keepalive_.joinable()) keepalive_.join();
    // Revoking the lease drops every lock this node still holds at once.
    if (lease_ != 0) (void)etcd_->lease_revoke(lease_);
    wipe(fleet_key_);
}

Result<std::vector<SharedLineage>> Fleet::lineages(std::vector<Error>* problems) {
    auto range = etcd_->get_prefix(key("lineage/"));
    if (!range) return range.error();
    std::vector<SharedLineage> out;
    const size_t skip = key("lineage/").size();
    for (const auto& kv : range->kvs) {
        auto s = parse_lineage_record(kv.key.substr(skip), kv);
        if (!s) {
            if (problems) problems->push_back(s.error());
            continue;
        }
        out.push_back(std::move(*s));
    }
    return out;
}

Result<std::optional<SharedLineage>> Fleet::lineage(const std::string& name) {
    if (auto st = validate_lineage_name(name); !st) return st.error();
    auto kv = etcd_->get(key("lineage/" + name));
    if (!kv) return kv.error();
    if (!kv->has_value()) return std::optional<SharedLineage>();
    auto s = parse_lineage_record(name, **kv);
    if (!s) return s.error();
    return std::optional<SharedLineage>(std::move(*s));
}

Result<bool> Fleet::materialise(const SharedLineage& shared) {
    const std::string& name = shared.name;
    if (auto st = validate_lineage_name(name); !st) return st.error();
    if (local_digest(config_dir_, name) == shared.fullchain_sha256) return false;

    const std::string what =
        "version " + std::to_string(shared.version) + " of lineage " + name + " in the fleet";
    auto kv = etcd_->get(key(version_key(name, shared.version)));
    if (!kv) return kv.error();
    if (!kv->has_value()) return Error(what + " is missing (published half-way?)");
    auto doc = json::parse((*kv)->value, what, kMaxRecord);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error(what + ": not a JSON object");
    std::string pem[4];  // cert, chain, fullchain, sealed privkey
    const char* fields[4] = {"cert", "chain", "fullchain", "privkey"};
    for (int i = 0; i < 4; ++i) {
        auto v = string_member(*doc, fields[i], what);
        if (!v) return v.error();
        pem[i] = std::move(*v);
    }
    if (fullchain_digest(pem[2]) != shared.fullchain_sha256)
        return Error(what + ": the fullchain does not match the lineage record's SHA-256");
    if (auto cert = parse_cert_pem(pem[0]); !cert)
        return Error(what + ": the certificate: " + cert.error().message);
    auto key_pem = unseal(fleet_key_, pem[3], lineage_key_aad(name, shared.version));
    if (!key_pem) return Error(what + ": " + key_pem.error().message);
    auto private_key = PrivateKey::from_pem(*key_pem);
    if (!private_key) return Error(what + ": the private key: " + private_key.error().message);
    if (!cert_matches_key(pem[0], *private_key))
        return Error(what + ": the private key does not belong to the certificate");
    auto conf = ConfigObj::parse(shared.conf, "the fleet's renewal conf of " + name);
    if (!conf) return conf.error();

    Lineage local;
    if (auto existing = load_lineage(config_dir_, name); existing) {
        local = std::move(*existing);
        auto saved = save_new_version(local, pem[0], pem[1], pem[2], *key_pem);
        wipe(*key_pem);
        if (!saved) return saved.error();
    } else {
        auto version = conf->root().get("version");
        auto created = create_lineage(config_dir_, name, pem[0], pem[1], pem[2], *key_pem, {},
                                      version.value_or("2.1.0"));
        wipe(*key_pem);
        if (!created) return created.error();
        local = std::move(*created);
    }
    // The shared conf with this node's paths: every node keeps its own config dir.
    ConfigObj mine = std::move(*conf);
    mine.root().set("archive_dir", local.archive_dir);
    mine.root().set("cert", local.cert_path);
    mine.root().set("privkey", local.privkey_path);
    mine.root().set("chain", local.chain_path);
    mine.root().set("fullchain", local.fullchain_path);
    local.conf = std::move(mine);
    if (auto st = save_renewal_conf(local); !st) return st.error();
    return true;
}

Status Fleet::materialise_accounts(SyncReport& report) {
    auto range = etcd_->get_prefix(key("account/"));
    if (!range) return range.error();
    const size_t skip = key("account/").size();
    for (const auto& kv : range->kvs) {
        const std::string rest = kv.key.substr(skip);
        const std::string what = "the fleet's account " + log::printable(rest, 120);
        auto slash = rest.rfind('/');
        if (slash == std::string::npos) {
            report.problems.push_back(Error(what + ": not <server path>/<id>"));
            continue;
        }
        const std::string server_path = rest.substr(0, slash), id = rest.substr(slash + 1);
        if (id.size() != 32 || !is_hex(id)) {
            report.problems.push_back(Error(what + ": the id is not an account id"));
            continue;
        }
        auto doc = json::parse(kv.value, what, kMaxRecord);
        if (!doc || !doc->IsObject()) {
            report.problems.push_back(doc ? Error(what + ": not a JSON object") : doc.error());
            continue;
        }
        StoredAccount account;
        account.id = id;
        auto server = string_member(*doc, "server", what);
        auto sealed = string_member(*doc, "private_key", what);
        auto regr = string_member(*doc, "regr", what);
        auto meta = string_member(*doc, "meta", what);
        if (!server || !sealed || !regr || !meta) {
            report.problems.push_back(Error(what + ": a field is missing"));
            continue;
        }
        auto path = server_path_for(*server);
        if (!path || *path != server_path) {
            report.problems.push_back(Error(what + ": its server URL does not match its key"));
            continue;
        }
        if (load_account(config_dir_, *server, id)) continue;  // already here
        auto jwk = unseal(fleet_key_, *sealed, account_aad(server_path, id));
        if (!jwk) {
            report.problems.push_back(Error(what + ": " + jwk.error().message));
            continue;
        }
        auto pkey = private_key_from_jwk_json(*jwk);
        if (!pkey || certbot_account_id(*pkey) != id) {
            report.problems.push_back(Error(what + ": the key is not the account's key"));
            continue;
        }
        auto regr_doc = json::parse(*regr, what + " regr.json", 64 << 10);
        auto meta_doc = json::parse(*meta, what + " meta.json", 64 << 10);
        if (!regr_doc || !meta_doc) {
            report.problems.push_back(regr_doc ? meta_doc.error() : regr_doc.error());
            continue;
        }
        account.server_url = *server;
        account.private_key_json = std::move(*jwk);
        account.regr_json = *regr;
        account.meta_json = *meta;
        auto st = save_account(config_dir_, account);
        wipe(account.private_key_json);
        if (!st) report.problems.push_back(st.error().context(what));
    }
    return Status::Ok();
}

Result<Fleet::SyncReport> Fleet::materialise_all() {
    SyncReport report;
    if (auto st = materialise_accounts(report); !st) return st.error();
    auto all = lineages(&report.problems);
    if (!all) return all.error();
    // Each lineage is its own files and its own etcd reads: kSyncWorkers at once (a node's first
    // sync of a large fleet is mostly waiting for fsync and etcd).
    struct Outcome {
        bool changed = false, current = false;
        std::optional<Error> error;
    };
    std::vector<Outcome> outcomes(all->size());
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i; (i = next++) < all->size();) {
            const SharedLineage& shared = (*all)[i];
            Outcome& o = outcomes[i];
            if (local_digest(config_dir_, shared.name) == shared.fullchain_sha256) {
                o.current = true;
                continue;
            }
            auto changed = materialise(shared);
            if (!changed) {
                o.error = changed.error().context("materialising " + shared.name);
                continue;
            }
            o.changed = *changed;
            o.current = true;
        }
    };
    std::vector<std::thread> workers;
    for (size_t w = 1; w < std::min(kSyncWorkers, all->size()); ++w) workers.emplace_back(work);
    work();
    for (auto& t : workers) t.join();
    std::string versions;
    for (size_t i = 0; i < all->size(); ++i) {
        const SharedLineage& shared = (*all)[i];
        if (outcomes[i].error) report.problems.push_back(*outcomes[i].error);
        if (outcomes[i].changed) report.updated.push_back(shared.name);
        if (outcomes[i].current)
            versions += std::string(versions.empty() ? "" : ",") + json::quote(shared.name) + ":" +
                        std::to_string(shared.version);
    }
    const std::string record =
        "{\"time\":" + std::to_string(std::time(nullptr)) + ",\"lineages\":{" + versions + "}}";
    if (auto st = etcd_->put(key("node/" + node_), record); !st)
        log::warning("could not record this node's state in the fleet: " + st.error().message);
    return report;
}

Status Fleet::publish(const Lineage& lineage) {
    const std::string& name = lineage.name;
    auto read = [](const std::string& path) { return read_file(path, 1 << 20); };
    auto cert = read(lineage.cert_path);
    auto chain = read(lineage.chain_path);
    auto fullchain = read(lineage.fullchain_path);
    auto key_pem = read(lineage.privkey_path);
    for (const auto* r : {&cert, &chain, &fullchain, &key_pem})
        if (!*r) return r->error().context("publishing " + name + " to the fleet");
    auto conf_text = lineage.conf.serialize();
    if (!conf_text) return conf_text.error();

    int64_t seen = 0, version = 1;
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = seen_revision_.find(name);
        if (it != seen_revision_.end()) seen = it->second;
    }
    auto current = this->lineage(name);
    if (!current) return current.error();
    if (current->has_value()) {
        if ((*current)->fullchain_sha256 == fullchain_digest(*fullchain))
            return Status::Ok();  // the fleet has this version already
        version = (*current)->version + 1;
        // Without a lock (certonly) the record just read is the one to replace.
        if (seen == 0) seen = (*current)->mod_revision;
    }
    auto sealed = seal(fleet_key_, *key_pem, lineage_key_aad(name, version));
    wipe(*key_pem);
    if (!sealed) return sealed.error();
    const std::string version_json =
        "{\"cert\":" + json::quote(*cert) + ",\"chain\":" + json::quote(*chain) +
        ",\"fullchain\":" + json::quote(*fullchain) + ",\"privkey\":" + json::quote(*sealed) + "}";
    const std::string record = "{\"version\":" + std::to_string(version) +
                               ",\"conf\":" + json::quote(*conf_text) + ",\"fullchain_sha256\":\"" +
                               fullchain_digest(*fullchain) + "\",\"node\":" + json::quote(node_) +
                               ",\"time\":" + std::to_string(std::time(nullptr)) + "}";
    std::vector<EtcdOp> ops = {EtcdOp::put(key(version_key(name, version)), version_json),
                               EtcdOp::put(key("lineage/" + name), record),
                               EtcdOp::del(key("result/" + name))};
    if (version > kKeepVersions)
        ops.push_back(EtcdOp::del(key(version_key(name, version - kKeepVersions))));

    // The lineage's ACME account, so that any node can renew it.
    const Section* params = lineage.conf.root().find_section("renewalparams");
    auto account_id = params ? params->get("account") : std::nullopt;
    auto server = params ? params->get("server") : std::nullopt;
    if (account_id && server) {
        auto account = load_account(config_dir_, *server, *account_id);
        auto server_path = server_path_for(*server);
        auto dir = accounts_dir_for(config_dir_, *server);
        if (account && server_path && dir) {
            auto sealed_jwk =
                seal(fleet_key_, account->private_key_json, account_aad(*server_path, account->id));
            if (!sealed_jwk) return sealed_jwk.error();
            auto regr = read_file(*dir + "/" + account->id + "/regr.json", 64 << 10);
            auto meta = read_file(*dir + "/" + account->id + "/meta.json", 64 << 10);
            ops.push_back(EtcdOp::put(
                key("account/" + *server_path + "/" + account->id),
                "{\"server\":" + json::quote(*server) +
                    ",\"private_key\":" + json::quote(*sealed_jwk) + ",\"regr\":" +
                    json::quote(regr ? *regr : make_regr_json(account->account_uri)) +
                    ",\"meta\":" +
                    json::quote(meta ? *meta
                                     : make_meta_json(std::time(nullptr), creation_host())) +
                    "}"));
        }
    }
    auto txn = etcd_->txn({EtcdCompare::mod_revision_is(key("lineage/" + name), seen)}, ops);
    if (!txn) return txn.error().context("publishing " + name + " to the fleet");
    if (!txn->succeeded)
        return Error("publishing " + name +
                     " to the fleet: another node published it meanwhile; this node's new "
                     "certificate stays local until the next sync replaces it");
    std::lock_guard<std::mutex> lock(mu_);
    seen_revision_[name] = txn->revision;
    return Status::Ok();
}

Status Fleet::ensure_lease() {
    std::lock_guard<std::mutex> lock(mu_);
    if (lease_ != 0 && lease_lost_) {
        // The keepalive thread found the lease expired and returned: a long-running agent goes
        // on with a new lease (what it held on the old one is gone).
        if (keepalive_.joinable()) keepalive_.join();
        lease_ = 0;
        lease_lost_ = false;
    }
    if (lease_ != 0) return Status::Ok();
    auto lease = etcd_->lease_grant(lease_ttl_);
    if (!lease) return lease.error();
    lease_ = lease->id;
    keepalive_ = std::thread([this] { keepalive_loop(); });
    return Status::Ok();
}

void Fleet::keepalive_loop() {
    std::unique_lock<std::mutex> lock(mu_);
    const auto period = std::chrono::seconds(std::max<int64_t>(1, lease_ttl_ / 3));
    while (!stop_cv_.wait_for(lock, period, [this] { return stopping_; })) {
        const int64_t id = lease_;
        lock.unlock();
        auto kept = keepalive_etcd_->lease_keepalive(id);
        lock.lock();
        if (kept && kept->ttl == 0) {
            lease_lost_ = true;
            log::warning(
                "this node's fleet lease expired; the lineages it was renewing may be "
                "taken over by another node");
            return;
        }
        if (!kept) log::debug("fleet lease keepalive: " + kept.error().message);
    }
}

Result<LockResult> Fleet::lock(const std::string& name) {
    if (auto st = validate_lineage_name(name); !st) return st.error();
    if (auto st = ensure_lease(); !st) return st.error();
    const std::string lock_key = key("lock/" + name);
    auto txn = etcd_->txn({EtcdCompare::absent(lock_key)}, {EtcdOp::put(lock_key, node_, lease_)},
                          {EtcdOp::get(lock_key)});
    if (!txn) return txn.error();
    LockResult out;
    if (!txn->succeeded) {
        out.holder = txn->gets.empty() || txn->gets[0].empty()
                         ? std::string("another node")
                         : log::printable(txn->gets[0][0].value, 200);
        return out;
    }
    // Held. Did another node renew since this node decided? Then take its version instead.
    auto shared = lineage(name);
    if (!shared) {
        (void)unlock(name);
        return shared.error();
    }
    if (shared->has_value()) {
        const std::string mine = local_digest(config_dir_, name);
        if ((*shared)->fullchain_sha256 != mine) {
            auto changed = materialise(**shared);
            (void)unlock(name);
            if (!changed) return changed.error();
            out.renewed_elsewhere = true;
            return out;
        }
    }
    std::lock_guard<std::mutex> guard(mu_);
    seen_revision_[name] = shared->has_value() ? (*shared)->mod_revision : 0;
    out.held = true;
    return out;
}

void Fleet::record_failure(const std::string& name, const std::string& message) {
    if (!validate_lineage_name(name)) return;
    const std::string record = "{\"node\":" + json::quote(node_) +
                               ",\"time\":" + std::to_string(std::time(nullptr)) +
                               ",\"error\":" + json::quote(message.substr(0, 300)) + "}";
    if (auto st = etcd_->put(key("result/" + name), record); !st)
        log::debug("fleet: recording the failed renewal: " + st.error().message);
}

Status Fleet::unlock(const std::string& name) {
    const std::string lock_key = key("lock/" + name);
    auto txn = etcd_->txn({EtcdCompare::value_is(lock_key, node_)}, {EtcdOp::del(lock_key)});
    if (!txn) return txn.error();
    return Status::Ok();
}

Result<int64_t> Fleet::lease() {
    if (auto st = ensure_lease(); !st) return st.error();
    std::lock_guard<std::mutex> lock(mu_);
    return lease_;
}

namespace {

// The P order/ key of these names at this CA: a digest, so any set of names fits in a key.
std::string order_key(const std::string& server, const std::vector<std::string>& domains) {
    std::vector<std::string> sorted = domains;
    std::sort(sorted.begin(), sorted.end());
    std::string text = server;
    for (const auto& d : sorted) text += "\n" + d;
    return "order/" + hex_encode(sha256(text));
}

}  // namespace

std::string Fleet::pending_order(const std::string& server,
                                 const std::vector<std::string>& domains) {
    auto kv = etcd_->get(key(order_key(server, domains)));
    if (!kv || !kv->has_value()) return {};
    auto doc = json::parse((*kv)->value, "the fleet's unfinished order", 64 << 10);
    if (!doc || !doc->IsObject()) return {};
    auto url = json::get_string(*doc, "url");
    if (!url || url->size() > 2000) return {};
    auto node = json::get_string(*doc, "node").value_or("?");
    log::info("fleet: " + log::printable(node, 200) + " left an unfinished order for these names");
    return *url;
}

void Fleet::order_placed(const std::string& server, const std::vector<std::string>& domains,
                         const std::string& url) {
    // Not on the lease: the record must outlive this node if it dies mid-order.
    const std::string record = "{\"url\":" + json::quote(url) + ",\"node\":" + json::quote(node_) +
                               ",\"time\":" + std::to_string(std::time(nullptr)) + "}";
    if (auto st = etcd_->put(key(order_key(server, domains)), record); !st)
        log::warning("fleet: could not record the order for resumption: " + st.error().message);
}

void Fleet::order_done(const std::string& server, const std::vector<std::string>& domains) {
    if (auto n = etcd_->del(key(order_key(server, domains))); !n)
        log::debug("fleet: forgetting the finished order: " + n.error().message);
}

Status Fleet::http01_ready(const std::vector<FleetHttp01>& answers) {
    auto agents = etcd_->get_prefix(key("agent/"), 0, true);
    if (!agents) return agents.error().context("listing the fleet's agents");
    std::vector<std::string> nodes;
    for (const auto& kv : agents->kvs) nodes.push_back(kv.key.substr(key("agent/").size()));
    if (nodes.empty()) {
        log::debug("fleet: no agent runs; the http-01 answers are served by this node only");
        return Status::Ok();
    }
    auto id = lease();
    if (!id) return id.error();
    std::vector<EtcdOp> ops;
    for (const auto& a : answers) {
        if (!is_base64url(a.token) || a.token.size() > 256)
            return Error("fleet: an http-01 token is not base64url");
        ops.push_back(EtcdOp::put(key("http01/" + a.token), a.key_authorization, *id));
    }
    auto txn = etcd_->txn({}, ops);
    if (!txn) return txn.error().context("publishing the http-01 answers to the fleet");
    // Every running agent confirms each token before the CA may look.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(http01_wait_ms);
    std::vector<std::string> missing;
    for (;;) {
        auto acks = etcd_->get_prefix(key("http01-ack/"), 0, true);
        if (!acks) return acks.error().context("reading the agents' confirmations");
        std::vector<std::string> have;
        for (const auto& kv : acks->kvs) have.push_back(kv.key.substr(key("http01-ack/").size()));
        missing.clear();
        for (const auto& node : nodes)
            for (const auto& a : answers)
                if (std::find(have.begin(), have.end(), a.token + "/" + node) == have.end()) {
                    missing.push_back(node);
                    break;
                }
        if (missing.empty() || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (missing.empty()) {
        log::info("fleet: " + std::to_string(nodes.size()) + " agent(s) serve the http-01 answers");
        return Status::Ok();
    }
    std::string names;
    for (const auto& n : missing) names += (names.empty() ? "" : ", ") + log::printable(n, 200);
    log::warning("fleet: the agent of " + names + " did not confirm the http-01 answers within " +
                 std::to_string(http01_wait_ms / 1000) +
                 " s; a validation the load balancer sends there fails");
    return Status::Ok();
}

void Fleet::http01_done(const std::vector<FleetHttp01>& answers) {
    for (const auto& a : answers) {
        if (!is_base64url(a.token)) continue;
        (void)etcd_->del(key("http01/" + a.token));
        (void)etcd_->del_prefix(key("http01-ack/" + a.token + "/"));
    }
}

Result<std::unique_ptr<Fleet>> open_fleet_and_sync(const Config& cfg,
                                                   std::vector<std::string>* updated) {
    if (auto st = check_fleet_options(cfg.fleet); !st) return st.error();
    if (!cfg.fleet.enabled()) return std::unique_ptr<Fleet>();
    auto fleet = Fleet::open(cfg.fleet, cfg.config_dir);
    if (!fleet) return fleet.error();
    auto report = (*fleet)->materialise_all();
    if (!report) return report.error().context("reading the fleet's lineages from etcd");
    for (const auto& p : report->problems) log::warning("fleet: " + p.message);
    for (const auto& name : report->updated)
        log::info("fleet: " + name + " has a new version from the fleet; materialised");
    if (updated) *updated = std::move(report->updated);
    return std::move(*fleet);
}

}  // namespace certbot
