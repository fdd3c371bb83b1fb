#!/usr/bin/env bash
# How often the proxy-overhead bars hold: runs bench/gateway/overhead.sh N times (each run starts
# a fresh gateway and measures plain and --stream, every contender in the same run) and prints,
# per mode, each run's ratios, their medians, and in how many runs each bar held. One run on a
# shared two-core machine says little about the tail: its p99 ratio moved from 1.1 to 1.7 between
# runs of one binary.
# Bars (issue "Gateway core"): throughput >= 0.8x nginx, p99 <= 1.5x nginx, throughput >= 30x
# Portkey. Usage: bench/gateway/overhead_repeat.sh [N=5] [extra overhead.sh flags]
# env: as overhead.sh (SLUICE_BIN, PROXY_OVERHEAD, MODES).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-5}
shift || true
log=$(mktemp /tmp/sluice-overhead-repeat.XXXX)
trap 'rm -f "$log"' EXIT
for run in $(seq "$runs"); do
  echo "== run $run of $runs ($(date +%H:%M:%S))" | tee -a "$log"
  bash "$here/overhead.sh" "$@" 2>&1 | tee -a "$log" | grep -E "ratio|^== proxy" || true
done
# overhead.sh prints, per mode, "== proxy-overhead.sh [--stream] ..." and then the shared script's
# table: "name requests/s p50 p99 errors" rows for nginx, target and portkey, and its ratios.
awk '
  /^== run /                 { run = $3 }
  /^== proxy-overhead.sh/    { mode = ($3 == "--stream") ? "stream" : "plain" }
  $1 == "nginx"  && NF == 5  { nginx_p99[mode, run] = $4 }
  $1 == "target" && NF == 5  { target_p99[mode, run] = $4 }
  /target\/nginx throughput ratio/   { thr[mode, run] = $NF }
  /target\/portkey throughput ratio/ { pk[mode, run] = $NF }
  function median(values, n,    i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && values[j - 1] > values[j]; j--) {
      t = values[j]; values[j] = values[j - 1]; values[j - 1] = t
    }
    return n % 2 ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
  }
  END {
    split("plain stream", modes, " ")
    for (m = 1; m <= 2; m++) {
      mode = modes[m]; n = 0; thr_ok = 0; p99_ok = 0; pk_ok = 0; pk_n = 0
      delete thrs; delete p99s; delete pks
      printf "\n%s\n%-4s %10s %20s %10s %10s\n", mode, "run", "thr/nginx", "p99 us target/nginx",
             "p99 ratio", "/portkey"
      for (r = 1; r <= '"$runs"'; r++) {
        if (!((mode, r) in thr) || nginx_p99[mode, r] <= 0) continue
        ratio = target_p99[mode, r] / nginx_p99[mode, r]
        n++; thrs[n] = thr[mode, r]; p99s[n] = ratio
        thr_ok += thr[mode, r] >= 0.8; p99_ok += ratio <= 1.5
        portkey = ((mode, r) in pk) ? pk[mode, r] : "-"
        if (portkey != "-") { pk_n++; pks[pk_n] = portkey; pk_ok += portkey >= 30 }
        printf "%-4d %10.3f %20s %10.2f %10s\n", r, thr[mode, r],
               target_p99[mode, r] "/" nginx_p99[mode, r], ratio, portkey
      }
      if (n == 0) { print "no complete run"; continue }
      printf "median %7.3f %20s %10.2f %10s\n", median(thrs, n), "", median(p99s, n),
             pk_n ? median(pks, pk_n) : "-"
      printf "bars held: throughput %d/%d, p99 %d/%d", thr_ok, n, p99_ok, n
      if (pk_n) printf ", portkey %d/%d", pk_ok, pk_n
      printf "\n"
    }
  }' "$log"
