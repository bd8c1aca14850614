#!/usr/bin/env bash
# KV v2 reads of the latest version (root token, wrk 2 threads, 32 connections) on storage "etcd"
# against storage "file", two servers side by side, alternating three rounds (DURATION s each).
# Not a test; never gates CI. Usage: bench/etcd_read.sh path/to/arca
set -euo pipefail
ARCA=$1; WORK=$(mktemp -d /tmp/kvread-XXXXXX); PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"
start_etcd r0
start_kv() {  # name storage-stanza -> ADDR_<name> TOKEN_<name>, one secret at secret/data/r
  start_arca "$1" "$2"
  curl -sf -X POST -H "X-Vault-Token: $TOKEN" -d '{"data":{"value":"0123456789abcdef"}}' \
    "$ADDR/v1/secret/data/r" >/dev/null
  eval "ADDR_$1=$ADDR; TOKEN_$1=$TOKEN"
}
start_kv etcd "storage \"etcd\" {
 address = \"$ETCD\"
 path = \"/arca-read/\"
}"
start_kv file "storage \"file\" {
 path = \"$WORK/file\"
}"
for r in 1 2 3; do
  for n in etcd file; do
    a=ADDR_$n; t=TOKEN_$n
    rps=$(wrk -t2 -c32 -d${DURATION:-5}s -H "X-Vault-Token: ${!t}" "${!a}/v1/secret/data/r" | awk '/Requests\/sec/ {print $2}')
    echo "round $r: kv2 read on $n: $rps req/s"
  done
done
