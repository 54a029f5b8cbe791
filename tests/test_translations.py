"""Translations in `prompts/<xx>.toml`: same shape as English, same placeholders, within Slack's
limits, and picked by the member's Slack locale with a key-by-key fallback to English."""

import re
import string
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.texts import Texts

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
TRANSLATIONS = ["es", "fr"]

# Tables a member sees, and the member-facing keys of `[match]`: each translation covers them all.
# `commands` holds help, refusals, "I don't know" and errors; `install` what anyone is told when
# Convene was uninstalled.
MEMBER_TABLES = [
    "checkin", "modal", "profile", "join", "pause", "resume", "leave", "me", "home", "forget", "calendar",
    "commands", "install", "privacy", "workspace",
]  # fmt: skip
MEMBER_MATCH_KEYS = [
    "intro_header", "intro", "intro_no_shared", "contexts", "own_words_header", "own_words_line",
    "meeting", "meeting_stretched", "meeting_none", "meeting_time", "starter_header", "footer",
    "followup", "followup_notification", "met_button", "not_met_button", "helped_button",
    "not_helped_button", "thanks_met", "thanks_not_met", "thanks_helped", "thanks_not_helped",
    "not_yours", "left_out_alone", "left_out_avoided", "paused_ignored", "no_shared", "starters",
    "intro_pair", "intro_no_shared_pair", "followup_no_shared", "followup_last_week", "followup_this_week",
]  # fmt: skip

# Slack's limits (Block Kit): modal title/submit/close and confirm buttons 24 characters,
# option texts 75, placeholders 150, buttons 75 (30 keeps them on one line on a phone).
TITLE_LIMIT = 24
OPTION_LIMIT = 75
PLACEHOLDER_LIMIT = 150
BUTTON_LIMIT = 30
TITLES = [
    "modal.title", "modal.details_title", "modal.submit", "modal.close", "profile.title",
    "profile.submit", "forget.confirm_yes", "forget.confirm_no",
]  # fmt: skip
OPTIONS = [
    "modal.match_option", "profile.lead_option",
    # The consent levels: radio options (name and one-sentence description) and a select.
    "privacy.counts_only", "privacy.counts_only_sentence", "privacy.counts_only_sentence_readable",
    "privacy.share_with_matches", "privacy.share_with_matches_sentence", "privacy.quote_anonymously",
    "privacy.quote_anonymously_sentence", "home.frequency_1",
    "home.frequency_2", "home.frequency_4", "home.language_auto", "home.language_en", "home.language_es",
    "home.language_fr",
]  # fmt: skip
PLACEHOLDERS = [
    "modal.challenge_placeholder", "modal.pains_placeholder", "profile.country_placeholder",
    "profile.agency_placeholder", "home.pause_placeholder",
]  # fmt: skip
BUTTONS = [
    "checkin.answer_button", "checkin.skip_button", "checkin.pause_button", "checkin.edit_button",
    "checkin.details_button", "join.profile_button", "forget.button", "match.met_button",
    "match.not_met_button", "match.helped_button", "match.not_helped_button", "home.join_button",
    "home.resume_button", "home.turn_on", "home.turn_off",
]  # fmt: skip


def _load(language: str) -> dict:
    return tomllib.loads((PROMPTS / f"{language}.toml").read_text("utf-8"))


def _leaves(table: dict, prefix: str = "") -> Iterator[tuple[str, object]]:
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _leaves(value, f"{path}.")
        else:
            yield path, value


def _value(table: dict, dotted: str) -> object:
    node: object = table
    for part in dotted.split("."):
        assert isinstance(node, dict) and part in node, f"missing {dotted}"
        node = node[part]
    return node


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


ENGLISH = _load("en")
ENGLISH_LEAVES = dict(_leaves(ENGLISH))


