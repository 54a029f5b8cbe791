"""The multi-workspace Slack stand-in: OAuth v2 as Slack runs it, and tokens that reach only
their own workspace. Driven with the real slack_sdk WebClient."""

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from standins.slack_cloud import AuthorizeError, SlackCloud

REDIRECT = "https://convene.example.org/slack/oauth_redirect"
ALPHA, BETA = "T0ALPHA01", "T0BETA001"


@pytest.fixture
def cloud() -> Iterator[SlackCloud]:
    with SlackCloud(redirect_urls=(REDIRECT,)) as running:
        running.add_workspace(ALPHA, "Alpha").add_user("UA1", name="ann", real_name="Ann Alpha")
        running.add_workspace(BETA, "Beta").add_user("UB1", name="bob", real_name="Bob Beta")
        yield running


def _authorize_url(cloud: SlackCloud, **extra: str) -> str:
    query = {"client_id": cloud.client_id, "scope": "commands,chat:write", "state": "st4te", **extra}
    return "https://slack.com/oauth/v2/authorize?" + urllib.parse.urlencode(query)


def _code(redirect: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(redirect).query)["code"][0]


def _install(cloud: SlackCloud, team_id: str, user_id: str) -> str:
    code = _code(cloud.approve(_authorize_url(cloud), team_id=team_id, user_id=user_id))
    response = WebClient(base_url=cloud.base_url).oauth_v2_access(
        client_id=cloud.client_id, client_secret=cloud.client_secret, code=code
    )
    return str(response["access_token"])


