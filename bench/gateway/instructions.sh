#!/usr/bin/env bash
# Instructions the gateway executes per proxied chat completion, counted by callgrind: unlike
# requests per second on a shared machine, the count barely moves from run to run, so it shows a
# change of a few percent in the request path. One event loop, the bench's model and key, a
# static upstream on 127.0.0.1:18080 (this script starts one unless something answers there),
# N requests on one keep-alive connection after a warm-up. With --stream the requests ask for a
# stream (with usage, as ../shared/bench/proxy-overhead.sh --stream does) and the upstream on
# 127.0.0.1:18082 answers the same eleven events as that script's.
# Prints the total per request, the event loop's share and the usage ledger thread's share. The
# loop's count is the stable one; the ledger's grows when fewer rows share a batch (its commit
# is paid once per 100 ms), so it depends on how fast the load ran.
# Usage: bench/gateway/instructions.sh [--stream] [N]   (needs valgrind: apt-get install -y valgrind)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${SLUICE_BIN:-$root/build/sluice}
mode=plain
if [ "${1:-}" = --stream ]; then
  mode=stream
  shift
fi
n=${1:-3000}
port=18080
[ "$mode" = stream ] && port=18082
command -v valgrind >/dev/null || { echo "needs valgrind: apt-get install -y valgrind" >&2; exit 2; }
[ -x "$bin" ] || { echo "no gateway binary at $bin: run scripts/build.sh" >&2; exit 2; }
work=$(mktemp -d /tmp/sluice-instructions.XXXX)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

if ! curl -s -o /dev/null "http://127.0.0.1:$port/"; then
  # The head and body go out in one write, as nginx sends them.
  python3 - "$mode" "$port" <<'PY' >"$work/upstream.log" 2>&1 &
import http.server, sys
mode, port = sys.argv[1], int(sys.argv[2])
def chunk(delta, usage=""):
    return ('data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,'
            '"model":"bench-model","choices":' + delta + usage + '}\n\n')
if mode == "stream":
    words = ["Hello", "!", " How", " can", " I", " help", " you", " today", "?"]
    body = "".join(chunk('[{"index":0,"delta":{"content":"%s"},"finish_reason":null}]' % w)
                   for w in words)
    body += chunk("[]", ',"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}')
    body += "data: [DONE]\n\n"
    kind = "text/event-stream"
else:
    body = ('{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,'
            '"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant",'
            '"content":"Hello! How can I help you today?"},"finish_reason":"stop"}],'
            '"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}')
    kind = "application/json"
ANSWER = (f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n"
          + body).encode()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.wfile.write(ANSWER)
    do_GET = do_POST
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
  pids+=($!)
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
fi

sed -e 's/^listen: .*/listen: 127.0.0.1:18095/' -e "s#^storage: .*#storage: sqlite:$work/usage.db#" \
  -e 's/^pin_threads: .*/pin_threads: false/' -e "s#127.0.0.1:18080#127.0.0.1:$port#" \
  "$root/bench/proxy-overhead.yaml" >"$work/gateway.yaml"
echo "threads: 1" >>"$work/gateway.yaml"
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.%p" "$bin" serve \
  --config "$work/gateway.yaml" >/dev/null 2>"$work/gateway.log" &
gw=$!
pids+=($gw)
for _ in $(seq 300); do curl -s -o /dev/null http://127.0.0.1:18095/healthz && break; sleep 0.2; done

load() {
  python3 - "$1" "$mode" <<'PY'
import http.client, sys
stream = '"stream":true,"stream_options":{"include_usage":true},' if sys.argv[2] == "stream" else ""
body = ('{"model":"bench-model",' + stream + '"messages":[{"role":"user",'
        '"content":"Please explain how the MoE architecture works."}]}')
headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-bench"}
connection = http.client.HTTPConnection("127.0.0.1", 18095)
for _ in range(int(sys.argv[1])):
    connection.request("POST", "/v1/chat/completions", body, headers)
    answer = connection.getresponse()
    text = answer.read()
    if answer.status != 200 or (stream and not text.endswith(b"data: [DONE]\n\n")):
        sys.exit(f"gateway answered {answer.status}")
PY
}
load 500                                # warm-up: pools, caches, the ledger's first batches
callgrind_control -z "$gw" >/dev/null 2>&1   # count from here
load "$n"
sleep 0.3                               # the ledger's next batch (every 100 ms) takes the last rows
callgrind_control -d "$gw" >/dev/null 2>&1
profile=$(ls "$work"/callgrind.*.1)
per_request() {
  callgrind_annotate --inclusive=yes "$profile" 2>/dev/null |
    awk -v n="$n" -v pat="$1" '$0 ~ pat {gsub(/,/, "", $1); printf "%.0f", $1 / n; exit}'
}
echo "instructions per request: $(per_request 'PROGRAM TOTALS')" \
  "(event loop $(per_request 'HttpServer::run\\(\\)'), usage ledger $(per_request 'BatchingLedger::run\\(\\)'))"
