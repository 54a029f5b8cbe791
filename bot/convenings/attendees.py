"""Attendees of a convening whose registration lives outside Slack: a CSV with `name`,
`country` and optionally `agency`, `role` (their own) and either `challenge` (free text, tagged
by the configured tagger, as `convene tag` does) or `pain_points` (ids, `;`-separated)."""

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.convenings.seating import Attendee, fold
from bot.tagging import PainPointSpec, Tagger

MAX_ROWS = 20_000
TAG_BATCH = 50
FIELD_LIMIT = csv.field_size_limit()
_ALIASES = {"pain_point": "pain_points", "pains": "pain_points", "painpoints": "pain_points"}


class AttendeesError(ValueError):
    """Input that can't be read at all: one line says why."""


@dataclass(frozen=True)
class Row:
    line: int  # the row's line number in the file (the header is line 1)
    name: str
    country: str = ""
    agency: str = ""
    role: str = ""
    challenge: str = ""
    pain_points: tuple[str, ...] | None = None  # None: not given (tag the challenge instead)


@dataclass(frozen=True)
class Unseated:
    line: int
    name: str
    reason: str  # "no_name" or "duplicate"
    first: int | None = None  # the row this one repeats


@dataclass
class Roster:
    attendees: list[Attendee] = field(default_factory=list)  # key = the row's line
    roles: dict[int, str] = field(default_factory=dict)  # line -> their own role
    unseated: list[Unseated] = field(default_factory=list)


def read_rows(path: str) -> list[Row]:
    source = Path(path)
    if source.is_dir():
        raise AttendeesError(f"{path} is a folder, not a CSV file")
    try:
        with source.open(encoding="utf-8-sig", newline="") as handle:
            return list(_rows(handle, path))
    except UnicodeDecodeError as exc:
        raise AttendeesError(f"{path} is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'") from exc
    except FileNotFoundError as exc:
        raise AttendeesError(f"{path}: no such file") from exc
    except OSError as exc:
        raise AttendeesError(f"{path}: {exc.strerror or exc}") from exc


def _rows(handle: TextIO, path: str) -> Iterator[Row]:
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise AttendeesError(f"{path} is empty: it needs a header row with a 'name' column")
        columns = [_column(cell) for cell in header]
        if "name" not in columns:
            found = ", ".join(cell.strip() for cell in header if cell.strip())
            raise AttendeesError(f"{path} needs a 'name' column (found: {found})")
        index = {name: columns.index(name) for name in set(columns)}
        count = 0
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are not attendees
            count += 1
            if count > MAX_ROWS:
                raise AttendeesError(f"{path} has more than {MAX_ROWS:,} attendees")

            def cell(column: str, cells: list[str] = cells) -> str:
                k = index.get(column)
                return " ".join(cells[k].split()) if k is not None and k < len(cells) else ""

            pains = cell("pain_points")
            yield Row(
                line=reader.line_num,
                name=cell("name"),
                country=cell("country"),
                agency=cell("agency"),
                role=cell("role"),
                challenge=cell("challenge"),
                pain_points=tuple(p.strip() for p in pains.split(";") if p.strip()) if pains else None,
            )
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise AttendeesError(
                f"{path}, line {reader.line_num}: a field is longer than {FIELD_LIMIT:,} characters"
            ) from exc
        raise AttendeesError(f"{path}, line {reader.line_num}: not valid CSV ({exc})") from exc


def _column(header: str) -> str:
    name = "_".join(header.strip().casefold().replace("-", " ").split())
    return _ALIASES.get(name, name)


def roster(rows: Sequence[Row], specs: Sequence[PainPointSpec], tagger: Callable[[], Tagger]) -> Roster:
    """Attendees from rows: pain points resolved to the taxonomy's ids (an id it lacks is kept as
    given: a pain point of the convening's own), challenges tagged in batches by `tagger()` (made
    only if a row needs it). A row without a
    name, or repeating an earlier row's name, country and agency, is not seated."""
    out = Roster()
    seen: dict[tuple[str, str, str], int] = {}
    readable: list[Row] = []
    for row in rows:
        if not row.name:
            out.unseated.append(Unseated(row.line, "", "no_name"))
            continue
        identity = (fold(row.name), fold(row.country), fold(row.agency))
        if identity in seen:
            out.unseated.append(Unseated(row.line, row.name, "duplicate", seen[identity]))
            continue
        seen[identity] = row.line
        readable.append(row)

    by_slug = {fold(s.slug): s.slug for s in specs}
    by_name = {fold(s.name): s.slug for s in specs}
    to_tag = [row for row in readable if not row.pain_points and row.challenge]
    tagged: dict[int, tuple[str, ...]] = {}
    tag = tagger().tag if to_tag else None
    for start in range(0, len(to_tag), TAG_BATCH):
        batch = to_tag[start : start + TAG_BATCH]
        assert tag is not None
        for row, tags in zip(batch, tag([r.challenge for r in batch], specs), strict=True):
            ranked = sorted(tags, key=lambda t: -t.confidence)
            tagged[row.line] = tuple(dict.fromkeys(t.slug for t in ranked))
    for row in readable:
        if row.pain_points:
            pains = tuple(
                dict.fromkeys(by_slug.get(fold(p)) or by_name.get(fold(p)) or p for p in row.pain_points)
            )
        else:
            pains = tagged.get(row.line, ())
        out.attendees.append(Attendee(row.line, row.name, row.country, row.agency, pains))
        out.roles[row.line] = row.role
    return out
