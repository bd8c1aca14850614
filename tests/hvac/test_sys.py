"""hvac against `arca server -dev`: mounts, auth methods, policies, audit, help, errors."""

import os
import unittest

import hvac

import harness
from harness import ServerTestCase


def setUpModule():
    harness.start_dev_server()


def tearDownModule():
    harness.stop_server()


class MountsTest(ServerTestCase):
    def test_enable_list_tune_read_move_disable(self):
        path = self.unique("kv")
        self.client.sys.enable_secrets_engine("kv", path=path, description="hvac suite",
                                              options={"version": "1"},
                                              config={"default_lease_ttl": "1h"})
        mounts = self.client.sys.list_mounted_secrets_engines()
        self.assertIn(path + "/", mounts["data"])
        self.assertIn(path + "/", mounts)  # Vault's top-level copy for old clients
        entry = mounts["data"][path + "/"]
        self.assertEqual((entry["type"], entry["description"]), ("kv", "hvac suite"))
        self.assertEqual(entry["options"], {"version": "1"})
        self.assertEqual(entry["config"]["default_lease_ttl"], 3600)

        tune = self.client.sys.read_mount_configuration(path)
        self.assertEqual(tune["data"]["default_lease_ttl"], 3600)
        self.client.sys.tune_mount_configuration(path, default_lease_ttl="2h", max_lease_ttl="10h",
                                                 description="tuned")
        tune = self.client.sys.read_mount_configuration(path)
        self.assertEqual((tune["data"]["default_lease_ttl"], tune["data"]["max_lease_ttl"]),
                         (7200, 36000))
        self.assertEqual(tune["default_lease_ttl"], 7200)
        self.assertEqual(tune["data"]["description"], "tuned")
        self.assertEqual(self.client.sys.retrieve_mount_option(path, "version"), "1")

        # A default TTL above the maximum is a 400 and changes nothing.
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.tune_mount_configuration(path, default_lease_ttl="20h")
        self.assertEqual(self.client.sys.read_mount_configuration(path)["data"]["default_lease_ttl"],
                         7200)

        self.client.secrets.kv.v1.create_or_update_secret("a", {"x": "1"}, mount_point=path)
        moved = self.unique("moved")
        migration = self.client.sys.move_backend(path, moved)
        status = self.client.read("sys/remount/status/" + migration["data"]["migration_id"])
        self.assertEqual(status["data"]["migration_info"]["status"], "success")
        self.assertEqual(status["data"]["migration_info"]["target_mount"], moved)
        mounts = self.client.sys.list_mounted_secrets_engines()["data"]
        self.assertNotIn(path + "/", mounts)
        self.assertIn(moved + "/", mounts)
        self.assertEqual(
            self.client.secrets.kv.v1.read_secret("a", mount_point=moved)["data"], {"x": "1"})

        self.client.sys.disable_secrets_engine(moved)
        self.assertNotIn(moved + "/", self.client.sys.list_mounted_secrets_engines()["data"])
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.client.secrets.kv.v1.read_secret("a", mount_point=moved)

    def test_bad_remounts_change_nothing(self):
        path = self.unique("stay")
        self.client.sys.enable_secrets_engine("kv", path=path)
        other = self.unique("other")
        self.client.sys.enable_secrets_engine("kv", path=other)
        for to in (other, "sys/x", "auth/token2", "cubbyhole"):
            with self.assertRaises(hvac.exceptions.InvalidRequest, msg=to):
                self.client.sys.move_backend(path, to)
        for frm in ("sys", "cubbyhole", "auth/token"):
            with self.assertRaises(hvac.exceptions.InvalidRequest, msg=frm):
                self.client.sys.move_backend(frm, self.unique("dst"))
        mounts = self.client.sys.list_mounted_secrets_engines()["data"]
        self.assertIn(path + "/", mounts)
        self.assertIn(other + "/", mounts)
        # Root only (Vault: a root path).
        token = self.client.auth.token.create(policies=["default"])["auth"]["client_token"]
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.server.client(token).sys.move_backend(path, self.unique("dst"))
        self.client.sys.disable_secrets_engine(path)
        self.client.sys.disable_secrets_engine(other)

    def test_bad_mount_requests(self):
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.enable_secrets_engine("no-such-engine", path=self.unique("x"))
        path = self.unique("dup")
        self.client.sys.enable_secrets_engine("kv", path=path)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.enable_secrets_engine("kv", path=path)
        self.client.sys.disable_secrets_engine(path)

    def test_auth_methods(self):
        path = self.unique("up")
        self.client.sys.enable_auth_method("userpass", path=path, description="people")
        methods = self.client.sys.list_auth_methods()
        self.assertIn(path + "/", methods["data"])
        self.assertIn(path + "/", methods)
        self.assertEqual(methods["data"][path + "/"]["type"], "userpass")
        self.assertEqual(methods["data"][path + "/"]["description"], "people")
        self.assertIn("token/", methods["data"])

        self.client.sys.tune_auth_method(path, default_lease_ttl="30m", max_lease_ttl="1h",
                                         listing_visibility="unauth")
        tune = self.client.sys.read_auth_method_tuning(path)
        self.assertEqual((tune["data"]["default_lease_ttl"], tune["data"]["max_lease_ttl"]),
                         (1800, 3600))
        self.assertEqual(tune["data"]["listing_visibility"], "unauth")

        # An auth method moves with its users.
        self.client.auth.userpass.create_or_update_user("mover", password="pw-1234", mount_point=path)
        moved = self.unique("up-moved")
        self.client.sys.move_backend("auth/" + path, "auth/" + moved)
        self.assertNotIn(path + "/", self.client.sys.list_auth_methods()["data"])
        login = self.server.client("").auth.userpass.login("mover", "pw-1234", mount_point=moved)
        self.assertEqual(login["auth"]["metadata"]["username"], "mover")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.move_backend("auth/" + moved, self.unique("not-auth"))
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.move_backend("auth/" + self.unique("absent"), "auth/x")

        self.client.sys.disable_auth_method(moved)
        self.assertNotIn(moved + "/", self.client.sys.list_auth_methods()["data"])


