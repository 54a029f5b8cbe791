"""Block Kit for convenings: the invitation and its RSVP buttons, the seating preview with its
*Move a member* form, the plan for the coordinators, each member's table DM, the harvest and
its form, the follow-up, the cancellation notice, the App Home section and the digest's."""

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.convenings import harvest as harvest_service
from bot.convenings.harvest import ConveningReport
from bot.convenings.roleplay import brief, focus_names
from bot.convenings.seats import MySeat, StoredTable
from bot.convenings.service import Overview, is_open_for_rsvp
from bot.core.texts import Texts
from bot.members.service import language_of
from bot.slack import blocks
from bot.slack.directory import first_name
from bot.slack.mrkdwn import escape, is_number, quote, truncate
from storage.models import (
    Consent,
    Convening,
    ConveningHarvest,
    ConveningStatus,
    Member,
    Rsvp,
    SeatingStatus,
    Tried,
)

Blocks = list[dict[str, Any]]

# Action and view ids: the contract between these renderers and `handlers/`.
GOING = "convening_going"
NOT_GOING = "convening_not_going"
MOVE = "convening_move"
SEND = "convening_send"
MOVE_MODAL = "convening_move_modal"
HARVEST = "convening_harvest"
HARVEST_MODAL = "convening_harvest_modal"
TRIED_YES = "convening_tried_yes"
TRIED_PARTLY = "convening_tried_partly"
TRIED_NOT_YET = "convening_tried_not_yet"
TRIED = {TRIED_YES: Tried.YES, TRIED_PARTLY: Tried.PARTLY, TRIED_NOT_YET: Tried.NOT_YET}
RSVP = {GOING: Rsvp.GOING, NOT_GOING: Rsvp.NOT_GOING}

PREVIEW_TABLES = 40  # an ephemeral preview holds 50 blocks; the full plan goes in the file
PLAN_FILE = "seating-plan.md"


# ---------------------------------------------------------------- words


def day_label(texts: Texts, day: date, loc: str | None = None) -> str:
    """ "Wed 10 Mar 2027", in the reader's language."""
    return texts.get(
        "calendar.date",
        loc,
        weekday=texts.list("calendar.weekdays_short", loc)[day.weekday()],
        day=day.day,
        month=texts.list("calendar.months_short", loc)[day.month - 1],
        year=day.year,
    )


def where_and_when(texts: Texts, convening: Convening, loc: str | None = None) -> str:
    when = day_label(texts, convening.day, loc)
    if convening.place:
        return texts.get("convening.when_where", loc, day=when, place=escape(convening.place))
    return when


def role_name(texts: Texts, role: str, loc: str | None) -> str:
    try:
        return texts.get(f"convening.roles.{role}", loc)
    except KeyError:
        return texts.get("convening.fallback_role", loc)


def focus_text(texts: Texts, focus: Sequence[str], names: Mapping[str, str], loc: str | None) -> str:
    if not focus:
        return texts.get("convening.open_table", loc)
    return texts.get("convening.focus_joiner", loc).join(
        focus_names(focus, names, texts, texts.language(loc))
    )


def _name(member: Member) -> str:
    return escape(first_name(member.real_name, member.name))


# ---------------------------------------------------------------- facilitators' replies


def added_text(texts: Texts, convening: Convening, outcome: str, today: date, weeks: int) -> str:
    what = texts.get(
        f"convening.added_{outcome}", name=escape(convening.name), when=where_and_when(texts, convening)
    )
    if convening.day < today:
        return f"{what} {texts.get('convening.added_past')}"
    ahead = (
        texts.get("convening.added_ahead", weeks=weeks)
        if weeks > 0
        else texts.get("convening.added_no_ahead")
    )
    return f"{what} {ahead} {texts.get('convening.added_next')}"


def overview_line(texts: Texts, item: Overview, today: date) -> str:
    convening = item.convening
    line = texts.get(
        "convening.list_line", name=escape(convening.name), when=where_and_when(texts, convening)
    )
    if convening.status == ConveningStatus.CANCELLED:
        return f"{line} · {texts.get('convening.list_cancelled')}"
    parts = [
        texts.get("convening.list_rsvps", invited=item.invited, going=item.going, not_going=item.not_going)
    ]
    if convening.seating_status == SeatingStatus.PREVIEW:
        parts.append(texts.get("convening.list_seating_preview", seated=item.seated))
    elif convening.seating_status is not None:
        parts.append(texts.get("convening.list_seating_sent", seated=item.seated))
    if convening.day < today:
        parts.append(texts.get("convening.list_harvest", answers=item.harvested))
        if item.asked_tried:
            parts.append(texts.get("convening.list_tried", tried=item.tried, answered=item.asked_tried))
    return f"{line}\n" + " · ".join(parts)


