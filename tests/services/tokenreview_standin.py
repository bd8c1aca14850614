#!/usr/bin/env python3
"""A STAND-IN for the Kubernetes API server's token endpoints, for Arca's tests only. It is not
Kubernetes and not an API server.

No Kubernetes API server is packaged in Debian, so the kubernetes auth method is tested against
this small HTTPS server on 127.0.0.1. It answers the requests the auth method and its tests make,
with Kubernetes' paths, objects and status codes:

  POST   /apis/authentication.k8s.io/v1/tokenreviews          TokenReview (201)
  POST   /api/v1/namespaces/NS/serviceaccounts/NAME/token     TokenRequest: mint a token (201)
  POST   /api/v1/namespaces/NS/serviceaccounts                create a service account (201)
  DELETE /api/v1/namespaces/NS/serviceaccounts/NAME           delete it: its tokens stop working

Every request needs a bearer token: the --admin-token (cluster-admin: everything), or a service
account token (it may create TokenReviews only when its account was given with --reviewer, as a
binding to system:auth-delegator would allow). A missing or invalid bearer token gets 401, a
forbidden request 403, both as Kubernetes Status objects.

Tokens are real JWTs signed RS256 with a key made at start (its public key is written to
DIR/sa.pub, and in a self-signed certificate to DIR/sa.crt): projected tokens ("kubernetes.io": {namespace, serviceaccount: {name, uid}},
audiences, expiry) from TokenRequest, and old secret-based ones ("kubernetes.io/serviceaccount/..."
claims, issuer "kubernetes/serviceaccount", no audience, no expiry) from the test-only
POST /_standin/legacy-token {"namespace", "name", "secret"} (admin only). A TokenReview
authenticates a token when its signature verifies, it has not expired, its account still exists
with the same uid, and (projected tokens) one of its audiences is among those asked for, or the
API audience (--api-audience, default the issuer) when none are; status.audiences is that
intersection. Unauthenticated reviews carry status.error, as Kubernetes' do.

TLS: a CA and a server certificate for 127.0.0.1 / localhost are made at start (DIR/ca.crt);
DIR/other-ca.crt is an unrelated CA, for "wrong CA" tests.

Usage:
  tokenreview_standin.py --dir DIR [--port 0] [--admin-token T]
                         [--service-account NS:NAME]... [--reviewer NS:NAME]...
                         [--issuer URL] [--api-audience AUD]
Prints "PORT <n>" on stdout once it listens. GET /_standin/stats (admin) returns counters.
"""

import argparse
import datetime
import json
import os
import re
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt as pyjwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
import ipaddress

LEGACY_ISSUER = "kubernetes/serviceaccount"


