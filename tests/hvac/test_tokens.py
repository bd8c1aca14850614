"""hvac against `arca server -dev`: tokens (every create field), token roles, leases, wrapping."""

import unittest

import hvac

import harness
from harness import ServerTestCase


def setUpModule():
    harness.start_dev_server()


def tearDownModule():
    harness.stop_server()


class TokenTest(ServerTestCase):
    def create_policy(self):
        name = self.unique("p")
        self.client.sys.create_or_update_policy(
            name, 'path "auth/token/lookup-self" {\n  capabilities = ["read"]\n}\n')
        return name

    def test_lookup_self_is_the_random_root_token(self):
        me = self.client.auth.token.lookup_self()["data"]
        self.assertEqual(me["id"], self.server.root_token)
        self.assertEqual(me["policies"], ["root"])
        self.assertEqual(me["ttl"], 0)
        self.assertTrue(self.client.is_authenticated())

    def test_create_with_every_field(self):
        policy = self.create_policy()
        resp = self.client.auth.token.create(
            policies=[policy], meta={"team": "blue"}, no_default_policy=True, renewable=True,
            ttl="1h", explicit_max_ttl="2h", display_name="suite", num_uses=5)
        auth = resp["auth"]
        self.assertEqual(auth["policies"], [policy])
        self.assertEqual(auth["token_policies"], [policy])
        self.assertEqual(auth["metadata"], {"team": "blue"})
        self.assertEqual(auth["lease_duration"], 3600)
        self.assertTrue(auth["renewable"])
        self.assertEqual(auth["token_type"], "service")
        self.assertFalse(auth["orphan"])
        self.assertEqual(auth["num_uses"], 5)
        token = auth["client_token"]

        info = self.client.auth.token.lookup(token)["data"]
        self.assertEqual(info["id"], token)
        self.assertEqual(info["accessor"], auth["accessor"])
        self.assertEqual(info["policies"], [policy])
        self.assertEqual(info["meta"], {"team": "blue"})
        self.assertEqual(info["display_name"], "token-suite")
        self.assertEqual(info["num_uses"], 5)
        self.assertEqual(info["explicit_max_ttl"], 7200)
        self.assertEqual(info["creation_ttl"], 3600)
        self.assertTrue(0 < info["ttl"] <= 3600)
        self.assertTrue(info["renewable"])
        self.assertFalse(info["orphan"])
        self.assertEqual(info["type"], "service")
        self.assertEqual(info["path"], "auth/token/create")

        # The token works as itself and uses count down.
        self.assertEqual(self.server.client(token).auth.token.lookup_self()["data"]["num_uses"], 4)

        # Renew, revoke.
        renewed = self.client.auth.token.renew(token, increment="30m")
        self.assertEqual(renewed["auth"]["lease_duration"], 1800)
        self.client.auth.token.revoke(token)
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.server.client(token).auth.token.lookup_self()
        with self.assertRaisesRegex(hvac.exceptions.Forbidden, "bad token"):  # Vault: 403
            self.client.auth.token.lookup(token)

    def test_orphan_periodic_batch(self):
        orphan = self.client.auth.token.create(no_parent=True, ttl="10m")["auth"]
        self.assertTrue(orphan["orphan"])
        legacy = self.client.create_token(orphan=True, ttl="10m")["auth"]  # auth/token/create-orphan
        self.assertTrue(legacy["orphan"])
        self.assertTrue(self.client.auth.token.lookup(legacy["client_token"])["data"]["orphan"])

        periodic = self.client.auth.token.create(period="15m")["auth"]
        info = self.client.auth.token.lookup(periodic["client_token"])["data"]
        self.assertEqual(info["period"], 900)
        self.assertEqual(periodic["lease_duration"], 900)

        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.auth.token.create(type="batch")  # root's child: batch tokens cannot be root
        batch = self.client.auth.token.create(type="batch", policies=["default"], renewable=False,
                                              ttl="5m")["auth"]
        self.assertEqual(batch["token_type"], "batch")
        self.assertTrue(batch["client_token"].startswith("hvb."))
        self.assertEqual(batch["accessor"], "")
        self.assertFalse(batch["renewable"])
        self.assertEqual(
            self.server.client(batch["client_token"]).auth.token.lookup_self()["data"]["type"],
            "batch")

        not_renewable = self.client.auth.token.create(renewable=False, ttl="5m")["auth"]
        self.assertFalse(not_renewable["renewable"])
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.auth.token.renew(not_renewable["client_token"])

        default_only = self.client.auth.token.create()["auth"]
        self.assertEqual(default_only["policies"], ["root"])

    def test_child_is_revoked_with_parent(self):
        creator = self.unique("creator")
        self.client.sys.create_or_update_policy(
            creator, 'path "auth/token/create" {\n  capabilities = ["update"]\n}\n')
        parent = self.client.auth.token.create(policies=[creator], ttl="1h")["auth"]["client_token"]
        with self.assertRaises(hvac.exceptions.Forbidden):
            # The default policy alone does not allow creating tokens.
            self.server.client(self.client.auth.token.create(policies=["default"])["auth"][
                "client_token"]).auth.token.create(ttl="10m")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            # A non-root parent cannot grant policies it does not have (Vault: 400).
            self.server.client(parent).auth.token.create(policies=["root"])
        child = self.server.client(parent).auth.token.create(ttl="10m")["auth"]["client_token"]
        self.assertEqual(self.client.auth.token.lookup(child)["data"]["policies"],
                         sorted(["default", creator]))
        self.client.auth.token.revoke(parent)
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.server.client(child).auth.token.lookup_self()

    def test_renew_and_revoke_self_and_accessor(self):
        tok = self.client.auth.token.create(ttl="1h")["auth"]
        me = self.server.client(tok["client_token"])
        self.assertEqual(me.auth.token.renew_self(increment="20m")["auth"]["lease_duration"], 1200)
        by_acc = self.client.auth.token.lookup_accessor(tok["accessor"])["data"]
        self.assertEqual(by_acc["accessor"], tok["accessor"])
        self.assertEqual(by_acc["id"], "")  # an accessor lookup does not reveal the token
        self.assertIn(tok["accessor"], self.client.auth.token.list_accessors()["data"]["keys"])
        self.client.auth.token.revoke_accessor(tok["accessor"])
        with self.assertRaises(hvac.exceptions.Forbidden):
            me.auth.token.lookup_self()

        other = self.server.client(self.client.auth.token.create(ttl="1h")["auth"]["client_token"])
        other.auth.token.revoke_self()
        with self.assertRaises(hvac.exceptions.Forbidden):
            other.auth.token.lookup_self()

    def test_bad_create_fields(self):
        for kwargs in ({"ttl": "forever"}, {"type": "weird"}, {"num_uses": -1},
                       {"period": "bogus"}):
            with self.assertRaises(hvac.exceptions.InvalidRequest, msg=str(kwargs)):
                self.client.auth.token.create(**kwargs)

    def test_entity_alias_needs_a_role(self):
        with self.assertRaisesRegex(hvac.exceptions.InvalidRequest, "only allowed in combination"):
            self.client.auth.token.create(entity_alias="someone")
        role = self.unique("ea")
        self.client.auth.token.create_or_update_role(role, allowed_entity_aliases=["someone"])
        with self.assertRaisesRegex(hvac.exceptions.InvalidRequest, "invalid 'entity_alias'"):
            self.client.auth.token.create(role_name=role, entity_alias="someone-else")
        # Allowed by the role: the token carries the entity of that alias (made on first use).
        first = self.client.auth.token.create(role_name=role, entity_alias="someone")["auth"]
        second = self.client.auth.token.create(role_name=role, entity_alias="someone")["auth"]
        self.assertTrue(first["entity_id"])
        self.assertEqual(first["entity_id"], second["entity_id"])

    def test_roles(self):
        policy = self.create_policy()
        role = self.unique("role")
        self.client.auth.token.create_or_update_role(
            role, allowed_policies=[policy], orphan=True, renewable=True, path_suffix="suite")
        self.assertIn(role, self.client.auth.token.list_roles()["data"]["keys"])
        read = self.client.auth.token.read_role(role)["data"]
        self.assertEqual(read["allowed_policies"], [policy])
        self.assertTrue(read["orphan"])
        self.assertEqual(read["path_suffix"], "suite")

        made = self.client.auth.token.create(role_name=role, policies=[policy], ttl="10m")["auth"]
        self.assertTrue(made["orphan"])
        self.assertEqual(made["policies"], ["default", policy])
        info = self.client.auth.token.lookup(made["client_token"])["data"]
        self.assertEqual(info["role"], role)
        self.assertEqual(info["path"], "auth/token/create/%s/suite" % role)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.auth.token.create(role_name=role, policies=["root"])

        self.client.auth.token.delete_role(role)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.client.auth.token.read_role(role)


class LeaseTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        c = harness.ServerTestCase.server.client()
        c.sys.enable_secrets_engine("pki", path="leasepki", config={"max_lease_ttl": "24h"})
        c.secrets.pki.generate_root("internal", "Lease CA", mount_point="leasepki")
        c.secrets.pki.create_or_update_role(
            "web", {"allowed_domains": ["example.com"], "allow_subdomains": True,
                    "generate_lease": True, "ttl": "1h", "max_ttl": "2h"},
            mount_point="leasepki")

    def issue(self):
        return self.client.secrets.pki.generate_certificate(
            "web", "a.example.com", mount_point="leasepki")

    def test_read_renew_list_revoke(self):
        cert = self.issue()
        lease_id = cert["lease_id"]
        self.assertTrue(lease_id.startswith("leasepki/issue/web/"))
        self.assertEqual(cert["lease_duration"], 3600)

        lease = self.client.sys.read_lease(lease_id)["data"]
        self.assertEqual(lease["id"], lease_id)
        self.assertTrue(0 < lease["ttl"] <= 3600)
        self.assertIn("issue_time", lease)

        listed = self.client.sys.list_leases("leasepki/issue/web")["data"]["keys"]
        self.assertIn(lease_id.rsplit("/", 1)[1], listed)

        # Vault's PKI secret has no renew handler: the lease is not renewable (400).
        self.assertFalse(cert["renewable"])
        with self.assertRaisesRegex(hvac.exceptions.InvalidRequest, "not renewable"):
            self.client.sys.renew_lease(lease_id, increment=1800)
        self.assertEqual(self.client.sys.read_lease(lease_id)["data"]["id"], lease_id)

        self.client.sys.revoke_lease(lease_id)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.read_lease(lease_id)
        serial = cert["data"]["serial_number"]
        revoked = self.client.secrets.pki.read_certificate(serial, mount_point="leasepki")
        self.assertGreater(revoked["data"]["revocation_time"], 0)

    def test_revoke_prefix(self):
        first, second = self.issue(), self.issue()
        self.client.sys.revoke_prefix("leasepki/issue/web")
        for c in (first, second):
            with self.assertRaises(hvac.exceptions.InvalidRequest):
                self.client.sys.read_lease(c["lease_id"])

    def test_unknown_lease(self):
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.read_lease("leasepki/issue/web/nope")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.renew_lease("leasepki/issue/web/nope")


