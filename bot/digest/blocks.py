"""The digest as Slack messages: every number from the database, every member's word
escaped, never a name next to words, and never more than Slack takes in one message."""

import json
from dataclasses import dataclass
from typing import Any

from bot.core.texts import Texts
from bot.digest.community_stats import CommunityStats
from bot.digest.model import Digest, PainTrend
from bot.slack import blocks
from bot.slack.mrkdwn import escape, quote
from bot.tagging.blocks import THEME_ADOPT, THEME_DISMISS  # the same buttons as in `/convene pains`

Blocks = list[dict[str, Any]]


@dataclass(frozen=True)
class Message:
    text: str
    blocks: Blocks


def percent(value: float | None, texts: Texts) -> str:
    return f"{value:.0%}" if value is not None else texts.get("digest.not_available")


def number(value: float | None, texts: Texts, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if value is not None else texts.get("digest.not_available")


def digest_blocks(
    texts: Texts,
    digest: Digest,
    summary: str,
    period: str,
    drifting_names: list[str],
    convening: Blocks | None = None,
    agenda: Blocks | None = None,
) -> Blocks:
    """`convening`: the section on last week's convening; `agenda`: the coming one's draft."""
    out: Blocks = [
        blocks.header(texts.get("digest.header", week=digest.week_key)),
        blocks.context(period),
        blocks.section(escape(summary)),
        {"type": "divider"},
    ]
    previous = (
        texts.get("digest.response_previous", rate=percent(digest.previous_response_rate, texts))
        if digest.previous_response_rate is not None
        else ""
    )
    out.append(
        _titled(
            texts,
            "digest.response_header",
            texts.get(
                "digest.response",
                answered=digest.answered,
                asked=digest.asked,
                rate=percent(digest.response_rate, texts),
                previous=previous,
                members=digest.members_active,
            ),
        )
    )
    lines = [_pain_line(texts, rank, p) for rank, p in enumerate(digest.pains, start=1)] or [
        texts.get("digest.pains_none")
    ]
    heading = f"*{texts.get('digest.pains_header')}*"
    if digest.first_week:
        heading += "\n" + texts.get("digest.no_history_note")
    out.append(blocks.section(heading))
    out.extend(blocks.sections_from_lines(lines))
    if digest.themes:
        out.append(blocks.section(f"*{texts.get('digest.themes_header')}*"))
        for theme in digest.themes:
            examples = "\n".join(f"> {escape(e)}" for e in theme.examples)
            out.append(blocks.section(f"*{escape(theme.name)}* · {theme.answers}\n{examples}"[:2900]))
            out.append(
                {
                    "type": "actions",
                    "elements": [
                        blocks.button(
                            texts.get("pains.adopt_button"), THEME_ADOPT, str(theme.id), style="primary"
                        ),
                        blocks.button(texts.get("pains.dismiss_button"), THEME_DISMISS, str(theme.id)),
                    ],
                }
            )
    if digest.quotes:
        out.append(blocks.section(f"*{texts.get('digest.quotes_header')}*"))
        out.extend(blocks.section(quote(q, 700)) for q in digest.quotes[:5])
    if convening:
        out.append({"type": "divider"})
        out.extend(convening)
    out.append(
        _titled(
            texts,
            "digest.matches_header",
            texts.get(
                "digest.matches",
                groups=digest.groups_matched,
                people=digest.people_matched,
                meeting_rate=percent(digest.meeting_rate, texts),
                helped_rate=percent(digest.helped_rate, texts),
                answers=digest.follow_up_answers,
            ),
        )
    )
    support_previous = (
        texts.get("digest.support_previous", average=number(digest.previous_average_support, texts))
        if digest.previous_average_support is not None
        else ""
    )
    out.append(
        _titled(
            texts,
            "digest.support_header",
            texts.get(
                "digest.support", average=number(digest.average_support, texts), previous=support_previous
            ),
        )
    )
    drifting = ", ".join(escape(n) for n in drifting_names) or texts.get("digest.drifting_none")
    out.append(_titled(texts, "digest.drifting_header", drifting))
    if agenda:
        out.append({"type": "divider"})
        out.extend(agenda)
    return out


def _pain_line(texts: Texts, rank: int, pain: PainTrend) -> str:
    symptom = texts.get("digest.pain_symptom") if pain.is_symptom else ""
    if pain.change is None or pain.previous_average is None:
        return texts.get("digest.pain_line_first", rank=rank, name=escape(pain.name), count=pain.count,
                         symptom=symptom)  # fmt: skip
    return texts.get(
        "digest.pain_line",
        rank=rank,
        name=escape(pain.name),
        count=pain.count,
        arrow="▲" if pain.change > 0 else "▼" if pain.change < 0 else "▶",
        change=f"{pain.change:+.1f}",
        average=f"{pain.previous_average:.1f}",
        symptom=symptom,
    )


def _titled(texts: Texts, key: str, body: str) -> dict[str, Any]:
    return blocks.section(f"*{texts.get(key)}*\n{body}"[: blocks.SECTION_LIMIT])


def split(
    texts: Texts,
    week: str,
    all_blocks: Blocks,
    limit: int = blocks.MESSAGE_BLOCK_LIMIT,
    text_limit: int = blocks.MESSAGE_TEXT_LIMIT,
) -> list[Message]:
    """Slack takes 50 blocks a message, and only so much text across them: a long digest
    becomes a first message and threaded continuations, each headed so a reader knows where
    they are. An actions block stays with the section before it (a theme and its buttons)."""
    messages: list[Message] = []
    current: Blocks = []
    units: list[Blocks] = []
    for block in all_blocks:
        if block.get("type") == "actions" and units:
            units[-1].append(block)
        else:
            units.append([block])
    for unit in units:
        grown = len(current) + len(unit) > limit or blocks.text_length(current + unit) > text_limit
        if current and grown:
            messages.append(Message(_fallback(current), current))
            current = [blocks.context(texts.get("digest.continued", week=week))]
        current.extend(unit)
    if current:
        messages.append(Message(_fallback(current), current))
    return messages


def _fallback(message_blocks: Blocks) -> str:
    """The notification text: the first readable line of the message."""
    for block in message_blocks:
        text = block.get("text")
        if isinstance(text, dict) and text.get("text"):
            return str(text["text"])[:200]
        for element in block.get("elements") or []:
            if isinstance(element, dict) and isinstance(element.get("text"), str):
                return str(element["text"])[:200]
    return "Weekly digest"


def as_json(message: Message) -> str:
    return json.dumps({"text": message.text, "blocks": message.blocks})


def community_figures(texts: Texts, loc: str | None, stats: CommunityStats) -> Blocks:
    """What a facilitator sees of the community at the foot of their App Home."""
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
