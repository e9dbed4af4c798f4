// Crash repair of the store: what a run killed while writing a lineage left behind (its
// renewal/.updating/<name> marker names the lineage), and live links left half-switched (also by
// Python certbot's own update_all_links_to). Run under the config dir's lock, before the store is
// read for work (Session::open).
#pragma once

#include <string>
#include <vector>

#include "lineage.h"
#include "result.h"

namespace certbot {

// Crash recovery for lineages whose update a killed run left half-written (it marks each
// update in renewal/.updating/<name> while it writes): removes the temp files (".X.tmp.*") in
// their archive, live and renewal directories and the files of versions newer than the newest
// complete one (e.g. a private key written just before the kill), points the live links at the
// newest complete version, and removes the half-made directories of a new lineage that never
// got a complete version. A complete version is never deleted. One line per lineage handled.
std::vector<std::string> finish_unfinished_updates(const std::string& config_dir);

// Crash recovery: removes leftover previous_*.pem links and points all four live links at the
// newest version N whose four archive files exist.
Status repair_live_links(Lineage& lineage);

}  // namespace certbot
