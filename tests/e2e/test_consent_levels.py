"""Who can read which words: one member per consent level, played through the whole loop
(check-in, matching, emerging themes, digest, agenda, export, App Home, `me`) over signed
HTTP, and every word accounted for from what the Slack stand-in was asked to show to whom
and from the export files.

- Ana answers in the form at *counts only*: nobody but Ana ever reads her words.
- Bea answers in the form at *share with my matched peers*: her group reads them, with her
  name, and nobody else.
- Cleo sets *quote anonymously* as her App Home default and replies by DM: the coordinators'
  channel and the facilitator read her words, never next to her name; her peers don't."""

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.config import Settings
from standins.harness import LocalSlack, wait_for
from standins.openai_api import OpenAIStandIn
from storage.models import EmergingTheme
from tests.e2e.conftest import COORDINATORS, FACILITATOR, consent, text_of
from tests.e2e.home_controls import open_home, use_control

pytestmark = pytest.mark.e2e

ANA, BEA, CLEO = "UCOUNTS01", "UPEERS001", "UQUOTE001"
COORDINATOR = "UCOORD002"  # in the coordinators' channel, not a facilitator
# One sentence each: the theme they make is what all three say (an information registry
# backlog); the name in each is what only its author says.
WORDS = {
    ANA: "Minister Quillfeather lets the information registry backlog grow every week.",
    BEA: "Director Brambleton lets the information registry backlog grow every week.",
    CLEO: "Secretary Ottoline lets the information registry backlog grow every week.",
}
MARK = {ANA: "Quillfeather", BEA: "Brambleton", CLEO: "Ottoline"}
NAMES = {ANA: "Ana Alves", BEA: "Bea Brandt", CLEO: "Cleo Costa"}
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 15, 5, tzinfo=UTC)  # themes (noon) and digest (15:00) due


@pytest.fixture
def installation(database_url: str, clock: ManualClock) -> Iterator[tuple[LocalSlack, OpenAIStandIn]]:
    # Tagging by a model that matches keywords: these answers fit no pain point, so they
    # become an emerging theme whatever the offline tagger of the day would guess.
    with OpenAIStandIn() as model:
        settings = Settings(facilitators=frozenset({FACILITATOR}), openai_api_key=model.api_key,
                            openai_base_url=model.base_url)  # fmt: skip
        with LocalSlack(database_url, clock=clock, settings=settings) as slack:
            slack.api.add_user(FACILITATOR, name="fatima", real_name="Fatima Diallo", tz="Africa/Dakar")
            slack.api.add_user(COORDINATOR, name="omar", real_name="Omar Coordinator", tz="UTC")
            for user, tz in ((ANA, "Europe/Madrid"), (BEA, "America/Bogota"), (CLEO, "Asia/Manila")):
                slack.api.add_user(user, name=user.lower(), real_name=NAMES[user], tz=tz)
            slack.api.add_channel(COORDINATORS, name="coordinators", members=[FACILITATOR, COORDINATOR])
            yield slack, model


class Audience:
    """Every text the app showed, with who could read it."""

    def __init__(self) -> None:
        self.shown: list[tuple[frozenset[str], str, str]] = []  # (readers, where, text)

    def add(self, readers: set[str] | frozenset[str], where: str, text: str) -> None:
        self.shown.append((frozenset(readers), where, text))

    def readers_of(self, words: str) -> set[str]:
        return {reader for readers, _, text in self.shown if words in text for reader in readers}

    def places_of(self, words: str) -> set[str]:
        return {where for _, where, text in self.shown if words in text}


