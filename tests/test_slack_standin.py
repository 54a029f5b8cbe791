"""Specification of the Slack stand-in, exercised through the real slack_sdk WebClient.

Each test states one behaviour of Slack's Web API that the stand-in reproduces,
so that code tested against the stand-in behaves the same against Slack.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from standins.slack_api import SlackStandIn

TOKEN = "xoxb-standin-token"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        standin.add_user("U1ANA", name="ana", real_name="Ana Lima", tz="Europe/Lisbon")
        standin.add_user("U2BEN", name="ben", tz="America/New_York", email="ben@example.org")
        standin.add_user("U3CAI", name="cai", tz="Asia/Tokyo")
        standin.add_user("U9GONE", name="gone", deleted=True)
        standin.add_user("U8HELPER", name="helperbot", is_bot=True)
        standin.add_channel("C1GENERAL", name="general")
        standin.add_channel("C2PRIVATE", name="private", members=["U1ANA"], bot_is_member=False)
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.base_url)


def slack_error(call: Any, **kwargs: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return caught.value


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def modal(*blocks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Ask for help"}}
    view["blocks"] = list(blocks) or [section("Hello")]
    return {**view, **extra}


def text_input_block(**element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "question",
        "label": {"type": "plain_text", "text": "Your question"},
        "element": {"type": "plain_text_input", "action_id": "q", **element},
    }


def raw_post(url: str, body: bytes, content_type: str) -> tuple[int, str, Any]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


# --------------------------------------------------------------- transport & auth


def test_auth_test_names_the_bot_and_workspace(client: WebClient) -> None:
    reply = client.auth_test()
    assert reply["team_id"] == "T0STANDIN"
    assert reply["team"] == "Stand-in Workspace"
    assert reply["user_id"] == "U0CONVENE"
    assert reply["bot_id"].startswith("B")
    assert reply["url"].startswith("http://127.0.0.1:")


def test_workspace_facts_are_readable_for_building_payloads(slack: SlackStandIn, client: WebClient) -> None:
    assert (slack.bot_token, slack.team_id, slack.bot_user_id) == (
        TOKEN,
        "T0STANDIN",
        "U0CONVENE",
    )
    assert slack.users["U1ANA"]["real_name"] == "Ana Lima"
    dm = slack.dm_channel_id("U1ANA")
    assert client.chat_postMessage(channel="U1ANA", text="hi")["channel"] == dm


def test_base_url_is_loopback_with_trailing_slash(slack: SlackStandIn) -> None:
    assert slack.base_url.startswith("http://127.0.0.1:")
    assert slack.base_url.endswith("/api/")


def test_calls_without_a_token_are_not_authed(slack: SlackStandIn) -> None:
    anonymous = WebClient(base_url=slack.base_url)
    assert slack_error(anonymous.auth_test).response["error"] == "not_authed"


def test_calls_with_a_wrong_token_are_invalid_auth(slack: SlackStandIn) -> None:
    stranger = WebClient(token="xoxb-someone-else", base_url=slack.base_url)
    assert slack_error(stranger.auth_test).response["error"] == "invalid_auth"


def test_unknown_methods_are_refused(client: WebClient) -> None:
    assert slack_error(client.api_call, api_method="chat.teleport").response["error"] == ("unknown_method")


def test_malformed_json_bodies_are_invalid_json(slack: SlackStandIn) -> None:
    status, content_type, body = raw_post(
        slack.base_url + "chat.postMessage", b'{"channel": ', "application/json"
    )
    assert status == 200
    assert content_type == "application/json; charset=utf-8"
    assert json.loads(body) == {"ok": False, "error": "invalid_json"}


def test_read_methods_accept_get_with_a_query_string(slack: SlackStandIn) -> None:
    url = f"{slack.base_url}users.info?user=U1ANA&token={TOKEN}"
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert json.loads(response.read())["user"]["name"] == "ana"


def test_form_encoded_token_argument_authenticates(slack: SlackStandIn) -> None:
    status, _, body = raw_post(
        slack.base_url + "auth.test", f"token={TOKEN}".encode(), "application/x-www-form-urlencoded"
    )
    assert (status, json.loads(body)["ok"]) == (200, True)
    assert "token" not in slack.calls[-1].params  # recordings never hold credentials


def test_every_call_is_recorded_with_decoded_arguments_and_no_token(
    slack: SlackStandIn, client: WebClient
) -> None:
    client.chat_postMessage(channel="U1ANA", text="hi", blocks=[section("hi")])
    with pytest.raises(SlackApiError):
        client.users_info(user="U404")
    call = slack.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == [section("hi")]
    assert "token" not in call.params
    assert (call.status, call.response["ok"]) == (200, True)
    assert call.at <= time.time()
    assert [c.method for c in slack.calls] == ["chat.postMessage", "users.info"]
    assert slack.calls[-1].response["error"] == "user_not_found"
    slack.reset_calls()
    assert slack.calls == []


def test_latency_delays_every_answer() -> None:
    waited: list[float] = []
    with SlackStandIn(latency=0.2, sleep=waited.append) as slow:
        WebClient(token=TOKEN, base_url=slow.base_url).auth_test()
        assert waited == [0.2]


def test_concurrent_posts_are_all_kept_with_distinct_timestamps(
    slack: SlackStandIn, client: WebClient
) -> None:
    def post(n: int) -> None:
        client.chat_postMessage(channel="C1GENERAL", text=f"message {n}")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps = [m["ts"] for m in slack.messages_to("C1GENERAL")]
    assert len(stamps) == 20
    assert len(set(stamps)) == 20


def test_stop_closes_the_port() -> None:
    standin = SlackStandIn().start()
    url = standin.base_url
    standin.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "auth.test", timeout=2)


def test_the_real_bolt_app_starts_against_it(slack: SlackStandIn) -> None:
    from slack_bolt import App

    app = App(
        token=TOKEN,
        signing_secret="standin-secret",
        client=WebClient(token=TOKEN, base_url=slack.base_url),
    )
    app.client.chat_postMessage(channel="U1ANA", text="hello from bolt")
    assert len(slack.calls_to("auth.test")) == 1  # Bolt verifies its token on start
    assert slack.messages_to("U1ANA")[0]["text"] == "hello from bolt"


# ---------------------------------------------------------------------- users


def test_users_info_returns_slacks_user_object(client: WebClient) -> None:
    user = client.users_info(user="U2BEN")["user"]
    assert user["id"] == "U2BEN"
    assert user["name"] == "ben"
    assert user["real_name"] == "ben"
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)  # EST or EDT, whichever is now
    assert user["profile"]["email"] == "ben@example.org"
    assert (user["is_bot"], user["deleted"], user["is_admin"]) == (False, False, False)
    assert "locale" not in user


def test_users_info_reports_locale_only_when_asked(client: WebClient) -> None:
    assert client.users_info(user="U1ANA", include_locale=True)["user"]["locale"] == "en-US"


def test_users_info_for_an_unknown_user_is_user_not_found(client: WebClient) -> None:
    assert slack_error(client.users_info, user="U404").response["error"] == "user_not_found"


def test_users_list_pages_through_everyone_including_bots_and_deactivated(
    client: WebClient,
) -> None:
    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        page = client.users_list(limit=2, cursor=cursor)
        assert len(page["members"]) <= 2
        seen.extend(page["members"])
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    ids = [m["id"] for m in seen]
    assert len(ids) == len(set(ids))
    assert {"U1ANA", "U2BEN", "U3CAI", "U9GONE", "U8HELPER", "U0CONVENE"} <= set(ids)
    assert pages == (len(ids) + 1) // 2
    assert next(m for m in seen if m["id"] == "U9GONE")["deleted"] is True
    # Slackbot is listed too, and famously not flagged is_bot: callers filter it by id.
    assert next(m for m in seen if m["id"] == "USLACKBOT")["is_bot"] is False


def test_users_list_caps_pages_at_200(slack: SlackStandIn, client: WebClient) -> None:
    for n in range(205):
        slack.add_user(f"UX{n:03d}", name=f"member{n}")
    first = client.users_list(limit=1000)
    assert len(first["members"]) == 200
    assert first["response_metadata"]["next_cursor"] != ""


def test_users_list_rejects_a_forged_cursor(client: WebClient) -> None:
    assert slack_error(client.users_list, cursor="not-a-cursor").response["error"] == ("invalid_cursor")


# ------------------------------------------------------------------- messages


def test_posting_to_a_user_id_lands_in_the_bots_dm_with_them(slack: SlackStandIn, client: WebClient) -> None:
    first = client.chat_postMessage(channel="U1ANA", text="Welcome!")
    second = client.chat_postMessage(channel="U1ANA", text="Still there?")
    assert first["channel"].startswith("D")
    assert second["channel"] == first["channel"]
    assert [m["text"] for m in slack.messages_to("U1ANA")] == ["Welcome!", "Still there?"]
    assert slack.messages_to(first["channel"]) == slack.messages_to("U1ANA")
    assert first["message"]["user"] == "U0CONVENE"


def test_message_timestamps_strictly_increase(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="U1ANA", text=str(n))["ts"] for n in range(5)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_timestamps_increase_even_when_the_clock_stands_still(
    client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    stamps = [client.chat_postMessage(channel="U1ANA", text=str(n))["ts"] for n in range(3)]
    assert stamps == ["1700000000.000000", "1700000000.000001", "1700000000.000002"]


def test_thread_replies_keep_their_thread_ts(slack: SlackStandIn, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1GENERAL", text="parent")["ts"]
    client.chat_postMessage(channel="C1GENERAL", text="reply", thread_ts=parent)
    assert slack.messages_to("C1GENERAL")[1]["thread_ts"] == parent


def test_channels_need_the_bot_as_a_member(client: WebClient) -> None:
    assert client.chat_postMessage(channel="C1GENERAL", text="hi")["channel"] == "C1GENERAL"
    refused = slack_error(client.chat_postMessage, channel="C2PRIVATE", text="hi")
    assert refused.response["error"] == "not_in_channel"


def test_unknown_channels_are_channel_not_found(client: WebClient) -> None:
    refused = slack_error(client.chat_postMessage, channel="C404", text="hi")
    assert refused.response["error"] == "channel_not_found"


def test_bots_cannot_be_sent_dms(client: WebClient) -> None:
    refused = slack_error(client.chat_postMessage, channel="U8HELPER", text="hi")
    assert refused.response["error"] == "cannot_dm_bot"


def test_posting_to_a_deactivated_member_succeeds_as_it_does_on_slack(
    slack: SlackStandIn, client: WebClient
) -> None:
    # Slack accepts it (slackapi/python-slack-sdk#1156): callers must check `deleted`.
    client.chat_postMessage(channel="U9GONE", text="Are you there?")
    assert [m["text"] for m in slack.messages_to("U9GONE")] == ["Are you there?"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_a_message_needs_text_or_blocks(client: WebClient) -> None:
    assert slack_error(client.chat_postMessage, channel="U1ANA").response["error"] == "no_text"


def test_text_over_40000_characters_is_too_long(client: WebClient) -> None:
    client.chat_postMessage(channel="U1ANA", text="x" * 40_000)
    refused = slack_error(client.chat_postMessage, channel="U1ANA", text="x" * 40_001)
    assert refused.response["error"] == "msg_too_long"


def button(text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, **extra}


INVALID_BLOCKS = {
    "more than 50 blocks": [section("x")] * 51,
    "unknown block type": [{"type": "hologram"}],
    "section text over 3000": [section("x" * 3001)],
    "more than 10 section fields": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
    "section field over 2000": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
    "header over 150": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
    "more than 10 context elements": [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}
    ],
    "more than 25 actions": [{"type": "actions", "elements": [button(action_id=f"a{n}") for n in range(26)]}],
    "button text over 75": [{"type": "actions", "elements": [button("b" * 76)]}],
    "action_id over 255": [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
    "button value over 2000": [{"type": "actions", "elements": [button(value="v" * 2001)]}],
    "block_id over 255": [section("x", block_id="b" * 256)],
    "duplicate block_id": [section("x", block_id="same"), section("y", block_id="same")],
    "empty mrkdwn": [section("")],
    "empty plain text": [{"type": "header", "text": {"type": "plain_text", "text": ""}}],
}


@pytest.mark.parametrize("blocks", INVALID_BLOCKS.values(), ids=INVALID_BLOCKS.keys())
def test_blocks_breaking_block_kit_limits_are_invalid_blocks(
    slack: SlackStandIn, client: WebClient, blocks: list[dict[str, Any]]
) -> None:
    refused = slack_error(client.chat_postMessage, channel="U1ANA", text="t", blocks=blocks)
    assert refused.response["error"] == "invalid_blocks"
    assert refused.response["errors"]
    assert all(m.startswith("[ERROR] ") for m in refused.response["response_metadata"]["messages"])
    assert slack.messages_to("U1ANA") == []


def test_blocks_exactly_at_the_limits_are_accepted(client: WebClient) -> None:
    at_limits = [
        section("x" * 3000, block_id="b" * 255),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 10},
        # Ten fields of 2,000 characters would pass each field's limit and fail the message's.
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2000}] * 3},
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10},
        {
            "type": "actions",
            "elements": [button("b" * 75, action_id=f"a{n}", value="v" * 2000) for n in range(24)]
            + [button(action_id="a" * 255)],
        },
    ]
    blocks = at_limits + [section(f"filler {n}") for n in range(50 - len(at_limits))]
    assert client.chat_postMessage(channel="U1ANA", text="t", blocks=blocks)["ok"] is True


def test_invalid_blocks_name_the_offending_field(client: WebClient) -> None:
    refused = slack_error(
        client.chat_postMessage,
        channel="U1ANA",
        text="t",
        blocks=[section("ok"), section("x" * 3001)],
    )
    assert refused.response["errors"] == [
        "must be less than 3001 characters [json-pointer:/blocks/1/text/text]"
    ]


def test_chat_update_edits_the_message_in_place(slack: SlackStandIn, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1ANA", text="Draft", blocks=[section("Draft")])
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Final")
    [message] = slack.messages_to("U1ANA")
    assert message["text"] == "Final"
    assert message["blocks"] == [section("Draft")]  # omitted blocks are kept, as on Slack
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="New", blocks=[section("New")])
    assert slack.messages_to("U1ANA")[0]["blocks"] == [section("New")]
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Plain", blocks=[])
    assert "blocks" not in slack.messages_to("U1ANA")[0]  # an empty list removes them


def test_chat_update_validates_like_post_message(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1ANA", text="Draft")
    refused = slack_error(
        client.chat_update,
        channel=posted["channel"],
        ts=posted["ts"],
        text="Draft",
        blocks=[section("")],
    )
    assert refused.response["error"] == "invalid_blocks"


def test_chat_update_of_an_unknown_ts_is_message_not_found(client: WebClient) -> None:
    refused = slack_error(client.chat_update, channel="C1GENERAL", ts="1.000001", text="x")
    assert refused.response["error"] == "message_not_found"


def test_chat_update_of_a_members_message_is_refused(slack: SlackStandIn, client: WebClient) -> None:
    ts = slack.add_message("C1GENERAL", user="U1ANA", text="my own words")
    refused = slack_error(client.chat_update, channel="C1GENERAL", ts=ts, text="rewritten")
    assert refused.response["error"] == "cant_update_message"
    assert slack.messages_to("C1GENERAL")[0]["text"] == "my own words"


def test_ephemeral_messages_reach_only_their_user(slack: SlackStandIn, client: WebClient) -> None:
    reply = client.chat_postEphemeral(channel="C1GENERAL", user="U1ANA", text="Only you see this")
    assert reply["message_ts"]
    [shown] = slack.ephemeral_to("U1ANA")
    assert (shown["channel"], shown["text"]) == ("C1GENERAL", "Only you see this")
    assert slack.ephemeral_to("U2BEN") == []
    assert slack.messages_to("C1GENERAL") == []


def test_ephemeral_messages_need_a_channel_member(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_channel("C3SMALL", name="small", members=["U1ANA"])
    refused = slack_error(client.chat_postEphemeral, channel="C3SMALL", user="U2BEN", text="x")
    assert refused.response["error"] == "user_not_in_channel"


# -------------------------------------------------------------- conversations


def test_opening_a_dm_gives_the_same_id_posting_uses(client: WebClient) -> None:
    opened = client.conversations_open(users="U2BEN")["channel"]["id"]
    assert client.chat_postMessage(channel="U2BEN", text="hi")["channel"] == opened


def test_group_dms_are_identified_by_their_set_of_members(slack: SlackStandIn, client: WebClient) -> None:
    first = client.conversations_open(users="U1ANA,U2BEN,U3CAI")["channel"]["id"]
    same = client.conversations_open(users=["U3CAI", "U1ANA", "U2BEN"])["channel"]["id"]
    other = client.conversations_open(users="U1ANA,U2BEN")["channel"]["id"]
    assert first == same != other
    client.chat_postMessage(channel=first, text="Meet your peers")
    assert slack.messages_to(first)[0]["text"] == "Meet your peers"


def test_group_dms_hold_at_most_eight_people(slack: SlackStandIn, client: WebClient) -> None:
    ids = [f"UG{n}" for n in range(9)]
    for user_id in ids:
        slack.add_user(user_id, name=user_id.lower())
    assert client.conversations_open(users=ids[:8])["ok"] is True
    assert slack_error(client.conversations_open, users=ids).response["error"] == "too_many_users"


def test_opening_with_an_unknown_user_is_user_not_found(client: WebClient) -> None:
    refused = slack_error(client.conversations_open, users="U1ANA,U404")
    assert refused.response["error"] == "user_not_found"


def test_opening_a_dm_with_a_deactivated_member_is_user_disabled(client: WebClient) -> None:
    assert slack_error(client.conversations_open, users="U9GONE").response["error"] == ("user_disabled")


# ---------------------------------------------------------------------- views


def test_views_open_stores_the_modal_with_an_id_and_hash(slack: SlackStandIn, client: WebClient) -> None:
    view = client.views_open(trigger_id=slack.new_trigger_id(), view=modal())["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    assert view["title"]["text"] == "Ask for help"
    assert slack.open_views() == [view]


def test_a_trigger_id_works_once(slack: SlackStandIn, client: WebClient) -> None:
    trigger = slack.new_trigger_id()
    client.views_open(trigger_id=trigger, view=modal())
    refused = slack_error(client.views_open, trigger_id=trigger, view=modal())
    assert refused.response["error"] == "exchanged_trigger_id"


def test_a_trigger_id_expires_after_its_lifetime(slack: SlackStandIn, client: WebClient) -> None:
    assert slack.trigger_ttl_seconds == 3.0  # Slack's lifetime
    slack.trigger_ttl_seconds = 0.05
    trigger = slack.new_trigger_id()
    time.sleep(0.1)
    refused = slack_error(client.views_open, trigger_id=trigger, view=modal())
    assert refused.response["error"] == "expired_trigger_id"


def test_an_invented_trigger_id_is_invalid(client: WebClient) -> None:
    refused = slack_error(client.views_open, trigger_id="123.456.abc", view=modal())
    assert refused.response["error"] == "invalid_trigger_id"


def test_views_push_also_spends_a_trigger(slack: SlackStandIn, client: WebClient) -> None:
    client.views_open(trigger_id=slack.new_trigger_id(), view=modal())
    client.views_push(trigger_id=slack.new_trigger_id(), view=modal(callback_id="step2"))
    assert [v.get("callback_id") for v in slack.open_views()] == ["", "step2"]


def test_a_refused_view_does_not_spend_the_trigger(slack: SlackStandIn, client: WebClient) -> None:
    trigger = slack.new_trigger_id()
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=trigger, view=modal(title={"type": "plain_text", "text": ""}))
    assert client.views_open(trigger_id=trigger, view=modal())["ok"] is True


def options(count: int, *, text: str = "o", value: str = "v") -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": text}, "value": f"{value}{n}"} for n in range(count)]


def select_block(opts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "input",
        "label": {"type": "plain_text", "text": "Topic"},
        "element": {"type": "static_select", "action_id": "topic", "options": opts},
    }


SUBMIT = {"submit": {"type": "plain_text", "text": "Send"}}
INVALID_VIEWS = {
    "title over 24": modal(title={"type": "plain_text", "text": "t" * 25}),
    "submit over 24": modal(submit={"type": "plain_text", "text": "s" * 25}),
    "close over 24": modal(close={"type": "plain_text", "text": "c" * 25}),
    "more than 100 blocks": modal(*[section("x")] * 101),
    "callback_id over 255": modal(callback_id="c" * 256),
    "private_metadata over 3000": modal(private_metadata="m" * 3001),
    "input label over 2000": modal(
        {**text_input_block(), "label": {"type": "plain_text", "text": "l" * 2001}}, **SUBMIT
    ),
    "max_length over 3000": modal(text_input_block(max_length=3001), **SUBMIT),
    "min_length over 3000": modal(text_input_block(min_length=3001), **SUBMIT),
    "more than 100 options": modal(select_block(options(101)), **SUBMIT),
    "option text over 75": modal(select_block(options(1, text="o" * 76)), **SUBMIT),
    "option value over 150": modal(select_block(options(1, value="v" * 150)), **SUBMIT),
    "input without submit": modal(text_input_block()),
    "home view opened as a modal": {"type": "home", "blocks": [section("x")]},
}


@pytest.mark.parametrize("view", INVALID_VIEWS.values(), ids=INVALID_VIEWS.keys())
def test_views_breaking_slacks_limits_are_invalid_arguments(
    slack: SlackStandIn, client: WebClient, view: dict[str, Any]
) -> None:
    refused = slack_error(client.views_open, trigger_id=slack.new_trigger_id(), view=view)
    assert refused.response["error"] == "invalid_arguments"
    messages = refused.response["response_metadata"]["messages"]
    assert messages and all(m.startswith("[ERROR] ") for m in messages)
    assert slack.open_views() == []


def test_a_modal_exactly_at_the_limits_is_accepted(slack: SlackStandIn, client: WebClient) -> None:
    view = modal(
        text_input_block(max_length=3000, min_length=3000),
        select_block(options(100, text="o" * 75, value="v" * 146)),
        *[section("x")] * 98,
        title={"type": "plain_text", "text": "t" * 24},
        submit={"type": "plain_text", "text": "s" * 24},
        close={"type": "plain_text", "text": "c" * 24},
        callback_id="c" * 255,
        private_metadata="m" * 3000,
    )
    assert client.views_open(trigger_id=slack.new_trigger_id(), view=view)["ok"] is True


def test_views_update_replaces_the_modal_by_id_or_external_id(slack: SlackStandIn, client: WebClient) -> None:
    opened = client.views_open(trigger_id=slack.new_trigger_id(), view=modal(external_id="ask-1"))["view"]
    by_id = client.views_update(view_id=opened["id"], view=modal(section("Thanks!")))["view"]
    assert by_id["id"] == opened["id"]
    assert by_id["hash"] != opened["hash"]
    client.views_update(external_id="ask-1", view=modal(section("Done")))
    [current] = slack.open_views()
    assert current["blocks"] == [section("Done")]


def test_views_update_with_a_stale_hash_is_a_hash_conflict(slack: SlackStandIn, client: WebClient) -> None:
    opened = client.views_open(trigger_id=slack.new_trigger_id(), view=modal())["view"]
    client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal(section("v2")))
    refused = slack_error(
        client.views_update, view_id=opened["id"], hash=opened["hash"], view=modal(section("v3"))
    )
    assert refused.response["error"] == "hash_conflict"


def test_views_update_of_an_unknown_view_is_not_found(client: WebClient) -> None:
    assert slack_error(client.views_update, view_id="V404", view=modal()).response["error"] == ("not_found")


def test_views_publish_sets_a_members_home_tab(slack: SlackStandIn, client: WebClient) -> None:
    assert slack.published_home("U1ANA") is None
    client.views_publish(user_id="U1ANA", view={"type": "home", "blocks": [section("v1")]})
    client.views_publish(user_id="U1ANA", view={"type": "home", "blocks": [section("v2")]})
    home = slack.published_home("U1ANA")
    assert home is not None
    assert home["blocks"] == [section("v2")]
    assert home["id"].startswith("V")
    assert slack.published_home("U2BEN") is None


def test_views_publish_takes_only_home_views(client: WebClient) -> None:
    refused = slack_error(client.views_publish, user_id="U1ANA", view=modal())
    assert refused.response["error"] == "invalid_arguments"


def test_home_views_hold_at_most_100_blocks(client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("x")] * 101}
    refused = slack_error(client.views_publish, user_id="U1ANA", view=home)
    assert refused.response["error"] == "invalid_arguments"


# ---------------------------------------------------------------- response_url


def test_response_url_posts_are_recorded_with_their_url(slack: SlackStandIn) -> None:
    url = slack.response_url()
    reply = WebhookClient(url).send(text="Got it", response_type="ephemeral")
    assert (reply.status_code, reply.body) == (200, "ok")
    assert slack.responses() == [{"text": "Got it", "response_type": "ephemeral", "url": url}]


def test_a_response_url_takes_five_posts(slack: SlackStandIn) -> None:
    hook = WebhookClient(slack.response_url())
    assert [hook.send(text=str(n)).status_code for n in range(5)] == [200] * 5
    sixth = hook.send(text="one too many")
    assert (sixth.status_code, sixth.body) == (404, "used_url")
    assert len(slack.responses()) == 5


def test_an_unknown_response_url_is_refused(slack: SlackStandIn) -> None:
    bogus = slack.response_url().rsplit("/", 1)[0] + "/nonsense"
    reply = WebhookClient(bogus).send(text="hi")
    assert (reply.status_code, reply.body) == (404, "invalid_url")


def test_response_url_blocks_are_validated(slack: SlackStandIn) -> None:
    reply = WebhookClient(slack.response_url()).send(text="t", blocks=[section("x" * 3001)])
    assert (reply.status_code, reply.body) == (400, "invalid_blocks")
    assert slack.responses() == []


# ---------------------------------------------------------------------- files


def test_files_upload_v2_works_end_to_end(slack: SlackStandIn, client: WebClient) -> None:
    reply = client.files_upload_v2(
        channel="C1GENERAL",
        content=b"week,sessions\n1,3\n",
        filename="report.csv",
        title="Weekly report",
        initial_comment="This week's numbers",
    )
    assert reply["file"]["title"] == "Weekly report"
    [upload] = slack.uploaded_files()
    assert upload["content"] == b"week,sessions\n1,3\n"
    assert (upload["filename"], upload["channel_id"]) == ("report.csv", "C1GENERAL")
    assert upload["initial_comment"] == "This week's numbers"
    [shared] = slack.messages_to("C1GENERAL")
    assert shared["text"] == "This week's numbers"
    assert shared["files"][0]["id"] == upload["id"]


def test_the_upload_url_accepts_a_multipart_file_field(slack: SlackStandIn, client: WebClient) -> None:
    ticket = client.files_getUploadURLExternal(filename="notes.txt", length=5)
    boundary = "standin-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    ).encode()
    status, _, text = raw_post(ticket["upload_url"], body, f"multipart/form-data; boundary={boundary}")
    assert (status, text) == (200, "OK - 5")
    client.files_completeUploadExternal(files=[{"id": ticket["file_id"], "title": "Notes"}])
    assert slack.uploaded_files()[0]["content"] == b"hello"


def test_completing_a_file_that_was_never_uploaded_is_file_not_found(client: WebClient) -> None:
    ticket = client.files_getUploadURLExternal(filename="ghost.txt", length=3)
    refused = slack_error(
        client.files_completeUploadExternal,
        files=[{"id": ticket["file_id"], "title": "Ghost"}],
        channel_id="C1GENERAL",
    )
    assert refused.response["error"] == "file_not_found"


# ------------------------------------------------------- faults & rate limits


def test_a_ratelimited_call_raises_without_a_retry_handler(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", retry_after=7)
    refused = slack_error(client.chat_postMessage, channel="U1ANA", text="hi")
    assert refused.response.status_code == 429
    assert refused.response["error"] == "ratelimited"
    assert refused.response.headers["Retry-After"] == "7"
    assert client.chat_postMessage(channel="U1ANA", text="hi")["ok"] is True  # only the next one


def test_the_rate_limit_retry_handler_waits_and_then_succeeds(slack: SlackStandIn) -> None:
    patient = WebClient(token=TOKEN, base_url=slack.base_url, retry_handlers=[RateLimitErrorRetryHandler()])
    slack.fail_next("chat.postMessage", retry_after=1)
    assert patient.chat_postMessage(channel="U1ANA", text="hi")["ok"] is True
    # How long slack-sdk's handler sleeps is its business; it was told to wait a second.
    refused, accepted = slack.calls_to("chat.postMessage")
    assert (refused.status, accepted.status) == (429, 200)
    assert len(slack.messages_to("U1ANA")) == 1


def test_fail_next_can_answer_with_a_server_error(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("users.info", status=503)
    refused = slack_error(client.users_info, user="U1ANA")
    assert refused.response.status_code == 503
    assert refused.response["ok"] is False


def test_fail_next_with_another_error_answers_200_not_ok(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", error="is_archived", times=2)
    for _ in range(2):
        refused = slack_error(client.chat_postMessage, channel="C1GENERAL", text="hi")
        assert (refused.response.status_code, refused.response["error"]) == (200, "is_archived")
    assert client.chat_postMessage(channel="C1GENERAL", text="hi")["ok"] is True


def test_set_rate_limit_allows_that_many_calls_per_minute(slack: SlackStandIn, client: WebClient) -> None:
    slack.set_rate_limit("chat.postMessage", 2)
    for _ in range(2):
        client.chat_postMessage(channel="U1ANA", text="hi")
    refused = slack_error(client.chat_postMessage, channel="U1ANA", text="hi")
    assert refused.response.status_code == 429
    assert 1 <= int(refused.response.headers["Retry-After"]) <= 60
    assert client.users_info(user="U1ANA")["ok"] is True  # other methods are unaffected
    slack.set_rate_limit("chat.postMessage", None)
    assert client.chat_postMessage(channel="U1ANA", text="hi")["ok"] is True


def test_conversations_info_tells_the_bot_whether_it_is_in_a_channel(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.add_channel("C0IN", name="in")
    slack.add_channel("C0OUT", name="out", bot_is_member=False)
    slack.add_channel("C0SECRET", name="secret", bot_is_member=False, is_private=True)
    slack.add_channel("C0OLD", name="old", archived=True)
    assert client.conversations_info(channel="C0IN")["channel"]["is_member"] is True
    out = client.conversations_info(channel="C0OUT")["channel"]
    assert (out["is_member"], out["is_archived"], out["is_private"]) == (False, False, False)
    assert client.conversations_info(channel="C0OLD")["channel"]["is_archived"] is True
    # A private channel the bot is not in does not exist for it; nor does a wrong id.
    for channel in ("C0SECRET", "C0NOPE"):
        assert (
            slack_error(client.conversations_info, channel=channel).response["error"] == "channel_not_found"
        )
    errors = {
        channel: slack_error(client.chat_postMessage, channel=channel, text="hi").response["error"]
        for channel in ("C0OUT", "C0SECRET", "C0OLD")
    }
    assert errors == {"C0OUT": "not_in_channel", "C0SECRET": "channel_not_found", "C0OLD": "is_archived"}
    slack.add_channel("C0OUT", name="out")  # /invite @Convene
    assert client.chat_postMessage(channel="C0OUT", text="hi")["ok"]


def test_blocks_with_too_much_text_in_all_are_refused(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_channel("C0LONG", name="long")
    blocks = [section("x" * 2900) for _ in range(5)]  # each section is fine; together too long
    assert (
        slack_error(client.chat_postMessage, channel="C0LONG", text="t", blocks=blocks).response["error"]
        == "msg_blocks_too_long"
    )
    assert client.chat_postMessage(channel="C0LONG", text="t", blocks=blocks[:4])["ok"]
