"""Building the week's digest and posting it once per channel, long ones split and threaded,
with the trend chart uploaded through Slack's current file upload flow."""

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import CursorResult, delete, update
from sqlmodel import Session, col, select

from bot.convenings import blocks as convening_blocks
from bot.convenings import harvest
from bot.convenings import service as convenings
from bot.core import schedule
from bot.core.runtime import Runtime
from bot.digest import agenda, blocks, narrative
from bot.digest.aggregate import build_digest
from bot.digest.model import Digest
from bot.slack.channels import CHANNEL_PROBLEMS
from bot.slack.errors import error_code
from storage.models import DigestPost, Member, PainPoint, Workspace
from storage.queries import insert_ignoring_duplicates

log = logging.getLogger("convene.digest")


@dataclass
class PostReport:
    week: str
    channel: str | None
    messages: int = 0
    already: bool = False
    error: str | None = None
    blocked: bool = False  # the channel cannot take posts (error says why): someone must act


def compose(
    runtime: Runtime, session: Session, workspace: Workspace, now: datetime
) -> tuple[Digest, list[blocks.Message]]:
    digest = build_digest(session, workspace.team_id, now)
    tz = schedule.zone(workspace.timezone)
    community = workspace.name or runtime.texts.get("common.community")
    summary = narrative.summary(runtime.settings, runtime.texts, digest, community)
    last_day = digest.end - timedelta(seconds=1)
    period = runtime.texts.get(
        "digest.period",
        start=f"{digest.start.astimezone(tz):%a %d %b}",
        end=f"{last_day.astimezone(tz):%a %d %b}",
        tz=workspace.timezone,
    )
    names = _names(session, workspace.team_id, list(digest.drifting))
    pains = dict(
        session.exec(
            select(PainPoint.slug, PainPoint.name).where(PainPoint.team_id == workspace.team_id)
        ).all()
    )
    # Last week's convening (with its harvest), and the agenda of the coming one.
    held = convening_blocks.digest_section(
        runtime.texts, harvest.digest_reports(session, workspace, digest.start), pains
    )
    coming = (
        agenda.digest_section(runtime.texts, agenda.draft(session, workspace.team_id, now))
        if convenings.next_upcoming(session, workspace.team_id, convenings.community_today(workspace, now))
        else []
    )
    all_blocks = blocks.digest_blocks(runtime.texts, digest, summary, period, names, held, coming)
    return digest, blocks.split(runtime.texts, digest.week_key, all_blocks)


def _names(session: Session, team_id: str, user_ids: list[str]) -> list[str]:
    """Coordinators see who went quiet by name, without a mention that would ping them."""
    if not user_ids:
        return []
    found = dict(
        session.exec(
            select(Member.user_id, Member.real_name).where(
                Member.team_id == team_id, col(Member.user_id).in_(user_ids)
            )
        ).all()
    )
    return [found.get(uid) or uid for uid in user_ids]


BLOCKED = "blocked"  # the channel cannot take posts (CHANNEL_PROBLEMS): not retried by itself


def unblock(session: Session, team_id: str, channel: str | None = None) -> int:
    """Forget that a channel could not take the digest (the bot was invited, or the channel
    set again), so the next scheduled run or `digest post` tries once more."""
    statement = delete(DigestPost).where(
        col(DigestPost.team_id) == team_id, col(DigestPost.status) == BLOCKED
    )
    if channel is not None:
        statement = statement.where(col(DigestPost.channel_id) == channel)
    result = session.execute(statement)
    session.commit()
    return cast(CursorResult[Any], result).rowcount  # an UPDATE's result has a rowcount


