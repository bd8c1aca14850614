#!/usr/bin/env bash
# HTTP load benchmarks with wrk on loopback: nginx serving a fixed ~100-byte JSON body (the HTTP
# ceiling of this machine), and Arca (release build, dev mode; file storage for durable writes)
# on health, KV reads and writes, transit and logins. Prints requests/s and p99 latency for each;
# workloads quoted as a ratio to nginx alternate with nginx runs (see run_vs_nginx). Not a test;
# never gates CI.
#
# Usage: bench/run.sh path/to/arca   (env: DURATION=10s CONNECTIONS=32 THREADS=2 ROUNDS=3
#        SECTIONS="core engines": core = health/KV/transit/logins; engines = PKI issuance and
#        database credentials against a local PostgreSQL started here)
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
  if [ -f "$WORK/pg/data/postmaster.pid" ]; then
    kill -9 "$(head -1 "$WORK/pg/data/postmaster.pid")" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "$0")/lib.sh"

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

# The machine's speed drifts (other tenants, CPU credit), within seconds: each workload quoted as
# a ratio alternates ROUNDS times between nginx and Arca, and the ratio is the median of the
# rounds' ratios (each Arca run against the nginx run right before it).
ROUNDS=${ROUNDS:-3}
SECTIONS=${SECTIONS:-core engines}
has_section() { [[ " $SECTIONS " == *" $1 "* ]]; }
NGINX_URL=""
run_vs_nginx() {
  local name=$1; shift
  local ratios=()
  for r in $(seq 1 "$ROUNDS"); do
    run_wrk "nginx_before_${name}_$r" "$NGINX_URL" > /dev/null
    run_wrk "${name}_$r" "$@" > /dev/null
    ratios+=("$(awk -v a="$(cat "$WORK/rps.${name}_$r")" \
      -v b="$(cat "$WORK/rps.nginx_before_${name}_$r")" 'BEGIN { printf "%.4f", a/b }')")
  done
  local rps nginx_rps
  rps=$(for r in $(seq 1 "$ROUNDS"); do cat "$WORK/rps.${name}_$r"; done | median)
  nginx_rps=$(for r in $(seq 1 "$ROUNDS"); do cat "$WORK/rps.nginx_before_${name}_$r"; done | median)
  printf '%-28s %12s req/s   (median of %s rounds; nginx %s; ratios %s)\n' "$name" "$rps" \
    "$ROUNDS" "$nginx_rps" "${ratios[*]}"
  echo "$rps" > "$WORK/rps.$name"
  printf '%s\n' "${ratios[@]}" | median > "$WORK/ratio.$name"
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

# KV v2 with a non-root token holding ten policies (the ACL is on the hot path).
for i in $(seq 1 10); do
  curl -sf -X PUT -H "X-Vault-Token: bench-root" \
    -d "{\"policy\": \"path \\\"secret/data/p$i/*\\\" { capabilities = [\\\"read\\\"] }\"}" \
    "$ADDR/v1/sys/policies/acl/p$i" >/dev/null
done
curl -sf -X PUT -H "X-Vault-Token: bench-root" \
  -d '{"policy": "path \"secret/data/bench\" { capabilities = [\"read\", \"create\", \"update\"] }"}' \
  "$ADDR/v1/sys/policies/acl/bench" >/dev/null
USER_TOKEN=$(curl -sf -X POST -H "X-Vault-Token: bench-root" \
  -d '{"policies": ["p1","p2","p3","p4","p5","p6","p7","p8","p9","bench"]}' \
  "$ADDR/v1/auth/token/create" | python3 -c 'import json,sys; print(json.load(sys.stdin)["auth"]["client_token"])')
curl -sf -X POST -H "X-Vault-Token: $USER_TOKEN" -d '{"data":{"value":"0123456789abcdef"}}' \
  "$ADDR/v1/secret/data/bench" >/dev/null

# --- Arca with file (LMDB) storage, for durable writes ---
DEV_ADDR=$ADDR
start_arca arca-file "storage \"file\" { path = \"$WORK/data\" }"
FADDR=$ADDR
FILE_TOKEN=$TOKEN
ADDR=$DEV_ADDR
write_kv_lua "$WORK/write.lua"

# --- transit: a non-root token, 64-byte plaintexts ---
curl -sf -X POST -H "X-Vault-Token: bench-root" -d '{"type":"transit"}' "$ADDR/v1/sys/mounts/transit" >/dev/null
curl -sf -X POST -H "X-Vault-Token: bench-root" "$ADDR/v1/transit/keys/bench" >/dev/null
curl -sf -X PUT -H "X-Vault-Token: bench-root" \
  -d '{"policy": "path \"transit/encrypt/bench\" { capabilities = [\"update\"] }"}' \
  "$ADDR/v1/sys/policies/acl/transit-bench" >/dev/null
TRANSIT_TOKEN=$(curl -sf -X POST -H "X-Vault-Token: bench-root" \
  -d '{"policies": ["transit-bench"]}' "$ADDR/v1/auth/token/create" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["auth"]["client_token"])')
PLAIN64=$(head -c 64 /dev/zero | tr '\0' 'a' | base64 -w0)
cat > "$WORK/encrypt.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"plaintext":"$PLAIN64"}'
LUA
python3 - "$PLAIN64" > "$WORK/batch.json" <<'PY'
import json, sys
print(json.dumps({"batch_input": [{"plaintext": sys.argv[1]} for _ in range(100)]}))
PY
cat > "$WORK/batch.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$WORK/batch.json")
wrk.body = f:read("*a")
f:close()
LUA

