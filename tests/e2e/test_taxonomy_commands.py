"""`/convene pains …` over signed HTTP: listing, changing, and deciding on emerging themes."""

import pytest
from sqlmodel import select

from bot.tagging import taxonomy, themes
from standins.harness import LocalSlack, wait_for
from storage.models import Answer, PainPoint
from tests import factories
from tests.e2e.conftest import FACILITATOR, MANILA, PLAIN, text_of
from tests.test_themes import INTEROPERABILITY

pytestmark = pytest.mark.e2e


def _pains(slack: LocalSlack) -> dict[str, PainPoint]:
    with slack.db.session() as session:
        return {p.slug: p for p in taxonomy.all_pain_points(session, slack.team_id)}


def test_pains_lists_the_taxonomy_with_counts_and_the_symptom_note(slack: LocalSlack) -> None:
    shown = text_of(slack.command(FACILITATOR, "pains"))
    assert "Pain points (6 active)" in shown
    assert (
        "*Staff turnover* `staff_turnover` · 0 in the last 4 weeks · _often a symptom of the others_" in shown
    )


def test_a_facilitator_adds_renames_merges_and_retires(slack: LocalSlack) -> None:
    added = text_of(
        slack.command(FACILITATOR, "pains add Procurement rules | Rules that slow down buying services")
    )
    assert "Added *Procurement rules* (`procurement_rules`)" in added
    assert _pains(slack)["procurement_rules"].description == "Rules that slow down buying services"
    renamed = text_of(slack.command(FACILITATOR, "pains rename procurement RULES to Public procurement"))
    assert "Renamed *Procurement rules* to *Public procurement*" in renamed
    merged = text_of(slack.command(FACILITATOR, 'pains merge "public procurement" into funding'))
    assert "Merged *Public procurement* into *Lack of financial resources*" in merged
    assert _pains(slack)["procurement_rules"].status == "merged"
    retired = text_of(slack.command(FACILITATOR, "pains retire Rapidly changing"))
    assert "Retired *Rapidly changing institutional environments*" in retired
    listing = text_of(slack.command(FACILITATOR, "pains"))
    assert "Pain points (5 active)" in listing and "Retired or merged" in listing


def test_names_containing_the_word_to_are_understood(slack: LocalSlack) -> None:
    slack.command(FACILITATOR, "pains add Access to information")
    reply = text_of(slack.command(FACILITATOR, "pains rename Access to information to Right to know"))
    assert "Renamed *Access to information* to *Right to know*" in reply


@pytest.mark.parametrize(
    ("command", "says"),
    [("pains retire lack of", "could be"), ("pains retire Lack of tme", "Did you mean *Lack of time*?"),
     ("pains retire banana", "No pain point called `banana`."), ("pains add", "Usage"),
     ("pains rename time", "Usage"), ("pains add Lack of time", "already a pain point called *Lack of time*"),
     ("pains merge time into time", "can't be merged into itself")],
)  # fmt: skip
def test_ambiguous_unknown_or_malformed_changes_are_explained_and_change_nothing(
    slack: LocalSlack, command: str, says: str
) -> None:
    before = {slug: (p.name, p.status) for slug, p in _pains(slack).items()}
    assert says in text_of(slack.command(FACILITATOR, command))
    assert {slug: (p.name, p.status) for slug, p in _pains(slack).items()} == before


def test_members_cannot_change_the_taxonomy(slack: LocalSlack) -> None:
    before = {slug: (p.name, p.status) for slug, p in _pains(slack).items()}
    for command in ("pains", "pains add Corruption", "pains retire time", "pains merge time into funding"):
        assert "is for facilitators" in text_of(slack.command(PLAIN, command))
    assert {slug: (p.name, p.status) for slug, p in _pains(slack).items()} == before


def _theme_ready(slack: LocalSlack) -> list[int]:
    texts = INTEROPERABILITY
    ids = factories.answers(slack.db, texts, slack.runtime.clock.now(), team_id=slack.team_id, authors=3)
    with slack.db.session() as session:
        for answer in session.exec(select(Answer)).all():
            answer.tagged_at = slack.runtime.clock.now()
            session.add(answer)
        session.commit()
        themes.propose(session, slack.team_id, "2026-W48", slack.runtime.clock.now())
    return ids


def test_emerging_themes_are_listed_with_adopt_and_dismiss(slack: LocalSlack) -> None:
    _theme_ready(slack)
    listing = slack.command(FACILITATOR, "pains")
    assert "Emerging themes proposed" in text_of(listing) and "3 answers" in text_of(listing)
    slack.events.click_button_in(FACILITATOR, listing, "theme_adopt")
    reply = wait_for(lambda: [r for r in slack.api.responses() if "adopted the theme" in r.get("text", "")])
    assert "3 answers tagged with it" in reply[0]["text"]
    assert any("interoperability" in slug for slug in _pains(slack))


def test_only_facilitators_can_adopt_a_theme(slack: LocalSlack) -> None:
    _theme_ready(slack)
    listing = slack.command(FACILITATOR, "pains")
    slack.events.click_button_in(MANILA, listing, "theme_adopt")
    wait_for(lambda: any("is for facilitators" in r.get("text", "") for r in slack.api.responses()))
    assert len(_pains(slack)) == 6
