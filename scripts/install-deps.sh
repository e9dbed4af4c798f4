#!/usr/bin/env bash
# Install everything the build and the test suite need (Debian 12).
#
# Idempotent: when every package is already installed it only checks that no
# web/DNS server that came with the packages is running, and touches apt not at
# all. Must run as root when something is missing.
#
# The web and DNS servers (nginx, apache2, bind9) are installed for the plugin
# integration tests, which start their own instances on free loopback ports.
# The distribution's services must not be left running: they would hold ports
# 80 and 53 and collide with the tests.
set -euo pipefail

readonly PACKAGES=(
  # build
  build-essential cmake pkg-config
  libssl-dev libcpp-httplib-dev rapidjson-dev
  libboost-dev libboost-program-options-dev libboost-filesystem-dev
  catch2
  libaugeas-dev augeas-lenses
  # tests: ACME test server, compatibility oracle, tools the scripts call
  pebble certbot curl openssl procps python3 iproute2 ca-certificates strace time util-linux jq
  python3-certbot-dns-rfc2136 python3-certbot-apache python3-certbot-nginx
  # the oracles of the dns-cloudflare, dns-digitalocean, dns-linode, dns-dnsimple, dns-gehirn and
  # dns-sakuracloud tests (Debian 12 has no python3-certbot-dns-{dnsmadeeasy,luadns,nsone});
  # certbot --version still works with all of them installed
  python3-certbot-dns-cloudflare python3-certbot-dns-digitalocean python3-certbot-dns-linode
  python3-certbot-dns-dnsimple python3-certbot-dns-gehirn python3-certbot-dns-sakuracloud
  python3-botocore # the Route 53 fake checks SigV4 signatures with botocore's signer
  python3-cryptography # the Google fake checks the JWT assertions' RS256 signatures
  # plugin integration tests
  nginx apache2 bind9 bind9-utils bind9-dnsutils
  # plugin SDK example (plugin-api/examples/haproxy)
  haproxy
  # fleet mode (docs/fleet.md): the tests start their own etcd members on loopback
  etcd-server etcd-client
  # the plugin ABI check against its baseline (abidiff, abidw; plugin-api/abi/check-abi.sh)
  abigail-tools
  # packaging checks (ctest -L packaging: lintian on the source package, shellcheck on the scripts,
  # zsh parses and runs the generated zsh completion)
  lintian shellcheck zsh
)
readonly SERVICES=(nginx apache2 apache-htcacheclean named bind9 haproxy etcd)

log() { printf 'install-deps: %s\n' "$*" >&2; }

missing_packages() {
  # One dpkg-query for all names; names it does not know are simply absent
  # from its output (it complains on stderr and exits 1).
  local installed
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null |
    awk '$2 == "installed" { print $1 }' || true)
  local pkg
  for pkg in "${PACKAGES[@]}"; do
    if ! grep -qxF "$pkg" <<<"$installed"; then
      printf '%s\n' "$pkg"
    fi
  done
}

have_systemd() {
  [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1
}

# Stop and disable the distribution's instances of the servers we install.
stop_services() {
  local svc
  for svc in "${SERVICES[@]}"; do
    if have_systemd; then
      if systemctl list-unit-files "${svc}.service" 2>/dev/null | grep -q "^${svc}\.service"; then
        systemctl disable --now "$svc" >/dev/null 2>&1 || true
      fi
    elif [[ -x "/etc/init.d/$svc" ]]; then
      service "$svc" stop >/dev/null 2>&1 || true
      if command -v update-rc.d >/dev/null 2>&1; then
        update-rc.d "$svc" disable >/dev/null 2>&1 || true
      fi
    fi
  done
  warn_busy_ports
}

# Warn (do not kill: they are the system's processes) when something still
# holds the well-known ports the plugin tests would otherwise assume free.
warn_busy_ports() {
  local busy
  busy=$(ss -Hltnp 'sport = :80 or sport = :443 or sport = :53' 2>/dev/null || true)
  if [[ -n "$busy" ]]; then
    log "warning: ports 80/443/53 are in use (tests use their own free ports):"
    printf '%s\n' "$busy" >&2
  fi
}

main() {
  local missing
  missing=$(missing_packages)
  if [[ -z "$missing" ]]; then
    log "all ${#PACKAGES[@]} packages already installed"
    warn_busy_ports
    return 0
  fi

  if [[ "$(id -u)" -ne 0 ]]; then
    log "missing packages: $(echo "$missing" | tr '\n' ' ')"
    log "run this script as root (or: sudo $0)"
    return 1
  fi

  export DEBIAN_FRONTEND=noninteractive
  # Forbid maintainer scripts from starting services while we install
  # (policy-rc.d exit 101 = "action forbidden"). Only our own file is removed.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    created_policy=1
    # shellcheck disable=SC2064 # expand now: the path is fixed
    trap "rm -f '$policy'" EXIT
  fi

  local -a to_install
  mapfile -t to_install <<<"$missing"
  log "installing: ${to_install[*]}"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${to_install[@]}"

  if [[ "$created_policy" -eq 1 ]]; then
    rm -f "$policy"
    trap - EXIT
  fi
  stop_services
  log "done"
}

main "$@"
