#!/usr/bin/env bash
# Installs the Debian packages the test suite drives: Jupyter (client, the
# official kernel test suite, nbformat, nbclient, Notebook 6), Chromium, and
# python3-venv (scripts/python-env.sh makes .venv/ with pyarrow and datasets),
# and nats-server (the scale-out tests start it with JetStream on loopback).
# Idempotent: does nothing when everything is there. Needs root (or sudo).
set -euo pipefail
packages=(jupyter-client python3-jupyter-kernel-test python3-nbformat python3-nbclient jupyter-notebook jupyter-nbconvert python3-ipywidgets chromium python3-venv nats-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "[trellis] installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q "${missing[@]}" >&2
