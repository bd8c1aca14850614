"""hvac against `arca server -dev`: KV v1 and v2."""

import unittest

import hvac

import harness
from harness import ServerTestCase


def setUpModule():
    harness.start_dev_server()
    harness.ServerTestCase.server.client().sys.enable_secrets_engine(
        "kv", path="kv1", options={"version": "1"})


def tearDownModule():
    harness.stop_server()


class KvV1Test(ServerTestCase):
    def test_crud_and_list(self):
        kv = self.client.secrets.kv.v1
        kv.create_or_update_secret("app/db", {"user": "u", "pass": "p"}, mount_point="kv1")
        kv.create_or_update_secret("app/api", {"key": "k"}, mount_point="kv1")
        read = kv.read_secret("app/db", mount_point="kv1")
        self.assertEqual(read["data"], {"user": "u", "pass": "p"})
        self.assertEqual(read["lease_duration"], 2764800)
        self.assertEqual(sorted(kv.list_secrets("app", mount_point="kv1")["data"]["keys"]),
                         ["api", "db"])
        self.assertEqual(kv.list_secrets("", mount_point="kv1")["data"]["keys"], ["app/"])
        # PUT replaces; hvac's method="POST" too.
        kv.create_or_update_secret("app/db", {"user": "v"}, method="PUT", mount_point="kv1")
        self.assertEqual(kv.read_secret("app/db", mount_point="kv1")["data"], {"user": "v"})
        kv.delete_secret("app/db", mount_point="kv1")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            kv.read_secret("app/db", mount_point="kv1")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            kv.list_secrets("nothing-here", mount_point="kv1")


class KvV2Test(ServerTestCase):
    def test_versions_cas_patch_delete_undelete_destroy(self):
        kv = self.client.secrets.kv.v2
        path = self.unique("app")
        w1 = kv.create_or_update_secret(path, {"a": "1"})
        self.assertEqual(w1["data"]["version"], 1)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            kv.create_or_update_secret(path, {"a": "x"}, cas=0)  # exists already
        w2 = kv.create_or_update_secret(path, {"a": "2"}, cas=1)
        self.assertEqual(w2["data"]["version"], 2)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            kv.create_or_update_secret(path, {"a": "x"}, cas=1)  # stale

        latest = kv.read_secret_version(path)
        self.assertEqual(latest["data"]["data"], {"a": "2"})
        self.assertEqual(latest["data"]["metadata"]["version"], 2)
        self.assertEqual(kv.read_secret_version(path, version=1)["data"]["data"], {"a": "1"})

        patched = kv.patch(path, {"b": "3"})
        self.assertEqual(patched["data"]["version"], 3)
        self.assertEqual(kv.read_secret_version(path)["data"]["data"], {"a": "2", "b": "3"})

        kv.delete_latest_version_of_secret(path)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            kv.read_secret_version(path)
        meta = kv.read_secret_metadata(path)["data"]
        self.assertNotEqual(meta["versions"]["3"]["deletion_time"], "")
        kv.undelete_secret_versions(path, [3])
        self.assertEqual(kv.read_secret_version(path)["data"]["data"], {"a": "2", "b": "3"})

        kv.delete_secret_versions(path, [1])
        kv.destroy_secret_versions(path, [2])
        meta = kv.read_secret_metadata(path)["data"]
        self.assertTrue(meta["versions"]["2"]["destroyed"])
        self.assertFalse(meta["versions"]["3"]["destroyed"])
        self.assertEqual((meta["current_version"], meta["oldest_version"]), (3, 0))
        with self.assertRaises(hvac.exceptions.InvalidPath):
            kv.read_secret_version(path, version=2)

    def test_metadata_configure_list(self):
        kv = self.client.secrets.kv.v2
        path = self.unique("meta")
        kv.create_or_update_secret(path + "/x", {"v": "1"})
        kv.update_metadata(path + "/x", max_versions=2, cas_required=True,
                           delete_version_after="1h")
        meta = kv.read_secret_metadata(path + "/x")["data"]
        self.assertEqual((meta["max_versions"], meta["cas_required"]), (2, True))
        self.assertEqual(meta["delete_version_after"], "1h0m0s")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            kv.create_or_update_secret(path + "/x", {"v": "2"})  # cas now required
        for i in range(3):
            kv.create_or_update_secret(path + "/x", {"v": str(i)},
                                       cas=kv.read_secret_metadata(path + "/x")["data"]["current_version"])
        meta = kv.read_secret_metadata(path + "/x")["data"]
        self.assertEqual(sorted(meta["versions"]), ["3", "4"])

        self.assertEqual(kv.list_secrets(path)["data"]["keys"], ["x"])
        kv.delete_metadata_and_all_versions(path + "/x")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            kv.read_secret_metadata(path + "/x")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            kv.list_secrets(path)

        config = kv.read_configuration()["data"]
        self.assertEqual(config["max_versions"], 0)
        kv.configure(max_versions=7, cas_required=False)
        self.assertEqual(kv.read_configuration()["data"]["max_versions"], 7)
        kv.configure(max_versions=0)

    def test_patch_of_missing_secret_is_404(self):
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.client.secrets.kv.v2.patch(self.unique("nope"), {"a": "b"})


if __name__ == "__main__":
    unittest.main()
