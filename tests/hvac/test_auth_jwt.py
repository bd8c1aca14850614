"""hvac against `arca server -dev`: the jwt and oidc auth methods.

Keys are made here (python3-cryptography, tokens signed with python3-jwt or by hand for the
malformed ones). The OIDC provider is tests/services/oidc_standin.py, a STAND-IN started on
127.0.0.1 by this module (no real identity provider is reachable from the test machines): it
serves discovery, JWKS, an authorize endpoint that approves at once (302 to the redirect_uri with
a code) and a token endpoint that checks the client secret and the PKCE verifier.
"""

import base64
import datetime
import hashlib
import hmac
import ipaddress
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import hvac
import jwt as pyjwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import harness
from harness import ServerTestCase

STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "services",
                       "oidc_standin.py")
CLIENT_ID = "arca-client"
CLIENT_SECRET = "standin-secret-" + os.urandom(6).hex()

_standin = None
_standin_url = None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def setUpModule():
    global _standin, _standin_url
    harness.start_dev_server()
    _standin, _standin_url = start_standin()


def tearDownModule():
    harness.stop_server()
    if _standin is not None:
        _standin.kill()
        _standin.wait()


def start_standin(*extra):
    """Starts a stand-in; returns (process, base URL)."""
    proc = subprocess.Popen(
        [sys.executable, STANDIN, "--port", "0", "--client-id", CLIENT_ID,
         "--client-secret", CLIENT_SECRET] + list(extra),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stdout.readline().decode().strip()  # blocks until it listens or exits
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError("the OIDC stand-in did not start: %r %s"
                           % (line, proc.stderr.read().decode()))
    scheme = "https" if extra else "http"
    return proc, "%s://127.0.0.1:%s" % (scheme, line.split()[1])


def self_signed(directory):
    """A self-signed certificate for 127.0.0.1 (made here); returns (cert PEM, cert, key paths)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oidc stand-in")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "w") as f:
        f.write(pem)
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return pem, cert_path, key_path


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def standin_post(path, obj):
    req = urllib.request.Request(_standin_url + path, data=json.dumps(obj).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def follow_authorize(auth_url):
    """The browser step: GET the auth URL; the stand-in answers 302 to the redirect_uri."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(auth_url, timeout=10)
    except urllib.error.HTTPError as e:
        if e.code != 302:
            raise AssertionError("authorize answered %d: %s" % (e.code, e.read()))
        return e.headers["Location"]
    raise AssertionError("authorize did not redirect")


class JwtLoginTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        c = harness.ServerTestCase.server.client()
        c.sys.enable_auth_method("jwt", path="jwt-pem")
        cls.key = ec.generate_private_key(ec.SECP256R1())
        cls.pem = cls.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        c.auth.jwt.configure(jwt_validation_pubkeys=[cls.pem], bound_issuer="https://ci.example",
                             path="jwt-pem")
        c.auth.jwt.create_role(
            "ci", user_claim="sub", allowed_redirect_uris=[], role_type="jwt",
            bound_audiences=["arca"], bound_claims={"repo": ["org/*"]}, bound_claims_type="glob",
            claim_mappings={"repo": "repository"}, token_policies=["ci-deploy"], token_ttl="15m",
            path="jwt-pem")
        c.adapter.close()

    def claims(self, **over):
        now = int(time.time())
        c = {"iss": "https://ci.example", "sub": "pipeline-7", "aud": "arca", "iat": now,
             "exp": now + 300, "repo": "org/app"}
        c.update(over)
        return c

    def sign(self, claims):
        return pyjwt.encode(claims, self.key, algorithm="ES256")

    def login(self, token, role="ci"):
        anon = self.server.client("")
        return anon.auth.jwt.jwt_login(role, token, path="jwt-pem")

    def test_login_and_role_read(self):
        r = self.login(self.sign(self.claims()))
        self.assertEqual(r["auth"]["policies"], ["ci-deploy", "default"])
        self.assertEqual(r["auth"]["lease_duration"], 900)
        self.assertEqual(r["auth"]["metadata"], {"role": "ci", "repository": "org/app"})
        self.assertTrue(r["auth"]["entity_id"])
        role = self.client.auth.jwt.read_role("ci", path="jwt-pem")["data"]
        self.assertEqual(role["role_type"], "jwt")
        self.assertEqual(role["bound_claims"], {"repo": ["org/*"]})
        self.assertEqual(role["token_policies"], ["ci-deploy"])
        self.assertIn("ci", self.client.auth.jwt.list_roles(path="jwt-pem")["data"]["keys"])
        cfg = self.client.auth.jwt.read_config(path="jwt-pem")["data"]
        self.assertEqual(cfg["jwt_validation_pubkeys"], [self.pem.strip()])  # trimmed, as Vault
        self.assertEqual(cfg["bound_issuer"], "https://ci.example")

    def assertRefused(self, token, message):
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            self.login(token)
        self.assertIn(message, str(cm.exception))

    def test_refused_tokens(self):
        body = b64url(json.dumps(self.claims()).encode())
        self.assertRefused(b64url(b'{"alg":"none","typ":"JWT"}') + "." + body + ".",
                           'unsupported algorithm "none"')
        # Key confusion: HMAC keyed with the public key's PEM text.
        head = b64url(b'{"alg":"HS256","typ":"JWT"}')
        mac = hmac.new(self.pem.encode(), (head + "." + body).encode(), hashlib.sha256).digest()
        self.assertRefused(head + "." + body + "." + b64url(mac), 'unsupported algorithm "HS256"')
        other = ec.generate_private_key(ec.SECP256R1())
        self.assertRefused(pyjwt.encode(self.claims(), other, algorithm="ES256"),
                           "failed to verify signature")
        now = int(time.time())
        self.assertRefused(self.sign(self.claims(exp=now - 600, iat=now - 900)),
                           "token is expired")
        self.assertRefused(self.sign(self.claims(aud="vault")), "invalid audience")
        self.assertRefused(self.sign(self.claims(iss="https://evil.example")), "invalid issuer")
        self.assertRefused(self.sign(self.claims(repo="evil/app")),
                           'claim "repo" does not match any associated bound claim values')

    def test_groups_claim_to_external_group_policies(self):
        c = self.client
        c.auth.jwt.create_role("grp", user_claim="sub", allowed_redirect_uris=[], role_type="jwt",
                               bound_audiences=["arca"], groups_claim="groups", path="jwt-pem")
        methods = c.sys.list_auth_methods()
        accessor = methods.get("data", methods)["jwt-pem/"]["accessor"]
        group = c.secrets.identity.create_or_update_group(
            "jwt-eng", group_type="external", policies=["eng-policy"])["data"]
        c.secrets.identity.create_or_update_group_alias(
            "eng", mount_accessor=accessor, canonical_id=group["id"])
        r = self.login(self.sign(self.claims(groups=["eng", "other"])), role="grp")
        self.assertEqual(r["auth"]["identity_policies"], ["eng-policy"])
        me = self.server.client(r["auth"]["client_token"]).auth.token.lookup_self()["data"]
        self.assertEqual(me["identity_policies"], ["eng-policy"])
        members = c.secrets.identity.read_group(group["id"])["data"]["member_entity_ids"]
        self.assertEqual(members, [r["auth"]["entity_id"]])
        # Not in the group any more: the next login leaves it.
        r = self.login(self.sign(self.claims(groups=["other"])), role="grp")
        self.assertFalse(r["auth"].get("identity_policies"))
        self.assertFalse(c.secrets.identity.read_group(group["id"])["data"]["member_entity_ids"])

    def test_cli_login_method_jwt(self):
        env = dict(harness._child_env(), HOME=tempfile.mkdtemp(), VAULT_ADDR=self.server.addr)
        p = subprocess.run(
            [harness.arca_binary(), "login", "-method=jwt", "-path=jwt-pem", "-format=json",
             "-no-store", "role=ci", "jwt=" + self.sign(self.claims())],
            stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        auth = json.loads(p.stdout)["auth"]
        self.assertEqual(auth["policies"], ["ci-deploy", "default"])
        p = subprocess.run(
            [harness.arca_binary(), "login", "-method=jwt", "-path=jwt-pem", "-no-store",
             "role=ci", "jwt=" + self.sign(self.claims(aud="other"))],
            stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"invalid audience", p.stderr)

    def test_bad_input(self):
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            self.login(self.sign(self.claims()), role="nope")
        self.assertIn('role "nope" could not be found', str(cm.exception))
        s = self.server
        status, _, body, _ = s.raw("POST", "/v1/auth/jwt-pem/config",
                                   {"jwt_validation_pubkeys": ["not a key"]}, s.root_token)
        self.assertEqual(status, 400)
        self.assertIn("error parsing public key", body["errors"][0])
        status, _, body, _ = s.raw("POST", "/v1/auth/jwt-pem/config", {"bound_issuer": "x"},
                                   s.root_token)
        self.assertEqual(status, 400)
        self.assertIn("exactly one of", body["errors"][0])
        # Nothing changed.
        cfg = self.client.auth.jwt.read_config(path="jwt-pem")["data"]
        self.assertEqual(cfg["jwt_validation_pubkeys"], [self.pem.strip()])  # trimmed, as Vault
        status, _, body, _ = s.raw("POST", "/v1/auth/jwt-pem/role/r2",
                                   {"role_type": "jwt", "user_claim": "sub"}, s.root_token)
        self.assertEqual(status, 400)
        self.assertEqual(body["errors"],
                         ["must have at least one bound constraint when creating/updating a role"])
        status, _, _, _ = s.raw("GET", "/v1/auth/jwt-pem/role/r2", None, s.root_token)
        self.assertEqual(status, 404)
        status, _, _, _ = s.raw("GET", "/v1/auth/jwt-pem/login", None, None)
        self.assertEqual(status, 405)


class JwksTest(ServerTestCase):
    def test_login_with_standin_jwks(self):
        c = self.client
        c.sys.enable_auth_method("jwt", path="jwt-jwks")
        c.auth.jwt.configure(jwks_url=_standin_url + "/jwks", path="jwt-jwks")
        c.auth.jwt.create_role("svc", user_claim="sub", allowed_redirect_uris=[],
                               role_type="jwt", bound_subject="svc-1", path="jwt-jwks")
        now = int(time.time())
        token = standin_post("/_standin/sign", {"sub": "svc-1", "iat": now, "exp": now + 60})["jwt"]
        r = self.server.client("").auth.jwt.jwt_login("svc", token, path="jwt-jwks")
        self.assertEqual(r["auth"]["metadata"], {"role": "svc"})
        bad = standin_post("/_standin/sign", {"sub": "svc-2", "iat": now, "exp": now + 60})["jwt"]
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.server.client("").auth.jwt.jwt_login("svc", bad, path="jwt-jwks")


class OidcTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        c = harness.ServerTestCase.server.client()
        c.sys.enable_auth_method("oidc")
        c.auth.oidc.configure(oidc_discovery_url=_standin_url, oidc_client_id=CLIENT_ID,
                              oidc_client_secret=CLIENT_SECRET, default_role="web")
        c.auth.oidc.create_role(
            "web", user_claim="email", role_type="oidc", groups_claim="groups",
            allowed_redirect_uris=["http://localhost:8250/oidc/callback"],
            oidc_scopes=["email"], token_policies=["web"])
        c.adapter.close()

    def test_config_hides_the_secret(self):
        cfg = self.client.auth.oidc.read_config()["data"]
        self.assertEqual(cfg["oidc_client_id"], CLIENT_ID)
        self.assertNotIn("oidc_client_secret", cfg)
        self.assertNotIn(CLIENT_SECRET, json.dumps(cfg))

    def test_flow_through_hvac(self):
        anon = self.server.client("")
        url = anon.auth.oidc.oidc_authorization_url_request(
            "web", "http://localhost:8250/oidc/callback")["data"]["auth_url"]
        self.assertTrue(url.startswith(_standin_url + "/authorize?"), url)
        location = follow_authorize(url)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        r = anon.auth.oidc.oidc_callback(state=q["state"], nonce="", code=q["code"])
        self.assertEqual(r["auth"]["policies"], ["default", "web"])
        self.assertEqual(r["auth"]["metadata"], {"role": "web"})
        # The state is good once.
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            anon.auth.oidc.oidc_callback(state=q["state"], nonce="", code=q["code"])
        self.assertIn("Expired or missing OAuth state", str(cm.exception))

    def test_auth_url_bad_input(self):
        anon = self.server.client("")
        r = anon.auth.oidc.oidc_authorization_url_request("web", "https://evil.example/cb")
        self.assertEqual(r["data"]["auth_url"], "")
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            anon.auth.oidc.oidc_authorization_url_request("nope", "http://localhost:8250/oidc/callback")
        self.assertIn('role "nope" could not be found', str(cm.exception))
        status, _, body, _ = self.server.raw("GET", "/v1/auth/oidc/oidc/callback?state=x&code=y")
        self.assertEqual(status, 400)
        self.assertEqual(body["errors"], ["Vault login failed. Expired or missing OAuth state."])

    def test_cli_login_with_callback_listener(self):
        port = harness.free_port()
        home = tempfile.mkdtemp(prefix="arca-oidc-cli-")
        env = dict(harness._child_env(), HOME=home, VAULT_ADDR=self.server.addr)
        proc = subprocess.Popen(
            [harness.arca_binary(), "login", "-method=oidc", "-format=json", "role=web",
             "skip_browser=true", "port=%d" % port],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            auth_url = None
            lines = []
            deadline = time.monotonic() + 30
            while auth_url is None and time.monotonic() < deadline:
                line = proc.stderr.readline().decode()
                if not line:
                    break
                lines.append(line)
                if line.strip().startswith(_standin_url + "/authorize?"):
                    auth_url = line.strip()
            self.assertIsNotNone(auth_url, "no auth URL printed: %s" % "".join(lines))
            # The listener answers only its callback path.
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen("http://127.0.0.1:%d/other" % port, timeout=10)
            self.assertEqual(cm.exception.code, 404)
            # The browser: follow the provider's redirect to the CLI's listener.
            location = follow_authorize(auth_url)
            self.assertTrue(location.startswith("http://localhost:%d/oidc/callback?" % port),
                            location)
            with urllib.request.urlopen(location, timeout=30) as r:
                page = r.read().decode()
            self.assertIn("Arca login successful", page)
            out, err = proc.communicate(timeout=30)
            self.assertEqual(proc.returncode, 0, err.decode())
            secret = json.loads(out)
            token = secret["auth"]["client_token"]
            me = self.server.client(token).auth.token.lookup_self()["data"]
            self.assertEqual(me["display_name"], "oidc-alice@example.com")
            with open(os.path.join(home, ".vault-token")) as f:
                self.assertEqual(f.read().strip(), token)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            shutil.rmtree(home, ignore_errors=True)

    def test_cli_refused_redirect(self):
        # A role whose allowed redirect does not include the CLI's: the CLI says so and fails.
        self.client.auth.oidc.create_role(
            "strict", user_claim="email", role_type="oidc",
            allowed_redirect_uris=["https://app.example/cb"])
        env = dict(harness._child_env(), HOME=tempfile.mkdtemp(), VAULT_ADDR=self.server.addr)
        p = subprocess.run(
            [harness.arca_binary(), "login", "-method=oidc", "role=strict", "skip_browser=true",
             "port=%d" % harness.free_port()],
            stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(b'Unable to authorize role "strict"', p.stderr)


class TlsProviderTest(ServerTestCase):
    """The stand-in on HTTPS with a self-signed certificate: trusted only through the
    configured oidc_discovery_ca_pem / jwks_ca_pem, never through the system roots."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="arca-oidc-tls-")
        cls.ca_pem, cert, key = self_signed(cls.dir)
        cls.proc, cls.url = start_standin("--tls-cert", cert, "--tls-key", key)

    @classmethod
    def tearDownClass(cls):
        cls.proc.kill()
        cls.proc.wait()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_discovery_and_flow_over_tls(self):
        c = self.client
        c.sys.enable_auth_method("oidc", path="oidc-tls")
        s = self.server
        status, _, body, _ = s.raw("POST", "/v1/auth/oidc-tls/config",
                                   {"oidc_discovery_url": self.url, "oidc_client_id": CLIENT_ID,
                                    "oidc_client_secret": CLIENT_SECRET}, s.root_token)
        self.assertEqual(status, 400)
        self.assertIn("error checking oidc discovery URL", body["errors"][0])
        self.assertIn("certificate", body["errors"][0])
        c.auth.oidc.configure(oidc_discovery_url=self.url, oidc_discovery_ca_pem=self.ca_pem,
                              oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
                              path="oidc-tls")
        c.auth.oidc.create_role("web", user_claim="sub", role_type="oidc",
                                allowed_redirect_uris=["http://localhost:8250/oidc/callback"],
                                path="oidc-tls")
        anon = self.server.client("")
        url = anon.auth.oidc.oidc_authorization_url_request(
            "web", "http://localhost:8250/oidc/callback", path="oidc-tls")["data"]["auth_url"]
        self.assertTrue(url.startswith(self.url + "/authorize?"), url)
        ctx = ssl.create_default_context(cadata=self.ca_pem)
        opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=ctx))
        with self.assertRaises(urllib.error.HTTPError) as cm:
            opener.open(url, timeout=10)
        self.assertEqual(cm.exception.code, 302)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
            cm.exception.headers["Location"]).query))
        r = anon.auth.oidc.oidc_callback(state=q["state"], nonce="", code=q["code"],
                                         path="oidc-tls")
        self.assertEqual(r["auth"]["metadata"], {"role": "web"})

    def test_jwks_over_tls(self):
        c = self.client
        c.sys.enable_auth_method("jwt", path="jwt-tls")
        s = self.server
        status, _, body, _ = s.raw("POST", "/v1/auth/jwt-tls/config",
                                   {"jwks_url": self.url + "/jwks"}, s.root_token)
        self.assertEqual(status, 400)
        self.assertIn("error checking jwks URL", body["errors"][0])
        c.auth.jwt.configure(jwks_url=self.url + "/jwks", jwks_ca_pem=self.ca_pem, path="jwt-tls")
        c.auth.jwt.create_role("svc", user_claim="sub", allowed_redirect_uris=[],
                               role_type="jwt", bound_subject="svc-1", path="jwt-tls")
        now = int(time.time())
        ctx = ssl.create_default_context(cadata=self.ca_pem)
        req = urllib.request.Request(self.url + "/_standin/sign", method="POST", data=json.dumps(
            {"sub": "svc-1", "iat": now, "exp": now + 60}).encode())
        with urllib.request.urlopen(req, timeout=10, context=ctx) as resp:
            token = json.loads(resp.read())["jwt"]
        r = self.server.client("").auth.jwt.jwt_login("svc", token, path="jwt-tls")
        self.assertEqual(r["auth"]["metadata"], {"role": "svc"})


if __name__ == "__main__":
    unittest.main()