class PoliciesTest(ServerTestCase):
    POLICY = 'path "secret/data/app/*" {\n  capabilities = ["read", "list"]\n}\n'

    def test_policy_crud(self):
        name = self.unique("app")
        self.client.sys.create_or_update_policy(name, self.POLICY)
        self.assertIn(name, self.client.sys.list_policies()["data"]["policies"])
        self.assertIn(name, self.client.sys.list_policies()["policies"])
        read = self.client.sys.read_policy(name)
        self.assertEqual(read["data"]["rules"], self.POLICY)
        self.assertEqual(read["rules"], self.POLICY)
        self.assertEqual(read["name"], name)

        # A dict is sent as JSON policy text (hvac's pretty_print).
        self.client.sys.create_or_update_policy(
            name, {"path": {"secret/*": {"capabilities": ["deny"]}}})
        self.assertIn("deny", self.client.sys.read_policy(name)["rules"])

        # The ACL endpoints (sys/policies/acl) hvac 0.11 has no method for.
        self.client.write("sys/policies/acl/" + name + "-acl", policy=self.POLICY)
        acl = self.client.read("sys/policies/acl/" + name + "-acl")
        self.assertEqual(acl["data"]["policy"], self.POLICY)
        self.assertIn(name + "-acl", self.client.list("sys/policies/acl")["data"]["keys"])
        self.client.delete("sys/policies/acl/" + name + "-acl")
        self.assertIsNone(self.client.read("sys/policies/acl/" + name + "-acl"))

        self.client.sys.delete_policy(name)
        self.assertNotIn(name, self.client.sys.list_policies()["data"]["policies"])
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.client.sys.read_policy(name)

    def test_bad_policy(self):
        name = self.unique("bad")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.create_or_update_policy(name, 'path "x" { capabilities = ["fly"] }')
        self.assertNotIn(name, self.client.sys.list_policies()["data"]["policies"])
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.delete_policy("root")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.create_or_update_policy("root", self.POLICY)

    def test_policy_is_enforced(self):
        name = self.unique("ro")
        self.client.sys.create_or_update_policy(
            name, 'path "sys/policy" {\n  capabilities = ["read"]\n}\n')
        token = self.client.auth.token.create(policies=[name])["auth"]["client_token"]
        limited = self.server.client(token)
        self.assertIn(name, limited.sys.list_policies()["data"]["policies"])
        with self.assertRaises(hvac.exceptions.Forbidden):
            limited.sys.create_or_update_policy(name, self.POLICY)
        with self.assertRaises(hvac.exceptions.Forbidden):
            limited.sys.list_mounted_secrets_engines()


