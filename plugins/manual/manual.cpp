// manual: answers http-01 and dns-01 challenges through the user, like certbot's manual plugin.
//
// With --manual-auth-hook, each challenge runs the hook (through host->run_hook, i.e.
// `/bin/sh -c HOOK`) with the challenge in the environment only — certbot's variables
// CERTBOT_DOMAIN, CERTBOT_VALIDATION, CERTBOT_TOKEN (http-01), CERTBOT_REMAINING_CHALLENGES and
// CERTBOT_ALL_DOMAINS, and certbot 5.3's CERTBOT_IDENTIFIER / CERTBOT_ALL_IDENTIFIERS (the same
// values under names that also fit IP addresses: certbot PR #10544, "manual plugin: add IP
// address support", keeps both sets). No challenge data is ever pasted into a command line. cleanup
// runs
// --manual-cleanup-hook once for every challenge whose auth hook ran (also when that hook or the
// validation failed), with CERTBOT_AUTH_OUTPUT = what the auth hook printed (trimmed).
//
// Without a hook it shows what to deploy and waits for Enter; when nobody can press Enter (no
// TTY, or -n) it refuses to start, naming --manual-auth-hook, so it never blocks under cron.
#include <certbot/plugin.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace {

using certbot::plugin::Challenge;
using certbot::plugin::Host;
using certbot::plugin::is_base64url_token;

