#!/usr/bin/env bash
# Where a proxied request's CPU goes, the gateway next to nginx as a plain reverse proxy: user and
# kernel µs per request of each proxy's process (and of the upstream behind it), and how often the
# proxy's threads gave the CPU up (voluntary: to wait) or had it taken (involuntary: preempted),
# read from /proc while wrk drives it as ../shared/bench/proxy-overhead.sh does (one thread, 32
# connections). nginx and the gateway take turns, ROUNDS times.
#
# On the shared script's two cores, wrk and the upstream run beside the proxy. nginx's one worker
# ends up alone on one core while wrk and the upstream share the other; the gateway's event loops,
# pinned one per core, share each core with one of them, and every answer sent wakes a peer that
# preempts the loop: the involuntary column. --threads 1 shows the gateway in nginx's layout.
#
# Usage: bench/gateway/cpu_split.sh [--stream] [--threads N] [ROUNDS]
#        (needs nginx and wrk: apt-get install -y nginx-light wrk)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${SLUICE_BIN:-$root/build/sluice}
stream=0 threads="" rounds=3 seconds=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stream) stream=1; shift ;;
    --threads) threads=$2; shift 2 ;;
    *) rounds=$1; shift ;;
  esac
done
# shellcheck source=side_by_side.sh
source "$here/side_by_side.sh"
bench_work cpu-split nginx wrk

# The shared script's answers: one chat completion, or its eleven stream events.
reply='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
ctype=application/json
body='{"model":"bench-model","messages":[{"role":"user","content":"Please explain how the MoE architecture works."}]}'
if [[ $stream == 1 ]]; then
  reply=""
  for w in Hello "!" " How" " can" " I" " help" " you" " today" "?"; do
    reply+="data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"$w\"},\"finish_reason\":null}]}\n\n"
  done
  reply+="data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"bench-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":9,\"total_tokens\":21}}\n\ndata: [DONE]\n\n"
  ctype=text/event-stream
  body='{"model":"bench-model","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Please explain how the MoE architecture works."}]}'
fi
gateway_extra=""
[[ -n $threads ]] && gateway_extra="threads: $threads"
cat >"$work/chat.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
LUA
start_side_by_side
tick_us=$((1000000 / $(getconf CLK_TCK)))

cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }  # user, system
switches() { cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt/{v+=$2} /^nonvoluntary_ctxt/{n+=$2} END{print v, n}'; }
# measure NAME PID PORT
measure() {
  local u0 s0 v0 n0 uu0 us0 u1 s1 v1 n1 uu1 us1 rate
  read -r u0 s0 < <(cpu_ticks "$2"); read -r v0 n0 < <(switches "$2")
  read -r uu0 us0 < <(cpu_ticks "$upstream_worker")
  wrk -t1 -c32 -d"${seconds}s" -s "$work/chat.lua" "http://127.0.0.1:$3/v1/chat/completions" >"$work/wrk.out"
  read -r u1 s1 < <(cpu_ticks "$2"); read -r v1 n1 < <(switches "$2")
  read -r uu1 us1 < <(cpu_ticks "$upstream_worker")
  rate=$(awk '/Requests\/sec/{print $2}' "$work/wrk.out")
  awk -v name="$1" -v rate="$rate" -v s="$seconds" -v t="$tick_us" \
    -v u=$((u1 - u0)) -v k=$((s1 - s0)) -v v=$((v1 - v0)) -v n=$((n1 - n0)) \
    -v uu=$((uu1 - uu0)) -v uk=$((us1 - us0)) 'BEGIN {
      q = rate * s
      printf "%-7s %7.0f req/s   user %5.1f  kernel %5.1f us/req   switches: voluntary %.3f  involuntary %.3f /req   upstream user %.1f kernel %.1f us/req\n",
        name, rate, u * t / q, k * t / q, v / q, n / q, uu * t / q, uk * t / q }'
}
for _ in $(seq "$rounds"); do
  measure nginx "$proxy_worker" 18096
  measure sluice "$gateway" 18097
done
