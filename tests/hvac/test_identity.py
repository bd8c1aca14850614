"""hvac against `arca server -dev`: the identity store (entities, aliases, groups, group aliases,
lookups, merge), and logins mapped to entities."""

import unittest

import hvac

import harness
from harness import ServerTestCase


def setUpModule():
    harness.start_dev_server()
    c = harness.ServerTestCase.server.client()
    c.sys.enable_auth_method("userpass")
    c.sys.enable_auth_method("approle")
    c.sys.create_or_update_policy("kvread", 'path "secret/*" {\n  capabilities = ["read"]\n}\n')
    c.secrets.kv.v2.create_or_update_secret("team/doc", secret={"v": "1"})


def tearDownModule():
    harness.stop_server()


def accessor_of(client, mount):
    return client.sys.list_auth_methods()["data"][mount]["accessor"]


class EntityTest(ServerTestCase):
    def test_entity_crud_list_and_lookup(self):
        ident = self.client.secrets.identity
        name = self.unique("ent")
        created = ident.create_or_update_entity(name=name, metadata={"team": "a"},
                                                policies=["p1", "P2"])
        eid = created["data"]["id"]
        self.assertEqual(created["data"]["name"], name)
        # An update is a 204.
        upd = ident.create_or_update_entity(name=name, entity_id=eid, policies=["p3"])
        self.assertEqual(upd.status_code, 204)
        data = ident.read_entity(eid)["data"]
        self.assertEqual(data["policies"], ["p3"])
        self.assertEqual(data["metadata"], {"team": "a"})
        self.assertFalse(data["disabled"])
        self.assertEqual(data["namespace_id"], "root")
        for field in ("creation_time", "last_update_time", "aliases", "group_ids",
                      "direct_group_ids", "inherited_group_ids", "merged_entity_ids"):
            self.assertIn(field, data)
        self.assertEqual(ident.read_entity_by_name(name)["data"]["id"], eid)

        listed = ident.list_entities()["data"]
        self.assertIn(eid, listed["keys"])
        self.assertEqual(listed["key_info"][eid]["name"], name)
        self.assertIn(name, ident.list_entities_by_name()["data"]["keys"])
        self.assertIn(eid, ident.list_entities(method="GET")["data"]["keys"])

        self.assertEqual(ident.lookup_entity(name=name)["data"]["id"], eid)
        self.assertEqual(ident.lookup_entity(entity_id=eid)["data"]["name"], name)
        missing = ident.lookup_entity(name=self.unique("nobody"))
        self.assertEqual(missing.status_code, 204)

        by_name = self.unique("byname")
        ident.create_or_update_entity_by_name(by_name, policies=["x"])
        self.assertEqual(ident.read_entity_by_name(by_name)["data"]["policies"], ["x"])
        ident.update_entity(eid, name=name, disabled=True)
        self.assertTrue(ident.read_entity(eid)["data"]["disabled"])

        ident.delete_entity(eid)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ident.read_entity(eid)
        ident.delete_entity_by_name(by_name)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ident.read_entity_by_name(by_name)

    def test_entity_bad_input(self):
        ident = self.client.secrets.identity
        a = self.unique("a")
        b = self.unique("b")
        ident.create_or_update_entity(name=a)
        bid = ident.create_or_update_entity(name=b)["data"]["id"]
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            ident.update_entity(bid, name=a)
        self.assertIn("entity name is already in use", str(cm.exception))
        self.assertEqual(ident.read_entity(bid)["data"]["name"], b)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            ident.create_or_update_entity(name=self.unique("r"), policies=["root"])
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            ident.merge_entities(from_entity_ids=[bid], to_entity_id=bid)
        self.assertIn("to_entity_id should not be present in from_entity_ids", str(cm.exception))
        self.assertEqual(ident.read_entity(bid)["data"]["name"], b)
        status, _, body, _ = self.server.raw("POST", "/v1/identity/lookup/entity", {},
                                             token=self.server.root_token)
        self.assertEqual(status, 400)
        self.assertEqual(body["errors"], ["query parameter not supplied"])

    def test_batch_delete(self):
        ident = self.client.secrets.identity
        ids = [ident.create_or_update_entity(name=self.unique("bd"))["data"]["id"]
               for _ in range(3)]
        status, _, _, _ = self.server.raw("POST", "/v1/identity/entity/batch-delete",
                                          {"entity_ids": ids[:2]}, token=self.server.root_token)
        self.assertEqual(status, 204)
        for eid in ids[:2]:
            with self.assertRaises(hvac.exceptions.InvalidPath):
                ident.read_entity(eid)
        self.assertEqual(ident.read_entity(ids[2])["data"]["id"], ids[2])


