"""hvac against `arca server -dev`: identity tokens (identity/oidc/*) verified with PyJWT
(Debian's python3-jwt) against the published JWKS, key rotation with verification_ttl,
introspection, and templated ACL policies (each user reads only its own folder)."""

import time
import unittest

import hvac
import jwt

import harness
from harness import ServerTestCase

USER_POLICY = """
path "identity/oidc/token/*" {
  capabilities = ["read"]
}
path "identity/oidc/introspect" {
  capabilities = ["update"]
}
"""


def setUpModule():
    harness.start_dev_server()
    c = harness.ServerTestCase.server.client()
    c.sys.enable_auth_method("userpass")
    c.sys.create_or_update_policy("oidc-user", USER_POLICY)


def tearDownModule():
    harness.stop_server()


def poll(predicate, timeout_s=20, what="condition"):
    """Polls `predicate` until it is true or the deadline passes (then fails)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def kid_of(token):
    return jwt.get_unverified_header(token)["kid"]


class IdentityTokenTest(ServerTestCase):
    def login(self, username):
        up = self.client.auth.userpass
        up.create_or_update_user(username, password="pw-" + username, policies=["oidc-user"])
        user = self.server.client("")
        user.auth.userpass.login(username, "pw-" + username)
        return user

    def jwks(self):
        status, headers, body, _ = self.server.raw("GET", "/v1/identity/oidc/.well-known/keys")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        return body

    def discovery(self):
        status, _, body, _ = self.server.raw(
            "GET", "/v1/identity/oidc/.well-known/openid-configuration")
        self.assertEqual(status, 200)
        return body

    def verify(self, token, client_id):
        """Verifies `token` with PyJWT against the JWKS the server publishes now."""
        keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(self.jwks()).keys}
        header = jwt.get_unverified_header(token)
        if header["kid"] not in keys:
            raise jwt.InvalidTokenError("kid %s is not published" % header["kid"])
        return jwt.decode(token, key=keys[header["kid"]].key, algorithms=[header["alg"]],
                          audience=client_id, issuer=self.discovery()["issuer"])

    def test_tokens_verify_with_pyjwt_for_every_algorithm(self):
        ident = self.client.secrets.identity
        user = self.login(self.unique("tok"))
        entity_id = user.auth.token.lookup_self()["data"]["entity_id"]
        self.assertTrue(entity_id)
        accessor = self.client.sys.list_auth_methods()["data"]["userpass/"]["accessor"]
        template = ('{"login": {{identity.entity.aliases.%s.name}}, '
                    '"entity": {{identity.entity.name}}}' % accessor)
        for alg in ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"]:
            with self.subTest(alg=alg):
                key, role = self.unique("key"), self.unique("role")
                ident.create_named_key(key, allowed_client_ids=["*"], algorithm=alg)
                self.assertEqual(ident.read_named_key(key)["data"]["algorithm"], alg)
                ident.create_or_update_role(role, key=key, template=template, ttl="30m")
                client_id = ident.read_role(role)["data"]["client_id"]
                resp = user.secrets.identity.generate_signed_id_token(role)["data"]
                self.assertEqual(resp["client_id"], client_id)
                self.assertEqual(resp["ttl"], 1800)
                claims = self.verify(resp["token"], client_id)
                self.assertEqual(claims["sub"], entity_id)
                self.assertEqual(claims["aud"], client_id)
                self.assertEqual(claims["namespace"], "root")
                self.assertEqual(claims["exp"] - claims["iat"], 1800)
                self.assertEqual(claims["login"], user.auth.token.lookup_self()["data"]["meta"]["username"])
                self.assertTrue(claims["entity"])
                self.assertEqual(jwt.get_unverified_header(resp["token"])["alg"], alg)
                intro = user.secrets.identity.introspect_signed_id_token(resp["token"], client_id)
                self.assertEqual(intro, {"active": True})
                # A token signed by someone else's key is refused by both.
                forged = jwt.encode({"sub": entity_id}, "secret", algorithm="HS256")
                self.assertFalse(
                    user.secrets.identity.introspect_signed_id_token(forged)["active"])

    def test_rotated_key_verifies_until_verification_ttl_passes(self):
        ident = self.client.secrets.identity
        user = self.login(self.unique("rot"))
        key, role = self.unique("key"), self.unique("role")
        ident.create_named_key(key, rotation_period="1h", verification_ttl="1h",
                               allowed_client_ids=["*"], algorithm="ES256")
        ident.create_or_update_role(role, key=key, ttl="10m")
        client_id = ident.read_role(role)["data"]["client_id"]
        old = user.secrets.identity.generate_signed_id_token(role)["data"]["token"]
        self.verify(old, client_id)
        # hvac 0.11's rotate_named_key posts to the key itself, not .../rotate: the HTTP API.
        status, _, _, _ = self.server.raw("POST", "/v1/identity/oidc/key/%s/rotate" % key,
                                          {"verification_ttl": "3s"},
                                          token=self.server.root_token)
        self.assertEqual(status, 204)
        new = user.secrets.identity.generate_signed_id_token(role)["data"]["token"]
        self.assertNotEqual(kid_of(old), kid_of(new))
        # Right after the rotation both verify.
        self.verify(old, client_id)
        self.verify(new, client_id)
        self.assertTrue(user.secrets.identity.introspect_signed_id_token(old, client_id)["active"])
        # Once verification_ttl has passed, the old key is gone from the JWKS.
        poll(lambda: kid_of(old) not in [k["kid"] for k in self.jwks()["keys"]],
             what="the rotated key to leave the JWKS")
        with self.assertRaises(jwt.InvalidTokenError):
            self.verify(old, client_id)
        intro = user.secrets.identity.introspect_signed_id_token(old, client_id)
        self.assertEqual(intro, {"active": False, "error": "unable to validate the token signature"})
        self.verify(new, client_id)
        self.assertTrue(user.secrets.identity.introspect_signed_id_token(new, client_id)["active"])

    def test_introspect_inactive_for_disabled_or_deleted_entity_and_wrong_client(self):
        ident = self.client.secrets.identity
        user = self.login(self.unique("ent"))
        entity_id = user.auth.token.lookup_self()["data"]["entity_id"]
        key, role = self.unique("key"), self.unique("role")
        ident.create_named_key(key, allowed_client_ids=["*"])
        ident.create_or_update_role(role, key=key)
        client_id = ident.read_role(role)["data"]["client_id"]
        token = user.secrets.identity.generate_signed_id_token(role)["data"]["token"]
        self.assertTrue(ident.introspect_signed_id_token(token, client_id)["active"])
        wrong = ident.introspect_signed_id_token(token, "not-" + client_id)
        self.assertFalse(wrong["active"])
        self.assertIn("invalid audience claim (aud)", wrong["error"])
        self.client.write("identity/entity/id/" + entity_id, disabled=True)
        self.assertEqual(ident.introspect_signed_id_token(token),
                         {"active": False, "error": "entity is disabled"})
        self.client.write("identity/entity/id/" + entity_id, disabled=False)
        self.assertTrue(ident.introspect_signed_id_token(token)["active"])
        self.client.delete("identity/entity/id/" + entity_id)
        self.assertEqual(ident.introspect_signed_id_token(token),
                         {"active": False, "error": "entity was not found"})

    def test_endpoints_and_bad_input(self):
        ident = self.client.secrets.identity
        key, role = self.unique("key"), self.unique("role")
        ident.create_named_key(key, allowed_client_ids=["*"])
        self.assertIn(key, ident.list_named_keys()["data"]["keys"])
        ident.create_or_update_role(role, key=key)
        self.assertIn(role, ident.list_roles()["data"]["keys"])
        # Discovery and keys are unauthenticated; the discovery names the keys URL.
        disc = self.discovery()
        self.assertEqual(disc["jwks_uri"], disc["issuer"] + "/.well-known/keys")
        self.assertTrue(disc["issuer"].endswith("/v1/identity/oidc"))
        self.assertIn("EdDSA", disc["id_token_signing_alg_values_supported"])
        self.assertTrue(self.jwks()["keys"])
        # The issuer: configured, validated.
        ident.configure_tokens_backend(issuer="https://issuer.example:8200")
        self.assertEqual(ident.read_tokens_backend_configuration()["data"]["issuer"],
                         "https://issuer.example:8200")
        self.assertEqual(self.discovery()["issuer"], "https://issuer.example:8200/v1/identity/oidc")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            ident.configure_tokens_backend(issuer="https://issuer.example/with/path")
        ident.configure_tokens_backend(issuer="")
        self.assertEqual(ident.read_tokens_backend_configuration()["data"]["issuer"], "")

        with self.assertRaises(hvac.exceptions.InvalidRequest):
            ident.create_named_key(self.unique("bad"), algorithm="HS256")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            ident.create_named_key(self.unique("bad"), rotation_period="10s")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            ident.create_or_update_role(self.unique("bad"), key="no-such-key")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            ident.create_or_update_role(self.unique("bad"), key=key, template='{"sub": "x"}')
        with self.assertRaises(hvac.exceptions.InvalidRequest) as ctx:
            ident.delete_named_key(key)  # a role uses it
        self.assertIn("currently referenced by these roles", str(ctx.exception))
        self.assertEqual(ident.read_named_key(key)["data"]["algorithm"], "RS256")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            ident.generate_signed_id_token(self.unique("no-role"))
        # The root token has no entity.
        with self.assertRaises(hvac.exceptions.InvalidRequest) as ctx:
            ident.generate_signed_id_token(role)
        self.assertIn("no entity associated with the request's token", str(ctx.exception))
        # No token: the token path needs one.
        status, _, _, _ = self.server.raw("GET", "/v1/identity/oidc/token/" + role)
        self.assertEqual(status, 403)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            ident.read_named_key(self.unique("missing"))
        ident.delete_role(role)
        ident.delete_named_key(key)
        try:
            remaining = ident.list_named_keys()["data"]["keys"]
        except hvac.exceptions.InvalidPath:  # an empty LIST is a 404, as in Vault
            remaining = []
        self.assertNotIn(key, remaining)


class TemplatedPolicyTest(ServerTestCase):
    def test_each_user_reads_only_its_own_folder(self):
        accessor = self.client.sys.list_auth_methods()["data"]["userpass/"]["accessor"]
        self.client.sys.create_or_update_policy("own-folder", """
