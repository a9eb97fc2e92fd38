"""A small threaded HTTP server on 127.0.0.1 serving fixture sites: used by the demo
and by the tests (crawler, pipeline). One port per outlet, so each outlet is its own
site with its own robots.txt, as on the web.

A site is a mapping path -> Page, or a callable(path, headers) -> Page | None for
pages computed per request (conditional GET, redirect loops, huge bodies...).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable, Mapping
from urllib.parse import urlsplit


@dataclass
class Page:
    body: bytes | str | Iterable[bytes]
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes | Iterable[bytes]:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


Route = Mapping[str, Page] | Callable[[str, Mapping[str, str]], "Page | None"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: "Site"

    def log_message(self, fmt, *args):  # keep test output quiet; hits are recorded instead
        pass

    def do_GET(self):
        self._serve(head=False)

    def do_HEAD(self):
        self._serve(head=True)

    def _serve(self, head: bool):
        site = self.server.site  # type: ignore[attr-defined]
        path = self.path
        site.record(path, dict(self.headers))
        page = site.lookup(path, self.headers)
        if page is None:
            page = Page("<html><body><h1>Not found</h1></body></html>", status=404)
        body = page.encoded()
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        for k, v in page.headers.items():
            self.send_header(k, v)
        if isinstance(body, (bytes, bytearray)):
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
        else:  # streamed body (e.g. a 50 MB page) without holding it in memory
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if not head:
                try:
                    for chunk in body:
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass


class Site:
    """One outlet's web site on its own loopback port."""

    def __init__(self, routes: Route, host: str = "127.0.0.1", port: int = 0):
        self.routes = routes
        self.hits: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.site = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def record(self, path: str, headers: dict) -> None:
        with self._lock:
            self.hits.append(path)

    def lookup(self, path: str, headers) -> Page | None:
        if callable(self.routes):
            return self.routes(path, headers)
        return self.routes.get(path) or self.routes.get(urlsplit(path).path)

    def start(self) -> "Site":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "Site":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