class AuditTest(ServerTestCase):
    def test_list_with_none_enabled(self):
        # 200 with an empty map (and an empty top level), not 204.
        devices = self.client.sys.list_enabled_audit_devices()
        self.assertIsInstance(devices, dict)
        self.assertEqual(devices["data"], {})
        status, _, body, _ = self.server.raw("GET", "/v1/sys/audit", token=self.server.root_token)
        self.assertEqual(status, 200)
        self.assertEqual(body["data"], {})

    def test_enable_hash_disable(self):
        log = os.path.join(self.server.dir, "audit.log")
        self.client.sys.enable_audit_device("file", path="hvacfile", description="suite",
                                            options={"file_path": log})
        try:
            devices = self.client.sys.list_enabled_audit_devices()
            self.assertEqual(devices["data"]["hvacfile/"]["type"], "file")
            self.assertEqual(devices["data"]["hvacfile/"]["options"]["file_path"], log)
            self.assertEqual(devices["hvacfile/"]["description"], "suite")
            h1 = self.client.sys.calculate_hash("hvacfile", "my-secret")
            self.assertTrue(h1["data"]["hash"].startswith("hmac-sha256:"))
            self.assertEqual(h1["hash"], h1["data"]["hash"])
            self.assertEqual(self.client.sys.calculate_hash("hvacfile", "my-secret")["data"]["hash"],
                             h1["data"]["hash"])
            self.assertNotEqual(self.client.sys.calculate_hash("hvacfile", "other")["data"]["hash"],
                                h1["data"]["hash"])
            self.client.sys.read_seal_status()
            with open(log) as f:
                self.assertNotIn(self.server.root_token, f.read())
        finally:
            self.client.sys.disable_audit_device("hvacfile")
        self.assertEqual(self.client.sys.list_enabled_audit_devices()["data"], {})
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.calculate_hash("hvacfile", "x")

    def test_bad_device(self):
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.enable_audit_device("no-such-type", path="bad")
        self.assertEqual(self.client.sys.list_enabled_audit_devices()["data"], {})


class HelpTest(ServerTestCase):
    def test_help_shape(self):
        # Vault answers ?help=1 with the bare {help, openapi, see_also} object.
        for path in ("/v1/secret/data/foo?help=1", "/v1/sys/mounts?help=1",
                     "/v1/auth/token/create?help=1"):
            status, _, body, _ = self.server.raw("GET", path, token=self.server.root_token)
            self.assertEqual(status, 200, path)
            self.assertEqual(sorted(body), ["help", "openapi", "see_also"], path)
            self.assertIsInstance(body["help"], str)
            self.assertIn("paths", body["openapi"])
        status, _, _, _ = self.server.raw("GET", "/v1/sys/mounts?help=1")
        self.assertEqual(status, 403)


class ErrorsTest(ServerTestCase):
    def test_bad_or_missing_token_is_403(self):
        for token in ("hvs.not-a-real-token", ""):
            bad = self.server.client(token)
            with self.assertRaises(hvac.exceptions.Forbidden):
                bad.sys.list_mounted_secrets_engines()
            with self.assertRaises(hvac.exceptions.Forbidden):
                bad.secrets.kv.v2.read_secret_version("x")
            with self.assertRaises(hvac.exceptions.Forbidden):
                bad.auth.token.lookup_self()
        self.assertFalse(self.server.client("hvs.not-a-real-token").is_authenticated())
        self.assertTrue(self.client.is_authenticated())

    def test_unknown_path_is_404(self):
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.client.adapter.get("/v1/nope/at/all")
        self.assertIsNone(self.client.read("nope/at/all"))  # hvac's read() turns a 404 into None
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.client.sys.read_policy(self.unique("absent"))
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.client.secrets.kv.v2.read_secret_version(self.unique("absent"))

    def test_bad_request_is_400(self):
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.auth.token.create(ttl="not-a-duration")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.write("sys/mounts/" + self.unique("m"))  # no type


if __name__ == "__main__":
    unittest.main()
