#include "renew_summary.h"

#include "result.h"

namespace certbot {

namespace {

const char* const kRule =
    "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -";

// Appends the items of v to out, separated by sep. In place: with 10,000 lineages the list is
// over a megabyte, and every temporary copy of it would add to the peak memory of a no-op renew.
void append_joined(std::string& out, const std::vector<std::string>& v, const char* sep) {
    for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += sep;
        out += v[i];
    }
}

bool any_failure(const RenewResults& r) {
    return !r.failed.empty() || !r.parse_failures.empty();
}

}  // namespace

std::string renew_summary(const RenewResults& r) {
    const std::string sim = r.dry_run ? "simulated " : "";
    size_t size = 256;
    for (const auto* v : {&r.skipped, &r.renewed, &r.failed, &r.parse_failures})
        for (const auto& s : *v) size += s.size() + 3;
    std::string out;
    out.reserve(size);
    out += kRule;
    if (!r.skipped.empty()) {
        out += "\nThe following certificates are not due for renewal yet:\n";
        append_joined(out, r.skipped, "\n");
    }
    if (!r.attempted && r.failed.empty()) out += "\nNo renewals were attempted.";
    if (!r.renewed.empty()) {
        out += r.failed.empty() ? "\nCongratulations, all " + sim + "renewals succeeded:\n"
                                : "\nThe following " + sim + "renewals succeeded:\n";
        append_joined(out, r.renewed, "\n");
    }
    if (!r.failed.empty()) {
        out += r.renewed.empty()
                   ? "\nAll " + sim +
                         "renewals failed. The following certificates could not be renewed:\n"
                   : "\nThe following " + sim + "renewals failed:\n";
        append_joined(out, r.failed, "\n");
    }
    if (!r.parse_failures.empty()) {
        out += "\nAdditionally, the following renewal configurations were invalid:\n  ";
        append_joined(out, r.parse_failures, "\n  ");
    }
    out += "\n";
    out += kRule;
    return out;
}

bool renew_summary_shown(const RenewResults& r, bool quiet) {
    return !quiet || any_failure(r);
}

int renew_exit_code(const RenewResults& r) {
    if (any_failure(r)) return r.renewed.empty() ? kExitFailure : kExitPartial;
    return r.reloaded ? kExitOk : kExitFailure;
}

}  // namespace certbot
