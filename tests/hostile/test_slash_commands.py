"""Any `/convene …` text, for every subcommand, from a facilitator or a stranger: a private
reply, never an exception, and never a member's mention echoed back raw."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import command_parser as cp
from standins.harness import LocalSlack, wait_for
from tests.e2e.conftest import COORDINATORS, FACILITATOR, MANILA, text_of
from tests.hostile import tally
from tests.hostile.conftest import LogCapture
from tests.hostile.strategies import FORBIDDEN, hostile_text

SPECS = [spec for spec in cp.COMMANDS]


@settings(max_examples=300)
@given(st.sampled_from(SPECS), hostile_text())
def test_every_subcommand_with_any_arguments_parses_to_that_command_or_a_quote_error(
    spec: cp.CommandSpec, args: str
) -> None:
    tally.count_input("parser: subcommand + hostile arguments")
    result = cp.parse(f"{spec.name} {args}")
    if isinstance(result, cp.Parsed):
        # A longer command may win ("checkin" + "now"), never a different one.
        assert result.spec.name.startswith(spec.name)
        assert "\x00" not in " ".join(result.args)
    else:
        assert isinstance(result, cp.Unreadable)


@settings(max_examples=300)
@given(hostile_text())
def test_mentions_are_only_ever_read_as_plain_ids(token: str) -> None:
    tally.count_input("parser: mention tokens")
    for parsed in (cp.parse_user_mention(token), cp.parse_channel_mention(token)):
        assert parsed is None or (parsed.isascii() and parsed.isalnum() and 2 < len(parsed) <= 32)


def _replies_after(slack: LocalSlack, before: int) -> list[dict]:
    return wait_for(lambda: slack.api.responses()[before:], timeout=10)


pytestmark = pytest.mark.e2e


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(user=st.sampled_from([FACILITATOR, MANILA, "UNOBODY01"]), spec=st.sampled_from(SPECS),
       args=hostile_text(4))  # fmt: skip
def test_any_command_text_gets_one_private_reply_and_no_error(
    slack: LocalSlack, debug_logs: LogCapture, user: str, spec: cp.CommandSpec, args: str
) -> None:
    since = debug_logs.mark()
    tally.count_input("slash command over signed HTTP")
    if not getattr(slack, "hostile_ready", False):  # once per test, not per example
        slack.command(MANILA, "join")
        slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
        slack.hostile_ready = True  # type: ignore[attr-defined]
    before = len(slack.api.responses())
    delivery = slack.events.command(user, f"{spec.name} {args}")
    assert delivery.status == 200
    replies = _replies_after(slack, before)
    shown = "\n".join(text_of(r) for r in replies)
    assert "Something went wrong on our side" not in shown, shown
    assert all(r.get("response_type") == "ephemeral" for r in replies)
    for forbidden in FORBIDDEN:
        assert forbidden not in shown or forbidden not in args
    assert debug_logs.listener_failures(since) == []
