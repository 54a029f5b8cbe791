"""Distribution: one deployment serving many workspaces, each installed through Slack's OAuth
flow. slack-sdk's SQLAlchemy stores keep the bot tokens and the one-time OAuth states in the
app's own database (tables made by migration 0005), so every instance sees every install.

Tokens live in the database and in this process's memory, never in a log line."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.core.config import Settings
from bot.slack.client import build_web_client
from storage.db import Database

log = logging.getLogger("convene.installations")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes in manifest.yml (a test keeps the two in step); SLACK_SCOPES overrides.
DEFAULT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "mpim:write",
    "mpim:history",
    "users:read",
    "channels:read",
    "groups:read",
    "files:write",
)
STATE_TTL_SECONDS = 600  # how long an install link stays good, as Bolt's default
CLIENT_CACHE_SECONDS = 60.0  # an uninstall seen by another instance is noticed within this


class NotInstalled(LookupError):
    """Convene holds no bot token for this workspace: never installed, or uninstalled."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"Convene is not installed in workspace {team_id}")
        self.team_id = team_id


@dataclass
class _Cached:
    fetched: float
    token: str
    client: WebClient


class Installations:
    """Who installed Convene, and a Web API client per workspace with that workspace's token."""

    def __init__(
        self, settings: Settings, db: Database, *, cache_seconds: float = CLIENT_CACHE_SECONDS
    ) -> None:
        if not settings.slack_client_id:
            raise ValueError("Installations need SLACK_CLIENT_ID")
        self._settings = settings
        self._db = db
        self._cache_seconds = cache_seconds
        self.store = SQLAlchemyInstallationStore(
            client_id=settings.slack_client_id,
            engine=db.engine,
            logger=logging.getLogger("convene.installations.store"),
        )
        self._clients: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ clients

    def client_for(self, team_id: str) -> WebClient:
        """A client with this workspace's bot token; raises NotInstalled when there is none."""
        now = time.monotonic()
        with self._lock:
            cached = self._clients.get(team_id)
            if cached is not None and now - cached.fetched < self._cache_seconds:
                return cached.client
        bot = self.store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            self.forget(team_id)
            raise NotInstalled(team_id)
        with self._lock:
            cached = self._clients.get(team_id)
            if cached is not None and cached.token == bot.bot_token:
                cached.fetched = now  # same token: keep the client (and its connection pool)
                return cached.client
            client = build_web_client(bot.bot_token, self._settings.slack_api_base_url)
            self._clients[team_id] = _Cached(now, bot.bot_token, client)
            return client

    def is_installed(self, team_id: str, *, fresh: bool = False) -> bool:
        """Whether a bot token is stored for the workspace. `fresh` asks the database now
        (an uninstall another instance saw), past this process's cache of clients."""
        if fresh:
            bot = self.store.find_bot(enterprise_id=None, team_id=team_id)
            if bot is None or not bot.bot_token:
                self.forget(team_id)
                return False
            return True
        try:
            self.client_for(team_id)
        except NotInstalled:
            return False
        return True

    def forget(self, team_id: str) -> None:
        """Drop the cached client, so the next use reads the store again."""
        with self._lock:
            self._clients.pop(team_id, None)

    def uninstall(self, team_id: str) -> None:
        """Delete the workspace's tokens (Slack has revoked them anyway). Its community data
        stays: deleting that is a facilitator's decision, not a side effect of a click in
        Slack's app settings, and a reinstall picks up where the community left off."""
        self.store.delete_all(enterprise_id=None, team_id=team_id)
        self.forget(team_id)
        log.info("workspace %s uninstalled Convene; its tokens are deleted, its data kept", team_id)

    # ------------------------------------------------------------------ OAuth flow

    def oauth_settings(
        self,
        on_installed: Callable[[Installation], None],
        *,
        state_ttl_seconds: int = STATE_TTL_SECONDS,
    ) -> OAuthSettings:
        """Bolt's OAuth flow at /slack/install and /slack/oauth_redirect, storing into this
        database. `on_installed` prepares the workspace after Slack confirmed the install."""
        settings = self._settings
        assert settings.slack_client_id and settings.slack_client_secret

        def succeeded(args: SuccessArgs) -> BoltResponse:
            team_id = args.installation.team_id or ""
            self.forget(team_id)  # a reinstall brings a new token
            try:
                on_installed(args.installation)
            except Exception:
                # The install itself is stored; the workspace is prepared again, lazily, on
                # its first command. The installer still sees success.
                log.exception("preparing workspace %s after its install failed", team_id)
            log.info("installed in workspace %s", team_id)
            return args.default.success(args)

        def failed(args: FailureArgs) -> BoltResponse:
            # The reason is Bolt's own word (invalid_state, invalid_code, access_denied...).
            log.warning("an install attempt failed: %s", args.reason)
            return args.default.failure(args)

        return OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=list(settings.slack_scopes or DEFAULT_SCOPES),
            user_scopes=[],
            redirect_uri=settings.slack_redirect_uri,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            # Straight to Slack's consent screen: the install link is the whole install page.
            install_page_rendering_enabled=False,
            installation_store=self.store,
            installation_store_bot_only=True,
            state_store=SQLAlchemyOAuthStateStore(
                expiration_seconds=state_ttl_seconds,
                engine=self._db.engine,
                logger=logging.getLogger("convene.installations.state"),
            ),
            state_expiration_seconds=state_ttl_seconds,
            callback_options=CallbackOptions(success=succeeded, failure=failed),
            logger=logging.getLogger("convene.installations.oauth"),
        )
