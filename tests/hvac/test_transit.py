"""hvac against `arca server -dev`: transit."""

import base64
import unittest

import hvac

import harness
from harness import ServerTestCase


def b64(s):
    return base64.b64encode(s.encode()).decode()


def setUpModule():
    harness.start_dev_server()
    harness.ServerTestCase.server.client().sys.enable_secrets_engine("transit")


def tearDownModule():
    harness.stop_server()


class TransitTest(ServerTestCase):
    def test_encrypt_decrypt_rotate_rewrap(self):
        t = self.client.secrets.transit
        name = self.unique("aes")
        t.create_key(name)
        key = t.read_key(name)["data"]
        self.assertEqual((key["type"], key["latest_version"]), ("aes256-gcm96", 1))
        self.assertIn(name, t.list_keys()["data"]["keys"])

        ct1 = t.encrypt_data(name, b64("hello"))["data"]["ciphertext"]
        self.assertTrue(ct1.startswith("vault:v1:"))
        self.assertEqual(t.decrypt_data(name, ct1)["data"]["plaintext"], b64("hello"))

        t.rotate_key(name)
        self.assertEqual(t.read_key(name)["data"]["latest_version"], 2)
        ct2 = t.rewrap_data(name, ct1)["data"]["ciphertext"]
        self.assertTrue(ct2.startswith("vault:v2:"))
        self.assertEqual(t.decrypt_data(name, ct2)["data"]["plaintext"], b64("hello"))

        batch = t.encrypt_data(name, None, batch_input=[{"plaintext": b64("a")},
                                                        {"plaintext": b64("b")}])
        results = batch["data"]["batch_results"]
        self.assertEqual(len(results), 2)
        dec = t.decrypt_data(name, None, batch_input=[{"ciphertext": r["ciphertext"]} for r in results])
        self.assertEqual([r["plaintext"] for r in dec["data"]["batch_results"]], [b64("a"), b64("b")])

        t.update_key_configuration(name, min_decryption_version=2)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            t.decrypt_data(name, ct1)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            t.decrypt_data(name, "vault:v2:bm90LWEtY2lwaGVydGV4dA==")

    def test_sign_verify_hmac_datakey_hash_random(self):
        t = self.client.secrets.transit
        name = self.unique("ed")
        t.create_key(name, key_type="ed25519")
        sig = t.sign_data(name, b64("msg"))["data"]["signature"]
        self.assertTrue(sig.startswith("vault:v1:"))
        self.assertTrue(t.verify_signed_data(name, b64("msg"), signature=sig)["data"]["valid"])
        self.assertFalse(t.verify_signed_data(name, b64("other"), signature=sig)["data"]["valid"])

        aes = self.unique("h")
        t.create_key(aes)
        mac = t.generate_hmac(aes, b64("msg"), algorithm="sha2-256")["data"]["hmac"]
        self.assertTrue(mac.startswith("vault:v1:"))
        self.assertTrue(t.verify_signed_data(aes, b64("msg"), hmac=mac)["data"]["valid"])
        self.assertFalse(t.verify_signed_data(aes, b64("msg2"), hmac=mac)["data"]["valid"])

        dk = t.generate_data_key(aes, "plaintext", bits=256)["data"]
        self.assertEqual(len(base64.b64decode(dk["plaintext"])), 32)
        self.assertEqual(t.decrypt_data(aes, dk["ciphertext"])["data"]["plaintext"], dk["plaintext"])
        wrapped_only = t.generate_data_key(aes, "wrapped")["data"]
        self.assertNotIn("plaintext", wrapped_only)

        digest = t.hash_data(b64("abc"), algorithm="sha2-256", output_format="hex")["data"]["sum"]
        self.assertEqual(digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        rnd = t.generate_random_bytes(n_bytes=16, output_format="hex")["data"]["random_bytes"]
        self.assertEqual(len(rnd), 32)

        with self.assertRaises(hvac.exceptions.InvalidRequest):  # hvac checks key_type itself
            self.client.adapter.post("/v1/transit/datakey/bogus/" + aes)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            t.sign_data(aes, b64("msg"))  # aes keys do not sign

    def test_backup_restore_delete(self):
        t = self.client.secrets.transit
        name = self.unique("bk")
        t.create_key(name, exportable=True, allow_plaintext_backup=True)
        ct = t.encrypt_data(name, b64("keep"))["data"]["ciphertext"]
        backup = t.backup_key(name)["data"]["backup"]
        exported = t.export_key(name, "encryption-key")["data"]["keys"]
        self.assertEqual(sorted(exported), ["1"])

        with self.assertRaises(hvac.exceptions.InvalidRequest):
            t.delete_key(name)  # deletion_allowed is false
        t.update_key_configuration(name, deletion_allowed=True)
        t.delete_key(name)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            t.read_key(name)

        t.restore_key(backup, name=name)
        self.assertEqual(t.decrypt_data(name, ct)["data"]["plaintext"], b64("keep"))
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            t.restore_key(backup, name=name)  # exists; no force

    def test_unknown_key(self):
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.secrets.transit.decrypt_data(self.unique("none"), "vault:v1:AAAA")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.client.secrets.transit.read_key(self.unique("none"))


if __name__ == "__main__":
    unittest.main()
