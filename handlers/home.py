"""The App Home tab: the member's status, recent check-ins with their pain points, their
matches and follow-ups, and their settings; facilitators also see the community's figures.
The settings' actions live in `handlers.home_settings`; they re-publish this view."""

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.convenings import blocks as convening_blocks
from bot.convenings import service as convenings
from bot.core.promises import Promises
from bot.core.runtime import Runtime
from bot.core.texts import Texts
from bot.digest.community_stats import CommunityStats, community_stats
from bot.members import blocks as member_blocks
from bot.members import service as members
from bot.members import settings as member_settings
from bot.members.blocks import privacy_blocks
from bot.members.history import PastMatch, TaggedAnswer, past_exports, past_matches, tagged_answers
from bot.members.service import Member, MemberStatus
from bot.slack import blocks
from bot.slack.mrkdwn import escape, truncate
from bot.tagging import blocks as tag_blocks
from bot.tagging import corrections
from bot.workspaces import service as workspaces
from bot.workspaces.authz import is_facilitator
from bot.workspaces.service import ready_workspace
from handlers import request
from handlers.reader_locale import locale_for

log = logging.getLogger("convene.home")

# Action ids: the contract between this view and `handlers.home_settings`.
JOIN = "home_join"
PAUSE_UNTIL = "home_pause_until"
RESUME = "home_resume"
FREQUENCY = "home_frequency"
MATCHING = "home_matching"
LANGUAGE = "home_language"
CONSENT_DEFAULT = member_blocks.CONSENT_DEFAULT

Blocks = list[dict[str, Any]]


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home" or not isinstance(event.get("user"), str):
            return
        publish(runtime, client, request.team_id(body) or "", event["user"])


def publish(
    runtime: Runtime, client: WebClient, team_id: str, user_id: str, notice: str | None = None
) -> None:
    """Render and publish the user's Home; `notice` is the outcome of what they just did."""
    view = home_view(runtime, client, team_id, user_id, notice)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackClientError as exc:
        log.warning("could not publish home: %s", type(exc).__name__)


def home_view(
    runtime: Runtime, client: WebClient, team_id: str, user_id: str, notice: str | None = None
) -> dict[str, Any]:
    texts = runtime.texts
    with runtime.db.session() as session:
        member = members.get_member(session, team_id, user_id)
        answers = tagged_answers(session, member) if member else []
        matches = past_matches(session, member) if member else []
        exports = past_exports(session, member) if member else []
        privacy = workspaces.privacy(session, team_id, runtime.settings)
        coming, today = convenings.for_home(session, member, runtime.clock.now()) if member else ([], None)
    loc = locale_for(client, user_id, member)
    promises = Promises(texts, loc, privacy)
    out: Blocks = [
        blocks.header(texts.get("home.header", loc)),
        blocks.section(texts.get("home.intro", loc, community=texts.get("common.community", loc))),
    ]
    if notice:
        out.append(blocks.section(notice))
    if member is None:
        out.append(_with_button(texts.get("home.not_member", loc), texts.get("home.join_button", loc), JOIN))
        out += [{"type": "divider"}, blocks.section(promises.overview())]
    else:
        status = member_settings.status_label(texts, member, loc)
        out.append(blocks.section(texts.get("home.status", loc, status=status, tz=member.tz)))
        if member.status != MemberStatus.LEFT and today is not None:
            out += convening_blocks.home_blocks(texts, loc, coming, today)
        out += _recent(texts, loc, answers, promises)
        out += _matches(texts, loc, matches)
        out += privacy_blocks(texts, loc, promises, member.consent_default, exports)
        out += settings_blocks(texts, loc, member)
    if is_facilitator(runtime, client, team_id, user_id):
        with runtime.db.session() as session:
            workspace = ready_workspace(runtime, session, team_id)
            stats = community_stats(session, workspace, runtime.clock.now())
            review = corrections.home_review(session, workspace, runtime.clock.now())
        out += _stats(texts, loc, stats)
        out += tag_blocks.home_section(texts, loc, review.to_check, review.agreement)
    return {"type": "home", "blocks": out}


def _recent(texts: Texts, loc: str | None, answers: list[TaggedAnswer], promises: Promises) -> Blocks:
    out: Blocks = [{"type": "divider"}, blocks.header(texts.get("home.recent_header", loc))]
    if not answers:
        out.append(blocks.section(texts.get("home.recent_none", loc)))
    for tagged in answers:
        answer = tagged.answer
        if answer.text_deleted_at is not None:
            excerpt = texts.get("privacy.text_deleted", loc)
        else:
            excerpt = truncate(escape(answer.text.replace("\n", " ")), 280)
        line = texts.get("home.recent_line", loc, date=answer.created_at.date(), excerpt=excerpt)
        tags = (
            texts.get("home.recent_tags", loc, pains=escape(", ".join(tagged.pains)))
            if tagged.pains
            else texts.get("home.recent_untagged", loc)
        )
        consent = texts.get("home.recent_consent", loc, level=promises.label(answer.consent))
        out.append(blocks.section(line))
        out.append(blocks.context(f"{tags} · {consent}"))
    return out


