"""The App Home settings: each control acks at once, changes the member's row, and
re-publishes Home with a line saying what happened (or, for bad input, why nothing did)."""

import logging
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.core import schedule
from bot.core.promises import Consent, Privacy, Promises
from bot.core.runtime import Runtime
from bot.matching import service as match_service
from bot.members import blocks as member_blocks
from bot.members import service as members
from bot.members import settings as member_settings
from bot.members.service import Member
from bot.workspaces.authz import lookup_profile
from bot.workspaces.service import ready_workspace
from handlers import home, request
from handlers.workspace_guard import Caller

log = logging.getLogger("convene.home")

NOTICES = {
    "past_date": "home.notice_past_date",
    "too_far": "home.notice_too_far",
    "not_active": "home.notice_not_active",
}
# What a control does to the member's row; returns the notice shown on the re-published Home.
Change = Callable[[Runtime, Any, Member, dict[str, Any]], str | None]


def register(app: App, runtime: Runtime) -> None:
    app.action(member_blocks.PAUSE_UNTIL)(partial(on_setting, runtime=runtime, change=pause_until))
    app.action(member_blocks.RESUME)(partial(on_setting, runtime=runtime, change=resume))
    app.action(member_blocks.FREQUENCY)(partial(on_setting, runtime=runtime, change=frequency))
    app.action(member_blocks.MATCHING)(partial(on_setting, runtime=runtime, change=matching))
    app.action(member_blocks.LANGUAGE)(partial(on_setting, runtime=runtime, change=language))
    app.action(member_blocks.CONSENT_DEFAULT)(partial(on_setting, runtime=runtime, change=consent_default))
    app.action(member_blocks.JOIN)(partial(join, runtime=runtime))


def on_setting(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    caller: Caller | None,
    *,
    runtime: Runtime,
    change: Change,
) -> None:
    ack()  # Slack wants an answer within 3 s; the work comes after
    if caller is None or not caller.user_id:
        return
    action = request.first_action(body)
    notice = None
    with runtime.db.session() as session:
        member = members.get_member(session, caller.team_id, caller.user_id)
        if member is not None:
            try:
                notice = change(runtime, session, member, action)
            except member_settings.Refused as exc:
                key = NOTICES.get(exc.reason)
                loc = members.language_of(member)
                notice = runtime.texts.get(key, loc, **exc.values) if key else None
    home.publish(runtime, client, caller.team_id, caller.user_id, notice)


def pause_until(runtime: Runtime, session: Any, member: Member, action: dict[str, Any]) -> str | None:
    chosen = _date(action.get("selected_date"))
    if chosen is None:
        return None  # the picker was cleared: nothing to do
    until = member_settings.pause_until(session, member, chosen, runtime.clock.now())
    return runtime.texts.get("home.notice_paused", members.language_of(member), until=until.isoformat())


def resume(runtime: Runtime, session: Any, member: Member, action: dict[str, Any]) -> str | None:
    members.resume(session, member, runtime.clock.now())
    return runtime.texts.get("home.notice_resumed", members.language_of(member))


def frequency(runtime: Runtime, session: Any, member: Member, action: dict[str, Any]) -> str | None:
    value = _selected(action)
    weeks = int(value) if value.isascii() and value.isdigit() else 0
    member_settings.set_frequency(session, member, weeks, runtime.clock.now())
    loc = members.language_of(member)
    label = member_settings.frequency_label(runtime.texts, weeks, loc)
    return runtime.texts.get("home.notice_frequency", loc, frequency=label)


def matching(runtime: Runtime, session: Any, member: Member, action: dict[str, Any]) -> str | None:
    enabled = action.get("value") == "on"
    match_service.set_matching(session, member, enabled, runtime.clock.now())
    key = "home.notice_matching_on" if enabled else "home.notice_matching_off"
    return runtime.texts.get(key, members.language_of(member))


def language(runtime: Runtime, session: Any, member: Member, action: dict[str, Any]) -> str | None:
    texts = runtime.texts
    member_settings.set_language(session, member, _selected(action), texts, runtime.clock.now())
    loc = members.language_of(member)  # the confirmation is already in the new language
    label = member_settings.language_label(texts, member.language, loc)
    return texts.get("home.notice_language", loc, language=label)


def consent_default(runtime: Runtime, session: Any, member: Member, action: dict[str, Any]) -> str | None:
    texts = runtime.texts
    level = _selected(action)
    withdrawn = member_settings.set_consent_default(session, member, level, runtime.clock.now())
    loc = members.language_of(member)
    label = Promises(texts, loc, Privacy()).label(level)
    if level == Consent.COUNTS_ONLY:
        return texts.count("home.notice_consent_withdrawn", withdrawn, loc, level=label)
    return texts.get("home.notice_consent", loc, level=label)


def join(ack: Ack, client: WebClient, caller: Caller | None, *, runtime: Runtime) -> None:
    ack()
    if caller is None or not caller.user_id:
        return
    texts = runtime.texts
    try:
        profile = lookup_profile(runtime, caller.team_id, caller.user_id)  # as `/convene join`
    except SlackClientError as exc:
        # Without Slack's profile there is nothing to join with; the Home stays as it was.
        log.warning("could not read the profile of %s: %s", caller.user_id, type(exc).__name__)
        return
    if profile.is_bot:
        return
    with runtime.db.session() as session:
        ws = ready_workspace(runtime, session, caller.team_id)
        member, _ = members.join(session, ws, profile, runtime.clock.now())
        loc = members.language_of(member)
        notice = texts.get(
            "home.notice_joined", loc, schedule=schedule.describe(ws.checkin_cron, texts, loc), tz=member.tz
        )
    home.publish(runtime, client, caller.team_id, caller.user_id, notice)


def _selected(action: dict[str, Any]) -> str:
    return request.text(request.dig(action, "selected_option", "value"))


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
