"""`convene export`: check-ins, tags, matches and anonymous quotes as CSV files a spreadsheet
can open safely, carrying members' words only as far as their consent and the workspace's
setting allow, and recorded so members see who exported their answers."""

import argparse
import csv
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.app.cli import _parser, cmd_export
from bot.core.clock import ManualClock
from bot.export import service as export
from bot.export.service import (
    CHECKIN_COLUMNS,
    MATCH_COLUMNS,
    QUOTE_COLUMNS,
    TAG_COLUMNS,
    ExportError,
    write_export,
)
from bot.members.history import past_exports
from bot.workspaces import service as workspaces
from storage import migrate
from storage.db import Database
from storage.models import (
    Answer,
    AnswerSource,
    AnswerTag,
    CheckinDelivery,
    CheckinRound,
    Consent,
    DeliveryStatus,
    ExportRecord,
    MatchGroup,
    MatchMember,
    MatchRound,
    MatchRoundStatus,
    Member,
    PainPoint,
    TagSource,
    Workspace,
)
from tests import factories

TEAM = factories.TEAM


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def people(db: Database, now: datetime, team_id: str = TEAM, *ids: str) -> list[Member]:
    found = []
    for user_id in ids:
        person = factories.member(db, user_id, "UTC", now, team_id)
        with db.session() as session:
            row = session.get(Member, person.id)
            assert row is not None
            row.country, row.agency = f"Country of {user_id}", f"Agency of {user_id}"
            session.add(row)
            session.commit()
            found.append(row)
    return found


def add_answer(
    session: Session,
    person: Member,
    text: str,
    at: datetime,
    *,
    delivery: CheckinDelivery | None = None,
    source: str = AnswerSource.DM,
    score: int | None = None,
    wants_match: bool | None = None,
    consent: str = Consent.COUNTS_ONLY,
    readable: bool = True,
) -> Answer:
    answer = Answer(
        team_id=person.team_id,
        member_id=person.id,  # type: ignore[arg-type]
        delivery_id=delivery.id if delivery else None,
        text=text,
        source=source,
        support_score=score,
        wants_match=wants_match,
        consent=consent,
        readable_by_facilitators=readable,
        dedupe_key=f"export-test:{person.id}:{at.isoformat()}:{len(text)}:{text[:20]}",
        created_at=at,
        updated_at=at,
    )
    session.add(answer)
    session.flush()
    return answer


def readable(db: Database, at: datetime, team_id: str = TEAM, on: bool = True) -> None:
    """The workspace lets facilitators read answers (given since `at`)."""
    with db.session() as session:
        workspaces.set_raw_answers(session, session.get(Workspace, team_id), on, at)


def tag(session: Session, answer: Answer, slug: str, source: str, confidence: float = 1.0) -> None:
    pain = session.exec(
        select(PainPoint).where(PainPoint.team_id == answer.team_id, PainPoint.slug == slug)
    ).one()
    session.add(AnswerTag(answer_id=answer.id, pain_point_id=pain.id, source=source, confidence=confidence))  # type: ignore[arg-type]


Group = tuple[list[str], list[tuple[Member, bool | None, bool | None]]]  # shared slugs, (member, met, helped)


def match_round(
    session: Session, week: str, at: datetime, groups: list[Group], status: str = MatchRoundStatus.SENT
) -> list[int]:
    round_ = MatchRound(team_id=TEAM, week_key=week, status=status, created_at=at)
    session.add(round_)
    session.flush()
    ids = []
    for shared, members in groups:
        group = MatchGroup(round_id=round_.id, shared_pains=json.dumps(shared))  # type: ignore[arg-type]
        session.add(group)
        session.flush()
        ids.append(group.id)
        for person, met, helped in members:
            session.add(MatchMember(group_id=group.id, member_id=person.id, met=met, helped=helped))  # type: ignore[arg-type]
    session.flush()
    return ids  # type: ignore[return-value]


