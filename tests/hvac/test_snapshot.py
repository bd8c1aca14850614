"""hvac's raft snapshot calls against Arca (inmem storage of a dev server): take, restore,
bad input, another cluster's snapshot without and with force."""

import unittest

import hvac

from harness import ArcaServer

server = None
other = None


def setUpModule():
    global server, other
    server = ArcaServer(dev=True)
    other = ArcaServer(dev=True)


def tearDownModule():
    for s in (server, other):
        if s is not None:
            s.stop()


def take(client):
    resp = client.sys.take_raft_snapshot()
    resp.raise_for_status()
    return resp.content


class SnapshotTest(unittest.TestCase):
    def test_take_and_restore(self):
        c = server.client()
        c.secrets.kv.v2.create_or_update_secret(path="snap/before", secret={"v": "1"})
        snap = take(c)
        self.assertEqual(snap[:2], b"\x1f\x8b")  # gzip
        c.secrets.kv.v2.create_or_update_secret(path="snap/after", secret={"v": "2"})

        resp = c.sys.restore_raft_snapshot(snap)
        self.assertEqual(resp.status_code, 204)
        got = c.secrets.kv.v2.read_secret_version(path="snap/before")
        self.assertEqual(got["data"]["data"], {"v": "1"})
        with self.assertRaises(hvac.exceptions.InvalidPath):
            c.secrets.kv.v2.read_secret_version(path="snap/after")

    def test_bad_snapshots_are_refused(self):
        c = server.client()
        c.secrets.kv.v2.create_or_update_secret(path="snap/marker", secret={"v": "m"})
        snap = take(c)
        for body in (b"", b"not a snapshot", snap[: len(snap) // 2]):
            with self.assertRaises(hvac.exceptions.InvalidRequest):
                c.sys.restore_raft_snapshot(body)
            with self.assertRaises(hvac.exceptions.InvalidRequest):
                c.sys.force_restore_raft_snapshot(body)
        got = c.secrets.kv.v2.read_secret_version(path="snap/marker")
        self.assertEqual(got["data"]["data"], {"v": "m"})

    def test_another_keyring_needs_force(self):
        theirs = take(other.client())
        c = server.client()
        with self.assertRaises(hvac.exceptions.InvalidRequest) as ctx:
            c.sys.restore_raft_snapshot(theirs)
        self.assertIn("use the snapshot-force API to bypass this check", str(ctx.exception))
        self.assertFalse(c.sys.is_sealed())


class ForceTest(unittest.TestCase):
    def test_forced_restore_seals(self):
        # A server of its own: it ends sealed.
        victim = ArcaServer(dev=True)
        try:
            theirs = take(other.client())
            c = victim.client()
            resp = c.sys.force_restore_raft_snapshot(theirs)
            self.assertEqual(resp.status_code, 204)
            self.assertTrue(c.sys.is_sealed())
        finally:
            victim.stop()


if __name__ == "__main__":
    unittest.main()
