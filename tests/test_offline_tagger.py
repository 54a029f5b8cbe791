"""The offline tagger: what it must do for every check-in answer, with no network and no key.

The quality floors below were MEASURED with `convene tag --eval` (and
benchmarks/tagger_comparison.py) and rounded down; they were not chosen. The held-out and
teaching files in tests/data are frozen (see tests/data/README.md): nothing was tuned on them.
A change that lowers a floor is a regression to explain, not a number to edit."""

import csv
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.core.texts import Texts
from bot.tagging import PainPointSpec, Tag
from bot.tagging.evaluation import (
    Counts,
    counts,
    exact_match,
    load_dev_set,
    macro_f1,
    no_tag,
    per_label_f1,
    report,
    top_tag_right,
)
from bot.tagging.learning import Example
from bot.tagging.lexicon import LexiconTagger, default_lexicon
from bot.tagging.offline import OfflineTagger
from bot.tagging.taxonomy import seed_specs

DATA = Path(__file__).parent / "data"
DEV_SET = DATA / "challenges-dev.csv"


@dataclass(frozen=True)
class Measured:
    """Floors: each figure as measured, rounded down to two decimals."""

    macro_f1: float
    exact: float
    top_tag: float
    no_tag_at_most: float  # share of answers left with no tag, rounded up


# Measured on the shipped tagger: dev 0.946 / 0.882 / 1.000 / 0.039;
# held-out challenges 0.848 / 0.737 / 0.885 / 0.191 (es 0.879, fr 0.834 macro-F1);
# survey comments 0.898 / 0.798 / 0.947 / 0.119.
FLOORS = {
    "challenges-dev.csv": Measured(0.94, 0.88, 1.00, 0.04),
    "challenges-heldout.csv": Measured(0.84, 0.73, 0.88, 0.20),
    "survey-heldout.csv": Measured(0.89, 0.79, 0.94, 0.12),
}
# Measured: 0.443 when every seed pain point is tagged by the lexicon only from cues derived
# from its name and description, as a pain point added later is.
MEASURED_DERIVED_MACRO_F1 = 0.44
# Learning curves (new pain point's F1 on its test rows plus the held-out challenges, whose
# rows are its negatives), measured after 0 / 5 / 10 / 12 / 20 examples:
# data_quality 0.000 / 0.875 / 0.818 / 0.783 / 0.766;
# civil_society_trust 0.200 / 0.629 / 0.667 / 0.700 / 0.744.
MEASURED_AFTER_12 = {"data_quality": 0.78, "civil_society_trust": 0.70}

CIVIL_SOCIETY = PainPointSpec(
    "civil_society_distrust",
    "Civil society distrust",
    "Civil society organisations do not trust the government, boycott the forum or walk away.",
)


@pytest.fixture(scope="module")
def seeds() -> list[PainPointSpec]:
    return seed_specs(Texts.load())


@pytest.fixture(scope="module")
def tagger() -> OfflineTagger:
    return OfflineTagger()


def slugs_of(tags: list[Tag]) -> set[str]:
    return {t.slug for t in tags}


def tag_one(tagger: OfflineTagger, text: str, taxonomy: list[PainPointSpec]) -> list[Tag]:
    [tags] = tagger.tag([text], taxonomy)
    return tags


# --- quality ---------------------------------------------------------------------------------------
def read(name: str) -> tuple[list[str], list[set[str]], list[str]]:
    """Texts, gold id sets and languages of a labelled file (dev set: `none` = no id)."""
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    gold = [{s for s in (r["pain_points"] or "").split(";") if s and s != "none"} for r in rows]
    return [r["text"] for r in rows], gold, [r["lang"] for r in rows]


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_quality_on_labelled_sets_does_not_drop_below_what_was_measured(tagger, seeds, name):
    texts, gold, _ = read(name)
    tagged = tagger.tag(texts, seeds)
    predicted = [slugs_of(tags) for tags in tagged]
    labels = [s.slug for s in seeds]
    floor = FLOORS[name]
    per_label = per_label_f1(gold, predicted, labels)
    assert macro_f1(gold, predicted, labels) >= floor.macro_f1, per_label
    assert exact_match(gold, predicted) >= floor.exact
    assert top_tag_right(gold, [tags[0].slug if tags else None for tags in tagged]) >= floor.top_tag
    assert no_tag(predicted) <= floor.no_tag_at_most


