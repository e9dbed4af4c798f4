// Fleet mode's part in issuance (docs/fleet.md): while a FleetRelay lives, the process's
// IssuanceRelay (issuance.h) is the fleet: unfinished orders are recorded in etcd and resumed by
// the next node, and http-01 answers are published for every node's `fleet agent`.
#pragma once

#include "fleet.h"
#include "issuance.h"

namespace certbot {

class FleetRelay : public IssuanceRelay {
  public:
    // `fleet` may be null (fleet mode off): then nothing is set.
    explicit FleetRelay(Fleet* fleet);
    ~FleetRelay() override;
    FleetRelay(const FleetRelay&) = delete;
    FleetRelay& operator=(const FleetRelay&) = delete;

    std::string pending_order(const std::string& server,
                              const std::vector<std::string>& domains) override;
    void order_placed(const std::string& server, const std::vector<std::string>& domains,
                      const std::string& url) override;
    void order_done(const std::string& server, const std::vector<std::string>& domains) override;
    Status http01_ready(const std::vector<Http01Answer>& answers) override;
    void http01_done(const std::vector<Http01Answer>& answers) override;

  private:
    Fleet* fleet_;
};

}  // namespace certbot
