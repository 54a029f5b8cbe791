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


@dataclass(frozen=True)
class Counts:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return 1.0 if self.tp + self.fp == 0 else self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float:
        return 1.0 if self.tp + self.fn == 0 else self.tp / (self.tp + self.fn)

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 1.0 if denominator == 0 else 2 * self.tp / denominator


def counts(gold: Sequence[Set[str]], predicted: Sequence[Set[str]], label: str) -> Counts:
    _check_lengths(gold, predicted)
    pairs = list(zip(gold, predicted, strict=True))
    return Counts(
        tp=sum(1 for g, p in pairs if label in g and label in p),
        fp=sum(1 for g, p in pairs if label not in g and label in p),
        fn=sum(1 for g, p in pairs if label in g and label not in p),
    )


def top_tag_right(gold: Sequence[Set[str]], top: Sequence[str | None]) -> float:
    """Among rows with at least one gold label: share whose first (most confident) tag is one."""
    rows = [(g, t) for g, t in zip(gold, top, strict=True) if g]
    return 0.0 if not rows else sum(1 for g, t in rows if t in g) / len(rows)


def no_tag(predicted: Sequence[Set[str]]) -> float:
    return 0.0 if not predicted else sum(1 for p in predicted if not p) / len(predicted)


def report(
    gold: Sequence[Set[str]],
    ranked: Sequence[Sequence[str]],
    langs: Sequence[str],
    labels: Sequence[str],
) -> list[str]:
    """The lines `convene tag --eval` prints: per pain point precision, recall, F1 and support
    (with F1 per language), then macro-F1, exact match, top tag right and no tag, overall and per
    language. `ranked` holds each row's predicted ids, most confident first."""
    predicted = [set(r) for r in ranked]
    top = [r[0] if r else None for r in ranked]
    languages = sorted(set(langs))
    by_lang = {lang: [i for i, x in enumerate(langs) if x == lang] for lang in languages}
    width = max([len("pain point"), *(len(label) for label in labels)])
    header = f"{'pain point':<{width}}  precision  recall     F1  support" + "".join(
        f"  F1 {lang:<3}" for lang in languages
    )
    lines = [header, "-" * len(header)]
    for label in labels:
        c = counts(gold, predicted, label)
        line = f"{label:<{width}}  {c.precision:>9.3f}  {c.recall:>6.3f}  {c.f1:>5.3f}  {c.tp + c.fn:>7}"
        for lang in languages:
            idx = by_lang[lang]
            sub = counts([gold[i] for i in idx], [predicted[i] for i in idx], label)
            line += f"  {sub.f1:>6.3f}" if sub.tp + sub.fn else f"  {'-':>6}"
        lines.append(line)
    lines.append("")
    scopes = [("all", list(range(len(gold)))), *by_lang.items()]
    for scope, idx in scopes:
        g, p, t = [gold[i] for i in idx], [predicted[i] for i in idx], [top[i] for i in idx]
        lines.append(
            f"{scope:<4} {len(idx):>5} answers  macro-F1 {macro_f1(g, p, labels):.3f}  "
            f"exact match {exact_match(g, p):.3f}  top tag right {top_tag_right(g, t):.3f}  "
            f"no tag {no_tag(p):.3f}"
        )
    return lines
