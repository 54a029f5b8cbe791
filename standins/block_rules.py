"""Block Kit rules the Slack stand-in enforces the way Slack's servers do.

Slack rejects a message or view whose blocks break Block Kit's limits, and it
says where with a JSON pointer ("must be less than 3001 characters
[json-pointer:/blocks/0/text/text]"). slack_sdk's model classes know some of
those limits but not all of them (block_id uniqueness, empty text objects,
option and button sizes, ...), and a bot that only ever talks to a lenient fake
ships payloads that real Slack refuses. So the limits are checked here
explicitly, with pointers, and a block that passes them is then also run
through slack_sdk's own parser and validators.

Both public functions return problems as strings in Slack's style; an empty
list means the payload is acceptable.
"""

from __future__ import annotations

import copy
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

_BLOCK_ID_MAX = 255
_ACTION_ID_MAX = 255
_SECTION_TEXT_MAX = 3000
_SECTION_FIELDS_MAX = 10
_SECTION_FIELD_TEXT_MAX = 2000
_HEADER_TEXT_MAX = 150
_CONTEXT_ELEMENTS_MAX = 10
_ACTIONS_ELEMENTS_MAX = 25
_BUTTON_TEXT_MAX = 75
_BUTTON_VALUE_MAX = 2000
_URL_MAX = 3000
_PLACEHOLDER_MAX = 150
_INPUT_LABEL_MAX = 2000
_INPUT_HINT_MAX = 2000
_TEXT_INPUT_LENGTH_MAX = 3000
_OPTION_TEXT_MAX = 75
_OPTION_VALUE_MAX = 150
_VIEW_TITLE_MAX = 24
_VIEW_BUTTON_MAX = 24
_CALLBACK_ID_MAX = 255
_EXTERNAL_ID_MAX = 255
_PRIVATE_METADATA_MAX = 3000

# How many options each kind of menu may carry, and whether its option labels
# may be mrkdwn (only radio buttons and checkboxes allow it).
_OPTION_MENUS: dict[str, tuple[int, bool]] = {
    "static_select": (100, False),
    "multi_static_select": (100, False),
    "overflow": (5, False),
    "radio_buttons": (10, True),
    "checkboxes": (10, True),
}


def _known_block_types() -> frozenset[str]:
    # Taken from slack_sdk itself so that new block types arrive with the
    # library rather than with an edit here.
    found: set[str] = set()
    pending = list(Block.__subclasses__())
    while pending:
        cls = pending.pop()
        kind = getattr(cls, "type", None)
        if isinstance(kind, str):
            found.add(kind)
        pending.extend(cls.__subclasses__())
    return frozenset(found)


KNOWN_BLOCK_TYPES = _known_block_types()


