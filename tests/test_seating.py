"""Seating a convening: everyone once, balanced tables, the objective against the exact optimum,
determinism; and role-play roles that are never the member's own."""

import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.convenings.exact import optimum
from bot.convenings.roleplay import assign_roles, brief, own_roles, roles
from bot.convenings.seating import Attendee, Score, Table, evaluate, seat, table_sizes
from bot.core.texts import Texts

SEEDS = [
    "time",
    "political_will",
    "funding",
    "staff_turnover",
    "understanding_open_gov",
    "changing_environment",
]


def _random_attendees(rnd: random.Random, n: int, pains: list[str], countries: int) -> list[Attendee]:
    return [
        Attendee(
            key=100 + i,
            name=f"Person {i}",
            country=f"Country {rnd.randrange(countries)}",
            agency=f"Agency {rnd.randrange(2)}",
            pains=tuple(rnd.sample(pains, min(len(pains), rnd.choice([0, 1, 1, 2, 2, 3])))),
        )
        for i in range(n)
    ]


attendee_lists = st.lists(
    st.builds(
        lambda name, country, agency, pains: (name, country, agency, tuple(dict.fromkeys(pains))),
        st.sampled_from(["Ana", "Bo", "Chen", "Dede", "Émile", "", "Ana"]),
        st.sampled_from(["Mexico", "México", "Kenya", "France", "", "Georgia"]),
        st.sampled_from(["", "Finance", "SFP"]),
        st.lists(st.sampled_from([*SEEDS[:4], "rare"]), max_size=3),
    ),
    max_size=70,
).map(lambda rows: [Attendee(k, *row) for k, row in enumerate(rows)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attendee_lists, st.integers(min_value=2, max_value=9))
def test_everyone_is_seated_exactly_once_at_balanced_tables(people: list[Attendee], size: int) -> None:
    plan = seat(people, size)
    seated = sorted(a.key for t in plan.tables for a in t.members)
    assert seated == sorted(a.key for a in people)
    sizes = [len(t.members) for t in plan.tables]
    assert sorted(sizes, reverse=True) == table_sizes(len(people), size)
    if sizes:
        assert max(sizes) - min(sizes) <= 1
    assert [t.number for t in plan.tables] == list(range(1, len(plan.tables) + 1))


@settings(max_examples=40, deadline=None)
@given(attendee_lists, st.integers(min_value=2, max_value=8), st.randoms(use_true_random=False))
def test_the_same_attendees_get_the_same_plan_whatever_their_order(
    people: list[Attendee], size: int, shuffle: random.Random
) -> None:
    plan = seat(people, size)
    assert seat(people, size) == plan
    reordered = list(people)
    shuffle.shuffle(reordered)
    again = seat(reordered, size)
    assert again.score == plan.score

    # Attendees identical in every field are interchangeable; anyone else sits where they sat.
    def fingerprint(tables: tuple[Table, ...]) -> list[list[tuple[str, str, str, tuple[str, ...]]]]:
        return [sorted((a.name, a.country, a.agency, a.pains) for a in t.members) for t in tables]

    assert fingerprint(again.tables) == fingerprint(plan.tables)


@settings(max_examples=40, deadline=None)
@given(attendee_lists, st.integers(min_value=2, max_value=8))
def test_a_focus_is_a_pain_point_two_or_more_at_the_table_named(people: list[Attendee], size: int) -> None:
    plan = seat(people, size)
    for table in plan.tables:
        assert len(table.focus) <= 2
        for pain in table.focus:
            assert sum(pain in a.pains for a in table.members) >= 2
    assert plan.score == evaluate([t.members for t in plan.tables])


def test_table_sizes_stay_within_one_of_the_requested_size_whenever_the_head_count_allows() -> None:
    for size in range(2, 13):
        for n in range(1, 400):
            sizes = table_sizes(n, size)
            assert sum(sizes) == n and max(sizes) - min(sizes) <= 1
            possible = any(t * (size - 1) <= n <= t * (size + 1) for t in range(1, n + 1))
            if possible:
                assert all(abs(s - size) <= 1 for s in sizes), (n, size, sizes)
            if n >= 2:
                assert min(sizes) >= 2, "nobody sits at a table alone"


def test_the_plan_reaches_the_exact_optimum_on_small_inputs() -> None:
    rnd = random.Random(2027)
    for _ in range(80):
        n = rnd.randint(2, 9)
        size = rnd.choice([2, 3, 4, 5, 6])
        people = _random_attendees(rnd, n, SEEDS[: rnd.choice([2, 3, 4, 6])], rnd.choice([1, 2, 3, 5]))
        assert seat(people, size).score == optimum(people, size), (people, size)


def test_shared_focus_outweighs_diversity() -> None:
    # Four from Mexico name funding, four from elsewhere name time: tables of four seat each
    # pain point together, although mixing would pair fewer compatriots.
    people = [Attendee(k, f"M{k}", "Mexico", "", ("funding",)) for k in range(4)]
    people += [Attendee(10 + k, f"O{k}", f"Country {k}", "", ("time",)) for k in range(4)]
    plan = seat(people, 4)
    assert plan.score.shared == 8
    assert sorted(t.focus for t in plan.tables) == [("funding",), ("time",)]
    assert plan.score == optimum(people, 4)


def test_nobody_sits_alone_with_their_pain_point_when_a_table_shares_it() -> None:
    # Two name staff turnover and nothing else: they sit together (a second focus), not apart.
    people = [Attendee(k, f"F{k}", f"Country {k}", "", ("funding",)) for k in range(6)]
    people += [
        Attendee(20, "S1", "Kenya", "", ("staff_turnover",)),
        Attendee(21, "S2", "Chile", "", ("staff_turnover",)),
    ]
    plan = seat(people, 4)
    assert plan.score.isolated == 0 and plan.score.shared == 8
    [table] = [t for t in plan.tables if any(a.key == 20 for a in t.members)]
    assert 21 in {a.key for a in table.members}
    assert set(table.focus) == {"funding", "staff_turnover"}


def test_diversity_spreads_countries_when_focus_is_not_at_stake() -> None:
    people = [Attendee(k, f"P{k}", ["Kenya", "Chile", "Georgia"][k % 3], "", ("time",)) for k in range(9)]
    plan = seat(people, 3)
    assert plan.score.country_pairs == 0 and plan.score.one_country == 0
    assert all(len({a.country for a in t.members}) == 3 for t in plan.tables)


def test_a_large_convening_seats_almost_everyone_by_shared_focus_within_the_bound() -> None:
    rnd = random.Random(5)
    people = _random_attendees(rnd, 2000, [*SEEDS, "rare_a", "rare_b", "rare_c"], 35)
    plan = seat(people, 6)
    named = [a for a in people if a.pains]
    demand = Counter(p for a in people for p in a.pains)
    shareable = sum(1 for a in named if any(demand[p] >= 2 for p in a.pains))
    assert plan.score.shared <= shareable  # the bound: nobody can share what nobody else named
    assert plan.score.shared >= 0.9 * len(named)
    assert plan.score.one_country == 0


def test_an_empty_list_gives_no_tables_and_sizes_out_of_range_are_refused() -> None:
    assert seat([], 6).tables == ()
    assert seat([], 6).score == Score(0, 0, 0, 0, 0, 0)
    with pytest.raises(ValueError):
        seat([Attendee(1, "A")], 1)
    with pytest.raises(ValueError):
        seat([Attendee(1, "A")], 1000)


# --- role-play ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("own", "role"),
    [
        ("Budget officer, Ministry of Finance", "budget_officer"),
        ("Oficial de presupuesto, Ministerio de Hacienda", "budget_officer"),
        ("Responsable des finances publiques", "budget_officer"),
        ("Periodista de investigación", "journalist"),
        ("Journaliste", "journalist"),
        ("Jefa de Gabinete del Ministro", "chief_of_staff"),
        ("Directrice de cabinet", "chief_of_staff"),
        ("OGP Point of Contact", "new_poc"),
        ("Punto de Contacto de Gobierno Abierto", "new_poc"),
        ("Député à l'Assemblée nationale", "parliamentarian"),
        ("Alcaldesa de Quito", "mayor"),
        ("Programme officer, USAID", "donor"),
        ("Transparency International chapter", "watchdog"),
        ("Contraloría General", "auditor"),
    ],
)
def test_own_roles_are_recognised_in_three_languages(own: str, role: str) -> None:
    assert role in own_roles(own)


