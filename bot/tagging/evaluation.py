"""Measuring a tagger against a labelled set: pure functions over lists of label sets.

Multi-label conventions used throughout (and by benchmarks/tagger_comparison.py):
- a row labelled `none` has the empty set as its gold labels, so any tag predicted there is a
  false positive, and only an empty prediction matches it exactly;
- macro-F1 is the unweighted mean over `labels` of each label's F1 = 2TP / (2TP + FP + FN);
  a label that is neither in the gold sets nor predicted (nothing to find, nothing wrongly
  found) counts as 1.0, so a subset that lacks a label is not punished for it;
- exact match is the share of rows whose predicted set equals the gold set."""

import csv
from collections.abc import Collection, Sequence, Set
from dataclasses import dataclass
from pathlib import Path

NONE_LABEL = "none"


@dataclass(frozen=True)
class DevRow:
    id: str
    lang: str
    labels: frozenset[str]
    text: str


def _check_lengths(gold: Sequence[Set[str]], predicted: Sequence[Set[str]]) -> None:
    if len(gold) != len(predicted):
        raise ValueError(f"gold has {len(gold)} rows but predicted has {len(predicted)}")


def per_label_f1(
    gold: Sequence[Set[str]], predicted: Sequence[Set[str]], labels: Collection[str]
) -> dict[str, float]:
    _check_lengths(gold, predicted)
    scores: dict[str, float] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label in p)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if label not in g and label in p)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label not in p)
        denominator = 2 * tp + fp + fn
        scores[label] = 1.0 if denominator == 0 else 2 * tp / denominator
    return scores


def macro_f1(gold: Sequence[Set[str]], predicted: Sequence[Set[str]], labels: Collection[str]) -> float:
    """Mean of the per-label F1 over `labels`; tags outside `labels` are ignored."""
    if not labels:
        raise ValueError("macro-F1 needs at least one label")
    scores = per_label_f1(gold, predicted, labels)
    return sum(scores.values()) / len(scores)


def exact_match(gold: Sequence[Set[str]], predicted: Sequence[Set[str]]) -> float:
    """Share of rows where the predicted set is exactly the gold set (empty = `none`)."""
    _check_lengths(gold, predicted)
    if not gold:
        return 0.0
    return sum(1 for g, p in zip(gold, predicted, strict=True) if set(g) == set(p)) / len(gold)


def load_dev_set(path: str | Path) -> list[DevRow]:
    """Rows of a CSV with columns id, lang, pain_points (`;`-separated slugs or `none`), text."""
    rows: list[DevRow] = []
    with open(path, newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            slugs = {s.strip() for s in (record["pain_points"] or "").split(";") if s.strip()}
            slugs.discard(NONE_LABEL)
            rows.append(
                DevRow(
                    id=record["id"].strip(),
                    lang=record["lang"].strip(),
                    labels=frozenset(slugs),
                    text=record["text"],
                )
            )
    return rows
