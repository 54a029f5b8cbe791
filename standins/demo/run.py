"""`convene demo`: a simulated community of practice, end to end, on this machine only.

A facilitator sets Convene up; 24 members join with the real slash command; a scheduled
round reaches each at 09:00 in their own time zone; they answer in the form (each choosing
who may read their words) or by DM, skip or stay silent; answers are tagged; matches are
previewed and sent; a follow-up asks whether the pairs met; answers that fit no pain point
become an emerging theme; the Friday digest (with its chart) and the agenda reach the
coordinators; we look at two App Homes and a Spanish-speaking member's Slack; then a
convening is planned, its invitees answer, they are seated at tables, and asked the day
after what they will try. The files a person would open are written to a folder.

No tokens, no network: Slack is the loopback stand-in, every request to the app is signed
like Slack's, the clock is fixed, and the database is a temporary SQLite file."""

import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlmodel import col, select

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.schedule import zone
from bot.matching import service as matching
from bot.tagging import taxonomy, themes
from standins.demo.community import DEMO_COORDINATOR_CHANNEL, DEMO_FACILITATOR, DEMO_MEMBERS, DemoMember
from standins.demo.render import Names, message_lines, table, wrap
from standins.harness import LocalSlack, wait_for
from storage.models import (
    Answer,
    AnswerTag,
    CheckinDelivery,
    Convening,
    ConveningSeat,
    ConveningTable,
    MatchRound,
    Member,
    PainPoint,
)

# A Sunday evening in UTC: Sydney's Monday 09:00 is a few hours away, Mexico City's a day.
DEMO_START = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
COMMUNITY = "OGP Points of Contact"
CONVENING = "Regional POC meeting"
CONVENING_DAY = date(2026, 12, 16)
CONVENING_PLACE = "Tbilisi, Georgia"
TABLE_SIZE = 4
SPANISH = "UES0IRENE"  # whose Slack we look at in Spanish
SPANISH_PEER = "UAR0VALER"  # who shares her pain point and her language: the facilitator pairs them
HOME_MEMBER = "UPH0MARIS"  # whose App Home we open
HARVESTER = "UPH0MARIS"  # who answers the harvest
HARVEST_WORDS = "Publish the budget consultation calendar early, as Estonia does, and invite regional CSOs."

# The story's stages, in the order they are printed: `== N. <title>` heads each.
STAGES = (
    "Setup",
    "Members join",
    "Monday's check-in round",
    "What members saw: the check-in, the form, a DM reply",
    "Tagging",
    "Matching: preview, then intros",
    "Reminders",
    "Follow-up: did you meet? did it help?",
    "Emerging theme",
    "Friday digest",
    "Agenda for the next convening",
    "App Home",
    "A Spanish-speaking member's Slack",
    "Convening: planned, invitations, RSVPs",
    "Convening: tables, previewed then sent",
    "Convening: the harvest, the day after",
    "Export",
    "Files written",
)

INDENT = "   "
BOX = "   │ "


class OutDirError(Exception):
    """The output folder can't be used; the message says why, in one line."""


@dataclass(frozen=True)
class OutDir:
    path: Path
    had_files: bool


def prepare_out_dir(out: str | None, now: datetime, cwd: Path | None = None) -> OutDir:
    """The folder the demo writes to, created and checked writable before anything runs.
    Without --out: a new folder in the current directory, never an existing one."""
    if out is None:
        base = (cwd or Path.cwd()) / f"convene-demo-{now:%Y%m%d-%H%M%S}"
        path, n = base, 2
        while path.exists():
            path, n = base.with_name(f"{base.name}-{n}"), n + 1
    else:
        path = Path(out).expanduser()
    if path.exists() and not path.is_dir():
        raise OutDirError(f"{path} is a file, not a folder; give a folder to write to with --out DIR")
    try:
        path.mkdir(parents=True, exist_ok=True)
        had_files = any(path.iterdir())
        with tempfile.NamedTemporaryFile(dir=path, prefix=".convene-demo-probe-"):
            pass
    except OSError as exc:
        raise OutDirError(f"cannot write to {path} ({exc.strerror or exc})") from None
    return OutDir(path.resolve(), had_files)


