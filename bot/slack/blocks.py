"""Generic Block Kit helpers that keep messages inside Slack's limits."""

from typing import Any

SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
# Slack also refuses a message whose blocks hold too much text in all (`msg_blocks_too_long`,
# observed near 13,000 characters, undocumented): stay well under it.
MESSAGE_TEXT_LIMIT = 10_000


def text_length(node: object) -> int:
    """Characters of text anywhere in a block or list of blocks."""
    if isinstance(node, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else text_length(v) for k, v in node.items())
    if isinstance(node, list):
        return sum(text_length(item) for item in node)
    return 0


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:75], "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def sections_from_lines(lines: list[str], limit: int = SECTION_LIMIT - 100) -> list[dict[str, Any]]:
    """Pack lines into as few sections as fit Slack's 3,000-character section limit."""
    sections: list[dict[str, Any]] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line[:limit]
        if current and size + len(line) + 1 > limit:
            sections.append(section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        sections.append(section("\n".join(current)))
    return sections
