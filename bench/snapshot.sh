#!/usr/bin/env bash
# Snapshot benchmark (docs/snapshots.md): an Arca (release build) on file storage filled with
# ENTRIES KV v1 secrets by wrk (many concurrent writers, group-committed), then
#   - `arca operator raft snapshot save`: time, MB/s (of the file and of the uncompressed
#     state), the server's peak RSS while it snapshots (sampled every 20 ms) against its RSS
#     before;
#   - `arca operator raft snapshot restore` of that file into the same node: time (verification,
#     the replacement in one LMDB transaction, the reload of mounts/tokens/leases).
# Not a test; never gates CI.
#
# Usage: bench/snapshot.sh path/to/arca   (env: ENTRIES=1000000 CONNECTIONS=64 THREADS=2)
set -euo pipefail

ARCA=${1:-build-release/arca}
ENTRIES=${ENTRIES:-1000000}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WORK=$(mktemp -d /tmp/arca-bench-snap-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "$0")/lib.sh"

start_arca snap "storage \"file\" {
  path = \"$WORK/data\"
}"
SERVER_PID=${PIDS[-1]}
curl -sf -X POST -H "X-Vault-Token: $TOKEN" -d '{"type":"kv","options":{"version":"1"}}' \
  "$ADDR/v1/sys/mounts/kv" >/dev/null
export ARCA_ADDR=$ADDR ARCA_TOKEN=$TOKEN

# Unique keys kv/r<run>/t<thread>/k<n>, ~100-byte values.
cat > "$WORK/fill.lua" <<'LUA'
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
function init(args)
  run = args[1]
  n = 0
  wrk.headers["Content-Type"] = "application/json"
end
request = function()
  n = n + 1
  return wrk.format("PUT", "/v1/kv/r" .. run .. "/t" .. tid .. "/k" .. n, nil,
                    '{"value":"' .. string.rep("v", 80) .. '","n":' .. n .. '}')
end
LUA

echo "filling $ENTRIES entries (wrk, $CONNECTIONS connections) ... load $(load)"
total=0
run=0
fill_start=$(date +%s.%N)
while [ "$total" -lt "$ENTRIES" ]; do
  left=$((ENTRIES - total))
  secs=$(( left / 4000 + 1 )); [ "$secs" -gt 30 ] && secs=30
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" -H "X-Vault-Token: $TOKEN" \
        -s "$WORK/fill.lua" "$ADDR" -- "$run")
  if echo "$out" | grep -q 'Non-2xx'; then echo "$out"; echo "writes failed"; exit 1; fi
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  total=$((total + n))
  run=$((run + 1))
done
fill_end=$(date +%s.%N)
printf 'filled %d entries in %.1f s (%.0f writes/s)\n' "$total" \
  "$(echo "$fill_end - $fill_start" | bc)" "$(echo "$total / ($fill_end - $fill_start)" | bc -l)"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
# sample_rss FILE: the server's RSS every 20 ms until FILE.stop exists; the peak into FILE.
sample_rss() {
  local peak=0 r
  while [ ! -e "$1.stop" ]; do
    r=$(rss_kb); [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.02
  done
  echo "$peak" > "$1"
}

before=$(rss_kb)
sample_rss "$WORK/rss.save" &
t0=$(date +%s.%N)
"$ARCA" operator raft snapshot save "$WORK/bench.snap"
t1=$(date +%s.%N)
touch "$WORK/rss.save.stop"; wait $!
size=$(stat -c %s "$WORK/bench.snap")
state=$(tar xzOf "$WORK/bench.snap" meta.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state_bytes"])')
entries=$(tar xzOf "$WORK/bench.snap" meta.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
secs=$(echo "$t1 - $t0" | bc -l)
printf 'snapshot: %d entries, file %.1f MB (state %.1f MB) in %.2f s: %.1f MB/s of file, %.1f MB/s of state\n' \
  "$entries" "$(echo "$size / 1000000" | bc -l)" "$(echo "$state / 1000000" | bc -l)" "$secs" \
  "$(echo "$size / 1000000 / $secs" | bc -l)" "$(echo "$state / 1000000 / $secs" | bc -l)"
printf 'server RSS: %.0f MB before, peak %.0f MB while snapshotting\n' \
  "$(echo "$before / 1024" | bc -l)" "$(echo "$(cat "$WORK/rss.save") / 1024" | bc -l)"

curl -sf -X PUT -H "X-Vault-Token: $TOKEN" -d '{"value":"after"}' "$ADDR/v1/kv/after" >/dev/null
before=$(rss_kb)
sample_rss "$WORK/rss.restore" &
t0=$(date +%s.%N)
"$ARCA" operator raft snapshot restore "$WORK/bench.snap"
t1=$(date +%s.%N)
touch "$WORK/rss.restore.stop"; wait $!
printf 'restore: %.2f s (verify, replace in one transaction, reload); server RSS %.0f MB before, peak %.0f MB\n' \
  "$(echo "$t1 - $t0" | bc -l)" "$(echo "$before / 1024" | bc -l)" \
  "$(echo "$(cat "$WORK/rss.restore") / 1024" | bc -l)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Vault-Token: $TOKEN" "$ADDR/v1/kv/after")
[ "$code" = 404 ] || { echo "restore check failed: kv/after answered $code"; exit 1; }
# (wrk builds each thread's first request once without sending it: k1 is never written)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Vault-Token: $TOKEN" "$ADDR/v1/kv/r0/t0/k2")
[ "$code" = 200 ] || { echo "restore check failed: kv/r0/t0/k2 answered $code"; exit 1; }
echo "load $(load)"
