"""The weekly digest's figures, on hand-built weeks of data whose right answers are known.
Rows are written directly with the models; every test runs on SQLite and PostgreSQL."""

import itertools
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from bot.digest.aggregate import build_digest, week_bounds
from bot.digest.model import Digest
from storage.db import Database
from storage.models import (
    Answer,
    AnswerSource,
    AnswerTag,
    CheckinDelivery,
    CheckinRound,
    Consent,
    DeliveryStatus,
    EmergingTheme,
    MatchGroup,
    MatchMember,
    MatchRound,
    MatchRoundStatus,
    Member,
    MemberStatus,
    PainPoint,
    TagSource,
    ThemeAnswer,
    ThemeStatus,
    Workspace,
)

TEAM = "TDIGEST01"
# Wednesday of ISO week 2026-W48; that week is [Mon 23 Nov, Mon 30 Nov) in UTC.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
_keys = itertools.count(1)


def week(offset: int, hours: float = 10) -> datetime:
    """A moment in the week `offset` weeks from W48 (-1 = W47), `hours` after its Monday 00:00 UTC."""
    return MONDAY + timedelta(weeks=offset, hours=hours)


class Community:
    """A workspace whose rows are written directly, one small transaction per call."""

    def __init__(self, db: Database, team_id: str = TEAM, tz: str = "UTC") -> None:
        self.db, self.team_id = db, team_id
        self.pains: dict[str, int] = {}
        with db.session() as session:
            session.add(Workspace(team_id=team_id, timezone=tz))
            session.commit()

    def _add(self, row: object) -> int:
        with self.db.session() as session:
            session.add(row)
            session.commit()
            return row.id

    def member(self, user_id: str, status: str = MemberStatus.ACTIVE) -> int:
        return self._add(Member(team_id=self.team_id, user_id=user_id, status=status))

    def pain(self, slug: str, status: str = "active", is_symptom: bool = False) -> int:
        self.pains[slug] = self._add(
            PainPoint(
                team_id=self.team_id, slug=slug, name=slug.title(), status=status, is_symptom=is_symptom
            )
        )
        return self.pains[slug]

    def round(self, key: str, day: date | None = None) -> int:
        return self._add(CheckinRound(team_id=self.team_id, round_key=key, created_at=NOW, round_date=day))

    def deliveries(self, round_id: int, rows: Iterable[tuple[int, datetime | None, str]]) -> None:
        with self.db.session() as session:
            for member_id, sent_at, status in rows:
                session.add(
                    CheckinDelivery(
                        round_id=round_id,
                        member_id=member_id,
                        due_at=sent_at or NOW,
                        sent_at=sent_at,
                        status=status,
                    )
                )
            session.commit()

    def answer(
        self,
        member_id: int,
        at: datetime,
        text: str = "an answer",
        score: int | None = None,
        consent: str = Consent.COUNTS_ONLY,
        pains: Iterable[str] = (),
        delivery: int | None = None,
    ) -> int:
        with self.db.session() as session:
            answer = Answer(
                team_id=self.team_id,
                member_id=member_id,
                delivery_id=delivery,
                text=text,
                source=AnswerSource.DM,
                support_score=score,
                consent=consent,
                dedupe_key=f"digest-test:{next(_keys)}",
                created_at=at,
            )
            session.add(answer)
            session.flush()
            for slug in pains:
                session.add(
                    AnswerTag(answer_id=answer.id, pain_point_id=self.pains[slug], source=TagSource.MEMBER)
                )
            session.commit()
            return answer.id  # type: ignore[return-value]

    def match_round(self, key: str, sent_at: datetime | None, groups: list[list[tuple]]) -> None:
        """`groups`: per group, (member_id, met, helped, answered_at) tuples."""
        with self.db.session() as session:
            round_ = MatchRound(
                team_id=self.team_id, week_key=key, status=MatchRoundStatus.SENT, sent_at=sent_at
            )
            session.add(round_)
            session.flush()
            for links in groups:
                group = MatchGroup(round_id=round_.id)
                session.add(group)
                session.flush()
                for member_id, met, helped, answered_at in links:
                    session.add(
                        MatchMember(
                            group_id=group.id,
                            member_id=member_id,
                            met=met,
                            helped=helped,
                            answered_at=answered_at,
                        )
                    )
            session.commit()

    def digest(self, now: datetime = NOW) -> Digest:
        with self.db.session() as session:
            return build_digest(session, self.team_id, now)