@pytest.fixture
def community(db: Database, clock: ManualClock) -> dict[str, object]:
    """One workspace: a scheduled round with a modal answer, a DM answer outside any round,
    tags from the member and the offline tagger, a sent match round and an unsent preview."""
    now = clock.now()
    factories.workspace(db)
    readable(db, now - timedelta(days=30))
    alice, bob, carol = people(db, now, TEAM, "UALICE", "UBOB", "UCAROL")
    with db.session() as session:
        round_ = CheckinRound(team_id=TEAM, round_key="2026-11-23", created_at=now - timedelta(days=2))
        session.add(round_)
        session.flush()
        delivery = CheckinDelivery(
            round_id=round_.id,
            member_id=alice.id,
            due_at=now - timedelta(days=2),
            status=DeliveryStatus.ANSWERED,
        )  # type: ignore[arg-type]
        session.add(delivery)
        session.flush()
        modal = add_answer(
            session, alice, "No budget for the forum", now - timedelta(days=1), delivery=delivery,
            source=AnswerSource.MODAL, score=2, wants_match=True, consent=Consent.QUOTE_ANONYMOUSLY,
        )  # fmt: skip
        dm = add_answer(session, bob, "Nobody has time", now)
        tag(session, modal, "funding", TagSource.MEMBER)
        tag(session, modal, "time", TagSource.OFFLINE, 0.71234)
        tag(session, dm, "time", TagSource.LLM, 0.9)
        pair: Group = (["funding", "time"], [(alice, True, True), (bob, True, None)])
        sent = match_round(session, "2026-W48", now, [pair, (["time"], [(carol, None, None)])])
        match_round(session, "2026-W49", now, [(["time"], [(alice, None, None)])], MatchRoundStatus.PREVIEW)
        session.commit()
        return {"modal": modal.id, "dm": dm.id, "groups": sent}


def test_four_files_with_the_specified_columns_and_rows(
    db: Database, community: dict, tmp_path: Path
) -> None:
    with db.session() as session:
        paths = write_export(session, None, None, None, tmp_path / "out")
    assert [p.name for p in paths] == ["checkins.csv", "tags.csv", "matches.csv", "quotes.csv"]

    header, checkins = read(paths[0])
    assert tuple(header) == CHECKIN_COLUMNS
    assert checkins == [
        {
            "answer_id": str(community["modal"]),
            "date_utc": "2026-11-24T12:00:00+00:00",
            "round_key": "2026-11-23",
            "user_id": "UALICE",
            "country": "Country of UALICE",
            "agency": "Agency of UALICE",
            "source": "modal",
            "support_score": "2",
            "wants_match": "true",
            "consent": "quote_anonymously",
            "text": "No budget for the forum",
        },
        {
            "answer_id": str(community["dm"]),
            "date_utc": "2026-11-25T12:00:00+00:00",
            "round_key": "",
            "user_id": "UBOB",
            "country": "Country of UBOB",
            "agency": "Agency of UBOB",
            "source": "dm",
            "support_score": "",
            "wants_match": "",
            "consent": "counts_only",
            "text": "Nobody has time",
        },
    ]

    header, tags = read(paths[1])
    assert tuple(header) == TAG_COLUMNS
    modal, dm = str(community["modal"]), str(community["dm"])
    assert [tuple(row.values()) for row in tags] == [
        (modal, "funding", "Lack of financial resources", "member", "1.0"),
        (modal, "time", "Lack of time", "offline", "0.712"),
        (dm, "time", "Lack of time", "llm", "0.9"),
    ]

    header, matches = read(paths[2])
    assert tuple(header) == MATCH_COLUMNS
    first, second = (str(g) for g in community["groups"])
    # The unsent W49 preview is not a match.
    assert [tuple(row.values()) for row in matches] == [
        ("2026-W48", first, "UALICE", "funding;time", "true", "true"),
        ("2026-W48", first, "UBOB", "funding;time", "true", ""),
        ("2026-W48", second, "UCAROL", "time", "", ""),
    ]

    header, quotes = read(paths[3])
    assert tuple(header) == QUOTE_COLUMNS
    assert quotes == [{"week": "2026-W48", "text": "No budget for the forum"}]


