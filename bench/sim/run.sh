#!/usr/bin/env bash
# Load test of `sluice sim` with --latency-ms 0 on one event loop: prints requests/s.
# Usage: bench/sim/run.sh [seconds] [connections]   (env: SLUICE_BIN, PORT, STREAM=1, THREADS)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${SLUICE_BIN:-$here/../../build/sluice}
seconds=${1:-10}
connections=${2:-64}
port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
export ACCOUNTS=${ACCOUNTS:-4}

# With PIN=1 the simulator runs on CPU 0 and wrk on CPU 1, so neither steals the other's core.
sim_cpu=() wrk_cpu=()
if [ "${PIN:-0}" = 1 ]; then sim_cpu=(taskset -c 0) wrk_cpu=(taskset -c 1); fi
"${sim_cpu[@]}" "$bin" sim --listen 127.0.0.1:"$port" --accounts "$ACCOUNTS" --latency-ms 0 --threads "${THREADS:-1}" \
  --answer-tokens 16 >/dev/null &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null && break
  sleep 0.05
done
# CPU seconds the simulator has used (utime + stime), to report its cost per request
# independently of what else competes for the machine's cores.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$sim/stat"; }
accepted() {
  curl -s "http://127.0.0.1:$port/__sim/stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(sum(m["accepted"] for a in s["accounts"].values() for m in a["models"].values()))'
}
echo "sluice sim on port $port, ${THREADS:-1} event loop(s), $connections connections, ${seconds}s"
cpu0=$(cpu)
n0=$(accepted)
"${wrk_cpu[@]}" wrk -t "${WRK_THREADS:-1}" -c "$connections" -d "${seconds}s" -s "$here/chat.lua" \
  "http://127.0.0.1:$port" | grep -E "requests/s:|requests:|latency p"
cpu1=$(cpu)
n1=$(accepted)
python3 -c "
n = $n1 - $n0; cpu = $cpu1 - $cpu0
print(f'sim answered {n} requests using {cpu:.2f} CPU-seconds: {n / cpu:.0f} requests per CPU-second (one core)')"
