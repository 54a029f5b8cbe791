"""`convene tag "TEXT"` / `convene tag --file answers.csv`: what the configured tagger would
assign, one JSON object per line, so facilitators can try the taxonomy."""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import select

from bot.core.config import Settings
from bot.core.texts import Texts
from bot.tagging import PainPointSpec, Tagger, taxonomy, tryout
from bot.tagging.factory import build_tagger
from bot.tagging.labelled import InputError
from bot.tagging.labelled import read_texts as read_csv_texts
from storage.db import Database
from storage.models import Workspace

BATCH = 250  # answers a call: the embedding is faster in larger batches


TagInputError = InputError


def read_texts(texts: list[str], file: str | None) -> Iterator[str]:
    yield from texts
    if file is not None:
        yield from read_csv_texts(file)


def _missing_sqlite_file(url: str) -> bool:
    """True for a SQLite URL whose file does not exist: opening it would create it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False
    database = parsed.database or ""
    return (
        parsed.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not database.startswith("file:")
        and not Path(database).exists()
    )


def current_taxonomy(settings: Settings, texts: Texts) -> list[PainPointSpec]:
    """The workspace's live taxonomy when the database has exactly one workspace, else the
    seed: the tool works before the bot was ever installed, and never creates a database."""
    if _missing_sqlite_file(settings.database_url):
        return taxonomy.seed_specs(texts)
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


def run(
    settings: Settings,
    texts: list[str],
    file: str | None,
    out: TextIO,
    examples: str | None = None,
    evaluate: str | None = None,
) -> int:
    specs = current_taxonomy(settings, Texts.load())
    tagger = build_tagger(settings)
    if examples is not None:
        specs = tryout.teach(tagger, specs, examples)
    if evaluate is not None:
        for line in tryout.evaluate(tagger, specs, evaluate):
            print(line, file=out)
    for line in tag_lines(tagger, specs, read_texts(texts, file)):
        print(line, file=out)
    return 0
