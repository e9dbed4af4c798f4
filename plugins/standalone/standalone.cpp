// standalone: answers http-01 (RFC 8555 §8.3) and tls-alpn-01 (RFC 8737) challenges with its
// own short-lived server, like certbot's standalone plugin, for machines with no web server.
//
// It declares no options. It reads certbot's global flags through the host, which answers
// get_option for these names for every plugin:
//   "http-01-port"     --http-01-port     (default 80)
//   "http-01-address"  --http-01-address  (default: every interface; also used for TLS)
//   "https-port"       --https-port       (default 443; tls-alpn-01)
// The listeners are bound before perform returns, so a busy port fails perform with certbot's
// message; cleanup stops the server and may run any number of times.
#include <certbot/plugin.hpp>

#include "challenge_server.h"
#include "tls_alpn.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using certbot::plugin::Challenge;
using certbot::plugin::Host;
using certbot::plugin::is_base64url_token;

class Standalone : public certbot::plugin::Authenticator {
  public:
    explicit Standalone(Host host) : host_(host) {}

    std::vector<std::string> chall_pref(const std::string&) override {
        return {"http-01", "tls-alpn-01"};
    }

    void perform(const std::vector<Challenge>& challenges) override {
        for (const auto& c : challenges) check(c);
        try {
            serve(challenges);
        } catch (...) {
            flush_log();  // the host calls cleanup next, which stops whatever started
            throw;
        }
        flush_log();
    }

    void cleanup(const std::vector<Challenge>&) override {
        bool was_running = server_.running();
        server_.stop();
        flush_log();
        if (was_running) host_.debug("Stopped the standalone server");
    }

  private:
    static void check(const Challenge& c) {
        if (c.type != "http-01" && c.type != "tls-alpn-01")
            throw std::runtime_error(
                "The standalone plugin can only answer http-01 and tls-alpn-01 challenges, not " +
                c.type + " (for " + c.identifier + ").");
        if (c.is_ip() && !certbot::plugin::is_ip_identifier(c.identifier))
            throw std::runtime_error("The identifier \"" + c.identifier +
                                     "\" is marked as an IP address but is not one.");
        if (c.is_wildcard)
            throw std::runtime_error("The standalone plugin cannot validate the wildcard name *." +
                                     c.identifier + "; use a DNS plugin.");
        if (c.type == "http-01" && !is_base64url_token(c.token))
            throw std::runtime_error(
                "Refusing the http-01 token for " + c.identifier +
                ": it is not a base64url string (A-Z a-z 0-9 - _, at most 255). The "
                "ACME server sent a malformed challenge.");
        if (c.identifier.empty())
            throw std::runtime_error("A " + c.type + " challenge came without an identifier.");
    }

    void serve(const std::vector<Challenge>& challenges) {
        bool need_http = false, need_tls = false;
        for (const auto& c : challenges) (c.type == "http-01" ? need_http : need_tls) = true;
        const std::string address = host_.option("http-01-address");
        const std::string where = address.empty() ? "all interfaces" : address;
        if (need_http && !server_.has_http()) {
            int port = read_port("http-01-port", 80);
            int bound = server_.listen_http(address, port, {"--http-01-port", "--http-01-address"});
            host_.debug("Standalone server for http-01 listening on TCP port " +
                        std::to_string(bound) + " (" + where + ")");
        }
        if (need_tls && !server_.has_tls()) {
            int port = read_port("https-port", 443);
            int bound = server_.listen_tls(address, port, {"--https-port", "--http-01-address"});
            host_.debug("Standalone server for tls-alpn-01 listening on TCP port " +
                        std::to_string(bound) + " (" + where + ")");
        }
        for (const auto& c : challenges) {
            if (c.type == "http-01") {
                server_.add_http01(c.token,
                                   c.validation.empty() ? c.key_authorization : c.validation);
                host_.debug("Serving http-01 for " + c.identifier + " at " + kPrefix + c.token);
            } else {
                auto digest =
                    standalone::alpn_digest(c.identifier, c.key_authorization, c.validation);
                // RFC 8738 §6: an IP's validator asks for its reverse name (validation_name)
                // and expects the address as the certificate's one iPAddress SAN.
                const bool ip = c.is_ip() && !c.validation_name.empty();
                server_.add_tls_alpn01(ip ? c.validation_name : c.identifier,
                                       standalone::make_alpn_cert(c.identifier, digest),
                                       ip ? c.identifier : std::string());
                host_.debug("Serving tls-alpn-01 for " + c.identifier +
                            (ip ? " (SNI " + c.validation_name + ")" : std::string()));
            }
        }
        server_.start();
    }

    // A global port flag, checked: the host passes the text the user gave.
    int read_port(const char* name, int fallback) const {
        const std::string value = host_.option(name);
        if (value.empty()) return fallback;
        bool digits = value.size() <= 5;
        for (char ch : value) digits = digits && ch >= '0' && ch <= '9';
        if (!digits || std::stoi(value) > 65535)
            throw std::runtime_error(std::string("--") + name +
                                     " must be a TCP port number (0-65535), not \"" + value +
                                     "\".");
        return std::stoi(value);
    }

    void flush_log() {
        for (const auto& line : server_.take_log()) host_.debug(line);
    }

    static constexpr const char* kPrefix = "/.well-known/acme-challenge/";
    Host host_;
    standalone::ChallengeServer server_;
};

const char* const kChallengeTypes[] = {"http-01", "tls-alpn-01", nullptr};

}  // namespace

// entry() takes the options as an array reference and C++ has no empty arrays, so an option-less
// plugin builds the entry around a placeholder and then reports no options.
namespace {
const cb_option_desc kNoOptions[1] = {};
constexpr cb_plugin without_options(cb_plugin p) {
    p.options = nullptr;
    p.option_count = 0;
    return p;
}
// It binds --http-01-port: no two instances on one port at once, with any plugin.
constexpr cb_plugin kEntry = certbot::plugin::exclusive(
    without_options(certbot::plugin::entry<Standalone>(
        "standalone", "Spin up a temporary webserver", "0.1.0", kChallengeTypes, kNoOptions)),
    CB_EXCLUSIVE_PORT, "http-01-port");
}  // namespace

CERTBOT_PLUGIN(kEntry);