def post_digest(runtime: Runtime, team_id: str, actor: str | None = None) -> PostReport:
    """Post this week's digest once per channel. A channel that cannot take it (the bot is
    not in it, it is gone or archived) blocks the week's digest there: the scheduler does
    not retry every minute for hours, and the caller says once what to do (`report.blocked`).
    A facilitator's `digest post` (an `actor`) always tries again."""
    now = runtime.clock.now()
    client = runtime.client_for(team_id)
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
        channel = workspace.coordinator_channel
        digest, messages = compose(runtime, session, workspace, now)
        report = PostReport(digest.week_key, channel)
        if not channel:
            report.error = "no_channel"
            return report
        if actor is not None:
            unblock(session, team_id, channel)
        post = _claim(session, team_id, channel, digest.week_key, actor, now)
        if post is None:
            report.already = True
            return report
        chart = _chart(runtime, session, team_id, digest)
    first_ts: str | None = None
    try:
        for message in messages:
            response = client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                thread_ts=first_ts,
                unfurl_links=False,
            )
            first_ts = first_ts or response["ts"]
            report.messages += 1
    except SlackClientError as exc:
        report.error = error_code(exc)
        runtime.token_refused(team_id, exc)
    chart_id = None
    if report.error is None and chart is not None:
        try:
            upload = client.files_upload_v2(
                channel=channel,
                thread_ts=first_ts,
                content=chart,
                filename=f"pain-points-{digest.week_key}.png",
                title=runtime.texts.get("digest.chart_title"),
                initial_comment=runtime.texts.get("digest.chart_comment"),
            )
            chart_id = (upload.get("file") or {}).get("id")
        except SlackClientError as exc:  # the digest itself is out; a missing chart is logged, not fatal
            log.warning("digest chart not uploaded: %s", error_code(exc))
    with runtime.db.session() as session:
        _finish(session, post.id, report, first_ts, chart_id)  # type: ignore[arg-type]
    return report


def _claim(
    session: Session, team_id: str, channel: str, week: str, actor: str | None, now: datetime
) -> DigestPost | None:
    inserted = insert_ignoring_duplicates(
        session,
        DigestPost,
        [
            {
                "team_id": team_id,
                "channel_id": channel,
                "week_key": week,
                "posted_by": actor,
                "created_at": now,
            }
        ],
        conflict=["team_id", "channel_id", "week_key"],
    )
    session.commit()
    if not inserted:
        return None
    return session.exec(
        select(DigestPost).where(
            DigestPost.team_id == team_id, DigestPost.channel_id == channel, DigestPost.week_key == week
        )
    ).one()


def _finish(session: Session, post_id: int, report: PostReport, ts: str | None, chart_id: str | None) -> None:
    if report.error in CHANNEL_PROBLEMS and report.messages == 0:
        # Retrying cannot fix this: keep the claim, marked, until someone acts (`unblock`).
        report.blocked = True
        session.execute(
            update(DigestPost).where(col(DigestPost.id) == post_id).values(status=BLOCKED, error=report.error)
        )
    elif report.error is not None and report.messages == 0:
        # Nothing reached the channel: release the claim so the next tick (or a retry) posts it.
        session.execute(delete(DigestPost).where(col(DigestPost.id) == post_id))
    else:
        session.execute(
            update(DigestPost)
            .where(col(DigestPost.id) == post_id)
            .values(
                status="failed" if report.error else "posted",
                message_ts=ts,
                messages=report.messages,
                chart_file_id=chart_id,
                error=report.error,
            )
        )
    session.commit()


def _chart(runtime: Runtime, session: Session, team_id: str, digest: Digest) -> bytes | None:
    if not digest.trend:
        return None
    try:
        from bot.digest.chart import render_trends_png
    except ImportError:  # charting is optional: the digest goes out without it
        return None
    names = dict(
        session.exec(select(PainPoint.slug, PainPoint.name).where(PainPoint.team_id == team_id)).all()
    )
    try:
        return render_trends_png(
            digest.trend_weeks, digest.trend, names, runtime.texts.get("digest.chart_title")
        )
    except Exception:
        log.exception("could not render the digest chart")
        return None


def post_agenda(runtime: Runtime, team_id: str, channel: str, draft: agenda.Agenda) -> str | None:
    """The draft agenda in the coordinators' channel, with an editable Markdown copy in its
    thread. Returns the channel's problem (one of CHANNEL_PROBLEMS) when it cannot take posts:
    retrying cannot fix those, someone must act."""
    texts = runtime.texts
    client = runtime.client_for(team_id)
    out = agenda.agenda_blocks(texts, draft)
    try:
        posted = client.chat_postMessage(channel=channel, text=texts.get("agenda.header"), blocks=out)
    except SlackApiError as exc:
        code = error_code(exc)
        if code not in CHANNEL_PROBLEMS:
            raise
        return code
    # The blocks are posted; the editable file is a convenience that may fail on its own.
    with contextlib.suppress(SlackClientError):
        client.files_upload_v2(
            channel=channel,
            thread_ts=posted["ts"],
            content=agenda.to_markdown(texts, draft),
            filename="convening-agenda.md",
            title=texts.get("agenda.file_title"),
        )
    return None