def test_spanish_and_french_held_out_answers_are_tagged_about_as_well_as_english(tagger, seeds):
    texts, gold, langs = read("challenges-heldout.csv")
    predicted = [slugs_of(tags) for tags in tagger.tag(texts, seeds)]
    labels = [s.slug for s in seeds]
    for lang, floor in (("es", 0.87), ("fr", 0.83)):  # measured 0.879 and 0.834
        idx = [i for i, x in enumerate(langs) if x == lang]
        assert macro_f1([gold[i] for i in idx], [predicted[i] for i in idx], labels) >= floor, lang


def test_the_lexicon_alone_is_worse_on_held_out_answers_than_the_shipped_tagger(tagger, seeds):
    """The embedding earns its install size: without it, held-out quality drops (0.791 vs 0.846)."""
    texts, gold, _ = read("challenges-heldout.csv")
    labels = [s.slug for s in seeds]
    alone = OfflineTagger(embedding=False)
    lexicon_only = macro_f1(gold, [slugs_of(t) for t in alone.tag(texts, seeds)], labels)
    shipped = macro_f1(gold, [slugs_of(t) for t in tagger.tag(texts, seeds)], labels)
    assert shipped > lexicon_only + 0.03


def test_pain_points_known_only_by_name_and_description_keep_their_measured_quality(seeds):
    derived_only = LexiconTagger(replace(default_lexicon(), cues={}))
    rows = load_dev_set(DEV_SET)
    predicted = [slugs_of(tags) for tags in derived_only.tag([r.text for r in rows], seeds)]
    score = macro_f1([set(r.labels) for r in rows], predicted, [s.slug for s in seeds])
    assert score >= MEASURED_DERIVED_MACRO_F1


# --- learning from examples ------------------------------------------------------------------------
@pytest.mark.parametrize("new", sorted(MEASURED_AFTER_12))
def test_a_new_pain_point_taught_with_12_examples_reaches_its_measured_f1_without_lowering_the_others(
    tagger, seeds, new
):
    teach_texts, teach_gold, teach_langs = read(f"teach-{new}.csv")
    assert set(teach_langs[:12]) == {"en", "es", "fr"}
    test_texts, test_gold, _ = read(f"teach-{new}-test.csv")
    held_texts, held_gold, _ = read("challenges-heldout.csv")
    labels = [s.slug for s in seeds]
    before = macro_f1(held_gold, [slugs_of(t) for t in tagger.tag(held_texts, seeds)], labels)

    learner = OfflineTagger(encoder=tagger.encoder)
    learner.teach(Example(t, frozenset(g)) for t, g in zip(teach_texts[:12], teach_gold[:12], strict=True))
    taxonomy = [*seeds, PainPointSpec(new, new.replace("_", " "))]
    texts, gold = [*test_texts, *held_texts], [*test_gold, *held_gold]
    predicted = [slugs_of(t) for t in learner.tag(texts, taxonomy)]

    assert per_label_f1(gold, predicted, [new])[new] >= MEASURED_AFTER_12[new]
    if new == "data_quality":
        assert MEASURED_AFTER_12[new] >= 0.75  # the target for a pain point taught with 12 examples
    after = macro_f1(held_gold, predicted[len(test_texts) :], labels)
    assert after >= before


def test_before_any_example_a_new_pain_point_known_by_its_id_alone_is_rarely_tagged(tagger, seeds):
    texts, gold, _ = read("teach-data_quality-test.csv")
    taxonomy = [*seeds, PainPointSpec("data_quality", "data quality")]
    predicted = [slugs_of(t) for t in tagger.tag(texts, taxonomy)]
    assert per_label_f1(gold, predicted, ["data_quality"])["data_quality"] < 0.5


