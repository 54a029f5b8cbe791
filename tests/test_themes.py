"""Emerging themes: what fits no pain point is clustered, proposed, adopted or dismissed."""

import json
from datetime import timedelta

from sqlmodel import select

from bot.core.clock import ManualClock
from bot.tagging import taxonomy, themes
from storage.db import Database
from storage.models import Answer, AnswerTag, Consent, EmergingTheme, PainPoint, TagSource, ThemeStatus
from tests import factories

INTEROPERABILITY = [
    "We cannot share data between agencies because there is no data interoperability.",
    "Data interoperability between ministries is a nightmare, there are no common standards.",
    "Our agencies use different data formats and there is no interoperability framework.",
]
CYBERSECURITY = [
    "The portal was hacked last month and we worry about cybersecurity.",
    "Cybersecurity of the open data portal is weak; we had an attack.",
    "Portal security incident: hackers defaced the open data portal.",
]
STRAYS = [
    "We need translation of the action plan into indigenous languages.",
    "The coffee machine is broken.",
]


def _seen_by_tagger(db: Database, ids: list[int], clock: ManualClock) -> None:
    with db.session() as session:
        for answer_id in ids:
            answer = session.get(Answer, answer_id)
            answer.tagged_at = clock.now()
            session.add(answer)
        session.commit()


def _propose(db: Database, clock: ManualClock, key: str = "2026-W48") -> list[EmergingTheme]:
    with db.session() as session:
        return themes.propose(session, factories.TEAM, key, clock.now())


def test_answers_that_fit_nothing_become_proposed_themes_of_at_least_three(
    db: Database, clock: ManualClock
) -> None:
    factories.workspace(db)
    ids = factories.answers(db, INTEROPERABILITY + CYBERSECURITY + STRAYS, clock.now(), authors=8)
    _seen_by_tagger(db, ids, clock)
    proposed = _propose(db, clock)
    assert len(proposed) == 2
    with db.session() as session:
        groups = sorted(sorted(t.answer_id for t in themes_answers(session, p.id)) for p in proposed)
    assert groups == [ids[0:3], ids[3:6]]
    names = " ".join(p.name.lower() for p in proposed)
    assert "interoperability" in names and ("portal" in names or "cybersecurity" in names)


def themes_answers(session, theme_id: int):
    from storage.models import ThemeAnswer

    return session.exec(select(ThemeAnswer).where(ThemeAnswer.theme_id == theme_id)).all()


