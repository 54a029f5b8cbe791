"""Which language to answer someone in: a member's own choice, else their Slack locale.
Slash commands and most interaction payloads carry no locale, so for someone who has not
joined, Slack's users.info is asked through the workspace's token (and kept briefly)."""

from bot.core.runtime import Runtime
from bot.members import service as members
from bot.members.service import Member
from bot.workspaces.authz import profile_in


def locale_for(runtime: Runtime, team_id: str, user_id: str, member: Member | None = None) -> str | None:
    if member is not None:
        return members.language_of(member)
    profile = profile_in(runtime, team_id, user_id)
    return profile.locale if profile is not None else None  # English is better than no answer