std::string trim(const std::string& s) {
    const char* ws = " \t\r\n\f\v";
    size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return std::string();
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// certbot's texts (certbot/_internal/plugins/manual.py).
const char* const kSubsequent =
    "\n(This must be set up in addition to the previous challenges; do not remove,\n"
    "replace, or undo the previous challenge tasks yet.)\n";
const char* const kSubsequentDns =
    "\n(This must be set up in addition to the previous challenges; do not remove,\n"
    "replace, or undo the previous challenge tasks yet. Note that you might be\n"
    "asked to create multiple distinct TXT records with the same name. This is\n"
    "permitted by DNS standards.)\n";

class Manual : public certbot::plugin::Authenticator {
  public:
    explicit Manual(Host host)
        : host_(host),
          auth_hook_(host.option("auth-hook")),
          cleanup_hook_(host.option("cleanup-hook")) {
        if (host_.flag("public-ip-logging-ok"))
            host_.warning("Use of --manual-public-ip-logging-ok is deprecated; it does nothing.");
        // certbot's prepare(): fail now rather than wait on stdin nobody reads.
        if (auth_hook_.empty() && !host_.interactive())
            throw std::runtime_error(
                "An authentication script must be provided with --manual-auth-hook when using "
                "the manual plugin non-interactively (no terminal, or -n/--non-interactive).");
    }

    std::vector<std::string> chall_pref(const std::string& identifier) override {
        // RFC 8738: no DNS record proves control of an IP address.
        if (certbot::plugin::is_ip_identifier(identifier)) return {"http-01"};
        return {"http-01", "dns-01"};
    }

    void perform(const std::vector<Challenge>& challenges) override {
        for (const auto& c : challenges) check(c);
        if (!auth_hook_.empty()) {
            std::string all;
            for (const auto& c : challenges) all += (all.empty() ? "" : ",") + c.identifier;
            for (size_t i = 0; i < challenges.size(); ++i)
                run_auth_hook(challenges[i], all, challenges.size() - i - 1);
            return;
        }
        size_t last_dns = 0;
        for (size_t i = 0; i < challenges.size(); ++i)
            if (challenges[i].type == "dns-01") last_dns = i;
        for (size_t i = 0; i < challenges.size(); ++i) ask_user(challenges[i], i == last_dns);
    }

    void cleanup(const std::vector<Challenge>& challenges) override {
        std::string first_error;
        for (const auto& c : challenges) {
            auto it = ran_.find(key(c));
            if (it == ran_.end()) continue;  // its auth hook never ran: nothing to undo
            std::vector<std::string> env = std::move(it->second);
            ran_.erase(it);  // once only, whatever the hook does
            if (cleanup_hook_.empty()) continue;
            std::string failure;
            try {
                auto r = host_.run_hook(cleanup_hook_, env);
                report("--manual-cleanup-hook", c.identifier, r);
                if (r.exit_status != 0) failure = "exit status " + std::to_string(r.exit_status);
            } catch (const std::exception& e) {  // not even started: the others still run
                failure = e.what();
            }
            if (!failure.empty() && first_error.empty())
                first_error = "The --manual-cleanup-hook command \"" + cleanup_hook_ +
                              "\" failed for " + c.identifier + " (" + failure +
                              "); remove what the auth hook created by hand.";
        }
        if (!first_error.empty()) throw std::runtime_error(first_error);
    }

  private:
    using Key = std::tuple<std::string, std::string, std::string, bool>;
    static Key key(const Challenge& c) { return {c.type, c.identifier, c.token, c.is_wildcard}; }

    static void check(const Challenge& c) {
        if (c.type != "http-01" && c.type != "dns-01")
            throw std::runtime_error(
                "The manual plugin can only answer http-01 and dns-01 challenges, not " + c.type +
                " (for " + c.identifier + ").");
        if (c.is_ip() && c.type != "http-01")
            throw std::runtime_error("The IP address " + c.identifier +
                                     " can only be validated with http-01 by the manual plugin.");
        if (c.is_wildcard && c.type != "dns-01")
            throw std::runtime_error("The wildcard name *." + c.identifier +
                                     " can only be validated with dns-01 (--preferred-challenges "
                                     "dns).");
        if (c.type == "http-01" && !is_base64url_token(c.token))
            throw std::runtime_error("Refusing the http-01 token for " + c.identifier +
                                     ": it is not a base64url string (A-Z a-z 0-9 - _, at most "
                                     "255). The ACME server sent a malformed challenge.");
    }

    void run_auth_hook(const Challenge& c, const std::string& all_domains, size_t remaining) {
        std::vector<std::string> env = {
            "CERTBOT_DOMAIN=" + c.identifier,
            "CERTBOT_VALIDATION=" + c.validation,
            "CERTBOT_ALL_DOMAINS=" + all_domains,
            "CERTBOT_REMAINING_CHALLENGES=" + std::to_string(remaining),
            "CERTBOT_IDENTIFIER=" + c.identifier,
            "CERTBOT_ALL_IDENTIFIERS=" + all_domains,
        };
        if (c.type == "http-01") env.push_back("CERTBOT_TOKEN=" + c.token);
        host_.debug("Running --manual-auth-hook for " + c.identifier + " (" + c.type + ")");
        // Recorded before it runs: a hook that fails half-way still gets its cleanup.
        ran_[key(c)] = env;
        auto r = host_.run_hook(auth_hook_, env);
        ran_[key(c)].push_back("CERTBOT_AUTH_OUTPUT=" + trim(r.output));
        report("--manual-auth-hook", c.identifier, r);
        if (r.exit_status != 0)
            throw std::runtime_error("The --manual-auth-hook command \"" + auth_hook_ +
                                     "\" failed for " + c.identifier + " (exit status " +
                                     std::to_string(r.exit_status) +
                                     "); no challenge was submitted. Fix the hook and try again.");
    }

    void report(const std::string& flag, const std::string& domain,
                const Host::HookResult& r) const {
        const std::string label = "Hook '" + flag + "' for " + domain;
        if (r.exit_status != 0)
            host_.warning(label + " ran with error code " + std::to_string(r.exit_status));
        const std::string out = trim(r.output);
        if (!out.empty()) host_.info(label + " ran with output:\n " + out);
    }

    void ask_user(const Challenge& c, bool last_dns) {
        std::string msg;
        if (c.type == "http-01") {
            msg = "Create a file containing just this data:\n\n" + c.validation +
                  "\n\nAnd make it available on your web server at this URL:\n\nhttp://" +
                  (c.identifier.find(':') == std::string::npos ? c.identifier
                                                               : "[" + c.identifier + "]") +
                  "/.well-known/acme-challenge/" + c.token + "\n";
            if (subsequent_any_) msg += kSubsequent;
        } else {
            msg = "Please deploy a DNS TXT record under the name:\n\n" + c.validation_name +
                  ".\n\nwith the following value:\n\n" + c.validation + "\n";
            if (subsequent_dns_)
                msg += kSubsequentDns;
            else if (subsequent_any_)
                msg += kSubsequent;
            subsequent_dns_ = true;
            if (last_dns)
                msg +=
                    "\nBefore continuing, verify the TXT record has been deployed. Depending on "
                    "the DNS\nprovider, this may take some time, from a few seconds to multiple "
                    "minutes. You can\ncheck if it has finished deploying with `dig TXT " +
                    c.validation_name +
                    "`\n(or an online DNS lookup tool). It should show the value(s) you've just "
                    "added.\n";
        }
        subsequent_any_ = true;
        host_.pause(msg);
    }

    Host host_;
    std::string auth_hook_, cleanup_hook_;
    std::map<Key, std::vector<std::string>> ran_;  // challenge -> environment of its auth hook
    bool subsequent_any_ = false, subsequent_dns_ = false;
};

const char* const kChallengeTypes[] = {"http-01", "dns-01", nullptr};

const cb_option_desc kOptions[] = {
    certbot::plugin::option("auth-hook", "Path or command to execute for the authentication script",
                            nullptr, CB_OPT_HOOK),
    certbot::plugin::option("cleanup-hook", "Path or command to execute for the cleanup script",
                            nullptr, CB_OPT_HOOK),
    // certbot 2.x still accepts it (with a warning) so old cron lines keep working.
    certbot::plugin::flag_option(
        "public-ip-logging-ok",
        "Deprecated and ignored (the CA no longer logs the client's IP address)."),
};

}  // namespace

// One person at the terminal: never two interactive instances at once.
CERTBOT_PLUGIN(certbot::plugin::exclusive(
    certbot::plugin::entry<Manual>("manual", "Manual configuration or run your own shell scripts",
                                   "0.1.0", kChallengeTypes, kOptions),
    CB_EXCLUSIVE_INTERACTIVE));
