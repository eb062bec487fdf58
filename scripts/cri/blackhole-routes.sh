#!/usr/bin/env bash
# Blackhole routes for test CIDRs, so packets to pod or service addresses that nothing here serves are dropped on this
# machine instead of following the default route out. The more specific bridge (pods) and local (bound ClusterIPs)
# routes still win for what lives here.
#   scripts/cri/blackhole-routes.sh add CIDR...     idempotent
#   scripts/cri/blackhole-routes.sh del CIDR...     idempotent
#   scripts/cri/blackhole-routes.sh CIDR...         same as add
set -euo pipefail

action=add
case "${1:-}" in
  add|del) action=$1; shift ;;
esac
if [ $# -eq 0 ]; then
  echo "usage: $0 [add|del] CIDR..." >&2
  exit 2
fi

for cidr in "$@"; do
  if [ "$action" = add ]; then
    # replace is add-or-keep: running twice leaves one route.
    ip route replace blackhole "$cidr"
  elif ip route show type blackhole | grep -q "^blackhole $cidr\( \|$\)"; then
    ip route del blackhole "$cidr"
  fi
done