class AliasAndLoginTest(ServerTestCase):
    def test_userpass_login_twice_gives_the_same_entity(self):
        user = self.unique("u")
        self.client.auth.userpass.create_or_update_user(user, password="pw-123456")
        first = self.server.client("").auth.userpass.login(user, "pw-123456")["auth"]
        second = self.server.client("").auth.userpass.login(user, "pw-123456")["auth"]
        self.assertTrue(first["entity_id"])
        self.assertEqual(first["entity_id"], second["entity_id"])
        ent = self.client.secrets.identity.read_entity(first["entity_id"])["data"]
        self.assertEqual(len(ent["aliases"]), 1)
        alias = ent["aliases"][0]
        self.assertEqual((alias["name"], alias["mount_type"], alias["mount_path"]),
                         (user, "userpass", "auth/userpass/"))
        self.assertEqual(alias["mount_accessor"], accessor_of(self.client, "userpass/"))
        look = self.server.client(first["client_token"]).auth.token.lookup_self()["data"]
        self.assertEqual(look["entity_id"], first["entity_id"])

    def test_approle_login_alias_is_the_role_id(self):
        ar = self.client.auth.approle
        role = self.unique("role")
        ar.create_or_update_approle(role, token_policies=["default"])
        role_id = ar.read_role_id(role)["data"]["role_id"]
        secret = ar.generate_secret_id(role)["data"]["secret_id"]
        auth = self.server.client("").auth.approle.login(role_id, secret)["auth"]
        found = self.client.secrets.identity.lookup_entity(
            alias_name=role_id, alias_mount_accessor=accessor_of(self.client, "approle/"))
        self.assertEqual(found["data"]["id"], auth["entity_id"])
        self.assertEqual(found["data"]["aliases"][0]["metadata"], {"role_name": role})

    def test_entity_alias_crud_and_rules(self):
        ident = self.client.secrets.identity
        acc = accessor_of(self.client, "userpass/")
        eid = ident.create_or_update_entity(name=self.unique("al"))["data"]["id"]
        name = self.unique("alias")
        created = ident.create_or_update_entity_alias(name=name, canonical_id=eid,
                                                      mount_accessor=acc)["data"]
        alias_id = created["id"]
        self.assertEqual(created["canonical_id"], eid)
        read = ident.read_entity_alias(alias_id)["data"]
        self.assertEqual((read["name"], read["mount_type"], read["canonical_id"]),
                         (name, "userpass", eid))
        self.assertIn(alias_id, ident.list_entity_aliases()["data"]["keys"])
        self.assertEqual(ident.list_entity_aliases()["data"]["key_info"][alias_id]["name"], name)
        # Unknown accessor, and a second alias of the entity on one accessor: 400, no change.
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            ident.create_or_update_entity_alias(name="x", canonical_id=eid,
                                                mount_accessor="auth_userpass_nope")
        self.assertIn("invalid mount accessor", str(cm.exception))
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            ident.create_or_update_entity_alias(name=self.unique("other"), canonical_id=eid,
                                                mount_accessor=acc)
        self.assertIn("Alias already exists for requested entity and mount accessor",
                      str(cm.exception))
        self.assertEqual(len(ident.read_entity(eid)["data"]["aliases"]), 1)
        renamed = self.unique("renamed")
        ident.update_entity_alias(alias_id, name=renamed, canonical_id=eid, mount_accessor=acc)
        self.assertEqual(ident.read_entity_alias(alias_id)["data"]["name"], renamed)
        self.assertEqual(ident.lookup_entity(alias_id=alias_id)["data"]["id"], eid)
        ident.delete_entity_alias(alias_id)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ident.read_entity_alias(alias_id)

    def test_merging_moves_aliases(self):
        ident = self.client.secrets.identity
        user = self.unique("m")
        self.client.auth.userpass.create_or_update_user(user, password="pw-123456")
        login = self.server.client("").auth.userpass.login(user, "pw-123456")["auth"]
        from_id = login["entity_id"]
        to_id = ident.create_or_update_entity(name=self.unique("target"))["data"]["id"]
        ident.merge_entities(from_entity_ids=[from_id], to_entity_id=to_id)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ident.read_entity(from_id)
        merged = ident.read_entity(to_id)["data"]
        self.assertEqual([a["name"] for a in merged["aliases"]], [user])
        self.assertEqual(merged["merged_entity_ids"], [from_id])
        again = self.server.client("").auth.userpass.login(user, "pw-123456")["auth"]
        self.assertEqual(again["entity_id"], to_id)

    def test_merge_conflict_needs_alias_to_keep(self):
        ident = self.client.secrets.identity
        acc = accessor_of(self.client, "userpass/")
        to_id = ident.create_or_update_entity(name=self.unique("t"))["data"]["id"]
        from_id = ident.create_or_update_entity(name=self.unique("f"))["data"]["id"]
        ident.create_or_update_entity_alias(name=self.unique("a1"), canonical_id=to_id,
                                            mount_accessor=acc)
        keep = ident.create_or_update_entity_alias(name=self.unique("a2"), canonical_id=from_id,
                                                   mount_accessor=acc)["data"]["id"]
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            ident.merge_entities(from_entity_ids=[from_id], to_entity_id=to_id)
        self.assertEqual(ident.read_entity(from_id)["data"]["id"], from_id)
        status, _, _, _ = self.server.raw(
            "POST", "/v1/identity/entity/merge",
            {"from_entity_ids": [from_id], "to_entity_id": to_id,
             "conflicting_alias_ids_to_keep": [keep]}, token=self.server.root_token)
        self.assertEqual(status, 204)
        aliases = ident.read_entity(to_id)["data"]["aliases"]
        self.assertEqual([a["id"] for a in aliases], [keep])

    def test_disabled_entity_tokens_are_refused(self):
        user = self.unique("d")
        self.client.auth.userpass.create_or_update_user(user, password="pw-123456")
        auth = self.server.client("").auth.userpass.login(user, "pw-123456")["auth"]
        self.client.secrets.identity.update_entity(auth["entity_id"], disabled=True)
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.server.client(auth["client_token"]).auth.token.lookup_self()
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.server.client("").auth.userpass.login(user, "pw-123456")

    def test_token_create_with_entity_alias(self):
        role = self.unique("tr")
        self.client.auth.token.create_or_update_role(role, allowed_entity_aliases=["svc-one"])
        status, _, body, _ = self.server.raw("POST", "/v1/auth/token/create/" + role,
                                             {"entity_alias": "svc-one"},
                                             token=self.server.root_token)
        self.assertEqual(status, 200, body)
        eid = body["auth"]["entity_id"]
        self.assertTrue(eid)
        ent = self.client.secrets.identity.read_entity(eid)["data"]
        self.assertEqual((ent["aliases"][0]["name"], ent["aliases"][0]["mount_type"]),
                         ("svc-one", "token"))
        status, _, body, _ = self.server.raw("POST", "/v1/auth/token/create/" + role,
                                             {"entity_alias": "svc-two"},
                                             token=self.server.root_token)
        self.assertEqual(status, 400)
        self.assertEqual(body["errors"], ["invalid 'entity_alias' value"])


