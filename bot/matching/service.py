"""Matching in the database: who is in this week's pool, the stored proposal (editable until
sent), and the claims that make intros and follow-ups go out exactly once."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, update
from sqlmodel import Session, col, select

from bot.convenings import harvest
from bot.core import schedule
from bot.matching.algorithm import DEFAULT_WEIGHTS, pair_weight, plan_matches, rarity_of
from bot.matching.model import Candidate, MatchPlan
from storage.models import (
    Answer,
    AnswerTag,
    MatchAvoid,
    MatchGroup,
    MatchLeftOut,
    MatchMember,
    MatchRound,
    MatchRoundStatus,
    Member,
    MemberStatus,
    PainPoint,
    Workspace,
)
from storage.queries import claimed, insert_ignoring_duplicates

POOL_WINDOW = timedelta(days=7)  # answers since about the last round
HISTORY = timedelta(weeks=12)  # how far back repeat partners are remembered
FOLLOW_UP_AFTER = timedelta(days=3)
IGNORED_LIMIT = 3
IGNORED_PAUSE_WEEKS = 4


class AlreadySent(Exception):
    def __init__(self, week: str) -> None:
        super().__init__(week)
        self.week = week


@dataclass
class Pool:
    candidates: list[Candidate] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)
    answers: dict[int, Answer] = field(default_factory=dict)  # member id -> this week's answer
    recent: dict[frozenset[int], int] = field(default_factory=dict)

    def plan(self) -> MatchPlan:
        return plan_matches(self.candidates, self.recent)


def week_key(workspace: Workspace, now: datetime) -> str:
    year, week, _ = now.astimezone(schedule.zone(workspace.timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def build_pool(session: Session, workspace: Workspace, now: datetime) -> Pool:
    """Active members whose latest answer of the past week asks for a match, unless they
    turned matching off in App Home (then they are neither matched nor told they were not)."""
    rows = session.exec(
        select(Answer, Member)
        .join(Member, col(Member.id) == Answer.member_id)
        .where(
            Answer.team_id == workspace.team_id,
            col(Answer.created_at) > now - POOL_WINDOW,
            Member.status == MemberStatus.ACTIVE,
            col(Member.matching_enabled).is_(True),
        )
        .order_by(col(Answer.created_at))
    ).all()
    latest: dict[int, tuple[Answer, Member]] = {}
    for answer, member in rows:
        latest[member.id] = (answer, member)  # type: ignore[index]
    wanted = {mid: pair for mid, pair in latest.items() if pair[0].wants_match}
    pool = Pool()
    if not wanted:
        return pool
    answer_ids = [a.id for a, _ in wanted.values()]
    pains: dict[int, set[str]] = defaultdict(set)
    for answer_id, slug in session.exec(
        select(AnswerTag.answer_id, PainPoint.slug)
        .join(PainPoint, col(PainPoint.id) == AnswerTag.pain_point_id)
        .where(col(AnswerTag.answer_id).in_(answer_ids))
    ).all():
        pains[answer_id].add(slug)
    avoid: dict[int, set[int]] = defaultdict(set)
    for member_id, other in session.exec(
        select(MatchAvoid.member_id, MatchAvoid.avoid_member_id).where(
            col(MatchAvoid.member_id).in_(list(wanted))
        )
    ).all():
        avoid[member_id].add(other)
    left_out = _left_out_last_round(session, workspace.team_id)
    keep: dict[int, set[int]] = defaultdict(set)
    for pair in harvest.keep_talking(session, list(wanted), now):
        a, b = sorted(pair)
        keep[a].add(b)
        keep[b].add(a)
    for member_id, (answer, member) in sorted(wanted.items()):
        offset = now.astimezone(schedule.zone(member.tz, workspace.timezone)).utcoffset()
        pool.candidates.append(
            Candidate(
                member_id=member_id,
                pains=frozenset(pains.get(answer.id or 0, set())),
                country=(member.country or "").strip().lower() or None,
                agency=(member.agency or "").strip().lower() or None,
                utc_offset_hours=offset.total_seconds() / 3600 if offset else 0.0,
                support_score=answer.support_score,
                left_out_last_time=member_id in left_out,
                avoid=frozenset(avoid.get(member_id, set())),
                keep_talking=frozenset(keep.get(member_id, set())),
            )
        )
        pool.members[member_id] = member
        pool.answers[member_id] = answer
    pool.recent = recent_pairs(session, workspace.team_id, now)
    return pool


def recent_pairs(session: Session, team_id: str, now: datetime) -> dict[frozenset[int], int]:
    """Past partners -> how many weeks ago (1 = last week)."""
    rows = session.exec(
        select(MatchMember.group_id, MatchMember.member_id, MatchRound.sent_at)
        .join(MatchGroup, col(MatchGroup.id) == MatchMember.group_id)
        .join(MatchRound, col(MatchRound.id) == MatchGroup.round_id)
        .where(
            MatchRound.team_id == team_id,
            MatchRound.status == MatchRoundStatus.SENT,
            col(MatchRound.sent_at) > now - HISTORY,
        )
    ).all()
    groups: dict[int, tuple[list[int], datetime]] = {}
    for group_id, member_id, sent_at in rows:
        assert sent_at is not None  # only sent rounds were selected
        groups.setdefault(group_id, ([], sent_at))[0].append(member_id)
    recent: dict[frozenset[int], int] = {}
    for members, sent_at in groups.values():
        weeks = max(1, (now - sent_at).days // 7 + 1)
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                key = frozenset((a, b))
                recent[key] = min(recent.get(key, weeks), weeks)
    return recent


def _left_out_last_round(session: Session, team_id: str) -> set[int]:
    last = session.exec(
        select(MatchRound.id)
        .where(MatchRound.team_id == team_id, MatchRound.status == MatchRoundStatus.SENT)
        .order_by(col(MatchRound.sent_at).desc())
    ).first()
    if last is None:
        return set()
    return set(session.exec(select(MatchLeftOut.member_id).where(MatchLeftOut.round_id == last)).all())


# ---------------------------------------------------------------- the stored proposal


def set_matching(session: Session, member: Member, enabled: bool, now: datetime) -> None:
    """A member's own choice to be matched or not (App Home). Turning matching off also takes
    the member out of any proposal not yet sent."""
    member.matching_enabled = enabled
    member.updated_at = now
    session.add(member)
    session.commit()
    if not enabled:
        drop_unsent_proposals_with(session, member)


def drop_unsent_proposals_with(session: Session, member: Member) -> int:
    """A member who turns matching off must not be introduced by a proposal made before: any
    unsent proposal that includes them (matched or left out) is dropped, and the next preview
    or run plans afresh without them. A facilitator's swaps in it are lost; consent wins."""
    in_groups = (
        select(MatchGroup.round_id)
        .join(MatchMember, col(MatchMember.group_id) == MatchGroup.id)
        .where(MatchMember.member_id == member.id)
    )
    left_out = select(MatchLeftOut.round_id).where(MatchLeftOut.member_id == member.id)
    result = session.execute(
        delete(MatchRound).where(
            col(MatchRound.team_id) == member.team_id,
            col(MatchRound.status) == MatchRoundStatus.PREVIEW,
            col(MatchRound.id).in_(in_groups.union(left_out)),
        )
    )
    session.commit()
    return cast(CursorResult[Any], result).rowcount  # a DELETE's result has a rowcount


