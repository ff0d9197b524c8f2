#!/usr/bin/env bash
# Makes .venv/ (git-ignored) with the Python libraries the interop tests check
# Trellis against: pyarrow 25 and Hugging Face datasets 5 (its files), Hugging
# Face tokenizers 0.23 (its tokenizer.json loader), and for the transformer
# policy's checkpoints torch 2.13 (the CPU wheel), transformers 5 and
# safetensors. Idempotent:
# returns at once when .venv/ holds them (a stamp file is written last, so a
# half-made venv is made again). The first install takes ~60 s (torch) from a local
# wheel index, longer from the network. No root needed; Debian's python3 needs
# its python3-venv package (scripts/install-system-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
REQUIREMENTS=("pyarrow==25.*" "datasets==5.*" "tokenizers==0.23.*" "torch==2.13.*" "transformers==5.*" "safetensors")
STAMP="$VENV/.trellis-requirements"
want="${REQUIREMENTS[*]}"
ready() { [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; }
if ready; then exit 0; fi

# Debian's Python (as test/helpers/system.ts), else the first python3 on PATH.
PY=/usr/bin/python3
[ -x "$PY" ] || PY="$(command -v python3 || true)"
if [ -z "$PY" ]; then
  echo "[trellis] python-env: no python3 found (install Python 3 with its venv module: apt-get install python3-venv)" >&2
  exit 1
fi

# One maker at a time (npm test's ensure-ready and a test file may both ask).
exec 9>"$VENV.lock"
flock 9
if ready; then exit 0; fi
start=$(date +%s)
echo "[trellis] python-env: making $VENV with ${REQUIREMENTS[*]} (about 60 s from a local wheel index, torch included)…" >&2
rm -rf "$VENV"
if ! "$PY" -m venv "$VENV" >&2; then
  echo "[trellis] python-env: '$PY -m venv' failed; on Debian/Ubuntu install python3-venv (scripts/install-system-deps.sh does)" >&2
  exit 1
fi
# --retries 0: where the default index is unreachable, fail over to the configured local indexes at once instead of retrying it for minutes.
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --retries 0 -q "${REQUIREMENTS[@]}" >&2; then
  echo "[trellis] python-env: pip could not install ${REQUIREMENTS[*]} into $VENV (see pip's message above)" >&2
  exit 1
fi
"$VENV/bin/python" -c "import pyarrow, datasets, tokenizers, torch, transformers, safetensors" >&2
printf '%s' "$want" >"$STAMP"
echo "[trellis] python-env: $VENV ready in $(( $(date +%s) - start )) s" >&2
