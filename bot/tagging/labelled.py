"""Reading answers from CSV files for `convene tag`: plain answers (`--file`) and labelled ones
(`--examples`, `--eval`), with one clear message for anything wrong in them.

A labelled file has a `text` and a `pain_points` column (ids separated by `;`; empty or `none`
means the answer expresses none of them) and optionally a `lang` column."""

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.tagging.lexicon import words

MAX_FIELD = 100_000  # characters; a longer cell is almost certainly not one answer
NONE = "none"
_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_COMMON = {  # the most frequent words of each language, enough to tell them apart
    "en": frozenset(("the", "and", "of", "to", "is", "are", "was", "we", "our", "they", "their", "not",
                     "no", "with", "for", "this", "that", "have", "has")),
    "es": frozenset(("el", "la", "los", "las", "y", "de", "del", "que", "no", "es", "son", "en", "con",
                     "para", "por", "una", "un", "se", "su", "sus", "nos")),
    "fr": frozenset(("le", "la", "les", "et", "de", "des", "du", "que", "ne", "pas", "est", "sont", "en",
                     "avec", "pour", "par", "une", "un", "se", "leur", "nous")),
}  # fmt: skip

csv.field_size_limit(MAX_FIELD)


class InputError(ValueError):
    """Something wrong with an input file, said in one line."""


@dataclass(frozen=True)
class LabelledRow:
    text: str
    slugs: frozenset[str]
    lang: str


def language_of(text: str) -> str:
    """en, es or fr: whose most common words the text uses most (English on a tie)."""
    tokens = words(text)
    counts = {lang: sum(1 for t in tokens if t in common) for lang, common in _COMMON.items()}
    return max(counts, key=lambda lang: (counts[lang], lang == "en"))


def _rows(path: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file ('-' for standard input), checked as it is read."""
    name = "standard input" if path == "-" else path
    try:
        handle: TextIO = (
            sys.stdin if path == "-" else Path(path).open(encoding="utf-8-sig", newline="")  # noqa: SIM115
        )
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, not a CSV file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    try:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        missing = [c for c in required if c not in fields]
        if missing:
            found = ", ".join(fields) or "nothing"
            needed = " and ".join(f"'{c}'" for c in missing)
            raise InputError(f"{name}: the CSV needs a {needed} column (found: {found})")
        for record in reader:
            yield reader.line_num, {k: v for k, v in record.items() if isinstance(k, str)}
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text; save it as CSV UTF-8 and try again") from None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise InputError(
                f"{name}: line {reader.line_num}: a cell is longer than {MAX_FIELD:,} characters"
            ) from None
        raise InputError(f"{name}: line {reader.line_num}: not valid CSV ({exc})") from None
    finally:
        if handle is not sys.stdin:
            handle.close()


def read_texts(path: str) -> Iterator[str]:
    for _, row in _rows(path, ("text",)):
        yield row.get("text") or ""


def read_labelled(path: str) -> list[LabelledRow]:
    rows: list[LabelledRow] = []
    for line, row in _rows(path, ("text", "pain_points")):
        text = (row.get("text") or "").strip()
        if not text:
            continue
        slugs: set[str] = set()
        for piece in (row.get("pain_points") or "").split(";"):
            slug = piece.strip().lower()
            if not slug or slug == NONE:
                continue
            if not _ID.match(slug):
                raise InputError(
                    f"{path}: line {line}: '{piece.strip()}' is not a pain point id "
                    "(lower-case letters, digits and _; several separated by ';')"
                )
            slugs.add(slug)
        lang = (row.get("lang") or "").strip().lower() or language_of(text)
        rows.append(LabelledRow(text, frozenset(slugs), lang))
    return rows
