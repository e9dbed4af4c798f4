#!/usr/bin/env bash
# The plugin ABI check (ctest plugin_api.abidiff; docs/plugin-abi.md, "Versioning"). Builds the
# ABI probe (probe.c: one function reaching every type of certbot/plugin.h) with debug info
# against a header and compares it with libabigail's abidiff (Debian abigail-tools) against the
# committed baseline, plugin-abi-1.1.xml: the ABI of the last released header, frozen in 1.1/.
#
# Compatible within a major version (rule 2): structs only grow at their end (every new member
# at an offset at or past the old size; the old members keep offset, size and type) and enums
# only gain values. Anything else fails, with abidiff's report.
#
# The host services' tables (plugin.h, "Host services") are checked the same way with their own
# probe (probe_services.c: one function per table) against plugin-abi-services.xml, the tables
# as first released (1.2); a new service is a new probe function, an addition.
#
#   check-abi.sh WORK_DIR            check today's header (and that the check itself works)
#   check-abi.sh WORK_DIR --update   rewrite the baseline from the frozen header (only when a
#                                    new released header is frozen, i.e. a new major)
#   check-abi.sh WORK_DIR --update-services
#                                    rewrite the services baseline from today's header (only
#                                    when a new service table is released)
#
# Exit status: 0 compatible, 1 incompatible or broken, 77 abidiff/abidw not installed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
include="$here/../include"
baseline="$here/plugin-abi-1.1.xml"
services_baseline="$here/plugin-abi-services.xml"
work=${1:?usage: check-abi.sh WORK_DIR [--update]}
cc=${CC:-cc}

for tool in abidiff abidw; do
  if ! command -v "$tool" >/dev/null; then
    echo "check-abi: $tool not found: install Debian's abigail-tools (scripts/install-deps.sh)" >&2
    exit 77
  fi
done
mkdir -p "$work"

# probe INCLUDE_DIR OUT.so [SOURCE]
probe() {  # compiled from its own folder: no machine path in the debug info or the baseline
  (cd "$here" && "$cc" -std=c11 -g -O0 -shared -fPIC -fvisibility=hidden -I"$1" "${3:-probe.c}" \
    -o "$2")
}

