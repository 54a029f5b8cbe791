"""Which language to answer someone in: a member's own choice, else their Slack locale.
Slash commands and most interaction payloads carry no locale, so for someone who has not
joined, Slack's users.info is asked through the workspace's token (and kept briefly)."""

import logging

from bot.core.runtime import Runtime
from bot.members import service as members
from bot.members.service import Member
from bot.workspaces.authz import profile_in

log = logging.getLogger("convene.locale")


def locale_for(runtime: Runtime, team_id: str, user_id: str, member: Member | None = None) -> str | None:
    if member is not None:
        return members.language_of(member)
    profile = profile_in(runtime, team_id, user_id)
    return profile.locale if profile is not None else None  # English is better than no answer


def reader_locale(runtime: Runtime, team_id: str, user_id: str) -> str | None:
    """The language to answer `user_id` in, joined or not. Used for replies that must reach
    the person even when something failed, so a failure here means English, not silence."""
    try:
        with runtime.db.session() as session:
            member = members.get_member(session, team_id, user_id)
        return locale_for(runtime, team_id, user_id, member)
    except Exception as exc:
        log.warning("could not tell the language of %s: %s", user_id, type(exc).__name__)
        return None
