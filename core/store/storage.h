// Certbot's on-disk store under a config dir (certbot 2.x certbot/_internal/storage.py and
// https://eff-certbot.readthedocs.io/en/stable/using.html#where-are-my-certificates):
// ACME accounts under accounts/<server host>/<server path>/<id>/, certificate lineages under
// archive/<name>/ (versioned files), live/<name>/ (relative symlinks to the current version) and
// renewal/<name>.conf. Files are byte-compatible with Python certbot 2.x: it loads what we write
// and we load what it wrote.
//
// Crash safety: every file is written with atomic_write (temp + fsync + rename + dir fsync) and
// every live link is switched with atomic_symlink. A new lineage becomes visible only when its
// renewal conf appears, which is written last; a new version's archive files are all on disk
// before the first live link moves. repair_live_links() finishes an interrupted switch.
//
// Callers hold the config dir's FileLock (fsutil.h) around every change.
//
// This header includes the whole store; each part has its own header:
//   account_store.h  accounts/
//   lineage.h        the lineage model, names, renewal confs, reading lineages
//   lineage_write.h  new lineages and versions, pruning, deletion, update_symlinks
//   store_repair.h   finishing what a killed run left half-written
#pragma once

#include "account_store.h"
#include "lineage.h"
#include "lineage_write.h"
#include "store_repair.h"
