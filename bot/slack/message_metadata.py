"""What Convene stamps on the messages it may have to find again (Slack message metadata):
after a crash between a send and its bookkeeping, a surviving instance asks Slack whether
the message exists (`bot.app.recovery`) instead of guessing."""

from typing import Any

CHECKIN = "convene_checkin"
INTRO = "convene_intro"
CONVENING = "convene_convening"


def checkin_metadata(delivery_id: int | None) -> dict[str, Any]:
    return {"event_type": CHECKIN, "event_payload": {"delivery_id": delivery_id}}


def intro_metadata(group_id: int | None) -> dict[str, Any]:
    return {"event_type": INTRO, "event_payload": {"group_id": group_id}}


def convening_metadata(message_id: int | None) -> dict[str, Any]:
    return {"event_type": CONVENING, "event_payload": {"message_id": message_id}}


def matches(message: dict[str, Any], event_type: str, key: str, value: int) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == event_type and str(payload.get(key)) == str(value)
