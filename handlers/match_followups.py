"""The follow-up's buttons: did you meet? did it help? Each member answers for themselves."""

from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.core.runtime import Runtime
from bot.matching import intros, service
from bot.members import service as members
from bot.slack.mrkdwn import is_number
from handlers import request
from handlers.workspace_guard import Caller

ANSWERS = {
    intros.MET: ((True, None), "match.thanks_met"),
    intros.NOT_MET: ((False, None), "match.thanks_not_met"),
    intros.HELPED: ((None, True), "match.thanks_helped"),
    intros.NOT_HELPED: ((None, False), "match.thanks_not_helped"),
}


def register(app: App, runtime: Runtime) -> None:
    for action_id in ANSWERS:
        app.action(action_id)(partial(answer, runtime=runtime, action_id=action_id))


def answer(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    caller: Caller | None,
    *,
    runtime: Runtime,
    action_id: str,
) -> None:
    ack()
    (met, helped), thanks = ANSWERS[action_id]
    value = request.action_value(body)
    if caller is None or not caller.user_id or not is_number(value):
        return
    with runtime.db.session() as session:
        member = members.get_member(session, caller.team_id, caller.user_id)
        ok = member is not None and service.record_followup(
            session, int(value), member, met, helped, runtime.clock.now()
        )
    locale = members.language_of(member) if member else None
    text = runtime.texts.get(thanks if ok else "match.not_yours", locale)
    respond(text=text, replace_original=False, response_type="ephemeral")