def test_unrelated_words_do_not_rule_roles_out() -> None:
    assert own_roles("") == frozenset()
    assert "parliamentarian" not in own_roles("Ministry of Finance")
    assert "chief_of_staff" not in own_roles("Ministerio de Hacienda")  # a ministry is not a minister


def test_nobody_plays_their_own_role_and_roles_vary_across_a_table() -> None:
    texts = Texts.load()
    rnd = random.Random(9)
    jobs = [
        "Budget officer, Ministry of Finance", "Periodista", "Chef de cabinet du ministre", "Mayor",
        "Civil society activist", "Point of Contact", "Diputada", "Auditor", "", "Citizen",
        "Lawyer", "Head of digital", "Programme officer, World Bank",
    ]  # fmt: skip
    people = _random_attendees(rnd, 90, SEEDS, 12)
    own = {a.key: jobs[k % len(jobs)] for k, a in enumerate(people)}
    plan = seat(people, 6)
    for language in ("en", "es", "fr"):
        assigned = assign_roles(plan.tables, own, texts, language)
        names = {r.id: r.name for r in roles(texts, language)}
        for table in plan.tables:
            given = [assigned[a.key] for a in table.members]
            assert len({r.id for r in given}) == len(given), "no role twice at a table of this size"
            for a in table.members:
                assert assigned[a.key].id not in own_roles(own[a.key])
                assert assigned[a.key].name == names[assigned[a.key].id]
        assert assign_roles(plan.tables, own, texts, language) == assigned
    first = assign_roles(plan.tables, own, texts, "en")
    casts = {tuple(sorted(first[a.key].id for a in t.members)) for t in plan.tables}
    assert len(casts) > 1, "tables play different casts"


