"""A whole Convene installation on loopback: the Slack Web API stand-in, the real Bolt app
served over real HTTP, and a sender of signed Slack requests. `convene demo` and the
end-to-end tests both run on it, so the demo exercises exactly the production path."""

import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from pydantic import SecretStr

from bot.app import jobs
from bot.app.composition import LISTENER_THREADS, bootstrap_workspace, build_bolt_app, build_runtime
from bot.app.server import HttpServer
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.runtime import Runtime
from bot.slack.client import build_web_client
from bot.tagging.community import CommunityTaggers
from standins.slack_api import SlackStandIn
from standins.slack_events import SlackEvents
from storage.db import Database


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener pool, counting the work in flight, so a test can wait until the app
    has finished everything it does after acknowledging (see `settle`)."""

    def __init__(self, workers: int = LISTENER_THREADS) -> None:
        super().__init__(workers, thread_name_prefix="convene-listener")
        self._busy = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._busy += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

        return super().submit(run)

    def settle(self, timeout: float = 10.0) -> None:
        """Return once no listener is running or waiting to run."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._busy == 0, timeout):
                raise TimeoutError("the app's listeners did not finish in time")


class LocalSlack:
    def __init__(
        self,
        database_url: str,
        clock: Clock | None = None,
        settings: Settings | None = None,
        latency: float = 0.0,
        team_name: str = "Stand-in Workspace",
    ) -> None:
        slack_clock = (lambda: clock.now().timestamp()) if clock is not None else None
        self.api = SlackStandIn(latency=latency, team_name=team_name, clock=slack_clock).start()
        self.signing_secret = secrets.token_hex(16)
        base = settings or Settings()
        self.settings = base.model_copy(
            update={
                "slack_bot_token": SecretStr(self.api.bot_token),
                "slack_signing_secret": SecretStr(self.signing_secret),
                "slack_api_base_url": self.api.base_url,
                "database_url": database_url,
            }
        )
        self.client = build_web_client(self.api.bot_token, self.settings.slack_api_base_url)
        self.db = Database.from_url(database_url)
        self.runtime: Runtime = build_runtime(self.settings, client=self.client, clock=clock, db=self.db)
        self.team_id = bootstrap_workspace(self.runtime, self.client)
        self.listeners = ListenerPool()
        self.app = build_bolt_app(
            self.runtime, self.client, self.signing_secret, listener_executor=self.listeners
        )
        self.server = HttpServer(self.app, self.db, host="127.0.0.1", port=0).start()
        self.events = SlackEvents(self.server.url, self.signing_secret, self.api)

    def settle(self) -> None:
        """Wait until the app has finished the work of every request it acknowledged."""
        self.listeners.settle()

    def tick(self) -> dict[str, Any]:
        """What the scheduler does every minute, run now (with the runtime's clock). When a
        tick starts training a community's tagger, the next tick follows once it is trained,
        as the scheduler's next one would: the answers that waited for it get tagged."""
        reports = jobs.run_tick(self.runtime)
        taggers = self.runtime.taggers
        if not isinstance(taggers, CommunityTaggers):
            return reports
        for _ in range(3):
            if not taggers.busy():
                break
            taggers.wait()
            reports = jobs.run_tick(self.runtime)
        # Nothing trains behind the caller's back: what happens next (a DM, a click) is tagged
        # by the same tagger on every run, however loaded the machine.
        taggers.wait()
        return reports

    def command(self, user_id: str, text: str, channel_id: str = "C0GENERAL") -> dict[str, Any]:
        """Type `/convene <text>` and return the private reply the app sends back."""
        before = len(self.api.responses())
        delivery = self.events.command(user_id, text, channel_id=channel_id)
        if delivery.status != 200:
            raise RuntimeError(f"/convene {text} -> HTTP {delivery.status}")
        return wait_for(lambda: self.api.responses(since=before))[0]

    def click_for_view(
        self, user_id: str, message: dict[str, Any], action_id: str, value: str | None = None
    ) -> dict[str, Any]:
        """Press a button that opens a modal, and return the modal as Slack stored it."""
        before = len(self.api.open_views())
        delivery = self.events.click_button_in(user_id, message, action_id, value=value)
        if delivery.status != 200:
            raise RuntimeError(f"{action_id} -> HTTP {delivery.status}")
        return wait_for(lambda: self.api.open_views(since=before))[0]

    def close(self) -> None:
        # Bolt finishes work after acking: let it, before its Slack goes away.
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        if self.runtime.taggers is not None:
            self.runtime.taggers.close()  # a tagger being trained reads the database
        self.server.stop()
        self.api.stop()
        self.db.dispose()

    def __enter__(self) -> "LocalSlack":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.01) -> Any:
    """Bolt acks first and works after, like in production; callers wait for the work. The
    generous timeout only matters when something is broken: a loaded machine must not fail it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not do it in time")
        time.sleep(interval)
