"""Whether the bot can post in a channel, asked of Slack before anyone relies on it."""

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.slack.errors import error_code

# What stops a post to a channel, in Slack's words; none of them passes by retrying.
NOT_IN_CHANNEL, NOT_FOUND, ARCHIVED = "not_in_channel", "channel_not_found", "is_archived"
CHANNEL_PROBLEMS = frozenset({NOT_IN_CHANNEL, NOT_FOUND, ARCHIVED})


def channel_problem(client: WebClient, channel_id: str) -> str | None:
    """None if the bot can post in `channel_id`; else one of CHANNEL_PROBLEMS, or the error
    code Slack answered when it could not say (then the caller cannot know either).
    conversations.info needs channels:read (groups:read for private channels)."""
    try:
        info = client.conversations_info(channel=channel_id)["channel"] or {}
    except SlackClientError as exc:
        return error_code(exc)
    if info.get("is_archived"):
        return ARCHIVED
    if not info.get("is_member") and not info.get("is_im") and not info.get("is_mpim"):
        return NOT_IN_CHANNEL
    return None
