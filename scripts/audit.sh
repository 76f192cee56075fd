#!/usr/bin/env bash
# `make audit`: pip-audit of every pin in requirements.lock, with the accepted exceptions of
# audit-exceptions.txt (docs/reliability.md, "Dependency audit").
#
# pip-audit needs a vulnerability service: PyPI's per-release JSON API
# (https://pypi.org/pypi/<name>/<version>/json, its "vulnerabilities") or OSV (api.osv.dev).
# Without one it would print "No known vulnerabilities found" and exit 0 having audited
# nothing, so this script checks the service first and fails when neither answers, and runs
# pip-audit with --strict (a package that cannot be looked up fails the audit).
set -euo pipefail
cd "$(dirname "$0")/.."
venv_python="$1"
lock=requirements.lock
exceptions=audit-exceptions.txt

probe() {  # prints the HTTP status of a request (000: no answer), never fails
  "$venv_python" - "$@" <<'EOF'
import json, sys, urllib.error, urllib.request
url, body = sys.argv[1], (sys.argv[2].encode() if len(sys.argv) > 2 else None)
request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=20) as response:
        data = json.loads(response.read() or b"null")
        ok = isinstance(data, dict) and ("vulnerabilities" in data or "vulns" in data or data == {})
        print(response.status if ok else f"{response.status} without vulnerability data")
except urllib.error.HTTPError as error:
    print(error.code)
except Exception as error:  # DNS, refused, timeout, TLS
    print(f"000 ({type(error).__name__}: {str(error)[:120]})")
EOF
}

pypi_url="https://pypi.org/pypi/pip/24.0/json"
osv_url="https://api.osv.dev/v1/query"
service=""
pypi=$(probe "$pypi_url")
if [ "$pypi" = "200" ]; then
  service=pypi
else
  osv=$(probe "$osv_url" '{"package":{"name":"pip","ecosystem":"PyPI"},"version":"24.0"}')
  [ "$osv" = "200" ] && service=osv
fi
if [ -z "$service" ]; then
  cat >&2 <<EOF
make audit: FAILED, nothing was audited: no vulnerability service answers from this machine.
  PyPI's per-release JSON API, which pip-audit asks once per pinned package:
    GET $pypi_url -> $pypi
  OSV, pip-audit's other service:
    POST $osv_url -> ${osv:-not tried}
  (Where pypi.org is a package mirror, it serves the index and the wheels but not the
  per-release JSON with its "vulnerabilities"; pip-audit would then skip every package and
  report "No known vulnerabilities found".) Run \`make audit\` where pypi.org or api.osv.dev
  is reachable.
EOF
  exit 2
fi

# The accepted exceptions: "<id> <package>==<version> <reason>"; each must match a pin.
ignore=()
while read -r id pin reason; do
  case "$id" in ''|'#'*) continue ;; esac
  if [ -z "$reason" ] || [[ "$pin" != *==* ]]; then
    echo "make audit: $exceptions: '$id $pin' needs '<id> <package>==<version> <reason>'" >&2
    exit 2
  fi
  if ! grep -qix "$pin" "$lock"; then
    echo "make audit: $exceptions: $id is accepted for $pin, which $lock no longer pins:" \
         "check the advisory again and remove or update the line." >&2
    exit 2
  fi
  ignore+=(--ignore-vuln "$id")
done < "$exceptions"

echo "==> pip-audit of $lock ($(grep -c '==' "$lock") pins) against $service," \
     "$(( ${#ignore[@]} / 2 )) accepted exceptions ($exceptions)"
exec "$(dirname "$venv_python")/pip-audit" -r "$lock" --no-deps --disable-pip --strict \
  --service "$service" --desc on --progress-spinner off \
  --cache-dir "$(dirname "$venv_python")/../cache" "${ignore[@]}"
