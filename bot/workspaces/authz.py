"""Who may run facilitator commands: configured facilitators, those added with
`/convene facilitators add`, and the workspace's own admins and owners."""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.core.runtime import Runtime
from bot.slack.directory import fetch_profile
from bot.workspaces.service import facilitator_ids

log = logging.getLogger("convene.authz")


def is_facilitator(runtime: Runtime, client: WebClient, team_id: str, user_id: str) -> bool:
    with runtime.db.session() as session:
        if user_id in facilitator_ids(session, team_id, runtime.settings):
            return True
    try:
        profile = fetch_profile(client, user_id)
    except SlackClientError as exc:
        # Fail closed: if Slack can't vouch for an admin, they are not one this time.
        log.warning("could not check admin rights of %s: %s", user_id, type(exc).__name__)
        return False
    return (profile.is_admin or profile.is_owner) and not profile.deleted
