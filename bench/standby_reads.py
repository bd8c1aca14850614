#!/usr/bin/env python3
"""Standby reads benchmark: three etcd members, one active Arca node and two standbys.

The nodes run storage "etcd" with ha_enabled = "true" (default lock settings, standby reads on,
the default staleness bound). KEYS KV v2 secrets are written on the active node; then wrk reads
them (GET /v1/secret/data/<key>, the root token, keys spread by a Lua script):

1. against each node alone (DURATION seconds each): req/s, and the CPU the node's process used
   (utime + stime from /proc/<pid>/stat) per read; during a standby's run the active node's CPU
   is reported too (what the standby costs it: the invalidation stream, and nothing per read);
2. against the three nodes at once (one wrk per node, the same connections each: a simple client
   that spreads its connections), req/s per node and in total.

Before the runs every standby must answer sys/health 473 (serving reads itself), and during its
run its ha.standby_served_requests counter must grow by the requests wrk completed (the reads
are its own, not forwarded). On this 2-core machine the total cannot scale with nodes (wrk and
three servers share two cores); the figure to compare is CPU per read on a standby against the
active node (goal: equal).

Not a test; never gates CI. Usage: bench/standby_reads.py path/to/arca
(env: DURATION=10 THREADS=1 CONNECTIONS=16 KEYS=100 KEEP_WORK=1 to keep logs)
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ARCA = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build-release/arca")
DURATION = int(os.environ.get("DURATION", "10"))
THREADS = int(os.environ.get("THREADS", "1"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "16"))
KEYS = int(os.environ.get("KEYS", "100"))
WORK = tempfile.mkdtemp(prefix="arca-standby-reads-")
PROCS = []
TICKS = os.sysconf("SC_CLK_TCK")


import functools  # noqa: E402

import benchlib  # noqa: E402
from benchlib import free_port, log, wait_until  # noqa: E402

call = functools.partial(benchlib.call, timeout=5.0)


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command: state is field 3, utime 14, stime 15 (1-based over the whole line).
    return (int(fields[11]) + int(fields[12])) / TICKS


def counter(port, suffix):
    """A counter of the node's own metrics (unauthenticated listener, Prometheus text)."""
    status, body = call(port, "GET", "/v1/sys/metrics?format=prometheus")
    if status != 200 or not isinstance(body, str):
        return None
    total = None
    for m in re.finditer(r"(?m)^[a-z_]*" + suffix + r"_total(\{[^}]*\})? ([0-9.e+]+)$", body):
        total = (total or 0) + float(m.group(2))
    return total


class Etcd:
    def __init__(self):
        self.members = [(free_port(), free_port()) for _ in range(3)]
        initial = ",".join(
            "s%d=http://127.0.0.1:%d" % (i, p) for i, (_, p) in enumerate(self.members))
        for i, (c, p) in enumerate(self.members):
            out = open(os.path.join(WORK, "etcd%d.log" % i), "w")
            PROCS.append(subprocess.Popen(
                ["etcd", "--name=s%d" % i, "--data-dir=" + os.path.join(WORK, "etcd%d" % i),
                 "--listen-client-urls=http://127.0.0.1:%d" % c,
                 "--advertise-client-urls=http://127.0.0.1:%d" % c,
                 "--listen-peer-urls=http://127.0.0.1:%d" % p,
                 "--initial-advertise-peer-urls=http://127.0.0.1:%d" % p,
                 "--initial-cluster=" + initial,
                 "--initial-cluster-token=arca-standby-reads-%d" % os.getpid(),
                 "--initial-cluster-state=new"],
                stdout=out, stderr=subprocess.STDOUT))
        for c, _ in self.members:
            wait_until("etcd member on port %d" % c, lambda c=c: call(c, "GET", "/health")[0] == 200)

    def addresses(self):
        return ",".join("http://127.0.0.1:%d" % c for c, _ in self.members)


class Node:
    def __init__(self, index, etcd_addresses):
        self.index = index
        self.port = free_port(pair=True)
        self.config = os.path.join(WORK, "arca%d.hcl" % index)
        with open(self.config, "w") as f:
            f.write("""storage "etcd" {
  address    = "%s"
  path       = "/arca-standby-reads/"
  ha_enabled = "true"
}
listener "tcp" {
  address     = "127.0.0.1:%d"
  tls_disable = true
  telemetry {
    unauthenticated_metrics_access = true
  }
}
api_addr      = "http://127.0.0.1:%d"
cluster_addr  = "https://127.0.0.1:%d"
disable_mlock = true
log_level     = "warn"
""" % (etcd_addresses, self.port, self.port, self.port + 1))
        out = open(os.path.join(WORK, "arca%d.log" % index), "w")
        self.proc = subprocess.Popen([ARCA, "server", "-config=" + self.config],
                                     stdout=out, stderr=subprocess.STDOUT)
        PROCS.append(self.proc)
        wait_until("arca node %d to listen" % index,
                   lambda: call(self.port, "GET", "/v1/sys/seal-status")[0] == 200)

    def unseal(self, keys):
        for k in keys:
            status, body = call(self.port, "PUT", "/v1/sys/unseal", {"key": k})
            if status != 200:
                raise RuntimeError("unseal of node %d: %s %s" % (self.index, status, body))
            if not body.get("sealed", True):
                return
        raise RuntimeError("node %d still sealed" % self.index)

    def health(self):
        return call(self.port, "GET", "/v1/sys/health", timeout=2.0)[0]


