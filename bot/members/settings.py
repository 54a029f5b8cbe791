"""A member's own settings, changed from App Home: pause until a date, check-in frequency,
peer matching, language and quote consent. Plain Python over a storage session; the labels
that describe a setting come from `prompts/`."""

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.core import schedule
from bot.core.texts import Texts
from bot.members import service as members
from bot.members.forget import scrub_theme_examples
from storage.models import Answer, Member, MemberStatus

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


def set_quote_consent(session: Session, member: Member, enabled: bool, now: datetime) -> int:
    """The default of the form's consent box. Turning it off also withdraws consent from every
    answer already given (privacy first), and takes their words out of proposed themes'
    examples. Returns how many answers lost their consent."""
    member.quote_consent_default = enabled
    withdrawn: list[Answer] = []
    if not enabled:
        withdrawn = list(
            session.exec(
                select(Answer).where(Answer.member_id == member.id, col(Answer.consent_quote).is_(True))
            ).all()
        )
        for answer in withdrawn:
            answer.consent_quote = False
            session.add(answer)
        scrub_theme_examples(session, withdrawn)
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
