"""Subcommands anyone can run: help, join, pause, resume, leave, me."""

from sqlmodel import func, select

from bot import blocks, command_parser, members, schedule
from bot.authz import is_facilitator
from bot.checkins import recent_answers
from bot.directory import fetch_profile
from bot.mrkdwn import escape, truncate
from handlers.command_request import CommandHandler, CommandRequest
from handlers.workspace_context import workspace
from storage.models import Answer, Member

PROFILE_OPEN = "profile_open"


def help_(req: CommandRequest) -> None:
    ws_name = _community(req)
    parts = [
        blocks.header(req.t("commands.help_header", community=ws_name)),
        blocks.section(req.t("commands.help_members")),
    ]
    if is_facilitator(req.runtime, req.client, req.team_id, req.user_id):
        parts.append(blocks.section(req.t("commands.help_facilitators")))
    req.reply(req.t("commands.help_header", community=ws_name), parts)


def join(req: CommandRequest) -> None:
    profile = fetch_profile(req.client, req.user_id)  # name, time zone, locale from Slack
    if profile.is_bot:
        req.reply(req.t("join.bot"))
        return
    now = req.runtime.clock.now()
    with req.runtime.db.session() as session:
        ws = workspace(req.runtime, session, req.team_id)
        member, outcome = members.join(session, ws, profile, now)
    loc = member.locale
    key = {"joined": "join.welcome", "rejoined": "join.welcome_back", "already": "join.already"}
    text = req.t(
        key[outcome],
        loc,
        first_name=escape(profile.first_name),
        schedule=schedule.describe(ws.checkin_cron),
        tz=member.tz,
    )
    label = req.t("join.profile_button", loc)
    reply = [
        blocks.section(text),
        {"type": "actions", "elements": [blocks.button(label, PROFILE_OPEN, "join")]},
    ]
    req.reply(text, reply)


def pause(req: CommandRequest) -> None:
    weeks = command_parser.parse_weeks(req.args, members.DEFAULT_PAUSE_WEEKS, members.MAX_PAUSE_WEEKS)
    with req.runtime.db.session() as session:
        member = members.get_member(session, req.team_id, req.user_id)
        if member is None:
            req.reply(req.t("pause.not_member"))
            return
        if weeks is None:
            req.reply(req.t("pause.bad_weeks", member.locale, max=members.MAX_PAUSE_WEEKS))
            return
        now = req.runtime.clock.now()
        until = members.pause(session, member, weeks, now.date(), now)
    req.reply(req.t("pause.done", member.locale, until=until.isoformat()))


def resume(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        member = members.get_member(session, req.team_id, req.user_id)
        if member is None:
            req.reply(req.t("pause.not_member"))
            return
        changed = members.resume(session, member, req.runtime.clock.now())
    req.reply(req.t("resume.done" if changed else "resume.already", member.locale))


def leave(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        member = members.get_member(session, req.team_id, req.user_id)
        changed = member is not None and members.leave(session, member, req.runtime.clock.now())
    req.reply(req.t("leave.done" if changed else "leave.already", member.locale if member else None))


def me(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        member = members.get_member(session, req.team_id, req.user_id)
        if member is None:
            req.reply(req.t("me.not_member"))
            return
        count = session.exec(select(func.count()).where(Answer.member_id == member.id)).one()
        latest = recent_answers(session, member, limit=1)
    req.reply(req.t("me.header", member.locale), _me_blocks(req, member, count, latest))


def _me_blocks(req: CommandRequest, member: Member, count: int, latest: list[Answer]) -> list[dict]:
    loc = member.locale
    unset = req.t("me.unknown_value", loc)
    status = member.status + (f" until {member.paused_until}" if member.paused_until else "")
    out = [
        blocks.header(req.t("me.header", loc)),
        blocks.section(
            req.t(
                "me.profile",
                loc,
                real_name=escape(member.real_name or member.name),
                country=escape(member.country or unset),
                agency=escape(member.agency or unset),
                tz=member.tz,
                language=member.locale,
                status=status,
            )
        ),
    ]
    if not latest:
        out.append(blocks.section(req.t("me.answers_none", loc)))
    else:
        answer = latest[0]
        out.append(blocks.section(req.t("me.answers", loc, count=count, date=answer.created_at.date())))
        out.append(blocks.section(truncate(escape(answer.text), 2900)))
    return out


def _community(req: CommandRequest) -> str:
    with req.runtime.db.session() as session:
        ws = workspace(req.runtime, session, req.team_id)
    return escape(ws.name) if ws.name else req.t("common.community")


HANDLERS: dict[str, CommandHandler] = {
    "help": help_,
    "join": join,
    "pause": pause,
    "resume": resume,
    "leave": leave,
    "me": me,
}