def status_object(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


class Cluster:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.issuer = args.issuer
        self.api_audiences = [args.api_audience or args.issuer]
        self.admin_token = args.admin_token
        self.accounts = {}  # (ns, name) -> uid
        for sa in args.service_account:
            ns, name = sa.split(":", 1)
            self.accounts[(ns, name)] = str(uuid.uuid4())
        self.reviewers = set(tuple(r.split(":", 1)) for r in args.reviewer)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex
        self.stats = {"tokenreviews": 0, "authenticated": 0, "unauthorized": 0, "forbidden": 0}

    def public_pem(self):
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def certificate_pem(self):
        """The signing key's public key in a self-signed certificate (clients that accept only
        certificates for pem_keys, such as hvac)."""
        now = datetime.datetime.now(datetime.timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "service-account-signer")])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .sign(self.key, hashes.SHA256()))
        return cert.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, claims):
        return pyjwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def mint(self, ns, name, audiences, seconds):
        with self.lock:
            uid = self.accounts.get((ns, name))
        if uid is None:
            return None
        now = int(time.time())
        claims = {"aud": audiences or self.api_audiences, "exp": now + seconds, "iat": now,
                  "nbf": now, "iss": self.issuer, "sub": "system:serviceaccount:%s:%s" % (ns, name),
                  "kubernetes.io": {"namespace": ns,
                                    "serviceaccount": {"name": name, "uid": uid}}}
        return self.sign(claims), now + seconds

    def mint_legacy(self, ns, name, secret):
        with self.lock:
            uid = self.accounts.get((ns, name))
        if uid is None:
            return None
        return self.sign({"iss": LEGACY_ISSUER, "sub": "system:serviceaccount:%s:%s" % (ns, name),
                          "kubernetes.io/serviceaccount/namespace": ns,
                          "kubernetes.io/serviceaccount/secret.name": secret,
                          "kubernetes.io/serviceaccount/service-account.name": name,
                          "kubernetes.io/serviceaccount/service-account.uid": uid})

    def authenticate(self, token, audiences):
        """(user dict, audiences) for a valid service account token, else (None, error)."""
        try:
            claims = pyjwt.decode(token, self.key.public_key(), algorithms=["RS256"],
                                  options={"verify_aud": False, "require": []})
        except pyjwt.PyJWTError as e:
            return None, "invalid bearer token, %s" % e
        if "kubernetes.io" in claims:
            if claims.get("iss") != self.issuer:
                return None, "invalid bearer token, issuer not trusted"
            k = claims["kubernetes.io"]
            ns, sa = k.get("namespace"), k.get("serviceaccount") or {}
            name, uid = sa.get("name"), sa.get("uid")
            aud = claims.get("aud") or []
            if isinstance(aud, str):
                aud = [aud]
            wanted = audiences or self.api_audiences
            got = [a for a in wanted if a in aud]
            if not got:
                return None, ("invalid bearer token, token audiences %s is invalid for the target "
                              "audiences %s" % (json.dumps(aud), json.dumps(wanted)))
        elif claims.get("iss") == LEGACY_ISSUER:
            ns = claims.get("kubernetes.io/serviceaccount/namespace")
            name = claims.get("kubernetes.io/serviceaccount/service-account.name")
            uid = claims.get("kubernetes.io/serviceaccount/service-account.uid")
            got = audiences or self.api_audiences  # audience-agnostic
        else:
            return None, "invalid bearer token, issuer not trusted"
        with self.lock:
            current = self.accounts.get((ns, name))
        if current is None or current != uid:
            return None, ("invalid bearer token, service account %s/%s has been deleted"
                          % (ns, name))
        user = {"username": "system:serviceaccount:%s:%s" % (ns, name), "uid": uid,
                "groups": ["system:serviceaccounts", "system:serviceaccounts:" + ns,
                           "system:authenticated"]}
        return user, got


