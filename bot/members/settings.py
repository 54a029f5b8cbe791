"""A member's own settings, changed from App Home: pause until a date, check-in frequency,
peer matching, language and default consent. Plain Python over a storage session; the labels
that describe a setting come from `prompts/`."""

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from bot.core import schedule
from bot.core.texts import Texts
from bot.members import service as members
from bot.members.forget import scrub_theme_examples
from storage.models import Answer, Consent, Member, MemberStatus

FREQUENCIES = (1, 2, 4)  # weeks between check-ins: weekly, fortnightly, about monthly
AUTOMATIC = "auto"  # the language choice that follows the Slack locale


class Refused(ValueError):
    """A setting that can't be applied; `reason` names the notice the member is shown."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


def local_today(member: Member, now: datetime) -> date:
    return now.astimezone(schedule.zone(member.tz)).date()


def pause_until(session: Session, member: Member, until: date, now: datetime) -> date:
    """Pause until a date after the member's own today, at most a year ahead."""
    if member.status == MemberStatus.LEFT:
        raise Refused("not_active")
    today = local_today(member, now)
    if until <= today:
        raise Refused("past_date", date=until.isoformat())
    if until > today + timedelta(weeks=members.MAX_PAUSE_WEEKS):
        raise Refused("too_far", max=members.MAX_PAUSE_WEEKS)
    return members.set_paused_until(session, member, until, now)


def set_frequency(session: Session, member: Member, weeks: int, now: datetime) -> None:
    if weeks not in FREQUENCIES:
        raise Refused("bad_value")
    member.checkin_every_weeks = weeks
    _save(session, member, now)


def set_language(session: Session, member: Member, choice: str, texts: Texts, now: datetime) -> None:
    """`choice` is a translated language ("es") or AUTOMATIC (follow Slack's locale)."""
    if choice != AUTOMATIC and choice not in texts.languages():
        raise Refused("bad_value")
    member.language = None if choice == AUTOMATIC else choice
    _save(session, member, now)


def set_consent_default(session: Session, member: Member, level: str, now: datetime) -> int:
    """The level the check-in form starts from and a plain DM reply takes. Choosing *counts
    only* also withdraws every answer already given from any sharing (privacy first: one
    switch takes everything back) and takes their words out of proposed themes' examples;
    other choices leave earlier answers as they were given. Returns how many answers were
    withdrawn."""
    if level not in Consent.LEVELS:
        raise Refused("bad_value")
    member.consent_default = level
    withdrawn: list[Answer] = []
    if level == Consent.COUNTS_ONLY:
        withdrawn = list(
            session.exec(
                select(Answer).where(Answer.member_id == member.id, Answer.consent != Consent.COUNTS_ONLY)
            ).all()
        )
        scrub_theme_examples(session, withdrawn)
        for answer in withdrawn:
            answer.consent = Consent.COUNTS_ONLY
            session.add(answer)
    _save(session, member, now)
    return len(withdrawn)


def _save(session: Session, member: Member, now: datetime) -> None:
    member.updated_at = now
    session.add(member)
    session.commit()


# ---------------------------------------------------------------- how settings read


def status_label(texts: Texts, member: Member, locale: str | None) -> str:
    if member.status == MemberStatus.PAUSED and member.paused_until:
        return texts.get("me.status_paused_until", locale, until=member.paused_until.isoformat())
    key = {MemberStatus.PAUSED: "me.status_paused", MemberStatus.LEFT: "me.status_left"}
    return texts.get(key.get(member.status, "me.status_active"), locale)


def frequency_label(texts: Texts, weeks: int, locale: str | None) -> str:
    return texts.get(f"home.frequency_{weeks if weeks in FREQUENCIES else 1}", locale)


def language_label(texts: Texts, language: str | None, locale: str | None) -> str:
    if language is None or language not in texts.languages():
        return texts.get("home.language_auto", locale)
    return texts.get(f"home.language_{language}", locale)
