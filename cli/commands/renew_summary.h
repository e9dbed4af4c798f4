// The end of `certbot renew`: certbot's summary of what was renewed, skipped and failed
// (certbot's renewal._renew_describe_results), and the exit status. Pure: unit-tested.
#pragma once

#include <string>
#include <vector>

namespace certbot {

struct RenewResults {
    // Report lines, indented and with their reason, in conf order:
    // "  /etc/letsencrypt/live/a/fullchain.pem expires on 2026-03-01 (skipped)".
    std::vector<std::string> skipped, renewed, failed;
    std::vector<std::string> parse_failures;  // the invalid renewal confs, with why
    bool attempted = false;                   // some lineage was due
    bool dry_run = false;
    bool reloaded = true;  // the installers of the renewed lineages reloaded
};

// The summary between certbot's dashed rules, ending in a newline.
std::string renew_summary(const RenewResults& r);
// --quiet shows the summary only when something failed.
bool renew_summary_shown(const RenewResults& r, bool quiet);
// 0 when nothing failed (and the servers reloaded); kExitPartial when some lineages renewed
// and others failed; kExitFailure otherwise.
int renew_exit_code(const RenewResults& r);

}  // namespace certbot