def make_tls(directory):
    """A CA, a server certificate it signs (127.0.0.1, localhost) and an unrelated CA."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def ca(cn):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                             False), critical=True)
                .sign(key, hashes.SHA256()))
        return key, cert

    ca_key, ca_cert = ca("stand-in kubernetes CA")
    _, other_cert = ca("unrelated CA")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)
    with open(os.path.join(directory, "ca.crt"), "wb") as f:
        f.write(pem(ca_cert))
    with open(os.path.join(directory, "other-ca.crt"), "wb") as f:
        f.write(pem(other_cert))
    with open(os.path.join(directory, "server.crt"), "wb") as f:
        f.write(pem(cert))
    key_path = os.path.join(directory, "server.key")
    with open(os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return os.path.join(directory, "server.crt"), key_path


TOKEN_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/serviceaccounts/([^/]+)/token$")
SA_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/serviceaccounts(?:/([^/]+))?$")


class Handler(BaseHTTPRequestHandler):
    cluster = None
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: tokens must not reach a log either
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    def caller(self):
        """"admin", ("sa", ns, name) or None (401 already sent)."""
        c = self.cluster
        auth = self.headers.get("Authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else ""
        if token and c.admin_token and token == c.admin_token:
            return "admin"
        user, _ = c.authenticate(token, None) if token else (None, None)
        if user is None:
            with c.lock:
                c.stats["unauthorized"] += 1
            self.reply(401, status_object(401, "Unauthorized", "Unauthorized"))
            return None
        _, _, ns, name = user["username"].split(":")
        return ("sa", ns, name)

    def forbid(self, who, verb, resource, group):
        with self.cluster.lock:
            self.cluster.stats["forbidden"] += 1
        user = "system:serviceaccount:%s:%s" % (who[1], who[2])
        self.reply(403, status_object(
            403, "Forbidden", '%s.%s is forbidden: User "%s" cannot %s resource "%s" in API group '
            '"%s" at the cluster scope' % (resource, group, user, verb, resource, group)))

    def do_POST(self):
        c = self.cluster
        who = self.caller()
        if who is None:
            return
        body = self.body()
        if body is None or not isinstance(body, dict):
            self.reply(400, status_object(400, "BadRequest", "the body is not a JSON object"))
            return
        if self.path == "/apis/authentication.k8s.io/v1/tokenreviews":
            if who != "admin" and (who[1], who[2]) not in c.reviewers:
                self.forbid(who, "create", "tokenreviews", "authentication.k8s.io")
                return
            spec = body.get("spec") or {}
            token = spec.get("token") or ""
            audiences = spec.get("audiences") or []
            with c.lock:
                c.stats["tokenreviews"] += 1
            user, got = c.authenticate(token, audiences) if token else (None, "token missing")
            if user is None:
                status = {"user": {}, "error": "[%s]" % got}
            else:
                with c.lock:
                    c.stats["authenticated"] += 1
                status = {"authenticated": True, "user": user, "audiences": got}
            self.reply(201, {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
                             "metadata": {"creationTimestamp": None}, "spec": spec,
                             "status": status})
            return
        if who != "admin":
            self.forbid(who, "create", "serviceaccounts", "")
            return
        m = TOKEN_PATH.match(self.path)
        if m:
            spec = body.get("spec") or {}
            minted = c.mint(m.group(1), m.group(2), spec.get("audiences") or [],
                            int(spec.get("expirationSeconds") or 3600))
            if minted is None:
                self.reply(404, status_object(404, "NotFound", 'serviceaccounts "%s" not found'
                                              % m.group(2)))
                return
            token, exp = minted
            expires = datetime.datetime.fromtimestamp(exp, datetime.timezone.utc)
            self.reply(201, {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                             "spec": spec,
                             "status": {"token": token, "expirationTimestamp":
                                        expires.strftime("%Y-%m-%dT%H:%M:%SZ")}})
            return
        m = SA_PATH.match(self.path)
        if m and not m.group(2):
            name = (body.get("metadata") or {}).get("name") or ""
            with c.lock:
                if (m.group(1), name) in c.accounts:
                    self.reply(409, status_object(409, "AlreadyExists",
                                                  'serviceaccounts "%s" already exists' % name))
                    return
                uid = str(uuid.uuid4())
                c.accounts[(m.group(1), name)] = uid
            self.reply(201, {"kind": "ServiceAccount", "apiVersion": "v1",
                             "metadata": {"name": name, "namespace": m.group(1), "uid": uid}})
            return
        if self.path == "/_standin/legacy-token":
            token = c.mint_legacy(body.get("namespace"), body.get("name"),
                                  body.get("secret") or "token")
            if token is None:
                self.reply(404, status_object(404, "NotFound", "service account not found"))
                return
            self.reply(200, {"token": token})
            return
        self.reply(404, status_object(404, "NotFound", "the server could not find the resource"))

    def do_DELETE(self):
        c = self.cluster
        who = self.caller()
        if who is None:
            return
        if who != "admin":
            self.forbid(who, "delete", "serviceaccounts", "")
            return
        m = SA_PATH.match(self.path)
        if not m or not m.group(2):
            self.reply(404, status_object(404, "NotFound", "the server could not find the resource"))
            return
        with c.lock:
            uid = c.accounts.pop((m.group(1), m.group(2)), None)
        if uid is None:
            self.reply(404, status_object(404, "NotFound", 'serviceaccounts "%s" not found'
                                          % m.group(2)))
            return
        self.reply(200, {"kind": "ServiceAccount", "apiVersion": "v1",
                         "metadata": {"name": m.group(2), "namespace": m.group(1), "uid": uid}})

    def do_GET(self):
        c = self.cluster
        who = self.caller()
        if who is None:
            return
        if self.path == "/_standin/stats" and who == "admin":
            with c.lock:
                self.reply(200, dict(c.stats))
            return
        self.reply(404, status_object(404, "NotFound", "the server could not find the resource"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--admin-token", default="")
    p.add_argument("--service-account", action="append", default=[])
    p.add_argument("--reviewer", action="append", default=[])
    p.add_argument("--issuer", default="https://kubernetes.default.svc.cluster.local")
    p.add_argument("--api-audience", default="")
    args = p.parse_args()
    for r in args.reviewer + args.service_account:
        if ":" not in r:
            p.error("service accounts are NAMESPACE:NAME")
    cluster = Cluster(args)
    # Reviewers are service accounts too.
    for r in args.reviewer:
        ns, name = r.split(":", 1)
        cluster.accounts.setdefault((ns, name), str(uuid.uuid4()))
    with open(os.path.join(args.dir, "sa.pub"), "w") as f:
        f.write(cluster.public_pem())
    with open(os.path.join(args.dir, "sa.crt"), "w") as f:
        f.write(cluster.certificate_pem())
    cert, key = make_tls(args.dir)
    Handler.cluster = cluster
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
