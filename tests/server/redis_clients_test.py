"""Stock Redis clients against a live engramd: redis-cli (Debian redis-tools) and redis-py
(Debian python3-redis), with the statements as commands, pipelining and AUTH."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engramd_fixture import Engramd  # noqa: E402

import redis  # noqa: E402  (python3-redis, run with /usr/bin/python3)


def redis_cli(server, *args, extra=()):
    """redis-cli's stdout, with its stderr (where it reports a failed -a) after it."""
    out = subprocess.run(["redis-cli", "-p", str(server.port), *extra, *args],
                         capture_output=True, text=True, timeout=60)
    return (out.stdout.strip() + "\n" + out.stderr.strip()).strip()


class RedisCliTest(unittest.TestCase):
    def test_round_trip(self):
        self.assertIsNotNone(shutil.which("redis-cli"), "redis-cli (redis-tools) is missing")
        server = Engramd()
        try:
            self.assertEqual(redis_cli(server, "PING"), "PONG")
            self.assertEqual(redis_cli(server, "CREATE", "MEMORY", "agent"), "version\n1")
            self.assertEqual(redis_cli(server, "WRITE", "agent", "Alice lives in Paris."),
                             "version\n2\nid\n1\nfacts\n1")
            read = redis_cli(server, "READ", "agent", "Where does Alice live?", "TOP", "3")
            self.assertIn("Alice lives in Paris.", read.splitlines())
            generated = redis_cli(server, "GENERATE", "Once upon a time", "MAX", "12",
                                  "TEMPERATURE", "0")
            self.assertEqual(generated.splitlines()[1], ", there was a little girl named Lily. She")
            # RESP3 (-3): the reply is a map.
            resp3 = redis_cli(server, "QUERY", "SHOW MEMORIES", extra=["-3"])
            self.assertIn("agent", resp3)
            self.assertEqual(redis_cli(server, "QUERY", "SHOW MEMORIEZ"),
                             "SYNTAX expected MEMORIES, SNAPSHOTS or STATS after SHOW, found "
                             "'MEMORIEZ' (at byte 5)")
            # A script on stdin is pipelined.
            script = "".join("WRITE agent \"fact %d\"\n" % i for i in range(20))
            out = subprocess.run(["redis-cli", "-p", str(server.port)], input=script,
                                 capture_output=True, text=True, timeout=60).stdout
            self.assertEqual(out.count("version"), 20)
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()

    def test_auth(self):
        server = Engramd("--requirepass", "pw")
        try:
            self.assertIn("AUTH authentication required", redis_cli(server, "SHOW", "MEMORIES"))
            self.assertIn("AUTH invalid", redis_cli(server, "SHOW", "MEMORIES",
                                                     extra=["--no-auth-warning", "-a", "nope"]))
            self.assertEqual(redis_cli(server, "SHOW", "MEMORIES",
                                       extra=["--no-auth-warning", "-a", "pw"]), "rows")
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()


class RedisPyTest(unittest.TestCase):
    def test_round_trip(self):
        server = Engramd()
        try:
            r = redis.Redis(port=server.port)
            self.assertTrue(r.ping())
            self.assertEqual(r.execute_command("CREATE", "MEMORY", "agent"), [b"version", 1])
            r.execute_command("WRITE", "agent", "Alice lives in Paris.")
            read = r.execute_command("READ", "agent", "Where does Alice live?", "TOP", 1)
            fields = dict(zip(read[::2], read[1::2]))
            row = fields[b"rows"][0]
            self.assertEqual(dict(zip(row[::2], row[1::2]))[b"text"], b"Alice lives in Paris.")
            # Pipelining: many commands, one round trip, replies in order.
            pipe = r.pipeline(transaction=False)
            for i in range(50):
                pipe.execute_command("WRITE", "agent", "fact %d" % i)
            versions = [dict(zip(x[::2], x[1::2]))[b"version"] for x in pipe.execute()]
            self.assertEqual(versions, list(range(3, 53)))
            with self.assertRaises(redis.ResponseError) as e:
                r.execute_command("READ", "ghost", "q")
            self.assertTrue(str(e.exception).startswith("NOTFOUND"))
            r.close()
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()

    def test_users(self):
        users = tempfile.NamedTemporaryFile("w", delete=False)
        users.write("alice a-pass team_a\n")
        users.close()
        server = Engramd("--users", users.name)
        try:
            # redis-py raises the error reply it does not map to a class of its own.
            with self.assertRaises(redis.ResponseError) as e:
                redis.Redis(port=server.port, username="alice", password="wrong").ping()
            self.assertTrue(str(e.exception).startswith("AUTH invalid"))
            with self.assertRaises(redis.ResponseError):
                redis.Redis(port=server.port).execute_command("SHOW", "MEMORIES")
            r = redis.Redis(port=server.port, username="alice", password="a-pass")
            self.assertEqual(r.execute_command("CREATE", "MEMORY", "m"), [b"version", 1])
            stats = r.execute_command("SHOW", "STATS")[1][0]
            self.assertEqual(dict(zip(stats[::2], stats[1::2]))[b"tenant"], b"team_a")
            r.close()
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()
            os.unlink(users.name)


if __name__ == "__main__":
    unittest.main()
