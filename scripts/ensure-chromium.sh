#!/usr/bin/env bash
# Installs Debian's chromium for the Playwright browser tests when it is missing.
# (Playwright cannot download its own browser here; tests use executable_path.)
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "==> installing Debian's chromium for the browser tests"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
command -v chromium
