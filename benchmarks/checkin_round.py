"""How many Slack API calls a check-in round makes, and how long it takes to fan out.

Run: python -m benchmarks.checkin_round [--members 1000] [--latency 0.0] [--pace 1000] [--database URL]

Members are created directly in the database (joining is not what is measured); the round
is then started the way a facilitator starts it, with a signed `/convene checkin now` over
HTTP, and separately by the scheduler's tick. The Slack side is the loopback stand-in, so
`--latency` adds a simulated network round trip per call. `--pace` is Convene's message
pace (CONVENE_SLACK_MESSAGES_PER_SECOND); the stand-in sets no limit here, so the default is
high enough to measure Convene's own cost (see `checkin_round_paced` for a limited Slack)."""

import argparse
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import fresh_schema
from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.members import service as members
from bot.slack.directory import SlackProfile
from standins.harness import LocalSlack, wait_for
from storage.models import Workspace

ZONES = ["Asia/Manila", "America/Mexico_City", "Europe/Madrid", "Africa/Nairobi", "America/Bogota",
         "Asia/Jakarta", "Africa/Dakar", "America/Toronto", "Asia/Tbilisi", "Europe/Kyiv"]  # fmt: skip
FACILITATOR = "UFACIL001"


def populate(slack: LocalSlack, count: int, now: datetime) -> list[str]:
    users = [f"U{i:08d}" for i in range(count)]
    with slack.db.session() as session:
        ws = session.get(Workspace, slack.team_id)
        assert ws is not None
        for i, user in enumerate(users):
            tz = ZONES[i % len(ZONES)]
            slack.api.add_user(user, name=f"member{i}", real_name=f"Member {i}", tz=tz)
            members.join(session, ws, SlackProfile(user, f"member{i}", f"Member {i}", tz, "en-US"), now)
    slack.api.add_user(FACILITATOR, name="facilitator", real_name="Fa Cilitator")
    return users


def measure_manual(url: str, count: int, latency: float, pace: float) -> None:
    clock = ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    settings = Settings(facilitators=frozenset({FACILITATOR}), slack_messages_per_second=pace)
    with LocalSlack(url, clock=clock, settings=settings, latency=latency) as slack:
        populate(slack, count, clock.now())
        slack.api.reset_calls()
        started = time.perf_counter()
        slack.events.command(FACILITATOR, "checkin now")
        reply = wait_for(
            lambda: [r for r in slack.api.responses() if "round started" in r.get("text", "")], timeout=600
        )[0]
        seconds = time.perf_counter() - started
        calls = Counter(c.method for c in slack.api.calls)
        per_member_dm = len({c.params["channel"] for c in slack.api.calls_to("chat.postMessage")})
    print(
        f"/convene checkin now, {count} members ({_backend(url)}, {latency * 1000:.0f} ms simulated latency)"
    )
    print(f"  reply: {reply['text']}")
    print(
        f"  Slack API calls: {sum(calls.values())} = "
        + ", ".join(f"{m} x{n}" for m, n in calls.most_common())
    )
    print(
        f"  distinct members messaged: {per_member_dm}; "
        f"calls beyond one DM each: {sum(calls.values()) - count}"
    )
    print(f"  fan-out wall time: {seconds:.2f} s ({count / seconds:.0f} DMs/s)")


def measure_scheduled(url: str, count: int, latency: float, pace: float) -> None:
    clock = ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    settings = Settings(slack_messages_per_second=pace)
    with LocalSlack(url, clock=clock, settings=settings, latency=latency) as slack:
        populate(slack, count, clock.now())
        slack.api.reset_calls()
        clock.set(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
        total = 0.0
        ticks = 0
        while clock.now() < datetime(2026, 11, 30, 16, 0, tzinfo=UTC):
            started = time.perf_counter()
            slack.tick()
            total += time.perf_counter() - started
            ticks += 1
            clock.advance(timedelta(minutes=30))
        calls = Counter(c.method for c in slack.api.calls)
    print(f"scheduled Monday round via the scheduler tick, {count} members in {len(ZONES)} time zones")
    print(
        f"  Slack API calls: {sum(calls.values())} = "
        + ", ".join(f"{m} x{n}" for m, n in calls.most_common())
    )
    print(f"  {ticks} ticks over 28 simulated hours, {total:.2f} s of work in all")


def _backend(url: str) -> str:
    return url.split(":")[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every Slack call")
    parser.add_argument("--pace", type=float, default=1000.0, help="Convene's messages a second")
    parser.add_argument("--database", help="a PostgreSQL URL (default: temporary SQLite files)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for measure, name in ((measure_manual, "a.db"), (measure_scheduled, "b.db")):
            if args.database:
                with fresh_schema(args.database) as url:
                    measure(url, args.members, args.latency, args.pace)
            else:
                measure(f"sqlite:///{Path(tmp) / name}", args.members, args.latency, args.pace)


if __name__ == "__main__":
    main()
