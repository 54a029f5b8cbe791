"""Every request from Slack is processed once: a retry (`X-Slack-Retry-Num`) or a second
copy reaching another instance is acknowledged, so Slack stops re-sending, and dropped.

A global middleware: Bolt runs it after signature verification, authorization and the
workspace check (a forged request never reaches the database) and before any listener.
Keys are kept per workspace: a request in one workspace can never use up another's."""

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse

from bot.core.runtime import Runtime
from bot.slack import inbound_dedupe
from handlers.workspace_guard import Caller

log = logging.getLogger("convene.dedupe")

# Forget old request keys every this many recorded requests (per process): cheap, and no
# scheduler needed in Socket Mode or on an instance that does not lead.
PRUNE_EVERY = 500


def register(app: App, runtime: Runtime) -> None:
    app.middleware(partial(process_once, runtime=runtime))


def process_once(
    req: BoltRequest,
    body: Any,
    context: BoltContext,
    next_: Callable[[], BoltResponse | None],
    *,
    runtime: Runtime,
) -> BoltResponse | None:
    caller = context.get("caller")
    if not isinstance(body, dict) or not isinstance(caller, Caller):
        return next_()
    key = inbound_dedupe.request_key(body, caller.team_id)
    _log_retry(req, key)
    if key is None:
        return next_()
    now = runtime.clock.now()
    with runtime.db.session() as session:
        first = inbound_dedupe.claim(session, key, caller.team_id, now)
        if first and next(runtime.requests_seen) % PRUNE_EVERY == 0:
            pruned = inbound_dedupe.prune(session, now - inbound_dedupe.RETENTION)
            log.info("forgot %d request keys older than %s", pruned, inbound_dedupe.RETENTION)
    if not first:
        log.info("duplicate request %s acknowledged and dropped", key)
        return BoltResponse(status=200, body="")
    return next_()


def _log_retry(req: BoltRequest, key: str | None) -> None:
    # Header names and values only: the payload carries members' words.
    retry_num = _header(req, "x-slack-retry-num")
    # Socket Mode marks every first delivery `retry_attempt: 0`: only a positive count is a retry.
    if retry_num is not None and retry_num != "0":
        reason = _header(req, "x-slack-retry-reason") or "unknown"
        log.info("Slack retry #%s (%s) of %s", retry_num, reason, key or "a request without an id")


def _header(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name)
    if not values:
        return None
    value = values[0] if isinstance(values, list | tuple) else values
    return str(value)[:64]
