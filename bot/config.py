"""Settings from the environment (and `.env`, via python-dotenv). Names are the user-facing
contract in DESIGN.md; `.env.example` lists every one."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from storage.db import DEFAULT_DATABASE_URL


class ConfigError(Exception):
    """A setting is missing or wrong; the message tells the user how to fix it."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_base_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str | None = None
    coordinator_channel: str | None = None
    facilitators: frozenset[str] = field(default_factory=frozenset)
    timezone: str = "UTC"

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
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            openai_api_key=get("OPENAI_API_KEY") or None,
            openai_base_url=get("OPENAI_BASE_URL") or None,
            openai_model=get("OPENAI_MODEL") or None,
            coordinator_channel=get("CONVENE_COORDINATOR_CHANNEL") or None,
            facilitators=parse_user_list(get("CONVENE_FACILITATORS", "")),
            timezone=get("CONVENE_TIMEZONE") or "UTC",
        )
        settings.check_timezone()
        return settings

    def check_timezone(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"CONVENE_TIMEZONE={self.timezone!r} is not an IANA time zone "
                "(for example Europe/Paris or America/Mexico_City)."
            ) from exc

    def require(self, *names: str) -> None:
        missing = [name.upper() for name in names if not getattr(self, name)]
        if missing:
            raise ConfigError(
                f"Missing {', '.join(missing)}. Copy .env.example to .env and fill it in "
                "(see the README's 'Install in your workspace')."
            )

    def __repr__(self) -> str:
        # Tokens must never reach logs or tracebacks.
        shown = {
            "database_url": _redact_url(self.database_url),
            "slack_api_base_url": self.slack_api_base_url,
            "timezone": self.timezone,
            "facilitators": sorted(self.facilitators),
        }
        return f"Settings({shown})"


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
