"""Thin Bolt listeners: read the payload, call a feature's service, render with its blocks.

Each module has module-level listeners that take what they need (Bolt's arguments, the
`caller` the workspace guard vouched for, and the runtime) and one `register(app, runtime)`
that wires them."""

from slack_bolt import App

from bot.core.runtime import Runtime
from handlers import (
    checkin_actions,
    checkin_views,
    commands,
    convening_commands,
    digest_commands,
    export_command,
    facilitator_commands,
    forget_me,
    home,
    home_settings,
    inbound_dedupe,
    installs,
    match_commands,
    match_followups,
    member_commands,
    messages,
    profile,
    retag,
    taxonomy_commands,
    theme_actions,
    workspace_guard,
)


def register_all(app: App, runtime: Runtime) -> None:
    for module in (
        # Middleware first, in this order: which workspace (and refuse what names two), then
        # drop retried or duplicated requests; no listener sees either.
        workspace_guard,
        inbound_dedupe,
        # The slash command's one listener first: Bolt tries listeners in order before the ack.
        commands,
        member_commands,
        facilitator_commands,
        taxonomy_commands,
        match_commands,
        digest_commands,
        export_command,
        forget_me,
        checkin_actions,
        checkin_views,
        profile,
        messages,
        home,
        home_settings,
        theme_actions,
        retag,
        match_followups,
        convening_commands,
        installs,
    ):
        module.register(app, runtime)