path "secret/data/users/{{identity.entity.aliases.%s.name}}/*" {
  capabilities = ["read"]
}
path "secret/data/users/{{identity.entity.metadata.no_such_key}}/*" {
  capabilities = ["read"]
}
""" % accessor)
        names = [self.unique("alice"), self.unique("bob")]
        clients = {}
        for n in names:
            self.client.secrets.kv.v2.create_or_update_secret("users/%s/k" % n, secret={"v": n})
            self.client.auth.userpass.create_or_update_user(n, password="pw", policies=["own-folder"])
            c = self.server.client("")
            c.auth.userpass.login(n, "pw")
            clients[n] = c
        a, b = names
        self.assertEqual(
            clients[a].secrets.kv.v2.read_secret_version("users/%s/k" % a)["data"]["data"], {"v": a})
        self.assertEqual(
            clients[b].secrets.kv.v2.read_secret_version("users/%s/k" % b)["data"]["data"], {"v": b})
        with self.assertRaises(hvac.exceptions.Forbidden):
            clients[a].secrets.kv.v2.read_secret_version("users/%s/k" % b)
        with self.assertRaises(hvac.exceptions.Forbidden):
            clients[b].secrets.kv.v2.read_secret_version("users/%s/k" % a)
        # The unresolvable path granted nothing: not even a literal "{{...}}" folder.
        with self.assertRaises(hvac.exceptions.Forbidden):
            clients[a].secrets.kv.v2.read_secret_version(
                "users/{{identity.entity.metadata.no_such_key}}/k")
        # A token without an entity (root-created) with the same policy gets nothing templated.
        orphan = self.client.auth.token.create(policies=["own-folder"])["auth"]["client_token"]
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.server.client(orphan).secrets.kv.v2.read_secret_version("users/%s/k" % a)
        # sys/capabilities-self resolves the templates too.
        caps = clients[a].sys.get_capabilities(["secret/data/users/%s/k" % a,
                                                "secret/data/users/%s/k" % b])
        self.assertEqual(caps["data"]["secret/data/users/%s/k" % a], ["read"])
        self.assertEqual(caps["data"]["secret/data/users/%s/k" % b], ["deny"])


if __name__ == "__main__":
    unittest.main()
