"""A check-in round for a large community against a Slack that enforces a message limit.

Run: python -m benchmarks.checkin_round_paced [--members 5000] [--limit 100] [--burst 20]
     [--pace N] [--latency 0.03] [--jitter 0.12] [--database URL]

The stand-in allows chat.postMessage `--limit` times a second with short bursts of
`--burst` (Slack: "1 per second [per channel], short bursts >1 allowed"; `--burst 0`: a
strict one-second window instead) and refuses the excess with 429 and Retry-After. Every
call takes 30-150 ms, spent before the limit is applied, so evenly paced calls arrive
unevenly, as over a real network. Convene is set to
send `--pace` messages a second (default: the limit itself). The round is started as a
facilitator starts it, with a signed `/convene checkin now`, and timed until the reply.

Printed: time to finish as a ratio to the limit's minimum (members / limit seconds),
Slack API calls per member, 429s, and members DMed twice (duplicates) or never (losses)."""

import argparse
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.checkin_round import FACILITATOR, populate
from benchmarks.common import fresh_schema
from bot.core.clock import ManualClock
from bot.core.config import Settings
from standins.harness import LocalSlack, wait_for


def measure(url: str, count: int, limit: int, burst: int, pace: float, latency: float, jitter: float) -> None:
    clock = ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    settings = Settings(facilitators=frozenset({FACILITATOR}), slack_messages_per_second=pace)
    with LocalSlack(url, clock=clock, settings=settings) as slack:
        users = populate(slack, count, clock.now())
        slack.api.latency, slack.api.jitter = latency, jitter
        slack.api.set_rate_limit("chat.postMessage", None, per_second=limit, burst=burst or None)
        slack.api.reset_calls()
        started = time.perf_counter()
        slack.events.command(FACILITATOR, "checkin now")
        reply = wait_for(
            lambda: [r for r in slack.api.responses() if "round started" in r.get("text", "")],
            timeout=count / limit * 5 + 60,
            interval=0.05,
        )[0]
        seconds = time.perf_counter() - started
        calls = list(slack.api.calls)
    posts = [c for c in calls if c.method == "chat.postMessage"]
    delivered = Counter(c.params["channel"] for c in posts if c.status == 200)
    duplicates = sum(1 for user in users if delivered[user] > 1)
    losses = sum(1 for user in users if delivered[user] == 0)
    fan_out = max(c.at for c in posts) - min(c.at for c in posts)
    minimum = count / limit
    by_method = Counter(c.method for c in calls)
    print(
        f"check-in round, {count} members, {url.split(':')[0]}: Slack limit {limit}/s "
        + (f"(bursts of {burst}), " if burst else "(strict 1 s window), ")
        + f"Convene's pace {pace:g}/s, {latency * 1000:.0f}-{(latency + jitter) * 1000:.0f} ms per call"
    )
    print(f"  reply: {reply['text']}")
    print(
        f"  time to finish: {seconds:.1f} s (command to reply) = {seconds / minimum:.3f} x the minimum "
        f"{minimum:.0f} s; fan-out alone {fan_out:.1f} s = {fan_out / minimum:.3f} x"
    )
    print(
        f"  Slack API calls: {len(calls)} = "
        + ", ".join(f"{m} x{n}" for m, n in by_method.most_common())
        + f"; {len(calls) / count:.3f} per member"
    )
    refused = sum(1 for c in posts if c.status == 429)
    print(f"  429s: {refused}; duplicates: {duplicates}; losses: {losses}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--limit", type=int, default=100, help="chat.postMessage calls Slack allows a second")
    parser.add_argument("--burst", type=int, default=20, help="calls Slack lets through at once (0: none)")
    parser.add_argument("--pace", type=float, help="Convene's messages a second (default: the limit)")
    parser.add_argument("--latency", type=float, default=0.03, help="seconds every Slack call takes at least")
    parser.add_argument("--jitter", type=float, default=0.12, help="up to this many seconds more, at random")
    parser.add_argument("--database", help="a PostgreSQL URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    pace = args.pace or float(args.limit)
    options = (args.members, args.limit, args.burst, pace, args.latency, args.jitter)
    if args.database:
        with fresh_schema(args.database) as url:
            measure(url, *options)
        return
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{Path(tmp) / 'paced.db'}", *options)


if __name__ == "__main__":
    main()