def _read_everything(
    slack: LocalSlack, replies: list[tuple[str, dict]], views: list[tuple[str, dict]]
) -> Audience:
    """Attribute every message, update, ephemeral, Home and file the app sent to its readers;
    a conversation nobody can be named for fails the test rather than going uncounted."""
    audience = Audience()
    people = [FACILITATOR, COORDINATOR, ANA, BEA, CLEO]
    readers: dict[str, set[str]] = {slack.api.dm_channel_id(u): {u} for u in people}
    readers.update({u: {u} for u in people})  # chat.postMessage to a user id is their DM
    readers[COORDINATORS] = {FACILITATOR, COORDINATOR}
    for call in slack.api.calls_to("conversations.open"):
        users = set(call.params["users"].split(","))
        readers[call.response["channel"]["id"]] = users
    for call in slack.api.calls:
        if call.method in ("chat.postMessage", "chat.update"):
            channel = call.params["channel"]
            assert channel in readers, f"a message to {channel}, whose readers this test can't name"
            where = "coordinators' channel" if channel == COORDINATORS else (
                "group DM" if len(readers[channel]) > 1 else "DM")  # fmt: skip
            audience.add(readers[channel], where, text_of(call.params))
        elif call.method == "chat.postEphemeral":
            audience.add({call.params["user"]}, "ephemeral", text_of(call.params))
        elif call.method == "views.publish":
            audience.add({call.params["user_id"]}, "App Home", text_of(call.params))
    for upload in slack.api.uploaded_files():
        channel = upload["channel_id"]
        assert channel in readers, f"a file in {channel}, whose readers this test can't name"
        content = upload["content"]
        body = "" if content.startswith(b"\x89PNG") else content.decode("utf-8")
        audience.add(readers[channel], f"file {upload['filename']}", body + "\n" + text_of(upload))
    for user, reply in replies:
        audience.add({user}, "command reply", text_of(reply))
    for user, view in views:
        audience.add({user}, "form", text_of(view))
    return audience


