// certbot fleet ACTION (docs/fleet.md): fleet mode's own subcommand. `status` prints the etcd
// members, the nodes seen, and for each shared lineage its version, publisher, lock holder and
// which nodes have materialised it. `agent` is the long-running process on every node (agent.h).
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <thread>

#include "acme.h"
#include "agent.h"
#include "commands.h"
#include "fleet.h"
#include "fsutil.h"
#include "hooks.h"
#include "installer.h"
#include "json.h"
#include "log.h"
#include "session.h"
#include "storage.h"

namespace certbot {

namespace {

std::string age(int64_t then, std::time_t now) {
    const int64_t s = std::max<int64_t>(0, now - then);
    if (s < 120) return std::to_string(s) + " s ago";
    if (s < 7200) return std::to_string(s / 60) + " min ago";
    if (s < 172800) return std::to_string(s / 3600) + " h ago";
    return std::to_string(s / 86400) + " days ago";
}

struct NodeSeen {
    int64_t time = 0;
    std::map<std::string, int64_t> versions;
};

int fleet_status(const Config& cfg) {
    auto fleet = Fleet::open(cfg.fleet, cfg.config_dir);
    if (!fleet) return fail(fleet.error());
    Etcd& etcd = (*fleet)->etcd();
    const std::string& prefix = (*fleet)->prefix();
    const std::time_t now = std::time(nullptr);
    std::string out = "Fleet " + prefix + " (this node: " + (*fleet)->node() + ")\n";

    auto members = etcd.members();
    if (!members) return fail(members.error());
    out += "etcd members (" + std::to_string(members->size()) + "):\n";
    for (const auto& m : *members) {
        std::string urls;
        for (const auto& u : m.client_urls) urls += (urls.empty() ? "" : ", ") + u;
        out += "  " + (m.name.empty() ? std::string("(unnamed)") : m.name) + "  " + urls + "\n";
    }
    for (const auto& endpoint : etcd_options_for(cfg.fleet).endpoints) {
        EtcdOptions one = etcd_options_for(cfg.fleet);
        one.endpoints = {endpoint};
        one.timeout_s = 2;
        auto probe = make_etcd(one);
        bool up = probe && (*probe)->get(prefix + "node/").ok();
        out += "  --fleet-etcd " + endpoint + ": " + (up ? "answers" : "does not answer") + "\n";
    }

    std::map<std::string, NodeSeen> nodes;
    auto node_kvs = etcd.get_prefix(prefix + "node/");
    if (!node_kvs) return fail(node_kvs.error());
    for (const auto& kv : node_kvs->kvs) {
        const std::string name = log::printable(kv.key.substr(prefix.size() + 5), 200);
        auto doc = json::parse(kv.value, "the fleet's record of node " + name, 4 << 20);
        if (!doc || !doc->IsObject()) continue;
        NodeSeen seen;
        if (auto t = doc->FindMember("time"); t != doc->MemberEnd() && t->value.IsInt64())
            seen.time = t->value.GetInt64();
        if (auto l = doc->FindMember("lineages"); l != doc->MemberEnd() && l->value.IsObject())
            for (const auto& m : l->value.GetObject())
                if (m.value.IsInt64())
                    seen.versions[std::string(m.name.GetString(), m.name.GetStringLength())] =
                        m.value.GetInt64();
        nodes[name] = std::move(seen);
    }
    out += "nodes (" + std::to_string(nodes.size()) + "):\n";
    for (const auto& [name, seen] : nodes)
        out += "  " + name + "  last sync " + age(seen.time, now) + "\n";

    // Running agents (their records live as long as their leases).
    auto agent_kvs = etcd.get_prefix(prefix + "agent/");
    if (!agent_kvs) return fail(agent_kvs.error());
    out += "agents (" + std::to_string(agent_kvs->kvs.size()) + "):\n";
    for (const auto& kv : agent_kvs->kvs) {
        const std::string name = log::printable(kv.key.substr(prefix.size() + 6), 200);
        std::string webroot = "?";
        if (auto doc = json::parse(kv.value, "the fleet's record of agent " + name, 64 << 10);
            doc && doc->IsObject())
            webroot = log::printable(json::get_string(*doc, "webroot").value_or("?"), 200);
        out += "  " + name + "  serving http-01 answers from " + webroot + "\n";
    }

    std::map<std::string, std::string> locks;
    auto lock_kvs = etcd.get_prefix(prefix + "lock/");
    if (!lock_kvs) return fail(lock_kvs.error());
    for (const auto& kv : lock_kvs->kvs)
        locks[kv.key.substr(prefix.size() + 5)] = log::printable(kv.value, 200);

    struct Failure {
        std::string node, error;
        int64_t time = 0;
    };
    std::map<std::string, Failure> failures;
    auto result_kvs = etcd.get_prefix(prefix + "result/");
    if (!result_kvs) return fail(result_kvs.error());
    for (const auto& kv : result_kvs->kvs) {
        auto doc = json::parse(kv.value, "the fleet's renewal result", 64 << 10);
        if (!doc || !doc->IsObject()) continue;
        Failure f;
        f.node = log::printable(json::get_string(*doc, "node").value_or("?"), 200);
        f.error = log::printable(json::get_string(*doc, "error").value_or("?"), 300);
        if (auto t = doc->FindMember("time"); t != doc->MemberEnd() && t->value.IsInt64())
            f.time = t->value.GetInt64();
        failures[kv.key.substr(prefix.size() + 7)] = std::move(f);
    }

    std::vector<Error> problems;
    auto lineages = (*fleet)->lineages(&problems);
    if (!lineages) return fail(lineages.error());
    out += "lineages (" + std::to_string(lineages->size()) + "):\n";
    for (const auto& l : *lineages) {
        out += "  " + l.name + "  version " + std::to_string(l.version) + " from " + l.node + ", " +
               age(l.time, now);
        auto lock = locks.find(l.name);
        out += lock == locks.end() ? ", not locked" : ", being renewed by " + lock->second;
        if (auto f = failures.find(l.name); f != failures.end())
            out += ", last renewal FAILED on " + f->second.node + " " + age(f->second.time, now) +
                   ": " + f->second.error;
        std::vector<std::string> behind;
        for (const auto& [name, seen] : nodes) {
            auto v = seen.versions.find(l.name);
            if (v == seen.versions.end() || v->second != l.version) behind.push_back(name);
        }
        if (behind.empty()) {
            out += ", on every node\n";
        } else {
            out += "\n    not yet materialised on:";
            for (const auto& n : behind) out += " " + n;
            out += "\n";
        }
    }
    for (const auto& p : problems) out += "  invalid record: " + p.message + "\n";
    log::out(out.substr(0, out.size() - 1));
    return problems.empty() ? kExitOk : kExitFailure;
}

// certbot fleet publish [--cert-name NAME]: a node that had lineages before it joined the fleet
// (or a single machine becoming the first node) publishes those the fleet does not hold yet,
// with their accounts. A lineage the fleet already holds is left to sync (its version there
// wins), and said so.
int fleet_publish(const Config& cfg) {
    auto session = Session::open(cfg);
    if (!session) return fail(session.error());
    auto fleet = Fleet::open(cfg.fleet, cfg.config_dir);
    if (!fleet) return fail(fleet.error());
    std::vector<Error> problems;
    auto shared = (*fleet)->lineages(&problems);
    if (!shared) return fail(shared.error());
    std::map<std::string, bool> held;
    for (const auto& l : *shared) held[l.name] = true;
    auto local = list_lineages(cfg.config_dir, &problems);
    if (!local) return fail(local.error());
    int published = 0, kept = 0, failed = 0;
    bool found = cfg.cert_name.empty();
    for (const auto& l : *local) {
        if (!cfg.cert_name.empty() && l.name != cfg.cert_name) continue;
        found = true;
        if (held.count(l.name)) {
            ++kept;
            log::info("fleet: " + l.name +
                      " is in the fleet already; `certbot certificates` "
                      "takes the fleet's version");
            continue;
        }
        if (auto st = (*fleet)->publish(l); !st) {
            ++failed;
            log::error("fleet: " + st.error().message);
            continue;
        }
        ++published;
    }
    for (const auto& p : problems) log::warning(p.message);
    if (!found) {
        log::error("No certificate found with name " + cfg.cert_name + " (--cert-name)");
        return kExitFailure;
    }
    log::out("Published " + std::to_string(published) + " lineage(s) to the fleet; " +
             std::to_string(kept) + " already there" +
             (failed ? ", " + std::to_string(failed) + " failed" : std::string()) + ".");
    return failed ? kExitFailure : kExitOk;
}

// certbot fleet agent -w WEBROOT: until SIGTERM/SIGINT, serves the fleet's http-01 answers
// from this node's webroot (a pass every 200 ms) and materialises new versions as they land
// (P lineage/ checked every 2 s), running this node's deploy hooks and installer restarts for
// them like `renew` does. etcd unreachable: the agent says so once and keeps trying.
int fleet_agent(const Config& cfg, const PluginRegistry& plugins) {
    auto w = cfg.plugin_options.find("webroot-path");
    if (w == cfg.plugin_options.end() || w->second.size() != 1) {
        log::error(
            "certbot fleet agent needs one -w/--webroot-path DIR: the directory this node's web "
            "server serves on port 80, where the fleet's http-01 answers go");
        return kExitUsage;
    }
    const std::string webroot = w->second.front();
    struct stat st {};
    if (stat(webroot.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        log::error("certbot fleet agent: -w " + webroot + " is not a directory");
        return kExitUsage;
    }
    // Directories and the log file; the store's lock is taken only while materialising, so
    // that certbot runs on this node (renew, certonly) are not kept out.
    if (auto session = Session::open(cfg, Session::Recovery::kNone); !session)
        return fail(session.error());
    auto fleet = Fleet::open(cfg.fleet, cfg.config_dir);
    if (!fleet) return fail(fleet.error());
    FleetAgent agent(**fleet, webroot);
    HookConfig hc;
    hc.config_dir = cfg.config_dir;
    hc.directory_hooks = !cfg.no_directory_hooks;
    HookRunner hooks(hc);

    log::info("fleet agent " + (*fleet)->node() + ": serving http-01 answers from " + webroot);
    using Clock = std::chrono::steady_clock;
    Clock::time_point next_announce{}, next_sync{};
    bool failing = false, sync_due = true;
    while (!g_interrupted) {
        const auto now = Clock::now();
        Status pass = Status::Ok();
        if (now >= next_announce) {
            pass = agent.announce();
            if (pass) next_announce = now + std::chrono::seconds(10);
        }
        std::vector<Error> problems;
        if (pass) pass = agent.serve_once(&problems);
        for (const auto& p : problems) log::warning(p.message);
        if (pass && now >= next_sync) {
            next_sync = now + std::chrono::seconds(2);
            auto changed = agent.lineages_changed();
            if (!changed)
                pass = changed.error();
            else
                sync_due = sync_due || *changed;
        }
        if (pass && sync_due) {
            // The store's lock: a certbot run on this node has it now; the next pass tries again.
            auto locked = FileLock::acquire(cfg.config_dir);
            if (locked) {
                sync_due = false;
                auto report = (*fleet)->materialise_all();
                if (!report) {
                    pass = report.error();
                    sync_due = true;
                } else {
                    for (const auto& p : report->problems) log::warning("fleet: " + p.message);
                    for (const auto& name : report->updated)
                        log::info("fleet agent: " + name + " has a new version; materialised");
                    auto cfgs = deploy_from_fleet(cfg, plugins, report->updated, hooks);
                    if (!cfgs.empty())
                        if (auto st = restart_installers(cfgs, plugins); !st)
                            log::error(st.error().message);
                }
            } else {
                log::debug("fleet agent: the store is busy (" + locked.error().message +
                           "); materialising later");
            }
        }
        if (!pass && !failing)
            log::warning("fleet agent: " + pass.error().message + "; retrying");
        else if (pass && failing)
            log::info("fleet agent: etcd answers again");
        failing = !pass.ok();
        std::this_thread::sleep_for(std::chrono::milliseconds(failing ? 1000 : 200));
    }
    log::info("fleet agent: stopping; withdrawing the answers it serves");
    return kExitOk;
}

}  // namespace

int cmd_fleet(const Config& cfg, const PluginRegistry& plugins) {
    if (auto st = check_fleet_options(cfg.fleet); !st) return fail(st.error());
    if (!cfg.fleet.enabled()) {
        log::error(
            "certbot fleet needs --fleet-etcd URL[,URL...] and --fleet-key FILE (on the "
            "command line or in cli.ini); see docs/fleet.md");
        return kExitUsage;
    }
    if (cfg.fleet.action == "status") return fleet_status(cfg);
    if (cfg.fleet.action == "agent") return fleet_agent(cfg, plugins);
    if (cfg.fleet.action == "publish") return fleet_publish(cfg);
    log::error("certbot fleet: give an action: status, publish or agent (\"" +
               log::printable(cfg.fleet.action, 40) + "\" is not one)");
    return kExitUsage;
}

}  // namespace certbot
