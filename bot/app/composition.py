"""The composition root: settings + database + Slack client -> runtime -> Bolt app."""

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings, reveal
from bot.core.installations import STATE_TTL_SECONDS, Installations
from bot.core.runtime import Runtime
from bot.core.texts import Texts
from bot.slack.client import build_web_client
from bot.slack.verification import SignatureCheck
from bot.tagging.community import CommunityTaggers
from bot.tagging.factory import build_tagger
from bot.workspaces.service import prepare_workspace
from handlers import register_all
from storage import migrate
from storage.db import Database

log = logging.getLogger("convene.app")

# Bolt runs each listener, its ack and the work after it, on one pool thread, and an ack
# waits for a free thread. Bolt's default of 5 lets five replies waiting on Slack hold up
# every ack behind them (benchmarks/ack_latency.py with a 100 ms Slack: p99 677 ms with 5,
# 210 ms with 32); threads blocked on the network cost little.
LISTENER_THREADS = 32


def build_runtime(
    settings: Settings,
    *,
    client: WebClient | None = None,
    clock: Clock | None = None,
    db: Database | None = None,
    upgrade: bool = True,
) -> Runtime:
    """One bot token (a `client`, or SLACK_BOT_TOKEN) serves one workspace; with
    SLACK_CLIENT_ID and SLACK_CLIENT_SECRET and no client, each installed workspace gets
    its own token from the installation store."""
    db = db or Database.from_url(settings.database_url)
    if upgrade:
        migrate.upgrade(db.engine)
    installations: Installations | None = None
    client_for: Callable[[str], WebClient]
    if client is None and settings.distributed:
        settings = _per_workspace_only(settings)
        installations = Installations(settings, db)
        client_for = installations.client_for
    else:
        single = client or build_web_client(reveal(settings.slack_bot_token), settings.slack_api_base_url)
        client_for = lambda _team_id: single  # noqa: E731  (one workspace, one client)
    tagger = build_tagger(settings)
    return Runtime(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        texts=Texts.load(),
        client_for=client_for,
        tagger=tagger,
        installations=installations,
        taggers=CommunityTaggers(tagger, db),
    )


class _SameTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when it is handed a client, and
    then warns on every start that the token is unused. The client holds that same token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("convene.bolt")
    if not any(isinstance(f, _SameTokenNotice) for f in logger.filters):
        logger.addFilter(_SameTokenNotice())
    return logger


def build_bolt_app(
    runtime: Runtime,
    client: WebClient,
    signing_secret: str | None,
    *,
    listener_executor: Executor | None = None,
) -> App:
    """The real Bolt app for one workspace. Without a signing secret (Socket Mode) requests
    are not verified because they arrive over Slack's authenticated WebSocket instead; with
    one, `SignatureCheck` verifies them in Bolt's place, without logging their content.
    `listener_executor` runs the listeners (default: a pool of LISTENER_THREADS)."""
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=False,
        before_authorize=SignatureCheck(signing_secret) if signing_secret else None,
        logger=_bolt_logger(),
        listener_executor=listener_executor or _listener_pool(),
    )
    register_all(app, runtime)
    return app


def build_distributed_app(
    runtime: Runtime,
    *,
    state_ttl_seconds: int = STATE_TTL_SECONDS,
    listener_executor: Executor | None = None,
) -> App:
    """The real Bolt app for many workspaces: HTTP only (signatures verified), with the OAuth
    install flow, and each request authorized by its workspace's installed token."""
    installations = runtime.installations
    settings = runtime.settings
    if installations is None or not settings.slack_signing_secret:
        raise ValueError("a distributed app needs installations and a signing secret")

    def on_installed(installation: Installation) -> None:
        prepare_workspace(
            runtime, installation.team_id or "", installation.team_name or "", installation.user_id
        )

    signing_secret = reveal(settings.slack_signing_secret) or ""
    app = App(
        # No token: each request gets its workspace's. The client still carries the API base
        # URL and retry policy that Bolt copies into those clients and uses for oauth.v2.access.
        client=build_web_client(None, settings.slack_api_base_url),
        signing_secret=signing_secret,
        request_verification_enabled=False,
        before_authorize=SignatureCheck(signing_secret),
        oauth_settings=installations.oauth_settings(on_installed, state_ttl_seconds=state_ttl_seconds),
        user_facing_authorize_error_message=runtime.texts.get("install.not_installed"),
        logger=_bolt_logger(),
        listener_executor=listener_executor or _listener_pool(),
    )
    register_all(app, runtime)
    return app


def _listener_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="convene-listener")


def bootstrap_workspace(runtime: Runtime, client: WebClient) -> str:
    """Learn which workspace the token belongs to and make sure it has settings and a
    taxonomy before the first check-in."""
    identity = client.auth_test()
    team_id: str = identity["team_id"]
    runtime.home_team_id = team_id  # the only workspace this token serves
    prepare_workspace(runtime, team_id, identity.get("team") or "")
    log.info("connected to workspace %s as %s", team_id, identity.get("user_id"))
    return team_id


def _per_workspace_only(settings: Settings) -> Settings:
    """Channel and user ids belong to one workspace: environment-wide ones would leak into
    every installed workspace, so distributed mode sets them per workspace in Slack only."""
    ignored = [
        name
        for name, value in (
            ("CONVENE_COORDINATOR_CHANNEL", settings.coordinator_channel),
            ("CONVENE_FACILITATORS", settings.facilitators),
        )
        if value
    ]
    if ignored:
        log.warning(
            "%s ignored when installed in several workspaces: use /convene setup and "
            "/convene facilitators add in each workspace",
            ", ".join(ignored),
        )
    return settings.model_copy(update={"coordinator_channel": None, "facilitators": frozenset()})
