"""Multilingual cue matching: one half of the offline tagger (bot/tagging/offline.py).

Each seed pain point has hand-written cues in English, Spanish and French (lexicon.toml, next to
this file); a pain point that facilitators add later gets cues derived from its name and
description. A pain point's score is what its matched cues add up to; it is a tag on its own
when the score reaches the threshold."""

import re
import tomllib
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from bot.tagging import PainPointSpec, Tag

DEFAULT_GAP = 1  # words allowed between two words of a cue
ELLIPSIS_GAP = 5  # words allowed where a cue says "..."
MAX_CHARS = 50_000  # an answer longer than this is tagged on its beginning
_WORD = re.compile(r"[a-z0-9]+")
_SEPARATORS = str.maketrans({c: " " for c in "'’‘`´-‐‑‒–—_/"})


def normalise(text: str) -> str:
    """Lower-case, accents and apostrophes folded: "N’avons" -> "n avons", "Réforme" -> "reforme"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SEPARATORS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


@dataclass(frozen=True)
class Step:
    word: str
    prefix: bool  # "stem*": any word starting with `word`
    gap: int  # words allowed between the previous step and this one


@dataclass(frozen=True)
class Cue:
    pattern: str
    steps: tuple[Step, ...]
    weight: float


def compile_cue(pattern: str, weight: float) -> Cue | None:
    """A cue from its lexicon spelling; None when nothing is left of it after normalising."""
    steps: list[Step] = []
    gap = DEFAULT_GAP
    for piece in normalise(pattern).split():
        if piece == "...":
            gap = ELLIPSIS_GAP
            continue
        parts = _WORD.findall(piece)
        for i, part in enumerate(parts):
            steps.append(Step(part, prefix=piece.endswith("*") and i == len(parts) - 1, gap=gap))
            gap = DEFAULT_GAP
    if not steps:
        return None
    return Cue(pattern, tuple(steps), weight)


class _Index:
    """Where each word of an answer occurs, for fast matching of many cues."""

    def __init__(self, tokens: list[str]) -> None:
        self.positions: dict[str, list[int]] = {}
        for i, token in enumerate(tokens):
            self.positions.setdefault(token, []).append(i)
        self.vocabulary = sorted(self.positions)

    def find(self, step: Step) -> list[int]:
        if not step.prefix:
            return self.positions.get(step.word, [])
        lo = bisect_left(self.vocabulary, step.word)
        hi = bisect_left(self.vocabulary, step.word + "\U0010ffff")
        found: list[int] = []
        for token in self.vocabulary[lo:hi]:
            found.extend(self.positions[token])
        return sorted(found)

    def match(self, cue: Cue) -> tuple[int, ...] | None:
        """The positions of the first occurrence of `cue`, or None."""
        candidates: list[list[int]] = []
        for step in cue.steps:  # most cues fail on their first word: stop there
            found = self.find(step)
            if not found:
                return None
            candidates.append(found)

        def extend(k: int, previous: int) -> tuple[int, ...] | None:
            if k == len(cue.steps):
                return ()
            options = candidates[k]
            lo = bisect_right(options, previous)
            hi = bisect_right(options, previous + cue.steps[k].gap + 1)
            for position in options[lo:hi]:
                rest = extend(k + 1, position)
                if rest is not None:
                    return (position, *rest)
            return None

        for start in candidates[0]:
            rest = extend(1, start)
            if rest is not None:
                return (start, *rest)
        return None


@dataclass(frozen=True)
class Lexicon:
    cues: Mapping[str, tuple[Cue, ...]]  # slug -> hand-written cues
    threshold: float
    derive_name_single: float
    derive_name_each: float
    derive_description: float
    min_stem: int
    ignored: frozenset[str]  # stopwords and words too generic to tell pain points apart
    synonyms: tuple[tuple[Cue, ...], ...] = ()  # groups of words that mean the same (weight unused)

    def group_of(self, word: str, stemmed: str) -> tuple[Cue, ...]:
        """The synonym groups that `word` belongs to, flattened."""
        found: list[Cue] = []
        for group in self.synonyms:
            for cue in group:
                if len(cue.steps) != 1:
                    continue
                step = cue.steps[0]
                if word == step.word or stemmed == step.word or (step.prefix and word.startswith(step.word)):
                    found.extend(group)
                    break
        return tuple(found)


def _load_lexicon(data: Mapping[str, Any]) -> Lexicon:
    weights = data["weights"]
    cues: dict[str, tuple[Cue, ...]] = {}
    for slug, languages in data.get("pains", {}).items():
        compiled: dict[tuple[Step, ...], Cue] = {}
        for strengths in languages.values():
            for strength, patterns in strengths.items():
                for pattern in patterns:
                    cue = compile_cue(pattern, float(weights[strength]))
                    if cue is None:
                        continue
                    known = compiled.get(cue.steps)  # the same cue in two languages counts once
                    if known is None or cue.weight > known.weight:
                        compiled[cue.steps] = cue
        cues[slug] = tuple(compiled.values())
    derive = data["derive"]
    ignored = {w for entry in (*derive["stopwords"], *derive["generic"]) for w in words(entry)}
    synonyms = tuple(
        tuple(cue for member in group if (cue := compile_cue(member, 1.0)) is not None)
        for group in derive.get("synonyms", [])
    )
    return Lexicon(
        cues=cues,
        threshold=float(weights["threshold"]),
        derive_name_single=float(derive["name_single"]),
        derive_name_each=float(derive["name_each"]),
        derive_description=float(derive["description"]),
        min_stem=int(derive["min_stem"]),
        ignored=frozenset(ignored),
        synonyms=synonyms,
    )


@cache
def default_lexicon() -> Lexicon:
    text = resources.files("bot.tagging").joinpath("lexicon.toml").read_text(encoding="utf-8")
    return _load_lexicon(tomllib.loads(text))


_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es",
             "s", "al")  # fmt: skip


def stem(word: str, min_stem: int = 4) -> str:
    """A crude stem, so that a cue derived from "procurement" also finds "procure"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= min_stem:
            return word[: -len(suffix)]
    return word


