// Which certificate a server really presents: after an installer reloads nginx or Apache, a TLS
// handshake with SNI to each address a certbot-managed site listens on, compared with the
// certificate the configuration names. A reload that was accepted but did not take (nginx keeps
// its old configuration when it cannot bind a new port) is caught here instead of reported as
// success. No dependency on the plugin ABI.
#ifndef CERTBOT_PLUGINS_SUPPORT_SERVED_CERT_H
#define CERTBOT_PLUGINS_SUPPORT_SERVED_CERT_H

#include <string>
#include <vector>

namespace plugin_support {

// One site to check: SNI NAME at HOST (an IPv4 or IPv6 address literal) and PORT must present the
// first certificate of the PEM file CERT_FILE.
struct ServedCheck {
    std::string host;
    int port = 443;
    std::string name;
    std::string cert_file;
};

// The address to connect to for a listen address as written: "", "*" and "0.0.0.0" mean the
// IPv4 loopback, "[::]" and "::" the IPv6 one, brackets are dropped; "" for a host name (not
// checked: it may resolve anywhere).
std::string probe_address(const std::string& listen_address);

// "" when the server presents CHECK's certificate; otherwise one phrase saying what it did
// (presents another certificate, refused the connection, no TLS). TIMEOUT_MS bounds the connect
// and the handshake each.
std::string check_served(const ServedCheck& check, int timeout_ms = 3000);

// Runs check_served over CHECKS until all pass or DEADLINE_MS has passed (a reload takes effect
// asynchronously), pausing between rounds. Returns the failures of the last round, one line each
// ("a.example on 127.0.0.1:443: presents another certificate ...").
std::vector<std::string> wait_until_served(const std::vector<ServedCheck>& checks,
                                           int deadline_ms = 10000);

}  // namespace plugin_support

#endif  // CERTBOT_PLUGINS_SUPPORT_SERVED_CERT_H
