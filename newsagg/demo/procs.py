"""Start and stop real `celery worker` processes (tests, benchmark, demo).

Each worker runs in its own process group so a stop (or a test's kill -9)
takes its children with it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from newsagg.workers.app import PIPELINE_QUEUES


def worker_command(name: str, queues: tuple[str, ...] = PIPELINE_QUEUES, pool: str = "solo",
                   concurrency: int = 1, app: str = "newsagg.workers", loglevel: str = "WARNING") -> list[str]:
    return [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", ",".join(queues), "-P", pool,
            "-c", str(concurrency), "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
            "-l", loglevel]


def start_worker(name: str, env: dict[str, str], log_file: Path, queues: tuple[str, ...] = PIPELINE_QUEUES,
                 pool: str = "solo", app: str = "newsagg.workers", cwd: str | None = None,
                 concurrency: int = 1) -> subprocess.Popen:
    """A `celery worker` with `env` added to this process's environment."""
    full_env = {**os.environ, **env}
    log = open(log_file, "ab")
    try:
        return subprocess.Popen(worker_command(name, queues, pool, concurrency, app=app), env=full_env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd)
    finally:
        log.close()  # the child keeps its own descriptor


def wait_ready(app, names: list[str], timeout: float = 60.0) -> None:
    """Until every named worker answers a control ping."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        up = {host for reply in (app.control.ping(timeout=0.5) or []) for host in reply}
        if all(any(h.startswith(f"{n}@") for h in up) for n in names):
            return
    raise TimeoutError(f"workers {names} not ready after {timeout}s")


def kill_worker(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Signal the worker's whole process group (no-op if it is gone)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def stop_worker(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Warm shutdown, then kill -9 if it does not go."""
    if proc.poll() is None:
        kill_worker(proc, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    kill_worker(proc, signal.SIGKILL)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass


class WorkerCluster:
    """Named worker processes sharing one environment; `close()` stops every one.

        with WorkerCluster(env, tmp_path) as wc:
            wc.start("w1"); wc.start("w2"); ...; wc.kill("w1")
    """

    def __init__(self, env: dict[str, str], log_dir: Path, app: str = "newsagg.workers", cwd: str | None = None):
        self.env, self.log_dir, self.app, self.cwd = dict(env), Path(log_dir), app, cwd
        self.procs: dict[str, subprocess.Popen] = {}
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, queues: tuple[str, ...] = PIPELINE_QUEUES, pool: str = "solo",
              env: dict[str, str] | None = None, concurrency: int = 1) -> subprocess.Popen:
        proc = start_worker(name, {**self.env, **(env or {})}, self.log_dir / f"{name}.log", queues, pool,
                            self.app, self.cwd, concurrency)
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """kill -9 of the worker's process group: a machine lost mid-task."""
        proc = self.procs.pop(name)
        kill_worker(proc)
        proc.wait(10)

    def logs(self, tail: int | None = 4000) -> str:
        """The workers' logs (the last `tail` characters of each; None: all)."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-(tail or 0):]}"
                         for p in sorted(self.log_dir.glob("*.log")))

    def wait_until(self, predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
        """`wait_until`, failing a test with the workers' logs when `what` is not reached."""
        try:
            return wait_until(predicate, timeout, interval, what)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

    def close(self) -> None:
        for name in list(self.procs):
            stop_worker(self.procs.pop(name))

    def __enter__(self) -> "WorkerCluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value; TimeoutError names `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached after {timeout}s")
        time.sleep(interval)