def list_blocks(
    texts: Texts, coming: list[Overview], held: list[Overview], today: date
) -> tuple[str, Blocks]:
    header = texts.get("convening.list_header")
    if not coming and not held:
        return header, [blocks.section(texts.get("convening.list_none"))]
    out: Blocks = [blocks.header(header)]
    out.append(blocks.section(f"*{texts.get('convening.list_upcoming')}*"))
    lines = [overview_line(texts, item, today) for item in coming] or [
        texts.get("convening.list_upcoming_none")
    ]
    out.extend(blocks.sections_from_lines(lines))
    if held:
        out.append(blocks.section(f"*{texts.get('convening.list_past')}*"))
        out.extend(blocks.sections_from_lines([overview_line(texts, item, today) for item in held]))
    out.append(blocks.context(texts.get("convening.list_footer")))
    return header, out[: blocks.MESSAGE_BLOCK_LIMIT]


# ---------------------------------------------------------------- invitation and RSVP


def rsvp_buttons(texts: Texts, loc: str | None, convening: Convening, answer: str | None) -> dict[str, Any]:
    value = str(convening.id)
    going = blocks.button(texts.get("convening.going_button", loc), GOING, value)
    not_going = blocks.button(texts.get("convening.not_going_button", loc), NOT_GOING, value)
    # The current answer is the highlighted one; with none yet, Going invites the click.
    if answer == Rsvp.NOT_GOING:
        not_going["style"] = "primary"
    else:
        going["style"] = "primary"
    return {"type": "actions", "block_id": f"convening_rsvp_{convening.id}", "elements": [going, not_going]}


def answer_text(texts: Texts, loc: str | None, answer: str | None) -> str:
    key = {Rsvp.GOING: "convening.rsvp_going", Rsvp.NOT_GOING: "convening.rsvp_not_going"}.get(
        answer or "", "convening.rsvp_none"
    )
    return texts.get(key, loc)


def invite_message(
    texts: Texts, member: Member, convening: Convening, answer: str | None
) -> tuple[str, Blocks]:
    loc = language_of(member)
    name = escape(convening.name)
    out: Blocks = [
        blocks.header(texts.get("convening.invite_header", loc, name=convening.name)),
        blocks.section(
            texts.get(
                "convening.invite",
                loc,
                first_name=_name(member),
                name=name,
                when=where_and_when(texts, convening, loc),
            )
        ),
    ]
    if answer is not None:
        out.append(blocks.section(answer_text(texts, loc, answer)))
    out.append(rsvp_buttons(texts, loc, convening, answer))
    out.append(blocks.context(texts.get("convening.invite_footer", loc)))
    return texts.get("convening.invite_notification", loc, name=escape(convening.name)), out


def rsvp_closed_text(texts: Texts, loc: str | None, convening: Convening | None) -> str:
    if convening is None:
        return texts.get("convening.rsvp_gone", loc)
    return texts.get("convening.rsvp_closed", loc, name=escape(convening.name))


def cancelled_message(texts: Texts, member: Member, convening: Convening) -> tuple[str, Blocks]:
    loc = language_of(member)
    text = texts.get(
        "convening.cancelled_dm", loc, name=escape(convening.name), when=where_and_when(texts, convening, loc)
    )
    return text, [blocks.section(text)]


# ---------------------------------------------------------------- seating


def _member_line(texts: Texts, seat_member: Member, role: str) -> str:
    # Not the member's own pain points: they come from answers nobody reads next to a name.
    country = escape(seat_member.country or texts.get("convening.country_unknown"))
    return texts.get(
        "convening.preview_member",
        user_id=seat_member.user_id,
        country=country,
        role=role_name(texts, role, None),
    )


def table_lines(texts: Texts, table: StoredTable, names: Mapping[str, str]) -> str:
    heading = texts.get(
        "convening.preview_table",
        number=table.number,
        focus=escape(focus_text(texts, table.focus, names, None)),
        size=len(table.seats),
    )
    members = [_member_line(texts, s.member, s.role) for s in table.seats]
    return truncate("\n".join([heading, *members]), blocks.SECTION_LIMIT - 100)


