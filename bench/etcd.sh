#!/usr/bin/env bash
# KV v2 writes on storage "etcd" against etcd's own put rate through the same transport (Arca's
# JSON-gateway client, bench/etcd_put.cc), on one etcd member on loopback with its defaults
# (fsync of the WAL before every acknowledgement). Prints both rates and their ratio, alternating
# ROUNDS times (median ratio, as bench/run.sh does). Each round also measures etcd's rate for
# txns of the shape a KV v2 write sends (two puts, one of them the ~1 KiB metadata, and a delete:
# `etcd_put_bench ... kv2`) and prints the ratio to that too. Not a test; never gates CI.
#
# With the gRPC bench (bench/etcd_put_grpc.cc, built by make bench),
# each round also measures the transports against each other on the same etcd: puts and
# fenced txns (one create-revision compare + one put, the HA write shape) through the JSON
# gateway and over gRPC, in alternating order, and prints the gRPC / gateway ratios (medians).
# Every line carries the load average (1/5/15 min) at its start: the machine is shared.
#
# Usage: bench/etcd.sh path/to/arca path/to/etcd_put_bench [path/to/etcd_put_grpc_bench]
#        (env: DURATION=10 CONNECTIONS=32 THREADS=2 ROUNDS=3; ARCA_KV=0 skips Arca's KV v2
#        writes and measures only the transports)
set -euo pipefail

ARCA=${1:-build-release/arca}
PUT_BENCH=${2:-build-release/etcd_put_bench}
GRPC_BENCH=${3:-}
ARCA_KV=${ARCA_KV:-1}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d /tmp/arca-etcd-bench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "$0")/lib.sh"
if [ -n "$GRPC_BENCH" ] && [ ! -x "$GRPC_BENCH" ]; then
  echo "etcd.sh: $GRPC_BENCH not built (gRPC missing?): measuring the gateway only" >&2
  GRPC_BENCH=""
fi

# --- one etcd member ---
start_etcd b0

# --- the transports: JSON gateway vs gRPC, puts and fenced txns ---
# etcd's CPU time so far (user + system), in clock ticks.
etcd_ticks() { awk '{print $14 + $15}' "/proc/$ETCD_PID/stat"; }
TICK=$(getconf CLK_TCK)
# One measurement: prints the bench's line (rate, latency, client CPU per write), etcd's CPU
# time per write and the load average at the start; sets $RATE.
measure() {
  local l t0 line; l=$(load); t0=$(etcd_ticks)
  line=$("$@") || true  # a failed run still prints its line (errors N)
  RATE=$(echo "$line" | awk '{print $2}')
  printf '%s   etcd cpu %sus/op   load %s\n' "$line" \
    "$(awk -v t="$(( $(etcd_ticks) - t0 ))" -v hz="$TICK" -v r="$RATE" -v d="$DURATION" \
      'BEGIN { printf "%.0f", (r > 0 ? t * 1e6 / hz / (r * d) : 0) }')" "$l"
}
gw_put=(); gw_txn=(); grpc_put=(); grpc_txn=(); put_ratios=(); txn_ratios=()
shape_ratios=()
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a/b }'; }
transport_round() {  # $1: round number; odd rounds start with the gateway, even with gRPC
  local op gw gr
  for op in put txn; do
    if [ $(( $1 % 2 )) -eq 1 ] || [ -z "$GRPC_BENCH" ]; then
      measure "$PUT_BENCH" "$ETCD" "$CONNECTIONS" "$DURATION" 200 "$op"; gw=$RATE
      if [ -n "$GRPC_BENCH" ]; then
        measure "$GRPC_BENCH" "$ETCD" "$CONNECTIONS" "$DURATION" 200 "$op"; gr=$RATE
      fi
    else
      measure "$GRPC_BENCH" "$ETCD" "$CONNECTIONS" "$DURATION" 200 "$op"; gr=$RATE
      measure "$PUT_BENCH" "$ETCD" "$CONNECTIONS" "$DURATION" 200 "$op"; gw=$RATE
    fi
    if [ "$op" = put ]; then
      gw_put+=("$gw")
      if [ -n "$GRPC_BENCH" ]; then grpc_put+=("$gr"); put_ratios+=("$(ratio "$gr" "$gw")"); fi
    else
      gw_txn+=("$gw")
      if [ -n "$GRPC_BENCH" ]; then grpc_txn+=("$gr"); txn_ratios+=("$(ratio "$gr" "$gw")"); fi
    fi
  done
}

