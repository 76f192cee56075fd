#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter, or explains how to get one and fails.
# Rasa 3.6 supports Python 3.8-3.10 only; this project pins 3.10.
set -euo pipefail
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
candidates+=(python3.10)
if command -v pyenv >/dev/null 2>&1; then
  for d in "$(pyenv root)"/versions/3.10*/bin/python3.10; do candidates+=("$d"); done
fi
for d in "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  candidates+=("$d")
done
for c in "${candidates[@]}"; do
  if out=$("$c" -c 'import sys; print(sys.executable) if sys.version_info[:2] == (3, 10) else sys.exit(1)' 2>/dev/null); then
    echo "$out"
    exit 0
  fi
done
cat >&2 <<'MSG'
error: Python 3.10 was not found.
  Rasa 3.6 runs on Python 3.10 (not 3.11+). Install it, e.g. `pyenv install 3.10.13`
  or `apt-get install python3.10 python3.10-venv`, or point PYTHON=/path/to/python3.10.
MSG
exit 1