class _Problems:
    """Collects problems, each tagged with the JSON pointer Slack would name."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, pointer: str, message: str) -> None:
        self.items.append(f"{message} [json-pointer:{pointer}]")

    def too_long(self, value: Any, pointer: str, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(pointer, f"must be less than {limit + 1} characters")

    def text(
        self,
        obj: Any,
        pointer: str,
        *,
        limit: int | None = None,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.add(pointer, "must provide an object")
            return
        if not isinstance(obj, dict):
            self.add(pointer, "must be an object")
            return
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if obj.get("type") not in allowed:
            self.add(f"{pointer}/type", f"must be one of: {', '.join(allowed)}")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            # Slack refuses empty text objects outright; they render as nothing.
            self.add(f"{pointer}/text", "must be more than 0 characters")
        elif limit is not None:
            self.too_long(text, f"{pointer}/text", limit)


def message_block_problems(blocks: Any) -> list[str]:
    """Problems Slack would report for `blocks` sent with a message."""
    problems = _Problems()
    _check_blocks(problems, blocks, "/blocks", MAX_MESSAGE_BLOCKS)
    return problems.items


def view_problems(view: Any, *, expected_type: str) -> list[str]:
    """Problems Slack would report for a view of `expected_type` ("modal" or "home")."""
    problems = _Problems()
    if not isinstance(view, dict):
        problems.add("/view", "must be an object")
        return problems.items
    if view.get("type") != expected_type:
        problems.add("/view/type", f"must be {expected_type}")
    if expected_type == "modal":
        problems.text(view.get("title"), "/view/title", limit=_VIEW_TITLE_MAX, plain_only=True)
        for key in ("submit", "close"):
            problems.text(
                view.get(key),
                f"/view/{key}",
                limit=_VIEW_BUTTON_MAX,
                plain_only=True,
                required=False,
            )
    else:
        for key in ("submit", "close"):
            if key in view:
                problems.add(f"/view/{key}", f"is not allowed in a {expected_type} view")
    for key, limit in (
        ("callback_id", _CALLBACK_ID_MAX),
        ("external_id", _EXTERNAL_ID_MAX),
        ("private_metadata", _PRIVATE_METADATA_MAX),
    ):
        problems.too_long(view.get(key), f"/view/{key}", limit)
    blocks = view.get("blocks")
    _check_blocks(problems, blocks, "/view/blocks", MAX_VIEW_BLOCKS)
    has_input = isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("type") == "input" for b in blocks
    )
    if expected_type == "modal" and has_input and view.get("submit") is None:
        # Without a submit button nobody could ever send the inputs.
        problems.add("/view/submit", "must provide submit when the view has input blocks")
    if not problems.items:
        _check_with_sdk_view(problems, view)
    return problems.items


def _check_blocks(problems: _Problems, blocks: Any, pointer: str, limit: int) -> None:
    if not isinstance(blocks, list):
        problems.add(pointer, "must be an array")
        return
    if len(blocks) > limit:
        problems.add(pointer, f"no more than {limit} items allowed")
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        block_pointer = f"{pointer}/{index}"
        before = len(problems.items)
        _check_block(problems, block, block_pointer, seen_block_ids)
        if len(problems.items) == before and isinstance(block, dict):
            # Only ask slack_sdk about blocks that passed the explicit rules, so
            # each fault is reported once, with the most precise pointer.
            _check_with_sdk_block(problems, block, block_pointer)


def _check_block(problems: _Problems, block: Any, pointer: str, seen_ids: set[str]) -> None:
    if not isinstance(block, dict):
        problems.add(pointer, "must be an object")
        return
    kind = block.get("type")
    if kind not in KNOWN_BLOCK_TYPES:
        problems.add(f"{pointer}/type", f"unsupported block type: {kind!r}")
        return
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not block_id:
            problems.add(f"{pointer}/block_id", "must be a non-empty string")
        elif len(block_id) > _BLOCK_ID_MAX:
            problems.too_long(block_id, f"{pointer}/block_id", _BLOCK_ID_MAX)
        elif block_id in seen_ids:
            problems.add(f"{pointer}/block_id", f"duplicate block_id: {block_id!r}")
        else:
            seen_ids.add(block_id)
    action_ids: set[str] = set()
    if kind == "section":
        _check_section(problems, block, pointer, action_ids)
    elif kind == "header":
        problems.text(block.get("text"), f"{pointer}/text", limit=_HEADER_TEXT_MAX, plain_only=True)
    elif kind == "context":
        _check_context(problems, block, pointer)
    elif kind == "actions":
        elements = block.get("elements")
        if _check_list(problems, elements, f"{pointer}/elements", _ACTIONS_ELEMENTS_MAX):
            for i, element in enumerate(elements):
                _check_element(problems, element, f"{pointer}/elements/{i}", action_ids)
    elif kind == "input":
        problems.text(block.get("label"), f"{pointer}/label", limit=_INPUT_LABEL_MAX, plain_only=True)
        problems.text(
            block.get("hint"),
            f"{pointer}/hint",
            limit=_INPUT_HINT_MAX,
            plain_only=True,
            required=False,
        )
        if block.get("element") is None:
            problems.add(f"{pointer}/element", "must provide an object")
        else:
            _check_element(problems, block["element"], f"{pointer}/element", action_ids)


def _check_list(problems: _Problems, items: Any, pointer: str, limit: int) -> bool:
    """True when `items` is a non-empty list within `limit` (so it can be walked)."""
    if not isinstance(items, list) or not items:
        problems.add(pointer, "must provide a non-empty array")
        return False
    if len(items) > limit:
        problems.add(pointer, f"no more than {limit} items allowed")
    return True


def _check_section(problems: _Problems, block: dict, pointer: str, action_ids: set[str]) -> None:
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        problems.add(pointer, "must provide either text or fields")
    problems.text(text, f"{pointer}/text", limit=_SECTION_TEXT_MAX, required=False)
    if fields is not None and _check_list(problems, fields, f"{pointer}/fields", _SECTION_FIELDS_MAX):
        for i, field in enumerate(fields):
            problems.text(field, f"{pointer}/fields/{i}", limit=_SECTION_FIELD_TEXT_MAX)
    if block.get("accessory") is not None:
        _check_element(problems, block["accessory"], f"{pointer}/accessory", action_ids)


def _check_context(problems: _Problems, block: dict, pointer: str) -> None:
    elements = block.get("elements")
    if not _check_list(problems, elements, f"{pointer}/elements", _CONTEXT_ELEMENTS_MAX):
        return
    for i, element in enumerate(elements):
        element_pointer = f"{pointer}/elements/{i}"
        if isinstance(element, dict) and element.get("type") == "image":
            continue
        problems.text(element, element_pointer)


def _check_element(problems: _Problems, element: Any, pointer: str, action_ids: set[str]) -> None:
    if not isinstance(element, dict):
        problems.add(pointer, "must be an object")
        return
    action_id = element.get("action_id")
    if action_id is not None:
        if not isinstance(action_id, str) or not action_id:
            problems.add(f"{pointer}/action_id", "must be a non-empty string")
        elif len(action_id) > _ACTION_ID_MAX:
            problems.too_long(action_id, f"{pointer}/action_id", _ACTION_ID_MAX)
        elif action_id in action_ids:
            # Slack routes interactions by (block_id, action_id): a repeat is ambiguous.
            problems.add(f"{pointer}/action_id", f"duplicate action_id: {action_id!r}")
        else:
            action_ids.add(action_id)
    if "placeholder" in element:
        problems.text(
            element["placeholder"],
            f"{pointer}/placeholder",
            limit=_PLACEHOLDER_MAX,
            plain_only=True,
        )
    kind = element.get("type")
    if kind == "button":
        problems.text(element.get("text"), f"{pointer}/text", limit=_BUTTON_TEXT_MAX, plain_only=True)
        problems.too_long(element.get("value"), f"{pointer}/value", _BUTTON_VALUE_MAX)
        problems.too_long(element.get("url"), f"{pointer}/url", _URL_MAX)
    elif kind in _OPTION_MENUS:
        _check_option_menu(problems, element, pointer, kind)
    elif kind == "plain_text_input":
        _check_text_input(problems, element, pointer)


def _check_option_menu(problems: _Problems, element: dict, pointer: str, kind: str) -> None:
    limit, mrkdwn_allowed = _OPTION_MENUS[kind]
    options, groups = element.get("options"), element.get("option_groups")
    if groups is not None and kind in ("static_select", "multi_static_select"):
        if options is not None:
            problems.add(pointer, "must provide either options or option_groups, not both")
        if _check_list(problems, groups, f"{pointer}/option_groups", limit):
            for g, group in enumerate(groups):
                group_pointer = f"{pointer}/option_groups/{g}"
                if not isinstance(group, dict):
                    problems.add(group_pointer, "must be an object")
                    continue
                problems.text(
                    group.get("label"),
                    f"{group_pointer}/label",
                    limit=_OPTION_TEXT_MAX,
                    plain_only=True,
                )
                _check_options(problems, group.get("options"), f"{group_pointer}/options", limit)
        return
    _check_options(problems, options, f"{pointer}/options", limit, mrkdwn_allowed=mrkdwn_allowed)


def _check_options(
    problems: _Problems, options: Any, pointer: str, limit: int, *, mrkdwn_allowed: bool = False
) -> None:
    if not _check_list(problems, options, pointer, limit):
        return
    for i, option in enumerate(options):
        option_pointer = f"{pointer}/{i}"
        if not isinstance(option, dict):
            problems.add(option_pointer, "must be an object")
            continue
        problems.text(
            option.get("text"),
            f"{option_pointer}/text",
            limit=_OPTION_TEXT_MAX,
            plain_only=not mrkdwn_allowed,
        )
        value = option.get("value")
        if not isinstance(value, str) or not value:
            problems.add(f"{option_pointer}/value", "must be more than 0 characters")
        else:
            problems.too_long(value, f"{option_pointer}/value", _OPTION_VALUE_MAX)
        problems.text(
            option.get("description"),
            f"{option_pointer}/description",
            limit=_OPTION_TEXT_MAX,
            plain_only=True,
            required=False,
        )


def _check_text_input(problems: _Problems, element: dict, pointer: str) -> None:
    lengths: dict[str, int] = {}
    for key, lowest in (("min_length", 0), ("max_length", 1)):
        value = element.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            problems.add(f"{pointer}/{key}", "must be an integer")
        elif value < lowest:
            problems.add(f"{pointer}/{key}", f"must be at least {lowest}")
        elif value > _TEXT_INPUT_LENGTH_MAX:
            problems.add(f"{pointer}/{key}", f"must be no larger than {_TEXT_INPUT_LENGTH_MAX}")
        else:
            lengths[key] = value
    low, high = lengths.get("min_length"), lengths.get("max_length")
    if low is not None and high is not None and low > high:
        problems.add(f"{pointer}/min_length", "must not be greater than max_length")


def _check_with_sdk_block(problems: _Problems, block: dict, pointer: str) -> None:
    # The copy keeps slack_sdk's constructors from touching the caller's payload.
    try:
        parsed = Block.parse(copy.deepcopy(block))
        if parsed is None:
            problems.add(f"{pointer}/type", f"unsupported block type: {block.get('type')!r}")
            return
        parsed.to_dict()  # to_dict() runs every nested validator; validate_json() alone does not
    except SlackObjectFormationError as exc:
        problems.add(pointer, str(exc))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        problems.add(pointer, f"malformed block ({type(exc).__name__})")


def _check_with_sdk_view(problems: _Problems, view: dict) -> None:
    try:
        View(**copy.deepcopy(view)).validate_json()
    except SlackObjectFormationError as exc:
        problems.add("/view", str(exc))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        problems.add("/view", f"malformed view ({type(exc).__name__})")
