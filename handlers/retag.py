"""Checking and correcting tags, facilitators only: the `/convene pains` menu of a pain
point's recent answers, the *Retag* button (there and in App Home) and the retag form. Every
step checks who is asking, in the workspace the request was authorized for: a button in a
message can be pressed by anyone who sees it."""

import json
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.runtime import Runtime
from bot.slack.mrkdwn import escape, is_number
from bot.tagging import blocks as tag_blocks
from bot.tagging import corrections
from bot.workspaces.authz import is_facilitator
from bot.workspaces.service import ready_workspace
from handlers import home, request
from handlers.reader_locale import reader_locale
from handlers.workspace_guard import Caller

FROM_HOME = "home"
FROM_MESSAGE = "message"


def register(app: App, runtime: Runtime) -> None:
    app.action(tag_blocks.PAINS_ANSWERS)(partial(show_answers, runtime=runtime))
    app.action(tag_blocks.RETAG)(partial(open_retag, runtime=runtime))
    app.view(tag_blocks.RETAG_MODAL)(partial(submit_retag, runtime=runtime))


def show_answers(
    ack: Ack, body: dict[str, Any], respond: Respond, caller: Caller | None, *, runtime: Runtime
) -> None:
    ack()
    texts = runtime.texts
    if caller is None or not caller.user_id:
        return
    if not is_facilitator(runtime, caller.team_id, caller.user_id):
        respond(text=texts.get("commands.not_facilitator", command="pains"), replace_original=False)
        return
    choice = request.dig(request.first_action(body), "selected_option", "value")
    if not isinstance(choice, str):
        return
    with runtime.db.session() as session:
        workspace = ready_workspace(runtime, session, caller.team_id)
        found = corrections.drilldown(session, workspace, choice, runtime.clock.now())
    if found is None:
        respond(text=texts.get("retag.gone"), replace_original=False)
        return
    title = (
        texts.get("retag.header", name=found.pain.name)
        if found.pain is not None
        else texts.get("retag.header_untagged")
    )
    out = tag_blocks.drilldown(texts, title, found.answers)
    respond(text=escape(title), blocks=out, replace_original=False, response_type="ephemeral")


def open_retag(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    caller: Caller | None,
    *,
    runtime: Runtime,
) -> None:
    ack()
    texts = runtime.texts
    if caller is None or not caller.user_id:
        return
    team_id, user_id = caller.team_id, caller.user_id
    origin = FROM_HOME if request.dig(body, "container", "type") == "view" else FROM_MESSAGE
    if not is_facilitator(runtime, team_id, user_id):
        _tell(runtime, body, client, respond, caller, texts.get("commands.not_facilitator", command="pains"))
        return
    value = request.action_value(body)
    trigger_id = body.get("trigger_id")
    if not is_number(value) or not isinstance(trigger_id, str):
        return
    loc = reader_locale(runtime, team_id, user_id) if origin == FROM_HOME else None
    with runtime.db.session() as session:
        form = corrections.retag_form(session, ready_workspace(runtime, session, team_id), int(value))
    if form is None:
        _tell(runtime, body, client, respond, caller, texts.get("retag.gone", loc))
        return
    view = tag_blocks.retag_modal(texts, form.answer, form.pains, form.current, origin, loc)
    client.views_open(trigger_id=trigger_id, view=view)


def submit_retag(
    ack: Ack, body: dict[str, Any], client: WebClient, caller: Caller | None, *, runtime: Runtime
) -> None:
    texts = runtime.texts
    values = request.dig(body, "view", "state", "values") or {}
    first = next(iter(values), "pains_0") if isinstance(values, dict) else "pains_0"
    if caller is None or not caller.user_id or not is_facilitator(runtime, caller.team_id, caller.user_id):
        ack(response_action="errors", errors={first: texts.get("commands.not_facilitator", command="pains")})
        return
    team_id, user_id = caller.team_id, caller.user_id
    meta = _metadata(request.dig(body, "view", "private_metadata"))
    answer_id, origin = meta.get("answer"), meta.get("from")
    loc = reader_locale(runtime, team_id, user_id) if origin == FROM_HOME else None
    if not isinstance(answer_id, int) or isinstance(answer_id, bool):
        ack(response_action="errors", errors={first: texts.get("retag.gone", loc)})
        return
    chosen = tag_blocks.chosen_ids(values) if isinstance(values, dict) else []
    with runtime.db.session() as session:
        workspace = ready_workspace(runtime, session, team_id)
        done = corrections.retag_and_show(session, workspace, answer_id, chosen, user_id, runtime.clock.now())
    if done is None:
        ack(response_action="errors", errors={first: texts.get("retag.gone", loc)})
        return
    ack(response_action="update", view=tag_blocks.retag_done(texts, done, loc))
    if origin == FROM_HOME:
        home.publish(runtime, client, team_id, user_id)  # the answer leaves "tags to check"


def _tell(
    runtime: Runtime, body: dict[str, Any], client: WebClient, respond: Respond, caller: Caller, text: str
) -> None:
    """A private word where the button was: in the conversation, or on App Home (which has
    no response_url to answer through)."""
    if isinstance(body.get("response_url"), str):
        respond(text=text, replace_original=False)
    else:
        home.publish(runtime, client, caller.team_id, caller.user_id, notice=text)


def _metadata(raw: object) -> dict[str, Any]:
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
