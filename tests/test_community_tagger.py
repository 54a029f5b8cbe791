"""A community's own tagger: trained from its labels in the background, one training at a
time, only when the labels changed; answers wait for a training their taxonomy needs."""

from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.core.clock import ManualClock
from bot.tagging import PainPointSpec, Tag, pipeline, taxonomy
from bot.tagging.community import (
    EXAMPLE_CHARS,
    FEW_SHOT_CHARS,
    PER_PAIN,
    CommunityTaggers,
    few_shot,
    labelled_answers,
)
from bot.tagging.corrections import agreement, retag
from bot.tagging.learning import Example
from bot.tagging.offline import OfflineTagger
from storage.db import Database
from storage.models import Answer, AnswerTag, TagSource
from tests import factories

TAUGHT = [
    "Legal says we cannot publish the registry because it holds personal data.",
    "El delegado de protección de datos bloqueó la publicación de los contratos.",
    "La CNIL nous demande d'anonymiser chaque fichier avant toute ouverture.",
    "Privacy rules stop us from opening the beneficiaries list.",
    "We must anonymise every dataset by hand before release because of GDPR.",
]
NEW_ANSWER = "Our lawyers refuse to release the grants database over privacy concerns."


class HeldExecutor(Executor):
    """Runs what it is given only when told: the training's moment is the test's to choose."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.jobs.append((future, fn, args))
        return future

    def run_all(self) -> None:
        jobs, self.jobs = self.jobs, []
        for future, fn, args in jobs:
            future.set_result(fn(*args))


def _add_pain(db: Database, clock: ManualClock, name: str) -> int:
    with db.session() as session:
        pain = taxonomy.add(session, factories.TEAM, name, "", "UFACIL", clock.now())
        assert pain.id is not None
        return pain.id


def _specs(db: Database) -> list[PainPointSpec]:
    with db.session() as session:
        return taxonomy.specs(taxonomy.active_pain_points(session, factories.TEAM))


def _tick_tagging(db: Database, taggers: CommunityTaggers, clock: ManualClock) -> int:
    with db.session() as session:
        return pipeline.tag_pending_with(
            session, factories.TEAM, lambda specs: taggers.tagger_for(factories.TEAM, specs), clock.now()
        )


def _label(db: Database, ids: list[int], pain_id: int, clock: ManualClock, ticked: bool = False) -> None:
    """Members' own ticks (unless `ticked` already) on answers the machine has read."""
    with db.session() as session:
        for answer_id in ids:
            if not ticked:
                session.add(AnswerTag(answer_id=answer_id, pain_point_id=pain_id, source=TagSource.MEMBER))
            answer = session.get(Answer, answer_id)
            assert answer is not None
            answer.tagged_at = clock.now()
            session.add(answer)
        session.commit()


def test_training_happens_in_the_background_once_per_change_and_answers_wait_for_it(
    db: Database, clock: ManualClock
) -> None:
    factories.workspace(db)
    base = OfflineTagger()
    held = HeldExecutor()
    taggers = CommunityTaggers(base, db, executor=held)
    assert taggers.learn(factories.TEAM) is False  # nothing labelled: the shared tagger will do
    assert taggers.tagger_for(factories.TEAM, _specs(db)) is base

    pain_id = _add_pain(db, clock, "Data protection")
    _label(db, factories.answers(db, TAUGHT, clock.now()), pain_id, clock)
    [new_answer] = factories.answers(db, [NEW_ANSWER], clock.now())
    assert taggers.learn(factories.TEAM) is True
    assert taggers.learn(factories.TEAM) is False  # one training at a time
    assert taggers.busy()
    assert _tick_tagging(db, taggers, clock) == 0  # the new answer waits for its tagger
    held.run_all()
    assert not taggers.busy() and taggers.trainings == 1
    own = taggers.tagger_for(factories.TEAM, _specs(db))
    assert own is not None and own is not base
    assert _tick_tagging(db, taggers, clock) == 1
    with db.session() as session:
        tags = session.exec(select(AnswerTag).where(AnswerTag.answer_id == new_answer)).all()
    assert pain_id in {t.pain_point_id for t in tags}
    assert taggers.learn(factories.TEAM) is False  # the same labels: nothing to retrain
    # The shared tagger learned nothing: each community's examples stay its own.
    assert base.examples == []

    # A facilitator's correction changes the labels: a new training, with it.
    with db.session() as session:
        retag(session, factories.TEAM, new_answer, [pain_id], "UFACIL", clock.now())
        assert NEW_ANSWER in {item.text for item in labelled_answers(session, factories.TEAM)}
    assert taggers.learn(factories.TEAM) is True
    assert taggers.tagger_for(factories.TEAM, _specs(db)) is own  # same taxonomy: no waiting
    held.run_all()
    assert taggers.trainings == 2