def current_round(session: Session, team_id: str, week: str) -> MatchRound | None:
    return session.exec(
        select(MatchRound).where(MatchRound.team_id == team_id, MatchRound.week_key == week)
    ).first()


def is_empty(session: Session, round_id: int) -> bool:
    """A round with nobody in it: no group and nobody left out."""
    group = session.exec(select(MatchGroup.id).where(MatchGroup.round_id == round_id)).first()
    left = session.exec(select(MatchLeftOut.member_id).where(MatchLeftOut.round_id == round_id)).first()
    return group is None and left is None


def week_closed(session: Session, round_: MatchRound | None) -> bool:
    """Whether this week's intros went out. A round that had nobody to match does not close
    the week: members who ask for a peer later in the week are still matched."""
    return (
        round_ is not None and round_.status != MatchRoundStatus.PREVIEW and not is_empty(session, round_.id)  # type: ignore[arg-type]
    )


def save_proposal(
    session: Session, workspace: Workspace, week: str, plan: MatchPlan, actor: str | None, now: datetime
) -> MatchRound:
    """Store (or replace) this week's proposal. A week already sent is never touched; an
    empty round marked sent (nobody was there to match) is reopened."""
    insert_ignoring_duplicates(
        session, MatchRound,
        [{"team_id": workspace.team_id, "week_key": week, "created_by": actor, "created_at": now}],
        conflict=["team_id", "week_key"],
    )  # fmt: skip
    round_ = current_round(session, workspace.team_id, week)
    assert round_ is not None and round_.id is not None
    if round_.status != MatchRoundStatus.PREVIEW:
        if week_closed(session, round_):
            session.rollback()
            raise AlreadySent(week)
        round_.status, round_.sent_at = MatchRoundStatus.PREVIEW, None
    session.execute(delete(MatchGroup).where(col(MatchGroup.round_id) == round_.id))
    session.execute(delete(MatchLeftOut).where(col(MatchLeftOut.round_id) == round_.id))
    for group in plan.groups:
        row = MatchGroup(
            round_id=round_.id, shared_pains=json.dumps(list(group.shared_pains)), weight=group.weight
        )
        session.add(row)
        session.flush()
        for member_id in group.members:
            session.add(MatchMember(group_id=row.id, member_id=member_id))  # type: ignore[arg-type]
    for unmatched in plan.unmatched:
        session.add(MatchLeftOut(round_id=round_.id, member_id=unmatched.member_id, reason=unmatched.reason))
    round_.created_by, round_.created_at = actor, now
    session.add(round_)
    session.commit()
    return round_


