"""Check-in rounds: who is asked when, and how their answers are kept.

Everything here is storage logic with no Slack in it; `bot.checkins.fanout` does the sending."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, case, func, or_, update
from sqlmodel import Session, col, select

from bot.core import schedule
from bot.members.forget import scrub_theme_examples
from bot.slack.mrkdwn import is_number
from storage.models import (
    Answer,
    AnswerSource,
    AnswerTag,
    CheckinDelivery,
    CheckinRound,
    Consent,
    Convening,
    ConveningStatus,
    DeliveryStatus,
    Member,
    MemberStatus,
    PainPoint,
    PainPointStatus,
    RoundKind,
    TagSource,
    Workspace,
)
from storage.queries import claimed, insert_ignoring_duplicates

GRACE = timedelta(hours=12)  # how late a scheduled check-in may still go out
OPEN_FOR = timedelta(days=7)  # a plain DM counts as an answer this long after the check-in
MAX_ANSWER_CHARS = 40_000  # Slack's own limit for one message
MAX_MODAL_CHARS = 3_000  # Slack's limit for a plain_text_input
MAX_SEND_ATTEMPTS = 3


class AnswerRejected(ValueError):
    def __init__(self, reason: str, length: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.length = length


@dataclass
class ModalAnswer:
    text: str | None  # None when the member only adds details to a DM answer
    pain_point_ids: list[int] = field(default_factory=list)
    support_score: int | None = None
    wants_match: bool = False
    consent: str = Consent.DEFAULT  # a `Consent` level
    # The form told the member that facilitators can read answers (it says so when they can).
    told_readable: bool = False


# ---------------------------------------------------------------- planning rounds


def get_or_create_round(
    session: Session,
    team_id: str,
    round_key: str,
    kind: str,
    started_by: str | None = None,
    round_date: date | None = None,
    now: datetime | None = None,
) -> CheckinRound:
    row: dict[str, object] = {
        "team_id": team_id,
        "round_key": round_key,
        "kind": kind,
        "started_by": started_by,
        "round_date": round_date,
    }
    if now is not None:
        # The runtime's clock, not the process's: the round's date is shown to facilitators.
        row["created_at"] = now
    insert_ignoring_duplicates(session, CheckinRound, [row], conflict=["team_id", "round_key"])
    session.commit()
    return session.exec(
        select(CheckinRound).where(CheckinRound.team_id == team_id, CheckinRound.round_key == round_key)
    ).one()


def plan_scheduled(session: Session, workspace: Workspace, now: datetime) -> int:
    """Create this moment's deliveries: for each time zone whose local check-in time has just
    come, one pending delivery per active member. Returns how many were created.

    Grouping by time zone means one cron evaluation per zone, not per member; the unique
    (round, member) key makes repeated or concurrent planning harmless."""
    members = session.exec(
        select(Member).where(Member.team_id == workspace.team_id, Member.status == MemberStatus.ACTIVE)
    ).all()
    by_zone: dict[str, list[Member]] = {}
    for member in members:
        by_zone.setdefault(member.tz or workspace.timezone, []).append(member)
    created = 0
    for tz_name, group in by_zone.items():
        fire = schedule.latest_fire(
            workspace.checkin_cron, schedule.zone(tz_name, workspace.timezone), now, GRACE
        )
        if fire is None:
            continue
        day = fire.date()  # the fire's local date: one round for every time zone's Monday
        round_ = get_or_create_round(
            session, workspace.team_id, day.isoformat(), RoundKind.SCHEDULED, round_date=day, now=now
        )
        created += _add_deliveries(session, round_, due_by_frequency(session, group, fire), due_at=fire)
    session.commit()
    return created


FREQUENCY_SLACK = timedelta(days=1)  # daylight-saving shifts and cron jitter, never a whole week


def due_by_frequency(session: Session, members: list[Member], fire: datetime) -> list[Member]:
    """Those of `members` whose own rhythm (`checkin_every_weeks`, set in App Home) lets them
    be asked at this scheduled fire.

    The rule: a member on every N weeks is asked unless they were already given a scheduled
    check-in less than N weeks (minus a day) before this one. Counting from their last
    scheduled check-in rather than from a calendar means the first round after joining,
    resuming or changing the setting always reaches them, and on the default weekly schedule
    a fortnightly member gets every other round and a four-weekly one every fourth. Manual
    rounds (`checkin now`) go to everyone and don't count; expired check-ins were never sent
    and don't count either. One query, only when someone is on a slower rhythm."""
    slower = {m.id: m.checkin_every_weeks for m in members if m.checkin_every_weeks > 1}
    if not slower:
        return members
    since = fire - timedelta(weeks=max(slower.values()))
    last = dict(
        session.exec(
            select(CheckinDelivery.member_id, func.max(CheckinDelivery.due_at))
            .join(CheckinRound, col(CheckinRound.id) == CheckinDelivery.round_id)
            .where(
                col(CheckinDelivery.member_id).in_(list(slower)),
                CheckinRound.kind == RoundKind.SCHEDULED,
                CheckinDelivery.status != DeliveryStatus.EXPIRED,
                col(CheckinDelivery.due_at) > since,
                col(CheckinDelivery.due_at) < fire,
            )
            .group_by(col(CheckinDelivery.member_id))
        ).all()
    )
    return [
        m
        for m in members
        if m.id not in slower
        or m.id not in last
        or fire - last[m.id] >= timedelta(weeks=slower[m.id]) - FREQUENCY_SLACK
    ]


