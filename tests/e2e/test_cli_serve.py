"""`convene serve` as a real process: configured from the environment, healthy, answering
signed slash commands, and stopping cleanly on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from standins.harness import wait_for
from standins.slack_api import SlackStandIn
from standins.slack_events import SlackEvents

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def test_serve_runs_from_the_environment_and_answers_slack(tmp_path: Path, database_url: str) -> None:
    port = _free_port()
    with SlackStandIn() as api:
        api.add_user("UPAT00001", name="pat", real_name="Pat Lee", tz="Europe/London")
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": api.bot_token,
            "SLACK_SIGNING_SECRET": "serve-test-secret",
            "SLACK_API_BASE_URL": api.base_url,
            "DATABASE_URL": database_url,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.app.cli", "--env-file", str(tmp_path / "none.env"), "serve",
             "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(lambda: _healthy(url) or process.poll() is not None, timeout=30)
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            events = SlackEvents(url, "serve-test-secret", api)
            assert events.command("UPAT00001", "join").status == 200
            reply = wait_for(lambda: api.responses(), timeout=10)[0]
            assert "Welcome, Pat" in reply["text"]
            assert events.command("UPAT00001", "help", signature="v0=bad").status == 401
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=15)
    assert process.returncode in (0, 130), output
    assert api.bot_token not in output


def test_serve_without_a_signing_secret_says_what_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot.app.cli", "--env-file", str(tmp_path / "none.env"), "serve"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Missing SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in result.stderr
