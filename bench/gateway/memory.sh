#!/usr/bin/env bash
# Resident memory of the gateway idle and with 1,000 open client connections (each has sent one
# request and been answered, and stays open on keep-alive: well within the server's idle timeout).
# Usage: bench/gateway/memory.sh [connections]   (env: SLUICE_BIN, THREADS)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${SLUICE_BIN:-$here/../../build/sluice}
conns=${1:-1000}
ulimit -n $((conns * 2 + 256))  # the client's and the gateway's sockets
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim_port=$(free_port)
gw_port=$(free_port)
work=$(mktemp -d /tmp/sluice-memory.XXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$bin" sim --listen 127.0.0.1:"$sim_port" --accounts 2 --latency-ms 0 >"$work/sim.log" 2>&1 &
pids+=($!)
# The simulated accounts have no limits; the gateway is told so, or the pool would pace the
# 1,000 requests to qwen3-max's built-in 10 per second per account.
cat >"$work/gateway.yaml" <<CONF
listen: 127.0.0.1:$gw_port
threads: ${THREADS:-0}
storage: sqlite:$work/sluice.db
channels:
  - {name: sim0, base_url: http://127.0.0.1:$sim_port/v1, api_key: sim-0,
     models: {qwen3-max: {rpm: 100000000, rps: 10000000, tpm: 100000000000}}}
  - {name: sim1, base_url: http://127.0.0.1:$sim_port/v1, api_key: sim-1,
     models: {qwen3-max: {rpm: 100000000, rps: 10000000, tpm: 100000000000}}}
keys:
  - {key: sk-memory, name: memory}
CONF
"$bin" serve --config "$work/gateway.yaml" >"$work/gateway.log" 2>&1 &
gw=$!
pids+=($gw)
for url in "http://127.0.0.1:$sim_port/v1/models" "http://127.0.0.1:$gw_port/healthz"; do
  for _ in $(seq 200); do curl -sf -o /dev/null "$url" && break; sleep 0.05; done
  curl -sf -o /dev/null "$url" || { echo "not ready: $url" >&2; cat "$work"/*.log >&2; exit 1; }
done

rss() { awk '/^VmRSS/ {print $2}' "/proc/$gw/status"; }  # kB
# One request first, so that idle means "warmed up" (pools, thread stacks, the access logger).
curl -sf -o /dev/null -H 'Authorization: Bearer sk-memory' -H 'Content-Type: application/json' \
  -d '{"model":"qwen3-max","messages":[{"role":"user","content":"hi"}]}' \
  "http://127.0.0.1:$gw_port/v1/chat/completions"
idle=$(rss)
echo "gateway pid $gw, $(awk '/^Threads/ {print $2}' /proc/$gw/status) threads"
echo "idle: VmRSS ${idle} kB"

python3 - "$gw_port" "$conns" "$gw" <<'PY'
import asyncio, json, sys
port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = json.dumps({"model": "qwen3-max", "messages": [{"role": "user", "content": "hi"}]}).encode()
request = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           f"Authorization: Bearer sk-memory\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n\r\n").encode() + body

def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])

async def one_request(reader, writer):
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length"))
    await reader.readexactly(length)
    return head.split(b" ")[1] == b"200"

async def main():
    conns = []
    for _ in range(n):  # opened one after another, as clients arrive
        conns.append(await asyncio.open_connection("127.0.0.1", port))
    print(f"{n} connections open, no request yet: VmRSS {rss()} kB")
    sem = asyncio.Semaphore(64)
    async def send(c):
        async with sem:
            return await one_request(*c)
    ok = sum(await asyncio.gather(*(send(c) for c in conns)))
    print(f"{n} connections open, each answered once ({ok} x 200) and kept alive: VmRSS {rss()} kB")
    ok = sum(await asyncio.gather(*(send(c) for c in conns)))
    print(f"after a second request on each of them ({ok} x 200, none reconnected): VmRSS {rss()} kB")
    for _, w in conns:
        w.close()

asyncio.run(main())
PY
deadline=$((SECONDS + 10))
while [ "$(ls /proc/$gw/fd | wc -l)" -gt 64 ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
echo "connections closed again: VmRSS $(rss) kB"
