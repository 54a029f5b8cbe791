"""The Block Kit members see of themselves: the App Home tab (status, recent check-ins,
matches, settings), `/convene me`, the join reply, the profile modal, the forget-me
confirmation, the facilitators' roster of members, and what a member reads about their own
words (the consent levels and the workspace's rules, from the one source `bot.core.promises`,
their default, and every export that included their answers). Rendering only: the data comes
from `bot.members.service` and `bot.members.history`."""

from typing import Any

from bot.core import schedule
from bot.core.promises import Promises
from bot.core.texts import Texts
from bot.members import settings as member_settings
from bot.members.history import PastExport, PastMatch, TaggedAnswer
from bot.members.service import Answer, Footprint, Member, MemberStatus, language_of
from bot.slack import blocks
from bot.slack.mrkdwn import escape, truncate
from storage.models import Consent, ExportVia

Blocks = list[dict[str, Any]]

# Action ids of the App Home controls: the contract between this view and its listeners.
JOIN = "home_join"
PAUSE_UNTIL = "home_pause_until"
RESUME = "home_resume"
FREQUENCY = "home_frequency"
MATCHING = "home_matching"
LANGUAGE = "home_language"
PROFILE_OPEN = "profile_open"
PROFILE_MODAL = "profile_modal"
FORGET_CONFIRM = "forget_me_confirm"
CONSENT_DEFAULT = "home_consent_default"


# ---------------------------------------------------------------------------- App Home


def home_view(
    texts: Texts,
    loc: str | None,
    member: Member | None,
    answers: list[TaggedAnswer],
    matches: list[PastMatch],
    promises: Promises,
    exports: list[PastExport],
    notice: str | None = None,
    convening: Blocks | None = None,
    extra: Blocks | None = None,
) -> dict[str, Any]:
    """The member's Home; `notice` is the outcome of what they just did, `convening` the
    convening coming up (if any), `extra` what a facilitator sees below (the community's
    figures and the tags to check)."""
    out: Blocks = [
        blocks.header(texts.get("home.header", loc)),
        blocks.section(texts.get("home.intro", loc, community=texts.get("common.community", loc))),
    ]
    if notice:
        out.append(blocks.section(notice))
    if member is None:
        out.append(_with_button(texts.get("home.not_member", loc), texts.get("home.join_button", loc), JOIN))
        out += [{"type": "divider"}, blocks.section(promises.overview())]
    else:
        status = member_settings.status_label(texts, member, loc)
        out.append(blocks.section(texts.get("home.status", loc, status=status, tz=member.tz)))
        if member.status != MemberStatus.LEFT:
            out += convening or []
        out += _recent(texts, loc, answers, promises)
        out += _matches(texts, loc, matches)
        out += privacy_blocks(texts, loc, promises, member.consent_default, exports)
        out += settings_blocks(texts, loc, member)
    out += extra or []
    return {"type": "home", "blocks": out}


def _recent(texts: Texts, loc: str | None, answers: list[TaggedAnswer], promises: Promises) -> Blocks:
    out: Blocks = [{"type": "divider"}, blocks.header(texts.get("home.recent_header", loc))]
    if not answers:
        out.append(blocks.section(texts.get("home.recent_none", loc)))
    for tagged in answers:
        answer = tagged.answer
        if answer.text_deleted_at is not None:
            excerpt = texts.get("privacy.text_deleted", loc)
        else:
            excerpt = truncate(escape(answer.text.replace("\n", " ")), 280)
        line = texts.get("home.recent_line", loc, date=answer.created_at.date(), excerpt=excerpt)
        tags = (
            texts.get("home.recent_tags", loc, pains=escape(", ".join(tagged.pains)))
            if tagged.pains
            else texts.get("home.recent_untagged", loc)
        )
        consent = texts.get("home.recent_consent", loc, level=promises.label(answer.consent))
        out.append(blocks.section(line))
        out.append(blocks.context(f"{tags} · {consent}"))
    return out


def _matches(texts: Texts, loc: str | None, matches: list[PastMatch]) -> Blocks:
    out: Blocks = [{"type": "divider"}, blocks.header(texts.get("home.matches_header", loc))]
    if not matches:
        out.append(blocks.section(texts.get("home.matches_none", loc)))
    for match in matches:
        pains = ", ".join(match.pains) or texts.get("match.no_shared", loc)
        out.append(
            blocks.section(
                texts.get(
                    "home.match_line",
                    loc,
                    week=match.week,
                    partners=escape(", ".join(match.partners)),
                    pains=escape(pains),
                    followup=_followup(texts, loc, match),
                )
            )
        )
    return out


