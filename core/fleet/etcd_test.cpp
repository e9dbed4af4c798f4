#include "etcd.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <deque>
#include <thread>

#include "base64.h"

#include "etcd_server_test.h"

using namespace certbot;

namespace {

// Replays scripted answers, for what a real etcd will not do on purpose (a hostile or broken
// member). The bodies follow the gateway's proto3 JSON encoding of etcdserverpb messages.
class ScriptedHttp : public HttpClient {
  public:
    std::deque<Result<HttpResponse>> answers;
    std::vector<HttpRequest> requests;
    Result<HttpResponse> send(const HttpRequest& request) override {
        requests.push_back(request);
        if (answers.empty()) return Error("no more scripted answers");
        auto a = std::move(answers.front());
        answers.pop_front();
        return a;
    }
};

HttpResponse answer(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

struct Scripted {
    ScriptedHttp* http;
    Etcd etcd;
};

std::unique_ptr<Scripted> scripted(std::vector<std::string> endpoints,
                                   std::vector<Result<HttpResponse>> answers) {
    auto http = std::make_unique<ScriptedHttp>();
    for (auto& a : answers) http->answers.push_back(std::move(a));
    auto* raw = http.get();
    EtcdOptions options;
    options.endpoints = std::move(endpoints);
    return std::unique_ptr<Scripted>(new Scripted{raw, Etcd(options, std::move(http))});
}

}  // namespace

TEST_CASE("etcd: prefix_range_end and split_endpoints", "[etcd]") {
    CHECK(prefix_range_end("/certbot/") == "/certbot0");
    CHECK(prefix_range_end(std::string("a\xff", 2)) == "b");
    CHECK(prefix_range_end(std::string("\xff\xff", 2)) == std::string(1, '\0'));
    CHECK(split_endpoints("http://a:1, http://b:2 ,,http://c:3") ==
          std::vector<std::string>{"http://a:1", "http://b:2", "http://c:3"});
    CHECK(split_endpoints(" ").empty());
}

TEST_CASE("etcd: make_etcd refuses incomplete or wrong options", "[etcd]") {
    EtcdOptions o;
    auto none = make_etcd(o);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().exit_code == kExitUsage);
    CHECK(none.error().message.find("--fleet-etcd") != std::string::npos);

    o.endpoints = {"http://127.0.0.1:2379/v3"};
    auto path = make_etcd(o);
    REQUIRE_FALSE(path.ok());
    CHECK(path.error().message.find("has a path") != std::string::npos);

    o.endpoints = {"ftp://127.0.0.1:2379"};
    CHECK_FALSE(make_etcd(o).ok());

    o.endpoints = {"https://127.0.0.1:2379"};
    o.cert_file = "/etc/hostname";
    auto half = make_etcd(o);
    REQUIRE_FALSE(half.ok());
    CHECK(half.error().message.find("--fleet-etcd-key") != std::string::npos);

    o.key_file = "/nonexistent/client.key";
    auto missing = make_etcd(o);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("cannot read /nonexistent/client.key") != std::string::npos);

    EtcdOptions plain;
    plain.endpoints = {"http://127.0.0.1:2379"};
    plain.ca_file = "/etc/hostname";
    auto tls_on_http = make_etcd(plain);
    REQUIRE_FALSE(tls_on_http.ok());
    CHECK(tls_on_http.error().message.find("no --fleet-etcd URL is https") != std::string::npos);
}

TEST_CASE("etcd: put, get, prefix ranges and deletes on a real member", "[etcd]") {
    test::EtcdServer server;
    auto etcd = server.client();
    const std::string binary("k\0\xff\n", 4);
    REQUIRE(etcd->put("/t/a", "one").ok());
    REQUIRE(etcd->put("/t/b", binary).ok());
    REQUIRE(etcd->put("/t/" + binary, "three").ok());
    REQUIRE(etcd->put("/u/outside", "x").ok());

    auto a = etcd->get("/t/a");
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    CHECK((*a)->value == "one");
    CHECK((*a)->version == 1);
    CHECK((*a)->create_revision > 0);
    auto b = etcd->get("/t/b");
    REQUIRE(b.ok());
    REQUIRE(b->has_value());
    CHECK((*b)->value == binary);
    auto missing = etcd->get("/t/none");
    REQUIRE(missing.ok());
    CHECK_FALSE(missing->has_value());

    auto all = etcd->get_prefix("/t/");
    REQUIRE(all.ok());
    REQUIRE(all->kvs.size() == 3);
    CHECK(all->kvs[0].key == "/t/a");
    CHECK(all->kvs[2].key == "/t/" + binary);
    CHECK(all->count == 3);
    CHECK(all->revision > 0);

    auto limited = etcd->get_prefix("/t/", 2, true);
    REQUIRE(limited.ok());
    CHECK(limited->kvs.size() == 2);
    CHECK(limited->more);
    CHECK(limited->kvs[0].value.empty());

    REQUIRE(etcd->put("/t/a", "two").ok());
    auto a2 = etcd->get("/t/a");
    REQUIRE(a2.ok());
    CHECK((*a2)->version == 2);
    CHECK((*a2)->mod_revision > (*a)->mod_revision);

    auto deleted = etcd->del("/t/a");
    REQUIRE(deleted.ok());
    CHECK(*deleted == 1);
    auto again = etcd->del("/t/a");
    REQUIRE(again.ok());
    CHECK(*again == 0);
    auto by_prefix = etcd->del_prefix("/t/");
    REQUIRE(by_prefix.ok());
    CHECK(*by_prefix == 2);
    auto outside = etcd->get("/u/outside");
    REQUIRE(outside.ok());
    CHECK(outside->has_value());

    auto members = etcd->members();
    REQUIRE(members.ok());
    REQUIRE(members->size() == 1);
    CHECK((*members)[0].name == "t");
    CHECK((*members)[0].client_urls == std::vector<std::string>{server.url()});

    CHECK_FALSE(etcd->put("", "x").ok());
    CHECK_FALSE(etcd->put(std::string(5000, 'k'), "x").ok());
}