def test_teaching_changes_what_is_tagged_and_a_correction_replaces_the_earlier_label(tagger, seeds):
    procurement = PainPointSpec("procurement", "procurement")
    text = "Tenders take nine months and suppliers complain that the rules change every time."
    learner = OfflineTagger(encoder=tagger.encoder)
    assert "procurement" not in slugs_of(tag_one(learner, text, [*seeds, procurement]))
    taught = [
        "Public tenders drag on for months and nobody wants to bid.",
        "Las licitaciones públicas tardan meses y los proveedores no se presentan.",
        "Les appels d'offres prennent des mois et les fournisseurs abandonnent.",
        "Contracting rules are so complex that every purchase is delayed.",
        "Los procesos de compras públicas son lentos y opacos.",
        "Les marchés publics sont lents et personne ne comprend les règles d'achat.",
    ]
    assert learner.teach(Example(t, frozenset({"procurement"})) for t in taught) == len(taught)
    assert "procurement" in slugs_of(tag_one(learner, text, [*seeds, procurement]))
    assert learner.teach([Example(taught[0], frozenset({"procurement"}))]) == 0  # nothing new
    assert learner.teach([Example(taught[0], frozenset({"time"}))]) == 1  # a correction
    assert {e.text: e.slugs for e in learner.examples}[taught[0]] == frozenset({"time"})
    learner.forget_examples()
    assert learner.examples == []
    assert "procurement" not in slugs_of(tag_one(learner, text, [*seeds, procurement]))


def test_examples_that_are_blank_or_about_pain_points_outside_the_taxonomy_change_nothing(tagger, seeds):
    learner = OfflineTagger(encoder=tagger.encoder)
    texts = [r.text for r in load_dev_set(DEV_SET)]
    before = learner.tag(texts, seeds)
    assert learner.teach([Example("   ", frozenset({"time"}))]) == 0
    learner.teach([Example("Our suppliers never deliver on time.", frozenset({"logistics"}))])
    assert learner.tag(texts, seeds) == before


# --- languages -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No tenemos presupuesto para los talleres regionales este año.", "funding"),
        ("Con todas mis tareas habituales no tengo tiempo para el seguimiento.", "time"),
        ("Después de las elecciones el ministerio fue reestructurado.", "changing_environment"),
        ("Le ministère n'a pas de financement pour les consultations publiques.", "funding"),
        ("Depuis le remaniement, personne ne sait qui pilote le plan d'action.", "changing_environment"),
        ("Mes collègues confondent gouvernement ouvert et communication.", "understanding_open_gov"),
    ],
)
def test_spanish_and_french_answers_are_tagged(tagger, seeds, text, expected):
    assert expected in slugs_of(tag_one(tagger, text, seeds))


# --- robustness ------------------------------------------------------------------------------------
ODD_INPUTS = [
    "",
    "   \n\t  ",
    "x" * 20_000,
    ("We have no budget and no time for the plan. " * 500)[:20_000],
    ("not a " * 4_000)[:20_000],
    "😀🔥🙏" * 300,
    "\x00\x01\x02\xff\ufffd\x7f binary \u202e\u200b",
    "\ud800 lone surrogate",
    "Ça ne marche pas — «vraiment» pas !",
]


