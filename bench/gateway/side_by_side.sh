# Sourced by syscalls.sh and cpu_split.sh. start_side_by_side starts, under $work:
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
