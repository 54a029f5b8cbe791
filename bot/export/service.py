"""`convene export`: a workspace's check-ins, their pain-point tags, its matches and the
answers members allowed to be quoted anonymously, as four UTF-8 CSV files for facilitators'
own analysis in a spreadsheet.

What members wrote goes only where they and the workspace allow: `checkins.csv` carries an
answer's words only if facilitators could read answers when it was given (a workspace
setting members are told about) and still can; `quotes.csv` carries, with nothing that links
them to a person or an answer, the words of answers their authors chose to have quoted
anonymously. Every export is recorded (who, when, which range, how many answers and texts)
and each member sees the exports that included their answers.

Rows are streamed from the database in chunks and written as they come, so an export of
years of answers needs no more memory than one chunk. Every text cell that a spreadsheet
would read as a formula is neutralised with a leading apostrophe."""

import csv
import getpass
import json
import os
import re
import socket
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from slack_sdk import WebClient
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.texts import Texts
from storage.db import Database
from storage.models import (
    Answer,
    AnswerTag,
    CheckinDelivery,
    CheckinRound,
    Consent,
    ExportedMember,
    ExportRecord,
    ExportVia,
    MatchGroup,
    MatchMember,
    MatchRound,
    MatchRoundStatus,
    Member,
    PainPoint,
    Workspace,
)

CHUNK = 500  # rows fetched from the database at a time
Row = tuple[object, ...]  # one line of a CSV file
# What Excel, LibreOffice and Google Sheets may read as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

CHECKIN_COLUMNS = (
    "answer_id",
    "date_utc",
    "round_key",
    "user_id",
    "country",
    "agency",
    "source",
    "support_score",
    "wants_match",
    "consent",
    "text",  # empty unless facilitators can read the answer (the workspace's setting)
)
QUOTE_COLUMNS = ("week", "text")  # nothing that links a quote to its author or answer
TAG_COLUMNS = ("answer_id", "pain_slug", "pain_name", "tag_source", "confidence")
MATCH_COLUMNS = ("week", "group_id", "user_id", "shared_pains", "met", "helped")


class ExportError(ValueError):
    """The export can't run as asked; the message says what to change."""


class DatabaseUnreadable(Exception):
    """DATABASE_URL names no database, or not one with Convene's tables."""


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    rows: int


@dataclass
class Tally:
    """What one member's answers contributed to an export."""

    answers: int = 0
    named: int = 0
    quoted: int = 0


@dataclass
class Export:
    team_id: str
    since: date | None
    until: date | None
    files: list[ExportedFile]
    readable_since: datetime | None  # facilitators can read answers given since then; None: they can't
    members: dict[int, Tally] = field(default_factory=dict)

    @property
    def answers(self) -> int:
        return sum(t.answers for t in self.members.values())


def write_export(
    session: Session,
    team_id: str | None,
    since: date | None,
    until: date | None,
    out_dir: Path,
    *,
    operator: str = "",
    now: datetime | None = None,
) -> list[Path]:
    """Write the export's files into `out_dir` (created if need be), record it as taken from
    the command line by `operator`, and return the files' paths. `since`/`until` are
    inclusive UTC days: answers by the day they were given, matches by the day their round
    was made. `team_id=None` means the only workspace."""
    export = export_files(session, team_id, since, until, out_dir)
    record(session, export, ExportVia.COMMAND_LINE, None, operator, now or datetime.now(UTC))
    return [exported.path for exported in export.files]


def export_files(
    session: Session, team_id: str | None, since: date | None, until: date | None, out_dir: Path
) -> Export:
    """The files, without recording the export: the caller records it once the files have
    reached the person who asked (`record`)."""
    _check_range(since, until)
    team = resolve_team(session, team_id)
    workspace = session.get(Workspace, team)
    readable_since = workspace.raw_answers_since if workspace and workspace.raw_answers else None
    start, end = _bounds(since, until)
    out_dir.mkdir(parents=True, exist_ok=True)
    tallies: dict[int, Tally] = defaultdict(Tally)
    readable = readable_since is not None
    files = [
        _write(
            out_dir / "checkins.csv",
            CHECKIN_COLUMNS,
            _checkin_rows(session, team, start, end, readable, tallies),
        ),
        _write(out_dir / "tags.csv", TAG_COLUMNS, _tag_rows(session, team, start, end)),
        _write(out_dir / "matches.csv", MATCH_COLUMNS, _match_rows(session, team, start, end)),
        _write(out_dir / "quotes.csv", QUOTE_COLUMNS, _quote_rows(session, team, start, end, tallies)),
    ]
    return Export(team, since, until, files, readable_since, dict(tallies))