@pytest.mark.parametrize("text", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_odd_input_returns_a_list_and_never_raises(tagger, seeds, text):
    result = tagger.tag([text], seeds)
    assert isinstance(result, list) and len(result) == 1
    assert all(isinstance(t, Tag) and 0.0 <= t.confidence <= 1.0 for t in result[0])


def test_a_200000_character_answer_is_tagged_on_its_beginning(tagger, seeds):
    text = ("Our budget was cut after the election and the team left. " * 4_000)[:200_000]
    tags = tag_one(tagger, text, seeds)
    assert {"funding", "changing_environment"} <= slugs_of(tags)


def test_bytes_or_none_slipping_through_are_treated_as_text(tagger, seeds):
    result = tagger.tag([b"no budget \xff", None], seeds)  # type: ignore[list-item]
    assert slugs_of(result[0]) == {"funding"} and result[1] == []


def test_without_the_embedding_package_the_lexicon_still_tags(seeds):
    alone = OfflineTagger(embedding=False)
    assert alone.encoder is None
    assert slugs_of(tag_one(alone, "We have no budget for the forum.", seeds)) == {"funding"}
    assert tag_one(alone, "Nothing to say.", seeds) == []


def test_no_texts_or_no_pain_points_give_empty_answers(tagger, seeds):
    assert tagger.tag([], seeds) == []
    assert tagger.tag(["There is no budget."], []) == [[]]


# --- saying "don't know" ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "The coffee machine is broken.",
        "La máquina de café está rota.",
        "La machine à café est en panne.",
        "Looking forward to meeting everyone at the regional summit!",
        "Il pleut beaucoup aujourd'hui.",
    ],
)
def test_an_answer_about_something_else_gets_no_tag(tagger, seeds, text):
    assert tag_one(tagger, text, seeds) == []


# --- pain points added later -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "CSOs boycotted the last forum because they distrust the ministry.",
        "Las organizaciones de la sociedad civil desconfían del gobierno.",
        "Les organisations de la société civile se méfient du gouvernement.",
    ],
)
def test_a_pain_point_added_later_is_tagged_from_its_name_and_description(tagger, seeds, text):
    tags = tag_one(tagger, text, [*seeds, CIVIL_SOCIETY])
    assert "civil_society_distrust" in slugs_of(tags)


def test_a_pain_point_added_later_with_only_a_name_can_be_tagged(tagger):
    data_quality = PainPointSpec("data_quality", "Unreliable data")
    tags = tag_one(
        tagger, "Agencies send unreliable data in different formats every quarter.", [data_quality]
    )
    assert slugs_of(tags) == {"data_quality"}
    assert tag_one(tagger, "The coffee machine is broken.", [data_quality]) == []


def test_adding_a_pain_point_only_takes_over_answers_it_fits_better(tagger, seeds):
    """A new pain point never adds a tag of another one; it may take an answer that was tagged
    with a weaker fit (the dev set's answer about civil society boycotting the forum)."""
    texts = [r.text for r in load_dev_set(DEV_SET)]
    before = [slugs_of(tags) for tags in tagger.tag(texts, seeds)]
    after = [slugs_of(tags) for tags in tagger.tag(texts, [*seeds, CIVIL_SOCIETY])]
    for old, new in zip(before, after, strict=True):
        others = new - {CIVIL_SOCIETY.slug}
        assert others <= old
        assert others == old or CIVIL_SOCIETY.slug in new


# --- contract --------------------------------------------------------------------------------------
def test_it_is_the_offline_tagger_and_answers_one_list_per_text(tagger, seeds):
    texts = ["No money for travel.", "", "The minister resigned and the ministry was merged."]
    result = tagger.tag(texts, seeds)
    assert tagger.name == "offline"
    assert len(result) == len(texts)


def test_confidences_are_in_0_1_and_strongest_first(tagger, seeds):
    rows = load_dev_set(DEV_SET)
    for tags in tagger.tag([r.text for r in rows], seeds):
        assert all(0.0 <= t.confidence <= 1.0 for t in tags)
        assert [t.confidence for t in tags] == sorted((t.confidence for t in tags), reverse=True)


def test_tagging_is_deterministic_and_independent_of_taxonomy_order(seeds):
    texts = [r.text for r in load_dev_set(DEV_SET)]
    first = OfflineTagger().tag(texts, seeds)
    assert OfflineTagger().tag(texts, seeds) == first
    assert OfflineTagger().tag(texts, list(reversed(seeds))) == first


