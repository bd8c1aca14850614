#!/usr/bin/env bash
# Failover time of an HA cluster on etcd: three etcd members and three `arca server` nodes on
# loopback (storage "etcd", ha_enabled, default lock settings), concurrent KV v2 writers through
# the standbys and on the active node; `kill -9`, then SIGTERM, of the active node; the time from
# the signal to the first write accepted by the new active node, ROUNDS times each, with
# min/median/max. The driver is bench/failover.py. Not a test; never gates CI.
#
# Usage: bench/failover.sh path/to/arca   (env: ROUNDS=3 WRITERS_PER_NODE=2 GOAL_SECONDS=5)
set -euo pipefail
command -v etcd >/dev/null || { echo "failover.sh: etcd not found (Debian package etcd-server)" >&2; exit 1; }
exec python3 "$(dirname "$0")/failover.py" "${1:-build-release/arca}"