# Reads abidiff --leaf-changes-only on stdin; prints each change that is not an append and
# exits 1 when there is one.
only_appends() {
  awk '
    function bad(why) { print "check-abi: " why; failed = 1 }
    /^$/ || /^(Leaf changes|Changed leaf types|Removed\/Changed\/Added (functions|variables)) summary:/ { next }
    /^.(struct|enum) [a-z_0-9]+. changed:$/ { kind = $1; name = $2; old = -1; next }
    kind == "\x27struct" && /^  type size changed from [0-9]+ to [0-9]+ \(in bits\)$/ {
      old = $5 + 0; if ($7 + 0 < old) bad(name " shrank"); next }
    kind == "\x27struct" && /^  [0-9]+ data member insertions?:$/ { next }
    kind == "\x27struct" && /^    .*, at offset [0-9]+ \(in bits\)/ {
      match($0, /at offset [0-9]+/); off = substr($0, RSTART + 10, RLENGTH - 10) + 0
      if (old < 0 || off < old) bad(name ": member not appended past the old end: " $0)
      next }
    kind == "\x27enum" && /^  type size hasn.t changed$/ { next }
    kind == "\x27enum" && /^  [0-9]+ enumerator insertions?:$/ { next }
    kind == "\x27enum" && /^    .* value .[0-9]+.( at .*)?$/ { next }
    /^[0-9]+ Added functions?:$/ { kind = ""; next }
    /^  \[A\] .function void cb_abi_probe_[a-z_0-9]+\(/ { next }
    { bad("incompatible: " (name == "" ? "" : name ": ") $0) }
    END { exit failed }'
}

# compare SO [BASELINE]: 0 when SO's ABI is the baseline's or grew from it by appends only.
compare() {
  local report rc=0
  report=$(abidiff --no-default-suppression --leaf-changes-only "${2:-$baseline}" "$1") || rc=$?
  if ((rc & 3)); then
    echo "check-abi: abidiff failed (status $rc): $report" >&2
    return 2
  fi
  ((rc == 0)) && return 0
  only_appends <<<"$report" || { printf '%s\n' "$report"; return 1; }
}

if [[ ${2:-} == --update-services ]]; then
  probe "$include" "$work/services.so" probe_services.c
  abidw --no-corpus-path --no-comp-dir-path --no-show-locs "$work/services.so" >"$services_baseline"
  echo "check-abi: wrote $services_baseline"
  exit 0
fi
probe "$here/1.1" "$work/frozen.so"
if [[ ${2:-} == --update ]]; then
  abidw --no-corpus-path --no-comp-dir-path --no-show-locs "$work/frozen.so" >"$baseline"
  echo "check-abi: wrote $baseline"
  exit 0
fi

# The baseline is what the frozen header says (nobody edited either alone).
if ! abidiff --no-default-suppression "$baseline" "$work/frozen.so" >"$work/frozen.diff"; then
  cat "$work/frozen.diff"
  echo "check-abi: $baseline does not match the frozen header 1.1/certbot/plugin.h" >&2
  exit 1
fi

# The check itself: a header grown at the end of a struct passes; a member inserted in the
# middle, a member retyped and an enum value changed each fail.
mutate() {  # NAME SED-SCRIPT [PROBE]: a copy of today's header, edited (the edit must apply)
  mkdir -p "$work/$1/certbot"
  sed "$2" "$include/certbot/plugin.h" >"$work/$1/certbot/plugin.h"
  if cmp -s "$include/certbot/plugin.h" "$work/$1/certbot/plugin.h"; then
    echo "check-abi: self-test $1: the edit did not apply to plugin.h" >&2
    exit 1
  fi
  probe "$work/$1" "$work/$1.so" "${3:-probe.c}"
}
mutate grown 's|^    int is_wildcard;$|&\n    const char* appended;|'
mutate inserted 's|^    int is_wildcard;$|    const char* inserted;\n&|'
mutate retyped 's|^    uint32_t kinds; |    uint64_t kinds; |'
mutate renumbered 's|^    CB_ERROR = 2 |    CB_ERROR = 3 |'
compare "$work/grown.so" >/dev/null || { echo "check-abi: self-test: an appended member was refused" >&2; exit 1; }
for m in inserted retyped renumbered; do
  rc=0
  compare "$work/$m.so" >/dev/null || rc=$?
  if ((rc != 1)); then
    echo "check-abi: self-test: the $m header was not refused (status $rc)" >&2
    exit 1
  fi
done

# The same for the service tables: a function appended to one passes, a member inserted before
# the last one fails.
mutate services-grown 's|^                     int\* exit_status, cb_string_sink error, void\* error_ctx);$|&\n    void (*appended)(void);|' probe_services.c
mutate services-inserted 's|^    cb_status (\*finalize)(void\* ctx, const char\* title|    int inserted;\n&|' probe_services.c
compare "$work/services-grown.so" "$services_baseline" >/dev/null ||
  { echo "check-abi: self-test: a function appended to a service table was refused" >&2; exit 1; }
rc=0
compare "$work/services-inserted.so" "$services_baseline" >/dev/null || rc=$?
if ((rc != 1)); then
  echo "check-abi: self-test: a member inserted in a service table was not refused (status $rc)" >&2
  exit 1
fi

# Today's header.
probe "$include" "$work/current.so"
if ! compare "$work/current.so"; then
  echo "check-abi: plugin-api/include/certbot/plugin.h breaks ABI 1 (rule 2: fields only appended, enums only grow; a new major needs a new baseline)" >&2
  exit 1
fi
probe "$include" "$work/services.so" probe_services.c
if ! compare "$work/services.so" "$services_baseline"; then
  echo "check-abi: a host service table of plugin.h changed other than by appending (rule 2: a changed service gets a new id, .v2)" >&2
  exit 1
fi
echo "check-abi: plugin.h is compatible with the ABI 1.1 baseline and its host services with theirs (self-test passed)"
