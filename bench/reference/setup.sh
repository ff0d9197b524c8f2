#!/usr/bin/env bash
# Installs what bench/reference/ppo_cartpole.py (the PyTorch reference of the
# ppo-cartpole benchmark) needs, from Debian packages:
#   python3-torch, python3-numpy  for Debian's /usr/bin/python3 (another python3
#                                 may come first on PATH without torch, and
#                                 PyPI is not reachable);
#   libopenblas0-serial           Debian's torch and numpy call whatever
#                                 libblas.so.3 is installed; without OpenBLAS
#                                 that is the netlib reference BLAS, which makes
#                                 the reference ~2x slower (a strawman).
# Idempotent: silent, exit 0, when everything is there. Installs when run as
# root; otherwise exits 1 and prints the command to run.
set -u

PY=/usr/bin/python3
PKGS="python3-torch python3-numpy libopenblas0-serial"
APT_OPTS="-y -q --no-install-recommends -o DPkg::Lock::Timeout=300"
INSTALL_CMD="apt-get install $APT_OPTS $PKGS"

# 0: torch + numpy import and an optimised BLAS is loaded; 2: no torch/numpy;
# 3: torch + numpy, but on the reference BLAS.
check() {
  [ -x "$PY" ] || return 2
  "$PY" - <<'EOF' >/dev/null 2>&1
import sys
try:
    import numpy, torch  # noqa: F401
except Exception:
    sys.exit(2)
maps = open("/proc/self/maps").read()
sys.exit(0 if any(k in maps for k in ("openblas", "blis", "mkl")) else 3)
EOF
}

check
state=$?
[ "$state" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  if [ "$state" -eq 3 ]; then
    echo "bench/reference/setup.sh: $PY has torch and numpy but only the reference BLAS." >&2
  else
    echo "bench/reference/setup.sh: torch/numpy missing for $PY." >&2
  fi
  echo "Run as root:" >&2
  echo "  $INSTALL_CMD" >&2
  echo "(if that fails, run 'apt-get update' first)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
# shellcheck disable=SC2086
if ! apt-get install $APT_OPTS $PKGS >"$log" 2>&1; then
  # package lists missing or stale: refresh once and retry
  # shellcheck disable=SC2086
  if ! { apt-get update -q && apt-get install $APT_OPTS $PKGS; } >>"$log" 2>&1; then
    cat "$log" >&2
    echo "bench/reference/setup.sh: install failed; run as root:" >&2
    echo "  apt-get update && $INSTALL_CMD" >&2
    exit 1
  fi
fi

check
state=$?
if [ "$state" -ne 0 ]; then
  cat "$log" >&2
  echo "bench/reference/setup.sh: installed $PKGS, but $PY still lacks torch/numpy or OpenBLAS (check $state)" >&2
  exit 1
fi
echo "bench/reference/setup.sh: installed $PKGS for $PY in $(( $(date +%s) - start )) s" >&2
exit 0
