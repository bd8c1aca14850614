# Helpers shared by the bench scripts (sourced, not run). The caller sets WORK (a scratch
# directory) and PIDS (an array of processes its cleanup kills) first.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# start_etcd NAME: one etcd member on loopback in $WORK/etcd (defaults: WAL fsync per
# acknowledgement); waits until healthy. Sets ETCD (its client URL) and ETCD_PID.
start_etcd() {
  local cport pport
  cport=$(free_port); pport=$(free_port)
  etcd --name "$1" --data-dir "$WORK/etcd" \
    --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
    --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "$1=http://127.0.0.1:$pport" > "$WORK/etcd.log" 2>&1 &
  ETCD_PID=$!
  PIDS+=("$ETCD_PID")
  wait_port "$cport" || { cat "$WORK/etcd.log"; exit 1; }
  ETCD="http://127.0.0.1:$cport"
  for _ in $(seq 1 100); do curl -sf "$ETCD/health" | grep -q '"health":"true"' && break; sleep 0.1; done
}

# start_arca NAME STORAGE_STANZA [EXTRA_CONFIG]: `$ARCA server` on a free loopback port with that
# storage, initialised (1 share), unsealed, KV v2 mounted at secret/. Sets ADDR and TOKEN.
start_arca() {
  local port root
  port=$(free_port)
  cat > "$WORK/$1.hcl" <<CONF
$2
listener "tcp" {
  address = "127.0.0.1:$port"
  tls_disable = true
}
disable_mlock = true
log_level = "error"
${3:-}
CONF
  "$ARCA" server -config="$WORK/$1.hcl" > "$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port" || { cat "$WORK/$1.log"; exit 1; }
  ADDR="http://127.0.0.1:$port"
  root=$(curl -sf -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$ADDR/v1/sys/init" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["keys"][0], d["root_token"])')
  curl -sf -X PUT -d "{\"key\":\"${root%% *}\"}" "$ADDR/v1/sys/unseal" >/dev/null
  TOKEN=${root##* }
  # With ha_enabled the node is a standby until it has taken the lock.
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$ADDR/v1/sys/health")" = 200 ] && break; sleep 0.1
  done
  curl -sf -X POST -H "X-Vault-Token: $TOKEN" -d '{"type":"kv","options":{"version":"2"}}' \
    "$ADDR/v1/sys/mounts/secret" >/dev/null
}

# write_kv_lua FILE: a wrk script writing KV v2 secrets secret/data/w<n % 1000>, 16-byte values.
write_kv_lua() {
  cat > "$1" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/v1/secret/data/w" .. (counter % 1000), nil,
                    '{"data":{"value":"0123456789abcdef"}}')
end
LUA
}
