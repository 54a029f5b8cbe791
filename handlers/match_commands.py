"""`/convene match preview | run | schedule`, and the swap modal that edits a proposal."""

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.runtime import Runtime
from bot.matching import intros, service
from bot.members.service import Member
from bot.slack import blocks
from bot.slack.mrkdwn import escape
from bot.workspaces.authz import is_facilitator
from bot.workspaces.service import ready_workspace
from handlers import request
from handlers.command_request import CommandHandler, CommandRequest
from handlers.schedules import set_schedule

SWAP_MODAL = "match_swap_modal"


def match_preview(req: CommandRequest) -> None:
    now = req.runtime.clock.now()
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        week = service.week_key(ws, now)
        pool = service.build_pool(session, ws, now)
        try:
            round_ = service.save_proposal(session, ws, week, pool.plan(), req.user_id, now)
        except service.AlreadySent:
            req.reply(req.t("match.already_sent", week=week))
            return
        text, out = proposal_blocks(req.runtime, session, req.team_id, round_.id, week)  # type: ignore[arg-type]
    req.reply(text, out)


def proposal_blocks(
    runtime: Runtime, session: Any, team_id: str, round_id: int, week: str
) -> tuple[str, list[dict[str, Any]]]:
    texts = runtime.texts
    groups = service.groups_of(session, round_id)
    people = sum(len(g.members) for g in groups)
    header = texts.get("match.preview_header", week=week, groups=len(groups), people=people)
    lines = []
    for number, group in enumerate(groups, start=1):
        pains = " & ".join(intros.pain_names(session, team_id, group.shared)) or texts.get("match.no_shared")
        mentions = " + ".join(f"<@{m.user_id}>" for m in group.members)
        lines.append(texts.get("match.preview_group", number=number, mentions=mentions, pains=escape(pains)))
    reasons = {"alone": texts.get("match.reason_alone"), "avoided": texts.get("match.reason_avoided")}
    for left, member in service.left_out(session, round_id):
        lines.append(texts.get("match.preview_unmatched", mentions=f"<@{member.user_id}>",
                               reason=reasons.get(left.reason, left.reason)))  # fmt: skip
    if not lines:
        return header, [blocks.section(texts.get("match.preview_none"))]
    out = [blocks.header(header), *blocks.sections_from_lines(lines)[:45]]
    if len(groups) >= 2:
        out.append({"type": "actions", "elements": [
            blocks.button(texts.get("match.swap_button"), intros.SWAP, str(round_id))]})  # fmt: skip
    out.append(blocks.context(texts.get("match.preview_footer")))
    return header, out


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


def register(app: App, runtime: Runtime) -> None:
    texts = runtime.texts

    @app.action(intros.SWAP)
    def open_swap(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        team_id, user_id = request.team_id(body) or "", request.user_id(body) or ""
        if not is_facilitator(runtime, client, team_id, user_id):
            # The preview is ephemeral, but a forwarded or replayed click must still be told no.
            respond(text=texts.get("commands.not_facilitator", command="match"), replace_original=False)
            return
        if not isinstance(body.get("trigger_id"), str):
            return

        def pick(block_id: str, label: str) -> dict[str, Any]:
            return {
                "type": "input",
                "block_id": block_id,
                "label": {"type": "plain_text", "text": texts.get(label)},
                "element": {"type": "users_select", "action_id": "value"},
            }

        view = {
            "type": "modal",
            "callback_id": SWAP_MODAL,
            "title": {"type": "plain_text", "text": texts.get("match.swap_title")[:24]},
            "submit": {"type": "plain_text", "text": texts.get("match.swap_submit")[:24]},
            "private_metadata": json.dumps({"round": request.action_value(body)}),
            "blocks": [pick("a", "match.swap_first"), pick("b", "match.swap_second")],
        }
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(SWAP_MODAL)
    def submit_swap(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = request.team_id(body) or "", request.user_id(body) or ""
        values = request.dig(body, "view", "state", "values") or {}
        a = request.dig(values, "a", "value", "selected_user")
        b = request.dig(values, "b", "value", "selected_user")
        if not is_facilitator(runtime, client, team_id, user_id):
            ack(
                response_action="errors", errors={"a": texts.get("commands.not_facilitator", command="match")}
            )
            return
        now = runtime.clock.now()
        with runtime.db.session() as session:
            ws = ready_workspace(runtime, session, team_id)
            week = service.week_key(ws, now)
            round_ = service.current_round(session, team_id, week)
            ids = _member_ids(session, team_id, [a, b])
            pool = service.build_pool(session, ws, now)
            if round_ is None or None in ids or not service.swap(session, round_, pool, ids[0], ids[1]):  # type: ignore[arg-type]
                ack(response_action="errors", errors={"b": texts.get("match.swap_invalid")})
                return
            _, out = proposal_blocks(runtime, session, team_id, round_.id, week)  # type: ignore[arg-type]
        done = blocks.section(texts.get("match.swapped", a=a, b=b))
        ack(response_action="update", view={
            "type": "modal", "title": {"type": "plain_text", "text": texts.get("match.swap_title")[:24]},
            "blocks": [done, *[blk for blk in out if blk.get("type") != "actions"]][:100],
        })  # fmt: skip


def _member_ids(session: Any, team_id: str, user_ids: list[Any]) -> list[int | None]:
    from bot.members.service import get_member

    found: list[int | None] = []
    for user_id in user_ids:
        member: Member | None = get_member(session, team_id, user_id) if isinstance(user_id, str) else None
        found.append(member.id if member else None)
    return found


HANDLERS: dict[str, CommandHandler] = {
    "match preview": match_preview,
    "match run": match_run,
    "match schedule": match_schedule,
}