# --- week bounds -----------------------------------------------------------------------------


def test_week_bounds_in_utc() -> None:
    key, start, end = week_bounds(NOW, UTC)
    assert key == "2026-W48"
    assert (start, end) == (MONDAY, MONDAY + timedelta(weeks=1))
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)


def test_week_bounds_in_manila_and_across_a_year() -> None:
    manila = ZoneInfo("Asia/Manila")  # UTC+8, no daylight saving
    sunday_late = datetime(2026, 11, 29, 23, 30, tzinfo=manila)
    key, start, end = week_bounds(sunday_late, manila)
    assert key == "2026-W48"
    assert start == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
    # 16:30 UTC on that Sunday is 00:30 on Monday in Manila: the next week there.
    assert week_bounds(datetime(2026, 11, 29, 16, 30, tzinfo=UTC), manila)[0] == "2026-W49"
    # ISO years: 1 January 2027 is a Friday of 2026-W53.
    assert week_bounds(datetime(2027, 1, 1, 12, tzinfo=UTC), UTC)[0] == "2026-W53"


def test_week_bounds_across_a_daylight_saving_change() -> None:
    madrid = ZoneInfo("Europe/Madrid")  # clocks go back on Sunday 25 October 2026
    _, start, end = week_bounds(datetime(2026, 10, 21, 12, tzinfo=UTC), madrid)
    assert start == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)  # 00:00 CEST
    assert end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # 00:00 CET
    assert end - start == timedelta(hours=169)


def test_week_bounds_refuse_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        week_bounds(datetime(2026, 11, 25, 12), UTC)


# --- the digest ------------------------------------------------------------------------------


def test_an_empty_community_gives_zeros_and_nones(db: Database) -> None:
    digest = Community(db).digest()
    assert digest.week_key == "2026-W48"
    assert (digest.start, digest.end) == (MONDAY, MONDAY + timedelta(weeks=1))
    assert (digest.members_active, digest.asked, digest.answered) == (0, 0, 0)
    assert digest.response_rate is None and digest.previous_response_rate is None
    assert digest.pains == () and digest.themes == () and digest.quotes == () and digest.drifting == ()
    assert (digest.groups_matched, digest.people_matched) == (0, 0)
    assert (digest.met, digest.helped, digest.follow_up_answers) == (0, 0, 0)
    assert digest.meeting_rate is None and digest.helped_rate is None
    assert digest.average_support is None and digest.previous_average_support is None
    # No round yet: nothing to plot, nothing to compare with.
    assert digest.trend_weeks == () and digest.trend == {}
    assert digest.first_week


def test_an_unknown_workspace_is_an_empty_utc_digest(db: Database) -> None:
    with db.session() as session:
        digest = build_digest(session, "TNOBODY", NOW)
    assert (digest.week_key, digest.start, digest.members_active) == ("2026-W48", MONDAY, 0)


def test_members_active_counts_only_active_members_of_this_workspace(db: Database) -> None:
    c = Community(db)
    for i in range(3):
        c.member(f"UACT{i}")
    c.member("UPAUSED", MemberStatus.PAUSED)
    c.member("ULEFT", MemberStatus.LEFT)
    other = Community(db, team_id="TOTHER")
    other.member("UOTHER")
    assert c.digest().members_active == 3