@dataclass
class StoredGroup:
    group: MatchGroup
    members: list[Member]

    @property
    def shared(self) -> list[str]:
        return list(json.loads(self.group.shared_pains))


def groups_of(session: Session, round_id: int) -> list[StoredGroup]:
    rows = session.exec(
        select(MatchGroup, Member)
        .join(MatchMember, col(MatchMember.group_id) == MatchGroup.id)
        .join(Member, col(Member.id) == MatchMember.member_id)
        .where(MatchGroup.round_id == round_id)
        .order_by(col(MatchGroup.id), col(Member.id))
    ).all()
    grouped: dict[int, StoredGroup] = {}
    for group, member in rows:
        grouped.setdefault(group.id, StoredGroup(group, [])).members.append(member)  # type: ignore[arg-type]
    return list(grouped.values())


def left_out(session: Session, round_id: int) -> list[tuple[MatchLeftOut, Member]]:
    return list(
        session.exec(
            select(MatchLeftOut, Member)
            .join(Member, col(Member.id) == MatchLeftOut.member_id)
            .where(MatchLeftOut.round_id == round_id)
        ).all()
    )


def swap(session: Session, round_: MatchRound, pool: Pool, a: int, b: int) -> bool:
    """Exchange two members between groups of an unsent proposal, re-deriving what each
    group shares and weighs. False if either is not in the proposal, or they are together."""
    if round_.status != MatchRoundStatus.PREVIEW or a == b:
        return False
    links = {
        m.member_id: m
        for m in session.exec(
            select(MatchMember)
            .join(MatchGroup, col(MatchGroup.id) == MatchMember.group_id)
            .where(MatchGroup.round_id == round_.id, col(MatchMember.member_id).in_([a, b]))
        ).all()
    }
    if set(links) != {a, b} or links[a].group_id == links[b].group_id:
        return False
    group_a, group_b = links[a].group_id, links[b].group_id
    session.execute(delete(MatchMember).where(col(MatchMember.member_id).in_([a, b]),
                                              col(MatchMember.group_id).in_([group_a, group_b])))  # fmt: skip
    session.add(MatchMember(group_id=group_a, member_id=b))
    session.add(MatchMember(group_id=group_b, member_id=a))
    session.flush()
    by_id = {c.member_id: c for c in pool.candidates}
    for stored in groups_of(session, round_.id):  # type: ignore[arg-type]
        if stored.group.id in (group_a, group_b):
            _rederive(stored, by_id, pool)
            session.add(stored.group)
    session.commit()
    return True


