// dns-rfc2136: answers dns-01 challenges (RFC 8555 §8.4) by adding the TXT record
// _acme-challenge.<domain> to an authoritative server with an RFC 2136 dynamic update signed
// with TSIG (RFC 8945), like certbot-dns-rfc2136. cleanup deletes exactly the records this
// instance added (one RR each, by value), never the whole RRset.
//
// Options (certbot-dns-rfc2136's): --dns-rfc2136-credentials INI, --dns-rfc2136-propagation-seconds
// (default 60). The INI holds dns_rfc2136_server (an IP address), _port (53), _name (key name),
// _secret (base64) and _algorithm (HMAC-MD5 by default, as certbot; HMAC-SHA1/224/256/384/512).
// The secret never reaches a log line or an error message.
//
// The zone is found as certbot does: SOA queries for _acme-challenge.<domain>, <domain>, ... until
// the server answers authoritatively with the SOA. Everything goes over TCP with a bounded wait.
#include <certbot/plugin.hpp>

#include "dns_authenticator.h"
#include "dns_credentials.h"
#include "dns_message.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using certbot::plugin::Challenge;
using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;
using rfc2136::Bytes;

constexpr int kTimeoutSeconds = 10;  // per exchange with the server (connect + answer)
constexpr uint32_t kTtl = 120;       // certbot-dns-rfc2136's TTL for the TXT record

struct Credentials {
    std::string path;
    std::string server;  // IP literal
    int port = 53;
    rfc2136::TsigKey key;
    std::string where() const {
        return (server.find(':') != std::string::npos ? "[" + server + "]" : server) + ":" +
               std::to_string(port);
    }
};

// certbot's credentials INI (plugins/support/dns_credentials.h). Error messages name the file
// and the key, never a value (one of them is the secret).
Credentials read_credentials(const std::string& path, const Host& host) {
    const auto ini = certbot::plugin::dns::Credentials::load(host, "dns-rfc2136", path);
    auto get = [&](const std::string& k, bool required) {
        return required ? ini.require(k) : ini.get(k);
    };
    Credentials c;
    c.path = path;
    c.server = get("server", true);
    in6_addr a6{};
    in_addr a4{};
    if (inet_pton(AF_INET, c.server.c_str(), &a4) != 1 &&
        inet_pton(AF_INET6, c.server.c_str(), &a6) != 1)
        throw std::runtime_error(
            "The configured target DNS server (" + c.server + ") in " + path +
            " is not a valid IPv4 or IPv6 address. A hostname is not allowed.");
    if (std::string p = get("port", false); !p.empty()) {
        bool digits = p.size() <= 5;
        for (char ch : p) digits = digits && ch >= '0' && ch <= '9';
        if (!digits || std::stoi(p) < 1 || std::stoi(p) > 65535)
            throw std::runtime_error("dns_rfc2136_port in " + path + " must be a port number.");
        c.port = std::stoi(p);
    }
    c.key.name = get("name", true);
    try {
        rfc2136::encode_name(c.key.name);
    } catch (const std::exception&) {
        throw std::runtime_error("dns_rfc2136_name in " + path + " is not a valid DNS name.");
    }
    std::string alg = get("algorithm", false);
    c.key.algorithm = rfc2136::tsig_algorithm_name(alg.empty() ? "HMAC-MD5" : alg);
    if (c.key.algorithm.empty())
        throw std::runtime_error("Unknown algorithm: " + alg + " (dns_rfc2136_algorithm in " +
                                 path +
                                 "); use HMAC-SHA512, HMAC-SHA384, HMAC-SHA256, HMAC-SHA224, "
                                 "HMAC-SHA1 or HMAC-MD5.");
    auto secret = rfc2136::base64_decode(get("secret", true));
    if (!secret || secret->empty())
        throw std::runtime_error("dns_rfc2136_secret in " + path +
                                 " is not base64 (as in the `secret` of a BIND key statement).");
    c.key.secret = std::move(*secret);
    return c;
}

// The server certainly did not apply the request (it could not be reached, or it refused it).
// Any other failure after the request was sent leaves it open whether an update was applied.
struct NotApplied : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Owning socket descriptor.
struct Socket {
    int fd = -1;
    ~Socket() {
        if (fd >= 0) ::close(fd);
    }
};

// Waits for EVENTS on FD until DEADLINE; false on timeout.
bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) return false;
        pollfd p{fd, events, 0};
        int rc = ::poll(&p, 1, static_cast<int>(left));
        if (rc > 0) return true;
        if (rc == 0) return false;
        if (errno != EINTR) return false;
    }
}

