"""The Block Kit of the taxonomy and of checking tags: `/convene pains` (pain points with
their recent counts, the picker of a pain point's answers, and the proposed emerging themes
with Adopt / Dismiss buttons), what a facilitator reads when a name they typed finds no
single pain point, a drill-down of answers with *Retag* buttons, the retag modal, and App
Home's "tags to check"."""

import json
from typing import Any

from bot.core.texts import Texts
from bot.slack import blocks
from bot.slack.mrkdwn import escape, truncate
from bot.tagging.corrections import Agreement, AnswerTagView, ReviewedAnswer
from bot.tagging.taxonomy import NotFound
from bot.tagging.themes import Overview
from storage.models import PainPoint, TagSource

THEME_ADOPT = "theme_adopt"
THEME_DISMISS = "theme_dismiss"
THEMES_SHOWN = 10  # 3 blocks each, well under Slack's 50
# Action and view ids: the contract between these blocks and `handlers.retag`.
PAINS_ANSWERS = "pains_answers"
RETAG = "answer_retag"
RETAG_MODAL = "answer_retag_modal"
UNTAGGED = "none"  # the picker's value for "answers with no pain point"
CHECKBOXES = 10  # Slack's limit per checkboxes element: a longer taxonomy takes several
EXCERPT = 500

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
    if overview.active:
        out.append(pains_picker(texts, [p for p, _ in overview.active]))
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


def pains_picker(texts: Texts, pains: list[PainPoint]) -> dict[str, Any]:
    """A menu under `/convene pains`: a pain point's recent answers, or the untagged ones."""
    options = [(p.name, str(p.id)) for p in pains[:99]] + [(texts.get("retag.untagged_option"), UNTAGGED)]
    menu = {
        "type": "static_select",
        "action_id": PAINS_ANSWERS,
        "placeholder": {"type": "plain_text", "text": texts.get("retag.picker_placeholder")[:150]},
        "options": [_option(label, value) for label, value in options],
    }
    return {**blocks.section(texts.get("retag.picker_label")), "accessory": menu}


def drilldown(texts: Texts, title: str, answers: list[ReviewedAnswer], loc: str | None = None) -> Blocks:
    out: Blocks = [blocks.header(title)]
    if not answers:
        return [*out, blocks.section(texts.get("retag.none", loc))]
    for answer in answers:
        out += answer_blocks(texts, answer, loc)
    out.append(blocks.context(texts.get("retag.footer", loc)))
    return out


def answer_blocks(texts: Texts, answer: ReviewedAnswer, loc: str | None = None) -> Blocks:
    """An answer as a facilitator may see it, with its tags and a *Retag* button: 2 blocks."""
    line = texts.get(
        "retag.line", loc, date=answer.created_at.date().isoformat(), words=words(texts, answer, loc)
    )
    button = blocks.button(texts.get("retag.button", loc), RETAG, str(answer.answer_id))
    return [
        {**blocks.section(line[:2900]), "accessory": button},
        blocks.context(tags_line(texts, answer, loc)),
    ]


def words(texts: Texts, answer: ReviewedAnswer, loc: str | None = None) -> str:
    if answer.text is None:
        count = len(answer.tags)
        key = "retag.hidden_none" if count == 0 else "retag.hidden_one" if count == 1 else "retag.hidden_many"
        return texts.get(key, loc, count=count)
    return truncate(escape(" ".join(answer.text.split())), EXCERPT)


def tags_line(texts: Texts, answer: ReviewedAnswer, loc: str | None = None) -> str:
    shown = ", ".join(_tag(texts, tag, answer, loc) for tag in answer.tags)
    if shown:
        return texts.get("retag.tags", loc, tags=shown)
    if answer.corrected:
        return texts.get("retag.tags_corrected_none", loc, who=_who(texts, answer, loc))
    return texts.get("retag.tags_none", loc)


def _tag(texts: Texts, tag: AnswerTagView, answer: ReviewedAnswer, loc: str | None) -> str:
    name = escape(tag.name)
    if tag.source == TagSource.MEMBER:
        return texts.get("retag.source_member", loc, name=name)
    if tag.source == TagSource.FACILITATOR:
        return texts.get("retag.source_facilitator", loc, name=name, who=_who(texts, answer, loc))
    if tag.source == TagSource.THEME:
        return texts.get("retag.source_theme", loc, name=name)
    return texts.get("retag.source_machine", loc, name=name, confidence=f"{tag.confidence:.0%}")


