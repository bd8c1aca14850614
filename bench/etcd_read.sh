#!/usr/bin/env bash
# KV v2 reads of the latest version (root token, wrk 2 threads, 32 connections) on storage "etcd"
# against storage "file", two servers side by side, alternating three rounds (DURATION s each).
# Not a test; never gates CI. Usage: bench/etcd_read.sh path/to/arca
set -euo pipefail
ARCA=$1; WORK=$(mktemp -d /tmp/kvread-XXXXXX); PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
CPORT=$(free_port); PPORT=$(free_port)
etcd --name r0 --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$CPORT" --advertise-client-urls "http://127.0.0.1:$CPORT" \
  --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" --initial-cluster "r0=http://127.0.0.1:$PPORT" > "$WORK/etcd.log" 2>&1 &
PIDS+=($!); wait_port "$CPORT"; sleep 1
start() {  # name storage-stanza -> sets ADDR_<name> TOKEN_<name>
  local port; port=$(free_port)
  printf '%s\nlistener "tcp" {\n address = "127.0.0.1:%s"\n tls_disable = true\n}\ndisable_mlock = true\nlog_level = "error"\n' "$2" "$port" > "$WORK/$1.hcl"
  "$ARCA" server -config="$WORK/$1.hcl" > "$WORK/$1.log" 2>&1 & PIDS+=($!)
  wait_port "$port"; local addr="http://127.0.0.1:$port"
  local root; root=$(curl -sf -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$addr/v1/sys/init" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["keys"][0], d["root_token"])')
  curl -sf -X PUT -d "{\"key\":\"${root%% *}\"}" "$addr/v1/sys/unseal" >/dev/null
  local tok=${root##* }
  curl -sf -X POST -H "X-Vault-Token: $tok" -d '{"type":"kv","options":{"version":"2"}}' "$addr/v1/sys/mounts/secret" >/dev/null
  curl -sf -X POST -H "X-Vault-Token: $tok" -d '{"data":{"value":"0123456789abcdef"}}' "$addr/v1/secret/data/r" >/dev/null
  eval "ADDR_$1=$addr; TOKEN_$1=$tok"
}
start etcd "storage \"etcd\" {
 address = \"http://127.0.0.1:$CPORT\"
 path = \"/arca-read/\"
}"
start file "storage \"file\" {
 path = \"$WORK/file\"
}"
for r in 1 2 3; do
  for n in etcd file; do
    a=ADDR_$n; t=TOKEN_$n
    rps=$(wrk -t2 -c32 -d${DURATION:-5}s -H "X-Vault-Token: ${!t}" "${!a}/v1/secret/data/r" | awk '/Requests\/sec/ {print $2}')
    echo "round $r: kv2 read on $n: $rps req/s"
  done
done
