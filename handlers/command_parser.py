"""Parsing `/convene <subcommand> [args]` into a known command, or a helpful refusal.

Pure functions, so the parser can be fuzzed without Slack."""

import difflib
import shlex
from dataclasses import dataclass, field

from bot.slack.mrkdwn import is_number


@dataclass(frozen=True)
class CommandSpec:
    name: str  # canonical words, e.g. "checkin schedule"
    facilitator: bool
    usage: str
    available: bool = True  # False: in the contract, built in a later version


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("help", False, "help"),
    CommandSpec("join", False, "join"),
    CommandSpec("pause", False, "pause [weeks]"),
    CommandSpec("resume", False, "resume"),
    CommandSpec("leave", False, "leave"),
    CommandSpec("me", False, "me"),
    CommandSpec("forget-me", False, "forget-me"),
    CommandSpec("setup", True, "setup [#channel]"),
    CommandSpec("setup raw-answers", True, "setup raw-answers on|off"),
    CommandSpec("setup retention", True, "setup retention <months>"),
    CommandSpec("checkin", True, 'checkin now | checkin schedule "<cron>"'),
    CommandSpec("checkin now", True, "checkin now"),
    CommandSpec("checkin schedule", True, 'checkin schedule "0 9 * * mon"'),
    CommandSpec("digest preview", True, "digest preview"),
    CommandSpec("digest post", True, "digest post"),
    CommandSpec("digest schedule", True, 'digest schedule "0 15 * * fri"'),
    CommandSpec("agenda", True, "agenda"),
    CommandSpec("match preview", True, "match preview"),
    CommandSpec("match run", True, "match run"),
    CommandSpec("match schedule", True, 'match schedule "0 10 * * tue"'),
    CommandSpec("pains", True, "pains"),
    CommandSpec("pains add", True, "pains add <name> | <description>"),
    CommandSpec("pains rename", True, "pains rename <old> to <new>"),
    CommandSpec("pains merge", True, "pains merge <a> into <b>"),
    CommandSpec("pains retire", True, "pains retire <name>"),
    CommandSpec("members", True, "members"),
    CommandSpec("facilitators add", True, "facilitators add @user"),
    CommandSpec("export", True, "export"),
    CommandSpec("convening", True, "convening"),
    CommandSpec("convening add", True, 'convening add "<name>" YYYY-MM-DD [place]'),
    CommandSpec("convening cancel", True, "convening cancel"),
    CommandSpec("convening invite", True, "convening invite"),
    CommandSpec("convening tables", True, "convening tables [size]"),
)
_BY_NAME = {spec.name: spec for spec in COMMANDS}
_LONGEST = max(len(spec.name.split()) for spec in COMMANDS)

# Slack clients on phones turn straight quotes into curly ones.
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})


@dataclass(frozen=True)
class Parsed:
    spec: CommandSpec
    args: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Unknown:
    given: str
    suggestion: str | None


@dataclass(frozen=True)
class Unreadable:
    error: str


def parse(text: str | None) -> Parsed | Unknown | Unreadable:
    cleaned = (text or "").translate(_QUOTES).replace("\x00", "").strip()
    if not cleaned:
        return Parsed(_BY_NAME["help"])
    try:
        tokens = shlex.split(cleaned)
    except ValueError as exc:  # unbalanced quotes
        return Unreadable(str(exc).lower())
    if not tokens:
        return Parsed(_BY_NAME["help"])
    words = [t.lower() for t in tokens]
    for size in range(min(_LONGEST, len(words)), 0, -1):
        spec = _BY_NAME.get(" ".join(words[:size]))
        if spec is not None:
            return Parsed(spec, tokens[size:])
    given = " ".join(tokens[:2])[:80]
    return Unknown(given, suggest(" ".join(words[:2])))


def suggest(given: str) -> str | None:
    names = [spec.name for spec in COMMANDS]
    match = difflib.get_close_matches(given, names, n=1, cutoff=0.6)
    if match:
        return match[0]
    first = difflib.get_close_matches(given.split(" ")[0], [n.split()[0] for n in names], n=1)
    return first[0] if first else None


def parse_weeks(args: list[str], default: int, maximum: int) -> int | None:
    """`pause`, `pause 3`, `pause 3 weeks`; None if it isn't a sensible number."""
    if not args:
        return default
    token = args[0].lower().removesuffix("w")
    if not is_number(token) or len(args) > 2 or (len(args) == 2 and args[1].lower() not in ("week", "weeks")):
        return None
    weeks = int(token)
    return weeks if 1 <= weeks <= maximum else None


def parse_months(args: list[str], maximum: int) -> int | None:
    """`12`, `12 months`; None unless a whole number from 1 to `maximum`."""
    if not args or len(args) > 2 or (len(args) == 2 and args[1].lower() not in ("month", "months")):
        return None
    token = args[0].lower().removesuffix("m")
    if not is_number(token):
        return None
    months = int(token)
    return months if 1 <= months <= maximum else None


def parse_user_mention(token: str) -> str | None:
    """`<@U123ABC>` or `<@U123ABC|name>` (what Slack sends with escaping on) or a bare id."""
    token = token.strip()
    if token.startswith("<@") and token.endswith(">"):
        token = token[2:-1].split("|")[0]
    elif token.startswith("@"):
        return None  # a display name: Slack didn't escape it, we can't resolve it reliably
    if token[:1] in ("U", "W") and token[1:].isalnum() and 2 < len(token) <= 32:
        return token
    return None


def parse_channel_mention(token: str) -> str | None:
    """`<#C123|name>` -> C123."""
    token = token.strip()
    if token.startswith("<#") and token.endswith(">"):
        token = token[2:-1].split("|")[0]
    if token[:1] in ("C", "G") and token[1:].isalnum() and 2 < len(token) <= 32:
        return token
    return None
