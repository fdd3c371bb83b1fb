#!/usr/bin/env bash
# Installs everything Sluice builds and tests with, on Debian 12 as root. Idempotent and quick
# when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(build-essential cmake ninja-build pkg-config git curl
  libboost1.81-all-dev libssl-dev libsimdjson-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libcli11-dev libsqlite3-dev libhiredis-dev libpq-dev libgtest-dev libgmock-dev libbenchmark-dev
  libpcre2-dev libjemalloc-dev clang-format python3 python3-pip nodejs npm wrk nginx-light redis-server postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine may carry its own node/python outside Debian's packages: keep those.
command -v node >/dev/null && missing=("${missing[@]/nodejs}") && missing=("${missing[@]/npm}")
command -v python3 >/dev/null && command -v pip >/dev/null && missing=("${missing[@]/python3-pip}") && missing=("${missing[@]/python3}")
missing=($(printf '%s\n' "${missing[@]}" | sed '/^$/d'))
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
python3 -c 'import openai, pytest, httpx' 2>/dev/null ||
  python3 -m pip install -q --break-system-packages openai pytest httpx 2>/dev/null ||
  python3 -m pip install -q openai pytest httpx
for dir in tests/e2e/node tests/tokens; do
  if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules" ]; then
    (cd "$dir" && npm install --no-audit --no-fund --silent)
  fi
done
