"""engram: a pure-Python client of engramd, the RESP server of the engram memory database.

    import engram
    with engram.Client("resp://127.0.0.1:7379", user="alice", password="...") as db:
        db.create_memory("agent")
        db.write("agent", "Alice lives in Paris.")
        rows = db.read("agent", "Where does Alice live?", top=3)["rows"]
        text = db.generate("Once upon a time", max_tokens=16, temperature=0,
                           on_text=lambda piece: print(piece, end=""))["text"]

Standard library only; see docs/server.md.
"""

from .client import CODES, Client, EngramError

__all__ = ["CODES", "Client", "EngramError", "connect"]


def connect(address="resp://127.0.0.1:7379", user=None, password=None, timeout=60.0):
    """Client(address, user, password, timeout)."""
    return Client(address, user=user, password=password, timeout=timeout)