// One request/answer over TCP (RFC 1035 §4.2.2: two-octet length prefix), bounded in time.
Bytes exchange(const Credentials& c, const Bytes& request, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
    const std::string server = "the DNS server " + c.where();
    sockaddr_storage ss{};
    socklen_t len;
    int family;
    if (c.server.find(':') != std::string::npos) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(static_cast<uint16_t>(c.port));
        inet_pton(AF_INET6, c.server.c_str(), &a->sin6_addr);
        len = sizeof(sockaddr_in6);
        family = AF_INET6;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(static_cast<uint16_t>(c.port));
        inet_pton(AF_INET, c.server.c_str(), &a->sin_addr);
        len = sizeof(sockaddr_in);
        family = AF_INET;
    }
    Socket s;
    s.fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0)
        throw std::runtime_error("Cannot create a socket: " + std::string(std::strerror(errno)));
    auto message = [&](const std::string& why) {
        return "Could not " + what + ": " + server + " " + why +
               ". Check dns_rfc2136_server and dns_rfc2136_port in " + c.path +
               " and that the server accepts TCP.";
    };
    auto fail = [&](const std::string& why) { return std::runtime_error(message(why)); };
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        if (errno != EINPROGRESS)
            throw NotApplied(message(std::string("is unreachable (") + std::strerror(errno) + ")"));
        if (!wait_for(s.fd, POLLOUT, deadline))
            throw NotApplied(message("did not accept a connection within " +
                                     std::to_string(kTimeoutSeconds) + " s"));
        int err = 0;
        socklen_t elen = sizeof err;
        ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &elen);
        if (err != 0)
            throw NotApplied(message(std::string("is unreachable (") + std::strerror(err) + ")"));
    }
    Bytes framed;
    framed.push_back(static_cast<uint8_t>(request.size() >> 8));
    framed.push_back(static_cast<uint8_t>(request.size()));
    framed.insert(framed.end(), request.begin(), request.end());
    for (size_t done = 0; done < framed.size();) {
        if (!wait_for(s.fd, POLLOUT, deadline)) throw fail("did not take our request in time");
        ssize_t n = ::send(s.fd, framed.data() + done, framed.size() - done, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) throw fail(std::string("closed the connection (") + std::strerror(errno) + ")");
        done += static_cast<size_t>(n);
    }
    auto read_exact = [&](size_t want) {
        Bytes out(want);
        for (size_t got = 0; got < want;) {
            if (!wait_for(s.fd, POLLIN, deadline))
                throw fail("did not answer within " + std::to_string(kTimeoutSeconds) + " s");
            ssize_t n = ::recv(s.fd, out.data() + got, want - got, 0);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) throw fail("closed the connection without an answer");
            got += static_cast<size_t>(n);
        }
        return out;
    };
    Bytes prefix = read_exact(2);
    size_t size = static_cast<size_t>(prefix[0]) << 8 | prefix[1];
    if (size < 12) throw fail("sent a malformed answer");
    return read_exact(size);
}

uint16_t random_id() {
    uint16_t id = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id) != 1)
        throw std::runtime_error("The random number generator failed.");
    return id;
}

// Sends REQUEST signed with the key and returns the verified answer.
rfc2136::Response signed_exchange(const Credentials& c, Bytes request, const std::string& what) {
    rfc2136::TsigFields f;
    f.time_signed = static_cast<uint64_t>(std::time(nullptr));
    const uint16_t id = static_cast<uint16_t>(request[0] << 8 | request[1]);
    Bytes mac = rfc2136::tsig_sign(request, c.key, f);
    Bytes answer = exchange(c, request, what);
    rfc2136::Response r;
    try {
        r = rfc2136::parse_message(answer);
    } catch (const std::exception& e) {
        throw std::runtime_error("Could not " + what + ": the DNS server " + c.where() +
                                 " sent a malformed answer (" + e.what() + ").");
    }
    if (!r.is_response || r.id != id)
        throw std::runtime_error("Could not " + what + ": the DNS server " + c.where() +
                                 " answered another request.");
    const std::string key_hint =
        "the DNS server " + c.where() + " rejected the TSIG key \"" + c.key.name + "\" (";
    const std::string fix =
        "check dns_rfc2136_name, dns_rfc2136_secret and dns_rfc2136_algorithm "
        "in " +
        c.path + " against the server's key";
    if (r.tsig && r.tsig->fields.error != 0)
        throw NotApplied("Could not " + what + ": " + key_hint +
                         rfc2136::tsig_error_name(r.tsig->fields.error) + "); " + fix + ".");
    if (r.rcode == rfc2136::kRcodeNotAuth && !r.tsig)
        throw NotApplied("Could not " + what + ": " + key_hint + "NOTAUTH); " + fix + ".");
    std::string bad =
        rfc2136::tsig_verify(answer, r, c.key, mac, static_cast<uint64_t>(std::time(nullptr)));
    if (!bad.empty())
        throw std::runtime_error("Could not " + what + ": the answer of the DNS server " +
                                 c.where() + " failed TSIG verification with key \"" + c.key.name +
                                 "\": " + bad + "; " + fix + ".");
    return r;
}

