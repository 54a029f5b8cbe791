"""`convene tag "TEXT"` / `convene tag --file answers.csv`: what the configured tagger would
assign, one JSON object per line, so facilitators can try the taxonomy."""

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from bot.core.config import Settings
from bot.core.texts import Texts
from bot.tagging import PainPointSpec, Tagger, taxonomy
from bot.tagging.factory import build_tagger
from storage.db import Database
from storage.models import Workspace

BATCH = 50


class TagInputError(ValueError):
    pass


def read_texts(texts: list[str], file: str | None) -> Iterator[str]:
    yield from texts
    if file is None:
        return
    if file == "-":
        yield from _csv_texts(sys.stdin, "standard input")
        return
    with Path(file).open(encoding="utf-8-sig", newline="") as handle:
        yield from _csv_texts(handle, file)


def _csv_texts(handle: TextIO, name: str) -> Iterator[str]:
    reader = csv.DictReader(handle)
    if reader.fieldnames is None or "text" not in reader.fieldnames:
        found = ", ".join(reader.fieldnames or []) or "nothing"
        raise TagInputError(f"{name}: the CSV needs a 'text' column (found: {found})")
    for row in reader:
        yield row["text"] or ""


def current_taxonomy(settings: Settings, texts: Texts) -> list[PainPointSpec]:
    """The workspace's live taxonomy when the database has exactly one workspace, else the
    seed: the tool works before the bot was ever installed."""
    try:
        url = make_url(settings.database_url)
        if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
            return taxonomy.seed_specs(texts)  # opening it would leave an empty database file behind
        db = Database.from_url(settings.database_url)
        try:
            with db.session() as session:
                teams = list(session.exec(select(Workspace.team_id)).all())
                if len(teams) == 1:
                    return taxonomy.specs(taxonomy.active_pain_points(session, teams[0]))
        finally:
            db.dispose()
    except SQLAlchemyError:
        pass
    return taxonomy.seed_specs(texts)


def tag_lines(tagger: Tagger, specs: list[PainPointSpec], texts: Iterable[str]) -> Iterator[str]:
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == BATCH:
            yield from _emit(tagger, specs, batch)
            batch = []
    if batch:
        yield from _emit(tagger, specs, batch)


def _emit(tagger: Tagger, specs: list[PainPointSpec], batch: list[str]) -> Iterator[str]:
    for text, tags in zip(batch, tagger.tag(batch, specs), strict=True):
        pain_points = [{"id": t.slug, "confidence": round(t.confidence, 3)} for t in tags]
        yield json.dumps({"text": text, "pain_points": pain_points}, ensure_ascii=False)


def run(settings: Settings, texts: list[str], file: str | None, out: TextIO) -> int:
    specs = current_taxonomy(settings, Texts.load())
    for line in tag_lines(build_tagger(settings), specs, read_texts(texts, file)):
        print(line, file=out)
    return 0
