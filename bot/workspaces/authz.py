"""Who may do what in a workspace, decided in that workspace only: its facilitators
(configured, or added with `/convene facilitators add`) and its own admins and owners, as
Slack describes them through that workspace's token. A person from another workspace (a
Slack Connect guest) is not one of its people, whatever rights they hold at home."""

import logging
from enum import Enum

from slack_sdk.errors import SlackClientError

from bot.core.installations import NotInstalled
from bot.core.runtime import Runtime
from bot.members import service as members
from bot.slack.directory import SlackProfile, fetch_profile
from bot.slack.errors import error_code
from bot.workspaces.service import facilitator_ids

log = logging.getLogger("convene.authz")


class Belonging(Enum):
    YES = "yes"
    NO = "no"  # a guest from another workspace, or an id this workspace does not know
    UNKNOWN = "unknown"  # Slack could not be asked


def lookup_profile(runtime: Runtime, team_id: str, user_id: str) -> SlackProfile:
    """The person as Slack describes them through `team_id`'s token, kept briefly (the
    request's own check usually asked a moment ago). Raises Slack's error."""
    key = (team_id, user_id)
    cached = runtime.caches.profiles.get(key)
    if cached is not None:
        return cached
    profile = fetch_profile(runtime.client_for(team_id), user_id)
    runtime.caches.profiles.put(key, profile)
    return profile


def profile_in(runtime: Runtime, team_id: str, user_id: str) -> SlackProfile | None:
    """`lookup_profile`, or None when Slack does not know them there or cannot be asked."""
    try:
        return lookup_profile(runtime, team_id, user_id)
    except (SlackClientError, NotInstalled, KeyError) as exc:
        code = error_code(exc) if isinstance(exc, SlackClientError) else type(exc).__name__
        log.info("could not look up a person in workspace %s: %s", team_id, code)
        return None


def belongs(runtime: Runtime, team_id: str, user_id: str) -> Belonging:
    """Whether the person a request names is one of the workspace's own people. Members
    (who joined through that workspace's token) are known from the database; anyone else
    is asked of Slack once and remembered."""
    key = (team_id, user_id)
    if runtime.caches.insiders.get(key) or _configured(runtime, user_id):
        return Belonging.YES
    with runtime.db.session() as session:
        known = members.get_member(session, team_id, user_id) is not None
    if not known:
        try:
            profile = lookup_profile(runtime, team_id, user_id)
        except SlackClientError as exc:
            code = error_code(exc)
            if code == "user_not_found":
                return Belonging.NO
            log.info("could not check who %s is in workspace %s: %s", user_id, team_id, code)
            return Belonging.UNKNOWN
        except (NotInstalled, KeyError):
            return Belonging.UNKNOWN
        if profile.team_id != team_id or profile.deleted:
            return Belonging.NO
    runtime.caches.insiders.put(key, True)
    return Belonging.YES


def _configured(runtime: Runtime, user_id: str) -> bool:
    """A facilitator named in the environment: with one bot token (the only mode that reads
    them) the operator vouches they are people of the one workspace served, so their first
    command need not wait on Slack before it is acknowledged."""
    return runtime.installations is None and user_id in runtime.settings.facilitators


def is_facilitator(runtime: Runtime, team_id: str, user_id: str) -> bool:
    """Stored and configured facilitators of this workspace, and its own admins and owners.
    Only a yes is remembered, and briefly: a stale answer can never grant rights."""
    key = (team_id, user_id)
    if runtime.caches.facilitators.get(key):
        return True
    stored = runtime.caches.stored_facilitators.get(team_id)
    if stored is None:
        with runtime.db.session() as session:
            stored = frozenset(facilitator_ids(session, team_id, runtime.settings))
        runtime.caches.stored_facilitators.put(team_id, stored)
    if user_id not in stored:
        profile = profile_in(runtime, team_id, user_id)
        # Fail closed: if Slack can't vouch for an admin of *this* workspace, they are not one.
        if profile is None or not _admin_of(profile, team_id):
            return False
    runtime.caches.facilitators.put(key, True)
    return True


def _admin_of(profile: SlackProfile, team_id: str) -> bool:
    return (profile.is_admin or profile.is_owner) and not profile.deleted and profile.team_id == team_id
