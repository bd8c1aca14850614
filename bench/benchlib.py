"""Helpers shared by the cluster benchmarks (bench/failover.py, bench/standby_reads.py)."""

import http.client
import json
import socket
import time


def log(msg):
    print(msg, flush=True)


def free_port(pair=False):
    """A free loopback port; with pair=True one whose successor is free too (cluster port)."""
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        if not pair:
            s.close()
            return port
        t = socket.socket()
        try:
            t.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
        finally:
            t.close()
            s.close()


def call(port, method, path, body=None, token=None, timeout=3.0):
    """(status, parsed JSON or text); status 0 on a transport error."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["X-Vault-Token"] = token
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        r = conn.getresponse()
        data = r.read()
        try:
            return r.status, json.loads(data) if data else {}
        except ValueError:
            return r.status, data.decode(errors="replace")
    except (OSError, http.client.HTTPException) as e:
        return 0, str(e)
    finally:
        conn.close()


def wait_until(what, predicate, timeout=60.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError("timed out waiting for " + what)
