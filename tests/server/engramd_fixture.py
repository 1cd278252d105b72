"""Starts a real engramd for the Python tests (standard library only).

ENGRAMD names the binary (CTest sets it). The server gets a fresh database directory, a free
TCP port (--port 0, read back from its ready line) and a unix socket; stop() sends SIGTERM and
returns the exit status.
"""

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time


class Engramd:
    def __init__(self, *extra_args, db=None):
        self.dir = tempfile.mkdtemp(prefix="engramd-py-")
        self.db = db or os.path.join(self.dir, "db")
        self.socket = os.path.join(self.dir, "engramd.sock")
        self.log_path = os.path.join(self.dir, "engramd.log")
        binary = os.environ.get("ENGRAMD", "engramd")
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [binary, "--db", self.db, "--port", "0", "--unixsocket", self.socket, *extra_args],
            stdout=subprocess.PIPE, stderr=self._log)
        line = b""
        deadline = time.time() + 60
        while not line.endswith(b"\n") and time.time() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 256)
                if not chunk:
                    break
                line += chunk
        text = line.decode()
        if not text.startswith("engramd ready") or "tcp://127.0.0.1:" not in text:
            self.kill()
            raise RuntimeError("engramd did not start: %r\n%s" % (text, self.log()))
        self.port = int(text.split("tcp://127.0.0.1:")[1].split()[0])
        self.address = "resp://127.0.0.1:%d" % self.port

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, timeout=30):
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def cleanup(self):
        self.kill()
        self.process.stdout.close()
        self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
