"""Thin Bolt listeners: parse Slack payloads, call `bot` services, render blocks."""

from slack_bolt import App

from bot.core.runtime import Runtime
from handlers import (
    checkin_actions,
    checkin_views,
    commands,
    forget_me,
    home,
    home_settings,
    installs,
    match_commands,
    match_followups,
    messages,
    profile,
    theme_actions,
)
from handlers import inbound_dedupe as dedupe


def register_all(app: App, runtime: Runtime) -> None:
    # Dedupe first: a retried or duplicated delivery must reach no listener.
    for module in (
        dedupe,
        commands,
        checkin_actions,
        checkin_views,
        profile,
        messages,
        home,
        home_settings,
        theme_actions,
        match_commands,
        match_followups,
        forget_me,
        installs,
    ):
        module.register(app, runtime)
