"""Block Kit a member reads about their own words: the consent levels and the workspace's
rules (from the one source, `bot.core.promises`), their default, and every export that
included their answers. Shared by App Home and `/convene me`."""

from typing import Any

from bot.core.promises import Promises
from bot.core.texts import Texts
from bot.members.history import PastExport
from bot.slack import blocks
from storage.models import Consent, ExportVia

CONSENT_DEFAULT = "home_consent_default"  # the App Home control; handled in handlers/home_settings

Blocks = list[dict[str, Any]]


def export_lines(texts: Texts, loc: str | None, exports: list[PastExport]) -> list[str]:
    if not exports:
        return [texts.get("privacy.exports_none", loc)]
    lines = [texts.get("privacy.exports_header", loc)]
    for export in exports:
        if export.via == ExportVia.SLACK and export.exported_by:
            who = texts.get("privacy.export_by_slack", loc, user_id=export.exported_by)
        else:
            who = texts.get("privacy.export_by_command_line", loc, operator=export.operator or "?")
        parts = [texts.get("privacy.export_answers", loc, count=export.answers)]
        if export.named:
            parts.append(texts.get("privacy.export_named", loc, count=export.named))
        if export.quoted:
            parts.append(texts.get("privacy.export_quoted", loc, count=export.quoted))
        lines.append(
            texts.get(
                "privacy.export_line",
                loc,
                date=export.at.date().isoformat(),
                who=who,
                parts=" · ".join(parts),
            )
        )
    return lines


def privacy_blocks(
    texts: Texts, loc: str | None, promises: Promises, default_level: str, exports: list[PastExport]
) -> Blocks:
    """The three levels, the rules, the member's default (a select), their exports."""
    options = [
        {"text": {"type": "plain_text", "text": promises.label(level)[:75]}, "value": level}
        for level in Consent.LEVELS
    ]
    chosen = next(o for o in options if o["value"] == Consent.parse(default_level))
    select = {
        "type": "static_select",
        "action_id": CONSENT_DEFAULT,
        "options": options,
        "initial_option": chosen,
    }
    return [
        {"type": "divider"},
        blocks.header(texts.get("privacy.header", loc)),
        blocks.section(promises.levels_and_rules()),
        {**blocks.section(texts.get("home.consent_label", loc)), "accessory": select},
        *blocks.sections_from_lines(export_lines(texts, loc, exports)),
    ]