def test_each_consent_level_reaches_exactly_the_people_it_promises(
    installation: tuple[LocalSlack, OpenAIStandIn], clock: ManualClock
) -> None:
    slack, model = installation
    replies: list[tuple[str, dict]] = []
    views: list[tuple[str, dict]] = []

    def command(user: str, text: str, channel: str = "C0GENERAL") -> dict:
        reply = slack.command(user, text, channel_id=channel)
        replies.append((user, reply))
        return reply

    def form(user: str, message: dict, action: str) -> dict:
        view = slack.click_for_view(user, message, action)
        views.append((user, view))
        return view

    command(FACILITATOR, "setup", COORDINATORS)
    for user in WORDS:
        command(user, "join")
    open_home(slack, CLEO)
    use_control(slack, CLEO, "home_consent_default", option="quote_anonymously")
    command(FACILITATOR, "checkin now")

    # Ana and Bea answer in the form, each choosing a level.
    match = {"type": "checkboxes", "selected_options": [{"text": {"type": "plain_text", "text": "y"},
                                                          "value": "yes"}]}  # fmt: skip
    for user, level in ((ANA, "counts_only"), (BEA, "share_with_matches")):
        dm = slack.api.messages_to(user)[-1]
        assert "Facilitators cannot read answers" in text_of(dm)  # the DM says who else can
        assert model.base_url.split("//")[1].split(":")[0] in text_of(dm)  # and names the LLM's host
        view = form(user, dm, "checkin_answer")
        slack.events.submit_view(user, view, {
            "challenge": {"type": "plain_text_input", "value": WORDS[user]},
            "match": match,
            "consent": consent(level),
        })  # fmt: skip
    # Cleo replies by DM: her default applies, and the details form starts from it.
    slack.events.dm(CLEO, WORDS[CLEO])
    saved = wait_for(lambda: [m for m in slack.api.messages_to(CLEO) if "checkin_details" in str(m)])[0]
    assert "with your default: *Quote anonymously in the coordinators' digest*" in text_of(saved)
    details = form(CLEO, saved, "checkin_details")
    [level] = [b["element"]["initial_option"] for b in details["blocks"] if b.get("block_id") == "consent"]
    assert level["value"] == "quote_anonymously"
    slack.events.submit_view(CLEO, details, {"match": match, "consent": consent(level["value"])})

    # Matching (a trio), tagging by the model, then Friday: themes, and the digest posts itself.
    assert "Intros sent: 1 groups (3 people)" in text_of(command(FACILITATOR, "match run"))
    slack.tick()
    clock.set(FRIDAY_AFTERNOON)
    slack.tick()
    listing = command(FACILITATOR, "pains")
    command(FACILITATOR, "agenda", COORDINATORS)
    command(FACILITATOR, "export")
    for user in WORDS:
        open_home(slack, user)
        command(user, "me")
        command(user, "help")

    seen = _read_everything(slack, replies, views)
    # `help` states the same three levels and rules as the form and the App Home.
    helped = [text_of(reply) for user, reply in replies if user == ANA and "For everyone" in text_of(reply)]
    assert "*Counts only*: No person reads your words" in helped[0]
    assert "*Share with my matched peers*: Your peer-match intro may quote this answer" in helped[0]
    # The loop really ran: a theme was proposed, the digest and agenda went out, files were sent.
    assert "Emerging themes proposed" in text_of(listing)
    assert seen.places_of("Weekly digest ·") == {"coordinators' channel"}
    agenda_files = [f for f in slack.api.uploaded_files() if f["filename"].endswith(".md")]
    assert [f["channel_id"] for f in agenda_files] == [COORDINATORS]
    assert {f["filename"] for f in slack.api.uploaded_files()} >= {"checkins.csv", "quotes.csv"}

    # Exactly who could read each member's words.
    assert seen.readers_of(MARK[ANA]) == {ANA}
    assert seen.readers_of(MARK[BEA]) == {ANA, BEA, CLEO}
    assert seen.readers_of(MARK[CLEO]) == {CLEO, FACILITATOR, COORDINATOR}
    # ...and where.
    assert seen.places_of(MARK[ANA]) == {"App Home", "command reply"}  # her own Home and `me`
    assert seen.places_of(MARK[BEA]) == {"group DM", "App Home", "command reply"}
    # The digest's quotes and the theme's example; the facilitator's `pains` and quotes.csv;
    # Cleo's own Home and `me`.
    assert seen.places_of(MARK[CLEO]) == {
        "coordinators' channel",
        "command reply",
        "file quotes.csv",
        "App Home",
    }

    # Bea is quoted by name in the intro, on its own line; Cleo, who chose an anonymous digest
    # quote, is not quoted to her peers at all.
    [intro] = [text for _, where, text in seen.shown if where == "group DM" and "matched" in text]
    assert f"<@{BEA}>:\n> {WORDS[BEA]}" in intro
    # Never a name next to Cleo's words where others read them.
    for readers, where, text in seen.shown:
        if MARK[CLEO] in text and readers != {CLEO}:
            assert CLEO not in text and NAMES[CLEO] not in text and "Cleo" not in text, where
    # The theme is named with what all three wrote; only Cleo's words may be its example.
    with slack.db.session() as session:
        [theme] = session.exec(select(EmergingTheme)).all()
    assert all(word not in theme.name + theme.keywords for word in MARK.values())
    assert "registry" in theme.name.lower() or "registry" in theme.keywords
    assert [e for e in json.loads(theme.examples) if any(word in e for word in MARK.values())] == [
        WORDS[CLEO]
    ]
    assert seen.readers_of(theme.name) >= {FACILITATOR, COORDINATOR}
    assert {"coordinators' channel", "command reply"} <= seen.places_of(theme.name)  # digest, agenda, pains

    # The export: no member's words with their name; Cleo's as an unlinked quote.
    files = {
        f["filename"]: f["content"].decode()
        for f in slack.api.uploaded_files()
        if f["filename"].endswith(".csv")
    }
    assert all(MARK[ANA] not in body and MARK[BEA] not in body for body in files.values())
    assert [name for name, body in files.items() if MARK[CLEO] in body] == ["quotes.csv"]
    checkins = list(csv.DictReader(io.StringIO(files["checkins.csv"])))
    assert sorted(row["user_id"] for row in checkins) == sorted(WORDS)  # tags and counts, per member
    assert {row["text"] for row in checkins} == {""}
    assert CLEO not in files["quotes.csv"] and NAMES[CLEO] not in files["quotes.csv"]
    # Each member sees, in App Home and `me`, that the facilitator exported their answers.
    for user in WORDS:
        home = text_of(slack.api.published_home(user) or {})
        assert f"by <@{FACILITATOR}>: answers: 1 (pain points and counts)" in home
    # The language-model service read every answer to tag it (members were told its host);
    # it is not a person, and nothing it returned carried words anywhere.
    asked = "\n".join(str(r) for r in model.requests)
    assert all(MARK[user] in asked for user in WORDS)


