"""How long the weekly digest takes to aggregate, how much memory and how many queries, on a
year of a large community.

Run: python -m benchmarks.digest [--members 1000] [--weeks 52] [--repeat 3] [--seed 7]
                                 [--postgres URL | --no-postgres]

Data, written with bulk inserts (what is measured is reading, not writing): 1,000 members (93%
active, 4% paused, 3% gone) in ten time zones, a check-in round every Monday for 52 weeks with
a delivery to every member, answered by each member with their own probability (0.8 to 1.0;
3% of members fall silent for the last five weeks), so ~50,000 answers: 1-3 pain points each
from the six seed pain points plus a long tail of 30 (skewed like the matching benchmark),
support scores 1-5 (15% blank), 30% consenting to be quoted; ten emerging themes with answers;
a match round every week pairing ~40% of the active members, whose follow-ups come back the
week after (60% answer, the rest fall silent).

Figures, on SQLite (a temporary file) and on PostgreSQL (a fresh schema on `--postgres`, created
and dropped; the tables are ANALYZEd after loading, as autovacuum would): wall time of
`build_digest` (first run, then best of `--repeat`), the peak memory it allocates (tracemalloc,
in a separate run: tracing slows Python down) and the SQL statements it issues; the same for the
draft agenda (`bot.digest.agenda`) when that module is there. Target: under 2 s and 300 MB."""

import argparse
import importlib
import inspect
import json
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from sqlmodel import SQLModel

from benchmarks.common import SEED_SHARES, fresh_schema
from bot.digest.aggregate import build_digest, week_bounds
from storage import migrate
from storage.db import Database
from storage.models import (
    Answer,
    AnswerTag,
    CheckinDelivery,
    CheckinRound,
    DeliveryStatus,
    EmergingTheme,
    MatchGroup,
    MatchMember,
    MatchRound,
    Member,
    MemberStatus,
    PainPoint,
    ThemeAnswer,
    ThemeStatus,
    Workspace,
)

TEAM = "TBENCH0001"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
ZONES = ["Asia/Manila", "America/Mexico_City", "Europe/Madrid", "Africa/Nairobi", "America/Bogota",
         "Asia/Jakarta", "Africa/Dakar", "America/Toronto", "Asia/Tbilisi", "Europe/Kyiv"]  # fmt: skip
SEEDS = SEED_SHARES
TAIL = [f"tail_{k:02d}" for k in range(30)]
TAIL_SHARE = 0.2
PHRASES = [
    "The action plan deadline moved again and the ministry has not named a new focal point.",
    "Civil society partners want more co-creation meetings than we can staff.",
    "Our budget line for the open data portal was cut in the mid-year review.",
    "The new minister asked what OGP is for; I had ten minutes to explain it.",
    "Two colleagues left the unit this month and nobody has replaced them.",
    "Agencies send their commitment updates late and in different formats.",
    "We finally published the beneficial ownership register, with some gaps.",
    "Elections are coming and everything political is on hold until then.",
]
CHUNK = 5000


def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    """Every field's default, so bulk rows only spell out what differs."""
    values = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            values[name] = info.default_factory()  # type: ignore[call-arg]
        elif info.default is not None or not info.is_required():
            values[name] = info.default
    values.pop("id", None)
    return values


