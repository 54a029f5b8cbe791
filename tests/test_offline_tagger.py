"""The offline tagger: what it must do for every check-in answer, with no network and no key.

The quality floors below were MEASURED with benchmarks/tagger_comparison.py on
tests/data/challenges-dev.csv and rounded down to two decimals; they were not chosen. A change
that lowers them is a regression to explain, not a number to edit."""

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.texts import Texts
from bot.tagging import PainPointSpec, Tag
from bot.tagging.evaluation import exact_match, load_dev_set, macro_f1, per_label_f1
from bot.tagging.offline import OfflineTagger, _load_lexicon, default_lexicon
from bot.tagging.taxonomy import seed_specs

DEV_SET = Path(__file__).parent / "data" / "challenges-dev.csv"

# Measured: macro-F1 0.981 over the six seed pain points on the 51-answer dev set (exact match
# 0.961; non-English rows 1.000 / 1.000). Rounded down, not chosen.
MEASURED_MACRO_F1 = 0.98
# Measured: 0.443 when every seed pain point is tagged only from cues derived from its name and
# description, as a pain point added later is. Rounded down, not chosen.
MEASURED_DERIVED_MACRO_F1 = 0.44

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
def test_macro_f1_on_the_dev_set_does_not_drop_below_what_was_measured(tagger, seeds):
    rows = load_dev_set(DEV_SET)
    predicted = [slugs_of(tags) for tags in tagger.tag([r.text for r in rows], seeds)]
    gold = [set(r.labels) for r in rows]
    labels = [s.slug for s in seeds]
    score = macro_f1(gold, predicted, labels)
    assert score >= MEASURED_MACRO_F1, per_label_f1(gold, predicted, labels)


def test_pain_points_known_only_by_name_and_description_keep_their_measured_quality(seeds):
    derived_only = OfflineTagger(replace(default_lexicon(), cues={}))
    rows = load_dev_set(DEV_SET)
    predicted = [slugs_of(tags) for tags in derived_only.tag([r.text for r in rows], seeds)]
    score = macro_f1([set(r.labels) for r in rows], predicted, [s.slug for s in seeds])
    assert score >= MEASURED_DERIVED_MACRO_F1


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


def test_a_20000_character_answer_is_tagged(tagger, seeds):
    # How fast: benchmarks/offline_tagger_limits.py.
    text = ("Our budget was cut after the election and the team left. " * 400)[:20_000]
    tags = tag_one(tagger, text, seeds)
    assert {"funding", "changing_environment"} <= slugs_of(tags)


def test_bytes_or_none_slipping_through_are_treated_as_text(tagger, seeds):
    result = tagger.tag([b"no budget \xff", None], seeds)  # type: ignore[list-item]
    assert slugs_of(result[0]) == {"funding"} and result[1] == []


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


def test_adding_a_pain_point_does_not_change_the_tags_of_the_others(tagger, seeds):
    text = "No hay presupuesto y el secretario no firma el plan."
    before = tag_one(tagger, text, seeds)
    after = [t for t in tag_one(tagger, text, [*seeds, CIVIL_SOCIETY]) if t.slug != CIVIL_SOCIETY.slug]
    assert before == after


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


def test_the_shipped_lexicon_has_cues_for_every_seeded_pain_point(seeds):
    # How fast it loads: benchmarks/offline_tagger_limits.py.
    text = (Path(__file__).parents[1] / "bot" / "tagging" / "lexicon.toml").read_text(encoding="utf-8")
    lexicon = _load_lexicon(tomllib.loads(text))
    assert all(lexicon.cues.get(seed.slug) for seed in seeds)


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


def test_the_dev_set_loads_with_none_as_no_label():
    rows = load_dev_set(DEV_SET)
    assert len(rows) == 51
    assert sum(1 for r in rows if r.lang != "en") == 12
    by_id = {r.id: r for r in rows}
    assert by_id["d36"].labels == frozenset()
    assert by_id["d31"].labels == frozenset({"time", "staff_turnover"})
