// certbot renew's summary and exit status: every combination of skipped, renewed, failed and
// invalid confs, dry runs, --quiet and a server that did not reload.
#include "renew_summary.h"

#include <catch2/catch.hpp>

#include "result.h"

using namespace certbot;

namespace {

const std::string kRule =
    "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -";

}  // namespace

TEST_CASE("renew summary: nothing due", "[renew][summary]") {
    RenewResults r;
    r.skipped = {"  /c/live/a/fullchain.pem expires on 2031-01-01 (skipped)"};
    CHECK(renew_summary(r) == kRule +
                                  "\nThe following certificates are not due for renewal yet:\n"
                                  "  /c/live/a/fullchain.pem expires on 2031-01-01 (skipped)\n"
                                  "No renewals were attempted.\n" +
                                  kRule);
    CHECK(renew_exit_code(r) == kExitOk);
    CHECK(renew_summary_shown(r, false));
    CHECK_FALSE(renew_summary_shown(r, true));  // --quiet: nothing to say

    RenewResults none;  // no lineage at all
    CHECK(renew_summary(none) == kRule + "\nNo renewals were attempted.\n" + kRule);
    CHECK(renew_exit_code(none) == kExitOk);
}

TEST_CASE("renew summary: all renewed, dry run or not", "[renew][summary]") {
    RenewResults r;
    r.attempted = true;
    r.renewed = {"  /c/live/a/fullchain.pem (success)", "  /c/live/b/fullchain.pem (success)"};
    CHECK(renew_summary(r) == kRule +
                                  "\nCongratulations, all renewals succeeded:\n"
                                  "  /c/live/a/fullchain.pem (success)\n"
                                  "  /c/live/b/fullchain.pem (success)\n" +
                                  kRule);
    CHECK(renew_exit_code(r) == kExitOk);
    r.dry_run = true;
    CHECK(renew_summary(r).find("Congratulations, all simulated renewals succeeded:") !=
          std::string::npos);
    CHECK(renew_summary(r).find("No renewals were attempted") == std::string::npos);
    // Renewed, but the web server did not take the new certificate: a failure.
    r.reloaded = false;
    CHECK(renew_exit_code(r) == kExitFailure);
}

TEST_CASE("renew summary: some failed", "[renew][summary][negative]") {
    RenewResults r;
    r.attempted = true;
    r.renewed = {"  /c/live/a/fullchain.pem (success)"};
    r.failed = {"  /c/live/b/fullchain.pem (failure)"};
    const std::string text = renew_summary(r);
    CHECK(text == kRule +
                      "\nThe following renewals succeeded:\n"
                      "  /c/live/a/fullchain.pem (success)\n"
                      "The following renewals failed:\n"
                      "  /c/live/b/fullchain.pem (failure)\n" +
                      kRule);
    CHECK(renew_exit_code(r) == kExitPartial);
    CHECK(renew_summary_shown(r, true));  // --quiet still reports failures
}

TEST_CASE("renew summary: all failed, interrupted, or invalid confs",
          "[renew][summary][negative]") {
    RenewResults r;
    r.attempted = true;
    r.dry_run = true;
    r.failed = {"  /c/live/a/fullchain.pem (failure)", "  /c/live/b/fullchain.pem (interrupted)"};
    CHECK(renew_summary(r) ==
          kRule +
              "\nAll simulated renewals failed. The following certificates could not be renewed:\n"
              "  /c/live/a/fullchain.pem (failure)\n  /c/live/b/fullchain.pem (interrupted)\n" +
              kRule);
    CHECK(renew_exit_code(r) == kExitFailure);

    RenewResults bad;
    bad.parse_failures = {"/c/renewal/x.conf (no [renewalparams] section)"};
    CHECK(renew_summary(bad) == kRule +
                                    "\nNo renewals were attempted.\n"
                                    "Additionally, the following renewal configurations were "
                                    "invalid:\n  /c/renewal/x.conf (no [renewalparams] section)\n" +
                                    kRule);
    CHECK(renew_exit_code(bad) == kExitFailure);
    CHECK(renew_summary_shown(bad, true));
    // An invalid conf beside a renewed lineage: partial.
    bad.attempted = true;
    bad.renewed = {"  /c/live/a/fullchain.pem (success)"};
    CHECK(renew_exit_code(bad) == kExitPartial);
}
