"""hvac against a server with a TLS listener: the cert auth method (certs/ CRUD, config, CRLs)
and hvac's client.auth.cert.login over mutual TLS; a wrong CA, an expired, a revoked and a
disallowed-CN certificate are refused. The certificates are made here with cryptography."""

import datetime
import os
import unittest

import hvac
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness import ArcaServer

server = None


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def issue(cn, issuer=None, ca=False, serial=None, san=None, valid=(-3600, 86400),
          client_auth=True):
    """A (certificate, key); self-signed when issuer is None, else signed by issuer."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (x509.CertificateBuilder()
               .subject_name(name)
               .issuer_name(issuer[0].subject if issuer else name)
               .public_key(key.public_key())
               .serial_number(serial or x509.random_serial_number())
               .not_valid_before(_now() + datetime.timedelta(seconds=valid[0]))
               .not_valid_after(_now() + datetime.timedelta(seconds=valid[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=False, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=True, crl_sign=True, encipher_only=False,
                          decipher_only=False), critical=True)
    elif client_auth:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                                        critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    cert = builder.sign(issuer[1] if issuer else key, hashes.SHA256())
    return cert, key


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def make_crl(ca, serials):
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(ca[0].subject)
               .last_update(_now())
               .next_update(_now() + datetime.timedelta(days=1)))
    for s in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(s).revocation_date(_now()).build())
    return builder.sign(ca[1], hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


class CertServer(ArcaServer):
    """A configured (not dev) server with one TLS listener that requests client certificates."""

    def config(self):
        self.pki = {}
        ca = issue("hvac root CA", ca=True)
        self.pki["ca"] = ca
        self.pki["server"] = issue("localhost", ca, client_auth=False,
                                   san=[x509.DNSName("localhost")])
        for name, (cert, key) in self.pki.items():
            self.write_pair(name, cert, key)
        cfg = super().config()
        return cfg.replace(
            "  tls_disable = true\n",
            '  tls_cert_file = "%s"\n  tls_key_file = "%s"\n'
            % (self.path("server.pem"), self.path("server.key")))

    def path(self, name):
        return os.path.join(self.dir, name)

    def write_pair(self, name, cert, key):
        with open(self.path(name + ".pem"), "w") as f:
            f.write(pem(cert))
        with open(self.path(name + ".key"), "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))

    def __init__(self):
        super().__init__(dev=False)
        # The listener's certificate names localhost; hvac verifies it against our CA.
        self.addr = "https://localhost:%d" % self.port

    def client(self, token=None):
        if token is None:
            token = self.root_token or ""
        c = hvac.Client(url=self.addr, token=token, verify=self.path("ca.pem"))
        self._clients.append(c)
        return c


def setUpModule():
    global server
    server = CertServer()
    c = server.client("")
    init = c.sys.initialize(secret_shares=1, secret_threshold=1)
    c.sys.submit_unseal_key(init["keys"][0])
    server.root_token = init["root_token"]
    root = server.client()
    root.sys.enable_auth_method("cert")
    ca = server.pki["ca"]
    rogue_ca = issue("rogue CA", ca=True)
    certs = {
        "good": issue("app.example.com", ca, serial=5001),
        "rogue": issue("app.example.com", rogue_ca, serial=5002),
        "expired": issue("old.example.com", ca, serial=5003, valid=(-7200, -60)),
        "revoked": issue("lost.example.com", ca, serial=5004),
        "badcn": issue("intruder.example.org", ca, serial=5005),
    }
    for name, (cert, key) in certs.items():
        server.write_pair(name, cert, key)


def tearDownModule():
    if server is not None:
        server.stop()


class CertAuthTest(unittest.TestCase):
    def setUp(self):
        self.root = server.client()
        self.cert = self.root.auth.cert

    def login(self, cert, **kwargs):
        anon = server.client("")
        return anon, anon.auth.cert.login(cert_pem=server.path(cert + ".pem"),
                                          key_pem=server.path(cert + ".key"), **kwargs)

    def test_roles_config_crls_and_logins(self):
        ca_pem = pem(server.pki["ca"][0])
        # hvac opens `certificate` as a file first (PEM text can make open() fail with
        # ENAMETOOLONG instead of FileNotFoundError): pass the file.
        self.cert.create_ca_certificate_role(
            "web", server.path("ca.pem"), allowed_common_names="*.example.com", token_policies=["web"],
            token_ttl="1h", display_name="webapp")
        role = self.cert.read_ca_certificate_role("web")["data"]
        self.assertEqual(role["certificate"], ca_pem)
        self.assertEqual(role["allowed_common_names"], ["*.example.com"])
        self.assertEqual(role["token_policies"], ["web"])
        self.assertEqual(role["token_ttl"], 3600)
        self.assertEqual(role["display_name"], "webapp")
        self.assertEqual(self.cert.list_certificate_roles()["data"]["keys"], ["web"])

        self.cert.configure_tls_certificate(disable_binding=True)
        cfg = self.root.read("auth/cert/config")["data"]
        self.assertEqual(cfg, {"disable_binding": True, "enable_identity_alias_metadata": False,
                               "ocsp_cache_size": 100})

        anon, login = self.login("good")
        auth = login["auth"]
        self.assertEqual(auth["policies"], ["default", "web"])
        self.assertEqual(auth["lease_duration"], 3600)
        self.assertEqual(auth["metadata"]["cert_name"], "web")
        self.assertEqual(auth["metadata"]["common_name"], "app.example.com")
        self.assertEqual(auth["metadata"]["serial_number"], "5001")
        self.assertEqual(anon.token, auth["client_token"])  # use_token=True
        me = anon.auth.token.lookup_self()["data"]
        self.assertEqual((me["path"], me["display_name"]), ("auth/cert/login", "cert-webapp"))
        self.assertIn("client_token", self.login("good", name="web")[1]["auth"])

        for name in ("rogue", "expired", "badcn"):
            with self.assertRaises(hvac.exceptions.InvalidRequest, msg=name):
                self.login(name)
        self.assertIn("client_token", self.login("revoked")[1]["auth"])
        crl = make_crl(server.pki["ca"], [5004])
        self.root.write("auth/cert/crls/main", crl=crl)
        self.assertEqual(self.root.read("auth/cert/crls/main")["data"], {"serials": {"5004": {}}})
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            self.login("revoked")
        self.assertIn("no chain matching all constraints", str(cm.exception))
        self.root.delete("auth/cert/crls/main")
        self.assertIn("client_token", self.login("revoked")[1]["auth"])

        with open(server.path("broken.pem"), "w") as f:
            f.write("not a certificate")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.cert.create_ca_certificate_role("broken", server.path("broken.pem"))
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.cert.read_ca_certificate_role("broken")
        self.cert.delete_certificate_role("web")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.cert.read_ca_certificate_role("web")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.login("good")


if __name__ == "__main__":
    unittest.main()
