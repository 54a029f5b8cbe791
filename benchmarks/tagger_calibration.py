"""How the offline tagger's decision numbers were chosen: on the dev set only, never on the
held-out sets.

Run: python -m benchmarks.tagger_calibration

For each setting it prints the seed pain points' macro-F1 on the dev set and a dev-set simulation
of a pain point added later: each seed pain point in turn loses its hand-written cues and its
prototype phrases, is known by its id alone, and is taught with k of its prototype phrases
(k = 0, 5, 12); its F1 on the dev set is averaged over the six, with the other five's macro-F1."""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from benchmarks.tagger_comparison import DATA
from bot.core.texts import Texts
from bot.tagging import PainPointSpec
from bot.tagging import offline as shipped
from bot.tagging.evaluation import load_dev_set, macro_f1, per_label_f1
from bot.tagging.learning import Example, Prototypes, default_prototypes
from bot.tagging.offline import OfflineTagger
from bot.tagging.taxonomy import seed_specs

SETTINGS = {
    "shipped": {},
    "no second-tag bar (EMBED_SECOND 0.3)": {"EMBED_SECOND": 0.3},
    "stricter embedding (EMBED_THRESHOLD 0.5)": {"EMBED_THRESHOLD": 0.5},
    "no similarity floor (NEAREST_FLOOR 0)": {"NEAREST_FLOOR": 0.0},
    "higher similarity floor (NEAREST_FLOOR 0.35)": {"NEAREST_FLOOR": 0.35},
}


@contextmanager
def setting(values: dict[str, float]) -> Iterator[None]:
    saved = {name: getattr(shipped, name) for name in values}
    for name, value in values.items():
        setattr(shipped, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(shipped, name, value)


def main() -> None:
    seeds = seed_specs(Texts.load())
    slugs = [s.slug for s in seeds]
    rows = load_dev_set(DATA / "challenges-dev.csv")
    texts, gold = [r.text for r in rows], [set(r.labels) for r in rows]
    base = OfflineTagger()
    prototypes = default_prototypes()

    def simulated(k: int) -> tuple[float, float]:
        new_f1, others_f1 = [], []
        for slug in slugs:
            protos = Prototypes({s: p for s, p in prototypes.phrases.items() if s != slug}, prototypes.none)
            cues = {s: c for s, c in base.lexicon.lexicon.cues.items() if s != slug}
            tagger = OfflineTagger(replace(base.lexicon.lexicon, cues=cues), base.encoder, protos)
            phrases = list(prototypes.phrases[slug])
            random.Random(7).shuffle(phrases)
            tagger.teach(Example(p, frozenset({slug})) for p in phrases[:k])
            taxonomy = [s if s.slug != slug else PainPointSpec(slug, slug.replace("_", " ")) for s in seeds]
            predicted = [{t.slug for t in tags} for tags in tagger.tag(texts, taxonomy)]
            new_f1.append(per_label_f1(gold, predicted, [slug])[slug])
            others_f1.append(macro_f1(gold, predicted, [s for s in slugs if s != slug]))
        return sum(new_f1) / len(new_f1), sum(others_f1) / len(others_f1)

    print(f"{'setting':<46} {'dev F1':>6}   simulated new pain point F1 (others) after k = 0 / 5 / 12")
    for name, values in SETTINGS.items():
        with setting(values):
            dev = macro_f1(gold, [{t.slug for t in tags} for tags in base.tag(texts, seeds)], slugs)
            curve = [simulated(k) for k in (0, 5, 12)]
        cells = " / ".join(f"{f:.3f} ({o:.3f})" for f, o in curve)
        print(f"{name:<46} {dev:>6.3f}   {cells}")


if __name__ == "__main__":
    main()