def plan_summary(texts: Texts, convening: Convening, tables: Sequence[StoredTable]) -> str:
    people = sum(len(t.seats) for t in tables)
    named = sum(1 for t in tables for s in t.seats if s.pains)
    shared = sum(1 for t in tables for s in t.seats if t.focus and set(s.pains) & set(t.focus))
    return texts.get(
        "convening.plan_summary_slack",
        name=escape(convening.name),
        when=where_and_when(texts, convening),
        people=people,
        tables=len(tables),
        size=convening.table_size or 0,
        shared=shared,
        named=named,
    )


def seating_preview(
    texts: Texts, convening: Convening, tables: Sequence[StoredTable], names: Mapping[str, str]
) -> tuple[str, Blocks]:
    # Headers are plain text; the notification text is read as mrkdwn, so it is escaped.
    header = texts.get("convening.preview_header", name=convening.name)
    out: Blocks = [blocks.header(header), blocks.section(plan_summary(texts, convening, tables))]
    out += [blocks.section(table_lines(texts, t, names)) for t in tables[:PREVIEW_TABLES]]
    if len(tables) > PREVIEW_TABLES:
        out.append(blocks.context(texts.get("convening.preview_more", count=len(tables) - PREVIEW_TABLES)))
    value = str(convening.id)
    actions = [blocks.button(texts.get("convening.send_button"), SEND, value, style="primary")]
    if len(tables) >= 2:
        actions.insert(0, blocks.button(texts.get("convening.move_button"), MOVE, value))
    out.append({"type": "actions", "elements": actions})
    out.append(blocks.context(texts.get("convening.preview_footer")))
    return texts.get("convening.preview_header", name=escape(convening.name)), out


def plan_messages(
    texts: Texts, convening: Convening, tables: Sequence[StoredTable], names: Mapping[str, str]
) -> list[tuple[str, Blocks]]:
    """The plan for the coordinators' channel: a first message and threaded continuations,
    each within Slack's 50 blocks."""
    header = texts.get("convening.plan_header", name=convening.name)
    notification = texts.get("convening.plan_header", name=escape(convening.name))
    first: Blocks = [blocks.header(header), blocks.section(plan_summary(texts, convening, tables))]
    sections = [blocks.section(table_lines(texts, t, names)) for t in tables]
    room = blocks.MESSAGE_BLOCK_LIMIT - len(first) - 1
    messages = [
        (notification, [*first, *sections[:room], blocks.context(texts.get("convening.plan_footer"))])
    ]
    rest = sections[room:]
    step = blocks.MESSAGE_BLOCK_LIMIT - 1
    for start in range(0, len(rest), step):
        continued = texts.get("convening.plan_continued", name=escape(convening.name))
        messages.append((continued, [blocks.context(continued), *rest[start : start + step]]))
    return messages


def seat_message(
    texts: Texts, member: Member, convening: Convening, mine: MySeat, names: Mapping[str, str]
) -> tuple[str, Blocks]:
    loc = language_of(member)
    language = texts.language(loc)
    others = [f"<@{s.member.user_id}>" for s in mine.table.seats if s.member.id != member.id]
    out: Blocks = [
        blocks.header(texts.get("convening.seat_header", loc, name=convening.name)),
        blocks.section(
            texts.get(
                "convening.seat",
                loc,
                first_name=_name(member),
                name=escape(convening.name),
                when=where_and_when(texts, convening, loc),
                number=mine.table.number,
                focus=escape(focus_text(texts, mine.table.focus, names, loc)),
            )
        ),
        blocks.section(texts.get("convening.seat_role", loc, role=role_name(texts, mine.seat.role, loc))),
        blocks.section(
            f"*{texts.get('convening.seat_brief_header', loc)}*\n"
            + escape(brief(mine.table.focus, names, texts, language))
        ),
    ]
    if others:
        out.append(blocks.context(texts.get("convening.seat_tablemates", loc, people=", ".join(others))))
    return texts.get(
        "convening.seat_notification", loc, number=mine.table.number, name=escape(convening.name)
    ), out


