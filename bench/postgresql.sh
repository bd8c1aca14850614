#!/usr/bin/env bash
# KV v2 writes on storage "postgresql" against PostgreSQL's own durable single-row upsert rate
# (bench/pg_upsert.cc: libpq, Vault's INSERT ... ON CONFLICT (path, key) DO UPDATE into a table
# shaped like vault_kv_store, ~1 KiB values), with the same number of concurrent connections, on
# one PostgreSQL 15 server on loopback started here in a scratch directory (as the `postgres`
# user when run as root) with durable settings: fsync on, synchronous_commit on,
# full_page_writes on (PostgreSQL's defaults; DURABLE=0 turns fsync and synchronous_commit off
# to see what the disk costs). Alternates ROUNDS times (upsert bench, KV v2 shape bench, the
# same with four KV v2 writes per transaction, Arca with wrk) and prints every rate, the ratio KV v2 writes / upserts per round and its median
# (the goal is >= 0.70). Every line carries the load average (1/5/15 min) at its start: the
# machine is shared. Not a test; never gates CI.
#
# Usage: bench/postgresql.sh path/to/arca path/to/pg_upsert_bench
#        (env: DURATION=10 CONNECTIONS=32 THREADS=2 ROUNDS=3 VALUE_BYTES=1024 DURABLE=1;
#        MAX_PARALLEL= sets the storage stanza's max_parallel; HA=1 sets ha_enabled (the node
#        takes the lock and every write carries the fence); PERF=1 records `perf record -g`
#        of Arca during the last round's KV writes into $PERF_OUT (default
#        /tmp/arca-pg-bench.perf.data) and of the postgres processes into $PERF_OUT.pg;
#        PERF_CALLGRAPH="--call-graph dwarf" for call stacks through code without frame pointers)
set -euo pipefail

ARCA=${1:-build-release/arca}
UPSERT_BENCH=${2:-build-release/pg_upsert_bench}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
VALUE_BYTES=${VALUE_BYTES:-1024}
DURABLE=${DURABLE:-1}
MAX_PARALLEL=${MAX_PARALLEL:-}
HA=${HA:-0}
PERF=${PERF:-0}
PERF_OUT=${PERF_OUT:-/tmp/arca-pg-bench.perf.data}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
WORK=$(mktemp -d /tmp/arca-pg-bench-XXXXXX)
PIDS=()
PG_STARTED=0
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$PG_STARTED" = 1 ]; then as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "$0")/lib.sh"
for f in "$ARCA" "$UPSERT_BENCH"; do
  [ -x "$f" ] || { echo "postgresql.sh: $f is not built" >&2; exit 1; }
done

# --- one PostgreSQL server, durable ---
if [ "$DURABLE" = 1 ]; then SYNC=on; else SYNC=off; fi
mkdir -p "$WORK/pg"
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown postgres: "$WORK/pg"
as_pg "$PG_BIN/initdb" -D "$WORK/pg/data" -U bench -A trust > "$WORK/pg/initdb.log" 2>&1 ||
  { cat "$WORK/pg/initdb.log"; exit 1; }
PG_PORT=$(free_port)
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w -t 60 -o \
  "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=400 \
   -c fsync=$SYNC -c synchronous_commit=$SYNC -c shared_buffers=256MB" start >/dev/null ||
  { cat "$WORK/pg/log"; exit 1; }
PG_STARTED=1
psql_() { psql -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U bench "$@"; }
psql_ -d postgres -c "CREATE DATABASE arca" -c "CREATE DATABASE upsert"
echo "postgresql $(psql_ -d postgres -c 'SHOW server_version'): $(psql_ -d postgres -F' ' \
  -c "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings WHERE name IN
      ('fsync','synchronous_commit','full_page_writes','wal_sync_method','shared_buffers',
       'commit_delay','wal_level')")"
echo "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), \
$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); data directory on \
$(df --output=source,fstype "$WORK" | tail -1 | tr -s ' ')"
echo "connections $CONNECTIONS, $DURATION s per measurement, values $VALUE_BYTES B, Arca ha_enabled $([ "$HA" = 1 ] && echo true || echo false)"

UPSERT_DB="host=127.0.0.1 port=$PG_PORT user=bench dbname=upsert"

# --- Arca on storage "postgresql" ---
start_arca arca "storage \"postgresql\" {
  connection_url = \"postgres://bench@127.0.0.1:$PG_PORT/arca?sslmode=disable\"
  ${MAX_PARALLEL:+max_parallel = \"$MAX_PARALLEL\"}
  $([ "$HA" = 1 ] && echo 'ha_enabled = "true"')
}"
ARCA_PID=${PIDS[-1]}
write_kv_lua "$WORK/write.lua"

