#include "fleet_relay.h"

namespace certbot {

namespace {
std::vector<FleetHttp01> fleet_answers(const std::vector<Http01Answer>& answers) {
    std::vector<FleetHttp01> out;
    for (const auto& a : answers) out.push_back({a.token, a.key_authorization});
    return out;
}
}  // namespace

FleetRelay::FleetRelay(Fleet* fleet) : fleet_(fleet) {
    if (fleet_) set_issuance_relay(this);
}

FleetRelay::~FleetRelay() {
    if (fleet_) set_issuance_relay(nullptr);
}

std::string FleetRelay::pending_order(const std::string& server,
                                      const std::vector<std::string>& domains) {
    return fleet_->pending_order(server, domains);
}

void FleetRelay::order_placed(const std::string& server, const std::vector<std::string>& domains,
                              const std::string& url) {
    fleet_->order_placed(server, domains, url);
}

void FleetRelay::order_done(const std::string& server, const std::vector<std::string>& domains) {
    fleet_->order_done(server, domains);
}

Status FleetRelay::http01_ready(const std::vector<Http01Answer>& answers) {
    return fleet_->http01_ready(fleet_answers(answers));
}

void FleetRelay::http01_done(const std::vector<Http01Answer>& answers) {
    fleet_->http01_done(fleet_answers(answers));
}

}  // namespace certbot
