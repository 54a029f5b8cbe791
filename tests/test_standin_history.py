"""The Slack stand-in's conversations.history and message metadata, through the real
WebClient: what crash recovery relies on, as Slack documents it."""

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from standins.slack_api import SlackStandIn

TAG = {"event_type": "convene_checkin", "event_payload": {"delivery_id": 7}}


@pytest.fixture
def slack() -> Iterator[tuple[SlackStandIn, WebClient]]:
    with SlackStandIn() as standin:
        standin.add_user("U1ANA", name="ana")
        standin.add_channel("C2PRIVATE", name="private", members=["U1ANA"], bot_is_member=False)
        yield standin, WebClient(token=standin.bot_token, base_url=standin.base_url)


def _dm(client: WebClient) -> str:
    return client.conversations_open(users="U1ANA")["channel"]["id"]


def test_history_is_newest_first_and_pages_by_cursor(slack: tuple[SlackStandIn, WebClient]) -> None:
    _, client = slack
    channel = _dm(client)
    posted = [client.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(5)]
    first = client.conversations_history(channel=channel, limit=2)
    assert [m["ts"] for m in first["messages"]] == posted[::-1][:2]
    assert first["has_more"] is True
    seen = list(first["messages"])
    cursor = first["response_metadata"]["next_cursor"]
    while cursor:
        page = client.conversations_history(channel=channel, limit=2, cursor=cursor)
        seen += page["messages"]
        cursor = page["response_metadata"]["next_cursor"]
    assert [m["text"] for m in seen] == ["m4", "m3", "m2", "m1", "m0"]
    assert page["has_more"] is False


def test_oldest_and_latest_are_exclusive_unless_inclusive(slack: tuple[SlackStandIn, WebClient]) -> None:
    _, client = slack
    channel = _dm(client)
    ts = [client.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(4)]
    between = client.conversations_history(channel=channel, oldest=ts[0], latest=ts[3])
    assert [m["ts"] for m in between["messages"]] == [ts[2], ts[1]]
    inclusive = client.conversations_history(channel=channel, oldest=ts[0], latest=ts[3], inclusive=True)
    assert [m["ts"] for m in inclusive["messages"]] == ts[::-1]


def test_metadata_is_kept_and_returned_only_when_asked_for(slack: tuple[SlackStandIn, WebClient]) -> None:
    standin, client = slack
    channel = _dm(client)
    client.chat_postMessage(channel=channel, text="Your check-in", metadata=TAG)
    plain = client.conversations_history(channel=channel)["messages"][0]
    assert "metadata" not in plain
    full = client.conversations_history(channel=channel, include_all_metadata=True)["messages"][0]
    assert full["metadata"] == TAG
    assert standin.messages_to("U1ANA")[0]["metadata"] == TAG


def test_thread_replies_are_not_in_the_channel_history(slack: tuple[SlackStandIn, WebClient]) -> None:
    _, client = slack
    channel = _dm(client)
    parent = client.chat_postMessage(channel=channel, text="parent")["ts"]
    client.chat_postMessage(channel=channel, text="reply", thread_ts=parent)
    assert [m["text"] for m in client.conversations_history(channel=channel)["messages"]] == ["parent"]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"channel": "D0NOSUCH"}, "channel_not_found"),
        ({"channel": "C2PRIVATE"}, "not_in_channel"),
        ({"channel": "DM", "oldest": "yesterday"}, "invalid_ts_oldest"),
        ({"channel": "DM", "latest": "soon"}, "invalid_ts_latest"),
        ({"channel": "DM", "cursor": "not-a-cursor"}, "invalid_cursor"),
    ],
)
def test_history_refuses_what_slack_refuses(
    slack: tuple[SlackStandIn, WebClient], arguments: dict[str, str], error: str
) -> None:
    _, client = slack
    if arguments["channel"] == "DM":
        arguments = {**arguments, "channel": _dm(client)}
    with pytest.raises(SlackApiError) as refused:
        client.conversations_history(**arguments)  # type: ignore[arg-type]
    assert refused.value.response["error"] == error


def test_malformed_metadata_is_refused_and_nothing_is_posted(slack: tuple[SlackStandIn, WebClient]) -> None:
    standin, client = slack
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="U1ANA", text="x", metadata={"event_type": "t"})  # type: ignore[arg-type]
    assert refused.value.response["error"] == "invalid_metadata_schema"
    assert standin.messages_to("U1ANA") == []


def test_history_for_apps_outside_the_marketplace_is_one_call_a_window_and_fifteen_a_page(
    slack: tuple[SlackStandIn, WebClient],
) -> None:
    api, client = slack
    channel = _dm(client)
    for n in range(20):
        client.chat_postMessage(channel=channel, text=f"message {n}")
    api.limit_history_as_for_unlisted_apps(calls=1, window_seconds=60)
    page = client.conversations_history(channel=channel, limit=100)
    assert len(page["messages"]) == 15 and page["has_more"]
    plain = WebClient(token=api.bot_token, base_url=api.base_url)  # no retry handler: see the 429
    with pytest.raises(SlackApiError) as refused:
        plain.conversations_history(channel=channel, cursor=page["response_metadata"]["next_cursor"])
    assert refused.value.response.status_code == 429
    assert 0 < int(refused.value.response.headers["Retry-After"]) <= 60
