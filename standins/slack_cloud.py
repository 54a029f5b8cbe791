"""Several Slack workspaces behind one API host, and the OAuth v2 install flow of one
distributed app: what a bot installed in many workspaces talks to.

`SlackCloud` runs one loopback server. Each workspace is an ordinary `SlackStandIn` (seed and
inspect it exactly as in single-workspace tests) that the cloud serves: a Web API call goes
to the workspace its token belongs to, as on slack.com, so a token of one workspace can
never read or message another's members (`user_not_found`, `channel_not_found`, as Slack
answers). Tokens exist only once an install was approved and exchanged through
`oauth.v2.access`; an uninstall revokes them (`token_revoked`).

The browser half of OAuth is `approve()`: given the authorize URL the app sent the installer
to, it plays the person clicking *Allow* in a workspace and returns the URL Slack redirects
the browser to (the app's redirect URL with a one-time `code` and the `state`)."""

from __future__ import annotations

import base64
import binascii
import copy
import secrets
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from standins.loopback import serve_in_thread, shut_down
from standins.slack_api import (
    Call,
    SlackStandIn,
    _ApiError,
    _decode_request,
    _Headers,
    _json_reply,
    _Reply,
    _Server,
    _text_reply,
)

AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
CODE_TTL_SECONDS = 600.0  # Slack's temporary authorization codes expire after ten minutes


