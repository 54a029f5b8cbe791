"""Convene distributed to several workspaces, on loopback: the multi-workspace Slack stand-in
(`SlackCloud`), the real Bolt app in OAuth mode served over real HTTP exactly as `convene
serve` serves it, and a browser that walks through the install flow."""

import http.client
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from bot.app import jobs
from bot.app.composition import build_distributed_app, build_runtime
from bot.app.server import HttpServer
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.installations import INSTALL_PATH, REDIRECT_PATH, STATE_TTL_SECONDS
from bot.core.runtime import Runtime
from standins.harness import ListenerPool, wait_for
from standins.slack_api import SlackStandIn
from standins.slack_cloud import SlackCloud
from standins.slack_events import SlackEvents
from storage.db import Database


@dataclass
class Page:
    """What a browser got back: status, headers (lower-case names, repeated ones joined)."""

    status: int
    headers: dict[str, list[str]]
    body: str

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


def browse(url: str, cookie: str | None = None) -> Page:
    """GET without following redirects, optionally sending a cookie, as a browser would."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=15)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        headers: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            headers.setdefault(name.lower(), []).append(value)
        return Page(response.status, headers, response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


def state_cookie(page: Page) -> str | None:
    """The `name=value` part of the Set-Cookie Bolt sent with the install redirect."""
    for value in page.headers.get("set-cookie", []):
        name_value = value.split(";")[0].strip()
        if name_value.startswith("slack-app-oauth-state="):
            return name_value
    return None


class CloudSlack:
    def __init__(
        self,
        database_url: str,
        clock: Clock | None = None,
        settings: Settings | None = None,
        state_ttl_seconds: int = STATE_TTL_SECONDS,
    ) -> None:
        self.cloud = SlackCloud().start()
        self.signing_secret = secrets.token_hex(16)
        self.settings = (settings or Settings()).model_copy(
            update={
                "slack_bot_token": None,
                "slack_client_id": self.cloud.client_id,
                "slack_client_secret": SecretStr(self.cloud.client_secret),
                "slack_signing_secret": SecretStr(self.signing_secret),
                "slack_api_base_url": self.cloud.base_url,
                "database_url": database_url,
            }
        )
        self.db = Database.from_url(database_url)
        self.runtime: Runtime = build_runtime(self.settings, clock=clock, db=self.db)
        self.listeners = ListenerPool()
        self.app = build_distributed_app(
            self.runtime, state_ttl_seconds=state_ttl_seconds, listener_executor=self.listeners
        )
        self.server = HttpServer(self.app, self.db, host="127.0.0.1", port=0).start()
        self.cloud.register_redirect_url(self.server.url + REDIRECT_PATH)
        self._events: dict[str, SlackEvents] = {}

    def add_workspace(self, team_id: str, name: str) -> SlackStandIn:
        workspace = self.cloud.add_workspace(team_id, name)
        self._events[team_id] = SlackEvents(self.server.url, self.signing_secret, workspace)
        return workspace

    def events(self, team_id: str) -> SlackEvents:
        """Signed requests from workspace `team_id` (its team id, its triggers, its URLs)."""
        return self._events[team_id]

    # ------------------------------------------------------------------ installing

    def start_install(self) -> Page:
        return browse(self.server.url + INSTALL_PATH)

    def install(self, team_id: str, user_id: str) -> Page:
        """The whole flow in a browser: open the install link, allow in `team_id`, come back."""
        start = self.start_install()
        location = start.header("location")
        if start.status != 302 or location is None:
            raise RuntimeError(f"{INSTALL_PATH} -> HTTP {start.status}")
        redirect = self.cloud.approve(location, team_id=team_id, user_id=user_id)
        return browse(redirect, cookie=state_cookie(start))

    # ------------------------------------------------------------------ using it

    def settle(self) -> None:
        """Wait until the app has finished the work of every request it acknowledged."""
        self.listeners.settle()

    def tick(self) -> dict[str, Any]:
        return jobs.run_tick(self.runtime)

    def command(self, team_id: str, user_id: str, text: str, channel_id: str = "C0GENERAL") -> dict[str, Any]:
        """Type `/convene <text>` in a workspace and return the private reply."""
        workspace = self.cloud.workspace(team_id)
        before = len(workspace.responses())
        delivery = self.events(team_id).command(user_id, text, channel_id=channel_id)
        if delivery.status != 200:
            raise RuntimeError(f"/convene {text} -> HTTP {delivery.status}")
        return wait_for(lambda: workspace.responses()[before:])[0]

    def click_for_view(
        self, team_id: str, user_id: str, message: dict[str, Any], action_id: str
    ) -> dict[str, Any]:
        """Press a button that opens a modal, and return the modal as Slack stored it."""
        workspace = self.cloud.workspace(team_id)
        before = len(workspace.open_views())
        delivery = self.events(team_id).click_button_in(user_id, message, action_id)
        if delivery.status != 200:
            raise RuntimeError(f"{action_id} -> HTTP {delivery.status}")
        return wait_for(lambda: workspace.open_views()[before:])[0]

    def close(self) -> None:
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        self.server.stop()
        self.cloud.stop()
        self.db.dispose()

    def __enter__(self) -> "CloudSlack":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