def test_examples_quote_members_only_with_their_consent(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    private = factories.answers(db, INTEROPERABILITY, clock.now(), authors=3)
    _seen_by_tagger(db, private, clock)
    [theme] = _propose(db, clock)
    examples = json.loads(theme.examples)
    assert len(examples) == 2
    assert not any(example in text for example in examples for text in INTEROPERABILITY if len(example) > 30)
    assert all(len(e.split()) <= 3 for e in examples)  # shared word pairs, not sentences


def test_consenting_members_words_can_be_examples(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    ids = factories.answers(db, CYBERSECURITY, clock.now(), consent=Consent.QUOTE_ANONYMOUSLY, authors=3)
    _seen_by_tagger(db, ids, clock)
    [theme] = _propose(db, clock)
    assert all(example in CYBERSECURITY for example in json.loads(theme.examples))


def test_tagged_or_not_yet_tagged_answers_are_not_clustered(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    ids = factories.answers(db, INTEROPERABILITY, clock.now(), authors=3)
    assert _propose(db, clock) == []  # the tagger hasn't looked at them yet
    _seen_by_tagger(db, ids, clock)
    with db.session() as session:
        pain = taxonomy.active_pain_points(session, factories.TEAM)[0]
        session.add(
            AnswerTag(answer_id=ids[0], pain_point_id=pain.id, source=TagSource.OFFLINE, confidence=0.7)
        )
        session.commit()
    assert _propose(db, clock) == []  # two left: fewer than three


def test_the_weekly_run_is_claimed_once(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    with db.session() as session:
        assert themes.claim_week(session, factories.TEAM, "2026-W48", clock.now()) is True
        assert themes.claim_week(session, factories.TEAM, "2026-W48", clock.now()) is False
        assert themes.claim_week(session, factories.TEAM, "2026-W49", clock.now()) is True


def test_adopting_creates_the_pain_point_and_tags_the_answers_it_came_from(
    db: Database, clock: ManualClock
) -> None:
    factories.workspace(db)
    ids = factories.answers(db, INTEROPERABILITY, clock.now(), authors=3)
    _seen_by_tagger(db, ids, clock)
    [theme] = _propose(db, clock)
    with db.session() as session:
        pain, count = themes.adopt(session, factories.TEAM, theme.id, "UFACIL", clock.now())
        assert count == 3
        assert pain.name == theme.name and pain.status == "active"
        tags = session.exec(select(AnswerTag).where(AnswerTag.pain_point_id == pain.id)).all()
        assert sorted(t.answer_id for t in tags) == ids and {t.source for t in tags} == {TagSource.THEME}
        assert session.get(EmergingTheme, theme.id).status == ThemeStatus.ADOPTED
        assert themes.adopt(session, factories.TEAM, theme.id, "UFACIL", clock.now()) is None  # once
        assert themes.adopt(session, "T0OTHER", theme.id, "UFACIL", clock.now()) is None  # not theirs


def test_dismissed_themes_are_not_proposed_again(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    ids = factories.answers(db, INTEROPERABILITY, clock.now(), authors=3)
    _seen_by_tagger(db, ids, clock)
    [theme] = _propose(db, clock)
    with db.session() as session:
        assert themes.dismiss(session, factories.TEAM, theme.id, "UFACIL", clock.now()) is not None
        assert themes.proposed(session, factories.TEAM) == []
    clock.advance(timedelta(days=7))
    assert _propose(db, clock, "2026-W49") == []


def test_answers_shared_with_matched_peers_are_not_theme_examples(db: Database, clock: ManualClock) -> None:
    # Sharing with one's matched peers, by name, is not consent to be quoted to coordinators.
    factories.workspace(db)
    ids = factories.answers(db, CYBERSECURITY, clock.now(), consent=Consent.SHARE_WITH_MATCHES, authors=3)
    _seen_by_tagger(db, ids, clock)
    [theme] = _propose(db, clock)
    assert not any(example in CYBERSECURITY for example in json.loads(theme.examples))


def test_one_member_writing_three_times_is_not_a_theme(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    ids = factories.answers(db, INTEROPERABILITY, clock.now(), authors=1)
    _seen_by_tagger(db, ids, clock)
    assert _propose(db, clock) == []


SURNAMES = [
    # Member 1 names a minister twice; member 2 names a different person whose name shares
    # its first seven letters; member 3 names nobody. No name is what the community says.
    "Minister Fernandez blocks the procurement portal reform again.",
    "Fernandez refuses to publish the procurement portal contracts.",
    "Director Fernando delays every procurement portal contracts release.",
    "The procurement portal data are still unpublished this quarter.",
]


def test_a_word_enters_a_theme_only_if_three_members_wrote_it(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    first = factories.answers(db, SURNAMES[:2], clock.now(), authors=1)
    rest = factories.answers(db, SURNAMES[2:], clock.now(), authors=2)
    _seen_by_tagger(db, first + rest, clock)
    [theme] = _propose(db, clock)
    shown = " ".join([theme.name, theme.keywords, *json.loads(theme.examples)]).lower()
    assert "procurement" in shown and "portal" in shown  # all three wrote these
    assert "fernand" not in shown  # one wrote "Fernandez", another "Fernando": neither is shared
    assert "contracts" not in shown  # three answers, but only two members
    with db.session() as session:
        pain, _ = themes.adopt(session, factories.TEAM, theme.id, "UFACIL", clock.now())
        description = session.get(PainPoint, pain.id).description.lower()
    assert "procurement" in description and "fernand" not in description


def test_exact_words_never_merge_different_names() -> None:
    from bot.tagging.clustering import tokens

    assert tokens("Fernandez") != tokens("Fernando")
    assert tokens("Interoperability, INTEROPERABILITY") == ["interoperability", "interoperability"]
    assert tokens("Fernández") == tokens("fernandez")  # accents and case only


PORTAL_ATTACK = [
    "The open data portal was hacked last month and we worry about cybersecurity.",
    "Hackers atacaron el portal de datos abiertos y nos preocupa la ciberseguridad.",
    "Le portail de données ouvertes a été piraté, la cybersécurité nous inquiète.",
]
ELSEWHERE = [
    "We need translation of the action plan into indigenous languages.",
    "Civil society organisations no longer trust the process after last year's plan.",
]


def test_one_theme_gathers_the_same_concern_written_in_english_spanish_and_french(
    db: Database, clock: ManualClock
) -> None:
    from bot.tagging.clustering import cluster

    # Words alone cannot see it: the three answers share almost none.
    assert cluster(PORTAL_ATTACK + ELSEWHERE, min_size=3) == []
    factories.workspace(db)
    ids = factories.answers(db, PORTAL_ATTACK + ELSEWHERE, clock.now(), authors=5)
    _seen_by_tagger(db, ids, clock)
    [theme] = _propose(db, clock)
    with db.session() as session:
        gathered = sorted(t.answer_id for t in themes_answers(session, theme.id))
    assert gathered == ids[:3]
