"""`convene demo`: a simulated community of practice, end to end, on this machine only.

Members join with the real slash command, a scheduled round reaches each of them at 09:00
in their own time zone, they answer (modal, DM, skip or silence), the silent get one
reminder, and we print what members saw and what was stored. No tokens, no network: the
Slack side is the loopback stand-in and every request to the app is signed like Slack's."""

import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.schedule import zone
from bot.tagging import taxonomy
from standins.demo.community import DEMO_COORDINATOR_CHANNEL, DEMO_FACILITATOR, DEMO_MEMBERS, DemoMember
from standins.harness import LocalSlack, wait_for
from storage.models import Answer, AnswerTag, CheckinDelivery, Member, PainPoint

# A Sunday evening in UTC: Sydney's Monday 09:00 is a few hours away, Toronto's a day.
DEMO_START = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)


class Demo:
    def __init__(self, out: TextIO, database_url: str) -> None:
        self.out = out
        self.clock = ManualClock(DEMO_START - timedelta(days=3))
        # The stand-in sets no message limit, so the demo need not wait for Slack's pace.
        settings = Settings(facilitators=frozenset({DEMO_FACILITATOR.user_id}), slack_messages_per_second=50)
        self.slack = LocalSlack(
            database_url, clock=self.clock, settings=settings, team_name="OGP Points of Contact"
        )
        self.people = {m.user_id: m for m in (DEMO_FACILITATOR, *DEMO_MEMBERS)}
        for person in self.people.values():
            self.slack.api.add_user(
                person.user_id,
                name=person.name,
                real_name=person.real_name,
                tz=person.tz,
                locale=person.locale,
            )
        channel_id, channel_name = DEMO_COORDINATOR_CHANNEL
        self.slack.api.add_channel(channel_id, name=channel_name, members=[DEMO_FACILITATOR.user_id])

    # ------------------------------------------------------------------ the story

    def run(self) -> None:
        self.say("Convene demo: a simulated OGP community of practice, no tokens, no network.")
        self.say(f"Slack Web API stand-in on {self.slack.api.base_url}, Convene on {self.slack.server.url}\n")
        self.setup()
        self.join_everyone()
        self.scheduled_round()
        self.matching()
        self.reminders()
        self.show_member_view()
        self.show_stored()
        self.show_taxonomy()
        self.digest()
        self.show_api_usage()

    def setup(self) -> None:
        self.say("1. A facilitator sets Convene up (signed slash commands over HTTP)")
        facilitator = DEMO_FACILITATOR.user_id
        for text in ("setup", 'checkin schedule "0 9 * * mon"'):
            reply = self.command(facilitator, text, channel_id=DEMO_COORDINATOR_CHANNEL[0])
            self.say(f"   /convene {text}\n     -> {flatten(reply)}")
        refusal = self.command(DEMO_MEMBERS[0].user_id, "checkin now")
        self.say(f"   a member tries /convene checkin now\n     -> {flatten(refusal)}\n")

    def join_everyone(self) -> None:
        self.say(f"2. {len(DEMO_MEMBERS)} Points of Contact join and add their country and agency")
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
        first = self.command(DEMO_MEMBERS[0].user_id, "me")
        self.say(f"   e.g. {DEMO_MEMBERS[0].real_name} runs /convene me\n     -> {flatten(first)}")
        zones = sorted({p.tz for p in DEMO_MEMBERS}, key=lambda tz: -_offset_hours(tz))
        self.say(f"   {len(zones)} time zones, from {zones[0]} to {zones[-1]}\n")

    def scheduled_round(self) -> None:
        self.say(
            "3. Monday's round: the scheduler ticks through the day; each member is asked at 09:00 local"
        )
        self.clock.set(DEMO_START)
        answered: set[str] = set()
        last_nine = max(self.local_nine_utc(p.tz) for p in DEMO_MEMBERS)
        end = last_nine + timedelta(minutes=30)
        while self.clock.now() <= end:
            self.slack.tick()
            for person in DEMO_MEMBERS:
                messages = self.slack.api.messages_to(person.user_id)
                if person.user_id in answered or not messages:
                    continue
                answered.add(person.user_id)
                local = self.clock.now().astimezone(zone(person.tz))
                outcome = self.respond(person, messages[0])
                self.say(
                    f"   {self.clock.now():%a %H:%M} UTC = {local:%a %H:%M} in {person.tz:<30}"
                    f" {person.real_name:<24} {outcome}"
                )
            self.clock.advance(timedelta(minutes=30))
        self.say("")

    def respond(self, person: DemoMember, checkin: dict[str, Any]) -> str:
        events = self.slack.events
        if person.responds == "modal":
            view = self.slack.click_for_view(person.user_id, checkin, "checkin_answer")
            events.submit_view(person.user_id, view, self.modal_values(person, view))
            return "answered in the form"
        if person.responds == "dm":
            before = len(self.slack.api.messages_to(person.user_id))
            events.dm(person.user_id, person.challenge)
            wait_for(lambda: len(self.slack.api.messages_to(person.user_id)) > before)
            return "replied by DM"
        if person.responds == "skip":
            events.click_button_in(person.user_id, checkin, "checkin_skip")
            return "skipped this week"
        return "(silent)"

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

    def reminders(self) -> None:
        texts = self.slack.runtime.texts
        reminder = {texts.get("checkin.reminder_notification", lang) for lang in texts.languages()}
        self.clock.advance(timedelta(hours=24))
        for _ in range(2):  # a second pass must not remind anyone twice
            self.slack.tick()
        reminded = [
            self.name_of_channel(call.params["channel"])
            for call in self.slack.api.calls_to("chat.postMessage")
            if call.params.get("text") in reminder
        ]
        self.say(
            "5. 24 hours after their check-in, one gentle reminder to those who have not answered "
            f"({len(reminded)}):"
        )
        self.say("   " + ", ".join(sorted(reminded)) + "\n")

    def local_nine_utc(self, tz: str) -> datetime:
        local = DEMO_START.astimezone(zone(tz))
        monday = local.date() + timedelta(days=(7 - local.weekday()) % 7)
        return datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=zone(tz)).astimezone(UTC)

    def show_member_view(self) -> None:
        person = next(p for p in DEMO_MEMBERS if p.responds == "modal")
        messages = self.slack.api.messages_to(person.user_id)
        views = [v for v in self.slack.api.open_views() if v.get("callback_id") == "checkin_modal"]
        self.say(f"6. What {person.real_name} saw")
        self.say("   The check-in DM (after answering, Convene replaced the buttons):")
        calls = [
            c
            for c in self.slack.api.calls_to("chat.postMessage")
            if c.params.get("channel") == person.user_id
        ]
        for line in render_blocks(calls[0].params.get("blocks") or []):
            self.say(f"   | {line}")
        self.say("   ...and now:")
        for line in render_blocks(messages[0].get("blocks") or []):
            self.say(f"   | {line}")
        if views:
            self.say("   The answer form:")
            for line in render_blocks(views[0].get("blocks") or []):
                self.say(f"   | {line}")
        self.say("")

    def show_stored(self) -> None:
        self.say("7. What was stored (answers are private; shown here because this is a demo)")
        with self.slack.db.session() as session:
            rows = session.exec(
                select(Member, CheckinDelivery)
                .join(CheckinDelivery, CheckinDelivery.member_id == Member.id)
                .order_by(CheckinDelivery.due_at)
            ).all()
            answers = {a.member_id: a for a in session.exec(select(Answer)).all()}
            tags = session.exec(
                select(AnswerTag, PainPoint).join(PainPoint, PainPoint.id == AnswerTag.pain_point_id)
            ).all()
        by_answer: dict[int, list[str]] = {}
        for tag, pain in tags:
            by_answer.setdefault(tag.answer_id, []).append(f"{pain.slug} ({tag.source})")
        statuses: Counter[str] = Counter()
        self.say(
            f"   {'member':<24} {'country':<20} {'asked (UTC)':<12} {'status':<9} {'via':<6} "
            "pain points (who tagged them)"
        )
        for member, delivery in rows:
            answer = answers.get(member.id)
            statuses[delivery.status] += 1
            via = answer.source if answer else "-"
            pains = ", ".join(by_answer.get(answer.id, [])) if answer else ""
            self.say(
                f"   {member.real_name:<24} {member.country or '':<20} {delivery.due_at:%a %H:%M}    "
                f"{delivery.status:<9} {via:<6} {pains}"
            )
        total = sum(statuses.values())
        self.say(
            f"   {total} check-ins, one per member (unique per round); "
            + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
            + f"; {len(answers)} answers stored"
        )
        untagged = len([a for a in answers.values() if a.id not in by_answer])
        self.say(
            "   Every answer was tagged after it was stored: "
            f"{len(answers) - untagged} with pain points, {untagged} with no confident tag "
            "(candidates for emerging themes).\n"
        )

    def show_taxonomy(self) -> None:
        reply = self.command(DEMO_FACILITATOR.user_id, "pains", channel_id=DEMO_COORDINATOR_CHANNEL[0])
        self.say("8. The facilitator looks at the pain points (/convene pains)")
        for line in render_blocks(reply.get("blocks") or []):
            self.say(f"   | {line}")
        self.say("")

    def matching(self) -> None:
        facilitator, channel = DEMO_FACILITATOR.user_id, DEMO_COORDINATOR_CHANNEL[0]
        # Only the form asks about matching; DM replies can add it with "Add details".
        wanted = sum(1 for p in DEMO_MEMBERS if p.wants_match and p.responds == "modal")
        self.say(f"4. Monday evening: a facilitator matches the {wanted} members who asked for a peer")
        preview = self.command(facilitator, "match preview", channel_id=channel)
        for line in render_blocks(preview.get("blocks") or [])[:-2]:
            self.say(f"   | {self.names(line)}")
        sent = self.command(facilitator, "match run", channel_id=channel)
        self.say(f"   /convene match run -> {flatten(sent)}")
        intro = next(
            c
            for c in self.slack.api.calls_to("chat.postMessage")
            if c.params.get("text") == "You've been matched"
        )
        self.say("   One of the group DMs:")
        for line in render_blocks(intro.params.get("blocks") or []):
            self.say(f"   | {self.names(line)}")
        self.say("")

    def names(self, line: str) -> str:
        """Mentions as a Slack client would show them."""
        for person in self.people.values():
            line = line.replace(f"<@{person.user_id}>", f"@{person.real_name}")
        return line

    def digest(self) -> None:
        channel = DEMO_COORDINATOR_CHANNEL[0]
        local = self.clock.now()
        friday = (local + timedelta(days=(4 - local.weekday()) % 7)).replace(hour=15, minute=0)
        self.clock.set(friday)
        self.slack.tick()
        posted = [
            c.params
            for c in self.slack.api.calls_to("chat.postMessage")
            if c.params.get("channel") == channel
        ]
        self.say(f"9. Friday 15:00: the weekly digest reaches #{DEMO_COORDINATOR_CHANNEL[1]} by itself")
        for line in render_blocks(posted[0].get("blocks") or []) if posted else ["(nothing posted)"]:
            self.say(f"   | {self.names(line)}")
        for upload in self.slack.api.uploaded_files():
            self.say(f"   | [chart: {upload['filename']}, {len(upload['content']) // 1024} KB PNG]")
        self.say("")

    def show_api_usage(self) -> None:
        counts = Counter(call.method for call in self.slack.api.calls)
        self.say(
            "10. Slack Web API calls the whole demo made: "
            + ", ".join(f"{m} x{n}" for m, n in counts.most_common())
        )
        self.say("Done. Try it for real: see the README, 'Install in your workspace'.")

    # ------------------------------------------------------------------ helpers

    def command(self, user_id: str, text: str, channel_id: str = "C0GENERAL") -> dict[str, Any]:
        return self.slack.command(user_id, text, channel_id)

    def name_of_channel(self, channel: str) -> str:
        for person in self.people.values():
            if channel in (person.user_id, self.slack.api.dm_channel_id(person.user_id)):
                return person.real_name
        return channel

    def say(self, line: str) -> None:
        print(line, file=self.out)

    def close(self) -> None:
        self.slack.close()


def flatten(message: dict[str, Any], limit: int = 160) -> str:
    lines = render_blocks(message.get("blocks") or []) or [message.get("text", "")]
    text = " / ".join(line for line in lines if line)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    """Block Kit as a terminal shows it: text, then [buttons], then input labels."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            lines.extend(block["text"]["text"].splitlines())
        elif kind == "context":
            lines.extend(e.get("text", "") for e in block.get("elements", []))
        elif kind == "actions":
            lines.append("  ".join(f"[{e['text']['text']}]" for e in block.get("elements", [])))
        elif kind == "input":
            element = block.get("element", {})
            options = [o["text"]["text"] for o in element.get("options", [])]
            suffix = f": {' | '.join(options)}" if options else ": ____"
            lines.append(f"{block['label']['text']}{suffix}")
        elif kind == "divider":
            lines.append("-" * 40)
    return lines


def _offset_hours(tz: str) -> float:
    offset = DEMO_START.astimezone(zone(tz)).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0.0


def run_demo(out: TextIO, database_url: str | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="convene-demo-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
        demo = Demo(out, url)
        try:
            demo.run()
        finally:
            demo.close()
