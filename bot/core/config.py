"""Settings from the environment (and a `.env` file, read with python-dotenv through
pydantic-settings). Names are the user-facing contract in DESIGN.md; `.env.example` lists
every one."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Self, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from storage.db import DEFAULT_DATABASE_URL

# `.env.example`'s values ("xoxb-your-bot-token") and the kind of token each setting holds.
PLACEHOLDER = "your-"
TOKEN_PREFIXES = {"slack_bot_token": "xoxb-", "slack_app_token": "xapp-"}


class ConfigError(Exception):
    """A setting is missing or wrong; the message tells the user how to fix it."""


# The `description` of a typed setting says what a good value is: error messages quote it.
Seconds = Annotated[int, Field(ge=1, description="a whole number of seconds, 1 or more")]
PerSecond = Annotated[
    float,
    Field(gt=0, le=1000, allow_inf_nan=False, description="a number of messages a second, above 0 (e.g. 4)"),
]
PerMinute = Annotated[
    float,
    Field(gt=0, le=10_000, allow_inf_nan=False, description="a number of calls a minute, above 0 (e.g. 1)"),
]
# Comma-separated in the environment; NoDecode keeps pydantic-settings from reading them as JSON.
Weeks = Annotated[int, Field(ge=0, le=12, description="a whole number of weeks from 0 (off) to 12")]
UserIds = Annotated[frozenset[str], NoDecode]
Scopes = Annotated[tuple[str, ...], NoDecode]

# Only `Settings.from_env` reads the environment: settings built in code (the demo, tests,
# benchmarks) hold exactly what they are given, whatever the shell around them exports.
_reading_environment: ContextVar[bool] = ContextVar("reading_environment", default=False)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,
        # `NAME=` (as .env.example leaves the optional ones) means "not set": the default.
        env_ignore_empty=True,
        # A .env file may hold other tools' variables too.
        extra="ignore",
        env_file_encoding="utf-8",
        # Environment variable names are the aliases; code passes field names.
        validate_by_name=True,
        validate_by_alias=True,
    )

    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_api_base_url: str | None = Field(None, alias="SLACK_API_BASE_URL")
    # Distribution (OAuth install to many workspaces); see bot/core/installations.py.
    slack_client_id: str | None = Field(None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(None, alias="SLACK_CLIENT_SECRET")
    slack_scopes: Scopes = Field((), alias="SLACK_SCOPES")
    slack_redirect_uri: str | None = Field(None, alias="SLACK_REDIRECT_URI")
    # Left out of repr: a PostgreSQL URL may carry a password.
    database_url: str = Field(DEFAULT_DATABASE_URL, alias="DATABASE_URL", repr=False)
    openai_api_key: SecretStr | None = Field(None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, alias="OPENAI_BASE_URL")
    openai_model: str | None = Field(None, alias="OPENAI_MODEL")
    coordinator_channel: str | None = Field(None, alias="CONVENE_COORDINATOR_CHANNEL")
    facilitators: UserIds = Field(frozenset(), alias="CONVENE_FACILITATORS")
    timezone: str = Field("UTC", alias="CONVENE_TIMEZONE")
    # Scheduled check-ins this many weeks before a convening ask ahead of it (new workspaces).
    pre_engagement_weeks: Weeks = Field(3, alias="CONVENE_PRE_ENGAGEMENT_WEEKS")
    # Several instances (bot.core.leadership): how often each ticks, how long the leader's lease
    # lasts without renewal, and after how long a send left half-done by a dead instance is
    # checked with Slack and settled. Longer than any one Slack call with its retries.
    tick_seconds: Seconds = Field(15, alias="CONVENE_TICK_SECONDS")
    lease_seconds: Seconds = Field(40, alias="CONVENE_LEASE_SECONDS")
    recover_after_seconds: Seconds = Field(300, alias="CONVENE_RECOVER_AFTER_SECONDS")
    # Messages a second Convene sends to one workspace (bot.slack.pacing): under Slack's limit.
    slack_messages_per_second: PerSecond = Field(4.0, alias="CONVENE_SLACK_MESSAGES_PER_SECOND")
    # conversations.history calls a minute that recovery makes per workspace: Slack allows
    # apps outside its Marketplace one (15 messages a page); Marketplace apps 50 or more.
    history_calls_per_minute: PerMinute = Field(1.0, alias="CONVENE_HISTORY_CALLS_PER_MINUTE")

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env") -> Self:
        """Real environment variables win over the file, as twelve-factor apps expect. A bad
        value raises ConfigError with one line naming the variable."""
        try:
            with _environment():
                return cls(_env_file=env_file)
        except ValidationError as exc:
            raise ConfigError(_explain(exc)) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if _reading_environment.get():
            return init_settings, env_settings, dotenv_settings
        return (init_settings,)

    @field_validator("facilitators", mode="before")
    @classmethod
    def _user_list(cls, value: object) -> object:
        return parse_user_list(value) if isinstance(value, str) else value

    @field_validator("slack_scopes", mode="before")
    @classmethod
    def _scope_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(scope.strip() for scope in value.split(",") if scope.strip())
        return value

    @field_validator("timezone")
    @classmethod
    def _iana_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                "is not an IANA time zone (for example Europe/Paris or America/Mexico_City)."
            ) from exc
        return value

    @model_validator(mode="after")
    def _lease_outlasts_a_tick(self) -> Self:
        if self.lease_seconds <= self.tick_seconds:
            # The leader renews on each tick: a shorter lease would change hands every tick.
            raise ValueError("CONVENE_LEASE_SECONDS must be longer than CONVENE_TICK_SECONDS.")
        return self

    @property
    def distributed(self) -> bool:
        """OAuth mode: installable in many workspaces, each with its own bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def require(self, *names: str) -> None:
        """Each of `names` set, and not still `.env.example`'s placeholder or some other kind
        of Slack credential pasted in the wrong place. Values are never repeated back."""
        missing: list[str] = []
        placeholders: list[str] = []
        misplaced: list[str] = []
        for name in names:
            raw = getattr(self, name)
            value = (reveal(raw) if isinstance(raw, SecretStr) else raw) or ""
            prefix = TOKEN_PREFIXES.get(name)
            if not value:
                missing.append(_variable(name))
            elif PLACEHOLDER in value:
                placeholders.append(_variable(name))
            elif prefix and not value.startswith(prefix):
                misplaced.append(f"{_variable(name)} should start with {prefix}")
        problems: list[str] = []
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


