"""Real servers on loopback for tests and benchmarks: redis-server and the
Elasticsearch API emulator (noida-db). Each starts on a free port in its own
temporary directory and stops with the context manager.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class RedisServer:
    """A real redis-server (Debian package `redis-server`) on a free loopback port.

    `restart()` stops and starts it on the same port with the same data (AOF on),
    for tests that take Redis away in the middle of a run.
    """

    def __init__(self, port: int | None = None, appendonly: bool = True, password: str | None = None):
        exe = shutil.which("redis-server")
        if not exe:
            raise RuntimeError("redis-server not found: install it with `apt-get install redis-server`")
        self.exe = exe
        self.port = port or free_port()
        self.appendonly = appendonly
        self.password = password  # requirepass: the URL carries it, as in production
        self.dir = Path(tempfile.mkdtemp(prefix="newsagg-redis-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        args = [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                "--save", "", "--appendonly", "yes" if self.appendonly else "no",
                "--appendfsync", "always", "--protected-mode", "no", "--loglevel", "warning",
                *(["--requirepass", self.password] if self.password else [])]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def _noida_binary() -> Path:
    import noida_db  # installed with the dev extra

    exe = Path(noida_db.__file__).with_name("noida-db")
    os.chmod(exe, 0o755)
    return exe


class ElasticsearchEmulator:
    """noida-db's Elasticsearch 8.15 API on a free loopback port."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="newsagg-es-"))
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 30.0) -> "ElasticsearchEmulator":
        self.proc = subprocess.Popen(
            [str(_noida_binary()), "start", "--only", "elasticsearch", "--elasticsearch-port", "0",
             "--data-dir", str(self.dir)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    break
                continue
            m = re.search(r"elasticsearch\s+(http://\S+)", line)
            if m:
                self.url = m.group(1)
                wait_for_port(int(self.url.rsplit(":", 1)[1]))
                # keep draining its output so it never blocks on a full pipe
                import threading
                threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
                return self
        self.stop()
        raise RuntimeError("noida-db did not print its Elasticsearch URL; is the dev extra installed?")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "ElasticsearchEmulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def real_elasticsearch() -> bool:
    return bool(os.environ.get("NEWSAGG_REAL_ES_URL") or os.environ.get("ELASTICSEARCH_URL"))
