"""hvac against a configured (non-dev) server: init, unseal, seal, status, health, leader."""

import unittest

import hvac

from harness import ArcaServer

server = None


def setUpModule():
    global server
    server = ArcaServer(dev=False)


def tearDownModule():
    if server is not None:
        server.stop()


class LifecycleTest(unittest.TestCase):
    """One ordered walk through a server's life (the steps depend on each other)."""

    def test_lifecycle(self):
        anon = server.client()

        # Before init: GET sys/init is the bare object (hvac reads ['initialized']).
        self.assertEqual(anon.sys.read_init_status(), {"initialized": False})
        self.assertFalse(anon.sys.is_initialized())
        st = anon.sys.read_seal_status()
        self.assertEqual((st["initialized"], st["sealed"], st["type"]), (False, True, "shamir"))
        health = anon.sys.read_health_status(method="GET")
        self.assertEqual(health.status_code, 501)
        self.assertEqual(health.json()["initialized"], False)
        self.assertNotIn("data", health.json())
        # Unsealing an uninitialized server is a 400.
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            anon.sys.submit_unseal_key("00")

        # Bad parameters change nothing.
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            anon.sys.initialize(secret_shares=2, secret_threshold=3)
        self.assertFalse(anon.sys.is_initialized())

        init = anon.sys.initialize(secret_shares=3, secret_threshold=2)
        self.assertEqual(sorted(init), ["keys", "keys_base64", "root_token"])
        self.assertEqual(len(init["keys"]), 3)
        self.assertEqual(len(init["keys_base64"]), 3)
        root = init["root_token"]
        self.assertTrue(root.startswith("hvs."))
        self.assertTrue(anon.sys.is_initialized())
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            anon.sys.initialize(secret_shares=1, secret_threshold=1)

        # Sealed after init: status, health 503, and a request needing the barrier is 503.
        st = anon.sys.read_seal_status()
        self.assertEqual((st["initialized"], st["sealed"], st["t"], st["n"], st["progress"]),
                         (True, True, 2, 3, 0))
        self.assertTrue(anon.sys.is_sealed())
        health = anon.sys.read_health_status(method="GET")
        self.assertEqual(health.status_code, 503)
        self.assertEqual((health.json()["initialized"], health.json()["sealed"]), (True, True))
        self.assertEqual(anon.sys.read_health_status(method="GET", sealed_code=299).status_code,
                         299)
        rooted = server.client(root)
        with self.assertRaises(hvac.exceptions.VaultDown):
            rooted.auth.token.lookup_self()

        # Unseal with progress, then reset, then for real.
        st = anon.sys.submit_unseal_key(init["keys"][0])
        self.assertEqual((st["sealed"], st["progress"], st["t"]), (True, 1, 2))
        self.assertNotEqual(st["nonce"], "")
        st = anon.sys.submit_unseal_key(reset=True)
        self.assertEqual((st["sealed"], st["progress"]), (True, 0))
        st = anon.sys.submit_unseal_keys([init["keys"][1], init["keys_base64"][2]])
        self.assertEqual((st["sealed"], st["progress"]), (False, 0))
        self.assertFalse(anon.sys.is_sealed())
        self.assertEqual(anon.sys.read_seal_status()["cluster_name"], "hvac-suite")

        health = anon.sys.read_health_status(method="GET")
        self.assertIsInstance(health, dict)  # hvac: a dict only for a 200
        self.assertEqual((health["initialized"], health["sealed"], health["standby"]),
                         (True, False, False))
        self.assertEqual(anon.sys.read_health_status(method="HEAD").status_code, 200)

        leader = anon.sys.read_leader_status()
        self.assertEqual(leader["ha_enabled"], False)
        self.assertNotIn("data", leader)

        self.assertEqual(rooted.auth.token.lookup_self()["data"]["id"], root)
        self.assertIn("root", rooted.auth.token.lookup_self()["data"]["policies"])
        key_status = rooted.sys.get_encryption_key_status()
        self.assertEqual(key_status["data"]["term"], 1)
        self.assertEqual(key_status["term"], 1)
        rooted.sys.rotate_encryption_key()
        self.assertEqual(rooted.sys.get_encryption_key_status()["term"], 2)

        # Sealing needs a token; then everything behind the barrier is 503 again.
        with self.assertRaises(hvac.exceptions.Forbidden):
            anon.sys.seal()
        with self.assertRaises(hvac.exceptions.Forbidden):
            server.client("hvs.not-a-token").sys.seal()
        self.assertFalse(anon.sys.is_sealed())
        rooted.sys.seal()
        self.assertTrue(anon.sys.is_sealed())
        with self.assertRaises(hvac.exceptions.VaultDown):
            rooted.auth.token.lookup_self()

        # A wrong key is refused and changes nothing; the right ones unseal again.
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            anon.sys.submit_unseal_key("not-a-key")
        self.assertEqual(anon.sys.read_seal_status()["progress"], 0)
        st = anon.sys.submit_unseal_keys(init["keys"][:2])
        self.assertFalse(st["sealed"])
        self.assertEqual(rooted.auth.token.lookup_self()["data"]["id"], root)


if __name__ == "__main__":
    unittest.main()
