"""HTTP mode: Bolt behind a production WSGI server (waitress), plus a health endpoint.

Routes: POST /slack/events (signed requests from Slack), GET /healthz, and, when installed
through OAuth (distributed mode), GET /slack/install and /slack/oauth_redirect, which Bolt's
request handler serves itself."""

import io
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from waitress import wasyncore
from waitress.server import create_server

from bot.slack import payload_shape
from storage.db import Database

log = logging.getLogger("convene.server")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller; refuse anything absurd early


class ConveneWsgi:
    def __init__(self, app: App, db: Database) -> None:
        self._slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self._db = db

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            return self._health(start_response)
        if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
            wrong = payload_shape.problem(body, environ.get("CONTENT_TYPE", ""), stamp)
            if wrong is not None:
                log.warning("refused a malformed request: %s", wrong)
                return _plain(start_response, "400 Bad Request", f"Malformed Slack request: {wrong}.")
            # Bolt reads the body again: hand it the bytes we consumed.
            environ["wsgi.input"] = io.BytesIO(body)
        return self._slack(environ, start_response)

    def _health(self, start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            with self._db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            status, body = "200 OK", {"ok": True, "database": "ok"}
        except Exception as exc:  # a health check reports; it does not raise
            status, body = "503 Service Unavailable", {"ok": False, "database": type(exc).__name__}
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]


def _plain(start_response: Callable[..., Any], status: str, text: str) -> Iterable[bytes]:
    payload = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


class HttpServer:
    """A waitress server that can run in the foreground (`convene serve`) or in a thread
    (tests and the demo), on a fixed or an ephemeral port."""

    def __init__(
        self, app: App, db: Database, host: str = "0.0.0.0", port: int = 3000, threads: int = 8
    ) -> None:
        self._server = create_server(
            ConveneWsgi(app, db),
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=MAX_BODY,
        )
        flow = app.oauth_flow
        self._oauth_paths = [flow.install_path, flow.redirect_uri_path] if flow is not None else []
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve_forever(self) -> None:
        paths = [EVENTS_PATH, HEALTH_PATH]
        if self._oauth_paths:
            paths += self._oauth_paths
        log.info("listening on port %d (%s)", self.port, ", ".join(paths))
        self._server.run()

    def start(self) -> "HttpServer":
        self._thread = threading.Thread(target=self._server.run, name="convene-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None:
            self._server.close()
            return
        # Close every socket from inside the server's own loop: closing them from this thread
        # races the loop's select() on a dead descriptor.
        server = self._server
        server.task_dispatcher.shutdown()  # lets in-flight requests finish
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # type: ignore[union-attr]
        self._thread.join(timeout=5)