# --- the measures ----------------------------------------------------------------------------------
def test_macro_f1_and_exact_match_on_a_hand_computed_case():
    gold = [{"a"}, {"b"}, {"b"}, {"a", "b"}]
    predicted = [{"a"}, {"b"}, {"a", "b"}, set()]
    # a: TP 1 (row 0), FP 1 (row 2), FN 1 (row 3) -> 2/(2+1+1) = 0.5
    # b: TP 2 (rows 1, 2), FN 1 (row 3)           -> 4/(4+0+1) = 0.8
    assert per_label_f1(gold, predicted, ["a", "b"]) == pytest.approx({"a": 0.5, "b": 0.8})
    assert macro_f1(gold, predicted, ["a", "b"]) == pytest.approx(0.65)
    # rows 0 and 1 match exactly, rows 2 and 3 do not
    assert exact_match(gold, predicted) == pytest.approx(0.5)


def test_a_tag_on_a_none_row_is_a_false_positive_and_an_empty_prediction_matches_it():
    gold = [set(), {"a"}]
    assert macro_f1(gold, [{"a"}, {"a"}], ["a"]) == pytest.approx(2 / 3)  # TP 1, FP 1
    assert exact_match(gold, [{"a"}, {"a"}]) == pytest.approx(0.5)
    assert exact_match(gold, [set(), {"a"}]) == 1.0


def test_a_label_nobody_has_or_predicts_counts_as_perfect_and_unknown_tags_are_ignored():
    gold = [{"a"}, set()]
    predicted = [{"a", "zzz"}, set()]
    assert macro_f1(gold, predicted, ["a", "c"]) == 1.0
    assert macro_f1(gold, [set(), set()], ["a", "c"]) == pytest.approx(0.5)


def test_the_measures_refuse_mismatched_lengths_and_empty_labels():
    with pytest.raises(ValueError):
        macro_f1([{"a"}], [], ["a"])
    with pytest.raises(ValueError):
        exact_match([{"a"}], [set(), set()])
    with pytest.raises(ValueError):
        macro_f1([{"a"}], [{"a"}], [])
    assert exact_match([], []) == 0.0


def test_precision_recall_f1_top_tag_and_no_tag_on_a_hand_computed_case():
    gold = [{"a"}, {"b"}, set(), {"a", "b"}]
    predicted = [{"a"}, {"a"}, {"b"}, set()]
    assert counts(gold, predicted, "a") == Counts(tp=1, fp=1, fn=1)
    assert counts(gold, predicted, "b") == Counts(tp=0, fp=1, fn=2)
    assert Counts(1, 1, 1).precision == 0.5 and Counts(1, 0, 3).recall == 0.25
    assert Counts(0, 0, 0).f1 == 1.0
    # rows with gold labels: 0 (top a, right), 1 (top a, wrong), 3 (no tag, wrong)
    assert top_tag_right(gold, ["a", "a", "b", None]) == pytest.approx(1 / 3)
    assert no_tag(predicted) == 0.25


def test_the_report_has_a_line_per_pain_point_and_per_language():
    gold = [{"a"}, {"b"}, set()]
    lines = report(gold, [["a"], ["a", "b"], []], ["en", "es", "en"], ["a", "b"])
    assert lines[0].split()[:5] == ["pain", "point", "precision", "recall", "F1"]
    assert lines[2].split()[:5] == ["a", "0.500", "1.000", "0.667", "1"]
    summary = {line.split()[0]: line for line in lines if line and line.split()[0] in {"all", "en", "es"}}
    assert "exact match 0.667" in summary["all"]
    assert "exact match 1.000" in summary["en"] and "exact match 0.000" in summary["es"]


def test_the_dev_set_loads_with_none_as_no_label():
    rows = load_dev_set(DEV_SET)
    assert len(rows) == 51
    assert sum(1 for r in rows if r.lang != "en") == 12
    by_id = {r.id: r for r in rows}
    assert by_id["d36"].labels == frozenset()
    assert by_id["d31"].labels == frozenset({"time", "staff_turnover"})
