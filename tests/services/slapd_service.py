#!/usr/bin/env python3
"""A real OpenLDAP server (Debian's slapd) for the ldap auth method's tests.

Started on 127.0.0.1 in a temporary directory: a slapd.conf is generated (mdb database,
core/cosine/inetorgperson/nis schemas), a small directory is loaded with slapadd, and slapd
listens on a plain port (StartTLS available) and an ldaps:// port, with a CA and a server
certificate made by openssl for this run.

The directory (base dc=example,dc=org; DIRECTORY below is the source of truth):
  cn=admin,dc=example,dc=org        the rootdn, password "adminpw"
  cn=reader,dc=example,dc=org       a search account, password "readerpw"
  ou=people: uid=alice (alicepw), uid=bob (bobpw), uid=carol (carolpw, in no group),
             uid=x\\,y (a comma in the name; password "xypw"), uid=alice2 (alice2pw) whose
             description is "alice" (so a filter on description finds two users for "alice*")
  ou=groups: cn=devs (groupOfNames: alice), cn=ops (posixGroup: memberUid alice),
             cn=Admins (groupOfNames: bob)

`allow bind_anon_dn` is set: this server accepts an unauthenticated bind (a DN and an empty
password), so a test can show that Arca refuses an empty password itself.

Use from Python: `s = Slapd(dir); s.start(); ...; s.stop()`. From another language:
`python3 slapd_service.py --dir D` prints one JSON line (url, ldaps_url, ca_file, ...) once the
server answers and stops it when its stdin closes or it gets SIGTERM.
"""

import argparse
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time

BASE = "dc=example,dc=org"
ADMIN_DN = "cn=admin," + BASE
ADMIN_PASSWORD = "adminpw"
READER_DN = "cn=reader," + BASE
READER_PASSWORD = "readerpw"
PEOPLE = "ou=people," + BASE
GROUPS = "ou=groups," + BASE

USERS = {  # uid -> password
    "alice": "alicepw",
    "bob": "bobpw",
    "carol": "carolpw",
    "x,y": "xypw",
    "alice2": "alice2pw",
}


def _user_dn(uid):
    return "uid=" + uid.replace(",", "\\,") + "," + PEOPLE


def _ldif():
    out = [
        f"dn: {BASE}\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\n"
        "o: Example\ndc: example\n",
        f"dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: reader\nuserPassword: {READER_PASSWORD}\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
    ]
    for uid, pw in USERS.items():
        desc = "alice" if uid == "alice2" else uid
        out.append(
            f"dn: {_user_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\n"
            f"sn: {uid}\ndescription: {desc}\nuserPassword: {pw}\n")
    out.append(f"dn: cn=devs,{GROUPS}\nobjectClass: groupOfNames\ncn: devs\n"
               f"member: {_user_dn('alice')}\n")
    out.append(f"dn: cn=ops,{GROUPS}\nobjectClass: posixGroup\ncn: ops\ngidNumber: 1000\n"
               "memberUid: alice\n")
    out.append(f"dn: cn=Admins,{GROUPS}\nobjectClass: groupOfNames\ncn: Admins\n"
               f"member: {_user_dn('bob')}\n")
    return "\n".join(out)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    # slapd gets SIGKILL when the process that started it dies, however it dies.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL


def _run(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({p.returncode}): {p.stdout}")
    return p.stdout


class Slapd:
    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.proc = None
        self.port = 0
        self.ldaps_port = 0

    @property
    def url(self):
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self):
        return f"ldaps://127.0.0.1:{self.ldaps_port}"

    @property
    def ca_file(self):
        return os.path.join(self.dir, "ca.pem")

    def ca_pem(self):
        with open(self.ca_file) as f:
            return f.read()

    def _make_certs(self):
        d = self.dir
        _run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-nodes", "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem", "-days", "2",
              "-subj", "/CN=Arca test LDAP CA"])
        _run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
              "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr", "-subj", "/CN=127.0.0.1"])
        with open(f"{d}/ext.cnf", "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "extendedKeyUsage=serverAuth\n")
        _run(["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.pem",
              "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-out", f"{d}/server.pem", "-days", "2",
              "-extfile", f"{d}/ext.cnf"])

    def _write_config(self):
        d = self.dir
        os.makedirs(f"{d}/db", exist_ok=True)
        conf = f"""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {d}/slapd.pid
argsfile {d}/slapd.args
allow bind_anon_dn
TLSCACertificateFile {d}/ca.pem
TLSCertificateFile {d}/server.pem
TLSCertificateKeyFile {d}/server.key
database mdb
maxsize 67108864
suffix "{BASE}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {d}/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
"""
        with open(f"{d}/slapd.conf", "w") as f:
            f.write(conf)
        with open(f"{d}/data.ldif", "w") as f:
            f.write(_ldif())

    def start(self, timeout=30):
        os.makedirs(self.dir, exist_ok=True)
        if not os.path.exists(f"{self.dir}/server.pem"):
            self._make_certs()
            self._write_config()
            _run(["slapadd", "-q", "-f", f"{self.dir}/slapd.conf", "-l", f"{self.dir}/data.ldif"])
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if not self.port:
                self.port, self.ldaps_port = _free_port(), _free_port()
            with open(f"{self.dir}/slapd.log", "a") as log:
                self.proc = subprocess.Popen(
                    ["slapd", "-f", f"{self.dir}/slapd.conf", "-h",
                     f"{self.url}/ {self.ldaps_url}/", "-d", "0"],
                    stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_die_with_parent)
            while time.monotonic() < deadline and self.proc.poll() is None:
                p = subprocess.run(["ldapsearch", "-x", "-H", self.url, "-b", BASE, "-s", "base",
                                    "-o", "nettimeout=2", "dn"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                if p.returncode == 0:
                    return self
                last = p.stdout
                time.sleep(0.1)
            if self.proc.poll() is not None:  # a port was taken: try others
                with open(f"{self.dir}/slapd.log") as f:
                    last = f.read()[-2000:]
                self.port = 0
        self.stop()
        raise RuntimeError(f"slapd did not start: {last}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def info(self):
        return {"url": self.url, "ldaps_url": self.ldaps_url, "ca_file": self.ca_file,
                "base": BASE, "admin_dn": ADMIN_DN, "admin_password": ADMIN_PASSWORD,
                "reader_dn": READER_DN, "reader_password": READER_PASSWORD,
                "people": PEOPLE, "groups": GROUPS, "pid": self.proc.pid}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    s = Slapd(args.dir)
    try:
        s.start()
    except Exception as e:  # reported to the caller, which fails its test
        print(json.dumps({"error": str(e)}), flush=True)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: (s.stop(), sys.exit(0)))
    print(json.dumps(s.info()), flush=True)
    try:
        sys.stdin.read()
    finally:
        s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