class GroupTest(ServerTestCase):
    def test_group_policy_reaches_a_members_token_without_relogin(self):
        user = self.unique("g")
        self.client.auth.userpass.create_or_update_user(user, password="pw-123456")
        auth = self.server.client("").auth.userpass.login(user, "pw-123456")["auth"]
        self.assertNotIn("kvread", auth["policies"])
        member = self.server.client(auth["client_token"])
        with self.assertRaises(hvac.exceptions.Forbidden):
            member.secrets.kv.v2.read_secret_version("team/doc")
        ident = self.client.secrets.identity
        inner = ident.create_or_update_group(name=self.unique("inner"),
                                             member_entity_ids=[auth["entity_id"]])["data"]["id"]
        ident.create_or_update_group(name=self.unique("outer"), policies=["kvread"],
                                     member_group_ids=[inner])
        # Inherited through the outer group, on the token that already exists.
        self.assertEqual(member.secrets.kv.v2.read_secret_version("team/doc")["data"]["data"],
                         {"v": "1"})
        look = member.auth.token.lookup_self()["data"]
        self.assertEqual(look["identity_policies"], ["kvread"])
        self.assertEqual(look["policies"], ["default"])
        relogin = self.server.client("").auth.userpass.login(user, "pw-123456")["auth"]
        self.assertEqual(relogin["identity_policies"], ["kvread"])
        self.assertEqual(relogin["token_policies"], ["default"])
        self.assertEqual(relogin["policies"], ["default", "kvread"])

    def test_group_crud_lists_lookup_and_bad_input(self):
        ident = self.client.secrets.identity
        eid = ident.create_or_update_entity(name=self.unique("ge"))["data"]["id"]
        name = self.unique("grp")
        created = ident.create_or_update_group(name=name, policies=["a"], metadata={"k": "v"},
                                               member_entity_ids=[eid])["data"]
        gid = created["id"]
        self.assertEqual(created["name"], name)
        data = ident.read_group(gid)["data"]
        self.assertEqual((data["type"], data["policies"], data["member_entity_ids"],
                          data["metadata"]), ("internal", ["a"], [eid], {"k": "v"}))
        for field in ("parent_group_ids", "member_group_ids", "alias", "modify_index",
                      "creation_time", "last_update_time", "namespace_id"):
            self.assertIn(field, data)
        self.assertEqual(ident.read_group_by_name(name)["data"]["id"], gid)
        self.assertIn(gid, ident.list_groups()["data"]["keys"])
        self.assertEqual(ident.list_groups()["data"]["key_info"][gid]["num_member_entities"], 1)
        self.assertIn(name, ident.list_groups_by_name()["data"]["keys"])
        self.assertEqual(ident.lookup_group(name=name)["data"]["id"], gid)
        self.assertEqual(ident.read_entity(eid)["data"]["direct_group_ids"], [gid])

        ident.update_group(gid, name=name, policies=["b"])
        self.assertEqual(ident.read_group(gid)["data"]["policies"], ["b"])
        parent = ident.create_or_update_group(name=self.unique("parent"),
                                              member_group_ids=[gid])["data"]["id"]
        # A cycle, a duplicate name, entities in an external group: 400, nothing changed.
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            ident.update_group(gid, name=name, member_group_ids=[parent])
        self.assertIn("cyclic relationship detected", str(cm.exception))
        self.assertIsNone(ident.read_group(gid)["data"]["member_group_ids"])
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            ident.create_or_update_group(name=name)
        self.assertIn("group name is already in use", str(cm.exception))
        status, _, body, _ = self.server.raw(
            "POST", "/v1/identity/group",
            {"name": self.unique("ext"), "type": "external", "member_entity_ids": [eid]},
            token=self.server.root_token)
        self.assertEqual(status, 400)
        self.assertEqual(body["errors"],
                         ["member entities can't be set manually for external groups"])

        by_name = self.unique("bn")
        ident.create_or_update_group_by_name(by_name, policies=["z"])
        self.assertEqual(ident.read_group_by_name(by_name)["data"]["policies"], ["z"])
        ident.delete_group_by_name(by_name)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ident.read_group_by_name(by_name)
        ident.delete_group(parent)
        self.assertIsNone(ident.read_group(gid)["data"]["parent_group_ids"])
        ident.delete_group(gid)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ident.read_group(gid)

    def test_group_aliases_on_external_groups(self):
        ident = self.client.secrets.identity
        acc = accessor_of(self.client, "userpass/")
        internal = ident.create_or_update_group(name=self.unique("in"))["data"]["id"]
        external = ident.create_or_update_group(name=self.unique("ex"),
                                                group_type="external")["data"]["id"]
        with self.assertRaises(hvac.exceptions.InvalidRequest) as cm:
            ident.create_or_update_group_alias(name="devs", mount_accessor=acc,
                                               canonical_id=internal)
        self.assertIn("alias can't be set on an internal group", str(cm.exception))
        alias_name = self.unique("devs")
        alias_id = ident.create_or_update_group_alias(name=alias_name, mount_accessor=acc,
                                                      canonical_id=external)["data"]["id"]
        read = ident.read_group_alias(alias_id)["data"]
        self.assertEqual((read["name"], read["canonical_id"], read["mount_type"]),
                         (alias_name, external, "userpass"))
        self.assertEqual(ident.read_group(external)["data"]["alias"]["id"], alias_id)
        self.assertIn(alias_id, ident.list_group_aliases()["data"]["keys"])
        found = ident.lookup_group(alias_name=alias_name, alias_mount_accessor=acc)["data"]
        self.assertEqual(found["id"], external)
        renamed = self.unique("ops")
        ident.update_group_alias(alias_id, name=renamed, mount_accessor=acc,
                                 canonical_id=external)
        self.assertEqual(ident.read_group_alias(alias_id)["data"]["name"], renamed)
        ident.delete_group_alias(alias_id)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ident.read_group_alias(alias_id)

    def test_identity_mount_cannot_be_disabled(self):
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.disable_secrets_engine("identity")
        self.assertEqual(self.client.sys.list_mounted_secrets_engines()["data"]["identity/"]["type"],
                         "identity")


if __name__ == "__main__":
    unittest.main()