def record(
    session: Session, export: Export, via: str, exported_by: str | None, operator: str, now: datetime
) -> ExportRecord:
    """Who took the export, when, of which range, and what of each member's answers it held."""
    entry = ExportRecord(
        team_id=export.team_id,
        via=via,
        exported_by=exported_by,
        operator=operator[:120],
        since=export.since,
        until=export.until,
        answers=export.answers,
        named=sum(t.named for t in export.members.values()),
        quoted=sum(t.quoted for t in export.members.values()),
        created_at=now,
    )
    session.add(entry)
    session.flush()
    for member_id, tally in sorted(export.members.items()):
        session.add(
            ExportedMember(
                export_id=entry.id,  # type: ignore[arg-type]
                member_id=member_id,
                answers=tally.answers,
                named=tally.named,
                quoted=tally.quoted,
            )
        )
    session.commit()
    return entry


def resolve_team(session: Session, team_id: str | None) -> str:
    teams = list(session.exec(select(Workspace.team_id).order_by(col(Workspace.team_id))).all())
    if team_id is not None:
        if team_id not in teams:
            found = ", ".join(teams) or "none"
            raise ExportError(f"there is no workspace {team_id!r} in this database (workspaces: {found})")
        return team_id
    if not teams:
        raise ExportError("this database has no workspace yet: there is nothing to export")
    if len(teams) > 1:
        raise ExportError(
            f"this database holds {len(teams)} workspaces ({', '.join(teams)}): choose one with --team"
        )
    return teams[0]


