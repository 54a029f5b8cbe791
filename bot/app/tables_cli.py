"""`convene tables --file attendees.csv [--size N] [--markdown] [--language xx]`: seat a
convening by shared pain point, offline. Prints the plan as JSON (or a printable Markdown plan)
on standard output; problems go to standard error as one line. Never creates a database: the
taxonomy comes from an existing Convene database when there is one, else from the seed."""

import argparse
import json
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.convenings import attendees
from bot.convenings.render import as_json, markdown
from bot.convenings.roleplay import assign_roles
from bot.convenings.seating import DEFAULT_SIZE, MAX_SIZE, MIN_SIZE, seat
from bot.core.config import Settings
from bot.core.texts import Texts
from bot.tagging import PainPointSpec, Tagger

LANGUAGES = ("en", "es", "fr")


class TablesInputError(ValueError):
    pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Checked by `command`, not argparse, so that a mistake gets one line rather than a usage dump.
    parser.add_argument(
        "--file", help="CSV of attendees: name, country, [agency, role, challenge | pain_points]"
    )
    parser.add_argument("--size", default=str(DEFAULT_SIZE), help=f"people a table (default {DEFAULT_SIZE})")
    parser.add_argument("--markdown", action="store_true", help="print a printable plan instead of JSON")
    parser.add_argument("--language", default="en", help="language of briefs and roles: en, es or fr")


def command(args: argparse.Namespace, out: TextIO) -> int:
    """Raises TablesInputError or attendees.AttendeesError for input it can't use."""
    size = _size(args.size)
    if not args.file:
        raise TablesInputError("give the attendees as --file attendees.csv")
    if args.language not in LANGUAGES:
        raise TablesInputError(f"--language must be one of {', '.join(LANGUAGES)}")
    rows = attendees.read_rows(args.file)
    if not rows:
        raise TablesInputError(f"{args.file} has a header but no attendees")
    settings = Settings.from_env(args.env_file)
    texts = Texts.load()
    specs = taxonomy(settings, texts)
    people = attendees.roster(rows, specs, lambda: _tagger(settings))
    plan = seat(people.attendees, size)
    roles = assign_roles(plan.tables, people.roles, texts, args.language)
    names = {s.slug: s.name for s in specs}
    if args.markdown:
        out.write(markdown(plan, roles, people.unseated, names, texts, args.language, size))
    else:
        document = as_json(plan, roles, people.unseated, names, texts, args.language)
        out.write(json.dumps(document, ensure_ascii=False, indent=2))
        out.write("\n")
    return 0


def _size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        size = 0
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise TablesInputError(f"--size must be a whole number from {MIN_SIZE} to {MAX_SIZE} (got {value!r})")
    return size


def taxonomy(settings: Settings, texts: Texts) -> list[PainPointSpec]:
    """The live taxonomy of an existing database (as `convene tag` reads it), else the seed. A
    SQLite file that does not exist is not created."""
    from bot.app import tag_cli
    from bot.tagging import taxonomy

    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        return taxonomy.seed_specs(texts)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or not Path(database).is_file():
            return taxonomy.seed_specs(texts)
    return tag_cli.current_taxonomy(settings, texts)


def _tagger(settings: Settings) -> Tagger:
    # Imported when a row needs tagging: the LLM tagger's client is slow to import.
    from bot.tagging.factory import build_tagger

    return build_tagger(settings)
