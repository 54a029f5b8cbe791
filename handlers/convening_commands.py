"""`/convene convening …` for facilitators (add, list, cancel, invite, tables), the seating
preview's *Move a member* and *Send* buttons, and the members' side: RSVP buttons (in the
invitation and the App Home), the harvest form and the four-week follow-up."""

import json
import logging
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.checkins import fanout as checkin_fanout
from bot.convenings import blocks as convening_blocks
from bot.convenings import fanout, harvest, seats
from bot.convenings import service as convenings
from bot.convenings.seating import DEFAULT_SIZE, MAX_SIZE, MIN_SIZE
from bot.convenings.service import Convening
from bot.core.runtime import Runtime
from bot.members import service as members
from bot.members.service import Member
from bot.slack.mrkdwn import escape, is_number
from bot.workspaces.authz import is_facilitator
from bot.workspaces.service import ready_workspace
from handlers import home, request
from handlers.command_request import CommandRequest
from handlers.commands import subcommand
from handlers.reader_locale import locale_for
from handlers.workspace_guard import Caller

log = logging.getLogger("convene.convenings")


def _error(runtime: Runtime, exc: convenings.ConveningError, locale: str | None = None) -> str:
    return runtime.texts.get(f"convening.error_{exc.reason}", locale, **exc.values)


# ---------------------------------------------------------------- commands


def convening_list(req: CommandRequest) -> None:
    now = req.runtime.clock.now()
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        today = convenings.community_today(ws, now)
        coming = [convenings.overview(session, c) for c in convenings.upcoming(session, req.team_id, today)]
        held = [convenings.overview(session, c) for c in convenings.past(session, req.team_id, today)]
    text, out = convening_blocks.list_blocks(req.runtime.texts, coming, held, today)
    req.reply(text, out)


def convening_add(req: CommandRequest) -> None:
    try:
        name, day, place = convenings.parse_add(req.args)
    except convenings.ConveningError as exc:
        req.reply(_error(req.runtime, exc))
        return
    now = req.runtime.clock.now()
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        convening, outcome = convenings.add(session, req.team_id, name, day, place, req.user_id, now)
        today = convenings.community_today(ws, now)
    req.reply(
        convening_blocks.added_text(req.runtime.texts, convening, outcome, today, ws.pre_engagement_weeks)
    )


