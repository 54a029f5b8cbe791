"""Making member-written text safe to show in Slack's mrkdwn."""

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences, so that no member can
    inject `<!channel>`, `<@U123>` mentions or `<https://…|links>` into what others read."""
    return _CONTROL.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))].rstrip() + ellipsis


def quote(text: str, limit: int = 2800) -> str:
    """A member's words as a mrkdwn block quote, escaped and within a section's 3,000 chars."""
    body = truncate(escape(text.strip()), limit)
    return "\n".join(f"> {line}" if line else ">" for line in body.splitlines())


def is_number(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts '¹' and '٣', which `int` then rejects."""
    return text.isascii() and text.isdigit()
