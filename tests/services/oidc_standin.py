#!/usr/bin/env python3
"""A STAND-IN for an OpenID Connect provider, for Arca's tests only. It is not an identity
provider: it has no users, no login page and no security of its own beyond what the tests check.

No real IdP is reachable from the test machines, so the jwt/oidc auth method is tested against
this small server on 127.0.0.1. It serves:

  GET  /.well-known/openid-configuration   the discovery document (issuer = its base URL)
  GET  /jwks                               its public key (RS256, kid "standin-1") as a JWK set
  GET  /authorize                          "auto-approves" the user: 302 to redirect_uri with
                                           code and state (what a browser would follow); checks
                                           client_id, response_type=code, PKCE S256 parameters
  POST /token                              exchanges a code: client authentication (HTTP Basic
                                           or client_secret_post), redirect_uri and the PKCE
                                           code_verifier must match; answers an RS256 id_token
                                           with the nonce of the authorization request
  POST /_standin/claims                    test control: the claims of the next id_tokens (JSON)
  POST /_standin/sign                      test control: signs the posted JSON claims as a JWT
                                           with its key (for jwt logins against the JWKS)
  GET  /_standin/stats                     test control: counts of requests per endpoint

Keys are made at start (python3-cryptography). Usage:
  oidc_standin.py [--port 0] --client-id ID --client-secret SECRET [--tls-cert PEM --tls-key PEM]
Prints "PORT <n>" on stdout once it listens. With --tls-cert/--tls-key it serves HTTPS and its
issuer is https://127.0.0.1:<port> (for the oidc_discovery_ca_pem / jwks_ca_pem tests).
"""

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KID = "standin-1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


class Provider:
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issuer = ""
        self.lock = threading.Lock()
        self.codes = {}  # code -> dict(nonce, challenge, redirect_uri, expires)
        self.claims = {"sub": "user-1", "email": "alice@example.com", "groups": ["eng"]}
        self.stats = {}

    def count(self, name):
        with self.lock:
            self.stats[name] = self.stats.get(name, 0) + 1

    def jwk(self):
        pub = self.key.public_key().public_numbers()
        return {"kty": "RSA", "kid": KID, "alg": "RS256", "use": "sig",
                "n": b64url(int_bytes(pub.n)), "e": b64url(int_bytes(pub.e))}

    def sign(self, claims):
        header = {"alg": "RS256", "typ": "JWT", "kid": KID}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode()))
        sig = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(sig)


class Handler(BaseHTTPRequestHandler):
    provider = None  # set by main

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        p = self.provider
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/.well-known/openid-configuration":
            p.count("discovery")
            return self.send_json(200, {
                "issuer": p.issuer,
                "authorization_endpoint": p.issuer + "/authorize",
                "token_endpoint": p.issuer + "/token",
                "jwks_uri": p.issuer + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            })
        if url.path == "/jwks":
            p.count("jwks")
            return self.send_json(200, {"keys": [p.jwk()]})
        if url.path == "/authorize":
            p.count("authorize")
            problems = []
            if q.get("client_id") != p.client_id:
                problems.append("unknown client_id")
            if q.get("response_type") != "code":
                problems.append("response_type must be code")
            if q.get("code_challenge_method") != "S256" or len(q.get("code_challenge", "")) != 43:
                problems.append("PKCE S256 required")
            if "openid" not in q.get("scope", "").split():
                problems.append("scope must include openid")
            if not q.get("nonce") or not q.get("state") or not q.get("redirect_uri"):
                problems.append("nonce, state and redirect_uri are required")
            if problems:
                return self.send_json(400, {"error": "invalid_request",
                                            "error_description": "; ".join(problems)})
            code = secrets.token_urlsafe(16)
            with p.lock:
                p.codes[code] = {"nonce": q["nonce"], "challenge": q["code_challenge"],
                                 "redirect_uri": q["redirect_uri"], "expires": time.time() + 60}
            sep = "&" if "?" in q["redirect_uri"] else "?"
            location = q["redirect_uri"] + sep + urllib.parse.urlencode(
                {"code": code, "state": q["state"]})
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if url.path == "/_standin/stats":
            with p.lock:
                return self.send_json(200, dict(p.stats))
        return self.send_json(404, {"error": "not found"})

    def do_POST(self):
        p = self.provider
        url = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        if url.path == "/_standin/claims":
            with p.lock:
                p.claims = json.loads(body)
            return self.send_json(200, {})
        if url.path == "/_standin/sign":
            return self.send_json(200, {"jwt": p.sign(json.loads(body))})
        if url.path != "/token":
            return self.send_json(404, {"error": "not found"})
        p.count("token")
        form = dict(urllib.parse.parse_qsl(body.decode()))
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            client_id, client_secret = urllib.parse.unquote(user), urllib.parse.unquote(pw)
        if client_id != p.client_id or not hmac.compare_digest(client_secret or "", p.client_secret):
            return self.send_json(401, {"error": "invalid_client"})
        if form.get("grant_type") != "authorization_code":
            return self.send_json(400, {"error": "unsupported_grant_type"})
        with p.lock:
            grant = p.codes.pop(form.get("code", ""), None)
            claims = dict(p.claims)
        if grant is None or grant["expires"] < time.time():
            return self.send_json(400, {"error": "invalid_grant"})
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self.send_json(400, {"error": "invalid_grant",
                                        "error_description": "redirect_uri mismatch"})
        verifier = form.get("code_verifier", "")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            return self.send_json(400, {"error": "invalid_grant",
                                        "error_description": "PKCE verification failed"})
        now = int(time.time())
        claims.update({"iss": p.issuer, "aud": p.client_id, "iat": now, "exp": now + 300,
                       "nonce": grant["nonce"]})
        return self.send_json(200, {"access_token": secrets.token_urlsafe(16),
                                    "token_type": "Bearer", "expires_in": 300,
                                    "id_token": p.sign(claims)})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    Handler.provider = Provider(args.client_id, args.client_secret)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    scheme = "http"
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    port = server.server_address[1]
    Handler.provider.issuer = "%s://127.0.0.1:%d" % (scheme, port)
    print("PORT %d" % port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
