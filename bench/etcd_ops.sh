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

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

CPORT=$(free_port); PPORT=$(free_port)
etcd --name o0 --data-dir "$WORK/etcd" \
  --listen-client-urls "http://127.0.0.1:$CPORT" --advertise-client-urls "http://127.0.0.1:$CPORT" \
  --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
  --initial-cluster "o0=http://127.0.0.1:$PPORT" > "$WORK/etcd.log" 2>&1 &
PIDS+=($!)
wait_port "$CPORT" || { cat "$WORK/etcd.log"; exit 1; }
ETCD="http://127.0.0.1:$CPORT"
for _ in $(seq 1 100); do curl -sf "$ETCD/health" | grep -q '"health":"true"' && break; sleep 0.1; done

APORT=$(free_port)
cat > "$WORK/arca.hcl" <<CONF
storage "etcd" {
  address = "$ETCD"
  path    = "/arca-ops/"
}
listener "tcp" {
  address = "127.0.0.1:$APORT"
  tls_disable = true
}
disable_mlock = true
log_level = "error"
${ARCA_EXTRA_CONFIG:-}
CONF
"$ARCA" server -config="$WORK/arca.hcl" > "$WORK/arca.log" 2>&1 &
PIDS+=($!)
wait_port "$APORT" || { cat "$WORK/arca.log"; exit 1; }
ADDR="http://127.0.0.1:$APORT"
ROOT=$(curl -sf -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$ADDR/v1/sys/init" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["keys"][0], d["root_token"])')
curl -sf -X PUT -d "{\"key\":\"${ROOT%% *}\"}" "$ADDR/v1/sys/unseal" >/dev/null
TOKEN=${ROOT##* }
curl -sf -X POST -H "X-Vault-Token: $TOKEN" -d '{"type":"kv","options":{"version":"2"}}' \
  "$ADDR/v1/sys/mounts/secret" >/dev/null

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
