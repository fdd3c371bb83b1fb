#!/usr/bin/env bash
# What an operator's usage report costs the requests the gateway proxies meanwhile: wrk drives the
# gateway as ../shared/bench/proxy-overhead.sh does (one thread, 32 connections, plain), once
# alone and once while `GET /admin/usage?by=model` runs back to back over a usage database of
# ROWS rows (2 million by default, some 250 MB). Prints req/s, p50 and p99 of each, and how many
# reports finished. ROUNDS rounds; each starts from a fresh copy of the database.
#
# Usage: bench/gateway/report_under_load.sh [ROUNDS] [ROWS]   (env SLUICE_BIN: the binary)
#        (needs nginx and wrk: apt-get install -y nginx-light wrk)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${SLUICE_BIN:-$root/build/sluice}
rounds=${1:-3} rows=${2:-2000000} seconds=10
# shellcheck source=side_by_side.sh
source "$here/side_by_side.sh"
bench_work report-load nginx wrk python3

# The usage database: the gateway's schema, then ROWS rows over the last hour in batches of 256,
# each row a JSON array in the field order of store/usage_batch.h, as the ledger writes them.
"$bin" usage --storage "sqlite:$work/full.db" >/dev/null
python3 - "$work/full.db" "$rows" <<'PY'
import json, sqlite3, sys, time
path, total = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path)
start = int(time.time() * 1000) - 3_600_000
with db:
    for first in range(1, total + 1, 256):
        batch = [[i, start + i * 3_600_000 // total, 1, "bench", "bench-model", "bench-model",
                  "bench-upstream", 12, 9, 0, 1200, 600, 1200, 200, 3, 0, 0, f"req-{i}"]
                 for i in range(first, min(first + 256, total + 1))]
        db.execute("INSERT INTO usage_batches VALUES (?, ?, ?, ?, ?)",
                   (batch[0][0], batch[-1][0], batch[0][1], batch[-1][1],
                    json.dumps(batch, separators=(",", ":"))))
PY

plain_chat
gateway_extra="admin_token: bench-admin"

# measure REPORTS(0|1): one wrk run on a gateway started over a fresh copy of the database.
measure() {
  cp "$work/full.db" "$work/usage.db"
  pids=()
  start_side_by_side
  wrk -t1 -c32 -d"${seconds}s" --latency -s "$work/chat.lua" \
    "http://127.0.0.1:18097/v1/chat/completions" >"$work/wrk.out" &
  local load=$! reports=0
  if [[ $1 == 1 ]]; then
    while kill -0 "$load" 2>/dev/null; do
      curl -sf -o /dev/null -H "Authorization: Bearer bench-admin" \
        "http://127.0.0.1:18097/admin/usage?by=model" && reports=$((reports + 1))
    done
  fi
  wait "$load"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -f "$work"/usage.db*
  printf '%s req/s  p50 %s  p99 %s  reports finished %s' \
    "$(awk '/Requests\/sec/{print $2}' "$work/wrk.out")" \
    "$(awk '$1=="50%"{print $2}' "$work/wrk.out")" "$(awk '$1=="99%"{print $2}' "$work/wrk.out")" \
    "$reports"
}
for round in $(seq "$rounds"); do
  echo "round $round  alone: $(measure 0)"
  echo "round $round  with reports: $(measure 1)"
done