def test_response_rate_and_its_previous_average(db: Database) -> None:
    c = Community(db)
    people = [c.member(f"U{i:03d}") for i in range(10)]
    sent, answered, skipped = DeliveryStatus.SENT, DeliveryStatus.ANSWERED, DeliveryStatus.SKIPPED

    def weekly(offset: int, statuses: list[str]) -> None:
        round_id = c.round(f"round{offset}")
        c.deliveries(
            round_id, [(m, week(offset, hours=9), s) for m, s in zip(people, statuses, strict=False)]
        )

    weekly(0, [answered] * 6 + [skipped] * 2 + [sent] * 2)  # this week: 6 / 10
    weekly(-1, [answered] * 5 + [sent])  # 5 / 6
    weekly(-2, [answered] * 5 + [sent] * 5)  # 5 / 10
    # -3: no round at all
    weekly(-4, [answered] * 2 + [skipped] * 2)  # 2 / 4
    weekly(-5, [sent] * 10)  # five weeks back: outside the baseline
    pending = c.round("pending")  # planned but never sent: not "delivered"
    c.deliveries(pending, [(m, None, DeliveryStatus.PENDING) for m in people])
    other = Community(db, team_id="TOTHER")
    stranger = other.member("USTRANGER")
    other.deliveries(other.round("x"), [(stranger, week(0), DeliveryStatus.SENT)])

    digest = c.digest()
    assert (digest.asked, digest.answered) == (10, 6)
    assert digest.response_rate == pytest.approx(0.6)
    # Pooled over the four weeks before: (5 + 5 + 0 + 2) / (6 + 10 + 0 + 4).
    assert digest.previous_response_rate == pytest.approx(12 / 20)


def test_pains_are_ranked_by_count_then_change(db: Database) -> None:
    c = Community(db)
    m = c.member("UPAINS")
    for slug in ("steady", "rising", "small", "quiet", "ancient", "never"):
        c.pain(slug)
    c.pain("gone", status="retired")
    c.pain("turnover", is_symptom=True)
    for offset in (-4, -3, -2, -1):
        c.answer(m, week(offset), pains=["steady"])  # 1 a week before, 3 now: change +2
    for score in (2, 4, None):
        c.answer(m, week(0), score=score, pains=["steady", "rising"])  # rising: 0 before, 3 now: +3
    c.answer(m, week(0), pains=["small", "turnover", "gone"])
    c.answer(m, week(-2), pains=["quiet"])
    c.answer(m, week(-3), pains=["quiet"])  # nothing this week, 2 in the previous four
    c.answer(m, week(-6), pains=["ancient"])  # only before the baseline: not listed this week
    c.answer(m, week(1), pains=["small"])  # next week: not counted

    pains = c.digest().pains
    assert [p.slug for p in pains] == ["rising", "steady", "small", "turnover", "quiet"]
    by_slug = {p.slug: p for p in pains}
    assert (by_slug["rising"].count, by_slug["rising"].previous_average, by_slug["rising"].change) == (
        3,
        0,
        3,
    )
    assert (by_slug["steady"].count, by_slug["steady"].previous_average, by_slug["steady"].change) == (
        3,
        1,
        2,
    )
    assert by_slug["steady"].average_support == pytest.approx(3.0)
    assert by_slug["small"].average_support is None
    assert by_slug["turnover"].is_symptom and not by_slug["small"].is_symptom
    assert (by_slug["quiet"].count, by_slug["quiet"].previous_average, by_slug["quiet"].change) == (
        0,
        0.5,
        -0.5,
    )
    assert by_slug["steady"].name == "Steady"


def test_support_this_week_against_the_four_before(db: Database) -> None:
    c = Community(db)
    m = c.member("USUPPORT")
    for score in (1, 2, None):
        c.answer(m, week(0), score=score)
    for offset, score in ((-1, 4), (-2, 5), (-4, 3), (-5, 1)):
        c.answer(m, week(offset), score=score)
    digest = c.digest()
    assert digest.average_support == pytest.approx(1.5)
    assert digest.previous_average_support == pytest.approx(4.0)


def test_quotes_need_anonymous_quote_consent_and_are_at_most_five_most_recent_first(db: Database) -> None:
    c = Community(db)
    m = c.member("UQUOTES")
    for i in range(7):
        c.answer(m, week(0, hours=i), text=f"consented {i}", consent=Consent.QUOTE_ANONYMOUSLY)
    c.answer(m, week(0, hours=20), text="private, newest", consent=Consent.COUNTS_ONLY)
    c.answer(m, week(0, hours=22), text="for my matched peers only", consent=Consent.SHARE_WITH_MATCHES)
    c.answer(m, week(0, hours=21), text="   ", consent=Consent.QUOTE_ANONYMOUSLY)
    c.answer(m, week(-1), text="consented last week", consent=Consent.QUOTE_ANONYMOUSLY)
    assert c.digest().quotes == tuple(f"consented {i}" for i in (6, 5, 4, 3, 2))