# --- Arca on storage "etcd" (unless ARCA_KV=0) ---
# Arca's transport (storage key `transport`) is the one its writes are compared with: gRPC (the
# default) when the gRPC bench is given, else the gateway; TRANSPORT=gateway|grpc overrides.
if [ -z "${TRANSPORT:-}" ]; then
  if [ -n "$GRPC_BENCH" ]; then TRANSPORT=grpc; else TRANSPORT=gateway; fi
fi
if [ "$ARCA_KV" != 0 ]; then
start_arca arca "storage \"etcd\" {
  address   = \"$ETCD\"
  path      = \"/arca-bench/\"
  transport = \"$TRANSPORT\"
}"
write_kv_lua "$WORK/write.lua"
fi

ratios=()
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r:"
  transport_round "$r"
  [ "$ARCA_KV" = 0 ] && continue
  if [ "$TRANSPORT" = grpc ]; then put_rps=${grpc_put[-1]}; else put_rps=${gw_put[-1]}; fi
  shape=$("$PUT_BENCH" "$ETCD" "$CONNECTIONS" "$DURATION" 60 kv2)
  shape_rps=$(echo "$shape" | awk '{print $2}')
  echo "round $r: $shape"
  kv_load=$(load)
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "X-Vault-Token: $TOKEN" \
    -s "$WORK/write.lua" "$ADDR")
  kv_rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  kv_p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
  ratio=$(awk -v a="$kv_rps" -v b="$put_rps" 'BEGIN { printf "%.4f", a/b }')
  ratios+=("$ratio")
  shape_ratio=$(awk -v a="$kv_rps" -v b="$shape_rps" 'BEGIN { printf "%.4f", a/b }')
  shape_ratios+=("$shape_ratio")
  printf 'arca_kv2_write_etcd %12s req/s   p99 %8s   non-2xx %s   ratio to %s put %s   load %s\n' \
    "$kv_rps" "$kv_p99" "${non2xx:-0}" "$TRANSPORT" "$ratio" "$kv_load"
done
if [ "$ARCA_KV" != 0 ]; then
  printf 'kv2 write on etcd / etcd put (same transport): median ratio %s (rounds: %s)\n' \
    "$(printf '%s\n' "${ratios[@]}" | median)" "${ratios[*]}"
  printf 'kv2 write on etcd / etcd txn of the same shape: median ratio %s (rounds: %s)\n' \
    "$(printf '%s\n' "${shape_ratios[@]}" | median)" "${shape_ratios[*]}"
fi

printf 'gateway put  median %s/s (rounds: %s)\n' "$(printf '%s\n' "${gw_put[@]}" | median)" "${gw_put[*]}"
printf 'gateway txn  median %s/s (rounds: %s)\n' "$(printf '%s\n' "${gw_txn[@]}" | median)" "${gw_txn[*]}"
if [ -n "$GRPC_BENCH" ]; then
  printf 'gRPC put     median %s/s (rounds: %s)\n' "$(printf '%s\n' "${grpc_put[@]}" | median)" "${grpc_put[*]}"
  printf 'gRPC txn     median %s/s (rounds: %s)\n' "$(printf '%s\n' "${grpc_txn[@]}" | median)" "${grpc_txn[*]}"
  printf 'gRPC / gateway, put: median ratio %s (rounds: %s)\n' \
    "$(printf '%s\n' "${put_ratios[@]}" | median)" "${put_ratios[*]}"
  printf 'gRPC / gateway, fenced txn: median ratio %s (rounds: %s)\n' \
    "$(printf '%s\n' "${txn_ratios[@]}" | median)" "${txn_ratios[*]}"
fi
