#include "agent.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "base64.h"
#include "fsutil.h"
#include "json.h"
#include "log.h"

namespace certbot {

namespace {

constexpr size_t kMaxToken = 256;   // as issuance.cpp accepts from the CA
constexpr size_t kMaxAnswer = 512;  // token "." base64url(SHA-256 thumbprint)

// RFC 8555 §8.1: keyAuthorization = token || '.' || base64url(Thumbprint(accountKey)).
bool valid_answer(const std::string& token, const std::string& answer) {
    if (answer.size() > kMaxAnswer || answer.size() <= token.size() + 1) return false;
    if (answer.compare(0, token.size(), token) != 0 || answer[token.size()] != '.') return false;
    return is_base64url(std::string_view(answer).substr(token.size() + 1));
}

}  // namespace

FleetAgent::FleetAgent(Fleet& fleet, std::string webroot)
    : fleet_(fleet),
      webroot_(normalize_path(webroot)),
      dir_(path_join(webroot_, ".well-known/acme-challenge")) {}

FleetAgent::~FleetAgent() {
    std::vector<std::string> tokens;
    for (const auto& [token, path] : served_) tokens.push_back(token);
    for (const auto& t : tokens) withdraw(t);
}

Status FleetAgent::announce() {
    auto lease = fleet_.lease();
    if (!lease) return lease.error();
    const std::string record = "{\"webroot\":" + json::quote(webroot_) +
                               ",\"time\":" + std::to_string(std::time(nullptr)) + "}";
    return fleet_.etcd().put(fleet_.prefix() + "agent/" + fleet_.node(), record, *lease);
}

void FleetAgent::withdraw(const std::string& token) {
    auto it = served_.find(token);
    if (it == served_.end()) return;
    if (unlink(it->second.c_str()) != 0 && errno != ENOENT)
        log::warning("fleet agent: cannot remove " + it->second + ": " + std::strerror(errno));
    served_.erase(it);
}

Status FleetAgent::serve_once(std::vector<Error>* problems) {
    const std::string base = fleet_.prefix() + "http01/";
    auto range = fleet_.etcd().get_prefix(base);
    if (!range) return range.error();
    auto lease = fleet_.lease();
    if (!lease) return lease.error();
    // A new lease (the old one expired): the confirmations on the old one are gone.
    if (*lease != acked_lease_) {
        served_.clear();  // files stay; they are written and confirmed again below
        acked_lease_ = *lease;
    }
    std::map<std::string, bool> present;
    for (const auto& kv : range->kvs) {
        const std::string token = kv.key.substr(base.size());
        present[token] = true;
        if (served_.count(token) || refused_.count(token)) continue;
        if (token.empty() || token.size() > kMaxToken || !is_base64url(token) ||
            !valid_answer(token, kv.value)) {
            refused_[token] = true;
            if (problems)
                problems->push_back(Error("fleet agent: the http-01 answer for token \"" +
                                          log::printable(token, 80) +
                                          "\" in etcd is not a token and key authorization "
                                          "(RFC 8555 §8.1); not serving it"));
            continue;
        }
        const std::string path = path_join(dir_, token);
        Status written = make_dirs(dir_, 0755);
        if (written) written = atomic_write(path, kv.value, 0644);
        if (!written) {
            refused_[token] = true;
            if (problems) problems->push_back(written.error().context("fleet agent"));
            continue;
        }
        served_[token] = path;
        auto ack = fleet_.etcd().put(fleet_.prefix() + "http01-ack/" + token + "/" + fleet_.node(),
                                     "", *lease);
        if (!ack) return ack.error();
        log::info("fleet agent: serving the http-01 answer for token " + token);
    }
    std::vector<std::string> gone;
    for (const auto& [token, path] : served_)
        if (!present.count(token)) gone.push_back(token);
    for (const auto& t : gone) withdraw(t);
    for (auto it = refused_.begin(); it != refused_.end();)
        it = present.count(it->first) ? std::next(it) : refused_.erase(it);
    return Status::Ok();
}

Result<bool> FleetAgent::lineages_changed() {
    // One key and a count, however many lineages the fleet holds.
    auto range = fleet_.etcd().newest_in_prefix(fleet_.prefix() + "lineage/");
    if (!range) return range.error();
    const int64_t newest = range->kvs.empty() ? 0 : range->kvs.front().mod_revision;
    if (newest == lineage_revision_ && range->count == lineage_count_) return false;
    lineage_revision_ = newest;
    lineage_count_ = range->count;
    return true;
}

}  // namespace certbot
