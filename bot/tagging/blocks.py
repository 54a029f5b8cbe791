"""The Block Kit of the taxonomy: `/convene pains` (pain points with their recent counts, and
the proposed emerging themes with Adopt / Dismiss buttons), and what a facilitator reads
when a name they typed finds no single pain point."""

import json
from typing import Any

from bot.core.texts import Texts
from bot.slack import blocks
from bot.slack.mrkdwn import escape
from bot.tagging.taxonomy import NotFound
from bot.tagging.themes import Overview

THEME_ADOPT = "theme_adopt"
THEME_DISMISS = "theme_dismiss"
THEMES_SHOWN = 10  # 3 blocks each, well under Slack's 50

Blocks = list[dict[str, Any]]


def pains_list(texts: Texts, overview: Overview) -> tuple[str, Blocks]:
    t = texts.get
    header = t("pains.header", active=len(overview.active))
    lines = [
        t(
            "pains.line",
            name=escape(p.name),
            slug=p.slug,
            count=count,
            symptom=t("pains.symptom") if p.is_symptom else "",
        )
        for p, count in overview.active
    ] or [t("pains.none")]
    out: Blocks = [blocks.header(header), *blocks.sections_from_lines(lines)]
    if overview.inactive:
        listed = ", ".join(
            t("pains.inactive_line", name=escape(p.name), slug=p.slug, status=p.status)
            for p in overview.inactive
        )
        out.append(blocks.context(t("pains.inactive_header") + ": " + listed[:2900]))
    if overview.proposals:
        out.append(blocks.section(f"*{t('pains.themes_header')}*"))
        for theme, count in overview.proposals[:THEMES_SHOWN]:
            examples = "\n".join(
                t("pains.theme_example", phrase=escape(e)) for e in json.loads(theme.examples)
            )
            line = t(
                "pains.theme_line",
                name=escape(theme.name),
                count=count,
                keywords=escape(theme.keywords),
                examples=examples,
            )
            out.append(blocks.section(line[:2900]))
            out.append(
                {
                    "type": "actions",
                    "elements": [
                        blocks.button(t("pains.adopt_button"), THEME_ADOPT, str(theme.id), style="primary"),
                        blocks.button(t("pains.dismiss_button"), THEME_DISMISS, str(theme.id)),
                    ],
                }
            )
    return header, out


def not_found_text(texts: Texts, missing: NotFound) -> str:
    """The name they typed (made harmless), and the pain points it might have meant."""
    shown = escape(missing.name.replace("`", "'"))[:80]
    names = " or ".join(f"*{escape(p.name)}*" for p in missing.candidates)
    if missing.key == "pains.ambiguous":
        return texts.get("pains.ambiguous", name=shown, names=names)
    suggestion = " " + texts.get("pains.did_you_mean", names=names) if names else ""
    return texts.get("pains.not_found", name=shown) + suggestion
