"""What `convene tag` does with labelled files: teach the tagger (`--examples`) and measure it
(`--eval`), the way members' ticks and facilitators' corrections teach it in Slack."""

import sys
from collections.abc import Sequence

from bot.tagging import PainPointSpec, Tagger
from bot.tagging.evaluation import report
from bot.tagging.labelled import LabelledRow, read_labelled
from bot.tagging.learning import Example
from bot.tagging.offline import OfflineTagger


def learner(tagger: Tagger) -> OfflineTagger | None:
    """The offline tagger that learns: the tagger itself, or the LLM tagger's fallback."""
    if isinstance(tagger, OfflineTagger):
        return tagger
    fallback = getattr(tagger, "fallback", None)
    return fallback if isinstance(fallback, OfflineTagger) else None


def named_after(slug: str) -> PainPointSpec:
    return PainPointSpec(slug, slug.replace("_", " "))


def with_new_pain_points(specs: Sequence[PainPointSpec], rows: Sequence[LabelledRow]) -> list[PainPointSpec]:
    """The taxonomy plus a pain point named after each id it does not have yet."""
    known = {s.slug for s in specs}
    added = sorted({slug for row in rows for slug in row.slugs} - known)
    return [*specs, *(named_after(slug) for slug in added)]


def teach(tagger: Tagger, specs: Sequence[PainPointSpec], path: str) -> list[PainPointSpec]:
    rows = read_labelled(path)
    target = learner(tagger)
    if target is not None:
        target.teach(Example(row.text, row.slugs) for row in rows)
    return with_new_pain_points(specs, rows)


def evaluate(tagger: Tagger, specs: Sequence[PainPointSpec], path: str) -> list[str]:
    rows = read_labelled(path)
    known = {s.slug for s in specs}
    unknown = sorted({slug for row in rows for slug in row.slugs} - known)
    if unknown:
        # Counted, so the figures are honest, but the tagger cannot give an id it was never taught.
        print(f"convene tag: not in the taxonomy, never tagged: {', '.join(unknown)}", file=sys.stderr)
    ranked = [[t.slug for t in tags] for tags in tagger.tag([r.text for r in rows], list(specs))]
    labels = [s.slug for s in specs] + unknown
    langs = [r.lang for r in rows]
    head = f"{len(rows)} labelled answers, {tagger.name} tagger"
    lines = report([set(r.slugs) for r in rows], ranked, langs, labels)
    return [head, "", *(line.rstrip() for line in lines)]
