// Never lose a certificate the CA issued. When storing it fails (a full disk, a broken store),
// the certificate, its chain and key are kept in <work-dir>/issued/<lineage name>/ (the key
// 0600, the directory 0700) with the server that issued them, and the next attempt for that
// lineage uses them instead of ordering again: nothing the CA issued is thrown away, and its
// rate limits are not spent twice.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "issuance.h"
#include "result.h"

namespace certbot {

std::string kept_issuance_dir(const std::string& work_dir, const std::string& lineage_name);

// Whether lineage NAME has a kept issuance written to the end (whether it is usable is
// take_kept_issuance's question).
bool has_kept_issuance(const std::string& work_dir, const std::string& name);

// Writes ISSUED (each file atomically) for lineage NAME; returns the directory.
Result<std::string> keep_issuance(const std::string& work_dir, const std::string& name,
                                  const std::string& server, const IssuedCert& issued);

// The kept issuance of lineage NAME, if it came from SERVER and is still usable: exactly
// DOMAINS, its key, valid now, its chain linking up. One that has expired or does not parse is
// removed (a warning says so); one for other names or another server stays where it is.
std::optional<IssuedCert> take_kept_issuance(const std::string& work_dir, const std::string& name,
                                             const std::string& server,
                                             const std::vector<std::string>& domains, int64_t now);

// Removes NAME's kept issuance (after it was stored). Missing is fine.
void forget_kept_issuance(const std::string& work_dir, const std::string& name);

}  // namespace certbot
