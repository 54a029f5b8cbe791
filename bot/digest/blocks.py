"""The digest as Slack messages: every number from the database, every member's word
escaped, never a name next to words, and never more than Slack takes in one message."""

import json
from dataclasses import dataclass
from typing import Any

from bot.core.texts import Texts
from bot.digest.model import Digest
from bot.slack import blocks
from bot.slack.mrkdwn import escape, quote

THEME_ADOPT = "theme_adopt"  # the same buttons as in `/convene pains`
THEME_DISMISS = "theme_dismiss"
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
    lines = [
        texts.get(
            "digest.pain_line",
            rank=rank,
            name=escape(p.name),
            count=p.count,
            arrow="▲" if p.change > 0 else "▼" if p.change < 0 else "▶",
            change=f"{p.change:+.1f}",
            average=f"{p.previous_average:.1f}",
            symptom=texts.get("digest.pain_symptom") if p.is_symptom else "",
        )
        for rank, p in enumerate(digest.pains, start=1)
    ] or [texts.get("digest.pains_none")]
    out.append(blocks.section(f"*{texts.get('digest.pains_header')}*"))
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


def _titled(texts: Texts, key: str, body: str) -> dict[str, Any]:
    return blocks.section(f"*{texts.get(key)}*\n{body}"[: blocks.SECTION_LIMIT])


def split(
    texts: Texts, week: str, all_blocks: Blocks, limit: int = blocks.MESSAGE_BLOCK_LIMIT
) -> list[Message]:
    """Slack takes 50 blocks a message: a long digest becomes a first message and threaded
    continuations, each headed so a reader knows where they are. An actions block stays with
    the section before it (a theme and its buttons)."""
    messages: list[Message] = []
    current: Blocks = []
    size = 0
    units: list[Blocks] = []
    for block in all_blocks:
        if block.get("type") == "actions" and units:
            units[-1].append(block)
        else:
            units.append([block])
    for unit in units:
        if current and size + len(unit) > limit:
            messages.append(Message(_fallback(current), current))
            current = [blocks.context(texts.get("digest.continued", week=week))]
            size = 1
        current.extend(unit)
        size += len(unit)
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