def _who(texts: Texts, answer: ReviewedAnswer, loc: str | None) -> str:
    return f"<@{answer.corrected_by}>" if answer.corrected_by else texts.get("retag.someone", loc)


def retag_modal(
    texts: Texts,
    answer: ReviewedAnswer,
    pains: list[PainPoint],
    current: list[int],
    origin: str,
    loc: str | None = None,
) -> dict[str, Any]:
    """The taxonomy as checkboxes (in groups of ten), the answer's current tags ticked."""
    out: Blocks = [
        blocks.section(texts.get("retag.line", loc, date=answer.created_at.date().isoformat(),
                                 words=words(texts, answer, loc))[:2900]),
        blocks.context(tags_line(texts, answer, loc)),
    ]  # fmt: skip
    for start in range(0, min(len(pains), 90), CHECKBOXES):
        group = pains[start : start + CHECKBOXES]
        options = [_option(p.name, str(p.id)) for p in group]
        element: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": options}
        ticked = [o for o, p in zip(options, group, strict=True) if p.id in current]
        if ticked:
            element["initial_options"] = ticked
        label = "retag.modal_pains" if start == 0 else "retag.modal_more"
        block: dict[str, Any] = {
            "type": "input",
            "block_id": f"pains_{start // CHECKBOXES}",
            "optional": True,
            "label": {"type": "plain_text", "text": texts.get(label, loc)},
            "element": element,
        }
        if start == 0:
            block["hint"] = {"type": "plain_text", "text": texts.get("retag.modal_hint", loc)}
        out.append(block)
    return {
        "type": "modal",
        "callback_id": RETAG_MODAL,
        "title": {"type": "plain_text", "text": texts.get("retag.modal_title", loc)[:24]},
        "submit": {"type": "plain_text", "text": texts.get("retag.modal_submit", loc)[:24]},
        "private_metadata": json.dumps({"answer": answer.answer_id, "from": origin}),
        "blocks": out,
    }


def chosen_ids(values: dict[str, Any]) -> list[int]:
    """The pain point ids ticked in a submitted retag modal, across its checkbox groups."""
    ids: list[int] = []
    for block_id, block in values.items():
        if not block_id.startswith("pains_") or not isinstance(block, dict):
            continue
        selected = (block.get("value") or {}).get("selected_options") or []
        for option in selected if isinstance(selected, list) else []:
            value = option.get("value") if isinstance(option, dict) else None
            if isinstance(value, str) and value.isdigit():
                ids.append(int(value))
    return ids


def retag_done(texts: Texts, answer: ReviewedAnswer, loc: str | None = None) -> dict[str, Any]:
    names = ", ".join(f"*{escape(t.name)}*" for t in answer.tags)
    text = texts.get("retag.done", loc, pains=names) if names else texts.get("retag.done_none", loc)
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": texts.get("retag.modal_title", loc)[:24]},
        "blocks": [blocks.section(text), blocks.context(texts.get("retag.done_hint", loc))],
    }


def home_section(
    texts: Texts, loc: str | None, answers: list[ReviewedAnswer], agreement: Agreement
) -> Blocks:
    """App Home, facilitators only: agreement with members' ticks, and answers to check."""
    if agreement.answers:
        rate = f"{agreement.share:.0%}" if agreement.share is not None else ""
        figure = texts.get(
            "home.agreement", loc, agreed=agreement.agreed, answers=agreement.answers, rate=rate
        )
    else:
        figure = texts.get("home.agreement_none", loc)
    out: Blocks = [
        {"type": "divider"},
        blocks.header(texts.get("home.check_header", loc)),
        blocks.section(figure),
        blocks.context(texts.get("home.check_intro", loc)),
    ]
    if not answers:
        return [*out, blocks.section(texts.get("home.check_none", loc))]
    for answer in answers:
        out += answer_blocks(texts, answer, loc)
    return out


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label[:75]}, "value": value}