def _bulk(db: Database, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    base = _defaults(model)
    table = model.__table__  # type: ignore[attr-defined]
    with db.engine.begin() as connection:
        for i in range(0, len(rows), CHUNK):
            connection.execute(insert(table), [{**base, **row} for row in rows[i : i + CHUNK]])


def populate(db: Database, members: int, weeks: int, seed: int) -> dict[str, int]:
    rnd = random.Random(seed)
    _, this_monday, _ = week_bounds(NOW, UTC)
    mondays = [this_monday - timedelta(weeks=weeks - 1 - w) for w in range(weeks)]
    first = mondays[0]

    _bulk(db, Workspace, [{"team_id": TEAM, "name": "Bench", "timezone": "UTC", "created_at": first}])
    slugs = list(SEEDS) + TAIL
    pains = [
        {
            "id": k + 1,
            "team_id": TEAM,
            "slug": slug,
            "name": slug.replace("_", " ").title(),
            "is_symptom": slug == "staff_turnover",
            "status": "retired" if slug in ("tail_28", "tail_29") else "active",
            "created_at": first,
        }
        for k, slug in enumerate(slugs)
    ]
    _bulk(db, PainPoint, pains)
    tail_weights = [1.0 / (k + 1) for k in range(len(TAIL))]
    weights = [v * (1 - TAIL_SHARE) / sum(SEEDS.values()) for v in SEEDS.values()] + [
        t * TAIL_SHARE / sum(tail_weights) for t in tail_weights
    ]
    pain_ids = [p["id"] for p in pains]

    statuses = rnd.choices(
        [MemberStatus.ACTIVE, MemberStatus.PAUSED, MemberStatus.LEFT], weights=[93, 4, 3], k=members
    )
    people = [
        {
            "id": i + 1,
            "team_id": TEAM,
            "user_id": f"U{i:08d}",
            "name": f"member{i}",
            "real_name": f"Member {i}",
            "tz": ZONES[i % len(ZONES)],
            "status": statuses[i],
            "joined_at": first,
        }
        for i in range(members)
    ]
    _bulk(db, Member, people)
    answer_rate = [rnd.uniform(0.8, 1.0) for _ in range(members)]
    falls_silent = {i for i in range(members) if rnd.random() < 0.03}

    rounds, deliveries, answers, tags = [], [], [], []
    for w, monday in enumerate(mondays):
        rounds.append({"id": w + 1, "team_id": TEAM, "round_key": f"{monday:%Y-%m-%d}", "created_at": monday})
        for i in range(members):
            sent_at = monday + timedelta(hours=8, minutes=rnd.randrange(120))
            silent = i in falls_silent and w >= weeks - 5
            answered = not silent and rnd.random() < answer_rate[i]
            delivery_id = len(deliveries) + 1
            deliveries.append(
                {
                    "id": delivery_id,
                    "round_id": w + 1,
                    "member_id": i + 1,
                    "due_at": sent_at,
                    "sent_at": sent_at,
                    "status": DeliveryStatus.ANSWERED if answered else DeliveryStatus.SENT,
                    "answered_at": None,
                }
            )
            if not answered:
                continue
            at = sent_at + timedelta(minutes=rnd.randrange(72 * 60))
            if at >= NOW:
                deliveries[-1]["status"] = DeliveryStatus.SENT
                continue
            deliveries[-1]["answered_at"] = at
            answer_id = len(answers) + 1
            answers.append(
                {
                    "id": answer_id,
                    "team_id": TEAM,
                    "member_id": i + 1,
                    "delivery_id": delivery_id,
                    "text": rnd.choice(PHRASES),
                    "source": "modal",
                    "support_score": rnd.choices([None, 1, 2, 3, 4, 5], weights=[15, 8, 17, 25, 22, 13])[0],
                    "wants_match": rnd.random() < 0.4,
                    "consent": "quote_anonymously" if rnd.random() < 0.3 else "counts_only",
                    "dedupe_key": f"bench:{answer_id}",
                    "created_at": at,
                    "updated_at": at,
                    "tagged_at": at,
                }
            )
            chosen: set[int] = set()
            for _ in range(rnd.choices([1, 2, 3], weights=[45, 38, 17])[0]):
                chosen.add(rnd.choices(pain_ids, weights=weights)[0])
            tags += [
                {
                    "answer_id": answer_id,
                    "pain_point_id": p,
                    "source": "llm",
                    "confidence": 0.8,
                    "created_at": at,
                }
                for p in chosen
            ]
    _bulk(db, CheckinRound, rounds)
    _bulk(db, CheckinDelivery, deliveries)
    _bulk(db, Answer, answers)
    _bulk(db, AnswerTag, tags)

    themes, links = [], []
    for k in range(10):
        themes.append(
            {
                "id": k + 1,
                "team_id": TEAM,
                "period_key": f"2026-W{40 + k}",
                "name": f"Theme {k}",
                "examples": json.dumps(rnd.sample(PHRASES, 2)),
                "status": ThemeStatus.PROPOSED if k % 2 else ThemeStatus.DISMISSED,
                "created_at": first,
            }
        )
        links += [{"theme_id": k + 1, "answer_id": a} for a in rnd.sample(range(1, len(answers) + 1), 12)]
    _bulk(db, EmergingTheme, themes)
    _bulk(db, ThemeAnswer, links)

    active = [p["id"] for p in people if p["status"] == MemberStatus.ACTIVE]
    match_rounds, groups, links = [], [], []
    for w, monday in enumerate(mondays):
        sent_at = monday + timedelta(days=1, hours=10)
        if sent_at >= NOW:
            continue
        year, week, _ = monday.isocalendar()
        match_rounds.append(
            {
                "id": w + 1,
                "team_id": TEAM,
                "week_key": f"{year}-W{week:02d}",
                "status": "sent",
                "sent_at": sent_at,
            }
        )
        chosen_members = rnd.sample(active, int(len(active) * 0.4) // 2 * 2)
        for a, b in zip(chosen_members[::2], chosen_members[1::2], strict=True):
            group_id = len(groups) + 1
            groups.append({"id": group_id, "round_id": w + 1, "shared_pains": "[]", "weight": 1.0})
            for member_id in (a, b):
                answered_at = sent_at + timedelta(days=rnd.uniform(6, 8))
                if answered_at >= NOW:
                    met = helped = answered_at = None
                elif rnd.random() < 0.6:
                    met = rnd.random() < 0.7
                    helped = (rnd.random() < 0.6) if met else None
                else:
                    met = helped = None  # silence, recorded
                links.append(
                    {
                        "group_id": group_id,
                        "member_id": member_id,
                        "met": met,
                        "helped": helped,
                        "answered_at": answered_at,
                    }
                )
    _bulk(db, MatchRound, match_rounds)
    _bulk(db, MatchGroup, groups)
    _bulk(db, MatchMember, links)
    if db.dialect == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return {
        "members": members,
        "deliveries": len(deliveries),
        "answers": len(answers),
        "tags": len(tags),
        "match groups": len(groups),
    }


def _agenda() -> Callable[..., Any] | None:
    try:
        module = importlib.import_module("bot.digest.agenda")
    except ImportError:
        return None
    for name in ("draft_agenda", "draft"):
        function = getattr(module, name, None)
        if callable(function):
            return function
    return None


def _call(function: Callable[..., Any], db: Database, digest: Any) -> Any:
    """Calls the agenda drafter with whatever it asks for: the digest, or a session, team, now."""
    given = {"digest": digest, "team_id": TEAM, "now": NOW}
    with db.session() as session:
        given["session"] = session
        parameters = inspect.signature(function).parameters
        return function(*(given[p] for p in parameters if p in given))


def measure(label: str, db: Database, work: Callable[[], Any], repeat: int) -> Any:
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    started = time.perf_counter()
    try:
        result = work()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    first = time.perf_counter() - started
    best = first
    for _ in range(repeat - 1):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    try:
        work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    verdict = "ok" if best < 2.0 and peak < 300 * 2**20 else "OVER TARGET"
    print(
        f"  {label}: first {first * 1000:.0f} ms, best of {repeat} {best * 1000:.0f} ms, "
        f"peak {peak / 2**20:.1f} MB, {statements} SQL statements [{verdict}]"
    )
    return result


def run(url: str, args: argparse.Namespace) -> None:
    db = Database.from_url(url)
    try:
        migrate.upgrade(db.engine)
        started = time.perf_counter()
        sizes = populate(db, args.members, args.weeks, args.seed)
        print(f"{db.dialect}: loaded " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()), end="")
        print(f" in {time.perf_counter() - started:.1f} s")

        def digest() -> Any:
            with db.session() as session:
                return build_digest(session, TEAM, NOW)

        result = measure("build_digest", db, digest, args.repeat)
        print(
            f"    {result.week_key}: {result.members_active} active, "
            f"{result.answered}/{result.asked} answered "
            f"(before {result.previous_response_rate:.0%}), {len(result.pains)} pains, "
            f"{len(result.themes)} themes, {len(result.quotes)} quotes, {result.groups_matched} groups, "
            f"{result.follow_up_answers} follow-ups, {len(result.drifting)} drifting, "
            f"{len(result.trend)} trend series"
        )
        function = _agenda()
        if function is None:
            print("  draft agenda: bot.digest.agenda has no draft function; skipped")
            return
        try:
            measure(f"agenda.{function.__name__}", db, lambda: _call(function, db, result), args.repeat)
        except Exception as exc:
            print(f"  agenda.{function.__name__}: failed ({type(exc).__name__}: {exc}); skipped")
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL")
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'digest.db'}", args)
    if not args.no_postgres:
        with fresh_schema(args.postgres) as url:
            run(url, args)


if __name__ == "__main__":
    main()
