"""hvac (client.auth.kubernetes.*) against `arca server -dev` and a Kubernetes TokenReview
STAND-IN (tests/services/tokenreview_standin.py: no Kubernetes API server is packaged in Debian,
so a small HTTPS server on loopback mints service account tokens and answers TokenReviews as the
API server does, checking the reviewer's bearer token)."""

import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import hvac

import harness
from harness import ServerTestCase

STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "services",
                       "tokenreview_standin.py")
ADMIN = "standin-admin-" + os.urandom(8).hex()
AUD = "https://kubernetes.default.svc.cluster.local"


class Standin:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="arca-k8s-")
        self.out = open(os.path.join(self.dir, "out"), "w+")
        self.proc = subprocess.Popen(
            [sys.executable, STANDIN, "--dir", self.dir, "--admin-token", ADMIN,
             "--service-account", "prod:app", "--service-account", "prod:other",
             "--service-account", "dev:app", "--reviewer", "kube-system:vault-reviewer"],
            stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        self.port = None
        while self.port is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.out.seek(0)
                raise RuntimeError("the TokenReview stand-in did not start: " + self.out.read())
            self.out.seek(0)
            for line in self.out.read().splitlines():
                if line.startswith("PORT "):
                    self.port = int(line.split()[1])
            time.sleep(0.05)
        self.url = "https://127.0.0.1:%d" % self.port
        self.ca = self.file("ca.crt")
        self.ctx = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.crt"))

    def file(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read()

    def call(self, method, path, body=None, token=ADMIN):
        req = urllib.request.Request(self.url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def token(self, ns, name, audiences=None):
        status, body = self.call("POST", "/api/v1/namespaces/%s/serviceaccounts/%s/token"
                                 % (ns, name), {"spec": {"audiences": audiences or []}})
        assert status == 201, body
        return body["status"]["token"]

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.out.close()
        shutil.rmtree(self.dir, ignore_errors=True)


standin = None


def setUpModule():
    global standin
    standin = Standin()
    harness.start_dev_server()
    ServerTestCase.server.client().sys.enable_auth_method("kubernetes")


def tearDownModule():
    harness.stop_server()
    if standin is not None:
        standin.stop()


class KubernetesAuthTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.k8s = self.client.auth.kubernetes
        self.reviewer = standin.token("kube-system", "vault-reviewer")
        self.k8s.configure(standin.url, kubernetes_ca_cert=standin.ca,
                           token_reviewer_jwt=self.reviewer)
        self.k8s.create_role("app", ["app"], ["prod"], policies=["app-read"], ttl="20m")

    def login(self, jwt, role="app"):
        return self.server.client("").auth.kubernetes.login(role, jwt)

    def test_config_roles_crud(self):
        cfg = self.k8s.read_config()
        self.assertEqual(cfg["kubernetes_host"], standin.url)
        self.assertEqual(cfg["kubernetes_ca_cert"], standin.ca)
        self.assertTrue(cfg["token_reviewer_jwt_set"])
        self.assertNotIn("token_reviewer_jwt", cfg)
        self.assertNotIn(self.reviewer, json.dumps(cfg))

        self.k8s.create_role("web", "web,api-*", ["stage-*"], policies="web", period="1h")
        role = self.k8s.read_role("web")
        self.assertEqual(role["bound_service_account_names"], ["web", "api-*"])
        self.assertEqual(role["bound_service_account_namespaces"], ["stage-*"])
        self.assertEqual(role["token_policies"], ["web"])
        self.assertEqual(role["token_period"], 3600)
        self.assertEqual(role["alias_name_source"], "serviceaccount_uid")
        self.assertIn("web", self.k8s.list_roles()["keys"])
        self.k8s.delete_role("web")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.k8s.read_role("web")

    def test_bad_input(self):
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.k8s.configure("")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.k8s.create_role("bad", [], ["prod"])
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.k8s.create_role("bad", ["*", "app"], ["prod"])
        with self.assertRaises(hvac.exceptions.InvalidPath):
            self.k8s.read_role("bad")
        # Nothing changed by the refused configure.
        self.assertEqual(self.k8s.read_config()["kubernetes_host"], standin.url)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.login(standin.token("prod", "app"), role="nope")

    def test_login(self):
        jwt = standin.token("prod", "app")
        login = self.login(jwt)
        auth = login["auth"]
        self.assertEqual(auth["policies"], ["app-read", "default"])
        self.assertEqual(auth["lease_duration"], 1200)
        meta = auth["metadata"]
        self.assertEqual((meta["role"], meta["service_account_name"],
                          meta["service_account_namespace"]), ("app", "app", "prod"))
        self.assertTrue(meta["service_account_uid"])
        me = self.server.client(auth["client_token"]).auth.token.lookup_self()["data"]
        self.assertEqual(me["display_name"], "kubernetes-prod-app")
        self.assertEqual(me["meta"]["service_account_uid"], meta["service_account_uid"])
        # The reviewer token never reaches the server's log.
        self.assertNotIn(self.reviewer, self.server.log())
        self.assertNotIn(jwt, self.server.log())

    def test_wrong_namespace_or_name_refused(self):
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.login(standin.token("dev", "app"))
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.login(standin.token("prod", "other"))

    def test_unauthenticated_token_refused(self):
        status, body = standin.call("POST", "/api/v1/namespaces/prod/serviceaccounts",
                                    {"metadata": {"name": "gone"}})
        self.assertEqual(status, 201, body)
        self.k8s.create_role("gone", ["gone"], ["prod"])
        jwt = standin.token("prod", "gone")
        self.assertIn("auth", self.login(jwt, role="gone"))
        status, _ = standin.call("DELETE", "/api/v1/namespaces/prod/serviceaccounts/gone")
        self.assertEqual(status, 200)
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.login(jwt, role="gone")


    def test_role_audience(self):
        self.k8s.create_role("aud", ["app"], ["prod"])
        self.client.write("auth/kubernetes/role/aud", audience="vault")
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.login(standin.token("prod", "app", audiences=["something-else"]), role="aud")
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.login(standin.token("prod", "app"), role="aud")
        self.assertIn("auth", self.login(standin.token("prod", "app", audiences=["vault"]),
                                         role="aud"))

    def test_wrong_reviewer_token_refused(self):
        # A valid service account token without the right to create TokenReviews.
        self.k8s.configure(standin.url, kubernetes_ca_cert=standin.ca,
                           token_reviewer_jwt=standin.token("prod", "other"))
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.login(standin.token("prod", "app"))
        # Not a token the API server knows at all.
        self.k8s.configure(standin.url, kubernetes_ca_cert=standin.ca,
                           token_reviewer_jwt="not-a-reviewer")
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.login(standin.token("prod", "app"))

    def test_bad_ca_refused(self):
        self.k8s.configure(standin.url, kubernetes_ca_cert=standin.file("other-ca.crt"),
                           token_reviewer_jwt=self.reviewer)
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.login(standin.token("prod", "app"))

    def test_pem_keys_verify_locally(self):
        self.k8s.configure(standin.url, kubernetes_ca_cert=standin.ca,
                           token_reviewer_jwt=self.reviewer, pem_keys=[standin.file("sa.crt")])
        self.assertIn("auth", self.login(standin.token("prod", "app")))
        # The same claims with a broken signature.
        head, payload, sig = standin.token("prod", "app").split(".")
        forged = ".".join([head, payload, sig[::-1]])
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.login(forged)


if __name__ == "__main__":
    unittest.main()