def _matches(texts: Texts, loc: str | None, matches: list[PastMatch]) -> Blocks:
    out: Blocks = [{"type": "divider"}, blocks.header(texts.get("home.matches_header", loc))]
    if not matches:
        out.append(blocks.section(texts.get("home.matches_none", loc)))
    for match in matches:
        pains = ", ".join(match.pains) or texts.get("match.no_shared", loc)
        out.append(
            blocks.section(
                texts.get(
                    "home.match_line",
                    loc,
                    week=match.week,
                    partners=escape(", ".join(match.partners)),
                    pains=escape(pains),
                    followup=_followup(texts, loc, match),
                )
            )
        )
    return out


def _followup(texts: Texts, loc: str | None, match: PastMatch) -> str:
    said = []
    if match.met is not None:
        said.append(texts.get("home.followup_met" if match.met else "home.followup_not_met", loc))
    if match.helped is not None:
        said.append(texts.get("home.followup_helped" if match.helped else "home.followup_not_helped", loc))
    if not said:
        return texts.get("home.followup_pending", loc)
    return texts.get("home.followup", loc, answers=", ".join(said))


def settings_blocks(texts: Texts, loc: str | None, member: Member) -> Blocks:
    t = texts.get
    out: Blocks = [{"type": "divider"}, blocks.header(t("home.settings_header", loc))]
    if member.status == MemberStatus.LEFT:
        out.append(_with_button(t("home.left", loc), t("home.join_button", loc), JOIN))
    elif member.status == MemberStatus.PAUSED:
        until = member.paused_until.isoformat() if member.paused_until else ""
        out.append(
            _with_button(t("home.paused_line", loc, until=until), t("home.resume_button", loc), RESUME)
        )
    else:
        datepicker = {
            "type": "datepicker",
            "action_id": PAUSE_UNTIL,
            "placeholder": {"type": "plain_text", "text": t("home.pause_placeholder", loc)[:150]},
        }
        out.append({**blocks.section(t("home.pause_label", loc)), "accessory": datepicker})
    frequencies = [
        (member_settings.frequency_label(texts, weeks, loc), str(weeks))
        for weeks in member_settings.FREQUENCIES
    ]
    out.append(
        _with_select(t("home.frequency_label", loc), FREQUENCY, frequencies, str(member.checkin_every_weeks))
    )
    on = member.matching_enabled
    out.append(
        _with_button(
            t("home.matching_on" if on else "home.matching_off", loc),
            t("home.turn_off" if on else "home.turn_on", loc),
            MATCHING,
            "off" if on else "on",
        )
    )
    languages = [(t("home.language_auto", loc), member_settings.AUTOMATIC)] + [
        (member_settings.language_label(texts, lang, loc), lang) for lang in texts.languages()
    ]
    chosen = member.language if member.language in texts.languages() else member_settings.AUTOMATIC
    out.append(_with_select(t("home.language_label", loc), LANGUAGE, languages, chosen))
    out.append(blocks.context(t("home.settings_hint", loc)))
    return out


def _stats(texts: Texts, loc: str | None, stats: CommunityStats) -> Blocks:
    t = texts.get

    def percent(value: float | None) -> str:
        return f"{value:.0%}" if value is not None else t("home.not_available", loc)

    if stats.last_round is None:
        last_round = t("home.stats_round_none", loc)
    else:
        last_round = t(
            "home.stats_round",
            loc,
            date=stats.last_round.isoformat(),
            answered=stats.last_round_answered,
            sent=stats.last_round_sent,
            rate=percent(stats.response_rate),
        )
    pains = ", ".join(t("home.stats_pain", loc, name=escape(name), count=n) for name, n in stats.top_pains)
    lines = [
        t("home.stats_members", loc, active=stats.active, paused=stats.paused, left=stats.left),
        last_round,
        t("home.stats_answers", loc, count=stats.answers_this_week),
        t("home.stats_pains", loc, pains=pains) if pains else t("home.stats_pains_none", loc),
        t(
            "home.stats_matches",
            loc,
            groups=stats.groups_this_month,
            people=stats.people_this_month,
            met=percent(stats.meeting_rate),
            helped=percent(stats.helped_rate),
            follow_ups=texts.count("home.follow_up_answers", stats.follow_up_answers, loc),
        ),
    ]
    return [{"type": "divider"}, blocks.header(t("home.stats_header", loc)), blocks.section("\n".join(lines))]


def _with_button(text: str, label: str, action_id: str, value: str = "1") -> dict[str, Any]:
    return {**blocks.section(text), "accessory": blocks.button(label, action_id, value)}


def _with_select(text: str, action_id: str, options: list[tuple[str, str]], selected: str) -> dict[str, Any]:
    choices = [
        {"text": {"type": "plain_text", "text": label[:75]}, "value": value} for label, value in options
    ]
    select_: dict[str, Any] = {"type": "static_select", "action_id": action_id, "options": choices}
    initial = [c for c in choices if c["value"] == selected]
    if initial:
        select_["initial_option"] = initial[0]
    return {**blocks.section(text), "accessory": select_}
