#!/usr/bin/env python3
"""Failover benchmark: three etcd members and three `arca server` nodes on loopback.

The nodes run storage "etcd" with ha_enabled = "true" and the default lock settings (nothing
about the lock is configured). They are initialised once and unsealed with the same Shamir keys.
Writers put KV v2 secrets without pause, WRITERS_PER_NODE per node: through the standbys (which
forward to the active node) and directly to the active node. Then the active node is stopped
(`kill -9`, then SIGTERM for a graceful hand-over) and the time is measured from the signal to
the first successful write accepted by the new active node: a 2xx answer to a write that was sent
after the signal and completed after the moment the new active node reports it became active
(its sys/leader active_time). The stopped node is started and unsealed again (it comes back as a
standby) before the next round. Prints each round and min/median/max per signal.

Not a test; never gates CI. Usage: bench/failover.py path/to/arca
(env: ROUNDS=3 WRITERS_PER_NODE=2 GOAL_SECONDS=5 ROUND_TIMEOUT=60 KEEP_WORK=1 to keep logs)
"""

import datetime
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ARCA = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build-release/arca")
ROUNDS = int(os.environ.get("ROUNDS", "3"))
WRITERS_PER_NODE = int(os.environ.get("WRITERS_PER_NODE", "2"))
GOAL = float(os.environ.get("GOAL_SECONDS", "5"))
ROUND_TIMEOUT = float(os.environ.get("ROUND_TIMEOUT", "60"))
WORK = tempfile.mkdtemp(prefix="arca-failover-")
PROCS = []


from benchlib import call, free_port, log, wait_until  # noqa: E402


def parse_rfc3339(text):
    """Seconds since the epoch of an RFC 3339 time (nanoseconds cut to microseconds)."""
    if not text or text.startswith("0001-01-01"):
        return None
    t = text.replace("Z", "+00:00")
    if "." in t:
        head, rest = t.split(".", 1)
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        t = head + "." + (digits + "000000")[:6] + rest
    return datetime.datetime.fromisoformat(t).timestamp()


def healthy(etcd_port):
    status, body = call(etcd_port, "GET", "/health", timeout=1.0)
    return status == 200 and isinstance(body, dict) and body.get("health") == "true"


# --- three etcd members ---------------------------------------------------------------------
class Etcd:
    def __init__(self):
        self.members = [(free_port(), free_port()) for _ in range(3)]
        initial = ",".join(
            "f%d=http://127.0.0.1:%d" % (i, p) for i, (_, p) in enumerate(self.members))
        for i, (c, p) in enumerate(self.members):
            out = open(os.path.join(WORK, "etcd%d.log" % i), "w")
            PROCS.append(subprocess.Popen(
                ["etcd", "--name=f%d" % i, "--data-dir=" + os.path.join(WORK, "etcd%d" % i),
                 "--listen-client-urls=http://127.0.0.1:%d" % c,
                 "--advertise-client-urls=http://127.0.0.1:%d" % c,
                 "--listen-peer-urls=http://127.0.0.1:%d" % p,
                 "--initial-advertise-peer-urls=http://127.0.0.1:%d" % p,
                 "--initial-cluster=" + initial,
                 "--initial-cluster-token=arca-failover-%d" % os.getpid(),
                 "--initial-cluster-state=new"],
                stdout=out, stderr=subprocess.STDOUT))
        for c, _ in self.members:
            wait_until("etcd member on port %d" % c, lambda c=c: healthy(c))

    def addresses(self):
        return ",".join("http://127.0.0.1:%d" % c for c, _ in self.members)


