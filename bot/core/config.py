"""Settings from the environment (and `.env`, via python-dotenv). Names are the user-facing
contract in DESIGN.md; `.env.example` lists every one."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from storage.db import DEFAULT_DATABASE_URL

# `.env.example`'s values ("xoxb-your-bot-token") and the kind of token each setting holds.
PLACEHOLDER = "your-"
TOKEN_PREFIXES = {"slack_bot_token": "xoxb-", "slack_app_token": "xapp-"}


class ConfigError(Exception):
    """A setting is missing or wrong; the message tells the user how to fix it."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_base_url: str | None = None
    # Distribution (OAuth install to many workspaces); see bot/core/installations.py.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_scopes: tuple[str, ...] = ()
    slack_redirect_uri: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str | None = None
    coordinator_channel: str | None = None
    facilitators: frozenset[str] = field(default_factory=frozenset)
    timezone: str = "UTC"
    # Several instances (bot.core.leadership): how often each ticks, how long the leader's lease
    # lasts without renewal, and after how long a send left half-done by a dead instance is
    # checked with Slack and settled. Longer than any one Slack call with its retries.
    tick_seconds: int = 15
    lease_seconds: int = 40
    recover_after_seconds: int = 300
    # Messages a second Convene sends to one workspace (bot.slack.pacing): under Slack's limit.
    slack_messages_per_second: float = 4.0
    # conversations.history calls a minute that recovery makes per workspace: Slack allows
    # apps outside its Marketplace one (15 messages a page); Marketplace apps 50 or more.
    history_calls_per_minute: float = 1.0

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env") -> "Settings":
        if env_file is not None:
            # Real environment variables win over the file, as twelve-factor apps expect.
            load_dotenv(env_file, override=False)
        get = os.environ.get
        settings = cls(
            slack_bot_token=get("SLACK_BOT_TOKEN") or None,
            slack_app_token=get("SLACK_APP_TOKEN") or None,
            slack_signing_secret=get("SLACK_SIGNING_SECRET") or None,
            slack_api_base_url=get("SLACK_API_BASE_URL") or None,
            slack_client_id=get("SLACK_CLIENT_ID") or None,
            slack_client_secret=get("SLACK_CLIENT_SECRET") or None,
            slack_scopes=tuple(s.strip() for s in get("SLACK_SCOPES", "").split(",") if s.strip()),
            slack_redirect_uri=get("SLACK_REDIRECT_URI") or None,
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            openai_api_key=get("OPENAI_API_KEY") or None,
            openai_base_url=get("OPENAI_BASE_URL") or None,
            openai_model=get("OPENAI_MODEL") or None,
            coordinator_channel=get("CONVENE_COORDINATOR_CHANNEL") or None,
            facilitators=parse_user_list(get("CONVENE_FACILITATORS", "")),
            timezone=get("CONVENE_TIMEZONE") or "UTC",
            tick_seconds=_seconds("CONVENE_TICK_SECONDS", 15),
            lease_seconds=_seconds("CONVENE_LEASE_SECONDS", 40),
            recover_after_seconds=_seconds("CONVENE_RECOVER_AFTER_SECONDS", 300),
            slack_messages_per_second=_per_second("CONVENE_SLACK_MESSAGES_PER_SECOND", 4.0),
            history_calls_per_minute=_per_minute("CONVENE_HISTORY_CALLS_PER_MINUTE", 1.0),
        )
        settings.check_timezone()
        if settings.lease_seconds <= settings.tick_seconds:
            # The leader renews on each tick: a shorter lease would change hands every tick.
            raise ConfigError("CONVENE_LEASE_SECONDS must be longer than CONVENE_TICK_SECONDS.")
        return settings

    @property
    def distributed(self) -> bool:
        """OAuth mode: installable in many workspaces, each with its own bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def check_timezone(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"CONVENE_TIMEZONE={self.timezone!r} is not an IANA time zone "
                "(for example Europe/Paris or America/Mexico_City)."
            ) from exc

    def require(self, *names: str) -> None:
        """Each of `names` set, and not still `.env.example`'s placeholder or some other kind
        of Slack credential pasted in the wrong place. Values are never repeated back."""
        missing, placeholders, misplaced = [], [], []
        for name in names:
            value = getattr(self, name) or ""
            prefix = TOKEN_PREFIXES.get(name)
            if not value:
                missing.append(name.upper())
            elif PLACEHOLDER in value:
                placeholders.append(name.upper())
            elif prefix and not value.startswith(prefix):
                misplaced.append(f"{name.upper()} should start with {prefix}")
        problems = []
        if missing:
            problems.append(f"Missing {', '.join(missing)}")
        if placeholders:
            holds = "still holds the placeholder" if len(placeholders) == 1 else "still hold the placeholders"
            problems.append(f"{', '.join(placeholders)} {holds} from .env.example")
        problems += misplaced
        if problems:
            raise ConfigError(
                f"{'; '.join(problems)}. Copy .env.example to .env (if not done yet) and fill it in "
                "from your Slack app's settings (see the README's 'Install in your workspace')."
            )

    def __repr__(self) -> str:
        # Tokens must never reach logs or tracebacks.
        shown = {
            "database_url": _redact_url(self.database_url),
            "slack_api_base_url": self.slack_api_base_url,
            "slack_client_id": self.slack_client_id,
            "timezone": self.timezone,
            "facilitators": sorted(self.facilitators),
        }
        return f"Settings({shown})"


def _seconds(name: str, default: int) -> int:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name}={raw!r} must be a whole number of seconds, 1 or more.")
    return int(raw)


def _per_second(name: str, default: float) -> float:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 1000:  # nan fails this too
        raise ConfigError(f"{name}={raw!r} must be a number of messages a second, above 0 (e.g. 4).")
    return value


def _per_minute(name: str, default: float) -> float:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 10_000:  # nan fails this too
        raise ConfigError(f"{name}={raw!r} must be a number of calls a minute, above 0 (e.g. 1).")
    return value


def parse_user_list(raw: str) -> frozenset[str]:
    """`U1, <@U2>, U3` -> {U1, U2, U3}: facilitators paste ids in either form."""
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip().removeprefix("<@").removesuffix(">").split("|")[0].strip()
        if part:
            ids.add(part)
    return frozenset(ids)


def _redact_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
