"""The follow-up's buttons: did you meet? did it help? Each member answers for themselves."""

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.core.runtime import Runtime
from bot.matching import intros, service
from bot.members import service as members
from bot.slack.mrkdwn import is_number
from handlers import request

ANSWERS = {
    intros.MET: ((True, None), "match.thanks_met"),
    intros.NOT_MET: ((False, None), "match.thanks_not_met"),
    intros.HELPED: ((None, True), "match.thanks_helped"),
    intros.NOT_HELPED: ((None, False), "match.thanks_not_helped"),
}


def register(app: App, runtime: Runtime) -> None:
    for action_id in ANSWERS:
        app.action(action_id)(_listener(runtime, action_id))


def _listener(runtime: Runtime, action_id: str) -> Callable[[Ack, dict[str, Any], Respond], None]:
    (met, helped), thanks = ANSWERS[action_id]

    def answer(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id, value = request.team_id(body), request.user_id(body), request.action_value(body)
        if not team_id or not user_id or not is_number(value):
            return
        with runtime.db.session() as session:
            member = members.get_member(session, team_id, user_id)
            ok = member is not None and service.record_followup(
                session, int(value), member, met, helped, runtime.clock.now()
            )
        locale = members.language_of(member) if member else None
        respond(text=runtime.texts.get(thanks if ok else "match.not_yours", locale), replace_original=False,
                response_type="ephemeral")  # fmt: skip

    return answer