def reveal(secret: SecretStr | None) -> str | None:
    """A secret's text, for the one call that needs it (a client, a signature check)."""
    return secret.get_secret_value() if secret is not None else None


def parse_user_list(raw: str) -> frozenset[str]:
    """`U1, <@U2>, U3` -> {U1, U2, U3}: facilitators paste ids in either form."""
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip().removeprefix("<@").removesuffix(">").split("|")[0].strip()
        if part:
            ids.add(part)
    return frozenset(ids)


@contextmanager
def _environment() -> Iterator[None]:
    token = _reading_environment.set(True)
    try:
        yield
    finally:
        _reading_environment.reset(token)


def _variable(field: str) -> str:
    return Settings.model_fields[field].alias or field.upper()


def _explain(exc: ValidationError) -> str:
    """One line for all the bad values: `NAME='value' must be ...`."""
    by_variable = {_variable(name): info for name, info in Settings.model_fields.items()}
    problems = []
    for error in exc.errors(include_url=False):
        if error["type"] == "value_error":
            reason = str(error["ctx"]["error"])
        else:
            name = str(error["loc"][0]) if error["loc"] else ""
            description = by_variable[name].description if name in by_variable else None
            reason = f"must be {description}." if description else f"{error['msg']}."
        if error["loc"]:
            name = str(error["loc"][0])
            secret = name in by_variable and SecretStr in get_args(by_variable[name].annotation)
            shown = "" if secret else f"={error['input']!r}"  # never echo a secret
            problems.append(f"{name}{shown} {reason}")
        else:
            problems.append(reason)
    return " ".join(problems)