MANUAL_GAP = schedule.MIN_GAP  # like scheduled ones, at most one manual round a day


@dataclass
class ManualRound:
    round: CheckinRound
    started_at: datetime  # when this round was started (by this command or an earlier one)
    new: bool  # this command started it
    added: int  # members asked by this command


def start_manual_round(session: Session, workspace: Workspace, started_by: str, now: datetime) -> ManualRound:
    """`/convene checkin now`: a round for every active member, at most one a day. Within a
    day of the last one (a double-click, a colleague typing it too, a command a second past
    the minute) it is that same round, and only members who joined since are asked. The
    start is claimed on the workspace row, so concurrent commands agree on one round."""
    started = claimed(
        session,
        update(Workspace)
        .where(
            col(Workspace.team_id) == workspace.team_id,
            or_(col(Workspace.manual_round_at).is_(None), col(Workspace.manual_round_at) <= now - MANUAL_GAP),
        )
        .values(manual_round_at=now),
    )
    started_at = now
    if not started:
        latest = session.exec(
            select(Workspace.manual_round_at).where(Workspace.team_id == workspace.team_id)
        ).one()
        started_at = latest or now
    key = f"manual-{started_at.astimezone(UTC).strftime('%Y%m%dT%H%M%S')}"
    day = started_at.astimezone(schedule.zone(workspace.timezone)).date()
    round_ = get_or_create_round(
        session, workspace.team_id, key, RoundKind.MANUAL, started_by, day, now=started_at
    )
    members = session.exec(
        select(Member).where(Member.team_id == workspace.team_id, Member.status == MemberStatus.ACTIVE)
    ).all()
    added = _add_deliveries(session, round_, members, due_at=now)
    session.commit()
    return ManualRound(round_, started_at, started, added)


def _add_deliveries(
    session: Session, round_: CheckinRound, members: Sequence[Member], due_at: datetime
) -> int:
    rows = [
        {
            "round_id": round_.id,
            "member_id": m.id,
            "due_at": due_at,
            "status": DeliveryStatus.PENDING,
        }
        for m in members
    ]
    return insert_ignoring_duplicates(session, CheckinDelivery, rows, conflict=["round_id", "member_id"])


# ---------------------------------------------------------------- sending bookkeeping


