"""Thin Bolt listeners: parse Slack payloads, call `bot` services, render blocks."""

from slack_bolt import App

from bot.runtime import Runtime
from handlers import (
    checkin_actions,
    checkin_views,
    commands,
    forget_me,
    home,
    match_commands,
    match_followups,
    messages,
    profile,
    theme_actions,
)


def register_all(app: App, runtime: Runtime) -> None:
    for module in (
        commands,
        checkin_actions,
        checkin_views,
        profile,
        messages,
        home,
        theme_actions,
        match_commands,
        match_followups,
        forget_me,
    ):
        module.register(app, runtime)