def wrk(port, token, duration=None):
    """Starts wrk reading the KEYS secrets on a node; returns the process."""
    script = os.path.join(WORK, "read.lua")
    if not os.path.exists(script):
        with open(script, "w") as f:
            f.write("""local n = 0
local keys = tonumber(os.getenv("KEYS"))
wrk.headers["X-Vault-Token"] = os.getenv("TOKEN")
request = function()
  n = n + 1
  return wrk.format("GET", "/v1/secret/data/bench-" .. (n %% keys))
end
response = function(status, headers, body)
  if status ~= 200 then wrk.thread:stop() end
end
""".replace("%%", "%"))
    env = dict(os.environ, TOKEN=token, KEYS=str(KEYS))
    return subprocess.Popen(
        ["wrk", "-t%d" % THREADS, "-c%d" % CONNECTIONS, "-d%ds" % (duration or DURATION),
         "-s", script, "http://127.0.0.1:%d" % port],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)


def wrk_result(proc):
    out, _ = proc.communicate()
    requests = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not requests:
        raise RuntimeError("wrk output not understood:\n" + out)
    if non2xx:
        raise RuntimeError("wrk saw failed reads:\n" + out)
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    return int(requests.group(1)), float(rps.group(1))


def main():
    ok = False
    try:
        if not os.access(ARCA, os.X_OK):
            raise RuntimeError("no arca binary at " + ARCA)
        etcd = Etcd()
        nodes = [Node(i, etcd.addresses()) for i in range(3)]
        status, init = call(nodes[0].port, "PUT", "/v1/sys/init",
                            {"secret_shares": 1, "secret_threshold": 1}, timeout=30)
        if status != 200:
            raise RuntimeError("init: %s %s" % (status, init))
        keys, root = init["keys"], init["root_token"]
        for n in nodes:
            n.unseal(keys)
        active = wait_until("an active node", lambda: next(
            (n for n in nodes if n.health() == 200), None), timeout=60)
        standbys = [n for n in nodes if n is not active]
        status, body = call(active.port, "POST", "/v1/sys/mounts/secret",
                            {"type": "kv", "options": {"version": "2"}}, token=root, timeout=30)
        if status not in (200, 204):
            raise RuntimeError("mount: %s %s" % (status, body))
        for i in range(KEYS):
            wait_until("write %d" % i, lambda i=i: call(
                active.port, "PUT", "/v1/secret/data/bench-%d" % i,
                {"data": {"value": "0123456789abcdef-%d" % i}}, token=root)[0] == 200)
        for s in standbys:
            wait_until("node %d serving reads (sys/health 473)" % s.index,
                       lambda s=s: s.health() == 473, timeout=60)
        log("standby reads: 3 etcd members, 1 active + 2 standbys (storage etcd, ha_enabled), "
            "KV v2 reads of %d keys, wrk -t%d -c%d -d%ds, %d cores"
            % (KEYS, THREADS, CONNECTIONS, DURATION, os.cpu_count()))

        # 1. Each node alone.
        per_node = {}
        for n in [active] + standbys:
            wrk(n.port, root, 2).communicate()  # warm the caches
            served0 = counter(n.port, "ha_standby_served_requests") or 0
            cpu0, other0 = cpu_seconds(n.proc.pid), cpu_seconds(active.proc.pid)
            requests, rps = wrk_result(wrk(n.port, root))
            cpu1, other1 = cpu_seconds(n.proc.pid), cpu_seconds(active.proc.pid)
            served = (counter(n.port, "ha_standby_served_requests") or 0) - served0
            role = "active" if n is active else "standby"
            per_read_us = (cpu1 - cpu0) / requests * 1e6
            line = ("node %d (%s): %.0f req/s, %d reads, CPU %.2f s = %.1f us per read"
                    % (n.index, role, rps, requests, cpu1 - cpu0, per_read_us))
            if n is not active:
                line += ("; served itself: %d; the active node's CPU meanwhile: %.2f s"
                         % (served, other1 - other0))
                if served < requests:
                    raise RuntimeError("node %d forwarded reads (served %d of %d)"
                                       % (n.index, served, requests))
            per_node[n.index] = (role, rps, per_read_us)
            log(line)
        act_us = per_node[active.index][2]
        for s in standbys:
            log("CPU per read, standby %d / active: %.2f" % (s.index, per_node[s.index][2] / act_us))

        # 2. All three at once.
        procs = [(n, wrk(n.port, root)) for n in [active] + standbys]
        total = 0.0
        parts = []
        for n, p in procs:
            _, rps = wrk_result(p)
            total += rps
            parts.append("node %d (%s) %.0f" % (n.index, "active" if n is active else "standby", rps))
        log("all three at once: %s; total %.0f req/s" % (", ".join(parts), total))
        ok = True
        return 0
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.environ.get("KEEP_WORK") or not ok:
            log("logs kept in " + WORK)
        else:
            shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        print("standby reads benchmark failed: %s" % e, file=sys.stderr)
        sys.exit(1)
