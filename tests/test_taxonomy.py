"""The taxonomy as facilitators change it: names, merges with history, retirement."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.tagging import taxonomy
from storage.db import Database
from storage.models import AnswerTag, PainPoint, PainPointEvent, TagSource
from tests import factories

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def _pain(db: Database, name: str) -> PainPoint:
    with db.session() as session:
        found = taxonomy.resolve(session, factories.TEAM, name, include_inactive=True).found
        assert found is not None
        return found


def test_the_seed_has_six_pain_points_and_marks_turnover_as_a_symptom(db: Database) -> None:
    factories.workspace(db)
    with db.session() as session:
        pains = taxonomy.active_pain_points(session, factories.TEAM)
    seed = [
        "time",
        "political_will",
        "funding",
        "staff_turnover",
        "understanding_open_gov",
        "changing_environment",
    ]
    assert [p.slug for p in pains] == seed
    assert [p.slug for p in pains if p.is_symptom] == ["staff_turnover"]
    assert all(p.description for p in pains)


@pytest.mark.parametrize(
    ("typed", "slug"),
    [("lack of time", "time"), ("LACK OF TIME", "time"), ("political_will", "political_will"),
     ("turnover", "staff_turnover"), ("financial", "funding")],
)  # fmt: skip
def test_names_match_case_insensitively_and_by_unique_part(db: Database, typed: str, slug: str) -> None:
    factories.workspace(db)
    with db.session() as session:
        assert taxonomy.resolve(session, factories.TEAM, typed).found.slug == slug  # type: ignore[union-attr]


def test_ambiguous_and_unknown_names_offer_candidates(db: Database) -> None:
    factories.workspace(db)
    with db.session() as session:
        ambiguous = taxonomy.resolve(session, factories.TEAM, "lack of")
        assert ambiguous.found is None and len(ambiguous.candidates) >= 3
        typo = taxonomy.resolve(session, factories.TEAM, "Lack of tme")
        assert typo.found is None and [p.slug for p in typo.candidates][:1] == ["time"]


def test_adding_gives_a_stable_slug_and_refuses_duplicates(db: Database) -> None:
    factories.workspace(db)
    with db.session() as session:
        pain = taxonomy.add(session, factories.TEAM, "Procurement rules", "Rules that slow buying", "UF", NOW)
        assert pain.slug == "procurement_rules"
        with pytest.raises(taxonomy.TaxonomyError) as error:
            taxonomy.add(session, factories.TEAM, "procurement RULES", "", "UF", NOW)
        assert error.value.key == "pains.exists"
        with pytest.raises(taxonomy.TaxonomyError):
            taxonomy.add(session, factories.TEAM, "   ", "", "UF", NOW)


def test_renaming_keeps_the_slug(db: Database) -> None:
    factories.workspace(db)
    with db.session() as session:
        pain = taxonomy.resolve(session, factories.TEAM, "Lack of time").found
        taxonomy.rename(session, pain, "Not enough hours", "UF", NOW)  # type: ignore[arg-type]
    renamed = _pain(db, "Not enough hours")
    assert renamed.slug == "time"


def _tag(db: Database, answer_id: int, pain: PainPoint, source: str, confidence: float) -> None:
    with db.session() as session:
        session.add(
            AnswerTag(answer_id=answer_id, pain_point_id=pain.id, source=source, confidence=confidence)
        )
        session.commit()


def test_merging_moves_past_tags_keeps_the_stronger_and_keeps_history(db: Database, clock) -> None:
    factories.workspace(db)
    answers = factories.answers(db, ["one", "two", "three"], clock.now())
    turnover, time_ = _pain(db, "staff turnover"), _pain(db, "lack of time")
    _tag(db, answers[0], turnover, TagSource.OFFLINE, 0.6)
    _tag(db, answers[1], turnover, TagSource.MEMBER, 1.0)
    _tag(db, answers[1], time_, TagSource.OFFLINE, 0.4)  # both on one answer
    with db.session() as session:
        moved = taxonomy.merge(session, turnover, time_, "UF", NOW)
    assert moved == 2
    with db.session() as session:
        tags = {(t.answer_id, t.pain_point_id): t for t in session.exec(select(AnswerTag)).all()}
        assert set(tags) == {(answers[0], time_.id), (answers[1], time_.id)}
        assert tags[(answers[1], time_.id)].source == TagSource.MEMBER  # the member's choice survived
        assert tags[(answers[0], time_.id)].merged_from_id == turnover.id
        merged = session.get(PainPoint, turnover.id)
        assert (merged.status, merged.merged_into_id) == ("merged", time_.id)
        assert [e.action for e in session.exec(select(PainPointEvent)).all()] == ["merge"]


def test_retired_pain_points_stay_on_old_answers_but_are_not_offered(db: Database, clock) -> None:
    factories.workspace(db)
    [answer] = factories.answers(db, ["Budget cut"], clock.now())
    funding = _pain(db, "funding")
    _tag(db, answer, funding, TagSource.MEMBER, 1.0)
    with db.session() as session:
        taxonomy.retire(session, funding, "UF", NOW)
        assert "funding" not in [p.slug for p in taxonomy.active_pain_points(session, factories.TEAM)]
        assert session.get(AnswerTag, (answer, funding.id)) is not None
        # Adding the same name again brings it back with its history and slug.
        again = taxonomy.add(session, factories.TEAM, "Lack of financial resources", "", "UF", NOW)
        assert again.id == funding.id and again.slug == "funding"
