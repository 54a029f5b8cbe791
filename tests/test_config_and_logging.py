"""Settings come from the environment; secrets and answers never reach the logs."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.logging_setup import RedactSecrets
from bot.core.config import ConfigError, Settings, parse_user_list


def test_settings_read_a_dotenv_file_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "SLACK_BOT_TOKEN=xoxb-from-file\nCONVENE_TIMEZONE=Europe/Paris\nCONVENE_FACILITATORS=U1, <@U2>\n"
    )
    for name in ("SLACK_BOT_TOKEN", "CONVENE_TIMEZONE", "CONVENE_FACILITATORS", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONVENE_TIMEZONE", "America/Bogota")
    settings = Settings.from_env(env)
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-file"
    assert settings.timezone == "America/Bogota"
    assert settings.facilitators == frozenset({"U1", "U2"})
    assert settings.database_url == "sqlite:///convene.db"


def test_a_bad_time_zone_is_a_clear_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVENE_TIMEZONE", "Mars/Base")
    with pytest.raises(ConfigError, match="not an IANA time zone"):
        Settings.from_env(None)


def test_missing_tokens_name_the_variables_to_set() -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN, SLACK_APP_TOKEN"):
        Settings().require("slack_bot_token", "slack_app_token")


def test_settings_never_print_their_secrets() -> None:
    settings = Settings.model_validate(
        {
            "slack_bot_token": "xoxb-123-secret",
            "slack_app_token": "xapp-1-secret",
            "slack_signing_secret": "s3cr3t",
            "slack_client_secret": "cl13nt",
            "openai_api_key": "sk-secret",
            "database_url": "postgresql+psycopg://u:hunter2@db/convene",
        }
    )
    tokens = ("xoxb-123-secret", "xapp-1-secret", "s3cr3t", "cl13nt", "sk-secret")
    shown = repr(settings) + str(settings)
    assert not [secret for secret in (*tokens, "hunter2") if secret in shown]
    dumped = repr(settings.model_dump()) + settings.model_dump_json()
    assert not [token for token in tokens if token in dumped]


def test_settings_built_in_code_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The demo and the tests build their settings: a key exported in the shell stays out.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-shell")
    monkeypatch.setenv("CONVENE_TICK_SECONDS", "7")
    assert Settings().openai_api_key is None and Settings().tick_seconds == 15
    assert Settings.from_env(None).tick_seconds == 7


def test_lists_and_empty_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SCOPES", "chat:write, commands,,im:write")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")  # `NAME=` as .env.example leaves it: not set
    monkeypatch.setenv("DATABASE_URL", "")
    settings = Settings.from_env(None)
    assert settings.slack_scopes == ("chat:write", "commands", "im:write")
    assert settings.slack_bot_token is None and settings.database_url == Settings().database_url


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CONVENE_TICK_SECONDS", "abc"),
        ("CONVENE_SLACK_MESSAGES_PER_SECOND", "-2"),
        ("CONVENE_TIMEZONE", "Nowhere"),
    ],
)
def test_a_bad_value_stops_the_cli_with_one_line_naming_it(tmp_path: Path, variable: str, value: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CONVENE_", "DATABASE_URL"))}
    env[variable] = value
    result = subprocess.run(
        [sys.executable, "-m", "bot.app.cli", "--env-file", str(tmp_path / "none.env"), "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"convene: {variable}={value!r} ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not list(tmp_path.glob("*.db"))  # stopped before touching any database


def test_user_lists_accept_ids_and_mentions() -> None:
    assert parse_user_list(" U1,<@U2|ana>;U3 ,, ") == frozenset({"U1", "U2", "U3"})


def test_tokens_in_log_lines_are_masked() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "token %s and xapp-1-A0-123456789", ("xoxb-1-2-abcdefgh",), None
    )
    RedactSecrets().filter(record)
    message = record.getMessage()
    assert "abcdefgh" not in message and "123456789" not in message
    assert "xoxb-…redacted" in message


def test_placeholders_and_misplaced_tokens_are_named_never_shown() -> None:
    settings = Settings(slack_bot_token="xoxb-your-bot-token", slack_app_token="xoxb-1-a-bot-token-here")
    with pytest.raises(ConfigError) as raised:
        settings.require("slack_bot_token", "slack_app_token", "slack_signing_secret")
    message = str(raised.value)
    assert "Missing SLACK_SIGNING_SECRET" in message
    assert "SLACK_BOT_TOKEN still holds the placeholder from .env.example" in message
    assert "SLACK_APP_TOKEN should start with xapp-" in message
    assert "xoxb-1-a-bot-token-here" not in message and "\n" not in message


def test_the_history_budget_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONVENE_HISTORY_CALLS_PER_MINUTE", raising=False)
    assert Settings.from_env(None).history_calls_per_minute == 1.0
    monkeypatch.setenv("CONVENE_HISTORY_CALLS_PER_MINUTE", "50")
    assert Settings.from_env(None).history_calls_per_minute == 50.0
    monkeypatch.setenv("CONVENE_HISTORY_CALLS_PER_MINUTE", "never")
    with pytest.raises(ConfigError, match="CONVENE_HISTORY_CALLS_PER_MINUTE"):
        Settings.from_env(None)
