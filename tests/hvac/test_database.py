"""hvac against `arca server -dev`: the database engine on a real PostgreSQL, and leases.

PostgreSQL is started on loopback in a temporary directory (initdb + pg_ctl, as the postgres
system user when run as root, since PostgreSQL refuses to run as root). If it cannot start, the
suite fails: the service is part of what it tests.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import hvac

import harness
from harness import ServerTestCase

PG_BIN = "/usr/lib/postgresql/15/bin"
ADMIN = "arca_admin"


class Postgres:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="arca-hvac-pg-")
        os.chmod(self.dir, 0o755)
        self.password = "admin-%d" % os.getpid()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        if self.as_root:
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        self._run([PG_BIN + "/initdb", "-D", self.dir + "/data", "-U", ADMIN,
                   "--pwfile=" + pwfile, "-A", "scram-sha-256", "--no-sync"])
        # PostgreSQL cannot bind port 0 and report it: pick a free port; a lost race makes
        # pg_ctl fail ("already in use") and another port is tried.
        last = None
        for _ in range(3):
            self.port = harness.free_port()
            try:
                self._run([PG_BIN + "/pg_ctl", "-D", self.dir + "/data", "-l", self.dir + "/log",
                           "-w", "-t", "30", "-o",
                           "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off"
                           % (self.port, self.dir), "start"])
                return
            except RuntimeError as e:
                last = e
                if "already in use" not in self._log():
                    break
        raise RuntimeError("PostgreSQL did not start: %s\n%s" % (last, self._log()))

    def _log(self):
        try:
            with open(self.dir + "/log") as f:
                return f.read()
        except OSError:
            return ""

    def _run(self, argv):
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("%s failed: %s%s" % (argv, out.stdout, out.stderr))
        return out.stdout

    def sql(self, user, password, query):
        """Runs `query` as `user`; returns (exit code, output)."""
        env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
        out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                              "-h", "127.0.0.1", "-p", str(self.port), "-U", user,
                              "-d", "postgres", "-c", query],
                             capture_output=True, text=True, env=env, timeout=30)
        return out.returncode, (out.stdout + out.stderr).strip()

    def admin_sql(self, query):
        rc, out = self.sql(ADMIN, self.password, query)
        if rc != 0:
            raise RuntimeError("admin SQL failed: " + out)
        return out

    def role_exists(self, name):
        return self.admin_sql("SELECT count(*) FROM pg_roles WHERE rolname = '%s'" % name) == "1"

    def stop(self):
        try:
            self._run([PG_BIN + "/pg_ctl", "-D", self.dir + "/data", "-m", "immediate", "-w",
                       "stop"])
        except RuntimeError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


PG = None


def setUpModule():
    global PG
    PG = Postgres()
    PG.admin_sql("CREATE TABLE IF NOT EXISTS items(id int); INSERT INTO items VALUES (1);")
    harness.start_dev_server()
    harness.ServerTestCase.server.client().sys.enable_secrets_engine("database")


def tearDownModule():
    harness.stop_server()
    if PG is not None:
        PG.stop()


def eventually(pred, timeout_s=10):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


CREATE = ("CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL "
          "'{{expiration}}'; GRANT SELECT ON items TO \"{{name}}\";")


class DatabaseTest(ServerTestCase):
    def configure(self, name, roles):
        self.client.secrets.database.configure(
            name, "postgresql-database-plugin", allowed_roles=roles,
            connection_url="postgresql://{{username}}:{{password}}@127.0.0.1:%d/postgres"
                           "?sslmode=disable" % PG.port,
            username=ADMIN, password=PG.password)

    def test_connection_and_role_crud(self):
        db = self.client.secrets.database
        conn = self.unique("pg")
        self.configure(conn, ["ro"])
        read = db.read_connection(conn)["data"]
        self.assertEqual(read["plugin_name"], "postgresql-database-plugin")
        self.assertEqual(read["allowed_roles"], ["ro"])
        # The password never comes back.
        self.assertNotIn("password", read["connection_details"])
        self.assertIn(conn, db.list_connections()["data"]["keys"])

        role = self.unique("role")
        db.create_role(role, conn, [CREATE], default_ttl="1h", max_ttl="24h")
        r = db.read_role(role)["data"]
        self.assertEqual((r["db_name"], r["default_ttl"], r["max_ttl"]), (conn, 3600, 86400))
        self.assertIn(role, db.list_roles()["data"]["keys"])
        db.delete_role(role)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            db.read_role(role)
        db.delete_connection(conn)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            db.read_connection(conn)

    def test_dynamic_credentials_lease_renew_and_revoke(self):
        db = self.client.secrets.database
        conn = self.unique("pg")
        self.configure(conn, ["*"])
        role = self.unique("ro")
        db.create_role(role, conn, [CREATE], default_ttl="1h", max_ttl="24h")

        creds = db.generate_credentials(role)
        user, password = creds["data"]["username"], creds["data"]["password"]
        lease_id = creds["lease_id"]
        self.assertTrue(lease_id.startswith("database/creds/%s/" % role), lease_id)
        self.assertEqual(creds["lease_duration"], 3600)
        self.assertTrue(creds["renewable"])
        rc, out = PG.sql(user, password, "SELECT count(*) FROM items")
        self.assertEqual((rc, out), (0, "1"))
        rc, _ = PG.sql(user, password, "INSERT INTO items VALUES (2)")
        self.assertNotEqual(rc, 0, "the role only grants SELECT")

        # A successful renewal: the lease gets the increment asked for.
        lease = self.client.sys.read_lease(lease_id)["data"]
        self.assertEqual(lease["id"], lease_id)
        self.assertTrue(lease["renewable"])
        renewed = self.client.sys.renew_lease(lease_id, increment=7200)
        self.assertEqual(renewed["lease_id"], lease_id)
        self.assertEqual(renewed["lease_duration"], 7200)
        self.assertTrue(renewed["renewable"])
        ttl = self.client.sys.read_lease(lease_id)["data"]["ttl"]
        self.assertGreater(ttl, 3600)
        self.assertLessEqual(ttl, 7200)
        # The credentials still work after the renewal.
        self.assertEqual(PG.sql(user, password, "SELECT 1")[0], 0)

        self.assertIn(lease_id.rsplit("/", 1)[1],
                      self.client.sys.list_leases("database/creds/%s" % role)["data"]["keys"])

        self.client.sys.revoke_lease(lease_id)
        self.assertTrue(eventually(lambda: not PG.role_exists(user)), "role still exists")
        self.assertNotEqual(PG.sql(user, password, "SELECT 1")[0], 0)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.read_lease(lease_id)

    def test_revoke_prefix_removes_every_user(self):
        db = self.client.secrets.database
        conn = self.unique("pg")
        self.configure(conn, ["*"])
        role = self.unique("many")
        db.create_role(role, conn, [CREATE], default_ttl="1h")
        users = [db.generate_credentials(role)["data"]["username"] for _ in range(3)]
        self.assertTrue(all(PG.role_exists(u) for u in users))
        self.client.sys.revoke_prefix("database/creds/%s" % role)
        self.assertTrue(eventually(lambda: not any(PG.role_exists(u) for u in users)))

    def test_bad_input(self):
        db = self.client.secrets.database
        # A role without a connection name, and credentials of an unknown role.
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            db.create_role(self.unique("r"), "", [CREATE])
        with self.assertRaises((hvac.exceptions.InvalidRequest, hvac.exceptions.InvalidPath)):
            db.generate_credentials(self.unique("nope"))
        # A connection that cannot connect is refused (verify_connection defaults to true)
        # and not stored.
        name = self.unique("down")
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            db.configure(name, "postgresql-database-plugin",
                         connection_url="postgresql://{{username}}:{{password}}@127.0.0.1:1/x"
                                        "?sslmode=disable&connect_timeout=2",
                         username=ADMIN, password="wrong")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            db.read_connection(name)
        # A role not in the connection's allowed_roles gets no credentials.
        conn = self.unique("pg")
        self.configure(conn, ["only-this"])
        role = self.unique("other")
        db.create_role(role, conn, [CREATE])
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            db.generate_credentials(role)
        # Renewing a lease that does not exist.
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            self.client.sys.renew_lease("database/creds/%s/nope" % role)


if __name__ == "__main__":
    unittest.main()
