"""`/convene match preview | run | schedule`, and the swap form that edits a proposal."""

from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.runtime import Runtime
from bot.matching import blocks as match_blocks
from bot.matching import intros, service
from bot.workspaces.authz import is_facilitator
from bot.workspaces.service import ready_workspace
from handlers import request
from handlers.command_request import CommandRequest
from handlers.commands import subcommand
from handlers.schedules import set_schedule
from handlers.workspace_guard import Caller

SWAP_MODAL = match_blocks.SWAP_MODAL


def register(app: App, runtime: Runtime) -> None:
    for name, handler in (
        ("match preview", match_preview),
        ("match run", match_run),
        ("match schedule", match_schedule),
    ):
        subcommand(app, runtime, name, handler)
    app.action(intros.SWAP)(partial(open_swap, runtime=runtime))
    app.view(SWAP_MODAL)(partial(submit_swap, runtime=runtime))


def match_preview(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        try:
            proposal = service.propose(session, ws, req.user_id, req.runtime.clock.now())
        except service.AlreadySent as sent:
            req.reply(req.t("match.already_sent", week=sent.week))
            return
    text, out = match_blocks.proposal_blocks(req.runtime.texts, proposal)
    req.reply(text, out)


def match_run(req: CommandRequest) -> None:
    report = intros.run_round(req.runtime, req.team_id, req.user_id)
    if report.already_sent:
        req.reply(req.t("match.already_sent", week=report.week))
        return
    if report.nobody:
        req.reply(req.t("match.nobody", week=report.week))
        return
    failed = req.t("match.sent_failed", count=report.failed) if report.failed else ""
    req.reply(req.t("match.sent", groups=report.groups, people=report.people, failed=failed))


def match_schedule(req: CommandRequest) -> None:
    set_schedule(req, "match_cron", "match.schedule_done")


def open_swap(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    caller: Caller | None,
    *,
    runtime: Runtime,
) -> None:
    ack()
    if caller is None or not caller.user_id:
        return
    if not is_facilitator(runtime, caller.team_id, caller.user_id):
        # The preview is ephemeral, but a forwarded or replayed click must still be told no.
        refusal = runtime.texts.get("commands.not_facilitator", command="match")
        respond(text=refusal, replace_original=False)
        return
    trigger_id = body.get("trigger_id")
    if isinstance(trigger_id, str):
        client.views_open(
            trigger_id=trigger_id, view=match_blocks.swap_modal(runtime.texts, request.action_value(body))
        )


def submit_swap(ack: Ack, body: dict[str, Any], caller: Caller | None, *, runtime: Runtime) -> None:
    texts = runtime.texts
    if caller is None or not caller.user_id or not is_facilitator(runtime, caller.team_id, caller.user_id):
        ack(response_action="errors", errors={"a": texts.get("commands.not_facilitator", command="match")})
        return
    values = request.dig(body, "view", "state", "values") or {}
    a = request.dig(values, "a", "value", "selected_user")
    b = request.dig(values, "b", "value", "selected_user")
    proposal = None
    if isinstance(a, str) and isinstance(b, str):
        with runtime.db.session() as session:
            ws = ready_workspace(runtime, session, caller.team_id)
            proposal = service.swap_people(session, ws, a, b, runtime.clock.now())
    if proposal is None:
        ack(response_action="errors", errors={"b": texts.get("match.swap_invalid")})
        return
    ack(response_action="update", view=match_blocks.swapped_view(texts, a, b, proposal))