TEST_CASE("etcd: a transaction is a compare-and-swap", "[etcd]") {
    test::EtcdServer server;
    auto etcd = server.client();
    auto first = etcd->txn({EtcdCompare::absent("/lock")}, {EtcdOp::put("/lock", "node-a")},
                           {EtcdOp::get("/lock")});
    REQUIRE(first.ok());
    CHECK(first->succeeded);
    CHECK(first->gets.empty());

    auto second = etcd->txn({EtcdCompare::absent("/lock")}, {EtcdOp::put("/lock", "node-b")},
                            {EtcdOp::get("/lock")});
    REQUIRE(second.ok());
    CHECK_FALSE(second->succeeded);
    REQUIRE(second->gets.size() == 1);
    REQUIRE(second->gets[0].size() == 1);
    CHECK(second->gets[0][0].value == "node-a");
    const int64_t rev = second->gets[0][0].mod_revision;

    auto stale = etcd->txn({EtcdCompare::mod_revision_is("/lock", rev - 1)},
                           {EtcdOp::put("/lock", "node-c")});
    REQUIRE(stale.ok());
    CHECK_FALSE(stale->succeeded);
    auto swap = etcd->txn({EtcdCompare::mod_revision_is("/lock", rev)},
                          {EtcdOp::put("/lock", "node-c"), EtcdOp::get("/lock")});
    REQUIRE(swap.ok());
    CHECK(swap->succeeded);
    REQUIRE(swap->gets.size() == 1);
    CHECK(swap->gets[0].at(0).value == "node-c");

    auto by_value = etcd->txn({EtcdCompare::value_is("/lock", "node-c")}, {EtcdOp::del("/lock")});
    REQUIRE(by_value.ok());
    CHECK(by_value->succeeded);
    auto gone = etcd->get("/lock");
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->has_value());
}

TEST_CASE("etcd: leases are granted, kept alive and revoked", "[etcd]") {
    test::EtcdServer server;
    auto etcd = server.client();
    auto lease = etcd->lease_grant(30);
    REQUIRE(lease.ok());
    CHECK(lease->id != 0);
    CHECK(lease->ttl == 30);
    REQUIRE(etcd->put("/held", "me", lease->id).ok());
    auto held = etcd->get("/held");
    REQUIRE(held.ok());
    REQUIRE(held->has_value());
    CHECK((*held)->lease == lease->id);

    auto kept = etcd->lease_keepalive(lease->id);
    REQUIRE(kept.ok());
    CHECK(kept->ttl == 30);

    REQUIRE(etcd->lease_revoke(lease->id).ok());
    auto after = etcd->get("/held");
    REQUIRE(after.ok());
    CHECK_FALSE(after->has_value());  // the key went with its lease
    auto expired = etcd->lease_keepalive(lease->id);
    CHECK((!expired.ok() || expired->ttl == 0));

    CHECK_FALSE(etcd->lease_grant(0).ok());
    CHECK_FALSE(etcd->put("/x", "y", 12345).ok());  // no such lease: refused, not retried
}

TEST_CASE("etcd: requests fail over to the next member and fail clearly when none answers",
          "[etcd]") {
    test::EtcdServer server;
    test::EtcdServer dead;
    const std::string dead_url = dead.url();
    dead.stop();
    auto etcd = server.client({dead_url});
    REQUIRE(etcd->put("/k", "v").ok());
    CHECK(etcd->current_endpoint() == server.url());

    server.stop();
    auto none = etcd->get("/k");
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().transient);
    CHECK(none.error().message.find("none of the 2 etcd members answered") != std::string::npos);
}