def test_quotes_are_text_only(db: Database) -> None:
    c = Community(db)
    m = c.member("UNAMED")
    c.answer(m, week(0), text="We finally got the ministry to publish.", consent=Consent.QUOTE_ANONYMOUSLY)
    (quote,) = c.digest().quotes
    assert quote == "We finally got the ministry to publish."
    assert "UNAMED" not in quote and isinstance(quote, str)


def test_an_answer_at_sunday_2330_in_manila_belongs_to_that_week(db: Database) -> None:
    c = Community(db, tz="Asia/Manila")
    c.pain("time")
    m = c.member("UMANILA")
    sunday_late = datetime(2026, 11, 29, 23, 30, tzinfo=ZoneInfo("Asia/Manila"))  # 15:30 UTC
    c.answer(m, sunday_late, text="late on Sunday", consent=Consent.QUOTE_ANONYMOUSLY, pains=["time"])

    digest = c.digest(NOW)
    assert digest.week_key == "2026-W48"
    assert digest.quotes == ("late on Sunday",)
    assert [(p.slug, p.count) for p in digest.pains] == [("time", 1)]

    monday_early = datetime(2026, 11, 30, 0, 30, tzinfo=ZoneInfo("Asia/Manila"))  # still Sunday in UTC
    following = c.digest(monday_early)
    assert following.week_key == "2026-W49"
    assert following.quotes == ()
    # Averaged over the weeks before that had a round: W48 alone.
    assert [(p.slug, p.count, p.previous_average) for p in following.pains] == [("time", 0, 1.0)]


def test_a_round_counts_in_its_own_week_whatever_the_members_time_zone(db: Database) -> None:
    # Monday 09:00 in Sydney is Sunday 22:00 UTC, in the previous ISO week for a UTC community;
    # it is still Monday's round, and the digest of Monday's week counts it.
    c = Community(db)
    c.pain("time")
    sydney, london, lima = c.member("USYDNEY"), c.member("ULONDON"), c.member("ULIMA")
    monday = c.round("2026-11-23", date(2026, 11, 23))
    sunday_22_utc = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
    c.deliveries(monday, [(sydney, sunday_22_utc, DeliveryStatus.ANSWERED),
                          (london, week(0, hours=9), DeliveryStatus.ANSWERED),
                          (lima, week(0, hours=14), DeliveryStatus.SENT)])  # fmt: skip
    with db.session() as session:
        from sqlmodel import select

        deliveries = {d.member_id: d.id for d in session.exec(select(CheckinDelivery)).all()}
    for member, at in ((sydney, sunday_22_utc + timedelta(hours=1)), (london, week(0, hours=10))):
        c.answer(
            member,
            at,
            pains=["time"],
            consent=Consent.QUOTE_ANONYMOUSLY,
            text=f"answer {member}",
            delivery=deliveries[member],
        )

    digest = c.digest()
    assert (digest.asked, digest.answered) == (3, 2)
    assert digest.first_week and digest.previous_response_rate is None
    assert [(p.slug, p.count, p.previous_average, p.change) for p in digest.pains] == [
        ("time", 2, None, None)
    ]
    assert len(digest.quotes) == 2
    assert digest.trend_weeks == ("2026-W48",) and digest.trend == {"time": (2,)}
    # The week before holds nothing of it.
    before = c.digest(week(-1, hours=50))
    assert (before.asked, before.answered, before.pains, before.quotes) == (0, 0, (), ())


def test_history_starts_with_the_first_week_that_had_a_round(db: Database) -> None:
    c = Community(db)
    c.pain("time")
    m = c.member("UHIST")
    for offset in (-2, 0):
        round_id = c.round(f"r{offset}", week(offset).date())
        c.deliveries(round_id, [(m, week(offset), DeliveryStatus.ANSWERED)])
    digest = c.digest()
    assert not digest.first_week and digest.previous_weeks_with_rounds == 1
    assert digest.previous_response_rate == pytest.approx(1.0)