def operator_name() -> str:
    """The server account running `convene export`, and its host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def neutralise(value: str) -> str:
    """A cell a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+1`, `@SUM`) gets a
    leading apostrophe, so it is read as text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def parse_day(raw: str, option: str) -> date:
    if DAY.match(raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ExportError(f"{option} {raw!r} is not a date: use YYYY-MM-DD, for example 2026-11-30")


def run(
    settings: Settings,
    since: str | None,
    until: str | None,
    team: str | None,
    out: str | None,
    stdout: TextIO,
    today: date,
    operator: str = "",
) -> int:
    """The `convene export` command. Raises ExportError for what the user should change;
    returns 1 if the database can't be read."""
    first = parse_day(since, "--since") if since is not None else None
    last = parse_day(until, "--until") if until is not None else None
    _check_range(first, last)
    out_dir = Path(out) if out else Path(f"convene-export-{today.isoformat()}")
    _check_sqlite_file(settings.database_url)
    db = Database.from_url(settings.database_url)
    try:
        with db.session() as session:
            export = export_files(session, team, first, last, out_dir)
            record(session, export, ExportVia.COMMAND_LINE, None, operator, datetime.now(UTC))
            exported = export.files
    except SQLAlchemyError as exc:
        where = db.engine.url.render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise DatabaseUnreadable(
            f"could not read the database at {where} ({reason}); is it Convene's, and up to date "
            "(convene db upgrade)?"
        ) from exc
    finally:
        db.dispose()
    width = max(len(str(file.path)) for file in exported)
    for file in exported:
        noun = "row" if file.rows == 1 else "rows"
        print(f"{file.path!s:<{width}}  {file.rows:>7,} {noun}", file=stdout)
    return 0


# ---------------------------------------------------------------- the three tables


def _checkin_rows(
    session: Session,
    team: str,
    start: datetime | None,
    end: datetime | None,
    readable: bool,
    tallies: dict[int, Tally],
) -> Iterator[Row]:
    statement = (
        select(  # type: ignore[call-overload, misc]  # sqlmodel types select() up to 4 columns
            Answer.id,
            Answer.created_at,
            CheckinRound.round_key,
            Member.user_id,
            Member.country,
            Member.agency,
            Answer.source,
            Answer.support_score,
            Answer.wants_match,
            Answer.consent,
            Answer.text,
            Answer.readable_by_facilitators,
            Answer.member_id,
        )
        .join(Member, col(Member.id) == col(Answer.member_id))
        .outerjoin(CheckinDelivery, col(CheckinDelivery.id) == col(Answer.delivery_id))
        .outerjoin(CheckinRound, col(CheckinRound.id) == col(CheckinDelivery.round_id))
        .where(Answer.team_id == team, *_within(col(Answer.created_at), start, end))
        .order_by(col(Answer.id))
    )
    for *row, text, readable_answer, member_id in _stream(session, statement):
        shown = text if readable and readable_answer and text else ""
        tallies[member_id].answers += 1
        tallies[member_id].named += bool(shown)
        yield (*row, shown)


def _quote_rows(
    session: Session, team: str, start: datetime | None, end: datetime | None, tallies: dict[int, Tally]
) -> Iterator[tuple[Any, ...]]:
    """Answers their authors chose to have quoted anonymously: the week and the words only,
    ordered by week and text so that not even the order links them to checkins.csv."""
    statement = (
        select(Answer.created_at, Answer.text, Answer.member_id)
        .where(
            Answer.team_id == team,
            Answer.consent == Consent.QUOTE_ANONYMOUSLY,
            col(Answer.text_deleted_at).is_(None),
            *_within(col(Answer.created_at), start, end),
        )
        .order_by(col(Answer.id))
    )
    quotes = []
    for created, text, member_id in _stream(session, statement):
        if text.strip():
            tallies[member_id].quoted += 1
            year, week, _ = created.astimezone(UTC).isocalendar()
            quotes.append((f"{year}-W{week:02d}", text))
    yield from sorted(quotes)


def _tag_rows(session: Session, team: str, start: datetime | None, end: datetime | None) -> Iterator[Row]:
    statement = (
        select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
            AnswerTag.answer_id, PainPoint.slug, PainPoint.name, AnswerTag.source, AnswerTag.confidence
        )
        .join(Answer, col(Answer.id) == col(AnswerTag.answer_id))
        .join(PainPoint, col(PainPoint.id) == col(AnswerTag.pain_point_id))
        .where(Answer.team_id == team, *_within(col(Answer.created_at), start, end))
        .order_by(col(AnswerTag.answer_id), col(PainPoint.slug))
    )
    for answer_id, slug, name, source, confidence in _stream(session, statement):
        yield answer_id, slug, name, source, round(confidence, 3)


def _match_rows(session: Session, team: str, start: datetime | None, end: datetime | None) -> Iterator[Row]:
    # Previews are proposals a facilitator may still change or drop: only rounds that were
    # sent (or are being sent) are matches.
    statement = (
        select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
            MatchRound.week_key,
            MatchGroup.id,
            Member.user_id,
            MatchGroup.shared_pains,
            MatchMember.met,
            MatchMember.helped,
        )
        .join(MatchGroup, col(MatchGroup.round_id) == col(MatchRound.id))
        .join(MatchMember, col(MatchMember.group_id) == col(MatchGroup.id))
        .join(Member, col(Member.id) == col(MatchMember.member_id))
        .where(
            MatchRound.team_id == team,
            MatchRound.status != MatchRoundStatus.PREVIEW,
            *_within(col(MatchRound.created_at), start, end),
        )
        .order_by(col(MatchRound.week_key), col(MatchGroup.id), col(Member.user_id))
    )
    for week, group_id, user_id, shared, met, helped in _stream(session, statement):
        yield week, group_id, user_id, _slugs(shared), met, helped


# ---------------------------------------------------------------- plumbing


def _stream(session: Session, statement: Any) -> Iterator[tuple[Any, ...]]:
    # yield_per: a server-side cursor on PostgreSQL, fetchmany() batches on SQLite.
    for row in session.exec(statement, execution_options={"yield_per": CHUNK}):
        yield tuple(row)


def _check_range(since: date | None, until: date | None) -> None:
    if since is not None and until is not None and since > until:
        raise ExportError(f"the start date {since} is after the end date {until}")


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(since, time(), UTC) if since is not None else None
    end = datetime.combine(until + timedelta(days=1), time(), UTC) if until is not None else None
    return start, end


def _within(column: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions


def _slugs(shared: str | None) -> str:
    try:
        slugs = json.loads(shared or "[]")
    except ValueError:
        return shared or ""
    return ";".join(str(slug) for slug in slugs) if isinstance(slugs, list) else str(slugs)


def _cell(value: object) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def _write(path: Path, header: Sequence[str], rows: Iterable[Row]) -> ExportedFile:
    """Write next to the target and rename at the end: an export that fails half-way leaves
    no half-written file behind."""
    partial = path.with_name(path.name + ".part")
    count = 0
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)  # RFC 4180: quotes fields with , " or line breaks
            writer.writerow(header)
            for row in rows:
                writer.writerow([_cell(value) for value in row])
                count += 1
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return ExportedFile(path, count)


def _check_sqlite_file(url: str) -> None:
    """Opening a SQLite path that doesn't exist would create an empty database there."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if parsed.database.startswith("file:"):  # a SQLite URI: its own rules
        return
    if not Path(parsed.database).exists():
        raise DatabaseUnreadable(
            f"there is no database at {parsed.database}: set DATABASE_URL to Convene's database"
        )


def send_to_facilitator(
    db: Database, client: WebClient, team_id: str, user_id: str, texts: Texts, clock: Clock
) -> int:
    """The workspace's CSV files, uploaded into the facilitator's DM with the bot (never to a
    channel), then recorded so each member sees that their answers were exported and by
    whom. Returns how many files went."""
    with tempfile.TemporaryDirectory(prefix="convene-export-") as tmp:
        with db.session() as session:
            result = export_files(session, team_id, None, None, Path(tmp))
        if result.readable_since is not None:
            comment = texts.get("export.comment_readable", date=result.readable_since.date().isoformat())
        else:
            comment = texts.get("export.comment")
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            initial_comment=comment,
            file_uploads=[
                {"file": str(f.path), "filename": f.path.name, "title": f.path.name} for f in result.files
            ],
        )
    # Recorded once the files have reached the facilitator: an upload Slack refused exported nothing.
    with db.session() as session:
        record(session, result, ExportVia.SLACK, user_id, "", clock.now())
    return len(result.files)
