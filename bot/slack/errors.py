"""Naming what went wrong in a Slack call, for logs, stored failure reasons and replies."""

from slack_sdk.errors import SlackApiError, SlackClientError


def error_code(exc: SlackClientError | OSError) -> str:
    """Slack's own error code (`channel_not_found`, `ratelimited`…), the HTTP status when the
    body carries none, or the exception's type for a failure before any answer (a timeout)."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__


# Slack's answers once an app's token is dead: uninstalled, revoked, or the workspace gone.
# Nothing more can be sent with it, so whoever sees one stops sending to that workspace.
REVOKED_CODES = frozenset({"token_revoked", "account_inactive", "invalid_auth", "team_access_revoked"})


def is_revoked(exc: SlackClientError) -> bool:
    return isinstance(exc, SlackApiError) and error_code(exc) in REVOKED_CODES
