#!/usr/bin/env bash
# Proxy overhead of the gateway next to nginx and Portkey: starts `sluice serve` with
# bench/proxy-overhead.yaml (model bench-model -> the static upstream on 127.0.0.1:18080 that the
# shared script starts) and runs ../shared/bench/proxy-overhead.sh against it, plain and --stream.
# Usage: bench/gateway/overhead.sh [extra proxy-overhead.sh flags, e.g. --rounds 3 --no-portkey]
# env: SLUICE_BIN, PROXY_OVERHEAD (path of proxy-overhead.sh), MODES ("plain stream").
# Needs nginx and wrk (apt-get install -y nginx-light wrk); Portkey comes from npm on first use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${SLUICE_BIN:-$root/build/sluice}
script=${PROXY_OVERHEAD:-$root/../shared/bench/proxy-overhead.sh}
config=$root/bench/proxy-overhead.yaml
[ -x "$bin" ] || { echo "no gateway binary at $bin: run scripts/build.sh" >&2; exit 2; }
[ -f "$script" ] || { echo "no $script (set PROXY_OVERHEAD)" >&2; exit 2; }
listen=$(awk '/^listen:/ {print $2}' "$config")
target=http://$listen
if curl -s -o /dev/null "$target/healthz"; then
  echo "something already listens on $listen; stop it first" >&2
  exit 2
fi
work=$(mktemp -d /tmp/sluice-overhead.XXXX)
log=$work/gateway.log
# A usage database of its own for each run: the configuration's file would keep every run's rows
# (some 2 million per run), grow by gigabytes, and make each run start from a bigger one.
sed "s#^storage: .*#storage: sqlite:$work/usage.db#" "$config" >"$work/gateway.yaml"
# stdout would carry the access log, which bench/proxy-overhead.yaml turns off like the nginx it is
# compared with; errors go to stderr.
"$bin" serve --config "$work/gateway.yaml" >/dev/null 2>"$log" &
gw=$!
trap 'kill $gw 2>/dev/null || true; wait $gw 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 200); do curl -sf -o /dev/null "$target/healthz" && break; sleep 0.05; done
curl -sf -o /dev/null "$target/healthz" || { echo "gateway did not start:" >&2; cat "$log" >&2; exit 1; }
for mode in ${MODES:-plain stream}; do
  flags=()
  [ "$mode" = stream ] && flags=(--stream)
  echo "== proxy-overhead.sh ${flags[*]:-} $* (gateway: sluice serve --config bench/proxy-overhead.yaml)"
  # With --no-portkey the shared script ends on a false test, so a complete run exits with 1; only
  # a higher status (a missing tool, a server that did not start) is a failure.
  bash "$script" --target "$target" --key sk-bench "${flags[@]}" "$@" || {
    status=$?
    [ "$status" -le 1 ] || exit "$status"
  }
done
