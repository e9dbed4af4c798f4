// certonly's (and run's) choice of the lineage a request goes to. It follows certbot's main.py
// exactly (_find_lineage_for_domains_and_certname and the _handle_* functions it calls):
//  --cert-name NAME, NAME exists: same names (or no -d) -> the "identical" case below; other
//      names -> replace NAME's names (asked on a terminal, unless --renew-with-new-domains;
//      without a terminal certbot's default is yes).
//  --cert-name NAME, NAME missing: a new lineage called NAME (needs -d).
//  --duplicate: always a new lineage (NAME-0001 when the name is taken).
//  a lineage with exactly the requested names ("identical"): renew it if it is due (or with
//      --force-renewal / --dry-run, or to change its key type); else keep it (--keep /
//      --reinstall, or without a terminal), or ask "Keep / Renew & replace".
//  a lineage whose names are a strict subset of the request: replace it with the new names with
//      --expand or --force-renewal, or when the user says so on a terminal; without a terminal
//      this is an error naming --expand (and --duplicate).
//  otherwise: a new lineage.
//
// Questions go to the terminal only when cfg.interactive(); without one, each question has
// certbot's non-interactive answer (or is an error naming the flag that answers it).
#pragma once

#include <ctime>
#include <functional>
#include <optional>

#include "ari_renewal.h"
#include "config.h"
#include "crypto.h"
#include "renewal.h"
#include "result.h"
#include "storage.h"

namespace certbot {

struct LineageCandidate {
    Lineage lineage;
    CertInfo cert;  // its current certificate
};

struct LineagePlan {
    // kNew: a new lineage; kRenew: a new version of `existing`; kKeep: leave `existing` as it is.
    enum class Action { kNew, kRenew, kKeep } action = Action::kNew;
    std::optional<LineageCandidate> existing;
};

// Whether an existing lineage is due: should_renew_with_ari (the certificate's lifetime, then
// the CA's renewal information), or a stand-in in tests.
using DueCheck = std::function<RenewalDecision(const Lineage&, const Config&, std::time_t)>;

// Decides for cfg.domains / cfg.cert_name against the store in cfg.config_dir; due(..., now)
// decides whether an identical lineage is renewed. May fill cfg.domains (--cert-name alone) and
// set cfg.key_type to the lineage's when the type is not to change.
Result<LineagePlan> plan_request(Config& cfg, std::time_t now,
                                 const DueCheck& due = should_renew_with_ari);

}  // namespace certbot