def _followup(texts: Texts, loc: str | None, match: PastMatch) -> str:
    said = []
    if match.met is not None:
        said.append(texts.get("home.followup_met" if match.met else "home.followup_not_met", loc))
    if match.helped is not None:
        said.append(texts.get("home.followup_helped" if match.helped else "home.followup_not_helped", loc))
    if not said:
        return texts.get("home.followup_pending", loc)
    return texts.get("home.followup", loc, answers=", ".join(said))


def settings_blocks(texts: Texts, loc: str | None, member: Member) -> Blocks:
    t = texts.get
    out: Blocks = [{"type": "divider"}, blocks.header(t("home.settings_header", loc))]
    if member.status == MemberStatus.LEFT:
        out.append(_with_button(t("home.left", loc), t("home.join_button", loc), JOIN))
    elif member.status == MemberStatus.PAUSED:
        until = member.paused_until.isoformat() if member.paused_until else ""
        out.append(
            _with_button(t("home.paused_line", loc, until=until), t("home.resume_button", loc), RESUME)
        )
    else:
        datepicker = {
            "type": "datepicker",
            "action_id": PAUSE_UNTIL,
            "placeholder": {"type": "plain_text", "text": t("home.pause_placeholder", loc)[:150]},
        }
        out.append({**blocks.section(t("home.pause_label", loc)), "accessory": datepicker})
    frequencies = [
        (member_settings.frequency_label(texts, weeks, loc), str(weeks))
        for weeks in member_settings.FREQUENCIES
    ]
    out.append(
        _with_select(t("home.frequency_label", loc), FREQUENCY, frequencies, str(member.checkin_every_weeks))
    )
    on = member.matching_enabled
    out.append(
        _with_button(
            t("home.matching_on" if on else "home.matching_off", loc),
            t("home.turn_off" if on else "home.turn_on", loc),
            MATCHING,
            "off" if on else "on",
        )
    )
    languages = [(t("home.language_auto", loc), member_settings.AUTOMATIC)] + [
        (member_settings.language_label(texts, lang, loc), lang) for lang in texts.languages()
    ]
    chosen = member.language if member.language in texts.languages() else member_settings.AUTOMATIC
    out.append(_with_select(t("home.language_label", loc), LANGUAGE, languages, chosen))
    out.append(blocks.context(t("home.settings_hint", loc)))
    return out


def _with_button(text: str, label: str, action_id: str, value: str = "1") -> dict[str, Any]:
    return {**blocks.section(text), "accessory": blocks.button(label, action_id, value)}


def _with_select(text: str, action_id: str, options: list[tuple[str, str]], selected: str) -> dict[str, Any]:
    choices = [
        {"text": {"type": "plain_text", "text": label[:75]}, "value": value} for label, value in options
    ]
    select_: dict[str, Any] = {"type": "static_select", "action_id": action_id, "options": choices}
    initial = [c for c in choices if c["value"] == selected]
    if initial:
        select_["initial_option"] = initial[0]
    return {**blocks.section(text), "accessory": select_}


# ---------------------------------------------------------------------------- commands


def help_blocks(
    texts: Texts, loc: str | None, community: str, promises: Promises, facilitator: bool
) -> tuple[str, Blocks]:
    title = texts.get("commands.help_header", loc, community=community)
    out = [
        blocks.header(title),
        blocks.section(texts.get("commands.help_members", loc)),
        blocks.section(promises.overview()),
    ]
    if facilitator:
        out.append(blocks.section(texts.get("commands.help_facilitators", loc)))
    return title, out


def join_reply(
    texts: Texts, loc: str, outcome: str, first_name: str, checkin_cron: str, tz: str
) -> tuple[str, Blocks]:
    """Welcome (back), or already in; with the button that opens the profile form."""
    key = {"joined": "join.welcome", "rejoined": "join.welcome_back", "already": "join.already"}
    text = texts.get(
        key[outcome],
        loc,
        first_name=escape(first_name),
        schedule=schedule.describe(checkin_cron, texts, loc),
        tz=tz,
    )
    label = texts.get("join.profile_button", loc)
    return text, [
        blocks.section(text),
        {"type": "actions", "elements": [blocks.button(label, PROFILE_OPEN, "join")]},
    ]


