"""What a newcomer gets wrong on the first run (a copied `.env.example`, a token Slack refuses,
an unreachable database, a port in use, odd arguments or input files): one clear line on
standard error, a non-zero exit, no traceback, no secret; and nothing left behind."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from standins.slack_api import SlackStandIn

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _convene(cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None):
    """`convene …` as a person types it, with only the environment given here."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "OPENAI_", "CONVENE_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.app.cli", *args],
        env={**base, **(env or {})}, cwd=cwd, capture_output=True, text=True, timeout=120, input=stdin,
    )  # fmt: skip


def _serving(slack: SlackStandIn, tmp_path: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_BASE_URL": slack.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
    }


def _one_clear_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode not in (0, None), result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("convene")]
    for words in expected:
        assert words in line, line
    return line


def test_a_copied_env_example_says_which_values_are_still_placeholders(tmp_path: Path) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    for command in ("run", "serve"):
        result = _convene(tmp_path, command)
        line = _one_clear_line(result, "SLACK_BOT_TOKEN", ".env.example")
        assert result.stderr.strip() == line  # nothing else: no half-started bot
    assert "SLACK_APP_TOKEN" in _one_clear_line(_convene(tmp_path, "run"))
    assert "SLACK_SIGNING_SECRET" in _one_clear_line(_convene(tmp_path, "serve"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]  # no database created either


def test_a_token_slack_refuses_is_named_without_being_shown(tmp_path: Path) -> None:
    with SlackStandIn() as slack:
        wrong = "xoxb-1111-2222-not-the-real-one"
        env = {"SLACK_BOT_TOKEN": wrong, "SLACK_SIGNING_SECRET": "s", "SLACK_API_BASE_URL": slack.base_url,
               "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}  # fmt: skip
        result = _convene(tmp_path, "--env-file", "none.env", "serve", "--port", str(_closed_port()), env=env)
    _one_clear_line(result, "SLACK_BOT_TOKEN", "invalid_auth", "OAuth & Permissions")
    assert wrong not in result.stderr + result.stdout
    assert result.returncode == 2


def test_slack_out_of_reach_is_one_line(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-unreachable-token", "SLACK_SIGNING_SECRET": "s",
           "SLACK_API_BASE_URL": f"http://127.0.0.1:{_closed_port()}/api/",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}  # fmt: skip
    result = _convene(tmp_path, "--env-file", "none.env", "serve", "--port", str(_closed_port()), env=env)
    _one_clear_line(result, "could not reach Slack", "SLACK_API_BASE_URL")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("this is not a url", "DATABASE_URL"),
        ("nosuchdb://somewhere/x", "DATABASE_URL"),
        ("postgresql+psycopg://convene:s3cret@127.0.0.1:{port}/convene", "could not connect"),
        ("sqlite:////no/such/folder/convene.db", "could not connect"),
    ],
)
def test_a_database_url_that_cannot_work_is_one_line(tmp_path: Path, url: str, expected: str) -> None:
    url = url.format(port=_closed_port())
    env = {"DATABASE_URL": url}
    for args in (("db", "upgrade"), ("serve",)):
        serve_env = (
            {"SLACK_BOT_TOKEN": "xoxb-fine-token", "SLACK_SIGNING_SECRET": "s"} if args == ("serve",) else {}
        )
        result = _convene(tmp_path, "--env-file", "none.env", *args, env={**env, **serve_env})
        _one_clear_line(result, expected)
        assert "s3cret" not in result.stderr


def test_db_upgrade_says_when_it_created_the_schema(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    first = _convene(tmp_path, "--env-file", "none.env", "db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    assert "Created the schema" in first.stdout
    again = _convene(tmp_path, "--env-file", "none.env", "db", "upgrade", env=env)
    assert again.returncode == 0 and "already up to date" in again.stdout


def test_a_port_in_use_or_out_of_range_is_one_line(tmp_path: Path) -> None:
    with SlackStandIn() as slack, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _serving(slack, tmp_path)
        result = _convene(tmp_path, "--env-file", "none.env", "serve", "--host", "127.0.0.1",
                          "--port", str(port), env=env)  # fmt: skip
    _one_clear_line(result, f"port {port}", "--port")
    out_of_range = _convene(tmp_path, "serve", "--port", "70000")
    assert out_of_range.stderr.strip() == _one_clear_line(out_of_range, "70000", "65535")
    assert out_of_range.returncode == 2


def test_serve_help_shows_the_defaults(tmp_path: Path) -> None:
    result = _convene(tmp_path, "serve", "--help")
    assert result.returncode == 0
    shown = " ".join(result.stdout.split())
    assert "(default: 3000)" in shown and "(default: 0.0.0.0)" in shown


def test_no_warning_about_an_unused_token_on_start(tmp_path: Path) -> None:
    # Bolt reads SLACK_BOT_TOKEN itself and warns that the client's (the same) wins.
    with SlackStandIn() as slack, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()  # the start stops at the port: everything before it has been said
        env = _serving(slack, tmp_path)
        result = _convene(tmp_path, "--env-file", "none.env", "serve", "--host", "127.0.0.1",
                          "--port", str(taken.getsockname()[1]), env=env)  # fmt: skip
    assert "connected to workspace" in result.stderr  # it did start up to the listening step
    assert "will be unused" not in result.stderr


def _tag_file(tmp_path: Path, content: bytes) -> subprocess.CompletedProcess[str]:
    answers = tmp_path / "answers.csv"
    answers.write_bytes(content)
    return _convene(tmp_path, "--env-file", "none.env", "tag", "--file", str(answers))


def test_tagging_a_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    result = _tag_file(tmp_path, "text\nPresupuesto sin aprobación\n".encode("latin-1"))
    _one_clear_line(result, "answers.csv", "UTF-8")


def test_tagging_a_file_with_a_huge_field_is_one_line(tmp_path: Path) -> None:
    result = _tag_file(tmp_path, b"text\n" + b'"' + b"a" * 200_000 + b'"\n')
    _one_clear_line(result, "answers.csv", "characters")


def test_convene_tag_leaves_no_database_behind(tmp_path: Path) -> None:
    result = _convene(tmp_path, "--env-file", "none.env", "tag", "We have no budget")
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []  # the default sqlite:///convene.db was not created
