"""Block Kit for check-ins: the DM, its reminder, its after-states and the answer modal."""

import json
from typing import Any

from bot.core.promises import Privacy, Promises
from bot.core.texts import Texts
from bot.members.service import language_of
from bot.slack.blocks import button as _button
from bot.slack.blocks import context as _context
from bot.slack.blocks import section as _section
from bot.slack.directory import first_name
from bot.slack.mrkdwn import escape, is_number
from storage.models import Answer, Consent, Member, PainPoint

Blocks = list[dict[str, Any]]

# Action and view ids are the contract between these renderers and `handlers/`.
ANSWER = "checkin_answer"
SKIP = "checkin_skip"
PAUSE = "checkin_pause"
EDIT = "checkin_edit"
DETAILS = "checkin_details"
MODAL = "checkin_modal"
FIELDS = ("challenge", "pains", "support", "match", "consent")


def _name(member: Member) -> str:
    return escape(first_name(member.real_name, member.name))


def question(texts: Texts, loc: str, ahead_of: str | None) -> str:
    """The check-in's question; before a convening (pre-engagement), asked ahead of it."""
    if ahead_of:
        return texts.get("checkin.question_ahead", loc, convening=escape(ahead_of))
    return texts.get("checkin.question", loc)


def checkin_message(
    texts: Texts,
    member: Member,
    delivery_id: int,
    community: str,
    privacy: Privacy,
    ahead_of: str | None = None,
) -> tuple[str, Blocks]:
    loc = language_of(member)
    asked = question(texts, loc, ahead_of)
    blocks = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": texts.get("checkin.header", loc)},
        },
        _section(texts.get("checkin.greeting", loc, first_name=_name(member), community=escape(community))),
        _section(texts.get("checkin.ask", loc, question=asked)),
        _actions(texts, loc, delivery_id),
        _context(Promises(texts, loc, privacy).checkin_notice(member.consent_default)),
    ]
    return texts.get("checkin.notification", loc, question=asked), blocks


def reminder_message(texts: Texts, member: Member, delivery_id: int) -> tuple[str, Blocks]:
    loc = language_of(member)
    blocks = [
        _section(
            f"*{texts.get('checkin.reminder_header', loc)}*\n"
            + texts.get("checkin.reminder", loc, first_name=_name(member))
        ),
        _actions(texts, loc, delivery_id),
    ]
    return texts.get("checkin.reminder_notification", loc), blocks


def _actions(texts: Texts, loc: str, delivery_id: int) -> dict[str, Any]:
    value = str(delivery_id)
    return {
        "type": "actions",
        "block_id": f"checkin_actions_{delivery_id}",
        "elements": [
            _button(texts.get("checkin.answer_button", loc), ANSWER, value, style="primary"),
            _button(texts.get("checkin.skip_button", loc), SKIP, value),
            _button(texts.get("checkin.pause_button", loc), PAUSE, value),
        ],
    }


def answered_message(texts: Texts, member: Member, delivery_id: int) -> tuple[str, Blocks]:
    loc = language_of(member)
    text = texts.get("checkin.answered", loc, first_name=_name(member))
    blocks = [
        _section(text),
        {
            "type": "actions",
            "elements": [_button(texts.get("checkin.edit_button", loc), EDIT, str(delivery_id))],
        },
    ]
    return text, blocks


def status_message(text: str) -> tuple[str, Blocks]:
    """A check-in message after Skip or Pause: buttons gone, one line of what happened."""
    return text, [_section(text)]


def dm_saved_message(
    texts: Texts, member: Member, answer: Answer, long: bool, privacy: Privacy
) -> tuple[str, Blocks]:
    """The reply to a plain DM answer: saved, at which consent level, and how to change it."""
    loc = language_of(member)
    key = "checkin.dm_saved_long" if long else "checkin.dm_saved"
    level = Promises(texts, loc, privacy).label(answer.consent)
    text = texts.get(key, loc, length=f"{len(answer.text):,}", level=level)
    delivery_id, answer_id = answer.delivery_id or 0, answer.id or 0
    button = _button(texts.get("checkin.details_button", loc), DETAILS, f"{delivery_id}:{answer_id}")
    return text, [_section(text), {"type": "actions", "elements": [button]}]