@pytest.fixture(params=TRANSLATIONS)
def language(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def translation(language: str) -> dict:
    return _load(language)


def test_every_translated_key_exists_in_english(language: str, translation: dict) -> None:
    stray = [key for key, _ in _leaves(translation) if key not in ENGLISH_LEAVES]
    assert stray == [], f"{language}.toml has keys English does not: {stray}"


def test_every_translated_value_has_the_english_type(translation: dict) -> None:
    for key, value in _leaves(translation):
        if key in ENGLISH_LEAVES:
            english = ENGLISH_LEAVES[key]
            assert type(value) is type(english), key
            if isinstance(value, list):
                assert all(type(item) is str for item in value), key


def test_lists_keep_the_english_length(translation: dict) -> None:
    # The support scale maps option n to score n; the starters rotate by group id.
    for key, value in _leaves(translation):
        if isinstance(value, list):
            assert len(value) == len(ENGLISH_LEAVES[key]), key


def test_placeholders_are_exactly_the_english_ones(translation: dict) -> None:
    for key, value in _leaves(translation):
        if key not in ENGLISH_LEAVES:
            continue  # reported by test_every_translated_key_exists_in_english
        english = ENGLISH_LEAVES[key]
        for i, text in enumerate(_strings(value)):
            expected = _strings(english)[i] if isinstance(english, list) else english
            assert _placeholders(text) == _placeholders(expected), key


def test_every_member_facing_text_is_translated(translation: dict) -> None:
    required = [key for key in ENGLISH_LEAVES if key.split(".")[0] in MEMBER_TABLES]
    required += [f"match.{key}" for key in MEMBER_MATCH_KEYS]
    translated = dict(_leaves(translation))
    missing = [key for key in required if key not in translated]
    assert missing == []
    untouched = [k for k in required if translated[k] == ENGLISH_LEAVES[k] and _has_words(translated[k])]
    assert untouched == [], f"left in English: {untouched}"


def _has_words(value: object) -> bool:
    """Texts with prose in them (not `Convene`, `2`, or a bare `{date} · {excerpt}` line)."""
    prose = ["".join(literal for literal, *_ in string.Formatter().parse(text)) for text in _strings(value)]
    return any(sum(ch.isalpha() for ch in p) > 8 for p in prose)


def test_slack_length_limits_hold(language: str, translation: dict) -> None:
    for key, limit in (
        [(k, TITLE_LIMIT) for k in TITLES]
        + [(k, OPTION_LIMIT) for k in OPTIONS]
        + [(k, PLACEHOLDER_LIMIT) for k in PLACEHOLDERS]
        + [(k, BUTTON_LIMIT) for k in BUTTONS]
    ):
        text = _value(translation, key)
        assert isinstance(text, str) and 0 < len(text) <= limit, f"{language} {key}: {len(text)} > {limit}"
    for option in _value(translation, "modal.support_options"):
        assert 0 < len(option) <= OPTION_LIMIT, f"{language} support option {option!r}"


def test_english_respects_the_same_limits() -> None:
    # So that the limits above are Slack's, not ones English itself breaks.
    for key in TITLES:
        assert len(_value(ENGLISH, key)) <= TITLE_LIMIT, key
    for key in BUTTONS:
        assert len(_value(ENGLISH, key)) <= BUTTON_LIMIT, key


def test_a_spanish_locale_gets_spanish() -> None:
    question = Texts.load().get("checkin.question", "es-LA")
    assert question.startswith("¿") and "desafío" in question
    assert question == _value(_load("es"), "checkin.question")


def test_a_french_locale_gets_french() -> None:
    question = Texts.load().get("checkin.question", "fr-FR")
    assert "défi" in question and question.endswith("?")
    assert question == _value(_load("fr"), "checkin.question")


def test_english_and_unknown_locales_get_english() -> None:
    texts = Texts.load()
    english = _value(ENGLISH, "checkin.question")
    assert texts.get("checkin.question", "en-US") == english
    assert texts.get("checkin.question", "ja-JP") == english
    assert texts.get("checkin.question") == english


@pytest.mark.parametrize("locale", ["es-LA", "fr-FR"])
def test_a_key_left_untranslated_falls_back_to_english(locale: str) -> None:
    language = locale.split("-")[0]
    assert "need_channel" not in _load(language).get("setup", {})  # facilitator-only, in English
    assert Texts.load().get("setup.need_channel", locale) == _value(ENGLISH, "setup.need_channel")


@pytest.mark.parametrize("language", ["en", *TRANSLATIONS])
def test_the_community_name_stands_apart_from_the_grammar(language: str) -> None:
    # A workspace name is a proper name in any language ("OGP Points of Contact", or "the OGP
    # Points of Contact"): glued to "de"/"for" it read "Es hora del check-in de the OGP…".
    # It may only open a text, follow " · " or sit in parentheses.
    glued = []
    for key, value in _leaves(_load(language)):
        for text in _strings(value):
            for literal, field, _, _ in string.Formatter().parse(text):
                if field == "community" and literal and not literal.endswith(("· ", "(")):
                    glued.append(f"{key}: …{literal[-12:]}{{community}}")
    assert glued == []


def test_the_member_facing_keys_are_complete_in_every_translation(language: str, translation: dict) -> None:
    english = [key for key in ENGLISH_LEAVES if key.split(".")[0] in ("commands", "install")]
    translated = dict(_leaves(translation))
    assert [key for key in english if key not in translated] == []


@pytest.mark.parametrize("locale", ["es-LA", "fr-FR"])
def test_help_refusals_and_unknown_commands_read_without_english(locale: str) -> None:
    texts = Texts.load()
    rendered = {
        "help": texts.get("commands.help_header", locale, community="OGP")
        + texts.get("commands.help_members", locale)
        + texts.get("commands.help_facilitators", locale),
        "refusal": texts.get("commands.not_facilitator", locale, command="checkin now"),
        "unknown": " ".join(
            [
                texts.get("commands.unknown", locale, command="hepl"),
                texts.get("commands.did_you_mean", locale, suggestion="help"),
                texts.get("commands.see_help", locale),
            ]
        ),
        "error": texts.get("commands.error", locale) + texts.get("commands.slack_error", locale, error="x"),
    }
    for what, text in rendered.items():
        assert _english_leftovers(text) == [], what


def _english_leftovers(text: str) -> list[str]:
    """English words outside `code` (commands stay English) that no Spanish or French reader
    should meet."""
    prose = " ".join(text.split("`")[::2]).lower()
    # Words only English uses ("message", "minute" and "type" are French too).
    english = {"the", "you", "your", "for", "is", "don't", "know", "nothing", "was", "changed",
               "everyone", "facilitators", "please", "try", "again", "this", "something", "went"}  # fmt: skip
    return sorted(word for word in english if re.search(rf"(?<![\w']){re.escape(word)}(?![\w'])", prose))


def test_lists_and_formatting_work_through_the_loader() -> None:
    texts = Texts.load()
    assert texts.list("modal.support_options", "es-LA") == _value(_load("es"), "modal.support_options")
    assert texts.list("match.starters", "fr-FR") == _value(_load("fr"), "match.starters")
    saved = texts.get("profile.saved", "es-LA", country="México", agency="SFP")
    assert "México · SFP" in saved and saved != texts.get("profile.saved", country="México", agency="SFP")


@pytest.mark.parametrize("answered", [0, 3])
def test_the_digest_opens_with_a_capital_whatever_the_workspace_is_called(answered: int) -> None:
    from datetime import UTC, datetime

    from bot.core.config import Settings
    from bot.digest.model import Digest, PainTrend
    from bot.digest.narrative import summary

    monday = datetime(2026, 11, 23, tzinfo=UTC)
    digest = Digest(
        team_id="T1", week_key="2026-W48", start=monday, end=monday, members_active=4, asked=4,
        answered=answered, previous_response_rate=None,
        pains=(PainTrend("time", "Lack of time", 2, 0.0),) if answered else (), themes=(), quotes=(),
        groups_matched=0, people_matched=0, met=0, helped=0, follow_up_answers=0, average_support=None,
        previous_average_support=None, drifting=(), previous_weeks_with_rounds=0,
    )  # fmt: skip
    opening = summary(Settings(), Texts.load(), digest, "the OGP Points of Contact")
    assert opening.startswith("The OGP Points of Contact")
