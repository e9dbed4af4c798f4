// The fleet agent and the http-01 / order relay against a real etcd (etcd_server_test.h).
#include "agent.h"

#include <catch2/catch.hpp>

#include <thread>

#include "etcd_server_test.h"
#include "fsutil.h"

using namespace certbot;

namespace {

const std::string kFleetKey(32, 'F');
const std::string kToken = "tok_1-A";
const std::string kAnswer = "tok_1-A.0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

struct Node {
    test::TempDir dir;
    FleetOptions options;
    explicit Node(const std::string& etcd_url) {
        REQUIRE(atomic_write(dir / "fleet.key", kFleetKey, 0600).ok());
        options.etcd = etcd_url;
        options.prefix = "/agent-test/";
        options.key_file = dir / "fleet.key";
    }
    std::unique_ptr<Fleet> fleet() const {
        auto f = Fleet::open(options, dir / "config");
        REQUIRE(f.ok());
        return std::move(*f);
    }
    std::string webroot() const { return dir / "root"; }
    std::string served(const std::string& token) const {
        return webroot() + "/.well-known/acme-challenge/" + token;
    }
};

}  // namespace

TEST_CASE("fleet agent: serves a published answer, confirms it, withdraws it", "[fleet]") {
    test::EtcdServer etcd;
    Node orderer(etcd.url()), server(etcd.url());
    auto fo = orderer.fleet();
    auto fs = server.fleet();
    REQUIRE(make_dirs(server.webroot(), 0755).ok());
    FleetAgent agent(*fs, server.webroot());
    REQUIRE(agent.announce().ok());

    // The orderer publishes in a thread (it waits for the agent's confirmation); the agent
    // serves meanwhile.
    Status published = Error("not run");
    std::thread order([&] { published = fo->http01_ready({{kToken, kAnswer}}); });
    std::vector<Error> problems;
    for (int i = 0; i < 100 && agent.served().empty(); ++i) {
        REQUIRE(agent.serve_once(&problems).ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    order.join();
    REQUIRE(published.ok());
    CHECK(problems.empty());
    auto file = read_file(server.served(kToken));
    REQUIRE(file.ok());
    CHECK(*file == kAnswer);
    auto acks = fs->etcd().get_prefix("/agent-test/http01-ack/");
    REQUIRE(acks.ok());
    REQUIRE(acks->kvs.size() == 1);
    CHECK(acks->kvs[0].key == "/agent-test/http01-ack/" + kToken + "/" + fs->node());

    fo->http01_done({{kToken, kAnswer}});
    REQUIRE(agent.serve_once(&problems).ok());
    CHECK(agent.served().empty());
    CHECK_FALSE(read_file(server.served(kToken)).ok());
    CHECK(fs->etcd().get_prefix("/agent-test/http01-ack/")->kvs.empty());
}

TEST_CASE("fleet agent: what etcd holds is untrusted", "[fleet]") {
    test::EtcdServer etcd;
    Node server(etcd.url());
    auto fs = server.fleet();
    REQUIRE(make_dirs(server.webroot(), 0755).ok());
    FleetAgent agent(*fs, server.webroot());
    Etcd& e = fs->etcd();
    REQUIRE(e.put("/agent-test/http01/../../escape", "x.y").ok());
    REQUIRE(e.put("/agent-test/http01/abc", "<html>").ok());          // not token.thumbprint
    REQUIRE(e.put("/agent-test/http01/abd", "abc.thumbprint").ok());  // another token's
    REQUIRE(e.put("/agent-test/http01/abe", "abe." + std::string(600, 'x')).ok());  // too long
    std::vector<Error> problems;
    REQUIRE(agent.serve_once(&problems).ok());
    CHECK(problems.size() == 4);
    for (const auto& p : problems)
        CHECK(p.message.find("not a token and key authorization") != std::string::npos);
    CHECK(agent.served().empty());
    auto listed = list_dir(server.webroot());
    REQUIRE(listed.ok());
    CHECK(listed->empty());
    CHECK_FALSE(read_file(server.dir / "escape").ok());
    // Reported once, not on every pass.
    problems.clear();
    REQUIRE(agent.serve_once(&problems).ok());
    CHECK(problems.empty());
}

TEST_CASE("fleet relay: without agents the orderer does not wait", "[fleet]") {
    test::EtcdServer etcd;
    Node orderer(etcd.url());
    auto fo = orderer.fleet();
    fo->http01_wait_ms = 60000;
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(fo->http01_ready({{kToken, kAnswer}}).ok());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    // Nothing published either.
    CHECK(fo->etcd().get_prefix("/agent-test/http01/")->kvs.empty());
}

TEST_CASE("fleet relay: an agent that does not confirm is waited for, then named", "[fleet]") {
    test::EtcdServer etcd;
    Node orderer(etcd.url()), silent(etcd.url());
    auto fo = orderer.fleet();
    auto fs = silent.fleet();
    FleetAgent agent(*fs, silent.webroot());
    REQUIRE(agent.announce().ok());  // registered, but never serves
    fo->http01_wait_ms = 500;
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(fo->http01_ready({{kToken, kAnswer}}).ok());
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(500));
    // An answer that is not a token is refused before anything is published.
    auto bad = fo->http01_ready({{"../x", "../x.y"}});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("not base64url") != std::string::npos);
}

TEST_CASE("fleet relay: an unfinished order is recorded until it is done", "[fleet]") {
    test::EtcdServer etcd;
    Node a(etcd.url()), b(etcd.url());
    auto fa = a.fleet();
    auto fb = b.fleet();
    const std::string server = "https://ca.test/dir";
    CHECK(fb->pending_order(server, {"a.test", "b.test"}).empty());
    fa->order_placed(server, {"b.test", "a.test"}, "https://ca.test/order/7");
    fa.reset();  // the node dies: its order stays recorded
    CHECK(fb->pending_order(server, {"a.test", "b.test"}) == "https://ca.test/order/7");
    CHECK(fb->pending_order(server, {"a.test"}).empty());
    CHECK(fb->pending_order("https://other.test/dir", {"a.test", "b.test"}).empty());
    fb->order_done(server, {"a.test", "b.test"});
    CHECK(fb->pending_order(server, {"a.test", "b.test"}).empty());
}

TEST_CASE("fleet agent: notices a changed or new lineage record, and nothing else", "[fleet]") {
    test::EtcdServer etcd;
    Node node(etcd.url());
    auto f = node.fleet();
    FleetAgent agent(*f, node.webroot());
    Etcd& e = f->etcd();
    REQUIRE(e.put("/agent-test/lineage/a.example", "1").ok());
    REQUIRE(e.put("/agent-test/lineage/b.example", "1").ok());
    CHECK(agent.lineages_changed().value());  // the first look
    CHECK_FALSE(agent.lineages_changed().value());
    REQUIRE(e.put("/agent-test/node/x", "unrelated").ok());
    CHECK_FALSE(agent.lineages_changed().value());
    REQUIRE(e.put("/agent-test/lineage/a.example", "2").ok());  // not the newest key by name
    CHECK(agent.lineages_changed().value());
    CHECK_FALSE(agent.lineages_changed().value());
    REQUIRE(e.del("/agent-test/lineage/b.example").ok());
    CHECK(agent.lineages_changed().value());
    auto newest = e.newest_in_prefix("/agent-test/lineage/");
    REQUIRE(newest.ok());
    CHECK(newest->count == 1);
    REQUIRE(newest->kvs.size() == 1);
    CHECK(newest->kvs[0].key == "/agent-test/lineage/a.example");
}