struct Added {
    std::string zone, name, value;
};

class Rfc2136 : public certbot::plugin::Authenticator {
  public:
    // The options and the credentials file are checked here, before anything is ordered.
    explicit Rfc2136(Host host)
        : host_(host),
          wait_(certbot::plugin::dns::propagation_seconds_option(host, "dns-rfc2136", 60)),
          creds_(read_credentials(host.option("credentials"), host)) {}
    ~Rfc2136() override {
        try {
            remove_added(false);
        } catch (...) {
        }
    }

    std::vector<std::string> chall_pref(const std::string&) override { return {"dns-01"}; }

    void perform(const std::vector<Challenge>& challenges) override {
        for (const auto& c : challenges)
            if (c.type != "dns-01")
                throw std::runtime_error(
                    "The dns-rfc2136 plugin can only answer dns-01 challenges, not " + c.type +
                    " (for " + c.identifier + ").");
        for (const auto& c : challenges) {
            const std::string& name = c.validation_name;
            const std::string zone = find_zone(name);
            host_.info("Adding TXT record " + name + " in zone " + zone + " at " + creds_.where());
            // Tracked before it is sent: when the answer is lost, the server may still have
            // added it, and deleting one RR by value is harmless if it did not (RFC 2136 §3.4.2.4).
            added_.push_back({zone, name, c.validation});
            try {
                update(zone, name, c.validation, true);
            } catch (const NotApplied&) {
                added_.pop_back();
                throw;
            }
        }
        certbot::plugin::dns::wait_for_propagation(host_, wait_);
    }

    void cleanup(const std::vector<Challenge>&) override { remove_added(true); }

  private:
    // certbot's base_domain_name_guesses: the name itself, then each parent with 2+ labels...
    // down to the TLD, asking for an authoritative SOA.
    std::string find_zone(const std::string& record) {
        std::string guess = record;
        std::vector<std::string> tried;
        while (!guess.empty()) {
            tried.push_back(guess);
            auto r = signed_exchange(creds_, rfc2136::make_soa_query(random_id(), guess),
                                     "look up the zone of " + record);
            bool soa = false;
            for (auto t : r.answer_types) soa = soa || t == rfc2136::kTypeSOA;
            if (r.rcode == rfc2136::kRcodeNoError && r.authoritative && soa) return guess;
            size_t dot = guess.find('.');
            guess = dot == std::string::npos ? std::string() : guess.substr(dot + 1);
        }
        std::string list;
        for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
        throw std::runtime_error("Unable to determine base domain for " + record +
                                 " using names: " + list + ". The DNS server " + creds_.where() +
                                 " is not authoritative for any of them.");
    }

    void update(const std::string& zone, const std::string& name, const std::string& value,
                bool add) {
        const std::string what = std::string(add ? "add" : "delete") + " the TXT record " + name;
        auto r = signed_exchange(
            creds_, rfc2136::make_txt_update(random_id(), zone, name, value, kTtl, add), what);
        if (r.rcode != rfc2136::kRcodeNoError)
            throw NotApplied("Could not " + what + ": the DNS server " + creds_.where() +
                             " answered " + rfc2136::rcode_name(r.rcode) +
                             (r.rcode == 5 ? " (does the key \"" + creds_.key.name +
                                                 "\" have update rights on zone " + zone + "?)"
                                           : std::string()) +
                             ".");
    }

    // Deletes every record this instance added; what could not be deleted is kept for the next
    // call and the first failure is reported.
    void remove_added(bool log) {
        std::string first_error;
        std::vector<Added> left;
        for (const auto& a : added_) {
            try {
                update(a.zone, a.name, a.value, false);
                if (log) host_.debug("Deleted TXT record " + a.name + " from zone " + a.zone);
            } catch (const std::exception& e) {
                if (first_error.empty())
                    first_error =
                        std::string(e.what()) + " Remove it from zone " + a.zone + " by hand.";
                left.push_back(a);
            }
        }
        added_ = std::move(left);
        if (!first_error.empty()) throw std::runtime_error(first_error);
    }

    Host host_;
    int wait_;
    Credentials creds_;
    std::vector<Added> added_;
};

const char* const kChallengeTypes[] = {"dns-01", nullptr};

const cb_option_desc kOptions[] = {
    dns::propagation_option("60"),
    dns::credentials_option(
        "RFC 2136 credentials INI file (dns_rfc2136_server, _port, _name, _secret, _algorithm)."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<Rfc2136>(
    "dns-rfc2136", "Obtain certificates using a DNS TXT record (if you are using BIND for DNS).",
    "0.1.0", kChallengeTypes, kOptions));
