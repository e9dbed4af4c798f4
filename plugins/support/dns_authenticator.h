// The base of certbot's DNS plugins here (certbot.plugins.dns_common.DNSAuthenticator): a
// provider implements add_txt and del_txt; this class answers dns-01 only, validates
// --<plugin>-propagation-seconds (each plugin's certbot default), keeps the list of records this
// run added (also those whose creation was sent but not confirmed) and deletes exactly those in
// cleanup, after a failed perform too, reporting the first failure and keeping what it could not
// delete for the next cleanup call.
#ifndef CERTBOT_PLUGINS_SUPPORT_DNS_AUTHENTICATOR_H
#define CERTBOT_PLUGINS_SUPPORT_DNS_AUTHENTICATOR_H

#include <certbot/plugin.hpp>

#include "dns_credentials.h"
#include "dns_https.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace certbot::plugin::dns {

// One TXT record this run asked a provider to create.
struct TxtRecord {
    std::string domain;  // the identifier ("example.com" also for *.example.com)
    std::string name;    // "_acme-challenge.example.com"
    std::string value;   // the validation
    std::string zone;    // the provider's zone name, once known
    std::string zone_id;
    std::string id;     // the provider's record id, once known ("" : find by name and value)
    bool sent = false;  // the creating request left: from here on it may exist
};

class DnsAuthenticator : public Authenticator {
  public:
    // PLUGIN is the plugin's name ("dns-cloudflare"); DEFAULT_PROPAGATION its certbot default.
    DnsAuthenticator(Host host, std::string plugin, int default_propagation);
    ~DnsAuthenticator() override;

    std::vector<std::string> chall_pref(const std::string&) override { return {"dns-01"}; }
    void perform(const std::vector<Challenge>& challenges) override;
    void cleanup(const std::vector<Challenge>& challenges) override;

  protected:
    // Creates REC (domain, name, value set): fills zone/zone_id, sets sent = true right before the
    // creating request, and id when the provider returns one. Throws on failure.
    virtual void add_txt(TxtRecord& rec) = 0;
    // Deletes the record REC describes (by id, else by name and value; absent is success).
    virtual void del_txt(const TxtRecord& rec) = 0;
    // Called once after every record was added, before the propagation wait (Route 53 waits for
    // its changes to be INSYNC here).
    virtual void after_add() {}

    const Host& host() const { return host_; }
    const std::string& plugin() const { return plugin_; }
    int propagation_seconds() const { return propagation_; }

  private:
    void remove_added();

    Host host_;
    std::string plugin_;
    int propagation_;
    std::vector<TxtRecord> added_;
};

// The base of a plugin for a provider's HTTPS API with a certbot credentials file: it reads
// --<plugin>-credentials and makes the client for BASE_URL (which CERTBOT_<PLUGIN>_API_URL, e.g.
// CERTBOT_DNS_LUADNS_API_URL, replaces), with the User-Agent certbot-native-<plugin>/0.1.0.
// The derived constructor fills auth_ (the headers that authenticate) from creds_.
class DnsApiAuthenticator : public DnsAuthenticator {
  protected:
    DnsApiAuthenticator(Host host, const std::string& plugin, int default_propagation,
                        const std::string& provider, const std::string& base_url);

    Credentials creds_;
    Headers auth_;
    std::unique_ptr<HttpsClient> api_;
};

// The challenge types of a DNS plugin: {"dns-01", NULL}.
inline const char* const kDnsChallengeTypes[] = {"dns-01", nullptr};

// The longest propagation wait --<plugin>-propagation-seconds allows.
inline constexpr int kMaxPropagationSeconds = 86400;

// certbot's --<plugin>-propagation-seconds option with the plugin's DEFAULT_SECONDS ("10"): an
// int the host checks (0 to kMaxPropagationSeconds).
constexpr cb_option_desc propagation_option(const char* default_seconds) {
    return int_option("propagation-seconds",
                      "The number of seconds to wait for DNS to propagate before asking the ACME "
                      "server to verify the DNS record.",
                      default_seconds, 0, kMaxPropagationSeconds);
}

// certbot's --<plugin>-credentials option (a file the host makes absolute; required), with HELP.
constexpr cb_option_desc credentials_option(const char* help) {
    return required(path_option("credentials", help));
}

// certbot's base_domain_name_guesses: "a.b.example.com" -> a.b.example.com, b.example.com,
// example.com, com.
std::vector<std::string> zone_guesses(const std::string& domain);
// certbot's LexiconClient._find_domain_id: the first of zone_guesses(DOMAIN) for which IS_ZONE
// is true (IS_ZONE throws on errors that are not "no such zone"); otherwise throws "Unable to
// determine zone identifier for DOMAIN using zone names: a.b, b. Is the domain in this PROVIDER
// account?".
std::string first_zone(const std::string& domain, const std::string& provider,
                       const std::function<bool(const std::string& guess)>& is_zone);
// NAME relative to ZONE: ("_acme-challenge.a.example.com", "example.com") -> "_acme-challenge.a";
// "@" for the zone apex. Throws when NAME is not in ZONE.
std::string relative_name(const std::string& name, const std::string& zone);
// The value of --<plugin>-propagation-seconds (default DEFAULT_SECONDS), checked: 0-86400.
int propagation_seconds_option(const Host& host, const std::string& plugin, int default_seconds);
// certbot's "Waiting N seconds for DNS changes to propagate", with a countdown on a terminal.
// Returns early and throws when a signal (Ctrl-C, SIGTERM) interrupts the wait, so the host can
// clean up at once.
void wait_for_propagation(const Host& host, int seconds);
// Waits for what a provider does asynchronously (a change going live, e.g. Route 53 GetChange
// until INSYNC): asks READY, and while it answers false waits through the host
// (certbot.wait.v1) 1 s, then 2, 4 and 5 s, and asks again. WHAT names what is awaited, for the
// host's "Waiting N seconds for WHAT" ("Route 53 change C1 to be INSYNC"). Returns false once
// the waits add up to TIMEOUT_SECONDS and READY still answers false. SIGINT/SIGTERM or the call's
// time limit (--plugin-timeout) end a wait at once: then this throws "Stopped waiting for WHAT:
// <the host's line>", perform returns, and cleanup (on this same instance) deletes the records.
bool poll_until(const Host& host, const std::string& what, int timeout_seconds,
                const std::function<bool()>& ready);
// S as a JSON string literal, quotes included.
std::string json_quote(const std::string& s);

}  // namespace certbot::plugin::dns

#endif  // CERTBOT_PLUGINS_SUPPORT_DNS_AUTHENTICATOR_H