def convening_cancel(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
    convening, report = fanout.cancel(req.runtime, req.team_id, req.user_id)
    if convening is None:
        req.reply(req.t("convening.none_upcoming"))
        return
    when = convening_blocks.where_and_when(req.runtime.texts, convening)
    req.reply(req.t("convening.cancelled", name=escape(convening.name), when=when, told=report.sent))


def convening_invite(req: CommandRequest) -> None:
    runtime = req.runtime
    now = runtime.clock.now()
    with runtime.db.session() as session:
        ws = ready_workspace(runtime, session, req.team_id)
        convening = convenings.next_upcoming(session, req.team_id, convenings.community_today(ws, now))
    if convening is None:
        req.reply(req.t("convening.none_upcoming"))
        return
    # Invitations are in each member's language: names and locales fresh from Slack first.
    checkin_fanout.sync_profiles(runtime, req.team_id)
    created, before, report = fanout.send_invites(runtime, req.team_id, convening)
    req.reply(
        req.t(
            "convening.invited",
            name=escape(convening.name),
            sent=report.sent,
            before=before,
            failed=report.failed + report.undeliverable,
            new=created,
        )
    )


def convening_tables(req: CommandRequest) -> None:
    size = _size(req.args)
    if size is None:
        req.reply(req.t("convening.error_size", low=MIN_SIZE, high=MAX_SIZE))
        return
    runtime = req.runtime
    now = runtime.clock.now()
    with runtime.db.session() as session:
        ws = ready_workspace(runtime, session, req.team_id)
        convening = convenings.next_upcoming(session, req.team_id, convenings.community_today(ws, now))
        if convening is None:
            req.reply(req.t("convening.none_upcoming"))
            return
        try:
            tables = seats.propose(session, ws, convening, size, runtime.texts, req.user_id)
        except seats.AlreadySent:
            req.reply(req.t("convening.error_already_sent", name=escape(convening.name)))
            return
        except convenings.ConveningError as exc:
            req.reply(_error(runtime, exc))
            return
        names = fanout.pain_names(session, req.team_id)
    text, out = convening_blocks.seating_preview(runtime.texts, convening, tables, names)
    req.reply(text, out)


def _size(args: list[str]) -> int | None:
    if not args:
        return DEFAULT_SIZE
    if len(args) > 1 or not is_number(args[0]) or len(args[0]) > 3:
        return None
    size = int(args[0])
    return size if MIN_SIZE <= size <= MAX_SIZE else None


# ---------------------------------------------------------------- facilitators' buttons


def _convening_id(value: str) -> int | None:
    return int(value) if is_number(value) and len(value) < 12 else None


def open_move(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    caller: Caller | None,
    *,
    runtime: Runtime,
) -> None:
    ack()
    if caller is None or not caller.user_id:
        return
    team_id, user_id = caller.team_id, caller.user_id
    if not is_facilitator(runtime, team_id, user_id):
        # The preview is ephemeral, but a forwarded or replayed click must still be told no.
        respond(
            text=runtime.texts.get("commands.not_facilitator", command="convening"), replace_original=False
        )
        return
    trigger_id = body.get("trigger_id")
    convening_id = _convening_id(request.action_value(body))
    with runtime.db.session() as session:
        convening = convenings.get(session, team_id, convening_id) if convening_id else None
        if convening is None or not seats.is_editable(convening) or not isinstance(trigger_id, str):
            respond(text=runtime.texts.get("convening.error_no_plan"), replace_original=False)
            return
        view = convening_blocks.move_modal(
            runtime.texts,
            convening,
            seats.stored_plan(session, convening),
            fanout.pain_names(session, team_id),
        )
    client.views_open(trigger_id=trigger_id, view=view)


def submit_move(ack: Ack, body: dict[str, Any], caller: Caller | None, *, runtime: Runtime) -> None:
    texts = runtime.texts
    if caller is None or not caller.user_id or not is_facilitator(runtime, caller.team_id, caller.user_id):
        ack(
            response_action="errors",
            errors={"member": texts.get("commands.not_facilitator", command="convening")},
        )
        return
    team_id = caller.team_id
    view = body["view"] if isinstance(body.get("view"), dict) else {}
    who, table, swap_with = convening_blocks.read_move_state(request.dig(view, "state", "values"))
    convening_id = _metadata_id(view.get("private_metadata"))
    with runtime.db.session() as session:
        convening = convenings.get(session, team_id, convening_id) if convening_id else None
        member = members.get_member(session, team_id, who) if who else None
        other = members.get_member(session, team_id, swap_with) if swap_with else None
        if convening is None or member is None or (swap_with and other is None):
            ack(response_action="errors", errors={"member": texts.get("convening.error_not_seated")})
            return
        try:
            seats.move(session, convening, texts, member.id or 0, table, other.id if other else None)
        except convenings.ConveningError as exc:
            ack(
                response_action="errors",
                errors={_MOVE_ERROR_BLOCK.get(exc.reason, "member"): _error(runtime, exc)},
            )
            return
        tables = seats.stored_plan(session, convening)
        _, preview = convening_blocks.seating_preview(
            texts, convening, tables, fanout.pain_names(session, team_id)
        )
    notice = (
        texts.get("convening.swapped", a=who, b=swap_with)
        if other is not None
        else texts.get("convening.moved", user_id=who, number=table)
    )
    ack(response_action="update", view=convening_blocks.moved_view(texts, notice, preview))


# Which field of the move form an error is shown under.
_MOVE_ERROR_BLOCK = {
    "no_such_table": "table",
    "unbalanced": "table",
    "usage_move": "table",
    "same_table": "swap",
}


def send_plan(
    ack: Ack, body: dict[str, Any], respond: Respond, caller: Caller | None, *, runtime: Runtime
) -> None:
    ack()
    texts = runtime.texts
    if caller is None or not caller.user_id:
        return
    team_id, user_id = caller.team_id, caller.user_id
    if not is_facilitator(runtime, team_id, user_id):
        respond(text=texts.get("commands.not_facilitator", command="convening"), replace_original=False)
        return
    convening_id = _convening_id(request.action_value(body))
    if convening_id is None:
        return
    report = fanout.send_plan(runtime, team_id, convening_id)
    if report.error == "no_channel":
        respond(text=texts.get("digest.no_channel"), replace_original=False)
    elif report.error == "gone":
        respond(text=texts.get("convening.error_no_plan"), replace_original=False)
    elif report.already:
        respond(text=texts.get("convening.plan_already_sent"), replace_original=False)
    else:
        sent = report.sent
        text = texts.get(
            "convening.plan_sent",
            people=report.people,
            sent=sent.sent if sent else 0,
            failed=(sent.failed + sent.undeliverable) if sent else 0,
        )
        if not report.posted:
            text += " " + texts.get("convening.plan_not_posted", error=escape(report.error or ""))
        respond(text=text, replace_original=True)


# ---------------------------------------------------------------- members


def rsvp(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    caller: Caller | None,
    *,
    runtime: Runtime,
) -> None:
    """Going / Not this time, from the invitation or the App Home."""
    ack()
    texts = runtime.texts
    if caller is None or not caller.user_id:
        return
    team_id, user_id = caller.team_id, caller.user_id
    answer = convening_blocks.RSVP.get(request.action_id(body), "")
    convening_id = _convening_id(request.action_value(body))
    from_home = request.dig(body, "view", "type") == "home"
    now = runtime.clock.now()
    updated: tuple[str, list[dict[str, Any]]] | None = None
    with runtime.db.session() as session:
        member = members.get_member(session, team_id, user_id)
        convening = convenings.get(session, team_id, convening_id) if convening_id else None
        loc = locale_for(runtime, team_id, user_id, member)
        if member is None:
            notice = texts.get("convening.rsvp_not_member", loc)
        else:
            try:
                if convening is None:
                    raise convenings.ConveningError("rsvp_closed")
                today = convenings.today_of(session, team_id, now)
                convenings.set_rsvp(session, member, convening, answer, today, now)
                notice = convening_blocks.answer_text(texts, loc, answer)
                updated = convening_blocks.invite_message(texts, member, convening, answer)
            except convenings.ConveningError:
                notice = convening_blocks.rsvp_closed_text(texts, loc, convening)
    if from_home:
        home.publish(runtime, client, team_id, user_id, notice)
    elif updated is not None:
        respond(text=updated[0], blocks=updated[1], replace_original=True)
    else:
        respond(text=notice, replace_original=False)


def open_harvest(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    caller: Caller | None,
    *,
    runtime: Runtime,
) -> None:
    ack()
    if caller is None or not caller.user_id:
        return
    team_id, user_id = caller.team_id, caller.user_id
    trigger_id = body.get("trigger_id")
    convening_id = _convening_id(request.action_value(body))
    now = runtime.clock.now()
    with runtime.db.session() as session:
        member = members.get_member(session, team_id, user_id)
        convening = convenings.get(session, team_id, convening_id) if convening_id else None
        loc = locale_for(runtime, team_id, user_id, member)
        problem = _harvest_problem(runtime, session, team_id, convening, member, now, loc)
        if problem is not None or member is None or convening is None or not isinstance(trigger_id, str):
            respond(
                text=problem or runtime.texts.get("convening.error_not_attendee", loc), replace_original=False
            )
            return
        given = harvest.harvest_of(session, convening.id or 0, member.id or 0)
        contacts = harvest.contacts_of(session, convening.id or 0, member.id or 0)
    client.views_open(
        trigger_id=trigger_id,
        view=convening_blocks.harvest_modal(runtime.texts, member, convening, given, contacts),
    )


def _harvest_problem(
    runtime: Runtime,
    session: Any,
    team_id: str,
    convening: Convening | None,
    member: Member | None,
    now: datetime,
    loc: str | None,
) -> str | None:
    if member is None or convening is None:
        return runtime.texts.get("convening.error_not_attendee", loc)
    workspace = ready_workspace(runtime, session, team_id)
    try:
        harvest.check_attendee(session, workspace, convening, member, now)
    except convenings.ConveningError as exc:
        return _error(runtime, exc, loc)
    return None


def submit_harvest(
    ack: Ack, body: dict[str, Any], client: WebClient, caller: Caller | None, *, runtime: Runtime
) -> None:
    if caller is None or not caller.user_id:
        ack(response_action="errors", errors={"try": runtime.texts.get("commands.error")})
        return
    team_id, user_id = caller.team_id, caller.user_id
    view = body["view"] if isinstance(body.get("view"), dict) else {}
    state = convening_blocks.read_harvest_state(request.dig(view, "state", "values"))
    convening_id = _metadata_id(view.get("private_metadata"))
    now = runtime.clock.now()
    with runtime.db.session() as session:
        member = members.get_member(session, team_id, user_id)
        convening = convenings.get(session, team_id, convening_id) if convening_id else None
        loc = locale_for(runtime, team_id, user_id, member)
        if member is None or convening is None:
            ack(
                response_action="errors",
                errors={"try": runtime.texts.get("convening.error_not_attendee", loc)},
            )
            return
        workspace = ready_workspace(runtime, session, team_id)
        try:
            # Stored and committed before Slack hears back: nothing after this can lose it.
            harvest.record_harvest(
                session, workspace, convening, member, state["text"], state["people"], state["consent"], now
            )
        except convenings.ConveningError as exc:
            ack(response_action="errors", errors={"try": _error(runtime, exc, loc)})
            return
        dm = harvest.harvest_dm(session, convening.id or 0, member.id or 0)
        text, out = convening_blocks.harvest_message(runtime.texts, member, convening, answered=True)
    ack()
    if dm is not None and dm.channel_id and dm.message_ts:
        try:
            client.chat_update(channel=dm.channel_id, ts=dm.message_ts, text=text, blocks=out)
        except SlackClientError as exc:
            # Cosmetic: the answer is already safe in the database.
            log.warning("could not update harvest DM %s: %s", dm.id, type(exc).__name__)


def tried(
    ack: Ack, body: dict[str, Any], respond: Respond, caller: Caller | None, *, runtime: Runtime
) -> None:
    ack()
    if caller is None or not caller.user_id:
        return
    team_id, user_id = caller.team_id, caller.user_id
    convening_id = _convening_id(request.action_value(body))
    with runtime.db.session() as session:
        member = members.get_member(session, team_id, user_id)
        convening = convenings.get(session, team_id, convening_id) if convening_id else None
        said = convening_blocks.TRIED.get(request.action_id(body), "")
        if (
            member is None
            or convening is None
            or not harvest.record_tried(session, convening, member, said, runtime.clock.now())
        ):
            locale = locale_for(runtime, team_id, user_id, member)
            respond(text=runtime.texts.get("convening.error_not_attendee", locale), replace_original=False)
            return
        text, out = convening_blocks.tried_message(runtime.texts, member, said)
    respond(text=text, blocks=out, replace_original=True)


def _metadata_id(raw: Any) -> int | None:
    try:
        data = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        return None
    value = data.get("convening") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def register(app: App, runtime: Runtime) -> None:
    for name, handler in (
        ("convening", convening_list),
        ("convening add", convening_add),
        ("convening cancel", convening_cancel),
        ("convening invite", convening_invite),
        ("convening tables", convening_tables),
    ):
        subcommand(app, runtime, name, handler)
    app.action(convening_blocks.MOVE)(partial(open_move, runtime=runtime))
    app.view(convening_blocks.MOVE_MODAL)(partial(submit_move, runtime=runtime))
    app.action(convening_blocks.SEND)(partial(send_plan, runtime=runtime))
    for rsvp_action in convening_blocks.RSVP:
        app.action(rsvp_action)(partial(rsvp, runtime=runtime))
    app.action(convening_blocks.HARVEST)(partial(open_harvest, runtime=runtime))
    app.view(convening_blocks.HARVEST_MODAL)(partial(submit_harvest, runtime=runtime))
    for tried_action in convening_blocks.TRIED:
        app.action(tried_action)(partial(tried, runtime=runtime))
