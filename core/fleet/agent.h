// `certbot fleet agent` (docs/fleet.md): the long-running process on every node of a fleet. It
// announces itself under P agent/<node> (on its lease: the key vanishes when the agent dies),
// serves the http-01 answers any node of the fleet publishes under P http01/ from this node's
// webroot, confirming each under P http01-ack/<token>/<node> (the ordering node waits for every
// running agent's confirmation before it tells the CA), and notices when P lineage/ changes so
// that the command materialises new versions as they land.
//
// What etcd holds is untrusted: a token must be base64url (it becomes a file name) and an answer
// "<token>.<thumbprint>" (RFC 8555 §8.3), both bounded; anything else is not served.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fleet.h"
#include "result.h"

namespace certbot {

class FleetAgent {
  public:
    // `webroot`: the directory this node's web server serves on port 80 (the files go into its
    // .well-known/acme-challenge/).
    FleetAgent(Fleet& fleet, std::string webroot);
    // Removes the answers it still serves.
    ~FleetAgent();
    FleetAgent(const FleetAgent&) = delete;
    FleetAgent& operator=(const FleetAgent&) = delete;

    // Puts P agent/<node> on the fleet's lease (again after the lease was renewed).
    Status announce();
    // One pass over P http01/: new answers written and confirmed, withdrawn ones removed. An
    // answer that cannot be served is one entry of `problems` (reported once per token).
    Status serve_once(std::vector<Error>* problems);
    // True when P lineage/ changed since the last call that returned true (the first call: true).
    Result<bool> lineages_changed();
    // Files served now: token -> path.
    const std::map<std::string, std::string>& served() const { return served_; }

  private:
    void withdraw(const std::string& token);

    Fleet& fleet_;
    std::string webroot_, dir_;
    std::map<std::string, std::string> served_;  // token -> file written
    std::map<std::string, bool> refused_;        // tokens already reported
    int64_t acked_lease_ = 0;                    // the lease the confirmations are on
    int64_t lineage_revision_ = -1;
    int64_t lineage_count_ = -1;
};

}  // namespace certbot