def me_blocks(
    texts: Texts,
    member: Member,
    stored: Footprint,
    latest: list[Answer],
    promises: Promises,
    exports: list[PastExport],
) -> tuple[str, Blocks]:
    """Every field of the member's row and a count of every other kind of row about them,
    what the member was promised about their words, and every export that included them."""
    loc = language_of(member)
    t = texts.get
    unset = t("me.unknown_value", loc)

    def on_off(value: bool) -> str:
        return t("me.on" if value else "me.off", loc)

    def yes_no(value: bool) -> str:
        return t("me.yes" if value else "me.no", loc)

    language = (
        member_settings.language_label(texts, member.language, loc)
        if member.language
        else t("me.language_auto", loc)
    )
    out = [
        blocks.header(t("me.header", loc)),
        blocks.section(
            t(
                "me.profile",
                loc,
                real_name=escape(member.real_name or member.name),
                name=escape(member.name),
                country=escape(member.country or unset),
                agency=escape(member.agency or unset),
                tz=member.tz,
                slack_locale=member.locale,
                status=member_settings.status_label(texts, member, loc),
                joined=member.joined_at.date().isoformat(),
                updated=member.updated_at.date().isoformat(),
            )
        ),
        blocks.section(
            t(
                "me.settings",
                loc,
                language=language,
                frequency=member_settings.frequency_label(texts, member.checkin_every_weeks, loc),
                matching=on_off(member.matching_enabled),
                consent=promises.label(member.consent_default),
                lead=yes_no(member.can_lead),
            )
        ),
        blocks.section(
            "\n".join(
                [
                    t("me.checkins", loc, count=stored.checkins, answered=stored.checkins_answered),
                    t(
                        "me.matches",
                        loc,
                        count=stored.matches,
                        answered=stored.followups_answered,
                        ignored=member.intros_ignored,
                    ),
                    t("me.avoid", loc, count=stored.avoided),
                    t(
                        "me.convenings",
                        loc,
                        answers=stored.convening_answers,
                        harvests=stored.harvests,
                        named=stored.keep_talking,
                    ),
                ]
            )
        ),
    ]
    if not latest:
        out.append(blocks.section(t("me.answers_none", loc)))
    else:
        answer = latest[0]
        out.append(blocks.section(t("me.answers", loc, count=stored.answers, date=answer.created_at.date())))
        if answer.text_deleted_at is not None:
            out.append(blocks.section(t("privacy.text_deleted", loc)))
        else:
            out.append(blocks.section(truncate(escape(answer.text), 2900)))
        out.append(blocks.context(t("home.recent_consent", loc, level=promises.label(answer.consent))))
    out.append(blocks.section(promises.overview()))
    out += blocks.sections_from_lines(export_lines(texts, loc, exports))
    return t("me.header", loc), out


def forget_confirmation(texts: Texts, loc: str) -> tuple[str, Blocks]:
    """What forget-me deletes, and the one button that does it (with Slack's own confirm)."""
    t = texts.get
    button = blocks.button(t("forget.button", loc), FORGET_CONFIRM, "yes", style="danger")
    button["confirm"] = {
        "title": {"type": "plain_text", "text": t("forget.confirm_title", loc)[:100]},
        "text": {"type": "plain_text", "text": t("forget.confirm_text", loc)[:300]},
        "confirm": {"type": "plain_text", "text": t("forget.confirm_yes", loc)[:30]},
        "deny": {"type": "plain_text", "text": t("forget.confirm_no", loc)[:30]},
        "style": "danger",
    }
    text = t("forget.explain", loc)
    return text, [blocks.section(text), {"type": "actions", "elements": [button]}]


MEMBER_ICONS = {MemberStatus.ACTIVE: ":large_green_circle:", MemberStatus.PAUSED: ":pause_button:"}


def roster_blocks(texts: Texts, counts: dict[str, int], rows: list[Member]) -> tuple[str, Blocks]:
    """The facilitators' list of members (the first `len(rows)` of them) with the counts."""
    t = texts.get
    header = t(
        "members.header",
        active=counts[MemberStatus.ACTIVE],
        paused=counts[MemberStatus.PAUSED],
        left=counts[MemberStatus.LEFT],
    )
    lines = [
        t(
            "members.line",
            status_icon=MEMBER_ICONS.get(m.status, ":white_circle:"),
            user_id=m.user_id,
            country=escape(m.country or "?"),
            tz=m.tz,
        )
        for m in rows
    ]
    total = sum(counts.values())
    if total > len(rows):
        lines.append(t("members.more", count=total - len(rows)))
    return header, [blocks.header(header), *blocks.sections_from_lines(lines)]


# ---------------------------------------------------------------------------- profile form