def derive_cues(spec: PainPointSpec, lexicon: Lexicon) -> tuple[Cue, ...]:
    """Cues for a pain point with no hand-written ones: the telling words of its name (stronger)
    and description (weaker), each as a stem, with their synonyms in the three languages."""
    derived: dict[tuple[Step, ...], Cue] = {}

    def telling(source: str) -> list[str]:
        kept = [w for w in words(source) if w not in lexicon.ignored and len(w) >= 3 and not w.isdigit()]
        return list(dict.fromkeys(kept))

    def add(word: str, weight: float) -> None:
        stemmed = stem(word, lexicon.min_stem)
        own = Cue(word, (Step(stemmed, prefix=len(stemmed) >= lexicon.min_stem, gap=DEFAULT_GAP),), weight)
        for cue in (own, *lexicon.group_of(word, stemmed)):
            if cue.steps not in derived:
                derived[cue.steps] = Cue(cue.pattern, cue.steps, weight)

    def add_phrases(source: str, weight: float) -> None:  # "civil society" brings "sociedad civil"
        index = _Index(words(source))
        for group in lexicon.synonyms:
            if any(len(cue.steps) > 1 and index.match(cue) is not None for cue in group):
                for cue in group:
                    derived.setdefault(cue.steps, Cue(cue.pattern, cue.steps, weight))

    name = spec.name or spec.slug.replace("_", " ")
    name_words = telling(name)
    name_weight = lexicon.derive_name_single if len(name_words) == 1 else lexicon.derive_name_each
    add_phrases(name, name_weight)
    for word in name_words:
        add(word, name_weight)
    add_phrases(spec.description, lexicon.derive_description)
    for word in telling(spec.description):
        add(word, lexicon.derive_description)
    return tuple(derived.values())


def score(cues: Iterable[Cue], index: _Index) -> float:
    """1 - prod(1 - weight) over the cues found, each word counting for at most one cue (the
    strongest that covers it), so "urgent" is not counted twice by an English and a Spanish cue."""
    found = [(cue, positions) for cue in cues if (positions := index.match(cue)) is not None]
    found.sort(key=lambda item: (-item[0].weight, -len(item[1]), item[0].pattern))
    used: set[int] = set()
    miss = 1.0
    for cue, positions in found:
        if used.intersection(positions):
            continue
        used.update(positions)
        miss *= 1.0 - cue.weight
    return 1.0 - miss


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return "" if value is None else str(value)


class LexiconTagger:
    """Tags answers with the pain points whose cues they contain; `[]` when none is confident."""

    name = "lexicon"

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or default_lexicon()
        self._derived: dict[PainPointSpec, tuple[Cue, ...]] = {}

    def cues_for(self, spec: PainPointSpec) -> tuple[Cue, ...]:
        hand_written = self.lexicon.cues.get(spec.slug)
        if hand_written:
            return hand_written
        if spec not in self._derived:
            self._derived[spec] = derive_cues(spec, self.lexicon)
        return self._derived[spec]

    def scores(self, text: str, taxonomy: Sequence[PainPointSpec]) -> dict[str, float]:
        index = _Index(words(_as_text(text)[:MAX_CHARS]))
        return {spec.slug: score(self.cues_for(spec), index) for spec in taxonomy}

    def tag(self, texts: Sequence[str], taxonomy: Sequence[PainPointSpec]) -> list[list[Tag]]:
        results: list[list[Tag]] = []
        for text in texts:
            scored = self.scores(text, taxonomy)
            tags = [
                Tag(slug, round(min(1.0, max(0.0, confidence)), 3))
                for slug, confidence in scored.items()
                if confidence >= self.lexicon.threshold
            ]
            tags.sort(key=lambda t: (-t.confidence, t.slug))
            results.append(tags)
        return results
