// Never lose a certificate the CA issued. Before it is stored (and when storing fails: a full
// disk, a broken store), the certificate, its chain and key are kept in one file,
// <work-dir>/issued/<lineage name>.kept (0600: it holds the key; the directory 0700), with the
// server that issued them, and the next attempt for that lineage uses them instead of ordering
// again: nothing the CA issued is thrown away, and its rate limits are not spent twice.
// Earlier versions kept the same in a directory <work-dir>/issued/<lineage name>/ (privkey.pem,
// cert.pem, chain.pem, fullchain.pem, then "server" written last); such a copy is still found,
// used and removed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "issuance.h"
#include "result.h"

namespace certbot {

// Where lineage NAME's kept issuance is written: <work-dir>/issued/<name>.kept.
std::string kept_issuance_path(const std::string& work_dir, const std::string& lineage_name);

// Whether lineage NAME has a kept issuance written to the end, in either layout (whether it is
// usable is take_kept_issuance's question).
bool has_kept_issuance(const std::string& work_dir, const std::string& name);

// Writes ISSUED for lineage NAME as one file (atomic_write: fsynced, renamed, the directory
// fsynced): it is there complete or not at all. Returns its path.
Result<std::string> keep_issuance(const std::string& work_dir, const std::string& name,
                                  const std::string& server, const IssuedCert& issued);

// The kept issuance of lineage NAME, if it came from SERVER and is still usable: exactly
// DOMAINS, its key, valid now, its chain linking up. One that has expired or does not parse is
// removed (a warning says so); one for other names or another server stays where it is.
std::optional<IssuedCert> take_kept_issuance(const std::string& work_dir, const std::string& name,
                                             const std::string& server,
                                             const std::vector<std::string>& domains, int64_t now);

// Where the kept issuance take_kept_issuance found is (the file, or an earlier version's
// directory), for messages.
std::string kept_issuance_where(const std::string& work_dir, const std::string& name);

// Removes NAME's kept issuance, in either layout (after it was stored). Missing is fine. Not
// fsynced: a copy that comes back after a crash is the lineage's current certificate, which
// issue_and_save recognises and removes again.
void forget_kept_issuance(const std::string& work_dir, const std::string& name);

}  // namespace certbot
