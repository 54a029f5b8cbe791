"""Each community's tagger learns from its members' own ticks, on the scheduler's tick and in
the background; facilitators see how often the machine agrees with members."""

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.texts import Texts
from bot.tagging import taxonomy
from bot.tagging.community import CommunityTaggers
from standins.harness import LocalSlack, wait_for
from storage.models import Answer, AnswerTag, MachineGuess, PainPoint, TagSource
from tests.e2e.conftest import ADMIN, FACILITATOR, MANILA, MEXICO, PLAIN, text_of
from tests.e2e.home_controls import open_home
from tests.e2e.test_checkin_flow import _modal_values

pytestmark = pytest.mark.e2e

TEXTS = Texts.load()
# Members' answers about a pain point the seed taxonomy lacks, in three languages.
TAUGHT = {
    MANILA: "Legal says we cannot publish the registry because it holds personal data.",
    MEXICO: "El delegado de protección de datos bloqueó la publicación de los contratos.",
    FACILITATOR: "La CNIL nous demande d'anonymiser chaque fichier avant toute ouverture.",
    PLAIN: "Privacy rules stop us from opening the beneficiaries list.",
    ADMIN: "We must anonymise every dataset by hand before release because of GDPR.",
}
NEW_ANSWER = "Our lawyers refuse to release the grants database over privacy concerns."


def _round(slack: LocalSlack, clock: ManualClock) -> None:
    clock.advance(timedelta(minutes=5))  # a new manual round
    slack.command(FACILITATOR, "checkin now")


def _submit(slack: LocalSlack, user: str, words: str, pain_ids: list[int]) -> None:
    view = slack.click_for_view(user, slack.api.messages_to(user)[-1], "checkin_answer")
    assert slack.events.submit_view(user, view, _modal_values(words, pain_ids=pain_ids)).status == 200


def _slugs_of(slack: LocalSlack, text: str) -> set[tuple[str, str]]:
    with slack.db.session() as session:
        rows = session.exec(
            select(PainPoint.slug, AnswerTag.source)
            .join(AnswerTag, AnswerTag.pain_point_id == PainPoint.id)
            .join(Answer, Answer.id == AnswerTag.answer_id)
            .where(Answer.text == text)
        ).all()
    return {(slug, source) for slug, source in rows}


def test_a_pain_point_added_later_is_learned_from_members_ticks_and_tags_a_new_dm_answer(
    slack: LocalSlack, clock: ManualClock
) -> None:
    added = text_of(slack.command(FACILITATOR, "pains add Data protection"))
    assert "Added *Data protection*" in added
    for user in TAUGHT:
        slack.command(user, "join")
    _round(slack, clock)
    with slack.db.session() as session:
        new_id = session.exec(select(PainPoint.id).where(PainPoint.slug == "data_protection")).one()
        specs = taxonomy.specs(taxonomy.active_pain_points(session, slack.team_id))
    for user, words in TAUGHT.items():
        _submit(slack, user, words, [new_id])

    # The shared tagger, which knows the new pain point by its name only, does not see it here.
    untaught = slack.runtime.tagger.tag([NEW_ANSWER], specs)[0]
    assert "data_protection" not in {t.slug for t in untaught}

    taggers = slack.runtime.taggers
    assert isinstance(taggers, CommunityTaggers)
    slack.tick()  # the machine gives its own guesses first: the answers teach nothing yet
    assert taggers.trainings == 0
    slack.tick()  # now they are labels: the community's tagger is trained in the background
    assert taggers.trainings == 1

    _round(slack, clock)
    slack.events.dm(MANILA, NEW_ANSWER)
    wait_for(lambda: any("Saved as" in text_of(m) for m in slack.api.messages_to(MANILA)))
    slack.tick()
    assert ("data_protection", "offline") in _slugs_of(slack, NEW_ANSWER)
    assert taggers.trainings == 1  # nothing new to learn from: no second training


def test_facilitators_see_how_often_tags_agree_with_members_own_choices(
    slack: LocalSlack, clock: ManualClock
) -> None:
    answers = {
        MANILA: ("The finance ministry cut the budget for our consultations.", "funding"),
        MEXICO: ("No tenemos presupuesto para los foros regionales.", "funding"),
        PLAIN: ("There is no money left for the open data portal.", "funding"),
        ADMIN: ("Our budget was cut again this year.", "time"),  # a member's own, other view
    }
    for user in answers:
        slack.command(user, "join")
    _round(slack, clock)
    with slack.db.session() as session:
        ids = {p.slug: p.id for p in session.exec(select(PainPoint)).all()}
    for user, (words, slug) in answers.items():
        _submit(slack, user, words, [ids[slug]])
    shown = text_of(open_home(slack, FACILITATOR))
    assert TEXTS.get("home.agreement_none", "fr") in shown  # the machine has not read them yet
    slack.tick()

    # What the machine guessed, compared with the members' ticks, answer by answer.
    with slack.db.session() as session:
        agreed = 0
        for answer in session.exec(select(Answer)).all():
            guessed = set(session.exec(select(MachineGuess.pain_point_id)
                                       .where(MachineGuess.answer_id == answer.id)).all())  # fmt: skip
            ticked = set(session.exec(select(AnswerTag.pain_point_id).where(
                AnswerTag.answer_id == answer.id, AnswerTag.source == TagSource.MEMBER)).all())  # fmt: skip
            agreed += guessed == ticked
    assert 0 < agreed < len(answers)  # the figure can go either way
    rate = f"{agreed / len(answers):.0%}"
    shown = text_of(open_home(slack, FACILITATOR))
    assert TEXTS.get("home.agreement", "fr", agreed=agreed, answers=len(answers), rate=rate) in shown

    clock.advance(timedelta(weeks=9))  # outside the last 8 weeks
    assert TEXTS.get("home.agreement_none", "fr") in text_of(open_home(slack, FACILITATOR))