def test_someone_whose_own_role_matches_every_role_gets_the_fallback_role() -> None:
    texts = Texts.load()
    everything = (
        "budget civil society journalist minister citizen mayor donor parliament poc auditor "
        "digital legal official"
    )
    assert own_roles(everything) == frozenset(r.id for r in roles(texts, "en"))
    plan = seat([Attendee(1, "A", "X", "", ("time",)), Attendee(2, "B", "Y", "", ("time",))], 2)
    assigned = assign_roles(plan.tables, {1: everything, 2: ""}, texts, "fr")
    assert assigned[1].name == texts.get("convening.fallback_role", "fr")
    assert assigned[2].id != "fallback"


def test_briefs_are_built_around_the_focus_in_each_language() -> None:
    texts = Texts.load()
    for language in ("en", "es", "fr"):
        funding = brief(("funding",), {}, texts, language)
        assert texts.get("convening.pain_names.funding", language) in funding
        assert texts.get("convening.scenes.funding", language) in funding
        two = brief(("time", "funding"), {}, texts, language)
        assert texts.get("convening.pain_names.time", language) in two
        assert texts.get("convening.pain_names.funding", language) in two
        custom = brief(("data_quality",), {"data_quality": "Data quality"}, texts, language)
        assert "Data quality" in custom
        assert brief((), {}, texts, language) == texts.get("convening.brief_open", language)
    assert brief(("funding",), {}, texts, "es") != brief(("funding",), {}, texts, "en")
