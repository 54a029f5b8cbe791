"""The App Home tab: the member's status, the convenings coming up, recent check-ins with
their pain points, their matches and follow-ups, what they were promised about their words,
and their settings; facilitators also see the community's figures and the tags to check.
The settings' actions live in `handlers.home_settings`; they re-publish this view."""

import logging
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.convenings import blocks as convening_blocks
from bot.convenings import service as convenings
from bot.core.promises import Promises
from bot.core.runtime import Runtime
from bot.digest import blocks as digest_blocks
from bot.digest.community_stats import community_stats
from bot.members import blocks as member_blocks
from bot.members import service as members
from bot.members.history import past_exports, past_matches, tagged_answers
from bot.tagging import blocks as tag_blocks
from bot.tagging import corrections
from bot.workspaces import service as workspaces
from bot.workspaces.authz import is_facilitator
from bot.workspaces.service import ready_workspace
from handlers.reader_locale import locale_for
from handlers.workspace_guard import Caller

log = logging.getLogger("convene.home")


def register(app: App, runtime: Runtime) -> None:
    app.event("app_home_opened")(partial(on_home_opened, runtime=runtime))


def on_home_opened(
    event: dict[str, Any], client: WebClient, caller: Caller | None, *, runtime: Runtime
) -> None:
    if event.get("tab") != "home" or caller is None or not caller.user_id:
        return
    if caller.user_id != event.get("user"):
        return  # only ever publish the Home of the person the workspace guard checked
    publish(runtime, client, caller.team_id, caller.user_id)


def publish(
    runtime: Runtime, client: WebClient, team_id: str, user_id: str, notice: str | None = None
) -> None:
    """Render and publish the user's Home; `notice` is the outcome of what they just did."""
    view = home_view(runtime, team_id, user_id, notice)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackClientError as exc:
        log.warning("could not publish home: %s", type(exc).__name__)


def home_view(runtime: Runtime, team_id: str, user_id: str, notice: str | None = None) -> dict[str, Any]:
    texts = runtime.texts
    with runtime.db.session() as session:
        member = members.get_member(session, team_id, user_id)
        answers = tagged_answers(session, member) if member else []
        matches = past_matches(session, member) if member else []
        exports = past_exports(session, member) if member else []
        privacy = workspaces.privacy(session, team_id, runtime.settings)
        coming, today = convenings.for_home(session, member, runtime.clock.now()) if member else ([], None)
    loc = locale_for(runtime, team_id, user_id, member)
    promises = Promises(texts, loc, privacy)
    convening = convening_blocks.home_blocks(texts, loc, coming, today) if today is not None else []
    figures: list[dict[str, Any]] = []
    if is_facilitator(runtime, team_id, user_id):
        with runtime.db.session() as session:
            workspace = ready_workspace(runtime, session, team_id)
            stats = community_stats(session, workspace, runtime.clock.now())
            review = corrections.home_review(session, workspace, runtime.clock.now())
        figures = digest_blocks.community_figures(texts, loc, stats)
        figures += tag_blocks.home_section(texts, loc, review.to_check, review.agreement)
    return member_blocks.home_view(
        texts, loc, member, answers, matches, promises, exports, notice, convening, figures
    )
