"""`/convene pains …`: the facilitators' view of, and changes to, the taxonomy."""

from datetime import timedelta

from slack_bolt import App

from bot.core.runtime import Runtime
from bot.slack.mrkdwn import escape
from bot.tagging import blocks as tagging_blocks
from bot.tagging import taxonomy, themes
from bot.workspaces.service import ready_workspace
from handlers.command_request import CommandRequest
from handlers.commands import subcommand

WINDOW = timedelta(weeks=4)  # the counts beside each pain point


def register(app: App, runtime: Runtime) -> None:
    for name, handler in (
        ("pains", pains_list),
        ("pains add", pains_add),
        ("pains rename", pains_rename),
        ("pains merge", pains_merge),
        ("pains retire", pains_retire),
    ):
        subcommand(app, runtime, name, handler)


def pains_list(req: CommandRequest) -> None:
    now = req.runtime.clock.now()
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
        overview = themes.overview(session, req.team_id, now - WINDOW)
    header, out = tagging_blocks.pains_list(req.runtime.texts, overview)
    req.reply(header, out)


def pains_add(req: CommandRequest) -> None:
    name, _, description = " ".join(req.args).partition("|")
    if not name.strip():
        req.reply(req.t("pains.usage_add"))
        return
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
        try:
            pain = taxonomy.add(session, req.team_id, name, description, req.user_id, req.runtime.clock.now())
        except taxonomy.TaxonomyError as error:
            _refuse(req, error)
            return
    req.reply(req.t("pains.added", name=escape(pain.name), slug=pain.slug))


def pains_rename(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
        split = taxonomy.split_named(session, req.team_id, req.args, "to")
        if split is None or isinstance(split, taxonomy.NotFound):
            _missing(req, split, "pains.usage_rename")
            return
        pain, new_name = split
        try:
            old = taxonomy.rename(session, pain, new_name, req.user_id, req.runtime.clock.now())
        except taxonomy.TaxonomyError as error:
            _refuse(req, error)
            return
    req.reply(req.t("pains.renamed", old=escape(old), new=escape(pain.name), slug=pain.slug))


def pains_merge(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
        split = taxonomy.split_named(session, req.team_id, req.args, "into")
        if split is None or isinstance(split, taxonomy.NotFound):
            _missing(req, split, "pains.usage_merge")
            return
        source, target_name = split
        target = taxonomy.find_named(session, req.team_id, target_name)
        if isinstance(target, taxonomy.NotFound):
            _missing(req, target, "pains.usage_merge")
            return
        try:
            moved = taxonomy.merge(session, source, target, req.user_id, req.runtime.clock.now())
        except taxonomy.TaxonomyError as error:
            _refuse(req, error)
            return
    req.reply(req.t("pains.merged", source=escape(source.name), target=escape(target.name), moved=moved))


def pains_retire(req: CommandRequest) -> None:
    if not req.args:
        req.reply(req.t("pains.usage_retire"))
        return
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
        pain = taxonomy.find_named(session, req.team_id, " ".join(req.args))
        if isinstance(pain, taxonomy.NotFound):
            _missing(req, pain, "pains.usage_retire")
            return
        taxonomy.retire(session, pain, req.user_id, req.runtime.clock.now())
    req.reply(req.t("pains.retired", name=escape(pain.name)))


def _missing(req: CommandRequest, missing: taxonomy.NotFound | None, usage: str) -> None:
    if missing is None:
        req.reply(req.t(usage))
    else:
        req.reply(tagging_blocks.not_found_text(req.runtime.texts, missing))


def _refuse(req: CommandRequest, error: taxonomy.TaxonomyError) -> None:
    values = {k: escape(str(v)) for k, v in error.values.items()}
    req.reply(req.t(error.key, **values))
