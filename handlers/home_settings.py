"""The App Home settings: each control acks at once, changes the member's row, and
re-publishes Home with a line saying what happened (or, for bad input, why nothing did)."""

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.core import schedule
from bot.core.promises import Consent, Privacy, Promises
from bot.core.runtime import Runtime
from bot.matching import service as match_service
from bot.members import service as members
from bot.members import settings as member_settings
from bot.members.service import Member
from bot.slack.directory import fetch_profile
from bot.workspaces.service import ready_workspace
from handlers import home, request

log = logging.getLogger("convene.home")

NOTICES = {
    "past_date": "home.notice_past_date",
    "too_far": "home.notice_too_far",
    "not_active": "home.notice_not_active",
}


def register(app: App, runtime: Runtime) -> None:
    texts = runtime.texts

    def listener(change: Any) -> Any:
        """Wrap `change(member, action) -> notice` as a Bolt listener for a Home control."""

        def on_action(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()  # Slack wants an answer within 3 s; the work comes after
            team_id, user_id = request.team_id(body) or "", request.user_id(body) or ""
            action = _action(body)
            notice = None
            with runtime.db.session() as session:
                member = members.get_member(session, team_id, user_id)
                if member is not None:
                    try:
                        notice = change(session, member, action)
                    except member_settings.Refused as exc:
                        key = NOTICES.get(exc.reason)
                        loc = members.language_of(member)
                        notice = texts.get(key, loc, **exc.values) if key else None
            home.publish(runtime, client, team_id, user_id, notice)

        return on_action

    def pause_until(session: Any, member: Member, action: dict[str, Any]) -> str | None:
        chosen = _date(action.get("selected_date"))
        if chosen is None:
            return None  # the picker was cleared: nothing to do
        until = member_settings.pause_until(session, member, chosen, runtime.clock.now())
        return texts.get("home.notice_paused", members.language_of(member), until=until.isoformat())

    def resume(session: Any, member: Member, action: dict[str, Any]) -> str | None:
        members.resume(session, member, runtime.clock.now())
        return texts.get("home.notice_resumed", members.language_of(member))

    def frequency(session: Any, member: Member, action: dict[str, Any]) -> str | None:
        value = _selected(action)
        weeks = int(value) if value.isascii() and value.isdigit() else 0
        member_settings.set_frequency(session, member, weeks, runtime.clock.now())
        loc = members.language_of(member)
        label = member_settings.frequency_label(texts, weeks, loc)
        return texts.get("home.notice_frequency", loc, frequency=label)

    def matching(session: Any, member: Member, action: dict[str, Any]) -> str | None:
        enabled = action.get("value") == "on"
        match_service.set_matching(session, member, enabled, runtime.clock.now())
        key = "home.notice_matching_on" if enabled else "home.notice_matching_off"
        return texts.get(key, members.language_of(member))

    def language(session: Any, member: Member, action: dict[str, Any]) -> str | None:
        member_settings.set_language(session, member, _selected(action), texts, runtime.clock.now())
        loc = members.language_of(member)  # the confirmation is already in the new language
        label = member_settings.language_label(texts, member.language, loc)
        return texts.get("home.notice_language", loc, language=label)

    def consent_default(session: Any, member: Member, action: dict[str, Any]) -> str | None:
        level = _selected(action)
        withdrawn = member_settings.set_consent_default(session, member, level, runtime.clock.now())
        loc = members.language_of(member)
        label = Promises(texts, loc, Privacy()).label(level)
        if level == Consent.COUNTS_ONLY:
            return texts.count("home.notice_consent_withdrawn", withdrawn, loc, level=label)
        return texts.get("home.notice_consent", loc, level=label)

    app.action(home.PAUSE_UNTIL)(listener(pause_until))
    app.action(home.RESUME)(listener(resume))
    app.action(home.FREQUENCY)(listener(frequency))
    app.action(home.MATCHING)(listener(matching))
    app.action(home.LANGUAGE)(listener(language))
    app.action(home.CONSENT_DEFAULT)(listener(consent_default))

    @app.action(home.JOIN)
    def join(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = request.team_id(body) or "", request.user_id(body) or ""
        try:
            profile = fetch_profile(client, user_id)  # name, time zone and locale, as `/convene join`
        except SlackClientError as exc:
            # Without Slack's profile there is nothing to join with; the Home stays as it was.
            log.warning("could not read the profile of %s: %s", user_id, type(exc).__name__)
            return
        if profile.is_bot:
            return
        with runtime.db.session() as session:
            ws = ready_workspace(runtime, session, team_id)
            member, _ = members.join(session, ws, profile, runtime.clock.now())
            loc = members.language_of(member)
            notice = texts.get(
                "home.notice_joined",
                loc,
                schedule=schedule.describe(ws.checkin_cron, texts, loc),
                tz=member.tz,
            )
        home.publish(runtime, client, team_id, user_id, notice)


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = request.dig(body, "actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return first if isinstance(first, dict) else {}


def _selected(action: dict[str, Any]) -> str:
    value = request.dig(action, "selected_option", "value")
    return value if isinstance(value, str) else ""


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
