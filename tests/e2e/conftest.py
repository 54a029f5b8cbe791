"""End-to-end fixtures: the real Bolt app over real HTTP, signed like Slack, against the
Slack Web API stand-in on loopback, on a real database."""

from collections.abc import Iterator

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from standins.harness import LocalSlack

FACILITATOR = "UFACIL001"
ADMIN = "UADMIN001"
MANILA = "UMANILA01"
MEXICO = "UMEXICO01"
PLAIN = "UPLAIN001"
COORDINATORS = "C0COORDS1"


@pytest.fixture
def slack(database_url: str, clock: ManualClock) -> Iterator[LocalSlack]:
    settings = Settings(facilitators=frozenset({FACILITATOR}))
    with LocalSlack(database_url, clock=clock, settings=settings) as local:
        api = local.api
        api.add_user(FACILITATOR, name="fatima", real_name="Fatima Diallo", tz="Africa/Dakar", locale="fr-FR")
        api.add_user(ADMIN, name="ana", real_name="Ana Admin", tz="Europe/Madrid", is_admin=True)
        api.add_user(MANILA, name="maria", real_name="Maria Santos", tz="Asia/Manila")
        api.add_user(MEXICO, name="jorge", real_name="Jorge Ruiz", tz="America/Mexico_City", locale="es-LA")
        api.add_user(PLAIN, name="pat", real_name="Pat Plain", tz="Europe/London")
        api.add_channel(COORDINATORS, name="coordinators", members=[FACILITATOR])
        yield local


def text_of(message: dict) -> str:
    """Everything a person can read in a message or view: every text object, anywhere."""
    parts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message)
    return "\n".join(parts)


def consent(level: str) -> dict:
    """The check-in form's consent field as Slack submits it: one of three radio buttons."""
    return {"type": "radio_buttons", "selected_option": {"value": level}}