class Demo:
    def __init__(self, out: TextIO, database_url: str, files: Path) -> None:
        self.out = out
        self.files = files
        self.written: list[tuple[Path, str]] = []
        self.clock = ManualClock(DEMO_START - timedelta(days=3))
        # The stand-in sets no message limit, so the demo need not wait for Slack's pace.
        settings = Settings(facilitators=frozenset({DEMO_FACILITATOR.user_id}), slack_messages_per_second=50)
        self.slack = LocalSlack(database_url, clock=self.clock, settings=settings, team_name=COMMUNITY)
        self.texts = self.slack.runtime.texts
        self.people = {m.user_id: m for m in (DEMO_FACILITATOR, *DEMO_MEMBERS)}
        for person in self.people.values():
            self.slack.api.add_user(
                person.user_id,
                name=person.name,
                real_name=person.real_name,
                tz=person.tz,
                locale=person.locale,
            )
        self.channel, channel_name = DEMO_COORDINATOR_CHANNEL
        self.slack.api.add_channel(self.channel, name=channel_name, members=[DEMO_FACILITATOR.user_id])
        self.names = Names({uid: p.real_name for uid, p in self.people.items()}, {self.channel: channel_name})
        self.stage_number = 0

    # ------------------------------------------------------------------ the story

    def run(self) -> None:
        self.say(f"Convene demo: a simulated community of practice, {COMMUNITY}.")
        self.narrate(
            "Slack is a local stand-in on 127.0.0.1 and every request to Convene is signed as Slack "
            "signs it: no tokens, no network. The clock is simulated, from Thursday 26 November 2026.",
            indent="",
        )
        self.setup()
        self.join_everyone()
        self.scheduled_round()
        self.member_views()
        self.tagging()
        self.matching()
        self.reminders()
        self.follow_up()
        self.emerging_theme()
        self.digest()
        self.agenda()
        self.app_home()
        self.spanish_member()
        self.convening_invitations()
        self.convening_tables()
        self.convening_harvest()
        self.export()
        self.files_written()

    def setup(self) -> None:
        self.stage("Thu 26 Nov")
        facilitator = DEMO_FACILITATOR.user_id
        self.narrate(f"{DEMO_FACILITATOR.real_name} is a facilitator. In #{self.channel_name} she types:")
        for text in ("setup", 'checkin schedule "0 9 * * mon"'):
            self.command_shown(facilitator, text, channel_id=self.channel)
        self.narrate("A member who is not a facilitator tries a facilitator's command:")
        self.command_shown(DEMO_MEMBERS[0].user_id, "checkin now")

    def join_everyone(self) -> None:
        self.stage("Thu 26 Nov")
        for person in DEMO_MEMBERS:
            reply = self.command(person.user_id, "join")
            view = self.slack.click_for_view(person.user_id, reply, "profile_open")
            self.slack.events.submit_view(
                person.user_id,
                view,
                {
                    "country": {"type": "plain_text_input", "value": person.country},
                    "agency": {"type": "plain_text_input", "value": person.agency},
                },
            )
        languages = Counter(self.texts.language(p.locale) for p in DEMO_MEMBERS)
        zones = sorted({p.tz for p in DEMO_MEMBERS}, key=lambda tz: -_offset_hours(tz))
        self.narrate(
            f"{len(DEMO_MEMBERS)} members type /convene join and give their country and agency in a form: "
            f"{len({p.country for p in DEMO_MEMBERS})} countries, {len(zones)} time zones from "
            f"{zones[0]} to {zones[-1]}; "
            + ", ".join(f"{n} read {_LANGUAGE_NAMES.get(lang, lang)}" for lang, n in languages.most_common())
            + "."
        )
        first = DEMO_MEMBERS[0]
        self.narrate(f"{first.real_name} types /convene me and reads what Convene stores about her:")
        self.show(self.command(first.user_id, "me"))

    def scheduled_round(self) -> None:
        self.stage("Mon 30 Nov")
        self.narrate(
            "The scheduler ticks; each member is asked at 09:00 in their own time zone. Answers come "
            "in the form (with a consent level) or as a plain reply to the DM (the default level):"
        )
        rows = []
        for moment in sorted({self.local_nine_utc(p.tz) for p in DEMO_MEMBERS}):
            self.clock.set(moment)
            self.slack.tick()
            for person in DEMO_MEMBERS:
                if self.local_nine_utc(person.tz) == moment:
                    messages = self.slack.api.messages_to(person.user_id)
                    did = self.respond(person, messages[0]) if messages else "(no check-in)"
                    rows.append([f"{moment:%a %H:%M}", person.tz, person.real_name, did])
        for line in table(["UTC", "time zone (09:00 there)", "member", "what they did"], rows, INDENT):
            self.say(line)

    def respond(self, person: DemoMember, checkin: dict[str, Any]) -> str:
        events = self.slack.events
        if person.responds == "modal":
            view = self.slack.click_for_view(person.user_id, checkin, "checkin_answer")
            events.submit_view(person.user_id, view, self.modal_values(person, view))
            return f"form · {_CONSENT_SHORT[person.consent]}"
        if person.responds == "dm":
            before = len(self.slack.api.messages_to(person.user_id))
            events.dm(person.user_id, person.challenge)
            wait_for(lambda: len(self.slack.api.messages_to(person.user_id)) > before)
            return f"DM · {_CONSENT_SHORT['counts_only']} (default)"
        if person.responds == "skip":
            events.click_button_in(person.user_id, checkin, "checkin_skip")
            return "skipped this week"
        return "no answer yet"

    def modal_values(self, person: DemoMember, view: dict[str, Any]) -> dict[str, Any]:
        with self.slack.db.session() as session:
            pains = {p.slug: p for p in taxonomy.active_pain_points(session, self.slack.team_id)}
        chosen = [pains[slug] for slug in person.pain_points if slug in pains]
        options = [{"text": {"type": "plain_text", "text": p.name}, "value": str(p.id)} for p in chosen]
        yes = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]
        return {
            "challenge": {"type": "plain_text_input", "value": person.challenge},
            "pains": {"type": "multi_static_select", "selected_options": options},
            "support": {"type": "radio_buttons", "selected_option": {"value": str(person.support)}},
            "match": {"type": "checkboxes", "selected_options": yes if person.wants_match else []},
            "consent": {"type": "radio_buttons", "selected_option": {"value": person.consent}},
        }

    def member_views(self) -> None:
        self.stage("Mon 30 Nov")
        person = self.people[HOME_MEMBER]
        self.narrate(f"The check-in DM {person.real_name} got at 09:00 in {person.country}:")
        self.show(self.sent_to(person.user_id)[0])
        self.narrate("She pressed Answer. The form:")
        views = [v for v in self.slack.api.open_views() if v.get("callback_id") == "checkin_modal"]
        self.show(views[0])
        self.narrate("Once she sent it, Convene replaced the DM's buttons:")
        self.show(self.slack.api.messages_to(person.user_id)[0])
        self.narrate(
            "Each answer has one of three consent levels, chosen in the form; three members' choices:"
        )
        for level in ("counts_only", "share_with_matches", "quote_anonymously"):
            who = next(p for p in DEMO_MEMBERS if p.responds == "modal" and p.consent == level)
            label, sentence = self.texts.get(f"privacy.{level}"), self.texts.get(f"privacy.{level}_sentence")
            self.narrate(f"{who.real_name} chose “{label}”: {sentence}", hang="• ")
        replier = next(p for p in DEMO_MEMBERS if p.responds == "dm")
        self.narrate(f"{replier.real_name} simply replied to the DM in his own words. Convene answered:")
        self.show(self.slack.api.messages_to(replier.user_id)[-1])

    def tagging(self) -> None:
        self.stage("Mon 30 Nov")
        self.narrate(
            "Every answer is stored first, then tagged: by the member in the form, else by the offline "
            "tagger. What was stored (shown because this is a demo; no facilitator sees the words):"
        )
        with self.slack.db.session() as session:
            rows = session.exec(
                select(Member, CheckinDelivery)
                .join(CheckinDelivery, CheckinDelivery.member_id == Member.id)
                .order_by(CheckinDelivery.due_at, Member.real_name)
            ).all()
            answers = {a.member_id: a for a in session.exec(select(Answer)).all()}
            tags = session.exec(
                select(AnswerTag, PainPoint).join(PainPoint, PainPoint.id == AnswerTag.pain_point_id)
            ).all()
        by_answer: dict[int, list[str]] = {}
        for tag, pain in tags:
            by_answer.setdefault(tag.answer_id, []).append(f"{pain.slug} ({tag.source})")
        statuses: Counter[str] = Counter()
        lines = []
        for member, delivery in rows:
            answer = answers.get(member.id)
            statuses[delivery.status] += 1
            if answer is None:
                lines.append([member.real_name or "", member.country or "", delivery.status, "-", ""])
                continue
            tagged = ", ".join(by_answer.get(answer.id or 0, [])) or "none: a candidate for a theme"
            lines.append(
                [member.real_name or "", member.country or "", delivery.status, answer.source, tagged]
            )
        for line in table(["member", "country", "check-in", "via", "pain points (tagged by)"], lines, INDENT):
            self.say(line)
        untagged = len([a for a in answers.values() if a.id not in by_answer])
        self.narrate(
            f"{sum(statuses.values())} check-ins, one per member: "
            + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
            + f". {len(answers)} answers: {len(answers) - untagged} with pain points, {untagged} with none."
        )
        self.narrate("The facilitator lists the pain points (/convene pains):")
        self.show(self.command(DEMO_FACILITATOR.user_id, "pains", self.channel))

    def matching(self) -> None:
        self.stage("Mon 30 Nov, evening")
        facilitator = DEMO_FACILITATOR.user_id
        self.clock.set(datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
        self.narrate("/convene match preview (only the facilitator sees it; nothing is sent yet):")
        preview = self.command(facilitator, "match preview", self.channel)
        self.show(preview)
        spanish, peer = self.people[SPANISH], self.people[SPANISH_PEER]
        partner = self.partner_in_preview(SPANISH, SPANISH_PEER)
        if partner is not None:
            self.narrate(
                f"{spanish.real_name} and {peer.real_name} share a pain point and both write Spanish. "
                f"The facilitator presses Swap two members and swaps {self.names.users[partner]} with "
                f"{peer.real_name}:"
            )
            view = self.slack.click_for_view(facilitator, preview, "match_swap")
            swapped = self.slack.events.submit_view(
                facilitator,
                view,
                {
                    "a": {"type": "users_select", "selected_user": partner},
                    "b": {"type": "users_select", "selected_user": SPANISH_PEER},
                },
            ).json()
            self.show((swapped or {}).get("view") or {})
        self.narrate("/convene match run:")
        self.show(self.command(facilitator, "match run", self.channel))
        person = self.people[HOME_MEMBER]
        intro = next(m for m in self.intros() if f"<@{person.user_id}>" in str(m.get("blocks")))
        self.narrate(f"The group DM {person.real_name} is in:")
        self.show(intro)

    def reminders(self) -> None:
        self.stage("Tue 1 Dec")
        reminder = {self.texts.get("checkin.reminder_notification", lang) for lang in self.texts.languages()}
        self.clock.set(max(self.local_nine_utc(p.tz) for p in DEMO_MEMBERS) + timedelta(hours=24, minutes=1))
        for _ in range(2):  # a second pass must not remind anyone twice
            self.slack.tick()
        reminded = sorted(
            self.names.users.get(self.user_of(call.params["channel"]), "?")
            for call in self.slack.api.calls_to("chat.postMessage")
            if call.params.get("text") in reminder
        )
        self.narrate(
            f"24 hours after their check-in, one reminder each to the {len(reminded)} who have not "
            f"answered (the scheduler ran twice; nobody is reminded twice): {', '.join(reminded)}."
        )

    def follow_up(self) -> None:
        self.stage("Thu 3 Dec")
        self.clock.set(datetime(2026, 12, 3, 18, 0, tzinfo=UTC))
        self.slack.tick()
        questions = {self.texts.get("match.followup_notification", lang) for lang in self.texts.languages()}
        asked = [
            c.params for c in self.slack.api.calls_to("chat.postMessage") if c.params.get("text") in questions
        ]
        person = self.people[HOME_MEMBER]
        mine = next(m for m in asked if person.user_id in self.group_users(m["channel"]))
        self.narrate(
            f"Three days after the intros, each of the {len(asked)} groups is asked. "
            f"{person.real_name}'s group:"
        )
        self.show(mine)
        others = [u for u in self.group_users(mine["channel"]) if u != person.user_id]
        for user, action in ((person.user_id, "match_helped"), (others[0], "match_met")):
            button = next(
                e["text"]["text"]
                for b in mine["blocks"]
                for e in b.get("elements", [])
                if e.get("action_id") == action
            )
            reply = self.click(user, mine, action, channel_id=mine["channel"])
            self.narrate(f"{self.names.users[user]} presses [{button}] and reads:")
            self.show(reply)

    def emerging_theme(self) -> None:
        self.stage("Fri 4 Dec, noon")
        self.clock.set(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
        self.slack.tick()
        with self.slack.db.session() as session:
            proposed = themes.proposed(session, self.slack.team_id)
        self.narrate(
            "Once a week the answers that fit no pain point are clustered. A theme needs answers from at "
            f"least {themes.MIN_MEMBERS} members, and only words at least {themes.MIN_MEMBERS} of them wrote "
            "may name it: one person's words never reach the coordinators this way."
        )
        for theme, count in proposed:
            self.narrate(
                f"Proposed: “{theme.name}”, from {count} answers; shared words: {theme.keywords}", hang="• "
            )
        if not proposed:
            self.narrate("No theme this week.", hang="• ")
        self.narrate("Facilitators find it in the digest, with buttons to adopt or dismiss it.")

    def digest(self) -> None:
        self.stage("Fri 4 Dec, 15:00")
        self.clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
        self.slack.tick()
        posted = self.sent_to(self.channel)
        self.narrate(f"The weekly digest reaches #{self.channel_name} by itself:")
        for message in posted:
            self.show(message)
        for upload in self.slack.api.uploaded_files():
            if upload["filename"].endswith(".png"):
                path = self.save(
                    upload["filename"], upload["content"], "the digest's chart of pain points by week"
                )
                self.say(f"{BOX}[chart attached: {upload['filename']}; saved as {path}]")
        theme = next((m for m in posted if "theme_adopt" in str(m.get("blocks"))), None)
        if theme is not None:
            reply = self.click(DEMO_FACILITATOR.user_id, theme, "theme_adopt", channel_id=self.channel)
            self.narrate(f"{DEMO_FACILITATOR.real_name} presses Adopt as a pain point:")
            self.show(reply)

    def agenda(self) -> None:
        self.stage("Fri 4 Dec")
        before = len(self.sent_to(self.channel))
        self.narrate(f"/convene agenda posts the draft agenda in #{self.channel_name}:")
        self.command(DEMO_FACILITATOR.user_id, "agenda", self.channel)
        for message in self.sent_to(self.channel)[before:]:
            self.show(message)
        upload = next(f for f in self.slack.api.uploaded_files() if f["filename"].endswith(".md"))
        path = self.save(upload["filename"], upload["content"], "the draft agenda, in Markdown, to edit")
        self.say(f"{BOX}[Markdown file attached: {upload['filename']}; saved as {path}]")

    def app_home(self) -> None:
        self.stage("Fri 4 Dec")
        person = self.people[HOME_MEMBER]
        self.narrate(f"{person.real_name} opens Convene's Home tab in Slack:")
        self.show(self.open_home(person.user_id))
        facilitator = DEMO_FACILITATOR
        home = self.open_home(facilitator.user_id).get("blocks") or []
        header = self.texts.get("home.stats_header", facilitator.locale)
        start = next((i for i, b in enumerate(home) if header in str(b)), 0)
        self.narrate(f"{facilitator.real_name}'s Home has a part only facilitators see:")
        self.show({"blocks": home[start:]})

    def spanish_member(self) -> None:
        self.stage("Fri 4 Dec")
        person = self.people[SPANISH]
        self.narrate(
            f"{person.real_name} ({person.country}) reads Slack in Spanish, so Convene writes to her "
            "in Spanish."
        )
        self.narrate("Her check-in DM on Monday:")
        self.show(self.sent_to(person.user_id)[0])
        intro = next((m for m in self.intros() if f"<@{person.user_id}>" in str(m.get("blocks"))), None)
        if intro is not None:
            self.narrate(
                "Her intro: a group DM is in one language, Spanish when everyone in it reads Spanish:"
            )
            self.show(intro)
        self.narrate("Her Home tab:")
        self.show(self.open_home(person.user_id))

    def convening_invitations(self) -> None:
        self.stage("Fri 4 Dec")
        self.clock.set(datetime(2026, 12, 4, 16, 0, tzinfo=UTC))
        facilitator = DEMO_FACILITATOR.user_id
        add = f'convening add "{CONVENING}" {CONVENING_DAY.isoformat()} {CONVENING_PLACE}'
        self.command_shown(facilitator, add, channel_id=self.channel)
        self.command_shown(facilitator, "convening invite", channel_id=self.channel)
        person = self.people[HOME_MEMBER]
        self.narrate(f"{person.real_name}'s invitation:")
        self.show(self.invitation(person.user_id))
        answers: Counter[str] = Counter()
        for member in DEMO_MEMBERS:
            if member.rsvp:
                self.click(member.user_id, self.invitation(member.user_id), f"convening_{member.rsvp}")
                answers[member.rsvp] += 1
        self.narrate(
            f"{answers['going']} members press Going, {answers['not_going']} Not this time, "
            f"{len(DEMO_MEMBERS) - answers.total()} don't answer. The facilitator looks (/convene convening):"
        )
        self.show(self.command(facilitator, "convening", self.channel))

    def convening_tables(self) -> None:
        self.stage("Tue 15 Dec, the day before")
        self.narrate("(Eleven days later; the Monday rounds of 7 and 14 December are not shown.)")
        self.clock.set(datetime(2026, 12, 15, 12, 0, tzinfo=UTC))
        facilitator = DEMO_FACILITATOR.user_id
        self.narrate(f"/convene convening tables {TABLE_SIZE}: a preview only the facilitator sees:")
        preview = self.command(facilitator, f"convening tables {TABLE_SIZE}", self.channel)
        self.show(preview)
        self.narrate("She presses Send the plan:")
        self.show(self.click(facilitator, preview, "convening_send"))
        for person in (self.people[HOME_MEMBER], self.people[SPANISH]):
            dm = self.table_dm(person.user_id)
            if dm is not None:
                self.narrate(
                    f"{person.real_name}'s DM: her table, its focus, the role she plays and the brief:"
                )
                self.show(dm)
        plan = next((f for f in self.slack.api.uploaded_files() if f["filename"] == "seating-plan.md"), None)
        if plan is not None:
            path = self.save(plan["filename"], plan["content"], "the seating plan, in Markdown, to print")
            self.narrate(f"The plan is posted in #{self.channel_name} with a Markdown file; saved as {path}")

    def convening_harvest(self) -> None:
        self.stage("Thu 17 Dec")
        self.clock.set(datetime(2026, 12, 17, 18, 0, tzinfo=UTC))
        self.slack.tick()
        person = self.people[HARVESTER]
        asked = [m for m in DEMO_MEMBERS if any(self.is_harvest(d) for d in self.sent_to(m.user_id))]
        going = sum(1 for m in DEMO_MEMBERS if m.rsvp == "going")
        self.narrate(
            f"The day after, at 10:00 in their own time zone, {len(asked)} of the {going} who said Going "
            f"get one DM each. {person.real_name}'s:"
        )
        harvests = [m for m in self.sent_to(person.user_id) if self.is_harvest(m)]
        if not harvests:
            self.say(f"{BOX}(none sent)")
            return
        self.show(harvests[0])
        view = self.slack.click_for_view(
            person.user_id, {"blocks": harvests[0]["blocks"], "ts": "1.0"}, "convening_harvest"
        )
        self.narrate("She presses Answer. The form:")
        self.show(view)
        mate = self.tablemate(person.user_id)
        values: dict[str, Any] = {
            "try": {"type": "plain_text_input", "value": HARVEST_WORDS},
            "people": {"type": "multi_users_select", "selected_users": [mate] if mate else []},
            "consent": {"type": "checkboxes", "selected_options": []},
        }
        self.slack.events.submit_view(person.user_id, view, values)
        self.narrate(f"She writes: “{HARVEST_WORDS}”", hang="• ")
        if mate:
            self.narrate(
                f"names {self.names.users[mate]}, from her table, as someone to keep talking to,", hang="• "
            )
        self.narrate("and leaves the quote box unticked: her words stay counts only.", hang="• ")
        self.narrate(
            "The next digest reports the harvest; matching will prefer the people she named; four weeks "
            "on, Convene asks whether she tried it."
        )

    def export(self) -> None:
        self.stage("Thu 17 Dec")
        self.narrate(
            "/convene export: CSV files, sent privately to the facilitator, within what members' "
            "consent allows:"
        )
        self.show(self.command(DEMO_FACILITATOR.user_id, "export", self.channel))
        for upload in self.slack.api.uploaded_files():
            if upload["filename"].endswith(".csv"):
                self.save(
                    f"export/{upload['filename']}", upload["content"], _CSV_NOTES.get(upload["filename"], "")
                )

    def files_written(self) -> None:
        self.stage()
        self.narrate(f"In {self.files}{os.sep}")
        rows = [[path.relative_to(self.files).as_posix(), note] for path, note in self.written]
        for line in table(["file", "what it is"], rows, INDENT + "  "):
            self.say(line)
        counts = Counter(call.method for call in self.slack.api.calls)
        self.narrate(
            "Slack Web API calls the demo made: " + ", ".join(f"{m} ×{n}" for m, n in counts.most_common())
        )
        self.say("Done. To install Convene in a real workspace, see the README, 'Install in your workspace'.")

    # ------------------------------------------------------------------ helpers

    @property
    def channel_name(self) -> str:
        return self.names.channels[self.channel]

    def stage(self, when: str = "") -> None:
        self.stage_number += 1
        title = STAGES[self.stage_number - 1]
        self.say("")
        self.say(f"== {self.stage_number}. {title}" + (f"  ({when})" if when else ""))

    def narrate(self, text: str, indent: str = INDENT, hang: str = "") -> None:
        for line in wrap(text, indent, hang=hang):
            self.say(line)

    def show(self, message: dict[str, Any]) -> None:
        """A message, form or Home as the person reads it, behind a bar."""
        for line in message_lines(message, self.names):
            for piece in wrap(line, BOX):
                self.say(piece)

    def command(self, user_id: str, text: str, channel_id: str = "C0GENERAL") -> dict[str, Any]:
        return self.slack.command(user_id, text, channel_id)

    def command_shown(self, user_id: str, text: str, channel_id: str = "C0GENERAL") -> None:
        reply = self.command(user_id, text, channel_id)
        self.narrate(f"{self.names.users[user_id]}: /convene {text}")
        self.show(reply)

    def click(
        self, user_id: str, message: dict[str, Any], action_id: str, channel_id: str | None = None
    ) -> dict[str, Any]:
        """Press a button in a message the app posted; return the app's reply to it."""
        before = len(self.slack.api.responses())
        self.slack.events.click_button_in(
            user_id, {"blocks": message["blocks"], "ts": "1.0"}, action_id, channel_id=channel_id
        )
        reply: dict[str, Any] = wait_for(lambda: self.slack.api.responses(since=before))[0]
        return reply

    def sent_to(self, channel: str) -> list[dict[str, Any]]:
        """What the app posted to a channel or a member's DM, in order, as first sent."""
        return [
            c.params
            for c in self.slack.api.calls_to("chat.postMessage")
            if c.params.get("channel") == channel
        ]

    def intros(self) -> list[dict[str, Any]]:
        headers = {self.texts.get("match.intro_header", lang) for lang in self.texts.languages()}
        return [
            c.params for c in self.slack.api.calls_to("chat.postMessage") if c.params.get("text") in headers
        ]

    def group_users(self, channel: str) -> list[str]:
        """Who is in a group DM the app opened."""
        for call in self.slack.api.calls_to("conversations.open"):
            if (call.response.get("channel") or {}).get("id") == channel:
                return str(call.params["users"]).split(",")
        return []

    def partner_in_preview(self, user_id: str, wanted: str) -> str | None:
        """Whom `user_id` is proposed with this week, when it is not `wanted` and both are in
        the proposal (None: nothing to swap)."""
        with self.slack.db.session() as session:
            latest = session.exec(select(MatchRound).order_by(col(MatchRound.id).desc())).first()
            groups = (
                [[m.user_id for m in g.members] for g in matching.groups_of(session, latest.id or 0)]
                if latest
                else []
            )
        mine = next((g for g in groups if user_id in g), [])
        if not mine or wanted in mine or not any(wanted in g for g in groups):
            return None
        return next(u for u in mine if u != user_id)

    @staticmethod
    def is_harvest(message: dict[str, Any]) -> bool:
        return "convening_harvest" in str(message.get("blocks"))

    def invitation(self, user_id: str) -> dict[str, Any]:
        return next(m for m in self.sent_to(user_id) if "convening_going" in str(m.get("blocks")))

    def table_dm(self, user_id: str) -> dict[str, Any] | None:
        """The DM telling a member their table, role and brief (in their language)."""
        header = self.texts.get("convening.seat_header", self.people[user_id].locale, name=CONVENING)
        return next((m for m in self.sent_to(user_id) if header in str(m.get("blocks"))), None)

    def tablemate(self, user_id: str) -> str | None:
        """Someone seated at the same table as `user_id`."""
        with self.slack.db.session() as session:
            seats = session.exec(
                select(Member.user_id, ConveningTable.number)
                .join(ConveningSeat, ConveningSeat.member_id == Member.id)
                .join(ConveningTable, ConveningTable.id == ConveningSeat.table_id)
                .join(Convening, Convening.id == ConveningTable.convening_id)
                .where(Convening.name == CONVENING)
            ).all()
        number = dict(seats).get(user_id)
        return next((u for u, n in seats if n == number and u != user_id), None)

    def user_of(self, channel: str) -> str:
        for user_id in self.people:
            if channel in (user_id, self.slack.api.dm_channel_id(user_id)):
                return user_id
        return channel

    def open_home(self, user_id: str) -> dict[str, Any]:
        before = self.slack.api.published_home(user_id)
        self.slack.events.home_opened(user_id)

        def republished() -> dict[str, Any] | None:
            home = self.slack.api.published_home(user_id)
            if home is None or (before is not None and home["hash"] == before["hash"]):
                return None
            return home

        home: dict[str, Any] = wait_for(republished)
        return home

    def local_nine_utc(self, tz: str) -> datetime:
        local = DEMO_START.astimezone(zone(tz))
        monday = local.date() + timedelta(days=(7 - local.weekday()) % 7)
        return datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=zone(tz)).astimezone(UTC)

    def save(self, name: str, content: bytes, note: str) -> Path:
        path = self.files / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.written.append((path, note))
        return path

    def say(self, line: str) -> None:
        print(line, file=self.out)

    def close(self) -> None:
        self.slack.close()


# The three consent levels, short enough for a table column (the legend prints them in full).
_CONSENT_SHORT = {
    "counts_only": "counts only",
    "share_with_matches": "share with matches",
    "quote_anonymously": "quote anonymously",
}
_LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French"}
_CSV_NOTES = {
    "checkins.csv": "every check-in: who, when, how, consent; words only where facilitators may read them",
    "tags.csv": "each answer's pain points and who tagged them",
    "matches.csv": "the peer groups, what they share, whether they met and it helped",
    "quotes.csv": "words members chose to have quoted anonymously, with nothing naming them",
}


def _offset_hours(tz: str) -> float:
    offset = DEMO_START.astimezone(zone(tz)).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0.0


def run_demo(out: TextIO, files: Path, database_url: str | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="convene-demo-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
        demo = Demo(out, url, files)
        try:
            demo.run()
        finally:
            demo.close()
