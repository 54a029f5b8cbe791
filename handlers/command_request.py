"""What a subcommand handler receives: the parsed command and a way to answer privately."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.core.runtime import Runtime
from handlers.command_parser import CommandSpec
from handlers.reader_locale import reader_locale


@dataclass
class CommandRequest:
    runtime: Runtime
    spec: CommandSpec
    args: list[str]
    team_id: str  # the workspace the request was authorized for (the workspace guard's)
    user_id: str
    channel_id: str | None
    client: WebClient  # that workspace's token
    respond: Respond

    @cached_property
    def locale(self) -> str | None:
        """The reader's language: slash commands carry no locale, so it is looked up (once)."""
        return reader_locale(self.runtime, self.team_id, self.user_id)

    def t(self, key: str, locale: str | None = None, **values: object) -> str:
        return self.runtime.texts.get(key, locale, **values)

    def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """An ephemeral answer, seen only by the person who typed the command."""
        self.respond(text=text, blocks=blocks, response_type="ephemeral")


CommandHandler = Callable[[CommandRequest], None]
