// Test helpers shared by the store's unit tests (*_test.cpp beside core/store/): small file
// checks, PEM stand-ins, and a lineage made the way certbot 2.1 made one against Pebble.
#pragma once

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "fsutil.h"
#include "lineage_write.h"
#include "temp_dir_test.h"

namespace certbot::test {

inline bool exists(const std::string& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0;
}

inline std::string link_of(const std::string& p) {
    char buf[4096];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    REQUIRE(n >= 0);
    return std::string(buf, static_cast<size_t>(n));
}

inline std::string read_link_text(const std::string& p) {
    char buf[4096];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

inline void put(const std::string& path, const std::string& text, mode_t mode = 0644) {
    REQUIRE(atomic_write(path, text, mode).ok());
}

inline const std::string kCert = "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n";
inline const std::string kChain = "-----BEGIN CERTIFICATE-----\nCHAIN\n-----END CERTIFICATE-----\n";
inline const std::string kKey = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

// The [renewalparams] of the real conf Debian's certbot 2.1 wrote for
// `certonly --webroot -w W -d a.example -d b.example` against Pebble.
inline std::vector<RenewalParam> webroot_params(const std::string& dir) {
    return {
        RenewalParam::str("account", "b20347f352618a74018ab19be5d88257"),
        RenewalParam::str("http01_port", "31811"),
        RenewalParam::str("config_dir", dir + "/config"),
        RenewalParam::str("work_dir", dir + "/work"),
        RenewalParam::str("logs_dir", dir + "/logs"),
        RenewalParam::str("server", "https://127.0.0.1:22941/dir"),
        RenewalParam::str("authenticator", "webroot"),
        RenewalParam::list_of("webroot_path", {dir + "/www"}),
        RenewalParam::str("key_type", "ecdsa"),
        RenewalParam::section("webroot_map",
                              {{"b.example", dir + "/www"}, {"a.example", dir + "/www"}}),
    };
}

inline std::string webroot_conf_text(const std::string& dir, const std::string& name) {
    const std::string c = dir + "/config";
    return "# renew_before_expiry = 30 days\n"
           "version = 2.1.0\n"
           "archive_dir = " +
           c + "/archive/" + name +
           "\n"
           "cert = " +
           c + "/live/" + name +
           "/cert.pem\n"
           "privkey = " +
           c + "/live/" + name +
           "/privkey.pem\n"
           "chain = " +
           c + "/live/" + name +
           "/chain.pem\n"
           "fullchain = " +
           c + "/live/" + name +
           "/fullchain.pem\n"
           "\n"
           "# Options used in the renewal process\n"
           "[renewalparams]\n"
           "account = b20347f352618a74018ab19be5d88257\n"
           "http01_port = 31811\n"
           "config_dir = " +
           c +
           "\n"
           "work_dir = " +
           dir +
           "/work\n"
           "logs_dir = " +
           dir +
           "/logs\n"
           "server = https://127.0.0.1:22941/dir\n"
           "authenticator = webroot\n"
           "webroot_path = " +
           dir +
           "/www,\n"
           "key_type = ecdsa\n"
           "[[webroot_map]]\n"
           "b.example = " +
           dir +
           "/www\n"
           "a.example = " +
           dir + "/www\n";
}

inline Lineage make_lineage(const TempDir& d, const std::string& name = "a.example") {
    auto l = create_lineage(d / "config", name, kCert, kChain, "", kKey, webroot_params(d.path),
                            "2.1.0");
    REQUIRE(l.ok());
    return *l;
}

inline std::string pem(const std::string& what, int n) {
    return "-----BEGIN CERTIFICATE-----\n" + what + std::to_string(n) +
           "\n-----END CERTIFICATE-----\n";
}

}  // namespace certbot::test
