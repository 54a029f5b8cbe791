"""Two `convene serve` processes on one PostgreSQL database, as behind a load balancer: the
scheduled check-in round, the weekly matches and the digest each happen exactly once, and
when the leader is killed mid-round the other instance finishes the round, nobody asked
twice and nobody left out."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.slack import message_metadata
from standins.harness import wait_for
from standins.slack_api import SlackStandIn
from standins.slack_events import SlackEvents
from storage import migrate
from storage.db import Database
from storage.models import (
    CheckinDelivery,
    DigestPost,
    MatchGroup,
    Member,
    PainPoint,
    SchedulerLease,
    Workspace,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

SECRET = "several-instances-secret"
COORDINATORS = "C0COORDS1"
EVERY_MINUTE = "* * * * *"  # due now, and once per day/week thanks to the database's keys
NEVER = "0 0 29 2 *"
FAST = {
    # Short clocks so a takeover happens in seconds; the defaults are 15 / 40 / 300.
    "CONVENE_TICK_SECONDS": "1",
    "CONVENE_LEASE_SECONDS": "4",
    "CONVENE_RECOVER_AFTER_SECONDS": "3",
    # This stand-in does not limit conversations.history: recovery may ask as a Marketplace app.
    "CONVENE_HISTORY_CALLS_PER_MINUTE": "600",
}


@pytest.fixture
def shared_database(postgres_server: str) -> Iterator[str]:
    """One PostgreSQL schema both instances use, migrated once as a deploy step would."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        yield rendered
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class Instance:
    def __init__(
        self, api: SlackStandIn, database_url: str, workdir: Path, extra_env: dict[str, str]
    ) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": api.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_BASE_URL": api.base_url,
            "DATABASE_URL": database_url,
            **FAST,
            **extra_env,
        }
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.app.cli", "--env-file", str(workdir / "none.env"), "serve",
             "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.events = SlackEvents(self.url, SECRET, api)

    def wait_healthy(self) -> None:
        def healthy() -> bool:
            if self.process.poll() is not None:
                return True
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for(healthy, timeout=30)
        assert self.process.poll() is None, self.output()

    def output(self) -> str:
        return self.process.stdout.read() if self.process.stdout else ""

    def stop(self) -> str:
        """Stop (if still running) and return everything the process logged."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            output, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        return output or ""


def _prepare(database_url: str, team_id: str, **workspace: Any) -> Database:
    db = Database.from_url(database_url)
    migrate.upgrade(db.engine)
    with db.session() as session:
        defaults = {"checkin_cron": NEVER, "match_cron": NEVER, "digest_cron": NEVER}
        session.add(Workspace(team_id=team_id, name="Two instances", **{**defaults, **workspace}))
        session.commit()
    return db


def _set_workspace(db: Database, **values: Any) -> None:
    with db.session() as session:
        session.execute(update(Workspace).values(**values))
        session.commit()


def _checkins(api: SlackStandIn, user_id: str) -> list[dict[str, Any]]:
    return [
        m
        for m in api.messages_to(user_id)
        if (m.get("metadata") or {}).get("event_type") == message_metadata.CHECKIN
    ]


def _start_two(api: SlackStandIn, database_url: str, tmp_path: Path, **env: str) -> list[Instance]:
    # One after the other, as a rolling start would: the first seeds the taxonomy.
    first = Instance(api, database_url, tmp_path, env)
    first.wait_healthy()
    second = Instance(api, database_url, tmp_path, env)
    second.wait_healthy()
    return [first, second]


def _leader(db: Database) -> int | None:
    with db.session() as session:
        lease = session.get(SchedulerLease, "scheduler")
        if lease is None or lease.expires_at < datetime.now(UTC):
            return None
        return int(lease.holder.split(":")[-2])


def test_a_round_a_match_run_and_a_digest_each_happen_once_with_two_instances(
    shared_database: str, tmp_path: Path
) -> None:
    people = [f"UTWO{i:05d}" for i in range(6)]
    with SlackStandIn() as api:
        for user in people:
            api.add_user(user, name=user.lower(), real_name=f"Member {user[-1]}", tz="UTC")
        api.add_channel(COORDINATORS, name="coordinators")
        db = _prepare(shared_database, api.team_id)
        instances = _start_two(api, shared_database, tmp_path)
        try:
            for i, user in enumerate(people):  # the load balancer alternates
                assert instances[i % 2].events.command(user, "join").status == 200
            wait_for(lambda: len(api.responses()) >= len(people), timeout=20)

            _set_workspace(db, checkin_cron=EVERY_MINUTE)
            wait_for(lambda: all(_checkins(api, u) for u in people), timeout=30)
            time.sleep(3)  # three more ticks on each instance: nothing more may arrive
            assert [len(_checkins(api, u)) for u in people] == [1] * len(people)

            with db.session() as session:
                pain_id = session.exec(select(PainPoint.id).where(PainPoint.slug == "funding")).one()
            yes = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]
            for i, user in enumerate(people):
                events = instances[i % 2].events
                before = len(api.open_views())
                events.click_button_in(user, _checkins(api, user)[0], "checkin_answer")
                view = wait_for(lambda before=before: api.open_views()[before:], timeout=10)[0]
                events.submit_view(user, view, {
                    "challenge": {"type": "plain_text_input", "value": "The budget was cut again."},
                    "pains": {"type": "multi_static_select", "selected_options": [
                        {"text": {"type": "plain_text", "text": "funding"}, "value": str(pain_id)}]},
                    "match": {"type": "checkboxes", "selected_options": yes},
                    "consent": {"type": "checkboxes", "selected_options": []},
                })  # fmt: skip

            def answered() -> bool:
                with db.session() as session:
                    done = session.exec(select(CheckinDelivery.status)).all()
                return done.count("answered") == len(people)

            wait_for(answered, timeout=20)
            _set_workspace(db, match_cron=EVERY_MINUTE)

            def intros() -> list[str]:
                with db.session() as session:
                    return [c for c in session.exec(select(MatchGroup.channel_id)).all() if c]

            channels = wait_for(lambda: len(intros()) == 3 and intros(), timeout=30)
            _set_workspace(db, digest_cron=EVERY_MINUTE, coordinator_channel=COORDINATORS)

            def top_level_in_coordinators() -> list[dict[str, Any]]:
                return [m for m in api.messages_to(COORDINATORS) if "thread_ts" not in m]

            wait_for(top_level_in_coordinators, timeout=30)
            time.sleep(3)
            for channel in channels:
                intro_messages = [
                    m for m in api.messages_to(channel)
                    if (m.get("metadata") or {}).get("event_type") == message_metadata.INTRO
                ]  # fmt: skip
                assert len(intro_messages) == 1
            assert len(top_level_in_coordinators()) == 1
            with db.session() as session:
                assert len(session.exec(select(DigestPost)).all()) == 1
            assert [len(_checkins(api, u)) for u in people] == [1] * len(people)
            assert _leader(db) in {i.process.pid for i in instances}
        finally:
            for instance in instances:
                instance.stop()
            db.dispose()


def test_killing_the_leader_mid_round_lets_the_other_finish_it_without_duplicates(
    shared_database: str, tmp_path: Path
) -> None:
    people = [f"UKILL{i:04d}" for i in range(200)]
    with SlackStandIn(latency=0.02) as api:
        for user in people:
            api.add_user(user, name=user.lower(), tz="UTC")
        db = _prepare(shared_database, api.team_id)
        with db.session() as session:
            for user in people:
                session.add(Member(team_id=api.team_id, user_id=user, name=user.lower(), tz="UTC"))
            session.commit()
        # 25 DMs a second: the round takes about eight seconds, long enough to die in.
        instances = _start_two(api, shared_database, tmp_path, CONVENE_SLACK_MESSAGES_PER_SECOND="25")
        try:
            _set_workspace(db, checkin_cron=EVERY_MINUTE)

            def reached() -> int:
                return sum(1 for u in people if _checkins(api, u))

            wait_for(lambda: reached() >= 40, timeout=30)
            leader_pid = _leader(db)
            (leader,) = [i for i in instances if i.process.pid == leader_pid]
            (survivor,) = [i for i in instances if i is not leader]
            leader.process.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            at_kill = reached()
            assert at_kill < len(people), "the round ended before the leader could be killed"

            wait_for(lambda: reached() == len(people), timeout=50)
            finished_after = time.monotonic() - killed_at  # printed below, not asserted
            assert [len(_checkins(api, u)) for u in people] == [1] * len(people)
            assert _leader(db) == survivor.process.pid
            with db.session() as session:
                statuses = session.exec(select(CheckinDelivery.status)).all()
            assert statuses.count("sent") == len(people)
            log = survivor.stop()
            # The survivor asked Slack about what the leader left half-sent, rather than guessing.
            recovered = [line for line in log.splitlines() if "recovery for" in line]
            assert recovered, log[-2000:]
            print(f"killed at {at_kill}/{len(people)} DMs; round finished {finished_after:.1f}s later")
            print("\n".join(recovered))
        finally:
            for instance in instances:
                instance.stop()
            db.dispose()
