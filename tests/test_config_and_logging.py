"""Settings come from the environment; secrets and answers never reach the logs."""

import logging
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
    assert settings.slack_bot_token == "xoxb-from-file"
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
    settings = Settings(slack_bot_token="xoxb-123-secret", slack_signing_secret="s3cr3t",
                        database_url="postgresql+psycopg://u:hunter2@db/convene")  # fmt: skip
    shown = repr(settings) + str(settings)
    assert "xoxb-123-secret" not in shown and "s3cr3t" not in shown and "hunter2" not in shown


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