class AuthorizeError(Exception):
    """What Slack's authorize page would show instead of redirecting (a broken install link)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class _Grant:
    team_id: str
    user_id: str
    scopes: tuple[str, ...]
    redirect_uri: str | None  # as given to the authorize page; oauth.v2.access must repeat it
    issued: float
    used: bool = False


class SlackCloud:
    """Slack's API host for a distributed app installed in several workspaces."""

    def __init__(
        self,
        *,
        client_id: str = "1111111111.2222222222",
        client_secret: str | None = None,
        app_id: str = "A0CONVENE",
        redirect_urls: tuple[str, ...] = (),
        latency: float = 0.0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_hex(16)
        self.app_id = app_id
        self.code_ttl_seconds = CODE_TTL_SECONDS
        self._latency = latency
        self._redirect_urls = list(redirect_urls)
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._workspaces: dict[str, SlackStandIn] = {}
        self._tokens: dict[str, str] = {}  # live token -> team id
        self._revoked: set[str] = set()
        self._codes: dict[str, _Grant] = {}
        self._granted: dict[str, tuple[str, ...]] = {}  # team id -> scopes of its install
        # Calls the cloud answered itself: oauth.v2.access and refused tokens (never secrets).
        self.calls: list[Call] = []

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> SlackCloud:
        if self._server is None:
            server = _Server(self)  # type: ignore[arg-type]  (it only calls _route)
            self._server, self._thread = server, serve_in_thread(server, "slack-cloud")
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            shut_down(self._server, self._thread)
        self._server, self._thread = None, None

    def __enter__(self) -> SlackCloud:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Slack cloud is not running; call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def base_url(self) -> str:
        """SLACK_API_BASE_URL for the app: one host for every workspace."""
        return self.root_url + "api/"

    # --------------------------------------------------------------------- setup

    def add_workspace(self, team_id: str, name: str, *, bot_name: str = "convene") -> SlackStandIn:
        """A workspace where the app can be installed; seed its members on what is returned."""
        with self._lock:
            if team_id in self._workspaces:
                raise ValueError(f"workspace {team_id} exists")
            workspace = SlackStandIn(
                bot_token=self._new_token(team_id),
                team_id=team_id,
                team_name=name,
                bot_user_id=f"UB{team_id[1:]}"[:11],  # each workspace has its own bot user
                latency=self._latency,
                bot_name=bot_name,
            )
            workspace.mount(f"{self.root_url}team/{team_id}/")
            self._workspaces[team_id] = workspace
            return workspace

    def workspace(self, team_id: str) -> SlackStandIn:
        return self._workspaces[team_id]

    def register_redirect_url(self, url: str) -> None:
        """A Redirect URL from the app's *OAuth & Permissions* page."""
        with self._lock:
            self._redirect_urls.append(url)

    # ---------------------------------------------------------- the browser half

    def approve(self, authorize_url: str, *, team_id: str, user_id: str) -> str:
        """`user_id` opens the install link, picks workspace `team_id` and clicks *Allow*.
        Returns where Slack sends the browser: the app's redirect URL with code and state."""
        query, redirect = self._check_authorize_url(authorize_url)
        with self._lock:
            workspace = self._workspaces.get(team_id)
            if workspace is None:
                raise AuthorizeError("invalid_team")
            wanted_team = query.get("team")
            if wanted_team and wanted_team != team_id:
                raise AuthorizeError("invalid_team")
            user = workspace.users.get(user_id)
            if user is None or user["deleted"] or user["is_bot"]:
                raise AuthorizeError("invalid_user")
            code = f"{int(time.time())}.{secrets.token_hex(20)}"
            scopes = tuple(s for s in query.get("scope", "").split(",") if s)
            self._codes[code] = _Grant(team_id, user_id, scopes, query.get("redirect_uri"), time.monotonic())
        return _with_query(redirect, code=code, state=query.get("state"))

    def deny(self, authorize_url: str) -> str:
        """The installer clicks *Cancel*: Slack redirects with `error=access_denied`."""
        query, redirect = self._check_authorize_url(authorize_url)
        return _with_query(redirect, error="access_denied", state=query.get("state"))

    def uninstall(self, team_id: str) -> None:
        """A workspace admin removes the app: its token stops working at once. (Slack then
        sends the app an `app_uninstalled` event; tests deliver that with SlackEvents.)"""
        with self._lock:
            for token, owner in list(self._tokens.items()):
                if owner == team_id:
                    del self._tokens[token]
                    self._revoked.add(token)
            self._granted.pop(team_id, None)

    def connect(self, user_id: str, *, home: str, guest_in: str) -> None:
        """A member of workspace `home` joins a Slack Connect channel shared with `guest_in`:
        that workspace's token can now look them up, as a person from another workspace
        (their own team id, their own admin flags)."""
        with self._lock:
            person = self._workspaces[home].users[user_id]
            self._workspaces[guest_in].add_user(
                user_id,
                name=person["name"],
                real_name=person["real_name"],
                tz=person["tz"],
                locale=person.get("locale") or "en-US",
                is_admin=person["is_admin"],
                is_owner=person["is_owner"],
                home_team_id=home,
            )

    def installed_scopes(self, team_id: str) -> tuple[str, ...] | None:
        """The scopes the app holds in a workspace, or None when it is not installed."""
        with self._lock:
            return self._granted.get(team_id)

    def _check_authorize_url(self, authorize_url: str) -> tuple[dict[str, str], str]:
        parts = urlsplit(authorize_url)
        if f"{parts.scheme}://{parts.netloc}{parts.path}" != AUTHORIZE_URL:
            raise ValueError(f"not Slack's authorize page: {parts.scheme}://{parts.netloc}{parts.path}")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if query.get("client_id") != self.client_id:
            raise AuthorizeError("invalid_client_id")
        if not query.get("scope") and not query.get("user_scope"):
            raise AuthorizeError("invalid_scope")
        with self._lock:
            registered = list(self._redirect_urls)
        redirect = query.get("redirect_uri")
        if redirect is None:
            if not registered:
                raise AuthorizeError("no_redirect_url")
            redirect = registered[0]
        elif redirect not in registered:
            raise AuthorizeError("bad_redirect_uri")
        return query, redirect

    # ------------------------------------------------------------------- routing

    def _route(self, raw_path: str, headers: _Headers, body: bytes) -> _Reply:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/team/"):
            # URLs a workspace handed out (response_url, uploads, its own base_url).
            team_id, _, rest = path[len("/team/") :].partition("/")
            workspace = self._workspaces.get(team_id)
            if workspace is None:
                return _text_reply(404, "not_found")
            inner = "/" + rest + (f"?{parts.query}" if parts.query else "")
            if rest.startswith("api/"):
                return self._serve_api(rest[len("api/") :], inner, parts.query, headers, body)
            return workspace._route(inner, headers, body)
        if path.startswith("/api/"):
            return self._serve_api(path[len("/api/") :], raw_path, parts.query, headers, body)
        return _text_reply(404, "not_found")

    def _serve_api(self, method: str, raw_path: str, query: str, headers: _Headers, body: bytes) -> _Reply:
        if method == "oauth.v2.access":
            return self._answer(
                method, lambda params: self._oauth_v2_access(params, headers), query, headers, body
            )
        try:
            _, token = _decode_request(query, headers, body)
        except _ApiError:
            token = None
        with self._lock:
            team_id = self._tokens.get(token or "")
            refusal = None
            if team_id is None:
                refusal = (
                    "not_authed"
                    if not token
                    else "token_revoked"
                    if token in self._revoked
                    else "invalid_auth"
                )
        if refusal is not None:
            return self._answer(method, lambda _params: _raise(refusal), query, headers, body)
        # The workspace's own stand-in answers: its users, its conversations, its limits.
        return self._workspaces[team_id]._route(
            "/api/" + method + (f"?{query}" if query else ""), headers, body
        )

    def _answer(self, method: str, handler: Any, query: str, headers: _Headers, body: bytes) -> _Reply:
        received = time.time()
        try:
            params, _ = _decode_request(query, headers, body)
        except _ApiError as exc:
            params, response, status = {}, exc.body(), exc.status
        else:
            try:
                with self._lock:
                    response, status = handler(params), 200
            except _ApiError as exc:
                response, status = exc.body(), exc.status
        recorded = {k: v for k, v in params.items() if k not in ("client_secret", "code")}
        shown = {k: v for k, v in response.items() if k != "access_token"}
        with self._lock:
            self.calls.append(Call(method, recorded, status, copy.deepcopy(shown), received))
        return _json_reply(status, response, {})

    # --------------------------------------------------------------- oauth.v2.access

    def _oauth_v2_access(self, params: dict[str, Any], headers: _Headers) -> dict[str, Any]:
        client_id, client_secret = _basic_auth(headers)
        client_id = client_id or params.get("client_id")
        client_secret = client_secret or params.get("client_secret")
        if client_id != self.client_id:
            raise _ApiError("invalid_client_id")
        if not client_secret or not secrets.compare_digest(str(client_secret), self.client_secret):
            raise _ApiError("bad_client_secret")
        code = params.get("code")
        grant = self._codes.get(str(code or ""))
        expired = grant is not None and time.monotonic() - grant.issued > self.code_ttl_seconds
        if grant is None or grant.used or expired:
            raise _ApiError("invalid_code")
        redirect_uri = params.get("redirect_uri")
        if grant.redirect_uri is not None and redirect_uri != grant.redirect_uri:
            raise _ApiError("bad_redirect_uri")
        if redirect_uri is not None and redirect_uri not in self._redirect_urls:
            raise _ApiError("bad_redirect_uri")
        grant.used = True  # one exchange per code, even a failed one would not be retried
        workspace = self._workspaces[grant.team_id]
        token = workspace.bot_token
        if token in self._revoked:
            # A reinstall after an uninstall gets a fresh token, as on Slack.
            token = self._new_token(grant.team_id)
            workspace._bot_token = token  # the workspace's own stand-in checks this token
        self._tokens[token] = grant.team_id
        self._granted[grant.team_id] = grant.scopes
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": grant.user_id},
            "scope": ",".join(grant.scopes),
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": grant.team_id, "name": workspace.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _new_token(self, team_id: str) -> str:
        return f"xoxb-{team_id}-{secrets.token_hex(12)}"


def _raise(error: str) -> dict[str, Any]:
    raise _ApiError(error)


def _basic_auth(headers: _Headers) -> tuple[str | None, str | None]:
    """client_id and client_secret from `Authorization: Basic`, which slack_sdk sends."""
    value = headers.get("Authorization") or ""
    if not value.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, sep, client_secret = decoded.partition(":")
    return (client_id, client_secret) if sep else (None, None)


def _with_query(url: str, **values: str | None) -> str:
    extra = urlencode({k: v for k, v in values.items() if v is not None})
    return f"{url}{'&' if urlsplit(url).query else '?'}{extra}"
