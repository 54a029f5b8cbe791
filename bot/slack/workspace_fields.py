"""Every place a Slack payload names a workspace (or an Enterprise Grid org), and whether they
all name the workspace a request was authorized for.

Bolt picks the token by its own reading of the payload (`view.app_installed_team_id`, then
`team`, then `authorizations[0].team_id`, then `team_id`, …). Any other field naming another
workspace makes the request ambiguous: which workspace's data should it read? So a request
is served only if every workspace-bearing field that is present agrees with the authorized
workspace. Slack itself sends disagreeing fields in one documented case, a person from
another organisation acting through Slack Connect; that is told apart here (`guest`) only
so the refusal can say the right thing."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Fields naming the workspace of the *person* acting, not of the installation: in a Slack
# Connect channel they name the person's own workspace.
_PERSON_FIELDS = frozenset(
    {
        "user.team_id",
        "user_team",
        "event.user_team",
        "event.user.team_id",
        "event.source_team",
        "event.message.user_team",
        "event.message.source_team",
        "message.user_team",
        "message.source_team",
    }
)
# With `view.app_installed_team_id` present (a modal opened through Slack Connect) these name
# the person's workspace too.
_CONNECT_VIEW_FIELDS = frozenset({"team", "team.id", "view.team_id"})


@dataclass(frozen=True)
class Disagreement:
    fields: tuple[str, ...]  # the fields (paths, never values) that named another workspace
    guest: bool  # Slack's own Slack Connect shape: only the person's fields differ

    def shape(self) -> str:
        return ", ".join(self.fields)


def team_fields(body: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(path, value) of every present field that names a workspace."""
    yield from _present(body, "team_id", "team", "team.id", "user_team", "context_team_id")
    yield from _present(body, "user.team_id", "view.team_id", "view.app_installed_team_id")
    yield from _present(body, "message.team", "message.user_team", "message.source_team")
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list):
        for i, authorization in enumerate(authorizations):
            value = authorization.get("team_id") if isinstance(authorization, dict) else authorization
            if value is not None:
                yield f"authorizations[{i}].team_id", value
    event = body.get("event")
    if isinstance(event, dict):
        for path, value in _present(
            event,
            "team",
            "team_id",
            "user_team",
            "source_team",
            "user.team_id",
            "view.team_id",
            "view.app_installed_team_id",
            "message.team",
            "message.user_team",
            "message.source_team",
        ):
            yield f"event.{path}", value


def enterprise_fields(body: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(path, value) of every present field that names an Enterprise Grid organisation."""
    yield from _present(body, "enterprise_id", "enterprise", "enterprise.id", "context_enterprise_id")
    yield from _present(body, "team.enterprise_id")
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list):
        for i, authorization in enumerate(authorizations):
            if isinstance(authorization, dict) and authorization.get("enterprise_id") is not None:
                yield f"authorizations[{i}].enterprise_id", authorization["enterprise_id"]
    event = body.get("event")
    if isinstance(event, dict):
        for path, value in _present(event, "enterprise", "enterprise_id"):
            yield f"event.{path}", value


def org_wide(body: dict[str, Any]) -> bool:
    """An org-wide (Enterprise Grid) install, which serves many workspaces with one token."""
    values = [body.get("is_enterprise_install")]
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list):
        values += [a.get("is_enterprise_install") for a in authorizations if isinstance(a, dict)]
    return any(v is True or (isinstance(v, str) and v.lower() == "true") for v in values)


def disagreement(body: dict[str, Any], team_id: str, enterprise_id: str | None) -> Disagreement | None:
    """None when every workspace field present names `team_id` (and every org field
    `enterprise_id`); otherwise which fields did not."""
    wrong = [path for path, value in team_fields(body) if value != team_id]
    wrong += [path for path, value in enterprise_fields(body) if value != enterprise_id]
    if org_wide(body):
        wrong.append("is_enterprise_install")
    if not wrong:
        return None
    person = _PERSON_FIELDS | (_CONNECT_VIEW_FIELDS if _has(body, "view.app_installed_team_id") else set())
    guest = all(path in person for path in wrong)
    return Disagreement(tuple(wrong), guest)


def _present(node: dict[str, Any], *paths: str) -> Iterator[tuple[str, Any]]:
    """Fields present with a value. A dict where an id belongs (`team` as an object) is
    yielded as the object's own fields; anything else of the wrong type is yielded as is,
    so it cannot match and the request is refused."""
    for path in paths:
        found, value = _lookup(node, path)
        if not found or value is None or value == "":
            continue
        if isinstance(value, dict) and ("." + path).rsplit(".", 1)[-1] in ("team", "enterprise"):
            continue  # `team` / `enterprise` objects: their `.id` is checked on its own path
        yield path, value


def _lookup(node: Any, path: str) -> tuple[bool, Any]:
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _has(body: dict[str, Any], path: str) -> bool:
    found, value = _lookup(body, path)
    return found and value not in (None, "")
