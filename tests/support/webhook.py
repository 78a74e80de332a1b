"""A real HTTP receiver on 127.0.0.1 for the webhook tests: it keeps every JSON body posted to it, in order,
or (``hang=True``) takes each request and never answers, as a stuck service does."""

from __future__ import annotations

import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WAIT = 10.0


class WebhookReceiver:
    def __init__(self, *, hang: bool = False) -> None:
        self.received: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self.requests = 0
        self._release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                receiver.requests += 1
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if hang:
                    receiver._release.wait(60)
                    return
                receiver.received.put((self.path, json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)

    def url(self, path: str = "/hook", **options: str) -> str:
        """The apprise URL of this receiver's generic JSON webhook."""
        query = "&".join(f"{key}={value}" for key, value in options.items())
        return f"json://127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def next_post(self, timeout: float = WAIT) -> dict[str, Any]:
        """The next JSON body posted (apprise's: ``title``, ``message``, ``type``, ...)."""
        return self.received.get(timeout=timeout)[1]
