"""A seating plan as people read it: the JSON `convene tables` prints, and the printable (and
editable) Markdown plan that `convene tables --markdown` prints and `/convene convening tables`
attaches in the coordinators' channel."""

from collections.abc import Mapping

from bot.convenings import attendees
from bot.convenings.roleplay import Role, brief, focus_names
from bot.convenings.seating import Seating
from bot.core.texts import Texts


def as_json(
    plan: Seating,
    roles: Mapping[int, Role],
    unseated: list[attendees.Unseated],
    names: Mapping[str, str],
    texts: Texts,
    language: str,
) -> dict[str, object]:
    return {
        "tables": [
            {
                "table": table.number,
                "focus": list(table.focus),
                "brief": brief(table.focus, names, texts, language),
                "members": [
                    {
                        "name": a.name,
                        "country": a.country,
                        "pain_points": list(a.pains),
                        "role_play": roles[a.key].name,
                    }
                    for a in table.members
                ],
            }
            for table in plan.tables
        ],
        "unseated": [{"name": u.name, "reason": _reason(u, texts, language)} for u in unseated],
    }


def _reason(u: attendees.Unseated, texts: Texts, language: str) -> str:
    if u.reason == "duplicate":
        return texts.get("convening.unseated_duplicate", language, row=u.line, first=u.first)
    return texts.get("convening.unseated_no_name", language, row=u.line)


def markdown(
    plan: Seating,
    roles: Mapping[int, Role],
    unseated: list[attendees.Unseated],
    names: Mapping[str, str],
    texts: Texts,
    language: str,
    size: int,
    show_pains: bool = True,
) -> str:
    """`show_pains` False leaves out each attendee's own pain points: in Slack they come from
    members' answers, which nobody reads next to their name (a table's focus is shared)."""
    t = texts
    named = sum(1 for table in plan.tables for a in table.members if a.pains)
    lines = [
        f"# {t.get('convening.plan_title', language)}",
        "",
        t.get(
            "convening.plan_summary",
            language,
            people=sum(len(table.members) for table in plan.tables),
            tables=len(plan.tables),
            size=size,
            shared=plan.score.shared,
            named=named,
        ),
    ]
    shown = ("name", "country", "pain_points", "role") if show_pains else ("name", "country", "role")
    columns = [t.get(f"convening.column_{c}", language) for c in shown]
    for table in plan.tables:
        focus = (
            t.get("convening.focus_joiner", language).join(focus_names(table.focus, names, t, language))
            if table.focus
            else t.get("convening.open_table", language)
        )
        lines += [
            "",
            f"## {t.get('convening.table_heading', language, number=table.number, focus=_capital(focus))}",
            "",
            _escape(brief(table.focus, names, t, language)),
            "",
            "| " + " | ".join(columns) + " |",
            "|" + " --- |" * len(columns),
        ]
        for a in table.members:
            pains = ["; ".join(focus_names(a.pains, names, t, language))] if show_pains else []
            cells = [a.name, a.country, *pains, roles[a.key].name]
            lines.append("| " + " | ".join(_escape(c) for c in cells) + " |")
    if unseated:
        lines += ["", f"## {t.get('convening.unseated_header', language)}", ""]
        for u in unseated:
            who = u.name or t.get("convening.unnamed", language)
            line = t.get("convening.unseated_line", language, name=who, reason=_reason(u, t, language))
            lines.append(f"- {_escape(line)}")
    return "\n".join(lines) + "\n"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _escape(text: str) -> str:
    """Attendees' words are shown as text: no table breaks, HTML or formatting of their own."""
    out = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    for mark in ("*", "_", "`", "[", "]"):
        out = out.replace(mark, "\\" + mark)
    return out
