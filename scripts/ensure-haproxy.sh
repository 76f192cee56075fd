#!/usr/bin/env bash
# Installs Debian's haproxy (the load balancer of `make cluster`) when it is missing.
# Only the binary is used: the cluster runs its own haproxy with a rendered configuration
# (clinic/cluster/haproxy.cfg.tmpl); the Debian service that the package enables is stopped.
set -euo pipefail
if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then
  exit 0
fi
echo "==> installing Debian's haproxy for make cluster"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
# policy-rc.d exit 101: the package must not start its own service (it would take port 80).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq haproxy >/dev/null
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ]