def test_date_range_is_inclusive_on_answer_and_round_days(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    now = clock.now()
    factories.workspace(db)
    readable(db, datetime(2026, 1, 1, tzinfo=UTC))
    (person,) = people(db, now, TEAM, "UDATES")
    days = {
        "before": datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC),
        "first": datetime(2026, 11, 2, 0, 0, tzinfo=UTC),
        "middle": datetime(2026, 11, 10, 15, 0, tzinfo=UTC),
        "last": datetime(2026, 11, 15, 23, 59, 59, tzinfo=UTC),
        "after": datetime(2026, 11, 16, 0, 0, tzinfo=UTC),
    }
    with db.session() as session:
        for label, at in days.items():
            answer = add_answer(session, person, label, at)
            tag(session, answer, "time", TagSource.OFFLINE, 0.8)
            week = f"2026-W{at.isocalendar()[1]:02d}-{label}"
            match_round(session, week, at, [(["time"], [(person, None, None)])])
        session.commit()

    with db.session() as session:
        paths = write_export(session, TEAM, date(2026, 11, 2), date(2026, 11, 15), tmp_path / "range")
    checkins, tags, matches, _ = (read(p)[1] for p in paths)
    assert [row["text"] for row in checkins] == ["first", "middle", "last"]
    assert {row["answer_id"] for row in tags} == {row["answer_id"] for row in checkins}
    assert sorted(row["week"].rsplit("-", 1)[1] for row in matches) == ["first", "last", "middle"]

    with db.session() as session:
        only_since = write_export(session, TEAM, date(2026, 11, 10), None, tmp_path / "since")
        only_until = write_export(session, TEAM, None, date(2026, 11, 1), tmp_path / "until")
        one_day = write_export(session, TEAM, date(2026, 11, 10), date(2026, 11, 10), tmp_path / "day")
    assert [row["text"] for row in read(only_since[0])[1]] == ["middle", "last", "after"]
    assert [row["text"] for row in read(only_until[0])[1]] == ["before"]
    assert [row["text"] for row in read(one_day[0])[1]] == ["middle"]


TRICKY = [
    "Budget, time, and will: all missing",
    'The minister said "open government" is "a fad"',
    "Line one\nLine two\n\nLine four after a blank",
    "Windows line\r\nbreaks and a lone\rcarriage return",
    "Tabs\tinside\tand trailing spaces   ",
    "Falta de voluntad política — «gobierno abierto» 行政改革 🙂 Łódź",
    '"Quoted from the start", then a comma',
    "",
]


