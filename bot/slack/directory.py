"""Reading people from Slack's directory (users.info, users.list)."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

USERS_LIST_PAGE = 200  # Slack's recommended page size


@dataclass(frozen=True)
class SlackProfile:
    user_id: str
    name: str
    real_name: str
    tz: str | None
    locale: str | None
    deleted: bool = False
    is_bot: bool = False
    is_admin: bool = False
    is_owner: bool = False
    # The person's own workspace: another one's for a guest through a Slack Connect channel.
    team_id: str = ""

    @property
    def first_name(self) -> str:
        return first_name(self.real_name, self.name)


def first_name(real_name: str, name: str) -> str:
    return (real_name.split() or [name or "there"])[0]


def profile_from_user(user: dict[str, Any]) -> SlackProfile:
    profile = user.get("profile") or {}
    return SlackProfile(
        user_id=user["id"],
        name=user.get("name") or "",
        real_name=user.get("real_name") or profile.get("real_name") or user.get("name") or "",
        tz=user.get("tz"),
        locale=user.get("locale"),
        deleted=bool(user.get("deleted")),
        # Slackbot is a bot in every way but this flag.
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        is_admin=bool(user.get("is_admin")),
        is_owner=bool(user.get("is_owner")),
        team_id=str(user.get("team_id") or ""),
    )


def fetch_profile(client: WebClient, user_id: str) -> SlackProfile:
    response = client.users_info(user=user_id, include_locale=True)
    return profile_from_user(response["user"])


def iter_directory(client: WebClient) -> Iterator[SlackProfile]:
    """Every person in the workspace, one paginated users.list call per 200 people."""
    cursor = None
    while True:
        response = client.users_list(limit=USERS_LIST_PAGE, cursor=cursor, include_locale=True)
        members: list[dict[str, Any]] = response.get("members", [])
        for user in members:
            yield profile_from_user(user)
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return
