#!/usr/bin/env bash
# Quick start: install dependencies, build, start a throwaway local ACME CA
# (Pebble, on loopback only), obtain a real certificate for two names with the
# standalone authenticator, and list it with `certbot certificates`.
#
# Everything lands under ./.run (wiped at each run, so running it again works):
#   .run/letsencrypt  config dir (accounts/, archive/, live/demo/, renewal/)
#   .run/work, .run/logs
# Pebble stops when the script ends; the certificate stays.
#
# Environment: CERTBOT (binary to use, default build/cli/certbot),
# SKIP_BUILD=1 (use the existing build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  bash scripts/install-deps.sh
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build build -j"$(nproc)"
fi

# shellcheck source=tests/integration/lib.sh
source tests/integration/lib.sh
[[ -x "$CERTBOT" ]] || fail "$CERTBOT is missing: build first (without SKIP_BUILD)"

run_dir="$REPO_ROOT/.run"
rm -rf -- "$run_dir/letsencrypt" "$run_dir/work" "$run_dir/logs"
mkdir -p "$run_dir/letsencrypt" "$run_dir/work" "$run_dir/logs"
dirs=(--config-dir "$run_dir/letsencrypt" --work-dir "$run_dir/work" --logs-dir "$run_dir/logs")

echo "==> starting a local Pebble ACME server"
pebble_start
echo "    directory: $PEBBLE_DIR_URL (TLS trust: $PEBBLE_CA_BUNDLE)"

echo "==> certbot certonly --standalone -d demo-a.example -d demo-b.example"
# Pebble resolves every name to 127.0.0.1 (pebble-challtestsrv), and validates
# http-01 on $HTTP01_PORT, where the standalone server listens.
timeout --kill-after=5 120 "$CERTBOT" certonly --standalone \
  --cert-name demo -d demo-a.example -d demo-b.example \
  --http-01-port "$HTTP01_PORT" \
  --server "$PEBBLE_DIR_URL" --agree-tos -m demo@example.org -n \
  "${dirs[@]}"

echo "==> certbot certificates"
timeout --kill-after=5 60 "$CERTBOT" certificates "${dirs[@]}"

echo
echo "Done. The certificate and key are in $run_dir/letsencrypt/live/demo/"