def test_facilitators_read_answers_only_once_members_have_been_told(
    installation: tuple[LocalSlack, OpenAIStandIn], clock: ManualClock
) -> None:
    slack, _ = installation
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    for user in (ANA, BEA):
        slack.command(user, "join")
    slack.command(FACILITATOR, "checkin now")
    slack.events.dm(ANA, WORDS[ANA])  # asked while facilitators could not read answers
    wait_for(lambda: [m for m in slack.api.messages_to(ANA) if "checkin_details" in str(m)])
    assert "Usage" in text_of(slack.command(FACILITATOR, "setup raw-answers maybe"))
    assert "can now read" in text_of(slack.command(FACILITATOR, "setup raw-answers on"))
    slack.events.dm(BEA, WORDS[BEA])  # Bea's check-in also predates the change
    wait_for(lambda: [m for m in slack.api.messages_to(BEA) if "checkin_details" in str(m)])
    clock.advance(timedelta(hours=21))  # a new day: a new manual round
    slack.command(FACILITATOR, "checkin now")  # the next check-in says so...
    dm = slack.api.messages_to(BEA)[-1]
    assert "In this community facilitators can read, in their exports, the answers" in text_of(dm)
    later = "Director Brambleton now also cancelled the registry budget."
    slack.events.dm(BEA, later)  # ...and what Bea answers to it, facilitators can read
    wait_for(lambda: len([m for m in slack.api.messages_to(BEA) if "checkin_details" in str(m)]) == 2)
    assert "Only facilitators may read your words" in text_of(open_home(slack, BEA))
    slack.command(FACILITATOR, "export")
    files = {f["filename"]: f["content"].decode() for f in slack.api.uploaded_files()}
    texts = {row["text"] for row in csv.DictReader(io.StringIO(files["checkins.csv"]))}
    assert texts == {"", later}
    assert (
        f"by <@{FACILITATOR}>: answers: 2 (pain points and counts) · with your words and name: 1"
        in text_of(slack.command(BEA, "me"))
    )
    assert "with your words" not in text_of(slack.command(ANA, "me"))
    # Off again: nothing is readable any more, and members are told at once.
    assert "can no longer read" in text_of(slack.command(FACILITATOR, "setup raw-answers off"))
    assert "Facilitators cannot read answers" in text_of(open_home(slack, BEA))


def test_retention_is_set_at_setup_and_told_to_members(
    installation: tuple[LocalSlack, OpenAIStandIn],
) -> None:
    slack, _ = installation
    slack.command(ANA, "join")
    for bad in ("setup retention", "setup retention 0", "setup retention 121", "setup retention soon"):
        assert "Usage: `/convene setup retention <months>`" in text_of(slack.command(FACILITATOR, bad))
    assert "deleted 6 months after" in text_of(slack.command(FACILITATOR, "setup retention 6"))
    assert "Answer texts are deleted after 6 months" in text_of(open_home(slack, ANA))
    shown = text_of(slack.command(FACILITATOR, "setup", channel_id=COORDINATORS))
    assert "facilitators cannot read answers" in shown and "deleted after 6 months" in shown
