"""Subcommands anyone can run: help, join, pause, resume, leave, me."""

from slack_bolt import App

from bot.core.promises import Promises
from bot.core.runtime import Runtime
from bot.members import blocks as member_blocks
from bot.members import service as members
from bot.members.history import past_exports
from bot.slack.mrkdwn import escape
from bot.workspaces import service as workspaces
from bot.workspaces.authz import is_facilitator, lookup_profile
from bot.workspaces.service import ready_workspace
from handlers import command_parser
from handlers.command_request import CommandRequest
from handlers.commands import subcommand
from handlers.reader_locale import locale_for


def register(app: App, runtime: Runtime) -> None:
    for name, handler in (
        ("help", help_),
        ("join", join),
        ("pause", pause),
        ("resume", resume),
        ("leave", leave),
        ("me", me),
    ):
        subcommand(app, runtime, name, handler)


def help_(req: CommandRequest) -> None:
    loc = req.locale
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        privacy = workspaces.privacy(session, req.team_id, req.runtime.settings)
    community = escape(ws.name) if ws.name else req.t("common.community", loc)
    facilitator = is_facilitator(req.runtime, req.team_id, req.user_id)
    promises = Promises(req.runtime.texts, loc, privacy)
    title, out = member_blocks.help_blocks(req.runtime.texts, loc, community, promises, facilitator)
    req.reply(title, out)


def join(req: CommandRequest) -> None:
    profile = lookup_profile(req.runtime, req.team_id, req.user_id)  # name, time zone, locale
    if profile.is_bot:
        req.reply(req.t("join.bot", profile.locale))
        return
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        member, outcome = members.join(session, ws, profile, req.runtime.clock.now())
    loc = members.language_of(member)
    text, out = member_blocks.join_reply(
        req.runtime.texts, loc, outcome, profile.first_name, ws.checkin_cron, member.tz
    )
    req.reply(text, out)


def _not_member(req: CommandRequest, key: str) -> None:
    req.reply(req.t(key, locale_for(req.runtime, req.team_id, req.user_id)))


def pause(req: CommandRequest) -> None:
    weeks = command_parser.parse_weeks(req.args, members.DEFAULT_PAUSE_WEEKS, members.MAX_PAUSE_WEEKS)
    until = None
    with req.runtime.db.session() as session:
        member = members.get_member(session, req.team_id, req.user_id)
        if member is not None and weeks is not None:
            now = req.runtime.clock.now()
            until = members.pause(session, member, weeks, now.date(), now)
    if member is None:
        _not_member(req, "pause.not_member")
    elif until is None:
        req.reply(req.t("pause.bad_weeks", members.language_of(member), max=members.MAX_PAUSE_WEEKS))
    else:
        req.reply(req.t("pause.done", members.language_of(member), until=until.isoformat()))


def resume(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        member = members.get_member(session, req.team_id, req.user_id)
        changed = member is not None and members.resume(session, member, req.runtime.clock.now())
    if member is None:
        _not_member(req, "pause.not_member")
        return
    req.reply(req.t("resume.done" if changed else "resume.already", members.language_of(member)))


def leave(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        member = members.get_member(session, req.team_id, req.user_id)
        changed = member is not None and members.leave(session, member, req.runtime.clock.now())
    loc = locale_for(req.runtime, req.team_id, req.user_id, member)
    req.reply(req.t("leave.done" if changed else "leave.already", loc))


def me(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        member = members.get_member(session, req.team_id, req.user_id)
        if member is not None:
            stored = members.footprint(session, member)
            latest = members.recent_answers(session, member, limit=1)
            exports = past_exports(session, member, limit=20)
            privacy = workspaces.privacy(session, req.team_id, req.runtime.settings)
    if member is None:
        _not_member(req, "me.not_member")
        return
    promises = Promises(req.runtime.texts, members.language_of(member), privacy)
    title, out = member_blocks.me_blocks(req.runtime.texts, member, stored, latest, promises, exports)
    req.reply(title, out)
