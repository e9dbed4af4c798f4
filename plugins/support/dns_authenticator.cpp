#include "dns_authenticator.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "json_quote.h"

namespace certbot::plugin::dns {

DnsAuthenticator::DnsAuthenticator(Host host, std::string plugin, int default_propagation)
    : host_(host),
      plugin_(std::move(plugin)),
      propagation_(propagation_seconds_option(host, plugin_, default_propagation)) {}

// No retry here: the provider's del_txt belongs to the derived class, already destroyed. cleanup
// reported what it could not delete, with the zone to clean by hand.
DnsAuthenticator::~DnsAuthenticator() = default;

void DnsAuthenticator::perform(const std::vector<Challenge>& challenges) {
    for (const auto& c : challenges)
        if (c.type != "dns-01")
            throw std::runtime_error("The " + plugin_ +
                                     " plugin can only answer dns-01 challenges, not " + c.type +
                                     " (for " + c.identifier + ").");
    for (const auto& c : challenges) {
        TxtRecord rec;
        rec.domain = c.identifier;
        rec.name = c.validation_name;
        rec.value = c.validation;
        added_.push_back(rec);
        try {
            add_txt(added_.back());
        } catch (...) {
            if (!added_.back().sent) added_.pop_back();
            throw;
        }
        const TxtRecord& r = added_.back();
        host_.info("Added TXT record " + r.name + (r.zone.empty() ? "" : " in zone " + r.zone));
    }
    after_add();
    wait_for_propagation(host_, propagation_);
}

void DnsAuthenticator::cleanup(const std::vector<Challenge>&) {
    remove_added();
}

void DnsAuthenticator::remove_added() {
    std::string first_error;
    std::vector<TxtRecord> left;
    for (const auto& r : added_) {
        try {
            del_txt(r);
            host_.debug("Deleted TXT record " + r.name);
        } catch (const std::exception& e) {
            if (first_error.empty())
                first_error = std::string(e.what()) + " Remove the TXT record " + r.name +
                              (r.zone.empty() ? "" : " from zone " + r.zone) + " by hand.";
            left.push_back(r);
        }
    }
    added_ = std::move(left);
    if (!first_error.empty()) throw std::runtime_error(first_error);
}

namespace {
// "dns-luadns" -> "CERTBOT_DNS_LUADNS_API_URL".
std::string endpoint_env(const std::string& plugin) {
    std::string out = "CERTBOT_";
    for (char c : plugin) out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    return out + "_API_URL";
}

HttpsOptions client_options(const std::string& plugin) {
    HttpsOptions o;
    o.user_agent = "certbot-native-" + plugin + "/0.1.0";
    return o;
}
}  // namespace

DnsApiAuthenticator::DnsApiAuthenticator(Host host, const std::string& plugin,
                                         int default_propagation, const std::string& provider,
                                         const std::string& base_url)
    : DnsAuthenticator(host, plugin, default_propagation),
      creds_(Credentials::load(host, plugin, host.option("credentials"))),
      api_(std::make_unique<HttpsClient>(provider, base_url, endpoint_env(plugin),
                                         client_options(plugin))) {}

std::vector<std::string> zone_guesses(const std::string& domain) {
    std::vector<std::string> out;
    std::string d = domain;
    while (!d.empty() && d.back() == '.') d.pop_back();
    for (size_t start = 0; start < d.size();) {
        out.push_back(d.substr(start));
        size_t dot = d.find('.', start);
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return out;
}

std::string first_zone(const std::string& domain, const std::string& provider,
                       const std::function<bool(const std::string& guess)>& is_zone) {
    std::string tried;
    for (const auto& g : zone_guesses(domain)) {
        if (is_zone(g)) return g;
        tried += (tried.empty() ? "" : ", ") + g;
    }
    throw std::runtime_error("Unable to determine zone identifier for " + domain +
                             " using zone names: " + tried + ". Is the domain in this " + provider +
                             " account?");
}

std::string relative_name(const std::string& name, const std::string& zone) {
    if (name == zone) return "@";
    const std::string suffix = "." + zone;
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        throw std::runtime_error(name + " is not in the zone " + zone + ".");
    return name.substr(0, name.size() - suffix.size());
}

int propagation_seconds_option(const Host& host, const std::string& plugin, int default_seconds) {
    std::string v = host.option("propagation-seconds", std::to_string(default_seconds));
    bool digits = !v.empty() && v.size() <= 5;
    for (char ch : v) digits = digits && ch >= '0' && ch <= '9';
    if (!digits || std::stoi(v) > 86400)
        throw std::runtime_error("--" + plugin +
                                 "-propagation-seconds must be a number of seconds (0-86400), "
                                 "not \"" +
                                 v + "\".");
    return std::stoi(v);
}

bool poll_until(const Host& host, const std::string& what, int timeout_seconds,
                const std::function<bool()>& ready) {
    // The budget counts the waits, not the API calls (each bounded by the HTTPS client): the
    // host keeps the time, so a plugin never sleeps where SIGINT/SIGTERM cannot reach it.
    int waited = 0;
    for (int delay = 1;; delay = std::min(delay * 2, 5)) {
        if (ready()) return true;
        if (waited >= timeout_seconds) return false;
        const int seconds = std::min(delay, timeout_seconds - waited);
        try {
            host.wait(static_cast<unsigned>(seconds), what);
        } catch (const std::exception& e) {
            throw std::runtime_error("Stopped waiting for " + what + ": " + e.what());
        }
        waited += seconds;
    }
}

void wait_for_propagation(const Host& host, int seconds) {
    if (seconds <= 0) return;
    // certbot.wait.v1: the host keeps the time, shows it, and cancels the wait on SIGINT/SIGTERM
    // or before the call's time limit (the plugin then returns; cleanup follows).
    host.wait(static_cast<unsigned>(seconds), "DNS changes to propagate");
}

std::string json_quote(const std::string& s) {
    return common::json_quote(s);
}

}  // namespace certbot::plugin::dns