# --- three Arca nodes -----------------------------------------------------------------------
class Node:
    def __init__(self, index, etcd_addresses):
        self.index = index
        self.port = free_port(pair=True)
        self.config = os.path.join(WORK, "arca%d.hcl" % index)
        with open(self.config, "w") as f:
            f.write("""storage "etcd" {
  address    = "%s"
  path       = "/arca-failover/"
  ha_enabled = "true"
}
listener "tcp" {
  address     = "127.0.0.1:%d"
  tls_disable = true
}
api_addr      = "http://127.0.0.1:%d"
cluster_addr  = "https://127.0.0.1:%d"
disable_mlock = true
log_level     = "info"
""" % (etcd_addresses, self.port, self.port, self.port + 1))
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        out = open(os.path.join(WORK, "arca%d.%d.log" % (self.index, self.starts)), "w")
        self.proc = subprocess.Popen([ARCA, "server", "-config=" + self.config],
                                     stdout=out, stderr=subprocess.STDOUT)
        PROCS.append(self.proc)
        wait_until("arca node %d to listen" % self.index,
                   lambda: call(self.port, "GET", "/v1/sys/seal-status")[0] == 200)

    def unseal(self, keys):
        for k in keys:
            status, body = call(self.port, "PUT", "/v1/sys/unseal", {"key": k})
            if status != 200:
                raise RuntimeError("unseal of node %d: %s %s" % (self.index, status, body))
            if not body.get("sealed", True):
                return
        raise RuntimeError("node %d still sealed after the threshold of keys" % self.index)

    def leader(self):
        status, body = call(self.port, "GET", "/v1/sys/leader", timeout=1.0)
        return body if status == 200 and isinstance(body, dict) else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def active_node(nodes):
    for n in nodes:
        if n.alive():
            lead = n.leader()
            if lead and lead.get("ha_enabled") and lead.get("is_self"):
                return n
    return None


# --- writers --------------------------------------------------------------------------------
class Writers:
    """WRITERS_PER_NODE threads per node, each putting KV v2 secrets in a loop on its node."""

    def __init__(self, nodes, token):
        self.nodes, self.token = nodes, token
        self.stop = False
        self.lock = threading.Lock()
        self.events = []  # (start monotonic, end monotonic, end wall, node index, status)
        self.threads = [threading.Thread(target=self.run, args=(n, w), daemon=True)
                        for n in nodes for w in range(WRITERS_PER_NODE)]
        for t in self.threads:
            t.start()

    def run(self, node, w):
        body = json.dumps({"data": {"value": "0123456789abcdef"}})
        headers = {"Content-Type": "application/json", "X-Vault-Token": self.token}
        conn, seq = None, 0
        while not self.stop:
            seq += 1
            started = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=3.0)
                conn.request("PUT", "/v1/secret/data/n%d-w%d-%d" % (node.index, w, seq % 500),
                             body, headers)
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                status = 0
                if conn is not None:
                    conn.close()
                conn = None
            with self.lock:
                self.events.append((started, time.monotonic(), time.time(), node.index, status))
            if status < 200 or status >= 300:
                time.sleep(0.01)  # a failed write is retried after 10 ms, as a client would

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def close(self):
        self.stop = True
        for t in self.threads:
            t.join(timeout=5)


