"""Facilitators checking and correcting tags: a pain point's recent answers, the answers the
tagger was unsure about, retagging one, and how often the machine agreed with members.

Who wins on an answer's tags: a facilitator's correction (stored with who and when, and it
may be "no pain point"), then the member's own selection, then the machine. A member who later
changes their own selection in the form replaces a correction: the latest choice a person made
wins, and the machine never overrides a person.

What a facilitator may read of an answer is decided in one place, `visible_text`."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, exists, func, or_
from sqlmodel import Session, col, select

from storage.models import (
    Answer,
    AnswerTag,
    Consent,
    MachineGuess,
    PainPoint,
    PainPointStatus,
    TagSource,
    Workspace,
)

RECENT = timedelta(weeks=4)  # the drill-down's window, as `/convene pains` counts
AGREEMENT_WINDOW = timedelta(weeks=8)
UNSURE = 0.5  # a machine tag below this confidence is worth a facilitator's look
SHOWN = 10  # answers in a drill-down
TO_CHECK = 5  # answers in App Home's list


@dataclass(frozen=True)
class AnswerTagView:
    name: str
    source: str  # a TagSource
    confidence: float


@dataclass(frozen=True)
class ReviewedAnswer:
    """An answer as a facilitator may see it: its words only if they may be read."""

    answer_id: int
    created_at: datetime
    text: str | None  # None: the words are not shared with facilitators
    tags: list[AnswerTagView]
    corrected_by: str | None
    corrected: bool


@dataclass(frozen=True)
class Agreement:
    agreed: int
    answers: int  # answers with members' own ticks that the machine also tagged

    @property
    def share(self) -> float | None:
        return self.agreed / self.answers if self.answers else None


def visible_text(answer: Answer, workspace: Workspace) -> str | None:
    """The answer's words if a facilitator may read them, else None. The one place this is
    decided: where the workspace lets facilitators read answers and the member was told so
    when answering (as exports do), or where the member chose to be quoted anonymously (the
    drill-down never names anyone). Never words the retention period deleted."""
    if not answer.text or answer.text_deleted_at is not None:
        return None
    if workspace.raw_answers and answer.readable_by_facilitators:
        return answer.text
    return answer.text if answer.consent == Consent.QUOTE_ANONYMOUSLY else None


def answers_for_pain(
    session: Session, workspace: Workspace, pain_point_id: int, now: datetime, limit: int = SHOWN
) -> list[ReviewedAnswer]:
    """The latest answers tagged with a pain point (any source), newest first."""
    answers = session.exec(
        select(Answer)
        .join(AnswerTag, col(AnswerTag.answer_id) == Answer.id)
        .where(
            Answer.team_id == workspace.team_id,
            AnswerTag.pain_point_id == pain_point_id,
            col(Answer.created_at) >= now - RECENT,
        )
        .order_by(col(Answer.created_at).desc(), col(Answer.id).desc())
        .limit(limit)
    ).all()
    return _reviewed(session, workspace, list(answers))


def untagged(
    session: Session, workspace: Workspace, now: datetime, limit: int = SHOWN
) -> list[ReviewedAnswer]:
    """The latest answers the tagger has seen and that carry no pain point, newest first."""
    answers = session.exec(
        select(Answer)
        .where(
            Answer.team_id == workspace.team_id,
            col(Answer.tagged_at).is_not(None),
            col(Answer.created_at) >= now - RECENT,
            ~exists().where(col(AnswerTag.answer_id) == Answer.id),
        )
        .order_by(col(Answer.created_at).desc(), col(Answer.id).desc())
        .limit(limit)
    ).all()
    return _reviewed(session, workspace, list(answers))


def to_check(
    session: Session, workspace: Workspace, now: datetime, limit: int = TO_CHECK
) -> list[ReviewedAnswer]:
    """Recent answers only the machine tagged, where it was unsure or found nothing, and that
    no facilitator has corrected yet: where a correction teaches the most."""
    human = exists().where(
        col(AnswerTag.answer_id) == Answer.id, col(AnswerTag.source).not_in(TagSource.MACHINE)
    )
    sure = exists().where(col(AnswerTag.answer_id) == Answer.id, col(AnswerTag.confidence) >= UNSURE)
    answers = session.exec(
        select(Answer)
        .where(
            Answer.team_id == workspace.team_id,
            col(Answer.tagged_at).is_not(None),
            col(Answer.corrected_at).is_(None),
            col(Answer.created_at) >= now - RECENT,
            ~human,
            ~sure,
        )
        .order_by(col(Answer.created_at).desc(), col(Answer.id).desc())
        .limit(limit)
    ).all()
    return _reviewed(session, workspace, list(answers))


def reviewed(session: Session, workspace: Workspace, answer_id: int) -> ReviewedAnswer | None:
    """One answer of this workspace as a facilitator may see it; None if it is not there."""
    answer = session.get(Answer, answer_id)
    if answer is None or answer.team_id != workspace.team_id:
        return None
    return _reviewed(session, workspace, [answer])[0]


def _reviewed(session: Session, workspace: Workspace, answers: list[Answer]) -> list[ReviewedAnswer]:
    tags: dict[int, list[AnswerTagView]] = defaultdict(list)
    for answer_id, name, source, confidence in session.exec(
        select(AnswerTag.answer_id, PainPoint.name, AnswerTag.source, AnswerTag.confidence)
        .join(PainPoint, col(PainPoint.id) == AnswerTag.pain_point_id)
        .where(col(AnswerTag.answer_id).in_([a.id for a in answers] or [-1]))
        .order_by(col(AnswerTag.confidence).desc(), col(PainPoint.name))
    ).all():
        tags[answer_id].append(AnswerTagView(name, source, confidence))
    out = []
    for answer in answers:
        assert answer.id is not None  # stored
        out.append(
            ReviewedAnswer(
                answer_id=answer.id,
                created_at=answer.created_at,
                text=visible_text(answer, workspace),
                tags=tags.get(answer.id, []),
                corrected_by=answer.corrected_by,
                corrected=answer.corrected_at is not None,
            )
        )
    return out


def current_pain_ids(session: Session, answer_id: int) -> list[int]:
    return list(session.exec(select(AnswerTag.pain_point_id).where(AnswerTag.answer_id == answer_id)).all())


def retag(
    session: Session, team_id: str, answer_id: int, pain_point_ids: list[int], actor: str, now: datetime
) -> Answer | None:
    """A facilitator's correction: these pain points (none is a choice too) become the
    answer's only tags, signed with who and when. Ids from elsewhere (another workspace,
    retired, forged) are ignored. None if the answer is not this workspace's."""
    answer = session.get(Answer, answer_id)
    if answer is None or answer.team_id != team_id:
        return None
    chosen = set(
        session.exec(
            select(PainPoint.id).where(
                PainPoint.team_id == team_id,
                PainPoint.status == PainPointStatus.ACTIVE,
                col(PainPoint.id).in_(pain_point_ids or [-1]),
            )
        ).all()
    )
    session.execute(delete(AnswerTag).where(col(AnswerTag.answer_id) == answer_id))
    for pain_id in sorted(i for i in chosen if i is not None):
        session.add(
            AnswerTag(
                answer_id=answer_id,
                pain_point_id=pain_id,
                source=TagSource.FACILITATOR,
                confidence=1.0,
                created_at=now,
            )
        )
    answer.corrected_by, answer.corrected_at = actor, now
    session.add(answer)
    session.commit()
    session.refresh(answer)
    return answer