def test_drifting_after_three_silent_rounds_not_two_and_never_paused(db: Database) -> None:
    c = Community(db)
    sent, answered = DeliveryStatus.SENT, DeliveryStatus.ANSWERED
    plan = {  # per member, rounds oldest -> newest
        "UTHREE": [answered, sent, sent, sent],
        "UTWO": [answered, answered, sent, sent],
        "UONLYTWO": [None, None, sent, sent],  # joined two rounds ago
        "UFOUR": [sent, sent, sent, sent],
        "URECENT": [sent, sent, sent, answered],
        "UPAUSED": [sent, sent, sent, sent],
        "USKIPPED": [answered, DeliveryStatus.SKIPPED, sent, DeliveryStatus.SKIPPED],
    }
    ids = {
        user: c.member(user, MemberStatus.PAUSED if user == "UPAUSED" else MemberStatus.ACTIVE)
        for user in plan
    }
    for k, offset in enumerate((-3, -2, -1, 0)):
        round_id = c.round(f"r{k}")
        c.deliveries(
            round_id,
            [(ids[user], week(offset), statuses[k]) for user, statuses in plan.items() if statuses[k]],
        )
    # A round planned but not yet sent does not count as a silent one.
    c.deliveries(c.round("unsent"), [(ids["UTWO"], None, DeliveryStatus.PENDING)])
    assert c.digest().drifting == ("UFOUR", "USKIPPED", "UTHREE")


def test_matches_meetings_and_help(db: Database) -> None:
    c = Community(db)
    m = [c.member(f"UM{i}") for i in range(8)]
    this_week = week(0, hours=30)
    # Last week's round: its follow-ups come back this week (and one last week).
    c.match_round(
        "2026-W47",
        week(-1),
        [
            [(m[0], True, True, this_week), (m[1], True, False, this_week)],
            [(m[2], False, None, this_week), (m[3], None, None, this_week)],  # m3: silence
            [(m[4], None, None, None), (m[5], True, True, week(-1, hours=100))],  # unanswered; last week
        ],
    )
    # This week's round: a pair and a trio.
    c.match_round("2026-W48", week(0, hours=34), [[(m[0], None, None, None), (m[1], None, None, None)],
                                                  [(m[2], None, None, None), (m[3], None, None, None),
                                                   (m[4], None, None, None)]])  # fmt: skip
    c.match_round("2026-W49", None, [[(m[6], None, None, None), (m[7], None, None, None)]])  # a preview

    digest = c.digest()
    assert (digest.groups_matched, digest.people_matched) == (2, 5)
    assert (digest.follow_up_answers, digest.met, digest.helped) == (3, 2, 1)
    assert digest.meeting_rate == pytest.approx(2 / 3)


def test_proposed_themes_with_answer_counts_and_examples(db: Database) -> None:
    c = Community(db)
    m = c.member("UTHEMES")
    answers = [c.answer(m, week(0)) for _ in range(4)]
    with db.session() as session:
        themes = [
            EmergingTheme(
                team_id=TEAM, period_key="2026-W48", name="Procurement", examples=json.dumps(["a", "b"])
            ),
            EmergingTheme(team_id=TEAM, period_key="2026-W48", name="Translation", examples="not json"),
            EmergingTheme(
                team_id=TEAM,
                period_key="2026-W47",
                name="Old news",
                status=ThemeStatus.DISMISSED,
                examples="[]",
            ),
        ]
        session.add_all(themes)
        session.flush()
        links = [(0, answers[0]), (1, answers[1]), (1, answers[2]), (1, answers[3]), (2, answers[0])]
        session.add_all(ThemeAnswer(theme_id=themes[t].id, answer_id=a) for t, a in links)
        session.commit()

    assert [(t.name, t.answers, t.examples) for t in c.digest().themes] == [
        ("Translation", 3, ()),
        ("Procurement", 1, ("a", "b")),
    ]