def _rederive(stored: StoredGroup, by_id: dict[int, Candidate], pool: Pool) -> None:
    """After a swap: what the group now shares (rarest first) and weighs, the way the
    algorithm would have scored it."""
    candidates = [by_id[m.id] for m in stored.members if m.id in by_id]
    counts: dict[str, int] = defaultdict(int)
    for candidate in pool.candidates:
        for slug in candidate.pains:
            counts[slug] += 1
    rarity = rarity_of(counts, counts)
    shared = frozenset.intersection(*(c.pains for c in candidates)) if candidates else frozenset()
    stored.group.shared_pains = json.dumps(sorted(shared, key=lambda slug: (-rarity.get(slug, 0.0), slug)))
    total = 0.0
    for i, x in enumerate(candidates):
        for y in candidates[i + 1 :]:
            total += pair_weight(x, y, rarity, pool.recent, DEFAULT_WEIGHTS) or 0.0
    stored.group.weight = total


# ---------------------------------------------------------------- sending, exactly once


def claim_round(session: Session, round_id: int, now: datetime) -> bool:
    return claimed(
        session,
        update(MatchRound)
        .where(col(MatchRound.id) == round_id, col(MatchRound.status) == MatchRoundStatus.PREVIEW)
        .values(status=MatchRoundStatus.SENDING),
    )


def claim_intro(session: Session, group_id: int, now: datetime) -> bool:
    return claimed(
        session,
        update(MatchGroup)
        .where(col(MatchGroup.id) == group_id, col(MatchGroup.intro_claimed_at).is_(None))
        .values(intro_claimed_at=now),
    )


def intro_done(
    session: Session, group_id: int, channel_id: str | None, error: str | None, now: datetime
) -> None:
    values: dict[str, object] = {"channel_id": channel_id, "intro_error": error}
    if error is None:
        values["intro_sent_at"] = now
    else:
        values["intro_claimed_at"] = None  # released: the next tick tries again
    session.execute(update(MatchGroup).where(col(MatchGroup.id) == group_id).values(**values))
    session.commit()


def finish_round(session: Session, round_id: int, now: datetime) -> None:
    session.execute(
        update(MatchRound)
        .where(col(MatchRound.id) == round_id)
        .values(status=MatchRoundStatus.SENT, sent_at=now)
    )
    session.commit()


def unsent_intros(session: Session, team_id: str) -> list[int]:
    return [
        gid
        for gid in session.exec(
            select(MatchGroup.id)
            .join(MatchRound, col(MatchRound.id) == MatchGroup.round_id)
            .where(
                MatchRound.team_id == team_id,
                col(MatchRound.status).in_([MatchRoundStatus.SENDING, MatchRoundStatus.SENT]),
                col(MatchGroup.intro_sent_at).is_(None),
                col(MatchGroup.intro_claimed_at).is_(None),
            )
        ).all()
        if gid is not None
    ]


def claim_left_out_notice(session: Session, round_id: int, member_id: int, now: datetime) -> bool:
    return claimed(
        session,
        update(MatchLeftOut)
        .where(
            col(MatchLeftOut.round_id) == round_id,
            col(MatchLeftOut.member_id) == member_id,
            col(MatchLeftOut.notified_at).is_(None),
        )
        .values(notified_at=now),
    )


def followups_due(session: Session, team_id: str, now: datetime) -> list[int]:
    return [
        gid
        for gid in session.exec(
            select(MatchGroup.id)
            .join(MatchRound, col(MatchRound.id) == MatchGroup.round_id)
            .where(
                MatchRound.team_id == team_id,
                col(MatchGroup.intro_sent_at) <= now - FOLLOW_UP_AFTER,
                col(MatchGroup.followup_claimed_at).is_(None),
            )
        ).all()
        if gid is not None
    ]


def claim_followup(session: Session, group_id: int, now: datetime) -> bool:
    return claimed(
        session,
        update(MatchGroup)
        .where(col(MatchGroup.id) == group_id, col(MatchGroup.followup_claimed_at).is_(None))
        .values(followup_claimed_at=now),
    )