TEST_CASE("etcd: answers from a hostile member are refused", "[etcd]") {
    const std::string ok_header = "\"header\":{\"revision\":\"7\"}";
    // A key outside the range asked for.
    auto outside = scripted({"http://m1:1"},
                            {answer(200, "{" + ok_header + ",\"kvs\":[{\"key\":\"" +
                                             base64_encode("/other") + "\",\"value\":\"\"}]}")});
    auto r1 = outside->etcd.get_prefix("/certbot/");
    REQUIRE_FALSE(r1.ok());
    CHECK(r1.error().message.find("outside the range") != std::string::npos);

    auto bad_b64 = scripted({"http://m1:1"},
                            {answer(200, "{\"kvs\":[{\"key\":\"L2s=\",\"value\":\"%%%\"}]}")});
    auto r2 = bad_b64->etcd.get("/k");
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().message.find("not base64") != std::string::npos);

    auto bad_int =
        scripted({"http://m1:1"},
                 {answer(200, "{\"kvs\":[{\"key\":\"L2s=\",\"mod_revision\":\"12abc\"}]}")});
    CHECK_FALSE(bad_int->etcd.get("/k").ok());

    auto negative = scripted({"http://m1:1"},
                             {answer(200, "{\"kvs\":[{\"key\":\"L2s=\",\"version\":\"-3\"}]}")});
    CHECK_FALSE(negative->etcd.get("/k").ok());

    auto two_for_one = scripted({"http://m1:1"},
                                {answer(200, "{\"kvs\":[{\"key\":\"L2s=\"},{\"key\":\"L2s=\"}]}")});
    CHECK_FALSE(two_for_one->etcd.get("/k").ok());

    auto not_json = scripted({"http://m1:1"}, {answer(200, "<html>")});
    CHECK_FALSE(not_json->etcd.get("/k").ok());

    auto wrong_lease =
        scripted({"http://m1:1"}, {answer(200, "{\"result\":{\"ID\":\"99\",\"TTL\":\"10\"}}")});
    auto r3 = wrong_lease->etcd.lease_keepalive(5);
    REQUIRE_FALSE(r3.ok());
    CHECK(r3.error().message.find("not 5") != std::string::npos);

    auto huge_ttl = scripted({"http://m1:1"}, {answer(200, "{\"ID\":\"5\",\"TTL\":\"999999\"}")});
    CHECK_FALSE(huge_ttl->etcd.lease_grant(10).ok());

    auto short_txn = scripted({"http://m1:1"}, {answer(200, "{\"succeeded\":true}")});
    auto r4 = short_txn->etcd.txn({EtcdCompare::absent("/l")}, {EtcdOp::put("/l", "x")});
    REQUIRE_FALSE(r4.ok());
    CHECK(r4.error().message.find("0 responses to 1 operations") != std::string::npos);
}

TEST_CASE("etcd: 5xx fails over, 4xx is final", "[etcd]") {
    auto unavailable = scripted(
        {"http://m1:1", "http://m2:2"},
        {answer(503,
                "{\"error\":\"etcdserver: no leader\",\"code\":14,\"message\":\"etcdserver: "
                "no leader\"}"),
         answer(200, "{\"header\":{\"revision\":\"3\"}}")});
    REQUIRE(unavailable->etcd.put("/k", "v").ok());
    CHECK(unavailable->http->requests.size() == 2);
    CHECK(unavailable->http->requests[1].url == "http://m2:2/v3/kv/put");
    CHECK(unavailable->etcd.current_endpoint() == "http://m2:2");

    auto refused =
        scripted({"http://m1:1", "http://m2:2"},
                 {answer(400,
                         "{\"error\":\"etcdserver: requested lease not found\",\"code\":5,"
                         "\"message\":\"etcdserver: requested lease not found\"}")});
    auto r = refused->etcd.put("/k", "v", 7);
    REQUIRE_FALSE(r.ok());
    CHECK(refused->http->requests.size() == 1);
    CHECK(r.error().message.find("requested lease not found") != std::string::npos);
    CHECK_FALSE(r.error().transient);
}

TEST_CASE("etcd: requests from several threads run at once, each answered right", "[etcd]") {
    test::EtcdServer server;
    auto etcd = server.client();
    // Catch2's assertions are not thread-safe: each thread records its failures, checked after.
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                const std::string key = "/conc/" + std::to_string(t) + "/" + std::to_string(i);
                const std::string value = "v" + std::to_string(t * 100 + i);
                if (!etcd->put(key, value).ok()) ++wrong;
                auto got = etcd->get(key);
                if (!got.ok() || !got->has_value() || (*got)->value != value) ++wrong;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(wrong == 0);
    auto all = etcd->get_prefix("/conc/");
    REQUIRE(all.ok());
    CHECK(all->kvs.size() == 80);
}
