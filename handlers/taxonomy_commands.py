"""`/convene pains …`: the facilitators' view of, and changes to, the taxonomy."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from bot.slack import blocks
from bot.slack.mrkdwn import escape
from bot.tagging import blocks as tag_blocks
from bot.tagging import taxonomy, themes
from bot.tagging.taxonomy import PainPoint, PainPointStatus
from bot.workspaces.service import ready_workspace
from handlers.command_request import CommandHandler, CommandRequest

THEME_ADOPT = "theme_adopt"
THEME_DISMISS = "theme_dismiss"
WINDOW = timedelta(weeks=4)
T = TypeVar("T")


def pains_list(req: CommandRequest) -> None:
    now = req.runtime.clock.now()
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
        pains = taxonomy.all_pain_points(session, req.team_id)
        counts = taxonomy.counts_since(session, req.team_id, now - WINDOW)
        proposals = themes.proposed(session, req.team_id)
    active = [p for p in pains if p.status == PainPointStatus.ACTIVE]
    header = req.t("pains.header", active=len(active))
    lines = [
        req.t(
            "pains.line",
            name=escape(p.name),
            slug=p.slug,
            count=counts.get(p.id or 0, 0),
            symptom=req.t("pains.symptom") if p.is_symptom else "",
        )
        for p in sorted(active, key=lambda p: -counts.get(p.id or 0, 0))
    ] or [req.t("pains.none")]
    out = [blocks.header(header), *blocks.sections_from_lines(lines)]
    if active:
        out.append(tag_blocks.pains_picker(req.runtime.texts, active))
    inactive = [p for p in pains if p.status != PainPointStatus.ACTIVE]
    if inactive:
        out.append(
            blocks.context(
                req.t("pains.inactive_header")
                + ": "
                + ", ".join(
                    req.t("pains.inactive_line", name=escape(p.name), slug=p.slug, status=p.status)
                    for p in inactive
                )[:2900]
            )
        )
    if proposals:
        out.append(blocks.section(f"*{req.t('pains.themes_header')}*"))
        for theme, count in proposals[:10]:  # 3 blocks each, well under Slack's 50
            examples = "\n".join(
                req.t("pains.theme_example", phrase=escape(e)) for e in json.loads(theme.examples)
            )
            out.append(
                blocks.section(
                    req.t(
                        "pains.theme_line",
                        name=escape(theme.name),
                        count=count,
                        keywords=escape(theme.keywords),
                        examples=examples,
                    )[:2900]
                )
            )
            out.append(
                {
                    "type": "actions",
                    "elements": [
                        blocks.button(
                            req.t("pains.adopt_button"), THEME_ADOPT, str(theme.id), style="primary"
                        ),
                        blocks.button(req.t("pains.dismiss_button"), THEME_DISMISS, str(theme.id)),
                    ],
                }
            )
    req.reply(header, out)


def pains_add(req: CommandRequest) -> None:
    name, _, description = " ".join(req.args).partition("|")
    if not name.strip():
        req.reply(req.t("pains.usage_add"))
        return
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
        pain = _attempt(
            req,
            lambda: taxonomy.add(
                session, req.team_id, name, description, req.user_id, req.runtime.clock.now()
            ),
        )
    if pain is not None:
        req.reply(req.t("pains.added", name=escape(pain.name), slug=pain.slug))


def pains_rename(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
        split = _split_two(req, "to", "pains.usage_rename")
        if split is None:
            return
        pain, new_name = split
        old = _attempt(
            req, lambda: taxonomy.rename(session, pain, new_name, req.user_id, req.runtime.clock.now())
        )
    if old is not None:
        req.reply(req.t("pains.renamed", old=escape(old), new=escape(pain.name), slug=pain.slug))


def pains_merge(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
        split = _split_two(req, "into", "pains.usage_merge")
        if split is None:
            return
        source, target_name = split
        target = _resolve_or_explain(req, session, target_name)
        if target is None:
            return
        moved = _attempt(
            req, lambda: taxonomy.merge(session, source, target, req.user_id, req.runtime.clock.now())
        )
    if moved is not None:
        req.reply(req.t("pains.merged", source=escape(source.name), target=escape(target.name), moved=moved))


def pains_retire(req: CommandRequest) -> None:
    if not req.args:
        req.reply(req.t("pains.usage_retire"))
        return
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
        pain = _resolve_or_explain(req, session, " ".join(req.args))
        if pain is None:
            return
        taxonomy.retire(session, pain, req.user_id, req.runtime.clock.now())
    req.reply(req.t("pains.retired", name=escape(pain.name)))


def _split_two(req: CommandRequest, word: str, usage: str) -> tuple[PainPoint, str] | None:
    """`<old> to <new>`: names may contain the word too ("Access to information"), so try
    every split and keep the one whose left side names exactly one pain point."""
    with req.runtime.db.session() as session:
        options = []
        for i, token in enumerate(req.args):
            if token.lower() == word and 0 < i < len(req.args) - 1:
                left, right = " ".join(req.args[:i]), " ".join(req.args[i + 1 :])
                found = taxonomy.resolve(session, req.team_id, left).found
                options.append((left, right, found))
    if not options:
        req.reply(req.t(usage))
        return None
    resolved = [(found, right) for _, right, found in options if found is not None]
    exact = [
        (found, right)
        for left, right, found in options
        if found is not None and taxonomy.normalise(left) in (taxonomy.normalise(found.name), found.slug)
    ]
    if len(exact) == 1:
        return exact[0]
    if len(resolved) == 1:
        return resolved[0]
    if len(resolved) > 1:
        names = ", ".join(f"*{escape(p.name)}*" for p, _ in resolved)
        req.reply(req.t("pains.ambiguous", name=escape(" ".join(req.args)), names=names))
        return None
    with req.runtime.db.session() as session:
        _resolve_or_explain(req, session, options[0][0])
    return None


def _resolve_or_explain(req: CommandRequest, session: Any, name: str) -> PainPoint | None:
    resolution = taxonomy.resolve(session, req.team_id, name)
    if resolution.found is not None:
        return resolution.found
    shown = escape(name.replace("`", "'"))[:80]
    names = " or ".join(f"*{escape(p.name)}*" for p in resolution.candidates)
    if resolution.candidates and taxonomy.normalise(name) in " ".join(
        taxonomy.normalise(p.name) for p in resolution.candidates
    ):
        req.reply(req.t("pains.ambiguous", name=shown, names=names))
    else:
        suggestion = " " + req.t("pains.did_you_mean", names=names) if names else ""
        req.reply(req.t("pains.not_found", name=shown) + suggestion)
    return None


def _attempt(req: CommandRequest, change: Callable[[], T]) -> T | None:
    try:
        return change()
    except taxonomy.TaxonomyError as error:
        values = {k: escape(str(v)) for k, v in error.values.items()}
        req.reply(req.t(error.key, **values))
        return None


HANDLERS: dict[str, CommandHandler] = {
    "pains": pains_list,
    "pains add": pains_add,
    "pains rename": pains_rename,
    "pains merge": pains_merge,
    "pains retire": pains_retire,
}
