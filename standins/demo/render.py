"""Slack messages as a terminal can show them: Block Kit to lines of plain text, mrkdwn
references (`<@U…>`, `<#C…>`, links) as the names a Slack client shows, long lines wrapped
at word boundaries, and tables whose columns fit their longest cell."""

import html
import re
import textwrap
from collections.abc import Sequence
from typing import Any

WIDTH = 100  # characters per printed line, indent included

# The emoji Convene's texts use, as a terminal can print them.
EMOJI = {
    "white_check_mark": "✅",
    "calendar": "📅",
    "warning": "⚠️",
    "pause_button": "⏸",
    "lock": "🔒",
    "wave": "👋",
    "wastebasket": "🗑",
    "twisted_rightwards_arrows": "🔀",
    "x": "❌",
    "tada": "🎉",
    "arrow_forward": "▶",
    "zzz": "💤",
    "raised_hands": "🙌",
    "outbox_tray": "📤",
    "inbox_tray": "📥",
    "no_entry": "⛔",
    "handshake": "🤝",
    "eyes": "👀",
    "envelope": "✉️",
}
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
# <@U123>, <#C123>, <#C123|name>, <!here>, <https://…|label>, <mailto:…>; not "<months>" in a
# usage line, which is text.
_REFERENCE = re.compile(r"<(?:([@#!])|(?=https?://|mailto:))([^<>|\s]+)(?:\|([^<>]*))?>")
# *bold* and _italic_, which a terminal can't show; `code` stays marked. Not snake_case words.
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")


class Names:
    """Who and what a Slack id names, as the client shows them."""

    def __init__(self, users: dict[str, str], channels: dict[str, str]) -> None:
        self.users = users
        self.channels = channels

    def mrkdwn(self, text: str) -> str:
        """mrkdwn as a reader sees it: references as names, entities unescaped, emoji drawn.
        Unescaping comes last, so a member's literal "&lt;@U…&gt;" stays their own text."""

        def reference(match: re.Match[str]) -> str:
            sigil, target, label = match.group(1), match.group(2), match.group(3)
            if sigil == "@":
                return "@" + (label or self.users.get(target, target))
            if sigil == "#":
                return "#" + (label or self.channels.get(target, target))
            if sigil == "!":
                return "@" + (label or target.split("^")[0])
            return f"{label} ({target})" if label and label != target else target

        text = _REFERENCE.sub(reference, text)
        text = _BOLD.sub(r"\1", _ITALIC.sub(r"\1", text))
        text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
        return html.unescape(text) if "&" in text else text


def block_lines(blocks: Sequence[dict[str, Any]], names: Names) -> list[str]:
    """Block Kit as a terminal shows it: texts, [buttons], form fields with their choices."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            text = block.get("text") or {}
            if text.get("text"):
                lines.extend(names.mrkdwn(text["text"]).splitlines())
            for field in block.get("fields") or []:
                lines.extend(names.mrkdwn(field.get("text", "")).splitlines())
            accessory = block.get("accessory")
            if isinstance(accessory, dict):
                lines.append(_element(accessory))
        elif kind == "context":
            parts = [e.get("text", "") or e.get("alt_text", "") for e in block.get("elements", [])]
            lines.extend(names.mrkdwn(" ".join(p for p in parts if p)).splitlines())
        elif kind == "actions":
            lines.append("  ".join(_element(e) for e in block.get("elements", [])))
        elif kind == "input":
            lines.append(f"{block['label']['text']}: {_field(block.get('element') or {})}")
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "divider":
            lines.append("─" * 40)
    return lines


def _element(element: dict[str, Any]) -> str:
    """A control as it looks: a button's label, a menu's current choice, else its choices."""
    if element.get("type") == "button":
        return f"[{element['text']['text']}]"
    chosen = (element.get("initial_option") or {}).get("text", {}).get("text")
    if chosen:
        return f"[{chosen} ▾]"
    placeholder = (element.get("placeholder") or {}).get("text")
    if placeholder:
        return f"[{placeholder} ▾]"
    return _field(element)


def _field(element: dict[str, Any]) -> str:
    options = [o["text"]["text"] for o in element.get("options") or []]
    if options:
        return " | ".join(options)
    kind = str(element.get("type", ""))
    if "users_select" in kind:
        return "(choose people)"
    if kind == "datepicker":
        return "(pick a date)"
    return "____"


def wrap(line: str, indent: str, width: int = WIDTH, hang: str = "") -> list[str]:
    """One line as several, broken between words only (a word longer than the line, a URL or
    a path, stays whole rather than cut). Continuation lines are indented under the text:
    after `hang` (a bullet) and after a quote's or list item's marker."""
    if not line.strip():
        return [indent.rstrip()]
    lead = line[: len(line) - len(line.lstrip())]
    marker = next((m for m in ("> ", "- ", "• ") if line.lstrip().startswith(m)), "")
    wrapper = textwrap.TextWrapper(
        width=width,
        initial_indent=indent + hang + lead,
        subsequent_indent=indent + " " * len(hang) + lead + " " * len(marker),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return wrapper.wrap(line.strip()) or [indent.rstrip()]


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str, width: int = WIDTH
) -> list[str]:
    """Columns as wide as their widest cell, two spaces apart; the last column takes the
    rest of the line and wraps under itself."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    out = []
    for row in (headers, *rows):
        lead = indent + "  ".join(f"{cell!s:<{w}}" for cell, w in zip(row[:-1], widths[:-1], strict=True))
        lead += "  " if len(row) > 1 else ""
        room = max(width - len(lead), 20)
        pieces = textwrap.wrap(str(row[-1]), room, break_long_words=False, break_on_hyphens=False) or [""]
        out.append((lead + pieces[0]).rstrip())
        out.extend(" " * len(lead) + piece for piece in pieces[1:])
    return out


def message_lines(message: dict[str, Any], names: Names) -> list[str]:
    """A message or view as its reader sees it: its blocks, or its text when it has none."""
    lines = block_lines(message.get("blocks") or [], names)
    return lines or names.mrkdwn(str(message.get("text") or "")).splitlines()
