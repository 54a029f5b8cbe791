"""Thin Bolt listeners: parse Slack payloads, call `bot` services, render blocks."""

from slack_bolt import App

from bot.core.runtime import Runtime
from handlers import (
    checkin_actions,
    checkin_views,
    commands,
    convening_commands,
    forget_me,
    home,
    home_settings,
    inbound_dedupe,
    installs,
    match_commands,
    match_followups,
    messages,
    profile,
    retag,
    theme_actions,
)


def register_all(app: App, runtime: Runtime) -> None:
    # De-duplication first: a retried or duplicated request must reach no listener.
    for module in (
        inbound_dedupe,
        commands,
        checkin_actions,
        checkin_views,
        profile,
        messages,
        home,
        home_settings,
        theme_actions,
        retag,
        match_commands,
        match_followups,
        convening_commands,
        forget_me,
        installs,
    ):
        module.register(app, runtime)