# CPU time (user + system, clock ticks) of this PostgreSQL server: the postmaster, the backends
# it has reaped (cutime, cstime) and the live ones; and of the Arca process.
PM_PID=$(head -1 "$WORK/pg/data/postmaster.pid")
TICK=$(getconf CLK_TCK)
pg_ticks() {
  { awk '{print $14 + $15 + $16 + $17}' "/proc/$PM_PID/stat"
    for c in $(pgrep -P "$PM_PID"); do awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || true; done
  } | awk '{s += $1} END {print s}'
}
arca_ticks() { awk '{print $14 + $15}' "/proc/$ARCA_PID/stat"; }
# Context switches of every Arca thread so far (voluntary + involuntary).
arca_switches() { cat /proc/"$ARCA_PID"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }
# Transactions committed in Arca's database so far (group commit puts several writes in one).
xacts() { psql_ -d postgres -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'arca'"; }
# Microseconds of CPU per operation: ticks, rate, duration.
per_op() { awk -v t="$1" -v hz="$TICK" -v r="$2" -v d="$DURATION" 'BEGIN { printf "%.0f", (r > 0 ? t * 1e6 / hz / (r * d) : 0) }'; }

# One pg_upsert_bench run: prints its line with the server's CPU per write and the load
# average; sets $RATE.
measure() {
  local l line p0; l=$(load); p0=$(pg_ticks)
  line=$("$UPSERT_BENCH" "$UPSERT_DB" "$CONNECTIONS" "$DURATION" "$VALUE_BYTES" "$1") || true
  sleep 1  # the bench's backends exit after it: their CPU time counts once the postmaster reaps them
  RATE=$(echo "$line" | awk '{print $2}')
  printf '%s   postgres cpu %sus/op   load %s\n' "$line" "$(per_op $(( $(pg_ticks) - p0 )) "$RATE")" "$l"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a/b }'; }
upserts=(); shapes=(); batched=(); kvs=(); ratios=(); shape_ratios=()
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r:"
  measure upsert; upserts+=("$RATE"); up=$RATE
  measure kv2; shapes+=("$RATE"); shape=$RATE
  measure kv2x4; batched+=("$RATE")
  perf_pids=()
  if [ "$PERF" = 1 ] && [ "$r" = "$ROUNDS" ]; then
    perf record ${PERF_CALLGRAPH:--g} -o "$PERF_OUT" -p "$ARCA_PID" -- sleep "$DURATION" >/dev/null 2>&1 &
    perf_pids+=($!)
    perf record ${PERF_CALLGRAPH:--g} -o "$PERF_OUT.pg" -p "$(pgrep -d, -P "$PM_PID")" -- sleep "$DURATION" >/dev/null 2>&1 &
    perf_pids+=($!)
  fi
  kv_load=$(load); p0=$(pg_ticks); a0=$(arca_ticks); x0=$(xacts); c0=$(arca_switches)
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "X-Vault-Token: $TOKEN" \
    -s "$WORK/write.lua" "$ADDR")
  p1=$(pg_ticks); a1=$(arca_ticks); x1=$(xacts); c1=$(arca_switches)
  for p in "${perf_pids[@]:-}"; do [ -n "$p" ] && wait "$p" || true; done
  kv_rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  kv_p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
  kvs+=("$kv_rps")
  ratios+=("$(ratio "$kv_rps" "$up")")
  shape_ratios+=("$(ratio "$kv_rps" "$shape")")
  printf 'arca_kv2_write_postgresql %12s req/s   p99 %8s   non-2xx %s   commits/write %s   arca cpu %sus/op   arca switches/op %s   postgres cpu %sus/op   ratio to upsert %s   to kv2 shape %s   load %s\n' \
    "$kv_rps" "$kv_p99" "${non2xx:-0}" \
    "$(awk -v x="$(( x1 - x0 ))" -v r="$kv_rps" -v d="$DURATION" 'BEGIN { printf "%.2f", x / (r * d) }')" \
    "$(per_op $(( a1 - a0 )) "$kv_rps")" \
    "$(awk -v x="$(( c1 - c0 ))" -v r="$kv_rps" -v d="$DURATION" 'BEGIN { printf "%.1f", x / (r * d) }')" \
    "$(per_op $(( p1 - p0 )) "$kv_rps")" "${ratios[-1]}" "${shape_ratios[-1]}" "$kv_load"
done
med() { printf '%s\n' "$@" | median; }
printf 'pg upsert        median %s/s (rounds: %s)\n' "$(med "${upserts[@]}")" "${upserts[*]}"
printf 'pg kv2-shape txn median %s/s (rounds: %s)\n' "$(med "${shapes[@]}")" "${shapes[*]}"
printf 'pg 4 kv2 writes per txn median %s writes/s (rounds: %s)\n' "$(med "${batched[@]}")" "${batched[*]}"
printf 'arca kv2 write   median %s/s (rounds: %s)\n' "$(med "${kvs[@]}")" "${kvs[*]}"
printf 'kv2 write on postgresql / pg upsert: median ratio %s (rounds: %s; goal >= 0.70)\n' \
  "$(med "${ratios[@]}")" "${ratios[*]}"
printf 'kv2 write on postgresql / pg txn of the same shape: median ratio %s (rounds: %s)\n' \
  "$(med "${shape_ratios[@]}")" "${shape_ratios[*]}"
# What Arca wrote per KV v2 write: statements and WAL by table (pg_stat_user_tables), for the
# write amplification.
echo "arca tables after the run (n_tup_ins n_tup_upd n_tup_del): $(psql_ -d arca -F' ' -c \
  "SELECT string_agg(relname || ' ' || n_tup_ins || ' ' || n_tup_upd || ' ' || n_tup_del, '; ') FROM pg_stat_user_tables")"
if [ "$PERF" = 1 ]; then echo "perf data: $PERF_OUT (arca), $PERF_OUT.pg (postgres)"; fi
