#include "renew_summary.h"

#include "result.h"

namespace certbot {

namespace {

const char* const kRule =
    "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -";

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

bool any_failure(const RenewResults& r) {
    return !r.failed.empty() || !r.parse_failures.empty();
}

}  // namespace

std::string renew_summary(const RenewResults& r) {
    const std::string sim = r.dry_run ? "simulated " : "";
    std::string out = kRule;
    if (!r.skipped.empty())
        out +=
            "\nThe following certificates are not due for renewal yet:\n" + join(r.skipped, "\n");
    if (!r.attempted && r.failed.empty()) out += "\nNo renewals were attempted.";
    if (!r.renewed.empty() && r.failed.empty())
        out += "\nCongratulations, all " + sim + "renewals succeeded:\n" + join(r.renewed, "\n");
    else if (!r.renewed.empty())
        out += "\nThe following " + sim + "renewals succeeded:\n" + join(r.renewed, "\n");
    if (!r.failed.empty()) {
        out += r.renewed.empty()
                   ? "\nAll " + sim +
                         "renewals failed. The following certificates could not be renewed:\n"
                   : "\nThe following " + sim + "renewals failed:\n";
        out += join(r.failed, "\n");
    }
    if (!r.parse_failures.empty())
        out += "\nAdditionally, the following renewal configurations were invalid:\n  " +
               join(r.parse_failures, "\n  ");
    return out + "\n" + kRule;
}

bool renew_summary_shown(const RenewResults& r, bool quiet) {
    return !quiet || any_failure(r);
}

int renew_exit_code(const RenewResults& r) {
    if (any_failure(r)) return r.renewed.empty() ? kExitFailure : kExitPartial;
    return r.reloaded ? kExitOk : kExitFailure;
}

}  // namespace certbot
