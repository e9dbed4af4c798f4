// The manual plugin (plugins/manual), loaded from the built manual.so and driven through a fake
// host that runs hooks for real (/bin/sh -c, data in the environment).
#include "plugin_harness.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace plugin_test;

namespace {

const PluginLibrary& manual() {
    static PluginLibrary lib(CERTBOT_MANUAL_PLUGIN);
    return lib;
}

const char* const kToken = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";

bool has_env(const FakeHost::HookCall& call, const std::string& entry) {
    return std::find(call.env.begin(), call.env.end(), entry) != call.env.end();
}

bool has_var(const FakeHost::HookCall& call, const std::string& name) {
    return std::any_of(call.env.begin(), call.env.end(),
                       [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
}

// A host that runs hooks for real, with these --manual-*-hook values ("" = unset).
void use_hooks(FakeHost& host, const std::string& auth, const std::string& cleanup = "") {
    host.enable_hooks();
    if (!auth.empty()) host.set("auth-hook", {auth});
    if (!cleanup.empty()) host.set("cleanup-hook", {cleanup});
}

}  // namespace

TEST_CASE("manual: describes itself as certbot's manual plugin", "[manual]") {
    const cb_plugin& p = manual().entry();
    CHECK(std::string(p.name) == "manual");
    REQUIRE(p.option_count == 3);
    CHECK(std::string(p.options[0].name) == "auth-hook");
    CHECK(std::string(p.options[1].name) == "cleanup-hook");
    CHECK(std::string(p.options[2].name) == "public-ip-logging-ok");  // deprecated, ignored
    CHECK(p.options[2].flags == CB_OPT_FLAG);
    FakeHost host;
    host.set("auth-hook", {"true"});
    Instance inst(manual(), host);
    CHECK(inst.chall_pref("example.com") == std::vector<std::string>{"http-01", "dns-01"});
    // RFC 8738: no DNS record proves control of an address.
    CHECK(inst.chall_pref("192.0.2.1") == std::vector<std::string>{"http-01"});
    CHECK(inst.chall_pref("2001:db8::1") == std::vector<std::string>{"http-01"});
}

TEST_CASE("manual: without a hook and without a terminal it refuses to start", "[manual]") {
    FakeHost host;  // not interactive, no hooks
    void* self = nullptr;
    REQUIRE(manual().entry().create(host.table(), &self) == CB_ERROR);
    CHECK(self == nullptr);
    CHECK(host.last_error().find("--manual-auth-hook") != std::string::npos);
    CHECK(host.pauses().empty());
}

TEST_CASE("manual: hook data reaches the hook verbatim, only through the environment", "[manual]") {
    TempDir dir;
    FakeHost host;
    host.enable_hooks();
    const std::string out = dir / "seen";
    const std::string pwned = dir / "pwned";
    // The hook command is fixed; it writes what it got, quoted, to a file.
    const std::string hook =
        "printf '%s|%s|%s' \"$CERTBOT_DOMAIN\" \"$CERTBOT_VALIDATION\" "
        "\"${CERTBOT_TOKEN-unset}\" > '" +
        out + "'";
    host.set("auth-hook", {hook});
    Instance inst(manual(), host);
    const std::string nasty =
        "$(touch " + pwned + ");`touch " + pwned + "` ' \" \\ * ; | & > <\n$HOME";
    auto c = dns01("example.com", kToken, nasty);
    REQUIRE(inst.perform({c}) == CB_OK);
    REQUIRE(host.hook_calls().size() == 1);
    CHECK(host.hook_calls()[0].command == hook);                 // nothing pasted into the command
    CHECK(read_file(out) == "example.com|" + nasty + "|unset");  // dns-01: no CERTBOT_TOKEN
    CHECK_FALSE(exists(pwned));
    CHECK(inst.cleanup({c}) == CB_OK);
}

TEST_CASE("manual: an http-01 token that is not base64url never reaches a hook", "[manual]") {
    FakeHost host;
    use_hooks(host, "true", "true");
    Instance inst(manual(), host);
    auto c = http01("example.com", "../../etc/passwd;$(id)");
    CHECK(inst.perform({c}) == CB_ERROR);
    CHECK(host.last_error().find("not a base64url") != std::string::npos);
    CHECK(inst.cleanup({c}) == CB_OK);
    CHECK(host.hook_calls().empty());
}

TEST_CASE("manual: certbot's environment for auth and cleanup hooks", "[manual]") {
    FakeHost host;
    use_hooks(host, "echo \"  out-$CERTBOT_DOMAIN  \"", "true");
    Instance inst(manual(), host);
    std::vector<TestChallenge> cs = {http01("a.example", kToken),
                                     dns01("b.example", kToken, "txt-value", true)};
    REQUIRE(inst.perform(cs) == CB_OK);
    REQUIRE(host.hook_calls().size() == 2);
    const auto& a = host.hook_calls()[0];
    CHECK(has_env(a, "CERTBOT_DOMAIN=a.example"));
    CHECK(has_env(a, "CERTBOT_VALIDATION=" + cs[0].key_authorization));
    CHECK(has_env(a, std::string("CERTBOT_TOKEN=") + kToken));
    CHECK(has_env(a, "CERTBOT_REMAINING_CHALLENGES=1"));
    CHECK(has_env(a, "CERTBOT_ALL_DOMAINS=a.example,b.example"));
    CHECK_FALSE(has_var(a, "CERTBOT_AUTH_OUTPUT"));
    const auto& b = host.hook_calls()[1];
    CHECK(has_env(b, "CERTBOT_DOMAIN=b.example"));
    CHECK(has_env(b, "CERTBOT_VALIDATION=txt-value"));
    CHECK(has_env(b, "CERTBOT_REMAINING_CHALLENGES=0"));
    CHECK_FALSE(has_var(b, "CERTBOT_TOKEN"));

    REQUIRE(inst.cleanup(cs) == CB_OK);
    REQUIRE(host.hook_calls().size() == 4);
    CHECK(has_env(host.hook_calls()[2], "CERTBOT_AUTH_OUTPUT=out-a.example"));
    CHECK(has_env(host.hook_calls()[2], std::string("CERTBOT_TOKEN=") + kToken));
    CHECK(has_env(host.hook_calls()[3], "CERTBOT_AUTH_OUTPUT=out-b.example"));
    // Idempotent: a second cleanup runs nothing.
    REQUIRE(inst.cleanup(cs) == CB_OK);
    CHECK(host.hook_calls().size() == 4);
}

TEST_CASE("manual: a failing auth hook is an error and cleanup still runs for it", "[manual]") {
    FakeHost host;
    use_hooks(host, "echo partial; test \"$CERTBOT_DOMAIN\" != b.example || exit 7", "true");
    Instance inst(manual(), host);
    std::vector<TestChallenge> cs = {dns01("a.example", kToken, "v1"),
                                     dns01("b.example", kToken, "v2"),
                                     dns01("c.example", kToken, "v3")};
    CHECK(inst.perform(cs) == CB_ERROR);
    CHECK(host.last_error().find("--manual-auth-hook") != std::string::npos);
    CHECK(host.last_error().find("b.example (exit status 7)") != std::string::npos);
    REQUIRE(host.hook_calls().size() == 2);  // c.example was never started
    REQUIRE(inst.cleanup(cs) == CB_OK);
    REQUIRE(host.hook_calls().size() == 4);  // cleanup for a and b, not c
    CHECK(has_env(host.hook_calls()[2], "CERTBOT_DOMAIN=a.example"));
    CHECK(has_env(host.hook_calls()[3], "CERTBOT_DOMAIN=b.example"));
    CHECK(has_env(host.hook_calls()[3], "CERTBOT_AUTH_OUTPUT=partial"));
}

TEST_CASE("manual: a failing cleanup hook is reported after all cleanups ran", "[manual]") {
    FakeHost host;
    use_hooks(host, "true", "exit 2");
    Instance inst(manual(), host);
    std::vector<TestChallenge> cs = {dns01("a.example", kToken, "v1"),
                                     dns01("b.example", kToken, "v2")};
    REQUIRE(inst.perform(cs) == CB_OK);
    CHECK(inst.cleanup(cs) == CB_ERROR);
    CHECK(host.last_error().find("--manual-cleanup-hook") != std::string::npos);
    CHECK(host.hook_calls().size() == 4);
}

TEST_CASE("manual: interactive instructions name the URL, the TXT name and the values",
          "[manual]") {
    FakeHost host;
    host.set_interactive(true);
    Instance inst(manual(), host);
    std::vector<TestChallenge> cs = {http01("a.example", kToken),
                                     dns01("b.example", kToken, "txt-1", true),
                                     dns01("b.example", kToken, "txt-2")};
    REQUIRE(inst.perform(cs) == CB_OK);
    REQUIRE(host.pauses().size() == 3);
    const auto& p = host.pauses();
    CHECK(p[0].find(cs[0].key_authorization) != std::string::npos);
    CHECK(p[0].find(std::string("http://a.example/.well-known/acme-challenge/") + kToken) !=
          std::string::npos);
    CHECK(p[1].find("_acme-challenge.b.example.\n") != std::string::npos);
    CHECK(p[1].find("txt-1") != std::string::npos);
    CHECK(p[1].find("in addition to the previous challenges") != std::string::npos);
    CHECK(p[1].find("verify the TXT record") == std::string::npos);  // only after the last
    CHECK(p[2].find("multiple distinct TXT records with the same name") != std::string::npos);
    CHECK(p[2].find("verify the TXT record has been deployed") != std::string::npos);
    CHECK(inst.cleanup(cs) == CB_OK);
}

TEST_CASE("manual: refuses tls-alpn-01 and wildcards over http-01", "[manual]") {
    FakeHost host;
    use_hooks(host, "true");
    Instance inst(manual(), host);
    auto alpn = tls_alpn01("a.example", kToken);
    CHECK(inst.perform({alpn}) == CB_ERROR);
    CHECK(host.last_error().find("tls-alpn-01") != std::string::npos);
    auto wild = http01("a.example", kToken);
    wild.is_wildcard = true;
    CHECK(inst.perform({wild}) == CB_ERROR);
    CHECK(host.last_error().find("*.a.example") != std::string::npos);
    CHECK(host.hook_calls().empty());
}
