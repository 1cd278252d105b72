"""engram.Client: statements of the query language sent to engramd (docs/server.md).

Every statement has a method (write, read, generate, ...) that sends it as a command whose
arguments are its tokens, strings as plain arguments; query() sends statement text. A result is
a dict of the statement's fields (contract.md's JSON without "ok"), with "rows" a list of dicts
for statements that return rows; a failure raises EngramError with the error catalogue's code.
"""

from .resp import Connection, Push, RespError

# The error catalogue (engram/status.h); any other code an error reply names is INTERNAL.
CODES = ("SYNTAX", "NOTFOUND", "EXISTS", "TENANT", "AUTH", "CONFLICT", "READONLY", "MAPFULL",
         "COMPUTE", "MODEL", "LIMIT", "CORRUPT", "INTERNAL")


class EngramError(Exception):
    """A failed statement or connection: code (one of CODES), message, position (a byte offset
    into what was sent, or None)."""

    def __init__(self, code, message, position=None):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message
        self.position = position


def _error_from_reply(text):
    code, _, message = text.partition(" ")
    if code not in CODES:
        return EngramError("INTERNAL", "engramd: " + text)
    position = None
    marker = " (at byte "
    at = message.rfind(marker)
    if at >= 0 and message.endswith(")") and message[at + len(marker):-1].isdigit():
        position = int(message[at + len(marker):-1])
        message = message[:at]
    return EngramError(code, message, position)


class Client:
    """One connection to engramd, and so one server-side session (its tenant comes from the
    user; a BEGIN stays open until COMMIT or ABORT). Not thread-safe: one thread at a time.

    address: "resp://host:port" (default port 7379), "host:port" or "unix:/path".
    user, password: credentials (AUTH); only a password means the user "default".
    timeout: seconds to connect and to wait for each reply (None: for ever).
    """

    def __init__(self, address="resp://127.0.0.1:7379", user=None, password=None, timeout=60.0):
        try:
            self._conn = Connection(address, timeout)
        except OSError as e:
            raise EngramError("COMPUTE", "cannot connect to %s: %s" % (address, e)) from None
        hello = ["HELLO", "3"]
        if password is not None:
            hello += ["AUTH", user or "default", password]
        try:
            reply = self._call(hello)
        except EngramError:
            self._conn.close()
            raise
        self.tenant = reply.get("tenant")

    def close(self):
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- the generic forms ---

    def command(self, *args, on_text=None):
        """Runs one statement given as its tokens: command("READ", "agent", "q", "TOP", 3)."""
        return self._result(self._call([str(a) if isinstance(a, (int, float)) else a
                                        for a in args], on_text))

    def query(self, statement, on_text=None):
        """Runs one statement given as text: query("READ agent 'q' TOP 3")."""
        return self._result(self._call(["QUERY", statement], on_text))

    def ping(self):
        return self._call(["PING"])

    def info(self):
        """INFO as a dict of its "key:value" lines."""
        text = self._call(["INFO"])
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)

    # --- one method per statement ---

    def create_memory(self, name):
        return self.command("CREATE", "MEMORY", name)

    def drop_memory(self, name, purge=False):
        return self.command("DROP", "MEMORY", name, *(["PURGE"] if purge else []))

    def write(self, memory, *facts):
        """WRITE memory 'fact', 'fact', ...: one episode."""
        if not facts:
            raise ValueError("write needs at least one fact")
        args = ["WRITE", memory]
        for i, fact in enumerate(facts):
            args += ([","] if i else []) + [fact]
        return self.command(*args)

    def read(self, memory, query, top=None):
        return self.command("READ", memory, query, *(["TOP", top] if top is not None else []))

    def forget(self, memory, fact=None, id=None, purge=False):
        """FORGET memory 'fact' | ID n [PURGE]."""
        if (fact is None) == (id is None):
            raise ValueError("forget needs exactly one of fact or id")
        target = [fact] if fact is not None else ["ID", id]
        return self.command("FORGET", memory, *target, *(["PURGE"] if purge else []))

    def generate(self, prompt, using=None, max_tokens=None, temperature=None, top_p=None,
                 seed=None, on_text=None):
        """GENERATE 'prompt' [USING m, ...] [MAX n] [TEMPERATURE t] [TOP_P p] [SEED s].
        on_text(piece) receives the text as it is produced."""
        args = ["GENERATE", prompt]
        if using:
            names = [using] if isinstance(using, str) else list(using)
            args.append("USING")
            for i, name in enumerate(names):
                args += ([","] if i else []) + [name]
        for keyword, value in (("MAX", max_tokens), ("TEMPERATURE", temperature),
                               ("TOP_P", top_p), ("SEED", seed)):
            if value is not None:
                args += [keyword, value]
        return self.command(*args, on_text=on_text)

    def snapshot(self, name, memory=None):
        return self.command("SNAPSHOT", *([memory] if memory else []), "AS", name)

    def rollback(self, to=None, version=None, memory=None):
        """ROLLBACK [memory] TO snapshot | TO VERSION n."""
        if (to is None) == (version is None):
            raise ValueError("rollback needs exactly one of to or version")
        target = [to] if to is not None else ["VERSION", version]
        return self.command("ROLLBACK", *([memory] if memory else []), "TO", *target)

    def history(self, memory, limit=None):
        return self.command("HISTORY", memory, *(["LIMIT", limit] if limit is not None else []))

    def diff(self, memory, from_ref, to_ref):
        """DIFF memory a b: refs are snapshot names, "HEAD", or ints (VERSION n)."""
        def ref(r):
            return ["VERSION", r] if isinstance(r, int) else [r]
        return self.command("DIFF", memory, *ref(from_ref), *ref(to_ref))

    def show_memories(self):
        return self.command("SHOW", "MEMORIES")

    def show_snapshots(self, memory=None):
        return self.command("SHOW", "SNAPSHOTS", *([memory] if memory else []))

    def show_stats(self):
        return self.command("SHOW", "STATS")

    def begin(self):
        return self.command("BEGIN")

    def commit(self):
        return self.command("COMMIT")

    def abort(self):
        return self.command("ABORT")

    # --- plumbing ---

    def _call(self, args, on_text=None):
        try:
            self._conn.send(*args)
            while True:
                reply = self._conn.receive()
                if not isinstance(reply, Push):
                    break
                if len(reply) == 2 and reply[0] == "generate" and on_text is not None:
                    on_text(reply[1])
        except (OSError, ConnectionError) as e:
            self._conn.close()
            raise EngramError("COMPUTE", "connection to engramd failed: %s" % e) from None
        if isinstance(reply, RespError):
            raise _error_from_reply(reply.text)
        return reply

    @staticmethod
    def _result(reply):
        if reply == "OK":
            return {}
        if not isinstance(reply, dict):
            raise EngramError("CORRUPT", "unexpected reply to a statement: %r" % (reply,))
        return reply
