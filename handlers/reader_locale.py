"""Which language to answer someone in: a member's own choice, else their Slack locale.
Slash commands and most interaction payloads carry no locale, so for someone who has not
joined, Slack's users.info is asked (the same call `join` makes)."""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.core.runtime import Runtime
from bot.members import service as members
from bot.members.service import Member
from bot.slack.directory import fetch_profile

log = logging.getLogger("convene.locale")


def locale_for(client: WebClient, user_id: str, member: Member | None = None) -> str | None:
    if member is not None:
        return members.language_of(member)
    try:
        return fetch_profile(client, user_id).locale
    except (SlackClientError, KeyError) as exc:
        # English is better than no answer at all.
        log.warning("could not read the locale of %s: %s", user_id, type(exc).__name__)
        return None


def reader_locale(runtime: Runtime, client: WebClient, team_id: str, user_id: str) -> str | None:
    """The language to answer `user_id` in, joined or not. Used for replies that must reach
    the person even when something failed, so a failure here means English, not silence."""
    try:
        with runtime.db.session() as session:
            member = members.get_member(session, team_id, user_id)
        return locale_for(client, user_id, member)
    except Exception as exc:
        log.warning("could not tell the language of %s: %s", user_id, type(exc).__name__)
        return None