def profile_modal(texts: Texts, loc: str, member: Member, avoided: list[str]) -> dict[str, Any]:
    """Country and agency (for cross-country matching), who not to be matched with, and
    whether they would lead a conversation."""

    def field(block_id: str, label: str, placeholder: str, value: str | None, limit: int) -> dict[str, Any]:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "max_length": limit,
            "placeholder": {"type": "plain_text", "text": texts.get(placeholder, loc)},
        }
        if value:
            element["initial_value"] = value
        return {
            "type": "input",
            "block_id": block_id,
            "label": {"type": "plain_text", "text": texts.get(label, loc)},
            "element": element,
            "optional": True,
        }

    return {
        "type": "modal",
        "callback_id": PROFILE_MODAL,
        "title": {"type": "plain_text", "text": texts.get("profile.title", loc)[:24]},
        "submit": {"type": "plain_text", "text": texts.get("profile.submit", loc)[:24]},
        "blocks": [
            field("country", "profile.country_label", "profile.country_placeholder", member.country, 120),
            field("agency", "profile.agency_label", "profile.agency_placeholder", member.agency, 255),
            avoid_field(texts, loc, avoided),
            lead_field(texts, loc, member.can_lead),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": texts.get("profile.hint", loc)}]},
        ],
    }


def profile_saved_view(texts: Texts, loc: str, member: Member) -> dict[str, Any]:
    unset = texts.get("me.unknown_value", loc)
    saved = texts.get(
        "profile.saved",
        loc,
        country=escape(member.country or unset),
        agency=escape(member.agency or unset),
    )
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": texts.get("profile.title", loc)[:24]},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": saved}}],
    }


def avoid_field(texts: Texts, locale: str, avoided: list[str]) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "multi_users_select", "action_id": "value", "max_selected_items": 20}
    if avoided:
        element["initial_users"] = avoided[:20]
    return {
        "type": "input",
        "block_id": "avoid",
        "label": {"type": "plain_text", "text": texts.get("profile.avoid_label", locale)},
        "hint": {"type": "plain_text", "text": texts.get("profile.avoid_hint", locale)},
        "element": element,
        "optional": True,
    }


def lead_field(texts: Texts, locale: str, checked: bool) -> dict[str, Any]:
    option = {
        "text": {"type": "plain_text", "text": texts.get("profile.lead_option", locale)},
        "value": "yes",
    }
    element: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": [option]}
    if checked:
        element["initial_options"] = [option]
    return {
        "type": "input",
        "block_id": "lead",
        "label": {"type": "plain_text", "text": texts.get("profile.lead_label", locale)},
        "element": element,
        "optional": True,
    }


def export_lines(texts: Texts, loc: str | None, exports: list[PastExport]) -> list[str]:
    if not exports:
        return [texts.get("privacy.exports_none", loc)]
    lines = [texts.get("privacy.exports_header", loc)]
    for export in exports:
        if export.via == ExportVia.SLACK and export.exported_by:
            who = texts.get("privacy.export_by_slack", loc, user_id=export.exported_by)
        else:
            who = texts.get("privacy.export_by_command_line", loc, operator=export.operator or "?")
        parts = [texts.get("privacy.export_answers", loc, count=export.answers)]
        if export.named:
            parts.append(texts.get("privacy.export_named", loc, count=export.named))
        if export.quoted:
            parts.append(texts.get("privacy.export_quoted", loc, count=export.quoted))
        lines.append(
            texts.get(
                "privacy.export_line",
                loc,
                date=export.at.date().isoformat(),
                who=who,
                parts=" · ".join(parts),
            )
        )
    return lines


def privacy_blocks(
    texts: Texts, loc: str | None, promises: Promises, default_level: str, exports: list[PastExport]
) -> Blocks:
    """The three levels, the rules, the member's default (a select), their exports."""
    options = [
        {"text": {"type": "plain_text", "text": promises.label(level)[:75]}, "value": level}
        for level in Consent.LEVELS
    ]
    chosen = next(o for o in options if o["value"] == Consent.parse(default_level))
    select = {
        "type": "static_select",
        "action_id": CONSENT_DEFAULT,
        "options": options,
        "initial_option": chosen,
    }
    return [
        {"type": "divider"},
        blocks.header(texts.get("privacy.header", loc)),
        blocks.section(promises.levels_and_rules()),
        {**blocks.section(texts.get("home.consent_label", loc)), "accessory": select},
        *blocks.sections_from_lines(export_lines(texts, loc, exports)),
    ]
