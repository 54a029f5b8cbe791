"""Facilitators correcting tags over signed HTTP: from the `/convene pains` menu of a pain
point's answers and from App Home's "tags to check"; what wins afterwards; what they may read."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.texts import Texts
from standins.harness import LocalSlack, wait_for
from storage.models import Answer, AnswerTag, MachineGuess, PainPoint
from tests.e2e.conftest import FACILITATOR, MANILA, MEXICO, PLAIN, text_of
from tests.e2e.home_controls import open_home, send_action
from tests.e2e.test_checkin_flow import _modal_values

pytestmark = pytest.mark.e2e

TEXTS = Texts.load()
BUDGET = "The finance ministry cut the budget for our consultations and there is no money for travel."
QUOTABLE = "Our budget line for the open data portal disappeared in the new finance law."
COFFEE = "The coffee machine on our floor is broken again."


def _ids(slack: LocalSlack) -> dict[str, int]:
    with slack.db.session() as session:
        return {p.slug: p.id for p in session.exec(select(PainPoint)).all()}  # type: ignore[misc]


def _tags(slack: LocalSlack, answer_id: int) -> list[tuple[str, str]]:
    with slack.db.session() as session:
        rows = session.exec(
            select(PainPoint.slug, AnswerTag.source)
            .join(AnswerTag, AnswerTag.pain_point_id == PainPoint.id)
            .where(AnswerTag.answer_id == answer_id)
        ).all()
    return sorted((slug, source) for slug, source in rows)


def _answer(slack: LocalSlack, text: str) -> Answer:
    with slack.db.session() as session:
        return session.exec(select(Answer).where(Answer.text == text)).one()


def _dm_round(slack: LocalSlack, answers: dict[str, str]) -> None:
    for user in answers:
        slack.command(user, "join")
    slack.command(FACILITATOR, "checkin now")
    for user, words in answers.items():
        slack.events.dm(user, words)
        wait_for(lambda user=user: any("Saved as" in text_of(m) or "Guardado" in text_of(m)
                                       for m in slack.api.messages_to(user)))  # fmt: skip


def _form(
    slack: LocalSlack, user: str, words: str, pains: list[int] = (), level: str = "counts_only"
) -> None:
    view = slack.click_for_view(user, slack.api.messages_to(user)[-1], "checkin_answer")
    values = _modal_values(words, pain_ids=list(pains), level=level)
    assert slack.events.submit_view(user, view, values).status == 200


def _checkboxes(ids: list[int]) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": "p"}, "value": str(i)} for i in ids]
    return {"pains_0": {"type": "checkboxes", "selected_options": options}}


def _drilldown(slack: LocalSlack, user: str, value: str) -> dict[str, Any]:
    listing = slack.command(FACILITATOR, "pains")
    before = len(slack.api.responses())
    assert slack.events.choose_in(user, listing, "pains_answers", value).status == 200
    return wait_for(lambda: slack.api.responses()[before:])[0]


def test_a_facilitator_retags_an_answer_from_the_pains_drilldown(slack: LocalSlack) -> None:
    _dm_round(slack, {MANILA: BUDGET})
    slack.command(MEXICO, "join")
    slack.command(FACILITATOR, "checkin now")
    _form(slack, MEXICO, QUOTABLE, level="quote_anonymously")
    slack.tick()
    ids = _ids(slack)
    private, quotable = _answer(slack, BUDGET), _answer(slack, QUOTABLE)
    assert _tags(slack, private.id)[0] == ("funding", "offline")

    drilldown = _drilldown(slack, FACILITATOR, str(ids["funding"]))
    shown = text_of(drilldown)
    assert "Recent answers: Lack of financial resources" in shown
    # Words only where their author chose to be quoted anonymously (facilitators cannot read
    # answers in this workspace); the others say how many pain points they carry. No names.
    assert QUOTABLE in shown and BUDGET not in shown and "Jorge" not in shown
    assert "(words not shared: 1 pain point tagged)" in shown
    assert "Lack of financial resources (machine," in shown

    view = slack.click_for_view(FACILITATOR, drilldown, "answer_retag", value=str(private.id))
    form = text_of(view)
    assert "Lack of time" in form and BUDGET not in form
    ticked = [o["value"] for b in view["blocks"] if b["type"] == "input"
              for o in b["element"].get("initial_options", [])]  # fmt: skip
    assert ticked == [str(ids["funding"])]  # the form starts from the answer's tags
    response = slack.events.submit_view(FACILITATOR, view, _checkboxes([ids["time"], ids["political_will"]]))
    assert response.json()["response_action"] == "update"
    assert "Retagged: *Lack of time*, *Lack of political will*" in text_of(response.json()["view"]) or (
        "Retagged: *Lack of political will*, *Lack of time*" in text_of(response.json()["view"])
    )
    assert _tags(slack, private.id) == [("political_will", "facilitator"), ("time", "facilitator")]
    corrected = _answer(slack, BUDGET)
    assert corrected.corrected_by == FACILITATOR and corrected.corrected_at is not None
    assert _tags(slack, quotable.id) != []  # only the answer retagged changed


def test_a_facilitator_retags_from_app_home_what_the_tagger_could_not_tag(slack: LocalSlack) -> None:
    _dm_round(slack, {MANILA: COFFEE, MEXICO: BUDGET})
    slack.tick()
    coffee = _answer(slack, COFFEE)
    assert _tags(slack, coffee.id) == []
    home = open_home(slack, FACILITATOR)  # Fatima reads French
    shown = text_of(home)
    assert TEXTS.get("home.check_header", "fr") in shown
    assert TEXTS.get("retag.hidden_none", "fr") in shown  # counts only: nobody reads Maria's words
    retag_values = [e["value"] for b in home["blocks"] if (e := b.get("accessory"))
                    and e.get("action_id") == "answer_retag"]  # fmt: skip
    assert retag_values == [str(coffee.id)]  # the budget answer was tagged with confidence

    before = len(slack.api.open_views())
    assert send_action(slack, FACILITATOR, home, "answer_retag", value=str(coffee.id)).status == 200
    view = wait_for(lambda: slack.api.open_views()[before:])[0]
    assert TEXTS.get("retag.modal_title", "fr") in text_of(view)
    republished = slack.api.published_home(FACILITATOR)
    ids = _ids(slack)
    response = slack.events.submit_view(FACILITATOR, view, _checkboxes([ids["changing_environment"]]))
    assert response.json()["response_action"] == "update"
    assert _tags(slack, coffee.id) == [("changing_environment", "facilitator")]
    home = wait_for(
        lambda: (h := slack.api.published_home(FACILITATOR)) and h["hash"] != republished["hash"] and h
    )
    assert "answer_retag" not in str(home["blocks"])  # nothing left to check
    assert TEXTS.get("home.check_none", "fr") in text_of(home)


def test_a_correction_to_no_pain_point_is_kept_and_stays_off_the_list(slack: LocalSlack) -> None:
    _dm_round(slack, {MANILA: BUDGET})
    slack.tick()
    answer = _answer(slack, BUDGET)
    view = slack.click_for_view(FACILITATOR, _drilldown(slack, FACILITATOR, str(_ids(slack)["funding"])),
                                "answer_retag")  # fmt: skip
    response = slack.events.submit_view(FACILITATOR, view, {})
    assert "Retagged: no pain point" in text_of(response.json()["view"])
    assert _tags(slack, answer.id) == []
    untagged = text_of(_drilldown(slack, FACILITATOR, "none"))
    assert "Tags: none, as corrected by <@UFACIL001>" in untagged


def test_a_correction_wins_over_the_machine_and_a_members_later_choice_wins_over_it(
    slack: LocalSlack,
) -> None:
    slack.command(MANILA, "join")
    slack.command(FACILITATOR, "checkin now")
    _form(slack, MANILA, BUDGET)  # no pain point chosen: the machine tags it
    slack.tick()
    answer = _answer(slack, BUDGET)
    assert _tags(slack, answer.id) == [("funding", "offline")]
    ids = _ids(slack)
    view = slack.click_for_view(
        FACILITATOR, _drilldown(slack, FACILITATOR, str(ids["funding"])), "answer_retag"
    )
    slack.events.submit_view(FACILITATOR, view, _checkboxes([ids["time"]]))
    assert _tags(slack, answer.id) == [("time", "facilitator")]

    # Maria edits her words without choosing pain points: the machine reads them again, and
    # its guess is kept, but the correction stays the answer's tags.
    edit = wait_for(lambda: [m for m in slack.api.messages_to(MANILA) if "Edit my answer" in text_of(m)])[-1]
    again = slack.click_for_view(MANILA, edit, "checkin_edit")
    slack.events.submit_view(MANILA, again, _modal_values(BUDGET + " Again."))
    assert _answer(slack, BUDGET + " Again.").tagged_at is None
    slack.tick()
    assert _tags(slack, answer.id) == [("time", "facilitator")]
    with slack.db.session() as session:
        guessed = session.exec(
            select(MachineGuess.pain_point_id).where(MachineGuess.answer_id == answer.id)
        ).all()
    assert ids["funding"] in guessed

    # Then she picks her own pain point: the latest choice a person made wins.
    again = slack.click_for_view(MANILA, edit, "checkin_edit")
    slack.events.submit_view(MANILA, again, _modal_values(BUDGET, pain_ids=[ids["funding"]]))
    assert _tags(slack, answer.id) == [("funding", "member")]
    assert _answer(slack, BUDGET).corrected_at is None


def test_someone_who_is_not_a_facilitator_cannot_retag(slack: LocalSlack) -> None:
    _dm_round(slack, {MANILA: BUDGET})
    slack.tick()
    answer = _answer(slack, BUDGET)
    drilldown = _drilldown(slack, FACILITATOR, str(_ids(slack)["funding"]))
    view = slack.click_for_view(FACILITATOR, drilldown, "answer_retag")
    before = len(slack.api.responses())
    slack.events.click_button_in(PLAIN, drilldown, "answer_retag")
    assert "is for facilitators" in text_of(wait_for(lambda: slack.api.responses()[before:])[0])
    response = slack.events.submit_view(PLAIN, view, _checkboxes([_ids(slack)["time"]]))
    assert response.json()["response_action"] == "errors"
    assert "is for facilitators" in str(response.json()["errors"])
    # A Retag button from a facilitator's App Home, pressed by someone else (App Home has no
    # response_url: the refusal comes on their own Home).
    _dm_round(slack, {MEXICO: COFFEE})
    slack.tick()
    facilitator_home = open_home(slack, FACILITATOR)
    assert send_action(slack, PLAIN, facilitator_home, "answer_retag").status == 200
    refused = wait_for(lambda: (h := slack.api.published_home(PLAIN)) and "is for facilitators" in text_of(h))
    assert refused
    assert _tags(slack, answer.id) == [("funding", "offline")]
    assert _answer(slack, BUDGET).corrected_at is None


def test_with_raw_answers_on_the_drilldown_shows_the_words_members_were_told_facilitators_read(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _dm_round(slack, {MANILA: BUDGET})  # answered while facilitators could not read answers
    assert "can now read" in text_of(slack.command(FACILITATOR, "setup raw-answers on"))
    slack.command(MEXICO, "join")
    clock.advance(timedelta(minutes=2))
    slack.command(FACILITATOR, "checkin now")  # this check-in tells members facilitators read answers
    slack.events.dm(MEXICO, QUOTABLE)
    wait_for(lambda: len([m for m in slack.api.messages_to(MEXICO) if "checkin_details" in str(m)]) == 1)
    slack.tick()
    shown = text_of(_drilldown(slack, FACILITATOR, str(_ids(slack)["funding"])))
    assert QUOTABLE in shown and BUDGET not in shown
    assert "Jorge" not in shown and "Maria" not in shown