def one_round(nodes, keys, writers, sig):
    old = wait_until("an active node", lambda: active_node(nodes), timeout=ROUND_TIMEOUT)
    # Writes are flowing on the active node before the signal (and through the standbys when
    # they forward: counted, not required, so that the figure exists without forwarding too).
    mark = time.monotonic()
    wait_until("writes succeeding on the active node", lambda: any(
        e[0] >= mark and e[3] == old.index and 200 <= e[4] < 300 for e in writers.snapshot()),
        timeout=30)
    time.sleep(0.5)  # a steady stream, not the first write after a restart
    forwarded = sum(1 for e in writers.snapshot()
                    if e[0] >= mark and e[3] != old.index and 200 <= e[4] < 300)
    t0 = time.monotonic()
    wall0 = time.time()
    os.kill(old.proc.pid, sig)
    # The new active node, and when it says it became active.
    new = wait_until("a new active node",
                     lambda: next((n for n in nodes if n is not old and n.alive()
                                   and (n.leader() or {}).get("is_self")), None),
                     timeout=ROUND_TIMEOUT, interval=0.02)
    active_since = parse_rfc3339((new.leader() or {}).get("active_time", ""))

    def first_write():
        for started, ended, wall, idx, status in writers.snapshot():
            if started < t0 or idx == old.index or not 200 <= status < 300:
                continue
            if active_since is not None and wall < active_since:
                continue
            return ended
        return None

    ended = wait_until("a write accepted by the new active node", first_write,
                       timeout=ROUND_TIMEOUT, interval=0.02)
    failed = sum(1 for e in writers.snapshot()
                 if t0 <= e[0] <= ended and not 200 <= e[4] < 300 and e[3] != old.index)
    takeover = active_since - wall0 if active_since is not None else None
    try:
        old.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        old.proc.kill()
        old.proc.wait()
    # The stopped node comes back as a standby for the next round.
    old.start()
    old.unseal(keys)
    wait_until("node %d back as a standby" % old.index,
               lambda: (old.leader() or {}).get("ha_enabled")
               and not (old.leader() or {}).get("is_self"), timeout=ROUND_TIMEOUT)
    return ended - t0, takeover, failed, old.index, new.index, forwarded


def main():
    nodes = []
    writers = None
    ok = False
    try:
        if not os.access(ARCA, os.X_OK):
            raise RuntimeError("no arca binary at " + ARCA)
        etcd = Etcd()
        nodes = [Node(i, etcd.addresses()) for i in range(3)]
        nodes[0].start()
        status, init = call(nodes[0].port, "PUT", "/v1/sys/init",
                            {"secret_shares": 3, "secret_threshold": 2}, timeout=30)
        if status != 200:
            raise RuntimeError("init: %s %s" % (status, init))
        keys, root = init["keys"][:2], init["root_token"]
        nodes[0].unseal(keys)
        for n in nodes[1:]:
            n.start()
            n.unseal(keys)
        active = wait_until("an active node", lambda: active_node(nodes), timeout=ROUND_TIMEOUT)
        status, body = call(active.port, "POST", "/v1/sys/mounts/secret",
                            {"type": "kv", "options": {"version": "2"}}, token=root, timeout=30)
        if status not in (200, 204):
            raise RuntimeError("mount: %s %s" % (status, body))
        wait_until("the KV v2 mount to take writes", lambda: call(
            active.port, "PUT", "/v1/secret/data/probe", {"data": {"v": 1}}, token=root)[0] == 200)

        writers = Writers(nodes, root)
        log("failover: 3 etcd members, 3 arca nodes (storage etcd, ha_enabled, default lock "
            "settings), %d writers per node, %d cores" % (WRITERS_PER_NODE, os.cpu_count()))
        results = {}
        for name, sig in (("kill -9", signal.SIGKILL), ("SIGTERM", signal.SIGTERM)):
            for r in range(1, ROUNDS + 1):
                secs, takeover, failed, old, new, fwd = one_round(nodes, keys, writers, sig)
                results.setdefault(name, []).append(secs)
                log("%-8s round %d: node %d -> node %d: first write on the new active node "
                    "after %.3f s (became active after %s; %d failed writes meanwhile; %d "
                    "writes through standbys in the 0.5 s before)"
                    % (name, r, old, new, secs,
                       "%.3f s" % takeover if takeover is not None else "?", failed, fwd))
        for name, values in results.items():
            worst = max(values)
            log("%-8s failover: min %.3f s, median %.3f s, max %.3f s (goal <= %.0f s: %s)"
                % (name, min(values), statistics.median(values), worst, GOAL,
                   "met" if worst <= GOAL else "MISSED"))
        ok = True
        return 0
    finally:
        if writers is not None:
            writers.close()
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
        print("failover benchmark failed: %s" % e, file=sys.stderr)
        sys.exit(1)
