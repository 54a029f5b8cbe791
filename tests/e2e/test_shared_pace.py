"""Two processes sending to one workspace through one PostgreSQL database keep the
workspace's pace between them: every send slot either takes is a full interval from every
slot the other takes, so together they never exceed CONVENE_SLACK_MESSAGES_PER_SECOND."""

import json
import subprocess
import sys
import textwrap
from collections import Counter
from itertools import pairwise

import pytest

from standins.slack_api import SlackStandIn

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

RATE = 8.0  # messages a second for the workspace
EACH = 12  # messages each process sends

# One instance of Convene, as far as pacing goes: its own process, its own database handle
# and Slack client, the workspace's lane, and one DM per slot.
INSTANCE = textwrap.dedent(
    """
    import json, sys
    from bot.slack.client import build_web_client
    from bot.slack.pacing import lane_for
    from storage.db import Database

    url, base_url, token, name, rate, count = sys.argv[1:7]
    db = Database.from_url(url)
    lane = lane_for(build_web_client(token, base_url), float(rate), db, "T0STANDIN")
    print("ready", flush=True)
    sys.stdin.readline()  # both start together
    slots = []
    for n in range(int(count)):
        slots.append(lane.pacer.wait_turn())
        lane.client.chat_postMessage(channel=f"U{name}{n:03d}", text="check-in")
    print(json.dumps(slots), flush=True)
    """
)


def test_two_processes_on_postgresql_share_one_pace(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several instances share PostgreSQL")
    from storage import migrate
    from storage.db import Database

    db = Database.from_url(database_url)
    migrate.upgrade(db.engine)
    db.dispose()
    with SlackStandIn() as slack:
        for name in ("A", "B"):
            for n in range(EACH):
                slack.add_user(f"U{name}{n:03d}", name=f"{name.lower()}{n}")
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    INSTANCE,
                    database_url,
                    slack.base_url,
                    slack.bot_token,
                    name,
                    str(RATE),
                    str(EACH),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ("A", "B")
        ]
        try:
            for process in processes:
                assert process.stdout is not None and process.stdout.readline().strip() == "ready"
            for process in processes:
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
            outputs = [process.communicate(timeout=60) for process in processes]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
        sent = Counter(c.params["channel"] for c in slack.calls_to("chat.postMessage") if c.status == 200)
    assert all(process.returncode == 0 for process in processes), [err for _, err in outputs]
    per_process = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert sent == Counter({f"U{name}{n:03d}": 1 for name in "AB" for n in range(EACH)})
    # They really sent at the same time: each one's slots fall between the other's.
    first, second = per_process
    assert min(first) < max(second) and min(second) < max(first)
    slots = sorted(first + second)
    # One schedule: slots a full interval apart, so no second holds more than RATE of them.
    assert min(b - a for a, b in pairwise(slots)) >= 1 / RATE - 1e-6
    assert max(sum(1 for s in slots if start <= s < start + 1) for start in slots) <= RATE
