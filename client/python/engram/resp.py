"""A blocking RESP2/RESP3 connection: commands out as arrays of bulk strings, values back.

Internal to the engram package (standard library only). Values decode to Python types:
simple and bulk strings to str (UTF-8, invalid bytes replaced), integers to int, doubles to
float, booleans to bool, null to None, arrays and sets to list, maps to dict, an error to
RespError, a push to Push.
"""

import socket


class RespError(Exception):
    """An error reply: "-CODE message"."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text


class Push(list):
    """A RESP3 push frame (e.g. ["generate", "text piece"])."""


_MAX_DEPTH = 16


def parse_address(address):
    """("unix", path) or ("tcp", (host, port)) for "resp://host:port", "tcp://host:port",
    "host:port", "[::1]:port" or "unix:/path"."""
    if address.startswith("unix:"):
        path = address[5:]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise ValueError("address %r: no path" % address)
        return "unix", path
    rest = address
    for scheme in ("resp://", "tcp://", "redis://"):
        if rest.startswith(scheme):
            rest = rest[len(scheme):]
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("address %r: expected resp://host:port or unix:/path" % address)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return "tcp", (host, int(port))


class Connection:
    """One socket to engramd. Not thread-safe: one thread at a time."""

    def __init__(self, address, timeout=60.0):
        kind, where = parse_address(address)
        if kind == "unix":
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._sock.settimeout(timeout)
            self._sock.connect(where)
        else:
            self._sock = socket.create_connection(where, timeout=timeout)
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = bytearray()
        self._offset = 0

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def send(self, *args):
        out = bytearray(b"*%d\r\n" % len(args))
        for arg in args:
            if isinstance(arg, str):
                arg = arg.encode("utf-8")
            elif isinstance(arg, (int, float)):
                arg = str(arg).encode("ascii")
            out += b"$%d\r\n" % len(arg)
            out += arg
            out += b"\r\n"
        self._sock.sendall(bytes(out))

    def receive(self):
        return self._value(0)

    def _fill(self):
        if self._offset and self._offset * 2 >= len(self._buffer):
            del self._buffer[: self._offset]
            self._offset = 0
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionError("engramd closed the connection")
        self._buffer += chunk

    def _line(self):
        while True:
            end = self._buffer.find(b"\r\n", self._offset)
            if end >= 0:
                line = bytes(self._buffer[self._offset:end])
                self._offset = end + 2
                return line
            self._fill()

    def _bytes(self, n):
        while len(self._buffer) - self._offset < n + 2:
            self._fill()
        data = bytes(self._buffer[self._offset:self._offset + n])
        self._offset += n + 2
        return data

    def _value(self, depth):
        if depth > _MAX_DEPTH:
            raise ValueError("RESP reply nested too deeply")
        line = self._line()
        kind, body = line[:1], line[1:]
        if kind == b"+":
            return body.decode("utf-8", "replace")
        if kind == b"-":
            return RespError(body.decode("utf-8", "replace"))
        if kind == b":":
            return int(body)
        if kind == b"_":
            return None
        if kind == b"#":
            return body == b"t"
        if kind == b",":
            return float(body)
        if kind == b"(":
            return int(body)
        if kind in (b"$", b"=", b"!"):
            n = int(body)
            if n < 0:
                return None
            text = self._bytes(n).decode("utf-8", "replace")
            if kind == b"=":
                text = text[4:]  # the verbatim format, e.g. "txt:"
            return RespError(text) if kind == b"!" else text
        if kind in (b"*", b"~", b">"):
            n = int(body)
            if n < 0:
                return None
            items = [self._value(depth + 1) for _ in range(n)]
            return Push(items) if kind == b">" else items
        if kind == b"%":
            n = int(body)
            result = {}
            for _ in range(n):
                key = self._value(depth + 1)
                result[key] = self._value(depth + 1)
            return result
        raise ValueError("malformed RESP reply: %r" % line[:40])