class WrappingTest(ServerTestCase):
    def test_wrap_and_unwrap(self):
        wrapped = self.client.auth.token.create(policies=["default"], ttl="10m", wrap_ttl="2m")
        self.assertIsNone(wrapped["auth"])
        info = wrapped["wrap_info"]
        self.assertEqual(info["ttl"], 120)
        self.assertEqual(info["creation_path"], "auth/token/create")
        self.assertNotEqual(info["wrapped_accessor"], "")

        lookup = self.client.write("sys/wrapping/lookup", token=info["token"])["data"]
        self.assertEqual(lookup["creation_path"], "auth/token/create")
        self.assertEqual(lookup["creation_ttl"], 120)

        unwrapped = self.client.sys.unwrap(info["token"])
        token = unwrapped["auth"]["client_token"]
        self.assertEqual(unwrapped["auth"]["accessor"], info["wrapped_accessor"])
        self.assertEqual(self.server.client(token).auth.token.lookup_self()["data"]["id"], token)
        # A wrapping token works once.
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.unwrap(info["token"])

    def test_wrap_arbitrary_data_and_unwrap_with_the_wrapping_token(self):
        wrapped = self.client.adapter.post("/v1/sys/wrapping/wrap", json={"k": "v"}, wrap_ttl="60s")
        token = wrapped["wrap_info"]["token"]
        # hvac's unwrap without an argument uses the client's own token.
        self.assertEqual(self.server.client(token).sys.unwrap()["data"], {"k": "v"})

    def test_bad_wrap_ttl(self):
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.auth.token.create(ttl="10m", wrap_ttl="not-a-ttl")


if __name__ == "__main__":
    unittest.main()