def test_trend_over_twelve_weeks(db: Database) -> None:
    c = Community(db)
    m = c.member("UTREND")
    for slug in ("time", "funding", "idle"):
        c.pain(slug)
    for offset in (-11, -11, -5, 0):
        c.answer(m, week(offset), pains=["time"])
    c.answer(m, week(-12), pains=["time", "funding"])  # thirteen weeks back: outside the trend
    c.answer(m, week(-7), pains=["funding"])

    quiet = c.member("UQUIET")  # a round whose answers were not tagged: a week of zeros
    c.deliveries(c.round("w45", week(-3).date()), [(quiet, week(-3), DeliveryStatus.SENT)])

    digest = c.digest()
    # Only the weeks that had a round: a week with no check-in is not a week of zero pain.
    assert digest.trend_weeks == ("2026-W37", "2026-W41", "2026-W43", "2026-W45", "2026-W48")
    assert digest.trend == {"funding": (0, 1, 0, 0, 0), "time": (2, 0, 1, 0, 1)}


# --- query count -----------------------------------------------------------------------------


def populate(db: Database, team_id: str, members: int) -> None:
    """`members` members with five weeks of check-ins, tagged answers, a theme and matches."""
    c = Community(db, team_id=team_id)
    slugs = ["time", "funding", "political_will"]
    for slug in slugs:
        c.pain(slug)
    with db.session() as session:
        people = [Member(team_id=team_id, user_id=f"U{i:05d}") for i in range(members)]
        session.add_all(people)
        session.flush()
        rounds = [CheckinRound(team_id=team_id, round_key=f"r{k}") for k in range(5)]
        session.add_all(rounds)
        theme = EmergingTheme(team_id=team_id, period_key="2026-W48", name="Theme", examples='["x"]')
        session.add(theme)
        session.flush()
        for k, round_ in enumerate(rounds):
            for i, person in enumerate(people):
                answered = (i + k) % 3 != 0
                delivery = CheckinDelivery(
                    round_id=round_.id,
                    member_id=person.id,
                    due_at=week(k - 4),
                    sent_at=week(k - 4),
                    status=DeliveryStatus.ANSWERED if answered else DeliveryStatus.SENT,
                )
                session.add(delivery)
                session.flush()
                if answered:
                    answer = Answer(
                        team_id=team_id,
                        member_id=person.id,
                        delivery_id=delivery.id,
                        text=f"answer {i} {k}",
                        source=AnswerSource.MODAL,
                        support_score=1 + i % 5,
                        consent=Consent.QUOTE_ANONYMOUSLY if i % 4 == 0 else Consent.COUNTS_ONLY,
                        dedupe_key=f"{team_id}:{i}:{k}",
                        created_at=week(k - 4, hours=12),
                    )
                    session.add(answer)
                    session.flush()
                    session.add(
                        AnswerTag(
                            answer_id=answer.id, pain_point_id=c.pains[slugs[i % 3]], source=TagSource.LLM
                        )
                    )
                    if i % 7 == 0:
                        session.add(ThemeAnswer(theme_id=theme.id, answer_id=answer.id))
        match = MatchRound(
            team_id=team_id, week_key="2026-W48", status=MatchRoundStatus.SENT, sent_at=week(0, 30)
        )
        session.add(match)
        session.flush()
        for i in range(0, members - 1, 2):
            group = MatchGroup(round_id=match.id)
            session.add(group)
            session.flush()
            session.add_all(
                MatchMember(group_id=group.id, member_id=p.id, met=True, helped=None, answered_at=week(0, 40))
                for p in people[i : i + 2]
            )
        session.commit()


def count_queries(db: Database, team_id: str) -> tuple[int, Digest]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.session() as session:
            digest = build_digest(session, team_id, NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements), digest


def test_the_number_of_queries_does_not_grow_with_members(db: Database) -> None:
    populate(db, "TSMALL", 10)
    populate(db, "TLARGE", 100)
    small, small_digest = count_queries(db, "TSMALL")
    large, large_digest = count_queries(db, "TLARGE")
    assert small == large <= 15
    assert (small_digest.members_active, large_digest.members_active) == (10, 100)
    assert large_digest.people_matched == 100 and large_digest.asked == 100
    assert len(large_digest.quotes) == 5
