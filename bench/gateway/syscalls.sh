#!/usr/bin/env bash
# System calls per proxied chat completion, the gateway next to nginx as a plain reverse proxy,
# counted by perf on each proxy's process while wrk drives it (one connection set, 32
# connections, as ../shared/bench/proxy-overhead.sh does). A recv() that finds nothing costs
# about 0.3 µs of kernel time and shows here as recvfrom above one per read that got bytes.
# Upstream: an nginx answering the bench's chat completion on 127.0.0.1:18080.
# Usage: bench/gateway/syscalls.sh [seconds]   (needs root, nginx, wrk and perf:
#        apt-get install -y nginx-light wrk linux-perf)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${SLUICE_BIN:-$root/build/sluice}
seconds=${1:-4}
# shellcheck source=side_by_side.sh
source "$here/side_by_side.sh"
bench_work syscalls nginx wrk perf
plain_chat
start_side_by_side

events=""
for call in recvfrom recvmsg read readv sendto sendmsg write writev epoll_wait epoll_ctl futex; do
  events+="${events:+,}syscalls:sys_enter_$call"
done
# count NAME PID PORT: wrk runs a second longer than perf on both sides, so every counted call
# falls inside the measured load.
count() {
  wrk -t1 -c32 -d1s -s "$work/chat.lua" "http://127.0.0.1:$3/v1/chat/completions" >/dev/null
  wrk -t1 -c32 -d"$((seconds + 2))s" -s "$work/chat.lua" \
    "http://127.0.0.1:$3/v1/chat/completions" >"$work/wrk.out" &
  local load=$!
  sleep 1
  perf stat -x, -e "$events" -p "$2" -o "$work/perf.out" -- sleep "$seconds"
  wait "$load"
  local rate
  rate=$(awk '/Requests\/sec/{print $2}' "$work/wrk.out")
  printf '%-8s' "$1"
  awk -F, -v n="$(awk -v r="$rate" -v s="$seconds" 'BEGIN{print r * s}')" \
    '$3 ~ /sys_enter_/ && $1 > 0 {sub(/.*sys_enter_/, "", $3); printf " %s %.2f", $3, $1 / n}' \
    "$work/perf.out"
  echo "   (per request, at $rate req/s)"
}
count nginx "$proxy_worker" 18096
count sluice "$gateway" 18097
