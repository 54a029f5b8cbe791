"""Subcommands anyone can run: help, join, pause, resume, leave, me."""

from typing import Any

from bot.core import schedule
from bot.core.promises import Promises
from bot.members import service as members
from bot.members import settings as member_settings
from bot.members.blocks import export_lines
from bot.members.history import past_exports
from bot.members.service import Answer, Member
from bot.slack import blocks
from bot.slack.directory import fetch_profile
from bot.slack.mrkdwn import escape, truncate
from bot.workspaces import service as workspaces
from bot.workspaces.authz import is_facilitator
from bot.workspaces.service import ready_workspace
from handlers import command_parser
from handlers.command_request import CommandHandler, CommandRequest
from handlers.reader_locale import locale_for

PROFILE_OPEN = "profile_open"


def help_(req: CommandRequest) -> None:
    loc = req.locale
    ws_name = _community(req, loc)
    with req.runtime.db.session() as session:
        privacy = workspaces.privacy(session, req.team_id, req.runtime.settings)
    parts = [
        blocks.header(req.t("commands.help_header", loc, community=ws_name)),
        blocks.section(req.t("commands.help_members", loc)),
        blocks.section(Promises(req.runtime.texts, loc, privacy).overview()),
    ]
    if is_facilitator(req.runtime, req.client, req.team_id, req.user_id):
        parts.append(blocks.section(req.t("commands.help_facilitators", loc)))
    req.reply(req.t("commands.help_header", loc, community=ws_name), parts)


def join(req: CommandRequest) -> None:
    profile = fetch_profile(req.client, req.user_id)  # name, time zone, locale from Slack
    if profile.is_bot:
        req.reply(req.t("join.bot", profile.locale))
        return
    now = req.runtime.clock.now()
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        member, outcome = members.join(session, ws, profile, now)
    loc = members.language_of(member)
    key = {"joined": "join.welcome", "rejoined": "join.welcome_back", "already": "join.already"}
    text = req.t(
        key[outcome],
        loc,
        first_name=escape(profile.first_name),
        schedule=schedule.describe(ws.checkin_cron, req.runtime.texts, loc),
        tz=member.tz,
    )
    label = req.t("join.profile_button", loc)
    reply = [
        blocks.section(text),
        {"type": "actions", "elements": [blocks.button(label, PROFILE_OPEN, "join")]},
    ]
    req.reply(text, reply)


def _not_member(req: CommandRequest, key: str) -> None:
    req.reply(req.t(key, locale_for(req.client, req.user_id)))


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
    loc = locale_for(req.client, req.user_id, member)
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
    loc = members.language_of(member)
    out = _me_blocks(req, member, stored, latest, Promises(req.runtime.texts, loc, privacy))
    out += blocks.sections_from_lines(export_lines(req.runtime.texts, loc, exports))
    req.reply(req.t("me.header", loc), out)


def _me_blocks(
    req: CommandRequest, member: Member, stored: members.Footprint, latest: list[Answer], promises: Promises
) -> list[dict[str, Any]]:
    """Every field of the member's row and a count of every other kind of row about them,
    and what the member was promised about their words."""
    texts, loc = req.runtime.texts, members.language_of(member)
    unset = req.t("me.unknown_value", loc)

    def on_off(value: bool) -> str:
        return req.t("me.on" if value else "me.off", loc)

    def yes_no(value: bool) -> str:
        return req.t("me.yes" if value else "me.no", loc)

    language = (
        member_settings.language_label(texts, member.language, loc)
        if member.language
        else req.t("me.language_auto", loc)
    )
    out = [
        blocks.header(req.t("me.header", loc)),
        blocks.section(
            req.t(
                "me.profile",
                loc,
                real_name=escape(member.real_name or member.name),
                name=escape(member.name),
                country=escape(member.country or unset),
                agency=escape(member.agency or unset),
                tz=member.tz,
                slack_locale=member.locale,
                status=member_settings.status_label(texts, member, loc),
                joined=member.joined_at.date().isoformat(),
                updated=member.updated_at.date().isoformat(),
            )
        ),
        blocks.section(
            req.t(
                "me.settings",
                loc,
                language=language,
                frequency=member_settings.frequency_label(texts, member.checkin_every_weeks, loc),
                matching=on_off(member.matching_enabled),
                consent=promises.label(member.consent_default),
                lead=yes_no(member.can_lead),
            )
        ),
        blocks.section(
            "\n".join(
                [
                    req.t("me.checkins", loc, count=stored.checkins, answered=stored.checkins_answered),
                    req.t(
                        "me.matches",
                        loc,
                        count=stored.matches,
                        answered=stored.followups_answered,
                        ignored=member.intros_ignored,
                    ),
                    req.t("me.avoid", loc, count=stored.avoided),
                    req.t(
                        "me.convenings",
                        loc,
                        answers=stored.convening_answers,
                        harvests=stored.harvests,
                        named=stored.keep_talking,
                    ),
                ]
            )
        ),
    ]
    if not latest:
        out.append(blocks.section(req.t("me.answers_none", loc)))
    else:
        answer = latest[0]
        out.append(
            blocks.section(req.t("me.answers", loc, count=stored.answers, date=answer.created_at.date()))
        )
        if answer.text_deleted_at is not None:
            out.append(blocks.section(req.t("privacy.text_deleted", loc)))
        else:
            out.append(blocks.section(truncate(escape(answer.text), 2900)))
        level = req.t("home.recent_consent", loc, level=promises.label(answer.consent))
        out.append(blocks.context(level))
    out.append(blocks.section(promises.overview()))
    return out


def _community(req: CommandRequest, locale: str | None) -> str:
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
    return escape(ws.name) if ws.name else req.t("common.community", locale)


HANDLERS: dict[str, CommandHandler] = {
    "help": help_,
    "join": join,
    "pause": pause,
    "resume": resume,
    "leave": leave,
    "me": me,
}
