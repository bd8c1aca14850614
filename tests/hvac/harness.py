"""Runs a real `arca server` for the hvac suites and hands out hvac clients against it.

Each test module starts its own server in setUpModule (dev mode, or a configured server for the
lifecycle suite) and stops it in tearDownModule. The binary comes from $ARCA_BINARY (ctest sets
it; see CMakeLists.txt). Run with /usr/bin/python3: Debian's python3-hvac (0.11.2) is installed
there, not in a pyenv interpreter that may come first on PATH.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import hvac

# Loopback requests must not go through a proxy from the environment.
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["no_proxy"] = "127.0.0.1,localhost"
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "VAULT_TOKEN",
              "VAULT_ADDR"):
    os.environ.pop(_name, None)

START_TIMEOUT_S = 20


def arca_binary():
    path = os.environ.get("ARCA_BINARY")
    if not path:
        raise unittest.SkipTest("ARCA_BINARY is not set (ctest sets it)")
    return path


_address_file_support = None


def server_reports_its_port():
    """Whether `arca server` takes -listener-address-file (port 0, bound URL written to a file)."""
    global _address_file_support
    if _address_file_support is None:
        out = subprocess.run([arca_binary(), "server", "-h"], stdin=subprocess.DEVNULL,
                             capture_output=True, env=_child_env(), timeout=30)
        _address_file_support = b"-listener-address-file" in out.stdout + out.stderr
    return _address_file_support


def free_port():
    """A loopback TCP port that was free a moment ago (racy: only for servers that cannot bind
    port 0 and report it; see ArcaServer.__init__)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("VAULT_") and not k.startswith("ARCA_")}
    # A server built with sanitizers: leak checks at exit are not what these suites test.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    return env


class ArcaServer:
    """One `arca server` child process with its own temporary directory."""

    def __init__(self, dev=True):
        self.dir = tempfile.mkdtemp(prefix="arca-hvac-")
        # Port handling lives here: with -listener-address-file the server binds port 0 and
        # writes its URL once it serves; otherwise a free port is picked first (racy stop-gap).
        self._address_file = None
        if server_reports_its_port():
            self.port = 0
            self._address_file = os.path.join(self.dir, "listener-address")
        else:
            self.port = free_port()
        self.root_token = None
        self._clients = []
        self.log_path = os.path.join(self.dir, "server.log")
        args = [arca_binary(), "server"]
        if dev:
            # A random root token per server: tests check lookup-self answers with it.
            self.root_token = "hvs.test" + secrets.token_hex(12)
            args += ["-dev", "-dev-root-token-id=" + self.root_token,
                     "-dev-listen-address=127.0.0.1:%d" % self.port]
        else:
            cfg = os.path.join(self.dir, "arca.hcl")
            with open(cfg, "w") as f:
                f.write(self.config())
            args += ["-config=" + cfg]
        if self._address_file:
            args += ["-listener-address-file=" + self._address_file]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=_child_env(), cwd=self.dir)
        self._wait_ready()
        self.addr = "http://127.0.0.1:%d" % self.port

    def config(self):
        """File storage in the temporary directory, one plain-HTTP loopback listener."""
        return ('storage "file" {\n  path = "%s"\n}\n\n'
                'listener "tcp" {\n  address = "127.0.0.1:%d"\n  tls_disable = true\n}\n\n'
                'disable_mlock = true\nlog_level = "warn"\ncluster_name = "hvac-suite"\n'
                % (os.path.join(self.dir, "data"), self.port))

    def _ready(self):
        if self._address_file:
            if not os.path.exists(self._address_file):  # written (renamed) once serving
                return False
            with open(self._address_file) as f:
                url = f.readline().strip()
            self.port = int(url.rsplit(":", 1)[1])
            return True
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def _wait_ready(self):
        # Waits for the server's own readiness signal, not for some amount of time.
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("arca server exited with %s:\n%s"
                                   % (self.proc.returncode, self.log()))
            if self._ready():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("arca server was not ready within %ds:\n%s"
                           % (START_TIMEOUT_S, self.log()))

    def client(self, token=None):
        # "" (not None): hvac would otherwise read VAULT_TOKEN or ~/.vault-token.
        if token is None:
            token = self.root_token or ""
        c = hvac.Client(url=self.addr, token=token)
        self._clients.append(c)
        return c

    def close_clients(self):
        """Closes the HTTP sessions of the clients handed out so far."""
        for c in self._clients:
            c.adapter.close()
        self._clients = []

    def raw(self, method, path, body=None, token=None, headers=None):
        """One HTTP request; returns (status, headers, parsed JSON body or None, raw bytes)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.addr + path, data=data, method=method)
        if token is not None:
            req.add_header("X-Vault-Token", token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, hdrs, raw = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, raw = e.code, dict(e.headers), e.read()
        parsed = None
        if raw and hdrs.get("Content-Type", "").startswith("application/json"):
            parsed = json.loads(raw)
        return status, hdrs, parsed, raw

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        self.close_clients()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class ServerTestCase(unittest.TestCase):
    """Tests against the module's server (set `server` in setUpModule via `start_dev_server`)."""

    server = None

    def setUp(self):
        self.assertIsNotNone(ServerTestCase.server, "setUpModule did not start a server")
        self.server = ServerTestCase.server
        self.client = self.server.client()

    def tearDown(self):
        self.server.close_clients()

    def unique(self, prefix):
        return "%s-%s" % (prefix, secrets.token_hex(4))


def start_dev_server():
    ServerTestCase.server = ArcaServer(dev=True)
    return ServerTestCase.server


def stop_server():
    if ServerTestCase.server is not None:
        ServerTestCase.server.stop()
        ServerTestCase.server = None
