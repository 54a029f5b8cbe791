"""The Slack stand-in's message limits: a strict per-second window, and a rate with short
bursts allowed, both refusing with 429 and Retry-After as Slack does."""

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from standins.slack_api import SlackStandIn


@pytest.fixture
def slack() -> SlackStandIn:
    with SlackStandIn() as standin:
        standin.add_user("UONE00001", name="one")
        yield standin


def _post(slack: SlackStandIn) -> int:
    client = WebClient(token=slack.bot_token, base_url=slack.base_url, retry_handlers=[])
    try:
        client.chat_postMessage(channel="UONE00001", text="hi")
    except SlackApiError as exc:
        assert exc.response["error"] == "ratelimited"
        assert exc.response.headers["Retry-After"] == "1"
        return exc.response.status_code
    return 200


def test_a_per_second_limit_refuses_the_call_beyond_it_within_one_second(slack: SlackStandIn) -> None:
    slack.set_rate_limit("chat.postMessage", None, per_second=3)
    assert [_post(slack) for _ in range(4)] == [200, 200, 200, 429]
    time.sleep(1.0)
    assert _post(slack) == 200


def test_a_rate_with_bursts_lets_a_burst_through_then_one_call_per_interval(slack: SlackStandIn) -> None:
    slack.set_rate_limit("chat.postMessage", None, per_second=10, burst=3)
    assert [_post(slack) for _ in range(4)] == [200, 200, 200, 429]
    time.sleep(0.11)  # one interval at 10 a second refills one call
    assert [_post(slack), _post(slack)] == [200, 429]


def test_rate_limit_arguments_are_checked(slack: SlackStandIn) -> None:
    with pytest.raises(ValueError):
        slack.set_rate_limit("chat.postMessage", 10, per_second=10)
    with pytest.raises(ValueError):
        slack.set_rate_limit("chat.postMessage", 10, burst=3)
