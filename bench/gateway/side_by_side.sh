# Sourced by syscalls.sh, cpu_split.sh and report_under_load.sh.
#
# bench_work NAME TOOL...: checks that the tools and the gateway binary ($bin) are there, makes
# the scratch folder $work (/tmp/sluice-NAME.XXXX) and an empty `pids`, and on exit stops those
# processes and removes $work.
bench_work() {
  local name=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y nginx-light wrk" >&2; exit 2; }
  done
  [ -x "$bin" ] || { echo "no gateway binary at $bin: run scripts/build.sh" >&2; exit 2; }
  work=$(mktemp -d "/tmp/sluice-$name.XXXX")
  pids=()
  trap 'for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
}

# plain_chat: the shared script's plain chat completion as the upstream's answer ($reply, $ctype)
# and the request wrk sends for it ($work/chat.lua).
plain_chat() {
  reply='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
  ctype=application/json
  cat >"$work/chat.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"bench-model","messages":[{"role":"user","content":"Please explain how the MoE architecture works."}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
LUA
}

# start_side_by_side starts, under $work:
#   an nginx upstream on 127.0.0.1:18080 answering every request with $reply as $ctype;
#   nginx as a plain keep-alive reverse proxy to it on 127.0.0.1:18096, configured as
#     ../shared/bench/proxy-overhead.sh configures it;
#   the gateway ($bin) on 127.0.0.1:18097 with bench/proxy-overhead.yaml, its own usage database,
#     and the lines of $gateway_extra appended.
# It adds their pids to the caller's `pids`, waits until all three answer, and sets `gateway`,
# `proxy_worker` and `upstream_worker` (nginx's worker processes).
start_side_by_side() {
  cat >"$work/upstream.conf" <<CONF
worker_processes 1; daemon off; pid $work/upstream.pid; error_log $work/upstream.err warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:18080; location / { default_type $ctype; return 200 '$reply'; } } }
CONF
  cat >"$work/proxy.conf" <<CONF
worker_processes 1; daemon off; pid $work/proxy.pid; error_log $work/proxy.err warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  upstream up { server 127.0.0.1:18080; keepalive 512; }
  server { listen 127.0.0.1:18096;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; } } }
CONF
  sed -e 's/^listen: .*/listen: 127.0.0.1:18097/' -e "s#^storage: .*#storage: sqlite:$work/usage.db#" \
    "$root/bench/proxy-overhead.yaml" >"$work/gateway.yaml"
  [ -n "${gateway_extra:-}" ] && echo "$gateway_extra" >>"$work/gateway.yaml"
  nginx -c "$work/upstream.conf" & pids+=($!)
  nginx -c "$work/proxy.conf" & pids+=($!)
  "$bin" serve --config "$work/gateway.yaml" >/dev/null 2>"$work/gateway.log" & pids+=($!)
  gateway=$!
  local port
  for port in 18080 18096 18097; do
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
  done
  proxy_worker=$(pgrep -P "$(cat "$work/proxy.pid")")
  upstream_worker=$(pgrep -P "$(cat "$work/upstream.pid")")
}
