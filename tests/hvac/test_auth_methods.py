"""hvac against `arca server -dev`: userpass and AppRole."""

import unittest

import hvac

import harness
from harness import ServerTestCase


def setUpModule():
    harness.start_dev_server()
    c = harness.ServerTestCase.server.client()
    c.sys.enable_auth_method("userpass")
    c.sys.enable_auth_method("approle")
    c.sys.create_or_update_policy("reader", 'path "secret/*" {\n  capabilities = ["read"]\n}\n')


def tearDownModule():
    harness.stop_server()


class UserpassTest(ServerTestCase):
    def test_user_crud_and_login(self):
        up = self.client.auth.userpass
        up.create_or_update_user("alice", password="s3cret-pw", policies=["reader"],
                                 token_ttl="20m")
        self.assertIn("alice", up.list_user()["data"]["keys"])
        user = up.read_user("alice")["data"]
        self.assertEqual(user["token_policies"], ["reader"])
        self.assertEqual(user["token_ttl"], 1200)
        self.assertNotIn("password", user)

        anon = self.server.client("")
        login = anon.auth.userpass.login("alice", "s3cret-pw")
        self.assertEqual(login["auth"]["policies"], ["default", "reader"])
        self.assertEqual(login["auth"]["lease_duration"], 1200)
        self.assertEqual(login["auth"]["metadata"], {"username": "alice"})
        self.assertEqual(anon.token, login["auth"]["client_token"])  # use_token=True
        me = anon.auth.token.lookup_self()["data"]
        self.assertEqual((me["path"], me["display_name"]), ("auth/userpass/login/alice",
                                                             "userpass-alice"))

        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.server.client("").auth.userpass.login("alice", "wrong")
        up.update_password_on_user("alice", "n3w-pw")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.server.client("").auth.userpass.login("alice", "s3cret-pw")
        self.assertIn("client_token",
                      self.server.client("").auth.userpass.login("alice", "n3w-pw")["auth"])

        up.delete_user("alice")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            up.read_user("alice")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.server.client("").auth.userpass.login("alice", "n3w-pw")


class AppRoleTest(ServerTestCase):
    def test_role_secret_id_login(self):
        ar = self.client.auth.approle
        ar.create_or_update_approle("app", token_policies=["reader"], token_ttl="15m",
                                    secret_id_num_uses=2, secret_id_ttl="10m", token_type="service")
        self.assertIn("app", ar.list_roles()["data"]["keys"])
        role = ar.read_role("app")["data"]
        self.assertEqual(role["token_policies"], ["reader"])
        self.assertEqual((role["token_ttl"], role["secret_id_num_uses"], role["secret_id_ttl"]),
                         (900, 2, 600))
        role_id = ar.read_role_id("app")["data"]["role_id"]
        self.assertTrue(role_id)

        secret = ar.generate_secret_id("app", metadata={"host": "h1"})["data"]
        self.assertEqual(secret["secret_id_ttl"], 600)
        self.assertEqual(secret["secret_id_num_uses"], 2)
        info = ar.read_secret_id("app", secret["secret_id"])["data"]
        self.assertEqual(info["metadata"], {"host": "h1"})
        self.assertEqual(info["secret_id_accessor"], secret["secret_id_accessor"])
        self.assertIn(secret["secret_id_accessor"], ar.list_secret_id_accessors("app")["data"]["keys"])

        anon = self.server.client("")
        login = anon.auth.approle.login(role_id, secret["secret_id"])
        self.assertEqual(login["auth"]["policies"], ["default", "reader"])
        self.assertEqual(login["auth"]["lease_duration"], 900)
        self.assertEqual(login["auth"]["metadata"], {"role_name": "app", "host": "h1"})
        self.assertEqual(anon.auth.token.lookup_self()["data"]["path"], "auth/approle/login")

        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.server.client("").auth.approle.login(role_id, "wrong-secret-id")
        # Second use is the last one.
        self.server.client("").auth.approle.login(role_id, secret["secret_id"])
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.server.client("").auth.approle.login(role_id, secret["secret_id"])

        custom = ar.create_custom_secret_id("app", "my-custom-secret-id")["data"]
        ar.destroy_secret_id_accessor("app", custom["secret_id_accessor"])
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.server.client("").auth.approle.login(role_id, "my-custom-secret-id")

        ar.update_role_id("app", "fixed-role-id")
        self.assertEqual(ar.read_role_id("app")["data"]["role_id"], "fixed-role-id")
        ar.delete_role("app")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ar.read_role("app")


if __name__ == "__main__":
    unittest.main()