# --- logins: userpass (bcrypt cost 10) and AppRole ---
curl -sf -X POST -H "X-Vault-Token: bench-root" -d '{"type":"userpass"}' "$ADDR/v1/sys/auth/userpass" >/dev/null
curl -sf -X POST -H "X-Vault-Token: bench-root" -d '{"password":"bench-password"}' \
  "$ADDR/v1/auth/userpass/users/bench" >/dev/null
curl -sf -X POST -H "X-Vault-Token: bench-root" -d '{"type":"approle"}' "$ADDR/v1/sys/auth/approle" >/dev/null
curl -sf -X POST -H "X-Vault-Token: bench-root" -d '{"token_ttl":"1h"}' \
  "$ADDR/v1/auth/approle/role/bench" >/dev/null
ROLE_ID=$(curl -sf -H "X-Vault-Token: bench-root" "$ADDR/v1/auth/approle/role/bench/role-id" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["role_id"])')
SECRET_ID=$(curl -sf -X POST -H "X-Vault-Token: bench-root" "$ADDR/v1/auth/approle/role/bench/secret-id" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["secret_id"])')
cat > "$WORK/userpass.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"password":"bench-password"}'
LUA
cat > "$WORK/approle.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"role_id":"$ROLE_ID","secret_id":"$SECRET_ID"}'
LUA

echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per run, $(nproc) cores"
NGINX_URL="http://127.0.0.1:$NGINX_PORT/"
if has_section core; then
run_vs_nginx arca_sys_health "$ADDR/v1/sys/health"
run_vs_nginx arca_kv1_read -H "X-Vault-Token: bench-root" "$ADDR/v1/kv1/bench"
run_vs_nginx arca_kv2_read_10_policies -H "X-Vault-Token: $USER_TOKEN" "$ADDR/v1/secret/data/bench"
run_wrk arca_kv2_write_file -H "X-Vault-Token: $FILE_TOKEN" -s "$WORK/write.lua" "$FADDR"
run_vs_nginx arca_transit_encrypt -H "X-Vault-Token: $TRANSIT_TOKEN" -s "$WORK/encrypt.lua" \
  "$ADDR/v1/transit/encrypt/bench"
run_wrk arca_transit_batch100 -H "X-Vault-Token: $TRANSIT_TOKEN" -s "$WORK/batch.lua" \
  "$ADDR/v1/transit/encrypt/bench"
# p99 at half the peak encrypt rate (wrk2-style pacing is not in Debian's wrk: fewer connections).
CONNECTIONS_HALF=$(( CONNECTIONS / 4 > 0 ? CONNECTIONS / 4 : 1 ))
CONNECTIONS=$CONNECTIONS_HALF run_wrk arca_transit_encrypt_light -H "X-Vault-Token: $TRANSIT_TOKEN" \
  -s "$WORK/encrypt.lua" "$ADDR/v1/transit/encrypt/bench"
# With one file audit device on.
curl -sf -X POST -H "X-Vault-Token: bench-root" \
  -d "{\"type\":\"file\",\"options\":{\"file_path\":\"$WORK/audit.log\"}}" \
  "$ADDR/v1/sys/audit/file" >/dev/null
