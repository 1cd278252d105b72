"""The pure-Python client (client/python, package `engram`) against a live engramd: every verb,
streaming GENERATE, errors with codes and positions, authentication and tenants."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engramd_fixture import Engramd  # noqa: E402

import engram  # noqa: E402  (PYTHONPATH=client/python)


class PythonClientTest(unittest.TestCase):
    def setUp(self):
        self.server = Engramd()

    def tearDown(self):
        self.assertEqual(self.server.stop(), 0)
        self.server.cleanup()

    def test_every_verb(self):
        with engram.connect(self.server.address) as db:
            self.assertEqual(db.tenant, "default")
            self.assertEqual(db.ping(), "PONG")
            self.assertEqual(db.create_memory("agent"), {"version": 1})
            written = db.write("agent", "Alice lives in Paris.", "Bob's cat is called 'Tom'.")
            self.assertEqual(written["version"], 2)
            read = db.read("agent", "Where does Alice live?", top=1)
            self.assertIsInstance(read["in_scope"], bool)
            self.assertEqual(read["rows"][0]["text"], "Alice lives in Paris.")
            self.assertIsInstance(read["rows"][0]["score"], float)
            self.assertEqual(db.snapshot("clean", memory="agent")["version"], 2)
            db.forget("agent", fact="Alice lives in Paris.")
            self.assertNotIn("Alice lives in Paris.",
                             [r["text"] for r in db.read("agent", "Alice Paris", top=5)["rows"]])
            db.rollback(to="clean", memory="agent")
            self.assertEqual(db.read("agent", "Where does Alice live?", top=1)["rows"][0]["text"],
                             "Alice lives in Paris.")
            history = db.history("agent", limit=10)["rows"]
            self.assertEqual(history[-1]["statement"], "CREATE MEMORY agent")
            diff = db.diff("agent", 2, "HEAD")
            self.assertIn("rows", diff)
            self.assertEqual([m["name"] for m in db.show_memories()["rows"]], ["agent"])
            self.assertEqual(db.show_snapshots("agent")["rows"][0]["name"], "clean")
            stats = db.show_stats()["rows"][0]
            self.assertEqual(stats["tenant"], "default")
            self.assertNotIn("head", stats)
            self.assertEqual(db.begin(), {})
            db.create_memory("scratch")
            self.assertEqual(db.abort(), {})
            self.assertEqual(len(db.show_memories()["rows"]), 1)
            self.assertEqual(db.query("SHOW MEMORIES")["rows"][0]["name"], "agent")
            self.assertEqual(db.drop_memory("agent", purge=True)["version"], 5)
            self.assertEqual(db.info()["tenant"], "default")

    def test_generate_streams(self):
        pieces = []
        with engram.connect("unix:" + self.server.socket) as db:
            result = db.generate("Once upon a time", max_tokens=12, temperature=0,
                                 on_text=pieces.append)
        self.assertGreater(len(pieces), 1)
        self.assertEqual("".join(pieces), result["text"])
        self.assertEqual(result["text"], ", there was a little girl named Lily. She")
        self.assertEqual(result["tokens"], 12)

    def test_errors(self):
        with engram.connect(self.server.address) as db:
            with self.assertRaises(engram.EngramError) as e:
                db.query("SHOW MEMORIEZ")
            self.assertEqual(e.exception.code, "SYNTAX")
            self.assertEqual(e.exception.position, 5)
            with self.assertRaises(engram.EngramError) as e:
                db.read("ghost", "q")
            self.assertEqual(e.exception.code, "NOTFOUND")
            db.create_memory("m")
            with self.assertRaises(engram.EngramError) as e:
                db.create_memory("m")
            self.assertEqual(e.exception.code, "EXISTS")
            self.assertEqual(db.ping(), "PONG")
        with self.assertRaises(engram.EngramError) as e:
            engram.connect("resp://127.0.0.1:1")
        self.assertEqual(e.exception.code, "COMPUTE")


class PythonClientAuthTest(unittest.TestCase):
    def test_users_and_tenants(self):
        users = tempfile.NamedTemporaryFile("w", delete=False)
        users.write("alice a-pass team_a\nbob b-pass team_b\n")
        users.close()
        server = Engramd("--users", users.name)
        try:
            with self.assertRaises(engram.EngramError) as e:
                engram.connect(server.address, user="alice", password="wrong")
            self.assertEqual(e.exception.code, "AUTH")
            with engram.connect(server.address) as anonymous:
                with self.assertRaises(engram.EngramError) as e:
                    anonymous.show_memories()
                self.assertEqual(e.exception.code, "AUTH")
            alice = engram.connect(server.address, user="alice", password="a-pass")
            bob = engram.connect(server.address, user="bob", password="b-pass")
            self.assertEqual((alice.tenant, bob.tenant), ("team_a", "team_b"))
            alice.create_memory("notes")
            alice.write("notes", "Alice's secret.")
            with self.assertRaises(engram.EngramError) as e:
                bob.read("notes", "secret")
            self.assertEqual(e.exception.code, "NOTFOUND")
            bob.create_memory("notes")
            self.assertEqual(bob.read("notes", "secret", top=5)["rows"], [])
            alice.close()
            bob.close()
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()
            os.unlink(users.name)


if __name__ == "__main__":
    unittest.main()