def agreement(
    session: Session, team_id: str, now: datetime, window: timedelta = AGREEMENT_WINDOW
) -> Agreement:
    """Of the answers in `window` that members tagged themselves and the machine has also
    read, how many it tagged exactly as they did (same pain points, none missing, none
    added). One query."""
    member_tag = and_(col(AnswerTag.answer_id) == Answer.id, col(AnswerTag.source) == TagSource.MEMBER)
    missed = exists().where(
        member_tag,
        ~exists().where(
            col(MachineGuess.answer_id) == Answer.id,
            col(MachineGuess.pain_point_id) == AnswerTag.pain_point_id,
        ),
    )
    added = exists().where(
        col(MachineGuess.answer_id) == Answer.id,
        ~exists().where(member_tag, col(AnswerTag.pain_point_id) == MachineGuess.pain_point_id),
    )
    total, agreed = session.exec(
        select(
            func.count(col(Answer.id)),
            func.coalesce(func.sum(case((or_(missed, added), 0), else_=1)), 0),
        ).where(
            Answer.team_id == team_id,
            col(Answer.created_at) >= now - window,
            col(Answer.tagged_at).is_not(None),
            exists().where(member_tag),
        )
    ).one()
    return Agreement(agreed=int(agreed), answers=int(total))


@dataclass(frozen=True)
class Drilldown:
    pain: PainPoint | None  # None: the answers with no pain point
    answers: list[ReviewedAnswer]


def drilldown(session: Session, workspace: Workspace, choice: str, now: datetime) -> Drilldown | None:
    """What the `/convene pains` menu shows for its `choice` (a pain point id, or "none");
    None for an id that is not one of this workspace's pain points."""
    if choice == "none":
        return Drilldown(None, untagged(session, workspace, now))
    pain = session.get(PainPoint, int(choice)) if choice.isdigit() else None
    if pain is None or pain.team_id != workspace.team_id or pain.id is None:
        return None
    return Drilldown(pain, answers_for_pain(session, workspace, pain.id, now))


@dataclass(frozen=True)
class RetagForm:
    answer: ReviewedAnswer
    pains: list[PainPoint]  # the active taxonomy, as checkboxes
    current: list[int]  # the answer's pain points now


def retag_form(session: Session, workspace: Workspace, answer_id: int) -> RetagForm | None:
    answer = reviewed(session, workspace, answer_id)
    if answer is None:
        return None
    pains = list(
        session.exec(
            select(PainPoint)
            .where(PainPoint.team_id == workspace.team_id, PainPoint.status == PainPointStatus.ACTIVE)
            .order_by(col(PainPoint.id))
        ).all()
    )
    return RetagForm(answer, pains, current_pain_ids(session, answer_id))


def retag_and_show(
    session: Session,
    workspace: Workspace,
    answer_id: int,
    pain_point_ids: list[int],
    actor: str,
    now: datetime,
) -> ReviewedAnswer | None:
    """`retag`, then the answer as it now stands; None if it is not this workspace's."""
    if retag(session, workspace.team_id, answer_id, pain_point_ids, actor, now) is None:
        return None
    return reviewed(session, workspace, answer_id)


@dataclass(frozen=True)
class HomeReview:
    to_check: list[ReviewedAnswer]
    agreement: Agreement


def home_review(session: Session, workspace: Workspace, now: datetime) -> HomeReview:
    return HomeReview(to_check(session, workspace, now), agreement(session, workspace.team_id, now))
