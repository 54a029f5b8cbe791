"""What the offline tagger learns from labelled text, in the embedding's space (numpy only).

Every pain point is known by examples: the descriptive phrases in prototypes.toml for the seed
ones, its own "name. description" for every one, and whatever the community teaches (members'
ticks, facilitators' corrections, `convene tag --examples`). From them:
- a one-vs-rest logistic regression per pain point, each pain point's positives and negatives
  weighted to equal totals, so a pain point taught with five examples is not drowned by one
  taught with fifty; answers that express no pain point (the `none` phrases) are negatives for
  all;
- the similarity of an answer to its nearest examples of each pain point, which the tagger uses
  to say "none of these" when an answer is nearer to the `none` phrases than to any pain point.
"""

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

# Chosen on the dev set (benchmarks/tagger_comparison.py), never on the held-out sets.
L2 = 1e-3  # weight decay: strong enough that twelve examples do not make a pain point brittle
STEPS = 400
RATE = 4.0
BALANCE = 1.0
NEAREST = 3  # the answer's similarity to a pain point: the mean over its 3 nearest examples


@dataclass(frozen=True)
class Example:
    text: str
    slugs: frozenset[str]  # empty: the text expresses none of the pain points


@dataclass(frozen=True)
class Prototypes:
    phrases: Mapping[str, tuple[str, ...]]  # slug -> descriptive phrases, all languages
    none: tuple[str, ...]


@cache
def default_prototypes() -> Prototypes:
    text = resources.files("bot.tagging").joinpath("prototypes.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    phrases = {
        slug: tuple(p for lang in sorted(by_lang) for p in by_lang[lang])
        for slug, by_lang in data.get("pains", {}).items()
    }
    none = tuple(p for lang in sorted(data.get("none", {})) for p in data["none"][lang])
    return Prototypes(phrases, none)


@dataclass
class Model:
    slugs: list[str]
    weights: np.ndarray  # (dimensions, classes)
    bias: np.ndarray  # (classes,)
    examples: np.ndarray  # (n, dimensions), unit rows
    labels: np.ndarray  # (n, classes) of 0/1
    none_examples: np.ndarray  # (m, dimensions)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(texts, classes): how likely each text expresses each pain point."""
        return _sigmoid(vectors @ self.weights + self.bias)

    def nearest(self, vectors: np.ndarray) -> np.ndarray:
        """(texts, classes): mean cosine similarity to each pain point's nearest examples."""
        sims = vectors @ self.examples.T
        out = np.zeros((len(vectors), len(self.slugs)), dtype=np.float32)
        for j in range(len(self.slugs)):
            own = sims[:, self.labels[:, j] > 0]
            if own.shape[1] == 0:
                continue
            k = min(NEAREST, own.shape[1])
            out[:, j] = np.sort(own, axis=1)[:, -k:].mean(axis=1)
        return out

    def nearest_none(self, vectors: np.ndarray) -> np.ndarray:
        if len(self.none_examples) == 0:
            return np.full(len(vectors), -1.0, dtype=np.float32)
        sims = vectors @ self.none_examples.T
        k = min(NEAREST, sims.shape[1])
        nearest: np.ndarray = np.sort(sims, axis=1)[:, -k:].mean(axis=1)
        return nearest


def _sigmoid(z: np.ndarray) -> np.ndarray:
    squashed: np.ndarray = np.float32(1.0) / (np.float32(1.0) + np.exp(-np.clip(z, -30, 30)))
    return squashed


def fit(slugs: Sequence[str], vectors: np.ndarray, labels: np.ndarray, none_vectors: np.ndarray) -> Model:
    """One-vs-rest logistic regressions by full-batch gradient descent: a few hundred rows of
    512 numbers train in well under a second, with no solver to install."""
    x = np.vstack([vectors, none_vectors]).astype(np.float32)
    y = np.vstack([labels, np.zeros((len(none_vectors), len(slugs)))]).astype(np.float32)
    positives = y.sum(axis=0)
    negatives = len(y) - positives
    # Each class's positives and negatives weigh half each, whatever their counts.
    natural = np.float32(1.0 / len(y))
    balanced_pos, balanced_neg = 0.5 / np.maximum(positives, 1), 0.5 / np.maximum(negatives, 1)
    pos = natural ** (1 - BALANCE) * balanced_pos**BALANCE
    neg = natural ** (1 - BALANCE) * balanced_neg**BALANCE
    sample = np.where(y > 0, pos, neg).astype(np.float32)
    weights = np.zeros((x.shape[1], len(slugs)), dtype=np.float32)
    bias = np.zeros(len(slugs), dtype=np.float32)
    rate, decay = np.float32(RATE), np.float32(L2)
    for _ in range(STEPS):
        error = (_sigmoid(x @ weights + bias) - y) * sample
        weights -= rate * (x.T @ error + decay * weights)
        bias -= rate * error.sum(axis=0)
    return Model(list(slugs), weights, bias, vectors, labels, none_vectors)
