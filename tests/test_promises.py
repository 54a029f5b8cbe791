"""One source for every promise Convene makes to members about their words: the check-in
DM, the form, App Home, `help` and `me` are built from `prompts/<language>.toml`'s `[privacy]`
table, and README.md and manifest.yml are checked against it here."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.checkins.blocks import checkin_message, checkin_modal
from bot.core.promises import README_END, README_START, Privacy, Promises, readme_section, summary
from bot.core.texts import Texts
from bot.members.blocks import privacy_blocks
from storage.models import Consent, Member
from tests.e2e.conftest import text_of

ROOT = Path(__file__).resolve().parents[1]
TEXTS = Texts.load()
LANGUAGES = ["en", "es", "fr"]
OFF = Privacy()
ON = Privacy(raw_answers=True, raw_answers_since=date(2026, 11, 2), retention_months=6)
# What Convene used to say and no longer may: none of it was true.
STALE = [
    "only ever shown back to their author",
    "private unless a member consents",
    "seen only by Convene's tagging",
    "tick the consent box",
]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _member(language: str, default: str = Consent.COUNTS_ONLY) -> Member:
    return Member(
        id=1,
        team_id="T1",
        user_id="U1",
        real_name="Ana Reyes",
        locale=f"{language}-XX",
        consent_default=default,
    )


def test_the_readme_says_exactly_what_the_prompts_say() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    start, end = readme.index(README_START), readme.index(README_END) + len(README_END)
    assert readme[start:end] == readme_section(TEXTS), (
        "README.md's privacy section drifted from prompts/en.toml: paste the output of "
        "`python -m bot.core.promises` between its markers"
    )


def test_the_manifest_description_ends_with_the_promise() -> None:
    manifest = (ROOT / "manifest.yml").read_text("utf-8")
    block = re.search(r"long_description: >-\n((?:    .*\n)+)", manifest)
    assert block is not None
    described = _flat(block.group(1))  # a folded YAML scalar: its lines joined by spaces
    assert described.endswith(_flat(summary(TEXTS, "en")))
    assert len(described) <= 4000  # Slack's limit for long_description


def test_nothing_anywhere_repeats_a_promise_that_was_not_true() -> None:
    places = [ROOT / "README.md", ROOT / "manifest.yml", *sorted((ROOT / "prompts").glob("*.toml"))]
    for path in places:
        text = path.read_text("utf-8")
        assert not [phrase for phrase in STALE if phrase in text], path.name


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_checkin_dm_states_the_default_and_the_workspaces_rules(language: str) -> None:
    for privacy, says in ((OFF, "facilitators_cannot_read"), (ON, "facilitators_can_read")):
        promises = Promises(TEXTS, language, privacy)
        _, blocks = checkin_message(TEXTS, _member(language, Consent.SHARE_WITH_MATCHES), 7, "OGP", privacy)
        shown = text_of({"blocks": blocks})
        assert promises.checkin_notice(Consent.SHARE_WITH_MATCHES) in shown
        assert promises.label(Consent.SHARE_WITH_MATCHES) in shown
        expected = TEXTS.get(f"privacy.{says}", language, date="2026-11-02")
        assert expected in shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_form_offers_the_three_levels_each_in_one_sentence(language: str) -> None:
    for privacy in (OFF, ON):
        promises = Promises(TEXTS, language, privacy)
        view = checkin_modal(TEXTS, _member(language, Consent.QUOTE_ANONYMOUSLY), [], 7, privacy)
        [field] = [b for b in view["blocks"] if b.get("block_id") == "consent"]
        options = field["element"]["options"]
        assert [o["value"] for o in options] == list(Consent.LEVELS)
        assert [o["text"]["text"] for o in options] == [promises.label(level) for level in Consent.LEVELS]
        assert [o["description"]["text"] for o in options] == [promises.sentence(lv) for lv in Consent.LEVELS]
        assert field["element"]["initial_option"]["value"] == Consent.QUOTE_ANONYMOUSLY
        assert field["hint"]["text"] == promises.rules()
        sentences = [o["description"]["text"] for o in options]
        assert all(s.count(".") <= 1 and len(s) <= 75 for s in sentences)  # one plain sentence each


def test_counts_only_never_says_no_person_reads_it_while_facilitators_can() -> None:
    off = Promises(TEXTS, "en", OFF).sentence(Consent.COUNTS_ONLY)
    on = Promises(TEXTS, "en", ON).sentence(Consent.COUNTS_ONLY)
    assert off.startswith("No person reads your words")
    assert "No person" not in on and "facilitators" in on.lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_app_home_shows_the_levels_the_rules_and_the_default(language: str) -> None:
    promises = Promises(TEXTS, language, ON)
    shown = privacy_blocks(TEXTS, language, promises, Consent.SHARE_WITH_MATCHES, [])
    assert promises.levels_and_rules() in text_of({"blocks": shown})
    [select] = [b["accessory"] for b in shown if b.get("accessory", {}).get("type") == "static_select"]
    assert select["initial_option"]["value"] == Consent.SHARE_WITH_MATCHES


def test_an_llm_service_is_named_where_members_read_the_rules() -> None:
    with_llm = Privacy(llm_host="llm.example.org")
    assert "llm.example.org" in Promises(TEXTS, "en", with_llm).rules()
    assert "language-model" not in Promises(TEXTS, "en", OFF).rules()


def test_retention_reads_naturally_for_one_month() -> None:
    assert "after 1 month;" in Promises(TEXTS, "en", Privacy(retention_months=1)).retention()
    assert "after 12 months;" in Promises(TEXTS, "en", OFF).retention()


def test_privacy_of_a_workspace_reads_its_settings() -> None:
    from bot.core.config import Settings
    from storage.models import Workspace

    since = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    workspace = Workspace(team_id="T1", raw_answers=True, raw_answers_since=since, retention_months=3)
    assert Privacy.of(workspace, Settings()) == Privacy(True, date(2026, 11, 2), 3, None)
    assert Privacy.of(None, Settings(openai_base_url="http://10.0.0.5:8000/v1")).llm_host == "10.0.0.5"
