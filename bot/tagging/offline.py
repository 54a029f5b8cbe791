"""The offline tagger: no network, no API key, and it learns from labelled answers.

Two views of an answer, combined:
- the lexicon (lexicon.py): hand-written cues in English, Spanish and French for the seed pain
  points, cues derived from the name and description of the others. Precise where it fires;
- a multilingual sentence embedding (embedding.py) compared with what each pain point is known
  by (learning.py): descriptive phrases for the seed ones, its name and description, and the
  examples the community has taught. It finds what the cues do not spell out ("stretched thin",
  "la jefa renunció"), in any of the three languages, and it is how a pain point added later
  is learned from a handful of examples.

A pain point is a tag when the lexicon is confident, or when the embedding's model gives it at
least EMBED_THRESHOLD (EMBED_SECOND if the lexicon already tagged the answer with something
else: a second pain point needs more evidence), it is within EMBED_MARGIN of the answer's most
likely pain point, and the answer is at least NEAREST_FLOOR similar to that pain point's nearest
examples and nearer to them than to the phrases that express no pain point. The confidence is
1 - (1 - lexicon) * (1 - embedding). An answer with no tag is the tagger saying "don't know"
rather than guessing.

Chosen by measurement on labelled sets that nobody tuned it on: benchmarks/tagger_comparison.py.
The numbers below were chosen on the dev set alone, and on a dev-set simulation of a pain point
added later (each seed one in turn known by its id only and taught with its prototype phrases),
never on the held-out sets."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.tagging import PainPointSpec, Tag
from bot.tagging.embedding import Encoder, default_encoder
from bot.tagging.learning import Example, Model, Prototypes, default_prototypes, fit
from bot.tagging.lexicon import MAX_CHARS, Lexicon, LexiconTagger, _as_text

log = logging.getLogger("convene.tagging")

EMBED_THRESHOLD = 0.3
EMBED_MARGIN = 0.05
EMBED_SECOND = 0.7  # what the embedding needs to add a pain point beside the lexicon's
NEAREST_FLOOR = 0.25  # below the 5th percentile of a right pain point's similarity on the dev set
NONE_GAP = 0.0  # nearer to a pain point's examples than to the "none" phrases

_DEFAULT = object()


@dataclass(frozen=True)
class Scores:
    lexicon: float
    embedding: float  # 0 when the embedding is unavailable
    nearest: float  # similarity to the pain point's nearest examples
    nearest_none: float


def describe(spec: PainPointSpec) -> str:
    name = spec.name or spec.slug.replace("_", " ")
    return f"{name}. {spec.description}".strip() if spec.description else name


class OfflineTagger:
    """Tags answers with the pain points they express, `[]` when none is confident."""

    name = "offline"

    def __init__(
        self,
        lexicon: Lexicon | None = None,
        encoder: Encoder | None = None,
        prototypes: Prototypes | None = None,
        embedding: bool = True,
    ) -> None:
        """`encoder` defaults to the packaged one; `embedding=False` gives the lexicon alone."""
        self.lexicon = LexiconTagger(lexicon)
        self._encoder: Encoder | object | None = encoder if encoder is not None or not embedding else _DEFAULT
        self._embedding = embedding
        self.prototypes = prototypes or default_prototypes()
        self._taught: dict[str, Example] = {}  # text -> latest label: a correction replaces a tick
        self._vectors: dict[str, np.ndarray] = {}
        self._model: Model | None = None
        self._model_key: tuple[object, ...] | None = None

    # --- learning ------------------------------------------------------------------------------
    def teach(self, examples: Iterable[Example]) -> int:
        """Learn from labelled answers; returns how many were new or changed."""
        changed = 0
        for example in examples:
            text = _as_text(example.text).strip()
            if not text:
                continue
            labelled = Example(text, frozenset(example.slugs))
            if self._taught.get(text) != labelled:
                self._taught[text] = labelled
                changed += 1
        if changed:
            self._model_key = None
        return changed

    def forget_examples(self) -> None:
        self._taught.clear()
        self._model_key = None

    @property
    def examples(self) -> list[Example]:
        return list(self._taught.values())

    def taught_copy(self, examples: Iterable[Example]) -> "OfflineTagger":
        """A tagger like this one that has learned `examples` only. It shares the lexicon, the
        encoder and the vectors this one already computed (prototype phrases, descriptions),
        so that a community's own tagger costs the encoding of its own examples only."""
        copy = OfflineTagger(self.lexicon.lexicon, None, self.prototypes, embedding=self._embedding)
        copy._encoder = self._encoder
        copy._vectors = dict(self._vectors)
        copy.teach(examples)
        return copy

    def warm(self, taxonomy: Sequence[PainPointSpec]) -> None:
        """Compute the vectors of what every pain point is known by before any copy is made.
        Touches only the vector cache, so it is safe while another thread tags."""
        if self.encoder is None:
            return
        texts = [p for spec in taxonomy for p in self.prototypes.phrases.get(spec.slug, ())]
        self._encode([*texts, *(describe(spec) for spec in taxonomy), *self.prototypes.none])

    @property
    def encoder(self) -> Encoder | None:
        if not self._embedding:
            return None
        if self._encoder is _DEFAULT:
            self._encoder = default_encoder()
        return self._encoder  # type: ignore[return-value]

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for known texts (prototypes, examples) are computed once."""
        encoder = self.encoder
        assert encoder is not None
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vector in zip(missing, encoder.encode(missing), strict=True):
                self._vectors[text] = vector
        return np.vstack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 512), np.float32)

    def model(self, taxonomy: Sequence[PainPointSpec]) -> Model | None:
        if self.encoder is None or not taxonomy:
            return None
        key = (tuple(taxonomy), len(self._taught))
        if self._model is not None and self._model_key == key:
            return self._model
        slugs = [spec.slug for spec in taxonomy]
        texts: list[str] = []
        rows: list[np.ndarray] = []

        def add(text: str, positive: Iterable[str]) -> None:
            row = np.zeros(len(slugs), dtype=np.float32)
            for slug in positive:
                if slug in slugs:
                    row[slugs.index(slug)] = 1.0
            texts.append(text)
            rows.append(row)

        for spec in taxonomy:
            for phrase in self.prototypes.phrases.get(spec.slug, ()):
                add(phrase, [spec.slug])
            add(describe(spec), [spec.slug])
        none_texts = list(self.prototypes.none)
        for example in self._taught.values():
            known = [s for s in example.slugs if s in slugs]
            if known:
                add(example.text, known)
            elif not example.slugs:
                none_texts.append(example.text)
            # An example labelled only with pain points outside this taxonomy says nothing here.
        self._model = fit(slugs, self._encode(texts), np.vstack(rows), self._encode(none_texts))
        self._model_key = key
        return self._model

    # --- tagging -------------------------------------------------------------------------------
    def scores(self, texts: Sequence[str], taxonomy: Sequence[PainPointSpec]) -> list[dict[str, Scores]]:
        cleaned = [_as_text(t)[:MAX_CHARS] for t in texts]
        lexical = [self.lexicon.scores(t, taxonomy) for t in cleaned]
        model = self.model(taxonomy)
        if model is None:
            return [{s: Scores(v, 0.0, 0.0, 0.0) for s, v in row.items()} for row in lexical]
        vectors = self.encoder.encode(cleaned)  # type: ignore[union-attr]
        probabilities = model.probabilities(vectors)
        nearest = model.nearest(vectors)
        nearest_none = model.nearest_none(vectors)
        blank = np.logical_not(np.any(vectors, axis=1))
        out: list[dict[str, Scores]] = []
        for i, row in enumerate(lexical):
            out.append(
                {
                    slug: Scores(
                        row[slug],
                        0.0 if blank[i] else float(probabilities[i, j]),
                        float(nearest[i, j]),
                        float(nearest_none[i]),
                    )
                    for j, slug in enumerate(model.slugs)
                }
            )
        return out

    def tag(self, texts: Sequence[str], taxonomy: Sequence[PainPointSpec]) -> list[list[Tag]]:
        threshold = self.lexicon.lexicon.threshold
        results: list[list[Tag]] = []
        for scored in self.scores(texts, taxonomy):
            best = max((s.embedding for s in scored.values()), default=0.0)
            lexical = any(s.lexicon >= threshold for s in scored.values())
            needed = EMBED_SECOND if lexical else EMBED_THRESHOLD
            tags = []
            for slug, s in scored.items():
                by_embedding = (
                    s.embedding >= needed
                    and s.embedding >= best - EMBED_MARGIN
                    and s.nearest > s.nearest_none + NONE_GAP
                    and s.nearest >= NEAREST_FLOOR
                )
                if s.lexicon >= threshold or by_embedding:
                    confidence = 1.0 - (1.0 - s.lexicon) * (1.0 - s.embedding)
                    tags.append(Tag(slug, round(min(1.0, max(0.0, confidence)), 3)))
            tags.sort(key=lambda t: (-t.confidence, t.slug))
            results.append(tags)
        return results