def checkin_modal(
    texts: Texts,
    member: Member,
    pains: list[PainPoint],
    delivery_id: int,
    privacy: Privacy,
    answer: Answer | None = None,
    selected_pain_ids: list[int] | None = None,
    details_only: bool = False,
    ahead_of: str | None = None,
) -> dict[str, Any]:
    """The answer form. `details_only` is for a DM answer: the text is already stored (and may
    be longer than a modal input allows), so only the structured questions are asked. Who may
    read the words is chosen here, each level stated in one sentence, the workspace's rules
    under them."""
    loc = language_of(member)
    blocks: Blocks = []
    if not details_only:
        text_input: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "max_length": 3000,
            "placeholder": {
                "type": "plain_text",
                "text": texts.get("modal.challenge_placeholder", loc)[:150],
            },
        }
        if answer is not None and len(answer.text) <= 3000:
            text_input["initial_value"] = answer.text
        label = (
            texts.get("modal.challenge_label_ahead", loc, convening=ahead_of)
            if ahead_of
            else texts.get("modal.challenge_label", loc)
        )
        blocks.append(
            _input(
                "challenge",
                label,
                text_input,
                hint=texts.get("modal.challenge_hint", loc),
            )
        )
    if pains:
        blocks.append(
            _input(
                "pains",
                texts.get("modal.pains_label", loc),
                _pain_select(texts, loc, pains, selected_pain_ids or []),
                optional=True,
                hint=texts.get("modal.pains_hint", loc),
            )
        )
    blocks.append(
        _input(
            "support",
            texts.get("modal.support_label", loc),
            _support_select(texts, loc, answer),
            optional=True,
        )
    )
    if member.matching_enabled:  # with matching off in App Home, the form doesn't offer it
        blocks.append(
            _input(
                "match",
                texts.get("modal.match_label", loc),
                _checkbox(
                    texts.get("modal.match_option", loc),
                    answer is not None and bool(answer.wants_match),
                ),
                optional=True,
            )
        )
    # A new answer starts from the member's App Home default; an edit keeps what they chose.
    promises = Promises(texts, loc, privacy)
    consent = answer.consent if answer is not None else member.consent_default
    blocks.append(
        _input(
            "consent",
            texts.get("modal.consent_label", loc),
            consent_choice(promises, consent),
            hint=promises.rules(),
        )
    )
    title = texts.get("modal.details_title" if details_only else "modal.title", loc)
    metadata = {
        "delivery": delivery_id,
        "answer": answer.id if answer else None,
        "details": details_only,
        # What the form told the member: an answer becomes readable by facilitators only if
        # the form they submitted said so.
        "readable": privacy.raw_answers,
    }
    return {
        "type": "modal",
        "callback_id": MODAL,
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": texts.get("modal.submit", loc)[:24]},
        "close": {"type": "plain_text", "text": texts.get("modal.close", loc)[:24]},
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label[:2000]},
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint[:2000]}
    return block


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": value}


def _pain_select(texts: Texts, loc: str, pains: list[PainPoint], selected: list[int]) -> dict[str, Any]:
    options = [_option(p.name, str(p.id)) for p in pains[:100]]  # Slack allows 100 options
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": "value",
        "placeholder": {
            "type": "plain_text",
            "text": texts.get("modal.pains_placeholder", loc)[:150],
        },
        "options": options,
    }
    initial = [o for o in options if int(o["value"]) in selected]
    if initial:
        element["initial_options"] = initial
    return element


def _support_select(texts: Texts, loc: str, answer: Answer | None) -> dict[str, Any]:
    labels = texts.list("modal.support_options", loc)
    options = [_option(label, str(score)) for score, label in enumerate(labels, start=1)]
    element: dict[str, Any] = {"type": "radio_buttons", "action_id": "value", "options": options}
    if answer is not None and answer.support_score:
        element["initial_option"] = options[answer.support_score - 1]
    return element


def consent_choice(promises: Promises, chosen: str) -> dict[str, Any]:
    """The three levels as radio buttons: the level's name, and its one sentence under it."""
    options = [
        {**_option(promises.label(level), level), "description": _plain(promises.sentence(level))}
        for level in Consent.LEVELS
    ]
    initial = next(o for o in options if o["value"] == Consent.parse(chosen))
    return {"type": "radio_buttons", "action_id": "value", "options": options, "initial_option": initial}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:75]}


def _checkbox(label: str, checked: bool) -> dict[str, Any]:
    option = _option(label, "yes")
    element: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": [option]}
    if checked:
        element["initial_options"] = [option]
    return element


def read_modal_state(values: dict[str, Any]) -> dict[str, Any]:
    """Pull the answers out of `view.state.values`, tolerating missing or odd fields (a
    malformed payload must produce a clear error, not a crash)."""

    def element(block_id: str) -> dict[str, Any]:
        block = values.get(block_id) if isinstance(values, dict) else None
        value = block.get("value") if isinstance(block, dict) else None
        return value if isinstance(value, dict) else {}

    def selected(block_id: str) -> list[str]:
        options = element(block_id).get("selected_options")
        if not isinstance(options, list):
            return []
        return [str(o.get("value")) for o in options if isinstance(o, dict)]

    chosen = element("support").get("selected_option")
    support = chosen.get("value") if isinstance(chosen, dict) else None
    level = element("consent").get("selected_option")
    text = element("challenge").get("value")
    return {
        "text": text if isinstance(text, str) else None,
        "has_text_field": isinstance(values, dict) and "challenge" in values,
        "pain_ids": [int(v) for v in selected("pains") if is_number(v)],
        "support": int(support) if support in ("1", "2", "3", "4", "5") else None,
        "wants_match": "yes" in selected("match"),
        # Missing or forged: the most private level.
        "consent": Consent.parse(level.get("value") if isinstance(level, dict) else None),
    }
