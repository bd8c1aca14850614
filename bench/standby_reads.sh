#!/usr/bin/env bash
# Standby reads on etcd: three etcd members, one active Arca node and two standbys; wrk KV v2
# reads against each node alone (req/s, CPU per read from /proc/<pid>/stat) and against all
# three at once. The driver is bench/standby_reads.py. Not a test; never gates CI.
#
# Usage: bench/standby_reads.sh path/to/arca   (env: DURATION=10 THREADS=1 CONNECTIONS=16 KEYS=100)
set -euo pipefail
command -v etcd >/dev/null || { echo "standby_reads.sh: etcd not found (Debian package etcd-server)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "standby_reads.sh: wrk not found" >&2; exit 1; }
exec python3 "$(dirname "$0")/standby_reads.py" "${1:-build-release/arca}"