def test_answers_not_yet_read_by_the_machine_teach_nothing(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    pain_id = _add_pain(db, clock, "Data protection")
    ids = factories.answers(db, TAUGHT, clock.now())
    with db.session() as session:
        for answer_id in ids:
            session.add(AnswerTag(answer_id=answer_id, pain_point_id=pain_id, source=TagSource.MEMBER))
        session.commit()
        assert labelled_answers(session, factories.TEAM) == []  # agreement stays honest
    _label(db, ids[:2], pain_id, clock, ticked=True)
    with db.session() as session:
        assert {item.answer_id for item in labelled_answers(session, factories.TEAM)} == set(ids[:2])


def test_few_shot_examples_are_recent_bounded_per_pain_point_and_within_the_budget() -> None:
    specs = [PainPointSpec("time", "Lack of time"), PainPointSpec("funding", "Lack of funding")]
    examples = [Example(f"time example {i} " + "x" * 400, frozenset({"time"})) for i in range(6)]
    examples += [Example(f"funding example {i}", frozenset({"funding"})) for i in range(6)]
    examples += [Example("retired one", frozenset({"gone"})), Example("none of them", frozenset())]
    chosen = few_shot(examples, specs)
    assert [e.text.split(" x")[0] for e in chosen if "time" in e.slugs] == [
        f"time example {i}" for i in range(PER_PAIN)
    ]  # the most recent first
    assert sum("funding" in e.slugs for e in chosen) == PER_PAIN
    assert all(len(e.text) <= EXAMPLE_CHARS for e in chosen)
    assert not any(e.slugs == frozenset({"gone"}) for e in chosen)
    assert any(not e.slugs for e in chosen)
    many = [Example("y" * 290, frozenset({f"p{i}"})) for i in range(40)]
    wide = [PainPointSpec(f"p{i}", f"P {i}") for i in range(40)]
    assert sum(len(e.text) for e in few_shot(many, wide)) <= FEW_SHOT_CHARS


class Fixed:
    """A tagger that always says the same, to know the machine's guesses exactly."""

    name = "offline"

    def __init__(self, slug: str) -> None:
        self.slug = slug

    def tag(self, texts: Any, taxonomy: Any) -> list[list[Tag]]:
        return [[Tag(self.slug, 0.9)] for _ in texts]


def test_agreement_counts_answers_tagged_exactly_as_members_ticked_them(
    db: Database, clock: ManualClock
) -> None:
    factories.workspace(db)
    with db.session() as session:
        ids = {p.slug: p.id for p in taxonomy.active_pain_points(session, factories.TEAM)}
    same, other, both = factories.answers(db, ["a", "b", "c"], clock.now())
    factories.answers(db, ["never ticked"], clock.now())
    with db.session() as session:
        for answer_id, slugs in ((same, ["funding"]), (other, ["time"]), (both, ["funding", "time"])):
            for slug in slugs:
                session.add(AnswerTag(answer_id=answer_id, pain_point_id=ids[slug], source=TagSource.MEMBER))
        session.commit()
        assert agreement(session, factories.TEAM, clock.now()).answers == 0  # nothing read yet
        pipeline.tag_pending(session, factories.TEAM, Fixed("funding"), clock.now())
        result = agreement(session, factories.TEAM, clock.now())
        assert (result.agreed, result.answers) == (1, 3)
        # Only the last 8 weeks count.
        assert agreement(session, factories.TEAM, clock.now() + timedelta(weeks=9)).answers == 0
        # The machine's tags went nowhere near the members' choices.
        kept = session.exec(select(AnswerTag.source).where(AnswerTag.answer_id == other)).all()
        assert kept == [TagSource.MEMBER]
