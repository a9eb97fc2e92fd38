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
        self._wait_loaded()
        return self

    def _wait_loaded(self, timeout: float = 30.0) -> None:
        # Redis listens before it has read its AOF back and answers LOADING until then:
        # a restarted server is ready when a PING is answered (slow on a loaded machine).
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=5)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.BusyLoadingError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"redis-server on port {self.port} still loading after {timeout}s")
                    time.sleep(0.05)
        finally:
            client.close()

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


class TasksApiProxy:
    """A loopback HTTP server in front of noida-db that adds what noida-db lacks for
    `newsagg index migrate`: `POST /_reindex?wait_for_completion=false` answers a task id at
    once and runs the copy in the background (noida-db's own reindex, waited for), and
    `GET /_tasks/<id>` reports it as Elasticsearch does (`completed`, `task.status`,
    `response` or `error`). Every other request is passed through unchanged.

    Faults for tests: `hold` (an Event; while clear, copies wait before they start, so a task
    stays running), `fail_next` (a `failures` list the next task reports), `forget()` (the
    tasks are gone, as after a node restart); `started` counts the reindexes begun."""

    def __init__(self, upstream: str):
        import threading

        self.upstream = upstream.rstrip("/")
        self.hold = threading.Event()
        self.hold.set()
        self.fail_next: list | None = None
        self.tasks: dict[str, dict] = {}
        self.started = 0
        self._lock = threading.Lock()
        self.server = None
        self.url = ""

    def _forward(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, list, bytes]:
        import urllib.error
        import urllib.request

        keep = {k: v for k, v in headers.items() if k.lower() in ("content-type", "accept", "authorization")}
        req = urllib.request.Request(self.upstream + path, data=body, method=method, headers=keep)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, list(resp.headers.items()), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, list(err.headers.items()), err.read()

    def _run(self, task_id: str, path: str, body: bytes, headers: dict) -> None:
        import json as _json

        self.hold.wait()
        status, _, raw = self._forward("POST", path.replace("wait_for_completion=false", "wait_for_completion=true"),
                                       body, headers)
        with self._lock:
            task = self.tasks.get(task_id)
            if task is None:  # forgotten meanwhile
                return
            out = _json.loads(raw or b"{}")
            if status >= 400:
                task["error"] = out.get("error") or {"type": "http_error", "reason": str(status)}
            else:
                fail, self.fail_next = self.fail_next, None
                if fail:
                    out["failures"] = fail
                task["response"] = out
                task["status"].update({k: out.get(k, 0) for k in ("total", "created", "updated", "deleted", "noops",
                                                                  "version_conflicts")})
            task["completed"] = True

    def forget(self) -> None:
        with self._lock:
            self.tasks.clear()

    def start(self) -> "TasksApiProxy":
        import json as _json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _reply(self, status: int, headers: list, body: bytes) -> None:
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _json(self, status: int, data: dict) -> None:
                self._reply(status, [("Content-Type", "application/json"), ("X-Elastic-Product", "Elasticsearch")],
                            _json.dumps(data).encode())

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                path = self.path
                if self.command == "POST" and path.startswith("/_reindex") and "wait_for_completion=false" in path:
                    with proxy._lock:
                        proxy.started += 1
                        task_id = f"proxy:{proxy.started}"
                        proxy.tasks[task_id] = {"completed": False, "status": {"total": 0, "created": 0, "updated": 0}}
                    threading.Thread(target=proxy._run, args=(task_id, path, body or b"{}", dict(self.headers)),
                                     daemon=True).start()
                    self._json(200, {"task": task_id})
                    return
                if self.command == "GET" and path.startswith("/_tasks/"):
                    from urllib.parse import unquote

                    task_id = unquote(path[len("/_tasks/"):].split("?")[0])
                    with proxy._lock:
                        task = proxy.tasks.get(task_id)
                        if task is None:
                            self._json(404, {"error": {"type": "resource_not_found_exception",
                                                       "reason": f"task [{task_id}] isn't running and hasn't stored its results"},
                                             "status": 404})
                            return
                        node, _, num = task_id.partition(":")
                        out = {"completed": task["completed"],
                               "task": {"node": node, "id": int(num), "type": "transport",
                                        "action": "indices:data/write/reindex", "status": dict(task["status"])}}
                        for key in ("response", "error"):
                            if key in task:
                                out[key] = task[key]
                    self._json(200, out)
                    return
                self._reply(*proxy._forward(self.command, path, body, dict(self.headers)))

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def stop(self) -> None:
        self.hold.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> "TasksApiProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