def _error(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_approval_redirects_to_the_registered_url_with_a_code_and_the_state(cloud: SlackCloud) -> None:
    redirect = cloud.approve(_authorize_url(cloud), team_id=ALPHA, user_id="UA1")
    parts = urllib.parse.urlsplit(redirect)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT
    query = urllib.parse.parse_qs(parts.query)
    assert query["state"] == ["st4te"] and query["code"][0]


def test_the_code_exchange_answers_in_slacks_shape(cloud: SlackCloud) -> None:
    code = _code(cloud.approve(_authorize_url(cloud), team_id=ALPHA, user_id="UA1"))
    response = WebClient(base_url=cloud.base_url).oauth_v2_access(
        client_id=cloud.client_id, client_secret=cloud.client_secret, code=code
    )
    body = dict(response.data)  # type: ignore[arg-type]
    assert body["access_token"].startswith("xoxb-")
    assert {k: v for k, v in body.items() if k != "access_token"} == {
        "ok": True,
        "app_id": cloud.app_id,
        "authed_user": {"id": "UA1"},
        "scope": "commands,chat:write",
        "token_type": "bot",
        "bot_user_id": cloud.workspace(ALPHA).bot_user_id,
        "team": {"id": ALPHA, "name": "Alpha"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    assert "access_token" not in cloud.calls[-1].response  # the record keeps no secrets
    assert "code" not in cloud.calls[-1].params


def test_a_code_works_once(cloud: SlackCloud) -> None:
    code = _code(cloud.approve(_authorize_url(cloud), team_id=ALPHA, user_id="UA1"))
    client = WebClient(base_url=cloud.base_url)
    client.oauth_v2_access(client_id=cloud.client_id, client_secret=cloud.client_secret, code=code)
    again = _error(
        lambda: client.oauth_v2_access(
            client_id=cloud.client_id, client_secret=cloud.client_secret, code=code
        )
    )
    assert again == "invalid_code"


def test_an_expired_code_is_refused(cloud: SlackCloud) -> None:
    cloud.code_ttl_seconds = 0.0
    code = _code(cloud.approve(_authorize_url(cloud), team_id=ALPHA, user_id="UA1"))
    client = WebClient(base_url=cloud.base_url)
    assert (
        _error(
            lambda: client.oauth_v2_access(
                client_id=cloud.client_id, client_secret=cloud.client_secret, code=code
            )
        )
        == "invalid_code"
    )


def test_wrong_client_credentials_are_refused(cloud: SlackCloud) -> None:
    code = _code(cloud.approve(_authorize_url(cloud), team_id=ALPHA, user_id="UA1"))
    client = WebClient(base_url=cloud.base_url)
    assert (
        _error(lambda: client.oauth_v2_access(client_id="1.2", client_secret=cloud.client_secret, code=code))
        == "invalid_client_id"
    )
    assert (
        _error(lambda: client.oauth_v2_access(client_id=cloud.client_id, client_secret="nope", code=code))
        == "bad_client_secret"
    )


def test_client_credentials_may_also_come_as_form_fields(cloud: SlackCloud) -> None:
    code = _code(cloud.approve(_authorize_url(cloud), team_id=ALPHA, user_id="UA1"))
    form = {"client_id": cloud.client_id, "client_secret": cloud.client_secret, "code": code}
    request = urllib.request.Request(
        cloud.base_url + "oauth.v2.access", data=urllib.parse.urlencode(form).encode()
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["team"] == {"id": ALPHA, "name": "Alpha"}


def test_the_redirect_uri_must_match_the_one_the_installer_was_sent_with(cloud: SlackCloud) -> None:
    url = _authorize_url(cloud, redirect_uri=REDIRECT)
    code = _code(cloud.approve(url, team_id=ALPHA, user_id="UA1"))
    client = WebClient(base_url=cloud.base_url)
    wrong = _error(
        lambda: client.oauth_v2_access(
            client_id=cloud.client_id,
            client_secret=cloud.client_secret,
            code=code,
            redirect_uri="https://elsewhere.example/cb",
        )
    )
    assert wrong == "bad_redirect_uri"


def test_the_authorize_page_refuses_broken_install_links(cloud: SlackCloud) -> None:
    with pytest.raises(AuthorizeError, match="invalid_client_id"):
        cloud.approve(_authorize_url(cloud, client_id="9.9"), team_id=ALPHA, user_id="UA1")
    with pytest.raises(AuthorizeError, match="bad_redirect_uri"):
        cloud.approve(
            _authorize_url(cloud, redirect_uri="https://evil.example/cb"), team_id=ALPHA, user_id="UA1"
        )
    with pytest.raises(AuthorizeError, match="invalid_user"):
        cloud.approve(_authorize_url(cloud), team_id=ALPHA, user_id="UB1")  # not in Alpha


def test_cancelling_redirects_with_access_denied(cloud: SlackCloud) -> None:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(cloud.deny(_authorize_url(cloud))).query)
    assert query == {"error": ["access_denied"], "state": ["st4te"]}


def test_a_token_reaches_only_its_own_workspace(cloud: SlackCloud) -> None:
    alpha = WebClient(token=_install(cloud, ALPHA, "UA1"), base_url=cloud.base_url)
    assert alpha.auth_test()["team_id"] == ALPHA
    assert alpha.users_info(user="UA1")["user"]["real_name"] == "Ann Alpha"
    assert _error(lambda: alpha.users_info(user="UB1")) == "user_not_found"
    assert _error(lambda: alpha.chat_postMessage(channel="UB1", text="hi")) == "channel_not_found"
    assert _error(lambda: alpha.conversations_open(users="UB1")) == "user_not_found"
    members = [m["id"] for m in alpha.users_list()["members"]]
    assert "UA1" in members and "UB1" not in members
    alpha.chat_postMessage(channel="UA1", text="hello Ann")
    assert [m["text"] for m in cloud.workspace(ALPHA).messages_to("UA1")] == ["hello Ann"]
    assert cloud.workspace(BETA).messages_to("UB1") == []


def test_tokens_work_only_between_install_and_uninstall(cloud: SlackCloud) -> None:
    not_yet = WebClient(token=cloud.workspace(ALPHA).bot_token, base_url=cloud.base_url)
    assert _error(not_yet.auth_test) == "invalid_auth"
    token = _install(cloud, ALPHA, "UA1")
    assert WebClient(token=token, base_url=cloud.base_url).auth_test()["ok"]
    cloud.uninstall(ALPHA)
    assert _error(WebClient(token=token, base_url=cloud.base_url).auth_test) == "token_revoked"
    assert cloud.installed_scopes(ALPHA) is None
    fresh = _install(cloud, ALPHA, "UA1")
    assert fresh != token and WebClient(token=fresh, base_url=cloud.base_url).auth_test()["team_id"] == ALPHA
    assert _error(WebClient(base_url=cloud.base_url).auth_test) == "not_authed"
