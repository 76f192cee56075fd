#!/usr/bin/env bash
# Creates .venv from Python 3.10 and installs the pinned dependency set.
# Called by make only when requirements.lock changed (the stamp file is keyed on its hash).
set -euo pipefail
stamp="$1"
py=$(scripts/find-python.sh)
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  echo "==> creating .venv with $py"
  rm -rf .venv
  "$py" -m venv .venv
fi
echo "==> installing pinned dependencies (requirements.lock)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0" 2> >(grep -v "is ignored: it is neither" >&2)
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock "setuptools==70.3.0" wheel 2> >(grep -v "is ignored: it is neither" >&2)
.venv/bin/python -m pip check
rm -f .venv/.installed-*
touch "$stamp"
echo "==> environment ready"