def move_modal(
    texts: Texts, convening: Convening, tables: Sequence[StoredTable], names: Mapping[str, str]
) -> dict[str, Any]:
    options = [
        {
            "text": {
                "type": "plain_text",
                "text": truncate(
                    texts.get(
                        "convening.move_table_option",
                        number=t.number,
                        focus=focus_text(texts, t.focus, names, None),
                        size=len(t.seats),
                    ),
                    75,
                ),
            },
            "value": str(t.number),
        }
        for t in tables[:100]  # Slack's limit for a static select
    ]

    def pick(block_id: str, label: str, element: dict[str, Any], optional: bool) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block_id,
            "optional": optional,
            "label": {"type": "plain_text", "text": texts.get(label)},
            "element": element,
        }

    return {
        "type": "modal",
        "callback_id": MOVE_MODAL,
        "title": {"type": "plain_text", "text": texts.get("convening.move_title")[:24]},
        "submit": {"type": "plain_text", "text": texts.get("convening.move_submit")[:24]},
        "private_metadata": json.dumps({"convening": convening.id}),
        "blocks": [
            pick("member", "convening.move_member", {"type": "users_select", "action_id": "value"}, False),
            pick(
                "table",
                "convening.move_to_table",
                {"type": "static_select", "action_id": "value", "options": options},
                True,
            ),
            pick("swap", "convening.move_swap_with", {"type": "users_select", "action_id": "value"}, True),
            blocks.context(texts.get("convening.move_hint")),
        ],
    }


def read_move_state(values: Any) -> tuple[str | None, int | None, str | None]:
    """(member's user id, table number, user id to swap with) from the move form."""

    def element(block_id: str) -> dict[str, Any]:
        block = values.get(block_id) if isinstance(values, dict) else None
        value = block.get("value") if isinstance(block, dict) else None
        return value if isinstance(value, dict) else {}

    member = element("member").get("selected_user")
    swap = element("swap").get("selected_user")
    option = element("table").get("selected_option")
    number = option.get("value") if isinstance(option, dict) else None
    return (
        member if isinstance(member, str) else None,
        int(number) if isinstance(number, str) and is_number(number) and len(number) < 6 else None,
        swap if isinstance(swap, str) else None,
    )


def moved_view(texts: Texts, notice: str, preview: Blocks) -> dict[str, Any]:
    kept = [b for b in preview if b.get("type") != "actions"]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": texts.get("convening.move_title")[:24]},
        "blocks": [blocks.section(notice), *kept][:100],
    }


# ---------------------------------------------------------------- harvest and follow-up


def harvest_message(texts: Texts, member: Member, convening: Convening, answered: bool) -> tuple[str, Blocks]:
    loc = language_of(member)
    if answered:
        text = texts.get("convening.harvest_thanks", loc, name=escape(convening.name))
        label = texts.get("convening.harvest_edit_button", loc)
    else:
        text = texts.get("convening.harvest", loc, first_name=_name(member), name=escape(convening.name))
        label = texts.get("convening.harvest_button", loc)
    out: Blocks = [
        blocks.section(text),
        {"type": "actions", "elements": [blocks.button(label, HARVEST, str(convening.id), style="primary")]},
    ]
    if not answered:
        out.append(blocks.context(texts.get("convening.harvest_privacy", loc)))
    return texts.get("convening.harvest_notification", loc, name=escape(convening.name)), out


def harvest_modal(
    texts: Texts,
    member: Member,
    convening: Convening,
    answer: ConveningHarvest | None,
    contacts: Sequence[str],
) -> dict[str, Any]:
    loc = language_of(member)
    text_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": harvest_service.MAX_TRY_CHARS,
        "placeholder": {
            "type": "plain_text",
            "text": texts.get("convening.harvest_try_placeholder", loc)[:150],
        },
    }
    if answer is not None and answer.try_text:
        text_input["initial_value"] = answer.try_text
    people: dict[str, Any] = {"type": "multi_users_select", "action_id": "value"}
    if contacts:
        people["initial_users"] = list(contacts)
    consent_option = {
        "text": {"type": "plain_text", "text": texts.get("convening.harvest_consent_option", loc)[:75]},
        "value": "yes",
    }
    consent: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": [consent_option]}
    # A new answer starts from the member's own default, as the check-in form does.
    ticked = (
        harvest_service.quotable(answer.consent)
        if answer is not None
        else member.consent_default == Consent.QUOTE_ANONYMOUSLY
    )
    if ticked:
        consent["initial_options"] = [consent_option]

    def field(block_id: str, label: str, element: dict[str, Any], hint: str | None = None) -> dict[str, Any]:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": block_id,
            "optional": True,
            "label": {"type": "plain_text", "text": texts.get(label, loc)[:2000]},
            "element": element,
        }
        if hint:
            block["hint"] = {"type": "plain_text", "text": texts.get(hint, loc)[:2000]}
        return block

    return {
        "type": "modal",
        "callback_id": HARVEST_MODAL,
        "title": {"type": "plain_text", "text": texts.get("convening.harvest_title", loc)[:24]},
        "submit": {"type": "plain_text", "text": texts.get("modal.submit", loc)[:24]},
        "close": {"type": "plain_text", "text": texts.get("modal.close", loc)[:24]},
        "private_metadata": json.dumps({"convening": convening.id}),
        "blocks": [
            blocks.section(texts.get("convening.harvest_intro", loc, name=escape(convening.name))),
            field("try", "convening.harvest_try_label", text_input, "convening.harvest_try_hint"),
            field("people", "convening.harvest_people_label", people, "convening.harvest_people_hint"),
            field("consent", "modal.consent_label", consent),
        ],
    }


