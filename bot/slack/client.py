"""The Slack Web API client, with the retries Slack asks apps to implement."""

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

SLACK_DEFAULT_BASE_URL = WebClient.BASE_URL


def build_web_client(token: str | None, base_url: str | None = None, timeout: int = 15) -> WebClient:
    """429s wait for `Retry-After` (slack-sdk's handler reads the header), 5xx and dropped
    connections retry with backoff. Retries that still fail raise `SlackApiError`."""
    return WebClient(
        token=token,
        base_url=base_url or SLACK_DEFAULT_BASE_URL,
        timeout=timeout,
        logger=logging.getLogger("convene.slack"),
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )
