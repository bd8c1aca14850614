"""hvac against a server with the `static` auto-unseal seal: init with recovery keys, the server
unseals itself, seal-status reports the auto seal, sys/seal then recovery keys unseal it, and
Shamir's parameters are refused."""

import time
import unittest

import hvac

from harness import ArcaServer

SEAL_KEY = "ab" * 32  # 32 bytes, hex

server = None


class StaticSealServer(ArcaServer):
    def config(self):
        return super().config() + (
            'seal "static" {\n  current_key_id = "hvac-1"\n  current_key = "%s"\n}\n' % SEAL_KEY)


def setUpModule():
    global server
    server = StaticSealServer(dev=False)


def tearDownModule():
    if server is not None:
        server.stop()


def wait_unsealed(client, deadline_s=20):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if not client.sys.read_seal_status()["sealed"]:
            return True
        time.sleep(0.05)
    return False


class StaticSealTest(unittest.TestCase):
    """One ordered walk (the steps depend on each other)."""

    def test_static_seal(self):
        anon = server.client()
        st = anon.sys.read_seal_status()
        self.assertEqual((st["type"], st["recovery_seal"], st["initialized"]),
                         ("static", True, False))

        # hvac's default secret_shares=5/secret_threshold=3 do not apply to an auto seal.
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            anon.sys.initialize()
        self.assertIn("not applicable to seal type static", str(cm.exception))
        self.assertFalse(anon.sys.is_initialized())

        init = anon.sys.initialize(secret_shares=None, secret_threshold=None,
                                   recovery_shares=5, recovery_threshold=3)
        self.assertEqual(init["keys"], [])
        self.assertEqual(init["keys_base64"], [])
        self.assertEqual(len(init["recovery_keys"]), 5)
        self.assertEqual(len(init["recovery_keys_base64"]), 5)
        root = init["root_token"]
        self.assertTrue(wait_unsealed(anon), server.log())
        st = anon.sys.read_seal_status()
        self.assertEqual((st["t"], st["n"], st["recovery_seal_type"], st["migration"]),
                         (3, 5, "shamir", False))

        rooted = server.client(root)
        rooted.sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})
        rooted.secrets.kv.v2.create_or_update_secret("app", {"password": "p1"})

        status, _, backend, _ = server.raw("GET", "/v1/sys/seal-backend-status")
        self.assertEqual(status, 200)
        self.assertEqual(backend["backends"][0]["name"], "static")
        self.assertTrue(backend["healthy"])

        # sys/seal: sealed until the recovery keys are given (a wrong key set resets progress).
        rooted.sys.seal()
        self.assertTrue(anon.sys.is_sealed())
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            anon.sys.submit_unseal_key(init["recovery_keys"][0], migrate=True)
        st = anon.sys.submit_unseal_keys(init["recovery_keys_base64"][1:4])
        self.assertFalse(st["sealed"])
        got = rooted.secrets.kv.v2.read_secret_version("app")
        self.assertEqual(got["data"]["data"], {"password": "p1"})


if __name__ == "__main__":
    unittest.main()
