"""Reading every workspace field of a payload: which disagree with the authorized workspace,
and whether the disagreement is Slack's own Slack Connect shape (a guest) or not."""

from typing import Any

from bot.slack.workspace_fields import disagreement

HOME, OTHER, ORG = "T0HOME001", "T0OTHER01", "E0ORG0001"


def _click(**extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": HOME, "domain": "home"},
        "user": {"id": "U1", "team_id": HOME},
        "enterprise": None,
        "is_enterprise_install": False,
        "message": {"team": HOME, "user": "UBOT"},
    }
    payload.update(extra)
    return payload


def test_a_payload_naming_only_the_authorized_workspace_agrees() -> None:
    assert disagreement(_click(), HOME, None) is None
    command = {"team_id": HOME, "user_id": "U1", "is_enterprise_install": "false", "enterprise_id": ""}
    assert disagreement(command, HOME, None) is None
    event = {"team_id": HOME, "authorizations": [{"team_id": HOME, "enterprise_id": None}],
             "event": {"type": "message", "team": HOME, "user_team": HOME, "source_team": HOME}}  # fmt: skip
    assert disagreement(event, HOME, None) is None


def test_every_field_naming_another_workspace_is_named_by_its_path() -> None:
    found = disagreement(_click(team_id=OTHER, view={"team_id": OTHER}), HOME, None)
    assert found is not None and found.fields == ("team_id", "view.team_id") and not found.guest
    event = {"team_id": OTHER, "authorizations": [{"team_id": HOME}], "event": {"team": OTHER}}
    found = disagreement(event, HOME, None)
    assert found is not None and found.fields == ("team_id", "event.team")


def test_slack_connect_shapes_are_a_guest_from_another_workspace() -> None:
    modal = _click(
        team={"id": OTHER}, user={"id": "U2", "team_id": OTHER}, view={"app_installed_team_id": HOME}
    )
    found = disagreement(modal, HOME, None)
    assert found is not None and found.guest and set(found.fields) == {"team.id", "user.team_id"}
    shared = {"team_id": HOME, "authorizations": [{"team_id": HOME}],
              "event": {"type": "message", "user_team": OTHER, "source_team": OTHER}}  # fmt: skip
    found = disagreement(shared, HOME, None)
    assert found is not None and found.guest


def test_the_installation_naming_another_workspace_is_never_a_guest() -> None:
    found = disagreement(_click(view={"app_installed_team_id": OTHER}), HOME, None)
    assert found is not None and not found.guest


def test_org_fields_must_name_the_authorized_org_and_org_wide_installs_are_refused() -> None:
    assert disagreement(_click(enterprise={"id": ORG}), HOME, ORG) is None
    found = disagreement(_click(enterprise={"id": ORG}), HOME, None)
    assert found is not None and found.fields == ("enterprise.id",)
    found = disagreement(_click(is_enterprise_install=True), HOME, None)
    assert found is not None and found.fields == ("is_enterprise_install",)


def test_a_field_of_the_wrong_type_never_agrees() -> None:
    for value in (7, [HOME], True, {"nested": HOME}):
        found = disagreement(_click(team_id=value), HOME, None)
        assert found is not None and "team_id" in found.fields, value
