"""Sending a week's matches: a group DM per group that says why they were matched, a
meeting time inside everyone's working hours and a role-play starter; a follow-up later."""

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core import schedule
from bot.core.runtime import Runtime
from bot.core.texts import DEFAULT_LANGUAGE, Texts
from bot.matching import meeting, service
from bot.matching.service import StoredGroup
from bot.members import service as members
from bot.slack import blocks, message_metadata, pacing
from bot.slack.errors import error_code
from bot.slack.mrkdwn import escape, quote
from storage.models import (
    Consent,
    MatchGroup,
    MatchMember,
    MatchRound,
    MatchRoundStatus,
    Member,
    Workspace,
)
from storage.queries import claimed

log = logging.getLogger("convene.matching")

MET, NOT_MET, HELPED, NOT_HELPED = "match_met", "match_not_met", "match_helped", "match_not_helped"
SWAP = "match_swap"


@dataclass
class SendReport:
    week: str
    groups: int = 0
    people: int = 0
    failed: int = 0
    already_sent: bool = False
    nobody: bool = False  # nobody asked for a match: nothing sent, the week stays open


def run_round(runtime: Runtime, team_id: str, actor: str | None) -> SendReport:
    """Send this week's matches: the stored proposal if there is one, else a fresh plan.
    Safe to call twice, or on two instances: the round is claimed once, each intro once."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
        week = service.week_key(workspace, now)
        report = SendReport(week)
        round_ = service.current_round(session, team_id, week)
        if service.week_closed(session, round_):
            report.already_sent = True
            return report
        _pause_ignorers(runtime, session, team_id, now)
        if round_ is None or round_.status != "preview" or service.is_empty(session, round_.id):  # type: ignore[arg-type]
            pool = service.build_pool(session, workspace, now)
            if not pool.candidates:
                # Sending an empty round would close the week before anyone could ask.
                report.nobody = True
                return report
            round_ = service.save_proposal(session, workspace, week, pool.plan(), actor, now)
        if not service.claim_round(session, round_.id, now):  # type: ignore[arg-type]
            report.already_sent = True
            return report
    send_pending_intros(runtime, team_id, report)
    with runtime.db.session() as session:
        _tell_left_out(runtime, session, round_.id, now)  # type: ignore[arg-type]
        service.finish_round(session, round_.id, now)  # type: ignore[arg-type]
    return report


def send_pending_intros(runtime: Runtime, team_id: str, report: SendReport | None = None) -> None:
    """Every claimed-but-unsent intro (this round's, or one that failed on an earlier tick)."""
    now = runtime.clock.now()
    client = runtime.client_for(team_id)
    # Intros share the workspace's message pace with check-ins and reminders (bot.slack.pacing).
    lane = pacing.lane_for(client, runtime.settings.slack_messages_per_second, runtime.db, team_id)
    with runtime.db.session() as session:
        pending = set(service.unsent_intros(session, team_id))
        stored = [
            g for round_id in _rounds_of(session, pending) for g in service.groups_of(session, round_id)
            if g.group.id in pending
        ]  # fmt: skip
        for group in stored:
            if not runtime.leadership.sending_allowed():
                break  # this instance lost the scheduler lease: the new leader sends the rest
            if not runtime.may_send(team_id):
                break  # uninstalled (or its token refused) while the intros went out
            if not service.claim_intro(session, group.group.id, now):  # type: ignore[arg-type]
                continue
            users = [m.user_id for m in group.members]
            try:
                # Opening the group DM takes a turn too: a round of intros is one burst of calls.
                together = ",".join(users)
                opened = lane.call(partial(WebClient.conversations_open, users=together))
                channel = opened["channel"]["id"]
                text, blocks_ = intro_message(runtime, session, team_id, group, now)
                lane.post_message(
                    channel=channel,
                    text=text,
                    blocks=blocks_,
                    unfurl_links=False,
                    # Lets a surviving instance ask Slack whether this intro went out (bot.app.recovery).
                    metadata=message_metadata.intro_metadata(group.group.id),
                )
            except SlackClientError as exc:
                code = error_code(exc)
                if not runtime.token_refused(team_id, exc):
                    log.warning("intro for group %s not sent: %s", group.group.id, code)
                service.intro_done(session, group.group.id, None, code, now)  # type: ignore[arg-type]
                if report:
                    report.failed += 1
                continue
            service.intro_done(session, group.group.id, channel, None, now)  # type: ignore[arg-type]
            if report:
                report.groups += 1
                report.people += len(users)


def _rounds_of(session: Session, group_ids: set[int]) -> list[int]:
    if not group_ids:
        return []
    rows = session.exec(select(MatchGroup.round_id).where(col(MatchGroup.id).in_(group_ids))).all()
    return sorted(set(rows))


def intro_message(
    runtime: Runtime, session: Session, team_id: str, group: StoredGroup, now: datetime
) -> tuple[str, list[dict[str, Any]]]:
    texts = runtime.texts
    workspace = session.get(Workspace, team_id)
    fallback_tz = workspace.timezone if workspace else "UTC"
    loc = group_language(runtime.texts, group.members)
    mentions = _mentions(group.members)
    shared = service.pain_names(session, team_id, group.shared)
    pair = len(group.members) == 2  # "both", not "all", for two people
    if shared:
        key = "match.intro_pair" if pair else "match.intro"
        opening = texts.get(key, loc, mentions=mentions, pains=escape(" & ".join(shared)))
    else:
        key = "match.intro_no_shared_pair" if pair else "match.intro_no_shared"
        opening = texts.get(key, loc, mentions=mentions, contexts=texts.get("match.contexts", loc))
    out = [blocks.header(texts.get("match.intro_header", loc)), blocks.section(opening)]
    quotes = _own_words(session, group, now)
    if quotes:
        lines = [
            texts.get("match.own_words_line", loc, user_id=uid, quote=quote(text, 600))
            for uid, text in quotes
        ]
        out.append(blocks.section(f"*{texts.get('match.own_words_header', loc)}*\n" + "\n".join(lines)))
    out.append(blocks.section(_meeting_text(runtime, group.members, fallback_tz, now, loc)))
    starters = texts.list("match.starters", loc)
    starter = starters[(group.group.id or 0) % len(starters)]
    out.append(blocks.section(f"*{texts.get('match.starter_header', loc)}*\n{starter}"))
    out.append(blocks.context(texts.get("match.footer", loc)))
    return texts.get("match.intro_header", loc), out


def group_language(texts: Texts, group: list[Member]) -> str:
    """A group DM is one message, so one language: the one every member reads (their App Home
    choice, else Slack's locale), or English when they differ. One intro per language would
    repeat the whole intro in a shared conversation; English is the community's common one."""
    languages = {texts.language(members.language_of(m)) for m in group}
    return languages.pop() if len(languages) == 1 else DEFAULT_LANGUAGE


def _mentions(members: list[Member]) -> str:
    ids = [f"<@{m.user_id}>" for m in members]
    return ", ".join(ids[:-1]) + " and " + ids[-1] if len(ids) > 1 else ids[0]


def _own_words(session: Session, group: StoredGroup, now: datetime) -> list[tuple[str, str]]:
    """Each member's own words of this week, named, only if they chose to share that answer
    with their matched peers. Read when the intro is sent, so a change of mind before then
    is honoured; an anonymous-quote consent is not this (it promised no name)."""
    quotes = []
    for member in group.members:
        latest = members.recent_answers(session, member, limit=1)
        if (
            latest
            and latest[0].consent == Consent.SHARE_WITH_MATCHES
            and latest[0].text_deleted_at is None
            and now - latest[0].created_at <= service.POOL_WINDOW
        ):
            quotes.append((member.user_id, latest[0].text))
    return quotes


def _meeting_text(runtime: Runtime, members: list[Member], fallback_tz: str, now: datetime, loc: str) -> str:
    texts = runtime.texts
    zones = [schedule.zone(m.tz, fallback_tz) for m in members]
    window = meeting.suggest(zones, now)
    if window is None:
        return texts.get("match.meeting_none", loc)
    times = "; ".join(
        texts.get(
            "match.meeting_time", loc, when=meeting.describe(window, zone, texts, loc), user_id=m.user_id
        )
        for m, zone in zip(members, zones, strict=True)
    )
    return texts.get("match.meeting_stretched" if window.stretched else "match.meeting", loc, times=times)


def _tell_left_out(runtime: Runtime, session: Session, round_id: int, now: datetime) -> None:
    for left, member in service.left_out(session, round_id):
        if not service.claim_left_out_notice(session, round_id, member.id, now):  # type: ignore[arg-type]
            continue
        key = "match.left_out_avoided" if left.reason == "avoided" else "match.left_out_alone"
        _dm(runtime, member.team_id, member.user_id, runtime.texts.get(key, members.language_of(member)))


def _pause_ignorers(runtime: Runtime, session: Session, team_id: str, now: datetime) -> None:
    for member in service.note_ignored_and_pause(session, team_id, now):
        until = member.paused_until.isoformat() if member.paused_until else ""
        text = runtime.texts.get(
            "match.paused_ignored",
            members.language_of(member),
            weeks=service.IGNORED_PAUSE_WEEKS,
            until=until,
        )
        _dm(runtime, team_id, member.user_id, text)


def send_followups(runtime: Runtime, team_id: str) -> int:
    now = runtime.clock.now()
    sent = 0
    texts = runtime.texts
    with runtime.db.session() as session:
        due = set(service.followups_due(session, team_id, now))
        workspace = session.get(Workspace, team_id)
        this_week = service.week_key(workspace, now) if workspace else None
        for round_id in _rounds_of(session, due):
            round_ = session.get(MatchRound, round_id)
            # "Your match from last week" only when it was; a Friday follow-up of Tuesday's
            # intro is this week's.
            which = (
                "match.followup_this_week"
                if round_ and round_.week_key == this_week
                else "match.followup_last_week"
            )
            for group in service.groups_of(session, round_id):
                if group.group.id not in due or not group.group.channel_id:
                    continue
                if not runtime.may_send(team_id):
                    return sent
                if not service.claim_followup(session, group.group.id, now):
                    continue
                loc = group_language(runtime.texts, group.members)
                pains = " & ".join(service.pain_names(session, team_id, group.shared))
                when = texts.get(which, loc)
                question = (
                    texts.get("match.followup", loc, which=when, pains=escape(pains))
                    if pains
                    else texts.get("match.followup_no_shared", loc, which=when)
                )
                value = str(group.group.id)
                body = [
                    blocks.section(question),
                    {"type": "actions", "elements": [
                        blocks.button(texts.get("match.met_button", loc), MET, value, style="primary"),
                        blocks.button(texts.get("match.not_met_button", loc), NOT_MET, value),
                        blocks.button(texts.get("match.helped_button", loc), HELPED, value),
                        blocks.button(texts.get("match.not_helped_button", loc), NOT_HELPED, value),
                    ]},
                ]  # fmt: skip
                try:
                    runtime.client_for(team_id).chat_postMessage(
                        channel=group.group.channel_id,
                        text=texts.get("match.followup_notification", loc),
                        blocks=body,
                    )
                    sent += 1
                except SlackClientError as exc:
                    if not runtime.token_refused(team_id, exc):
                        log.warning("follow-up for group %s not sent: %s", group.group.id, type(exc).__name__)
    return sent


def _dm(runtime: Runtime, team_id: str, user_id: str, text: str) -> None:
    if not runtime.may_send(team_id):
        return
    try:
        runtime.client_for(team_id).chat_postMessage(channel=user_id, text=text)
    except SlackClientError as exc:
        if not runtime.token_refused(team_id, exc):
            log.warning("could not DM %s: %s", user_id, type(exc).__name__)


# ---------------------------------------------------------------- recovery after a crash


def stuck_intros(
    session: Session, team_id: str, claimed_before: datetime
) -> list[tuple[int, list[str], datetime]]:
    """Intros claimed long ago and never settled (the sender died mid-send):
    (group id, the members' user ids, claimed at)."""
    rows = session.exec(
        select(MatchGroup.id, MatchGroup.intro_claimed_at)
        .join(MatchRound, col(MatchRound.id) == MatchGroup.round_id)
        .where(
            MatchRound.team_id == team_id,
            col(MatchGroup.intro_sent_at).is_(None),
            col(MatchGroup.intro_claimed_at) < claimed_before,
        )
        .order_by(col(MatchGroup.id))
    ).all()
    stuck = []
    for group_id, claimed_at in rows:
        if group_id is None or claimed_at is None:
            continue
        users = session.exec(
            select(Member.user_id)
            .join(MatchMember, col(MatchMember.member_id) == Member.id)
            .where(MatchMember.group_id == group_id)
            .order_by(col(Member.user_id))
        ).all()
        stuck.append((group_id, list(users), claimed_at))
    return stuck


def settle_stuck_intro(
    session: Session, group_id: int, claimed_at: datetime, channel: str | None, now: datetime
) -> bool:
    """Mark a stuck intro sent (Slack has it in `channel`) or release it to be sent again;
    only if it is still the same stuck claim."""
    values: dict[str, object] = (
        {"channel_id": channel, "intro_sent_at": now, "intro_error": None}
        if channel is not None
        else {"intro_claimed_at": None, "intro_error": "recovered_unsent"}
    )
    return claimed(
        session,
        update(MatchGroup)
        .where(
            col(MatchGroup.id) == group_id,
            col(MatchGroup.intro_sent_at).is_(None),
            col(MatchGroup.intro_claimed_at) == claimed_at,
        )
        .values(**values),
    )


def finish_interrupted_rounds(runtime: Runtime, team_id: str) -> int:
    """A round whose sender died after the intros went out but before it told the left-out
    and closed the round: finish it. Each notice is claimed, so a sender still at work and
    this never both send one."""
    now = runtime.clock.now()
    finished = 0
    with runtime.db.session() as session:
        rounds = session.exec(
            select(MatchRound.id).where(
                MatchRound.team_id == team_id, MatchRound.status == MatchRoundStatus.SENDING
            )
        ).all()
        for round_id in rounds:
            unsent = session.exec(
                select(MatchGroup.id).where(
                    MatchGroup.round_id == round_id, col(MatchGroup.intro_sent_at).is_(None)
                )
            ).first()
            if round_id is None or unsent is not None:
                continue
            _tell_left_out(runtime, session, round_id, now)
            service.finish_round(session, round_id, now)
            finished += 1
    return finished