run_vs_nginx arca_transit_encrypt_audit -H "X-Vault-Token: $TRANSIT_TOKEN" -s "$WORK/encrypt.lua" \
  "$ADDR/v1/transit/encrypt/bench"

run_wrk arca_login_userpass -s "$WORK/userpass.lua" "$ADDR/v1/auth/userpass/login/bench"
run_wrk arca_login_approle -s "$WORK/approle.lua" "$ADDR/v1/auth/approle/login"
fi

# --- engines: PKI issuance (stored certificates) and database credentials ---
if has_section engines; then
pki_setup() {  # addr token
  curl -sf -X POST -H "X-Vault-Token: $2" -d '{"type":"pki","config":{"max_lease_ttl":"87600h"}}' \
    "$1/v1/sys/mounts/pki" >/dev/null
  curl -sf -X POST -H "X-Vault-Token: $2" \
    -d '{"common_name":"Bench Root","key_type":"ec","ttl":"87600h"}' "$1/v1/pki/root/generate/internal" >/dev/null
  curl -sf -X POST -H "X-Vault-Token: $2" -d '{"allow_any_name":true,"key_type":"ec","ttl":"24h"}' \
    "$1/v1/pki/roles/ec" >/dev/null
  curl -sf -X POST -H "X-Vault-Token: $2" -d '{"allow_any_name":true,"key_type":"rsa","key_bits":2048,"ttl":"24h"}' \
    "$1/v1/pki/roles/rsa" >/dev/null
}
pki_setup "$ADDR" bench-root
pki_setup "$FADDR" "$FILE_TOKEN"
cat > "$WORK/pki.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"common_name":"bench.example.com"}'
LUA
run_wrk arca_pki_issue_ec256 -H "X-Vault-Token: bench-root" -s "$WORK/pki.lua" "$ADDR/v1/pki/issue/ec"
run_wrk arca_pki_issue_ec256_file -H "X-Vault-Token: $FILE_TOKEN" -s "$WORK/pki.lua" "$FADDR/v1/pki/issue/ec"
run_wrk arca_pki_issue_rsa2048 -H "X-Vault-Token: bench-root" -s "$WORK/pki.lua" "$ADDR/v1/pki/issue/rsa"

# A local PostgreSQL 15 (run as the postgres user when we are root, as it insists).
PG_PORT=$(free_port)
mkdir -p "$WORK/pg"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg" && chmod 755 "$WORK"
echo bench-pg-password > "$WORK/pg/pw"
as_pg /usr/lib/postgresql/15/bin/initdb -D "$WORK/pg/data" -U bench --pwfile="$WORK/pg/pw" -A scram-sha-256 --no-sync >/dev/null
as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/log" -w \
  -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
curl -sf -X POST -H "X-Vault-Token: bench-root" -d '{"type":"database"}' "$ADDR/v1/sys/mounts/database" >/dev/null
curl -sf -X POST -H "X-Vault-Token: bench-root" -d "{\"plugin_name\":\"postgresql-database-plugin\",
  \"connection_url\":\"postgresql://{{username}}:{{password}}@127.0.0.1:$PG_PORT/postgres?sslmode=disable\",
  \"username\":\"bench\",\"password\":\"bench-pg-password\",\"allowed_roles\":\"ro\",\"max_open_connections\":8}" \
  "$ADDR/v1/database/config/pg" >/dev/null
curl -sf -X POST -H "X-Vault-Token: bench-root" -d '{"db_name":"pg","default_ttl":"1h",
  "creation_statements":["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '"'"'{{password}}'"'"' VALID UNTIL '"'"'{{expiration}}'"'"';"]}' \
  "$ADDR/v1/database/roles/ro" >/dev/null
run_wrk arca_database_creds_pg -H "X-Vault-Token: bench-root" "$ADDR/v1/database/creds/ro"
as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$WORK/pg/data" -m immediate stop >/dev/null
fi

if has_section core; then
awk -v a="$(cat "$WORK/rps.arca_transit_batch100")" 'BEGIN { printf "%-28s %12.0f items/s\n", "transit batch of 100", 100*a }'
for n in arca_sys_health arca_kv1_read arca_kv2_read_10_policies arca_transit_encrypt \
         arca_transit_encrypt_audit; do
  awk -v r="$(cat "$WORK/ratio.$n")" -v n="$n" \
    'BEGIN { printf "%-28s %6.1f%% of nginx (median of the rounds)\n", n, 100*r }'
done
fi
