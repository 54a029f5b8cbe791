"""`convene serve` in distributed mode, as real processes: two instances side by side on one
database, configured from the environment with no bot token of their own."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.installations import DEFAULT_SCOPES
from standins.cloud_harness import browse, state_cookie
from standins.harness import wait_for
from standins.slack_cloud import SlackCloud
from standins.slack_events import SlackEvents

pytestmark = pytest.mark.e2e

TEAM = "T0SERVE01"
SECRET = "distributed-signing-secret"
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        return browse(url + "/healthz").status == 200
    except OSError:
        return False


def _env(cloud: SlackCloud, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CONVENE_"))}
    env.update(
        SLACK_CLIENT_ID=cloud.client_id,
        SLACK_CLIENT_SECRET=cloud.client_secret,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_BASE_URL=cloud.base_url,
        DATABASE_URL=database_url,
    )
    return env


class _Serve:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.app.cli", "--env-file", str(cwd / "none.env"), "serve",
             "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        wait_for(lambda: _healthy(self.url) or self.process.poll() is not None, timeout=60)
        if self.process.poll() is not None:
            raise RuntimeError(self.process.stdout.read() if self.process.stdout else "serve exited")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=20)
        return output


@pytest.fixture
def cloud() -> Iterator[SlackCloud]:
    with SlackCloud() as running:
        ws = running.add_workspace(TEAM, "Serve Ministry")
        ws.add_user("UADMIN001", name="ada", real_name="Ada Admin", is_admin=True)
        ws.add_user("UPAT00001", name="pat", real_name="Pat Lee", tz="Europe/London")
        yield running


def test_two_serve_instances_share_installs_and_process_each_delivery_once(
    cloud: SlackCloud, database_url: str, tmp_path: Path
) -> None:
    env = _env(cloud, database_url)
    first = _Serve(env, tmp_path)
    second = None
    outputs: list[str] = []
    try:
        second = _Serve(env, tmp_path)
        cloud.register_redirect_url(second.url + "/slack/oauth_redirect")

        # The installer starts on one instance and the load balancer sends them back to the other.
        start = browse(first.url + "/slack/install")
        assert start.status == 302
        assert f"client_id={cloud.client_id}" in (start.header("location") or "")
        redirect = cloud.approve(start.header("location") or "", team_id=TEAM, user_id="UADMIN001")
        done = browse(redirect, cookie=state_cookie(start))
        assert done.status == 200
        assert cloud.installed_scopes(TEAM) == DEFAULT_SCOPES

        ws = cloud.workspace(TEAM)
        to_first = SlackEvents(first.url, SECRET, ws)
        to_second = SlackEvents(second.url, SECRET, ws)
        assert to_first.command("UPAT00001", "join").status == 200
        assert to_second.post(*to_first.last_sent).status == 200  # the same delivery, twice
        wait_for(lambda: ws.responses(), timeout=10)
        time.sleep(1.0)
        replies = ws.responses()
        assert len(replies) == 1 and "Welcome, Pat" in replies[0]["text"]
        assert to_second.command("UPAT00001", "help", signature="v0=bad").status == 401
    finally:
        outputs.append(first.stop())
        if second is not None:
            outputs.append(second.stop())
    for output in outputs:
        assert cloud.client_secret not in output and ws.bot_token not in output
        assert not re.search(r"xoxb-[A-Za-z0-9-]+", output)


def test_serve_in_distributed_mode_still_needs_a_signing_secret(cloud: SlackCloud, tmp_path: Path) -> None:
    env = _env(cloud, f"sqlite:///{tmp_path / 'convene.db'}")
    del env["SLACK_SIGNING_SECRET"]
    result = subprocess.run(
        [sys.executable, "-m", "bot.app.cli", "--env-file", str(tmp_path / "none.env"), "serve"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Missing SLACK_SIGNING_SECRET" in result.stderr and "SLACK_BOT_TOKEN" not in result.stderr


def test_the_scopes_convene_asks_for_are_the_manifests() -> None:
    lines = MANIFEST.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "bot:")
    scopes = []
    for line in lines[start + 1 :]:
        match = re.match(r"\s+- ([a-z:.]+)", line)
        if not match:
            break
        scopes.append(match.group(1))
    assert tuple(scopes) == DEFAULT_SCOPES
