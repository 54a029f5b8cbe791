"""The composition root: settings + database + Slack client -> runtime -> Bolt app."""

import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot import taxonomy
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.runtime import Runtime
from bot.slack_client import build_web_client
from bot.tagging.factory import build_tagger
from bot.texts import Texts
from bot.workspaces import ensure_workspace
from handlers import register_all
from storage import migrate
from storage.db import Database

log = logging.getLogger("convene.app")


def build_runtime(
    settings: Settings,
    *,
    client: WebClient | None = None,
    clock: Clock | None = None,
    db: Database | None = None,
    upgrade: bool = True,
) -> Runtime:
    db = db or Database.from_url(settings.database_url)
    if upgrade:
        migrate.upgrade(db.engine)
    client = client or build_web_client(settings.slack_bot_token, settings.slack_api_base_url)
    return Runtime(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        texts=Texts.load(),
        client_for=lambda _team_id: client,
        tagger=build_tagger(settings),
    )


def build_bolt_app(runtime: Runtime, client: WebClient, signing_secret: str | None) -> App:
    """The real Bolt app. Without a signing secret (Socket Mode) requests are not verified
    because they arrive over Slack's authenticated WebSocket instead of HTTP."""
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=bool(signing_secret),
        logger=logging.getLogger("convene.bolt"),
    )
    register_all(app, runtime)
    return app


def bootstrap_workspace(runtime: Runtime, client: WebClient) -> str:
    """Learn which workspace the token belongs to and make sure it has settings and a
    taxonomy before the first check-in."""
    identity = client.auth_test()
    team_id = identity["team_id"]
    with runtime.db.session() as session:
        ensure_workspace(session, team_id, runtime.settings, name=identity.get("team") or "")
        taxonomy.ensure_seeded(session, team_id, runtime.texts)
    log.info("connected to workspace %s as %s", team_id, identity.get("user_id"))
    return team_id
