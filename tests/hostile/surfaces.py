"""Every interactive surface the app listens on, read from the handlers' own source, so a new
button or modal is fuzzed and classified without anyone remembering to add it here.
`registered_kinds` counts what Bolt really registered, to prove the reading missed nothing."""

import importlib
import pkgutil
import re
from collections import Counter

from slack_bolt import App

import handlers

_LISTENER = re.compile(r"app\.(action|view)\(\s*([^)]*?)\s*\)")
_LOOP = re.compile(r"for (\w+) in ([^:\n]+):")


def registrations() -> list[tuple[str, str]]:
    """(kind, id) for each `app.action(…)` / `app.view(…)` in handlers/, with repetitions."""
    found: list[tuple[str, str]] = []
    for info in pkgutil.iter_modules(handlers.__path__):
        module = importlib.import_module(f"handlers.{info.name}")
        with open(module.__file__ or "", encoding="utf-8") as source_file:
            source = source_file.read()
        loops = {name: values for name, values in _LOOP.findall(source)}
        for kind, expression in _LISTENER.findall(source):
            # A constant (`THEME_ADOPT`, `intros.SWAP`), or a loop variable over constants.
            if expression in loops:
                values = tuple(eval(loops[expression], vars(module)))
            else:
                values = (eval(expression, vars(module)),)
            for item in values:
                if not isinstance(item, str):
                    raise AssertionError(f"handlers.{info.name}: a listener on {expression!r}")
                found.append((kind, item))
    return found


def listeners() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"action": set(), "view": set()}
    for kind, value in registrations():
        found[kind].add(value)
    return found


def registered_kinds(app: App) -> Counter[str]:
    """How many action and view listeners the Bolt app holds (by the kind of its matcher)."""
    kinds: Counter[str] = Counter()
    for listener in app._listeners:
        name = listener.matchers[0].func.__qualname__.split(".")[0] if listener.matchers else ""
        if name in ("action", "block_action"):
            kinds["action"] += 1
        elif name in ("view", "view_submission"):
            kinds["view"] += 1
    return kinds
