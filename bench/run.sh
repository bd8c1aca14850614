#!/usr/bin/env bash
# HTTP load benchmarks with wrk on loopback: nginx serving a fixed ~100-byte JSON body (the HTTP
# ceiling of this machine), then Arca (release build, dev mode) on sys/health and a KV v1 read.
# Prints requests/s and p99 latency for each, and Arca's ratio to nginx. Not a test; never gates CI.
#
# Usage: bench/run.sh path/to/arca   (env: DURATION=10s CONNECTIONS=32 THREADS=2)
set -euo pipefail

ARCA=${1:-build-release/arca}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
WORK=$(mktemp -d /tmp/arca-bench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# wrk prints "Requests/sec: N" and, with --latency, a "99%" line.
run_wrk() {
  local name=$1; shift
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  printf '%-28s %12s req/s   p99 %8s\n' "$name" "$rps" "$p99"
  echo "$rps" > "$WORK/rps.$name"
}

# --- nginx ceiling ---
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      default_type application/json;
      return 200 '{"request_id":"00000000-0000-0000-0000-000000000000","data":{"value":"0123456789abcdef"}}';
    }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
wait_port "$NGINX_PORT"

# --- Arca dev server ---
ARCA_PORT=$(free_port)
"$ARCA" server -dev -dev-root-token-id=bench-root -dev-listen-address="127.0.0.1:$ARCA_PORT" \
  -log-level=error > "$WORK/arca.log" 2>&1 &
PIDS+=($!)
wait_port "$ARCA_PORT" || { cat "$WORK/arca.log"; exit 1; }
ADDR="http://127.0.0.1:$ARCA_PORT"
curl -sf -X POST -H "X-Vault-Token: bench-root" -d '{"type":"kv"}' "$ADDR/v1/sys/mounts/kv1" >/dev/null
curl -sf -X POST -H "X-Vault-Token: bench-root" -d '{"value":"0123456789abcdef"}' "$ADDR/v1/kv1/bench" >/dev/null

echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per run, $(nproc) cores"
run_wrk nginx "http://127.0.0.1:$NGINX_PORT/"
run_wrk arca_sys_health "$ADDR/v1/sys/health"
run_wrk arca_kv1_read -H "X-Vault-Token: bench-root" "$ADDR/v1/kv1/bench"

ng=$(cat "$WORK/rps.nginx")
for n in arca_sys_health arca_kv1_read; do
  awk -v a="$(cat "$WORK/rps.$n")" -v b="$ng" -v n="$n" 'BEGIN { printf "%-28s %6.1f%% of nginx\n", n, 100*a/b }'
done
