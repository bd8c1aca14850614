"""hvac against `arca server -dev`: PKI (root, roles, issue, revoke, CRL, intermediate)."""

import unittest

import hvac
from cryptography import x509
from cryptography.hazmat.primitives import serialization

import harness
from harness import ServerTestCase


def setUpModule():
    harness.start_dev_server()
    c = harness.ServerTestCase.server.client()
    c.sys.enable_secrets_engine("pki", config={"max_lease_ttl": "87600h"})
    c.sys.enable_secrets_engine("pki", path="pki_int", config={"max_lease_ttl": "43800h"})


def tearDownModule():
    harness.stop_server()


def serial_hex(cert):
    h = "%x" % cert.serial_number
    if len(h) % 2:
        h = "0" + h
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2))


class PkiTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        c = harness.ServerTestCase.server.client()
        cls.root = c.secrets.pki.generate_root("internal", "Suite Root CA",
                                               extra_params={"ttl": "87600h"})
        c.secrets.pki.create_or_update_role(
            "web", {"allowed_domains": ["example.com"], "allow_subdomains": True, "ttl": "1h",
                    "max_ttl": "24h"})

    def test_root_and_ca_downloads(self):
        data = self.root["data"]
        ca = x509.load_pem_x509_certificate(data["certificate"].encode())
        self.assertEqual(ca.subject.rfc4514_string(), "CN=Suite Root CA")
        self.assertEqual(data["serial_number"], serial_hex(ca))
        self.assertNotIn("private_key", data)  # internal: the key stays in the mount

        pem = self.client.secrets.pki.read_ca_certificate()
        self.assertEqual(pem.strip(), data["certificate"].strip())
        # The raw downloads: DER and PEM with their media types, no JSON envelope.
        status, headers, _, der = self.server.raw("GET", "/v1/pki/ca")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/pkix-cert")
        self.assertEqual(der, ca.public_bytes(serialization.Encoding.DER))
        status, headers, _, body = self.server.raw("GET", "/v1/pki/ca/pem")
        self.assertEqual(status, 200)
        self.assertEqual(body.decode().strip(), data["certificate"].strip())
        status, headers, _, body = self.server.raw("GET", "/v1/pki/crl")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/pkix-crl")
        x509.load_der_x509_crl(body)

    def test_role_issue_revoke_crl(self):
        role = self.client.secrets.pki.read_role("web")["data"]
        self.assertEqual(role["allowed_domains"], ["example.com"])
        self.assertTrue(role["allow_subdomains"])
        self.assertIn("web", self.client.secrets.pki.list_roles()["data"]["keys"])

        issued = self.client.secrets.pki.generate_certificate(
            "web", "a.example.com", extra_params={"alt_names": "b.example.com", "ttl": "30m"})
        data = issued["data"]
        cert = x509.load_pem_x509_certificate(data["certificate"].encode())
        self.assertEqual(cert.subject.rfc4514_string(), "CN=a.example.com")
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        self.assertEqual(sorted(sans.get_values_for_type(x509.DNSName)),
                         ["a.example.com", "b.example.com"])
        self.assertEqual(data["issuing_ca"].strip(), self.root["data"]["certificate"].strip())
        self.assertIn("PRIVATE KEY", data["private_key"])
        self.assertEqual(data["serial_number"], serial_hex(cert))
        self.assertIn(data["serial_number"], self.client.secrets.pki.list_certificates()["data"]["keys"])

        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.secrets.pki.generate_certificate("web", "evil.org")

        revoked = self.client.secrets.pki.revoke_certificate(data["serial_number"])
        self.assertGreater(revoked["data"]["revocation_time"], 0)
        crl = x509.load_pem_x509_crl(self.client.secrets.pki.read_crl().encode())
        self.assertIsNotNone(crl.get_revoked_certificate_by_serial_number(cert.serial_number))
        read = self.client.secrets.pki.read_certificate(data["serial_number"])["data"]
        self.assertGreater(read["revocation_time"], 0)

    def test_sign_intermediate(self):
        csr = self.client.secrets.pki.generate_intermediate(
            "internal", "Suite Intermediate", mount_point="pki_int")["data"]["csr"]
        x509.load_pem_x509_csr(csr.encode())
        signed = self.client.secrets.pki.sign_intermediate(
            csr, "Suite Intermediate", extra_params={"ttl": "43800h"})["data"]
        inter = x509.load_pem_x509_certificate(signed["certificate"].encode())
        self.assertEqual(inter.issuer.rfc4514_string(), "CN=Suite Root CA")
        self.assertTrue(inter.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
        self.client.secrets.pki.set_signed_intermediate(signed["certificate"], mount_point="pki_int")
        self.assertEqual(self.client.secrets.pki.read_ca_certificate(mount_point="pki_int").strip(),
                         signed["certificate"].strip())
        # The chain is built from the issuers in the mount (Vault too): the root was not
        # imported into pki_int, so the chain is the intermediate alone.
        chain = self.client.secrets.pki.read_ca_certificate_chain(mount_point="pki_int")
        self.assertIn(signed["certificate"].strip(), chain)
        self.assertNotIn(self.root["data"]["certificate"].strip(), chain)
        leaf = self.client.secrets.pki.generate_certificate  # issuing from pki_int needs a role
        self.client.secrets.pki.create_or_update_role(
            "int", {"allowed_domains": ["example.com"], "allow_subdomains": True},
            mount_point="pki_int")
        issued = leaf("int", "x.example.com", mount_point="pki_int")["data"]
        cert = x509.load_pem_x509_certificate(issued["certificate"].encode())
        self.assertEqual(cert.issuer.rfc4514_string(), "CN=Suite Intermediate")

    def test_urls_and_crl_config(self):
        self.client.secrets.pki.set_urls({"issuing_certificates": ["http://127.0.0.1/v1/pki/ca"]})
        self.assertEqual(self.client.secrets.pki.read_urls()["data"]["issuing_certificates"],
                         ["http://127.0.0.1/v1/pki/ca"])
        self.client.secrets.pki.set_crl_configuration(expiry="48h")
        self.assertEqual(self.client.secrets.pki.read_crl_configuration()["data"]["expiry"], "48h")
        self.assertTrue(self.client.secrets.pki.rotate_crl()["data"]["success"])


if __name__ == "__main__":
    unittest.main()
