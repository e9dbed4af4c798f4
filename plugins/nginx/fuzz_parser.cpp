// libFuzzer target for the nginx configuration parser and the plugin's edits:
//  - anything parse accepts serializes back to the same bytes;
//  - every edit the plugin makes to a configuration it accepted (http-01, deploy, redirect,
//    headers, stapling) leaves text that parses again: an edit never writes broken syntax.
// The unit tests call the same function over the corpus, every crasher kept in
// testdata/crashers and deterministic mutations, so it runs in every ctest.
#include "nginx_edit.h"
#include "nginx_parser.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>

namespace {

void edits_stay_parseable(const std::string& text) {
    nginxconf::Config cfg = nginxconf::Config::from_text("/fuzz/nginx.conf", text);
    nginxconf::EditSettings s;
    s.config_dir = "/etc/letsencrypt";
    s.challenge_conf = "/fuzz/work/challenge.conf";
    nginxconf::Editor ed(cfg, s);
    const std::function<void()> steps[] = {
        [&] {
            ed.add_challenges({{"a.example.com", "tok_en-1", "tok_en-1.thumb"}});
        },
        [&] { ed.deploy_cert("a.example.com", "/k.pem", "/f.pem"); },
        [&] { ed.redirect("a.example.com"); },
        [&] { ed.ensure_header("a.example.com", "Strict-Transport-Security"); },
        [&] { ed.staple_ocsp("a.example.com", "/chain.pem"); },
        [&] { ed.deploy_cert("www.example.org", "/k2.pem", "/f2.pem"); },
    };
    for (const auto& step : steps) {
        try {
            step();
        } catch (const std::exception&) {
            // Refusing is fine; what was done so far must still be valid.
        }
    }
    for (const auto& [path, out] : cfg.changed()) {
        try {
            nginxconf::parse(out, path);
        } catch (const nginxconf::ParseError&) {
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        nginxconf::Document doc = nginxconf::parse(text, "fuzz.conf");
        if (nginxconf::serialize(doc) != text) std::abort();
    } catch (const nginxconf::ParseError& e) {
        if (e.line() < 1) std::abort();
        return 0;
    }
    edits_stay_parseable(text);
    return 0;
}