def test_tricky_text_round_trips(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    now = clock.now()
    factories.workspace(db)
    readable(db, now)
    (person,) = people(db, now, TEAM, "UTRICKY")
    with db.session() as session:
        row = session.get(Member, person.id)
        assert row is not None
        row.country, row.agency = "Côte d'Ivoire", 'Ministère "de la Fonction publique", Abidjan'
        session.add(row)
        for i, text in enumerate(TRICKY):
            add_answer(session, person, text, now + timedelta(seconds=i))
        session.commit()
    with db.session() as session:
        paths = write_export(session, None, None, None, tmp_path)
    checkins = read(paths[0])[1]
    assert [row["text"] for row in checkins] == TRICKY
    assert {row["country"] for row in checkins} == {"Côte d'Ivoire"}
    assert {row["agency"] for row in checkins} == {'Ministère "de la Fonction publique", Abidjan'}
    assert paths[0].read_bytes().decode("utf-8")  # strict UTF-8


def test_formula_injection_is_neutralised(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    now = clock.now()
    factories.workspace(db)
    readable(db, now)
    (person,) = people(db, now, TEAM, "UFORMULA")
    dangerous = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]
    with db.session() as session:
        row = session.get(Member, person.id)
        assert row is not None
        row.country, row.agency = "=cmd|' /C calc'!A0", "-Ministry"
        session.add(row)
        for i, text in enumerate([*dangerous, "Safe = fine", "2 + 2"]):
            answer = add_answer(session, person, text, now + timedelta(seconds=i), score=3)
            tag(session, answer, "time", TagSource.OFFLINE, 0.5)
        session.commit()
    with db.session() as session:
        paths = write_export(session, None, None, None, tmp_path)
    checkins = read(paths[0])[1]
    assert [row["text"] for row in checkins] == [*("'" + text for text in dangerous), "Safe = fine", "2 + 2"]
    assert {row["country"] for row in checkins} == {"'=cmd|' /C calc'!A0"}
    assert {row["agency"] for row in checkins} == {"'-Ministry"}
    # Numbers and dates stay numbers and dates.
    assert {row["support_score"] for row in checkins} == {"3"}
    assert all(row["date_utc"].startswith("2026-") for row in checkins)
    assert {row["confidence"] for row in read(paths[1])[1]} == {"0.5"}


def test_pain_point_names_are_neutralised_too(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    now = clock.now()
    factories.workspace(db)
    with db.session() as session:
        session.add(PainPoint(team_id=TEAM, slug="formula", name="=1+1 pain"))
        session.commit()
    (person,) = people(db, now, TEAM, "UPAIN")
    with db.session() as session:
        tag(session, add_answer(session, person, "text", now), "formula", TagSource.MEMBER)
        session.commit()
    with db.session() as session:
        paths = write_export(session, None, None, None, tmp_path)
    assert [row["pain_name"] for row in read(paths[1])[1]] == ["'=1+1 pain"]


def test_several_workspaces_need_a_team(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    now = clock.now()
    factories.workspace(db, "TAAA")
    factories.workspace(db, "TBBB")
    readable(db, now, "TBBB")
    factories.answers(db, ["from A"], now, team_id="TAAA", readable=True)
    factories.answers(db, ["from B"], now, team_id="TBBB", readable=True)
    with db.session() as session, pytest.raises(ExportError) as caught:
        write_export(session, None, None, None, tmp_path / "none")
    assert "2 workspaces (TAAA, TBBB)" in str(caught.value)
    assert "--team" in str(caught.value)
    assert not (tmp_path / "none").exists()

    with db.session() as session:
        paths = write_export(session, "TBBB", None, None, tmp_path / "b")
    assert [row["text"] for row in read(paths[0])[1]] == ["from B"]

    with db.session() as session, pytest.raises(ExportError, match=r"no workspace 'TZZZ'.*TAAA, TBBB"):
        write_export(session, "TZZZ", None, None, tmp_path / "z")


def test_no_workspace_and_reversed_dates_are_clear_errors(db: Database, tmp_path: Path) -> None:
    with db.session() as session, pytest.raises(ExportError, match="no workspace yet"):
        write_export(session, None, None, None, tmp_path)
    with (
        db.session() as session,
        pytest.raises(ExportError, match="2026-12-01 is after the end date 2026-11-01"),
    ):
        write_export(session, None, date(2026, 12, 1), date(2026, 11, 1), tmp_path)


def test_rows_are_streamed_in_chunks(
    db: Database, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "CHUNK", 3)
    factories.workspace(db)
    readable(db, clock.now())
    texts = [f"answer {i}" for i in range(10)]
    factories.answers(db, texts, clock.now(), readable=True)
    with db.session() as session:
        paths = export.export_files(session, None, None, None, tmp_path).files
    assert [file.rows for file in paths] == [10, 0, 0, 0]
    assert [row["text"] for row in read(paths[0].path)[1]] == texts
    assert not list(tmp_path.glob("*.part"))


def _export_args(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *argv: str
) -> argparse.Namespace:
    monkeypatch.setenv("DATABASE_URL", database_url)
    return _parser().parse_args(["--env-file", str(tmp_path / "none.env"), "export", *argv])


def test_command_rejects_bad_dates_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'never-opened.db'}"
    for argv in (["--since", "2026-13-01"], ["--until", "yesterday"], ["--since", "20261101"]):
        assert cmd_export(_export_args(database_url, monkeypatch, tmp_path, *argv)) == 2
        err = capsys.readouterr().err
        assert "is not a date: use YYYY-MM-DD" in err
    args = _export_args(database_url, monkeypatch, tmp_path, "--since", "2026-12-01", "--until", "2026-11-01")
    assert cmd_export(args) == 2
    assert "after the end date" in capsys.readouterr().err


def test_command_with_several_workspaces_and_no_team_exits_2(
    db: Database, database_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    factories.workspace(db, "TAAA")
    factories.workspace(db, "TBBB")
    assert cmd_export(_export_args(database_url, monkeypatch, tmp_path, "--out", str(tmp_path / "x"))) == 2
    assert "choose one with --team" in capsys.readouterr().err
    args = _export_args(database_url, monkeypatch, tmp_path, "--team", "TAAA", "--out", str(tmp_path / "a"))
    assert cmd_export(args) == 0
    assert "checkins.csv" in capsys.readouterr().out


def test_command_refuses_a_missing_sqlite_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.db"
    assert cmd_export(_export_args(f"sqlite:///{missing}", monkeypatch, tmp_path)) == 1
    assert "no database at" in capsys.readouterr().err
    assert not missing.exists()


def test_convene_export_as_a_process(tmp_path: Path, clock: ManualClock) -> None:
    url = f"sqlite:///{tmp_path / 'convene.db'}"
    db = Database.from_url(url)
    migrate.upgrade(db.engine)
    factories.workspace(db)
    readable(db, clock.now())
    factories.answers(db, ["We have no budget, at all", "=1+1"], clock.now(), readable=True)
    db.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DATABASE_URL"))}
    env["DATABASE_URL"] = url

    def convene(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.app.cli", "--env-file", str(tmp_path / "none.env"), "export", *args],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    result = convene("--since", "2026-11-01", "--until", "2026-11-30")
    assert result.returncode == 0, result.stderr
    out = Path(f"convene-export-{date.today().isoformat()}")
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        str(out / name) for name in ("checkins.csv", "tags.csv", "matches.csv", "quotes.csv")
    ]
    assert [line.split()[1:] for line in lines] == [
        ["2", "rows"],
        ["0", "rows"],
        ["0", "rows"],
        ["0", "rows"],
    ]
    checkins = read(tmp_path / out / "checkins.csv")[1]
    assert [row["text"] for row in checkins] == ["We have no budget, at all", "'=1+1"]

    bad = convene("--since", "2026-02-30")
    assert bad.returncode == 2
    assert "--since '2026-02-30' is not a date" in bad.stderr


def test_without_access_to_answers_only_anonymous_quotes_carry_words(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    now = clock.now()
    factories.workspace(db)  # facilitators can't read answers: the default
    counts, peers, quoted = people(db, now, TEAM, "UCOUNTS", "UPEERS", "UQUOTED")
    with db.session() as session:
        for person, level in ((counts, Consent.COUNTS_ONLY), (peers, Consent.SHARE_WITH_MATCHES),
                              (quoted, Consent.QUOTE_ANONYMOUSLY)):  # fmt: skip
            answer = add_answer(session, person, f"words of {person.user_id}", now, consent=level)
            tag(session, answer, "time", TagSource.OFFLINE, 0.8)
        session.commit()
    with db.session() as session:
        paths = write_export(session, None, None, None, tmp_path, operator="ops@server")
    everything = "\n".join(path.read_text("utf-8") for path in paths)
    assert "words of UCOUNTS" not in everything and "words of UPEERS" not in everything
    checkins, tags, _, quotes = (read(p)[1] for p in paths)
    assert [row["text"] for row in checkins] == ["", "", ""]  # tags and counts only
    assert [row["user_id"] for row in checkins] == ["UCOUNTS", "UPEERS", "UQUOTED"]
    assert len(tags) == 3
    assert quotes == [{"week": "2026-W48", "text": "words of UQUOTED"}]  # no name, no answer id

    with db.session() as session:
        [entry] = session.exec(select(ExportRecord)).all()
        assert (entry.via, entry.operator, entry.answers, entry.named, entry.quoted) == (
            "command_line", "ops@server", 3, 0, 1,
        )  # fmt: skip
        seen = {p.user_id: past_exports(session, p) for p in (counts, quoted)}
    assert [(e.answers, e.named, e.quoted, e.operator) for e in seen["UCOUNTS"]] == [(1, 0, 0, "ops@server")]
    assert [(e.answers, e.named, e.quoted) for e in seen["UQUOTED"]] == [(1, 0, 1)]


def test_access_to_answers_covers_only_answers_given_while_members_were_told(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    now = clock.now()
    factories.workspace(db)
    readable(db, now)
    told, untold = people(db, now, TEAM, "UTOLD", "UUNTOLD")
    with db.session() as session:
        add_answer(session, told, "told words", now, readable=True)
        add_answer(session, untold, "untold words", now, readable=False)
        session.commit()
    with db.session() as session:
        paths = write_export(session, None, None, None, tmp_path / "on")
    assert [row["text"] for row in read(paths[0])[1]] == ["told words", ""]
    readable(db, now, on=False)  # and off again: nothing is readable any more
    with db.session() as session:
        paths = write_export(session, None, None, None, tmp_path / "off")
    assert [row["text"] for row in read(paths[0])[1]] == ["", ""]
    with db.session() as session:
        assert [(e.named, e.answers) for e in past_exports(session, told)] == [(0, 1), (1, 1)]