def due_deliveries(session: Session, now: datetime, team_id: str | None = None) -> list[int]:
    statement = (
        select(CheckinDelivery.id)
        .join(CheckinRound, col(CheckinRound.id) == CheckinDelivery.round_id)
        .where(
            col(CheckinDelivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
            CheckinDelivery.due_at <= now,
            CheckinDelivery.attempts < MAX_SEND_ATTEMPTS,
        )
        .order_by(col(CheckinDelivery.due_at), col(CheckinDelivery.id))
    )
    if team_id is not None:
        statement = statement.where(CheckinRound.team_id == team_id)
    return [i for i in session.exec(statement).all() if i is not None]


def expire_stale(session: Session, now: datetime) -> int:
    """Deliveries that could not go out within the grace window are dropped, not sent late."""
    result = session.execute(
        update(CheckinDelivery)
        .where(
            col(CheckinDelivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
            col(CheckinDelivery.due_at) < now - GRACE,
        )
        .values(status=DeliveryStatus.EXPIRED)
    )
    session.commit()
    return cast(CursorResult[Any], result).rowcount  # an UPDATE's result has a rowcount


def claim(session: Session, delivery_id: int, now: datetime) -> bool:
    """Atomically take a delivery for sending. Only one instance's UPDATE can match."""
    return claimed(
        session,
        update(CheckinDelivery)
        .where(
            col(CheckinDelivery.id) == delivery_id,
            col(CheckinDelivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
        )
        .values(
            status=DeliveryStatus.SENDING,
            claimed_at=now,
            attempts=CheckinDelivery.attempts + 1,
        ),
    )


def mark_sent(session: Session, delivery_id: int, channel_id: str, message_ts: str, now: datetime) -> None:
    """Slack has the message. A member may have answered or skipped it before the sender
    heard back (the DM arrives first): their answer's status stays."""
    status = col(CheckinDelivery.status)
    session.execute(
        update(CheckinDelivery)
        .where(col(CheckinDelivery.id) == delivery_id)
        .values(
            status=case((status == DeliveryStatus.SENDING, DeliveryStatus.SENT), else_=status),
            channel_id=channel_id,
            message_ts=message_ts,
            sent_at=func.coalesce(col(CheckinDelivery.sent_at), now),
        )
    )
    session.commit()


def mark_failed(session: Session, delivery_id: int, error: str, permanent: bool) -> None:
    """Slack refused the message: it will be sent again (or never, if `permanent`). Only a
    delivery still being sent; one a member already answered is settled."""
    status = DeliveryStatus.UNDELIVERABLE if permanent else DeliveryStatus.FAILED
    session.execute(
        update(CheckinDelivery)
        .where(
            col(CheckinDelivery.id) == delivery_id,
            col(CheckinDelivery.status).in_(
                [DeliveryStatus.SENDING, DeliveryStatus.PENDING, DeliveryStatus.FAILED]
            ),
        )
        .values(status=status, last_error=error[:120])
    )
    session.commit()


def note_unconfirmed(session: Session, delivery_id: int, error: str) -> None:
    """Slack never answered: the delivery stays claimed ('sending') for recovery to settle."""
    session.execute(
        update(CheckinDelivery).where(col(CheckinDelivery.id) == delivery_id).values(last_error=error[:120])
    )
    session.commit()


def stuck_sending(
    session: Session, team_id: str, claimed_before: datetime
) -> list[tuple[int, str, datetime]]:
    """Deliveries claimed for sending long ago and never settled: the instance sending them
    died between its claim and Slack's answer. (delivery id, member's user id, claimed at)."""
    rows = session.exec(
        select(CheckinDelivery.id, Member.user_id, CheckinDelivery.claimed_at)
        .join(CheckinRound, col(CheckinRound.id) == CheckinDelivery.round_id)
        .join(Member, col(Member.id) == CheckinDelivery.member_id)
        .where(
            CheckinRound.team_id == team_id,
            CheckinDelivery.status == DeliveryStatus.SENDING,
            col(CheckinDelivery.claimed_at) < claimed_before,
        )
        .order_by(col(CheckinDelivery.id))
    ).all()
    return [(i, user, at) for i, user, at in rows if i is not None and at is not None]


def settle_stuck(
    session: Session,
    delivery_id: int,
    claimed_at: datetime,
    sent: tuple[str, str] | None,
    now: datetime,
) -> bool:
    """Settle a stuck delivery once Slack has said whether its message exists: sent (with the
    message's channel and ts), or back to the queue to be sent again. Only if it is still the
    same stuck claim, so two instances settling at once cannot both re-queue it."""
    values: dict[str, object]
    if sent is not None:
        values = {"status": DeliveryStatus.SENT, "channel_id": sent[0], "message_ts": sent[1], "sent_at": now}
    else:
        values = {"status": DeliveryStatus.FAILED, "last_error": "recovered_unsent"}
    return claimed(
        session,
        update(CheckinDelivery)
        .where(
            col(CheckinDelivery.id) == delivery_id,
            col(CheckinDelivery.status) == DeliveryStatus.SENDING,
            col(CheckinDelivery.claimed_at) == claimed_at,
        )
        .values(**values),
    )


def reminders_due(session: Session, workspace: Workspace, now: datetime) -> list[int]:
    cutoff = now - timedelta(hours=workspace.reminder_hours)
    return [
        i
        for i in session.exec(
            select(CheckinDelivery.id)
            .join(CheckinRound, col(CheckinRound.id) == CheckinDelivery.round_id)
            .join(Member, col(Member.id) == CheckinDelivery.member_id)
            .where(
                CheckinRound.team_id == workspace.team_id,
                CheckinDelivery.status == DeliveryStatus.SENT,
                col(CheckinDelivery.sent_at) <= cutoff,
                col(CheckinDelivery.sent_at) > now - OPEN_FOR,
                col(CheckinDelivery.reminder_sent_at).is_(None),
                Member.status == MemberStatus.ACTIVE,
            )
        ).all()
        if i is not None
    ]


def claim_reminder(session: Session, delivery_id: int, now: datetime) -> bool:
    """At most one reminder, ever: the timestamp is the claim."""
    return claimed(
        session,
        update(CheckinDelivery)
        .where(
            col(CheckinDelivery.id) == delivery_id,
            col(CheckinDelivery.reminder_sent_at).is_(None),
            col(CheckinDelivery.status) == DeliveryStatus.SENT,
        )
        .values(reminder_sent_at=now),
    )


def ahead_of(session: Session, delivery: CheckinDelivery) -> str | None:
    """The name of the convening this check-in asks ahead of (pre-engagement), if any."""
    if delivery.convening_id is None:
        return None
    convening = session.get(Convening, delivery.convening_id)
    return convening.name if convening is not None and convening.status == ConveningStatus.PLANNED else None


# ---------------------------------------------------------------- answers


def delivery_for_member(session: Session, delivery_id: int, member: Member) -> CheckinDelivery | None:
    """The delivery, only if it is this member's: a forged payload can't touch others'."""
    delivery = session.get(CheckinDelivery, delivery_id)
    if delivery is None or delivery.member_id != member.id:
        return None
    return delivery


def own_delivery(session: Session, member: Member | None, action_value: str) -> CheckinDelivery | None:
    """The check-in a button (value `delivery[:answer]`) belongs to, only if it is the clicking
    member's."""
    delivery_id = action_value.split(":")[0]
    if member is None or not is_number(delivery_id):
        return None
    return delivery_for_member(session, int(delivery_id), member)


def answer_to_edit(session: Session, action_value: str, delivery: CheckinDelivery) -> Answer | None:
    """`delivery:answer` (Add details on a DM answer) or the modal answer to edit, if any."""
    _, _, answer_id = action_value.partition(":")
    if is_number(answer_id):
        answer = session.get(Answer, int(answer_id))
        if answer is not None and answer.delivery_id == delivery.id:
            return answer
    return modal_answer(session, delivery)


def _asked_at(delivery: CheckinDelivery) -> datetime | None:
    """When the member got the check-in: when it was sent or, while the sender has not heard
    back from Slack (or died before it did), when it was claimed for sending."""
    if delivery.status == DeliveryStatus.SENDING:
        return delivery.sent_at or delivery.claimed_at
    return delivery.sent_at if delivery.status in DeliveryStatus.OPEN else None


def open_delivery(session: Session, member: Member, now: datetime) -> CheckinDelivery | None:
    """The check-in a plain DM reply belongs to: the latest one sent in the last week,
    including one whose sending is not settled yet (the member has it in hand)."""
    asked_at = func.coalesce(col(CheckinDelivery.sent_at), col(CheckinDelivery.claimed_at))
    return session.exec(
        select(CheckinDelivery)
        .where(
            CheckinDelivery.member_id == member.id,
            or_(
                and_(
                    col(CheckinDelivery.status).in_(DeliveryStatus.OPEN),
                    col(CheckinDelivery.sent_at) > now - OPEN_FOR,
                ),
                and_(col(CheckinDelivery.status) == DeliveryStatus.SENDING, asked_at > now - OPEN_FOR),
            ),
        )
        .order_by(asked_at.desc())
    ).first()


def is_open(delivery: CheckinDelivery, now: datetime) -> bool:
    """Whether the member may still answer this check-in. One still marked as being sent
    counts: a member pressing its button, or replying to it, has it, whatever our records
    say after a crash."""
    asked_at = _asked_at(delivery)
    return asked_at is not None and asked_at > now - OPEN_FOR


def check_text(text: str | None, limit: int) -> str:
    cleaned = (text or "").replace("\x00", "").strip()
    if not cleaned:
        raise AnswerRejected("empty")
    if len(cleaned) > limit:
        raise AnswerRejected("too_long", len(cleaned))
    return cleaned


def record_dm_answer(
    session: Session,
    member: Member,
    delivery: CheckinDelivery,
    text: str,
    dedupe_key: str,
    now: datetime,
) -> Answer | None:
    """Store a plain DM reply, at the member's default consent level. Returns None if Slack
    re-delivered a message already stored."""
    cleaned = check_text(text, MAX_ANSWER_CHARS)
    told = _told_readable(session, member, delivery)
    inserted = insert_ignoring_duplicates(
        session,
        Answer,
        [
            {
                "team_id": member.team_id,
                "member_id": member.id,
                "delivery_id": delivery.id,
                "text": cleaned,
                "source": AnswerSource.DM,
                "consent": Consent.parse(member.consent_default),
                "readable_by_facilitators": told,
                "dedupe_key": dedupe_key,
                "created_at": now,
                "updated_at": now,
            }
        ],
        conflict=["dedupe_key"],
    )
    if not inserted:
        session.rollback()
        return None
    _mark_answered(session, delivery, now)
    session.commit()
    return session.exec(select(Answer).where(Answer.dedupe_key == dedupe_key)).one()


def _told_readable(session: Session, member: Member, delivery: CheckinDelivery) -> bool:
    """Whether facilitators may read this answer: only if the workspace lets them now, and the
    check-in it answers was sent after that was turned on, so its DM told the member so (as
    members are told: "answers to check-ins sent since <date>")."""
    workspace = session.get(Workspace, member.team_id)
    return bool(
        workspace is not None
        and workspace.raw_answers
        and workspace.raw_answers_since is not None
        and delivery.sent_at is not None
        and delivery.sent_at > workspace.raw_answers_since
    )


def record_modal_answer(
    session: Session,
    member: Member,
    delivery: CheckinDelivery,
    form: ModalAnswer,
    now: datetime,
    answer_id: int | None = None,
) -> Answer:
    """Store (or edit) the modal answer. Re-submitting the modal for the same check-in edits
    the member's answer rather than adding a second one."""
    answer = _answer_to_edit(session, member, delivery, answer_id)
    if answer is None:
        if form.text is None:
            raise AnswerRejected("empty")
        answer = Answer(
            team_id=member.team_id,
            member_id=member.id,  # type: ignore[arg-type]
            delivery_id=delivery.id,
            text=check_text(form.text, MAX_MODAL_CHARS),
            source=AnswerSource.MODAL,
            dedupe_key=f"modal:{delivery.id}",
            created_at=now,
        )
    elif form.text is not None:
        answer.text = check_text(form.text, MAX_MODAL_CHARS)
    answer.support_score = form.support_score
    answer.wants_match = form.wants_match
    withdrawn = answer.consent == Consent.QUOTE_ANONYMOUSLY and form.consent != Consent.QUOTE_ANONYMOUSLY
    answer.consent = Consent.parse(form.consent)
    answer.readable_by_facilitators = form.told_readable and _told_readable(session, member, delivery)
    answer.updated_at = now
    session.add(answer)
    session.flush()
    if withdrawn and answer.id is not None:
        # Proposed themes may show its first sentence as an example: not any more.
        scrub_theme_examples(session, [answer])
    _set_member_tags(session, answer, member.team_id, form.pain_point_ids, now)
    _mark_answered(session, delivery, now)
    session.commit()
    session.refresh(answer)
    return answer


def _answer_to_edit(
    session: Session, member: Member, delivery: CheckinDelivery, answer_id: int | None
) -> Answer | None:
    if answer_id is not None:
        answer = session.get(Answer, answer_id)
        if answer is not None and answer.member_id == member.id and answer.delivery_id == delivery.id:
            return answer
    return modal_answer(session, delivery)


def _set_member_tags(
    session: Session, answer: Answer, team_id: str, pain_point_ids: list[int], now: datetime
) -> None:
    """The member's own selection replaces earlier member tags, the machine's, and a
    facilitator's earlier correction: the latest choice a person made wins. No selection
    leaves a correction in force and lets the tagger speak otherwise. Ids from elsewhere
    (another workspace, retired, forged) are ignored."""
    valid = set(
        session.exec(
            select(PainPoint.id).where(
                PainPoint.team_id == team_id,
                PainPoint.status == PainPointStatus.ACTIVE,
                col(PainPoint.id).in_(pain_point_ids or [-1]),
            )
        ).all()
    )
    existing = session.exec(select(AnswerTag).where(AnswerTag.answer_id == answer.id)).all()
    overridden = (*TagSource.MACHINE, TagSource.FACILITATOR)
    tag: AnswerTag | None  # each existing tag, then each selection's tag if it has one
    for tag in existing:
        replaced = tag.source == TagSource.MEMBER or (bool(valid) and tag.source in overridden)
        if tag.pain_point_id not in valid and replaced:
            session.delete(tag)
    if valid:
        answer.corrected_by, answer.corrected_at = None, None
    else:
        answer.tagged_at = None  # (re-)tag the text on the next tick
    session.add(answer)
    already = {tag.pain_point_id: tag for tag in existing}
    for pain_id in sorted(i for i in valid if i is not None):
        tag = already.get(pain_id)
        if tag is None:
            session.add(
                AnswerTag(
                    answer_id=answer.id,  # type: ignore[arg-type]
                    pain_point_id=pain_id,
                    source=TagSource.MEMBER,
                    confidence=1.0,
                    created_at=now,
                )
            )
        else:
            # The member's own selection wins over a machine's guess and an older correction.
            tag.source, tag.confidence = TagSource.MEMBER, 1.0
            session.add(tag)


ANSWERABLE = (DeliveryStatus.SENDING, DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.ANSWERED)


def _mark_answered(session: Session, delivery: CheckinDelivery, now: datetime) -> None:
    """The answer settles the check-in, even one still marked as being sent: the member has
    it, so recovery must neither send it again nor wait on Slack for it. One statement, so
    a sender hearing back from Slack at the same moment cannot undo it (see `mark_sent`)."""
    session.execute(
        update(CheckinDelivery)
        .where(col(CheckinDelivery.id) == delivery.id, col(CheckinDelivery.status).in_(ANSWERABLE))
        .values(
            status=DeliveryStatus.ANSWERED,
            answered_at=func.coalesce(col(CheckinDelivery.answered_at), now),
            sent_at=func.coalesce(col(CheckinDelivery.sent_at), col(CheckinDelivery.claimed_at), now),
        )
        .execution_options(synchronize_session="fetch")
    )


def skip(session: Session, delivery: CheckinDelivery, now: datetime) -> None:
    """Skip this week: like an answer, it settles a check-in still marked as being sent."""
    session.execute(
        update(CheckinDelivery)
        .where(
            col(CheckinDelivery.id) == delivery.id,
            col(CheckinDelivery.status).in_([DeliveryStatus.SENDING, DeliveryStatus.SENT]),
        )
        .values(
            status=DeliveryStatus.SKIPPED,
            sent_at=func.coalesce(col(CheckinDelivery.sent_at), col(CheckinDelivery.claimed_at), now),
        )
        .execution_options(synchronize_session="fetch")
    )
    session.commit()


def member_tag_ids(session: Session, answer_id: int) -> list[int]:
    return list(
        session.exec(
            select(AnswerTag.pain_point_id).where(
                AnswerTag.answer_id == answer_id, AnswerTag.source == TagSource.MEMBER
            )
        ).all()
    )


def modal_answer(session: Session, delivery: CheckinDelivery) -> Answer | None:
    """The answer given through the modal for this check-in, if any (to edit it)."""
    return session.exec(select(Answer).where(Answer.dedupe_key == f"modal:{delivery.id}")).first()
