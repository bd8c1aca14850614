"""hvac against `arca server -dev`: the ldap auth method with a real slapd.

slapd (Debian's OpenLDAP server) is started on loopback by tests/services/slapd_service.py with a
small directory (users alice/bob/carol, groups devs/ops/Admins); failing to start it fails the
suite. The CLI's `arca login -method=ldap` is driven against the same server.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import hvac

import harness
from harness import ServerTestCase

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "services"))
import slapd_service  # noqa: E402

SLAPD = None
SLAPD_DIR = None
BIND_FAILED = "ldap operation failed: failed to bind as user"


def setUpModule():
    global SLAPD, SLAPD_DIR
    SLAPD_DIR = tempfile.mkdtemp(prefix="arca-hvac-slapd-")
    SLAPD = slapd_service.Slapd(os.path.join(SLAPD_DIR, "slapd")).start()
    harness.start_dev_server()
    c = harness.ServerTestCase.server.client()
    c.sys.enable_auth_method("ldap")


def tearDownModule():
    harness.stop_server()
    if SLAPD is not None:
        SLAPD.stop()
    if SLAPD_DIR:
        shutil.rmtree(SLAPD_DIR, ignore_errors=True)


def configure(client, **extra):
    args = dict(url="ldap://127.0.0.1:1," + SLAPD.url, bind_dn=slapd_service.READER_DN,
                bind_pass=slapd_service.READER_PASSWORD, user_dn=slapd_service.PEOPLE,
                user_attr="uid", group_dn=slapd_service.GROUPS)
    args.update(extra)
    client.auth.ldap.configure(**args)


class LdapTest(ServerTestCase):
    def test_config_groups_users_and_login(self):
        ldap = self.client.auth.ldap
        configure(self.client)
        cfg = ldap.read_configuration()["data"]
        self.assertEqual(cfg["binddn"], slapd_service.READER_DN)
        self.assertEqual(cfg["userattr"], "uid")
        self.assertTrue(cfg["deny_null_bind"])
        self.assertNotIn("bindpass", cfg)

        ldap.create_or_update_group("devs", policies=["dev-pol"])
        ldap.create_or_update_group("Admins", policies=["admin-pol"])
        self.assertEqual(sorted(ldap.list_groups()["data"]["keys"]), ["admins", "devs"])
        self.assertEqual(ldap.read_group("devs")["data"]["policies"], ["dev-pol"])
        ldap.create_or_update_user("carol", policies=["carol-pol"], groups=["devs"])
        self.assertEqual(ldap.read_user("carol")["data"],
                         {"groups": "devs", "policies": ["carol-pol"]})
        self.assertEqual(ldap.list_users()["data"]["keys"], ["carol"])

        anon = self.server.client("")
        login = anon.auth.ldap.login("alice", "alicepw")
        self.assertEqual(login["auth"]["policies"], ["default", "dev-pol"])
        self.assertEqual(login["auth"]["metadata"], {"username": "alice"})
        self.assertEqual(anon.token, login["auth"]["client_token"])
        me = anon.auth.token.lookup_self()["data"]
        self.assertEqual((me["path"], me["display_name"]), ("auth/ldap/login/alice", "ldap-alice"))

        bob = self.server.client("").auth.ldap.login("bob", "bobpw")
        self.assertEqual(bob["auth"]["policies"], ["admin-pol", "default"])
        carol = self.server.client("").auth.ldap.login("carol", "carolpw")
        self.assertEqual(carol["auth"]["policies"], ["carol-pol", "default", "dev-pol"])

        ldap.delete_group("devs")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ldap.read_group("devs")
        ldap.delete_user("carol")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ldap.read_user("carol")

    def test_refusals(self):
        configure(self.client, deny_null_bind=False)
        anon = self.server.client("")
        for user, pw in (("alice", "wrong"), ("nobody", "x"), ("*", "alicepw"),
                         ("alice)(uid=*", "alicepw")):
            with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
                anon.auth.ldap.login(user, pw)
            self.assertIn(BIND_FAILED, str(cm.exception))
        # The server accepts unauthenticated binds; Arca never turns one into a login.
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            anon.auth.ldap.login("alice", "")
        self.assertIn("password cannot be of zero length", str(cm.exception))
        # Bad config input: 400, nothing changed.
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.auth.ldap.configure(url="http://127.0.0.1")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.auth.ldap.configure(group_filter="(member={{.Nope}})")
        cfg = self.client.auth.ldap.read_configuration()["data"]
        self.assertEqual(cfg["url"], "ldap://127.0.0.1:1," + SLAPD.url)
        # Management needs a token.
        status, _, body, _ = self.server.raw("POST", "/v1/auth/ldap/groups/x",
                                             {"policies": "root"})
        self.assertEqual(status, 403, body)
        status, _, body, _ = self.server.raw("GET", "/v1/auth/ldap/login/alice")
        self.assertEqual(status, 405, body)

    def test_tls(self):
        configure(self.client, url=SLAPD.url, starttls=True, certificate=SLAPD.ca_pem())
        self.assertIn("client_token",
                      self.server.client("").auth.ldap.login("alice", "alicepw")["auth"])
        configure(self.client, url=SLAPD.ldaps_url, starttls=False)
        self.assertIn("client_token",
                      self.server.client("").auth.ldap.login("alice", "alicepw")["auth"])
        configure(self.client, url=SLAPD.ldaps_url, certificate="")
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            self.server.client("").auth.ldap.login("alice", "alicepw")
        self.assertIn("error connecting to host", str(cm.exception))

    def test_external_group_from_ldap_group(self):
        configure(self.client, url=SLAPD.url, starttls=False, certificate="")
        accessor = self.client.sys.list_auth_methods()["data"]["ldap/"]["accessor"]
        group = self.client.secrets.identity.create_or_update_group(
            "ldap-ops", group_type="external", policies=["ops-ext"])["data"]
        self.client.secrets.identity.create_or_update_group_alias(
            "ops", mount_accessor=accessor, canonical_id=group["id"])
        login = self.server.client("").auth.ldap.login("alice", "alicepw")["auth"]
        self.assertEqual(login["identity_policies"], ["ops-ext"])
        self.assertIn("ops-ext", login["policies"])
        members = self.client.secrets.identity.read_group(group["id"])["data"]["member_entity_ids"]
        self.assertEqual(members, [login["entity_id"]])
        bob = self.server.client("").auth.ldap.login("bob", "bobpw")["auth"]
        self.assertNotIn("identity_policies", {k for k, v in bob.items() if v})

    def test_cli_login(self):
        configure(self.client, url=SLAPD.url, starttls=False, certificate="")
        env = dict(harness._child_env(), VAULT_ADDR=self.server.addr)
        home = tempfile.mkdtemp(prefix="arca-hvac-home-")
        env["HOME"] = home
        try:
            out = subprocess.run(
                [harness.arca_binary(), "login", "-method=ldap", "-format=json",
                 "username=alice", "password=alicepw"],
                stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr.decode())
            auth = json.loads(out.stdout)["auth"]
            self.assertEqual(auth["metadata"], {"username": "alice"})
            me = self.server.client(auth["client_token"]).auth.token.lookup_self()["data"]
            self.assertEqual(me["display_name"], "ldap-alice")
            bad = subprocess.run(
                [harness.arca_binary(), "login", "-method=ldap", "username=alice",
                 "password=nope"],
                stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60)
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn(BIND_FAILED, (bad.stdout + bad.stderr).decode())
            # Vault's defaults: the username from $LOGNAME/$USER, the password from
            # $VAULT_LDAP_PASSWORD.
            env_login = subprocess.run(
                [harness.arca_binary(), "login", "-method=ldap", "-format=json"],
                stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                env=dict(env, LOGNAME="bob", USER="nobody", VAULT_LDAP_PASSWORD="bobpw"))
            self.assertEqual(env_login.returncode, 0, env_login.stderr.decode())
            self.assertEqual(json.loads(env_login.stdout)["auth"]["metadata"],
                             {"username": "bob"})
        finally:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
