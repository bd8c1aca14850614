#!/usr/bin/env bash
# Physical operations per KV v2 request on storage "etcd", counted on etcd's own metrics
# (etcd_mvcc_range_total, etcd_mvcc_put_total, etcd_mvcc_txn_total, etcd_mvcc_delete_total,
# etcd_disk_wal_fsync_duration_seconds_count) around N requests of each kind, sent one after the
# other with curl: writes of one existing key, writes of new keys, reads of one key.
# Not a test; never gates CI.
#
# Usage: bench/etcd_ops.sh path/to/arca [N=50] (env: ARCA_EXTRA_CONFIG: lines added to the config)
set -euo pipefail

ARCA=${1:-build-release/arca}
N=${2:-50}
WORK=$(mktemp -d /tmp/arca-etcd-ops-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "$0")/lib.sh"

start_etcd o0
start_arca arca "storage \"etcd\" {
  address = \"$ETCD\"
  path    = \"/arca-ops/\"
}" "${ARCA_EXTRA_CONFIG:-}"

counters() {
  curl -sf "$ETCD/metrics" | awk '
    /^etcd_mvcc_range_total / {r=$2} /^etcd_mvcc_put_total / {p=$2} /^etcd_mvcc_txn_total / {t=$2}
    /^etcd_mvcc_delete_total / {d=$2} /^etcd_disk_wal_fsync_duration_seconds_count / {f=$2}
    END {printf "%d %d %d %d %d\n", r, p, t, d, f}'
}
measure() {  # label, then a command run N times with $i set
  local label=$1; shift
  read -r r0 p0 t0 d0 f0 < <(counters)
  for i in $(seq 1 "$N"); do eval "$@" >/dev/null; done
  read -r r1 p1 t1 d1 f1 < <(counters)
  awk -v l="$label" -v n="$N" -v r=$((r1 - r0)) -v p=$((p1 - p0)) -v t=$((t1 - t0)) \
      -v d=$((d1 - d0)) -v f=$((f1 - f0)) 'BEGIN {
    printf "%-28s per request: %.2f ranges  %.2f puts  %.2f txns  %.2f deletes  %.2f WAL fsyncs\n",
           l, r/n, p/n, t/n, d/n, f/n }'
}
W='curl -sf -X POST -H "X-Vault-Token: $TOKEN" -d "{\"data\":{\"v\":\"$i\"}}"'
i=0; eval "$W \"\$ADDR/v1/secret/data/same\"" >/dev/null
measure "kv2 write, existing key" "$W \"\$ADDR/v1/secret/data/same\""
measure "kv2 write, new key" "$W \"\$ADDR/v1/secret/data/new\$i\""
measure "kv2 read, latest version" 'curl -sf -H "X-Vault-Token: $TOKEN" "$ADDR/v1/secret/data/same"'
measure "kv2 read, older version" 'curl -sf -H "X-Vault-Token: $TOKEN" "$ADDR/v1/secret/data/same?version=$N"'