def read_harvest_state(values: Any) -> dict[str, Any]:
    def element(block_id: str) -> dict[str, Any]:
        block = values.get(block_id) if isinstance(values, dict) else None
        value = block.get("value") if isinstance(block, dict) else None
        return value if isinstance(value, dict) else {}

    text = element("try").get("value")
    users = element("people").get("selected_users")
    options = element("consent").get("selected_options")
    return {
        "text": text if isinstance(text, str) else None,
        "people": [u for u in users if isinstance(u, str)] if isinstance(users, list) else [],
        "consent": isinstance(options, list)
        and any(isinstance(o, dict) and o.get("value") == "yes" for o in options),
    }


def follow_up_message(
    texts: Texts, member: Member, convening: Convening, tried_text: str
) -> tuple[str, Blocks]:
    loc = language_of(member)
    value = str(convening.id)
    out: Blocks = [
        blocks.section(
            texts.get("convening.follow_up", loc, first_name=_name(member), name=escape(convening.name))
        ),
        blocks.section(quote(tried_text, 1500)),
        {
            "type": "actions",
            "elements": [
                blocks.button(
                    texts.get("convening.tried_yes_button", loc), TRIED_YES, value, style="primary"
                ),
                blocks.button(texts.get("convening.tried_partly_button", loc), TRIED_PARTLY, value),
                blocks.button(texts.get("convening.tried_not_yet_button", loc), TRIED_NOT_YET, value),
            ],
        },
    ]
    return texts.get("convening.follow_up_notification", loc, name=escape(convening.name)), out


def tried_message(texts: Texts, member: Member, tried: str) -> tuple[str, Blocks]:
    """The follow-up after its answer: buttons gone, one line of thanks."""
    text = texts.get(f"convening.tried_thanks_{tried}", language_of(member))
    return text, [blocks.section(text)]


# ---------------------------------------------------------------- App Home


def home_blocks(
    texts: Texts, loc: str | None, items: Sequence[tuple[Convening, str | None]], today: date
) -> Blocks:
    out: Blocks = [{"type": "divider"}, blocks.header(texts.get("convening.home_header", loc))]
    if not items:
        out.append(blocks.section(texts.get("convening.home_none", loc)))
        return out
    for convening, answer in items[:10]:
        out.append(
            blocks.section(
                texts.get(
                    "convening.home_line",
                    loc,
                    name=escape(convening.name),
                    when=where_and_when(texts, convening, loc),
                    answer=answer_text(texts, loc, answer),
                )
            )
        )
        if is_open_for_rsvp(convening, today):
            out.append(rsvp_buttons(texts, loc, convening, answer))
    out.append(blocks.context(texts.get("convening.home_hint", loc)))
    return out


# ---------------------------------------------------------------- the digest


def digest_section(texts: Texts, reports: Sequence[ConveningReport], names: Mapping[str, str]) -> Blocks:
    out: Blocks = []
    for report in reports:
        when = day_label(texts, report.day)
        if report.place:
            when = texts.get("convening.when_where", day=when, place=escape(report.place))
        lines = [
            texts.get(
                "convening.digest_attendance",
                going=report.going,
                not_going=report.not_going,
                seated=report.seated,
                harvested=report.harvested,
                tries=report.tries,
                contacts=report.contacts,
            )
        ]
        for table in report.tables:
            lines.append(
                texts.get(
                    "convening.digest_table",
                    number=table.number,
                    focus=escape(focus_text(texts, table.focus, names, None)),
                    size=table.size,
                )
            )
        out.append(
            blocks.section(f"*{texts.get('convening.digest_header', name=escape(report.name), when=when)}*")
        )
        out.extend(blocks.sections_from_lines(lines))
        if report.quotes:
            out.append(blocks.section(f"*{texts.get('convening.digest_tries_header')}*"))
            out.extend(blocks.section(quote(q, 700)) for q in report.quotes)
    return out