def record_followup(
    session: Session, group_id: int, member: Member, met: bool | None, helped: bool | None, now: datetime
) -> bool:
    link = session.get(MatchMember, (group_id, member.id))
    if link is None:
        return False
    if met is not None:
        link.met = met
    if helped is not None:
        link.helped = helped
        link.met = True if helped else link.met
    link.answered_at = now
    member.intros_ignored = 0
    session.add(link)
    session.add(member)
    session.commit()
    return True


def note_ignored_and_pause(session: Session, team_id: str, now: datetime) -> list[Member]:
    """Count intros whose follow-up went unanswered for a week; a member who let three in a
    row pass is paused (and must be told). Each follow-up is counted once."""
    stale = session.exec(
        select(MatchMember, Member)
        .join(MatchGroup, col(MatchGroup.id) == MatchMember.group_id)
        .join(MatchRound, col(MatchRound.id) == MatchGroup.round_id)
        .join(Member, col(Member.id) == MatchMember.member_id)
        .where(
            MatchRound.team_id == team_id,
            col(MatchGroup.followup_claimed_at) <= now - POOL_WINDOW,
            col(MatchMember.answered_at).is_(None),
        )
    ).all()
    paused = []
    for link, member in stale:
        link.answered_at = now  # "answered" by silence: counted, not counted again
        link.met = None
        member.intros_ignored += 1
        if member.intros_ignored >= IGNORED_LIMIT and member.status == MemberStatus.ACTIVE:
            member.status = MemberStatus.PAUSED
            member.paused_until = (now + timedelta(weeks=IGNORED_PAUSE_WEEKS)).date()
            member.intros_ignored = 0
            paused.append(member)
        session.add(link)
        session.add(member)
    session.commit()
    return paused


def pain_names(session: Session, team_id: str, slugs: list[str]) -> list[str]:
    names = dict(
        session.exec(select(PainPoint.slug, PainPoint.name).where(PainPoint.team_id == team_id)).all()
    )
    return [names.get(slug, slug) for slug in slugs]


@dataclass(frozen=True)
class ProposedGroup:
    members: list[Member]
    pains: list[str]  # names of the pain points they share, rarest first


@dataclass(frozen=True)
class Proposal:
    """This week's unsent matches as a facilitator previews them."""

    round_id: int
    week: str
    groups: list[ProposedGroup]
    left_out: list[tuple[Member, str]]  # and why ("alone", "avoided")


def proposal(session: Session, team_id: str, round_id: int, week: str) -> Proposal:
    groups = [
        ProposedGroup(stored.members, pain_names(session, team_id, stored.shared))
        for stored in groups_of(session, round_id)
    ]
    left = [(member, row.reason) for row, member in left_out(session, round_id)]
    return Proposal(round_id, week, groups, left)


def propose(session: Session, workspace: Workspace, actor: str, now: datetime) -> Proposal:
    """Plan this week's matches and keep them as a proposal to look at (and edit) before they
    are sent. Raises AlreadySent once the week's intros went out."""
    week = week_key(workspace, now)
    pool = build_pool(session, workspace, now)
    round_ = save_proposal(session, workspace, week, pool.plan(), actor, now)
    return proposal(session, workspace.team_id, round_.id or 0, week)


def swap_people(
    session: Session, workspace: Workspace, user_a: str, user_b: str, now: datetime
) -> Proposal | None:
    """Exchange two people (by Slack user id) between groups of this week's unsent proposal
    in `workspace`; the proposal as it now stands, or None when that can't be done."""
    week = week_key(workspace, now)
    round_ = current_round(session, workspace.team_id, week)
    found = [
        session.exec(
            select(Member).where(Member.team_id == workspace.team_id, Member.user_id == user)
        ).first()
        for user in (user_a, user_b)
    ]
    if round_ is None or found[0] is None or found[1] is None:
        return None
    pool = build_pool(session, workspace, now)
    if not swap(session, round_, pool, found[0].id or 0, found[1].id or 0):
        return None
    return proposal(session, workspace.team_id, round_.id or 0, week)
