"""Which requests from Slack were already handled. Slack re-sends an event it believes failed
(`X-Slack-Retry-Num`), and two instances behind one load balancer may each receive a copy;
the database, not memory, decides which copy is processed."""

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session

from storage.models import SeenRequest
from storage.queries import insert_one_ignoring_duplicate

_TABLE = SeenRequest.__table__  # type: ignore[attr-defined]

# Slack retries a failed event three times within about an hour; a day is ample.
RETENTION = timedelta(hours=24)
_MAX_KEY = 200  # the column's length


def request_key(body: dict[str, Any], team_id: str) -> str | None:
    """The identity Slack gives a request in workspace `team_id` (the one it was authorized
    for), or None when it has none worth checking.

    Events API callbacks carry `event_id`; slash commands, button presses, submissions and
    shortcuts carry a `trigger_id` unique to that user action. A `view_closed` or a
    `block_suggestion` has neither and is harmless to see twice."""
    if body.get("type") == "event_callback":
        event_id = body.get("event_id")
        return _bounded(f"{team_id}/event:{event_id}") if isinstance(event_id, str) and event_id else None
    trigger_id = body.get("trigger_id")
    if isinstance(trigger_id, str) and trigger_id:
        return _bounded(f"{team_id}/trigger:{trigger_id}")
    return None


def claim(session: Session, key: str, team_id: str, now: datetime) -> bool:
    """Record the request, committed; True for the first copy, False for every later one.
    Runs on every request before Slack gets its ack, hence one cached INSERT … ON CONFLICT
    DO NOTHING and no ORM work."""
    row = {"key": key, "team_id": team_id[:32], "received_at": now}
    inserted = insert_one_ignoring_duplicate(session, _TABLE, row, conflict=("key",))
    session.commit()
    return inserted


def prune(session: Session, before: datetime) -> int:
    """Forget requests received before `before`; returns how many rows went."""
    result = session.connection().execute(delete(_TABLE).where(_TABLE.c.received_at < before))
    session.commit()
    return int(result.rowcount or 0)


def _bounded(key: str) -> str:
    # Slack's ids are short; an absurd one is hashed rather than refused or truncated into
    # a collision with another.
    if len(key) <= _MAX_KEY:
        return key
    kind = key.split(":", 1)[0][:100]
    return f"{kind}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
