"""The tables. Every row is scoped by workspace (`team_id`) so one deployment can serve
several communities without mixing their data."""

from datetime import UTC, date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

# Deterministic constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DEFAULT_CHECKIN_CRON = "0 9 * * mon"
DEFAULT_MATCH_CRON = "0 10 * * tue"
DEFAULT_DIGEST_CRON = "0 15 * * fri"
DEFAULT_PRE_ENGAGEMENT_WEEKS = 3
DEFAULT_RETENTION_MONTHS = 12


class Consent:
    """Who may read an answer's words: one level per answer, chosen by its author where they
    answer. The levels are distinct, not a ladder: an anonymous quote is never also shown to
    peers with the author's name, and sharing with peers never reaches the digest."""

    COUNTS_ONLY = "counts_only"  # tags and counts only; no person reads the words
    SHARE_WITH_MATCHES = "share_with_matches"  # the peer-match intro may quote it, named
    QUOTE_ANONYMOUSLY = "quote_anonymously"  # the coordinators may quote it, never named
    LEVELS = (COUNTS_ONLY, SHARE_WITH_MATCHES, QUOTE_ANONYMOUSLY)
    DEFAULT = COUNTS_ONLY

    @classmethod
    def parse(cls, value: object) -> str:
        """A stored or submitted level; anything else is the most private one."""
        return value if isinstance(value, str) and value in cls.LEVELS else cls.DEFAULT


def utcnow() -> datetime:
    return datetime.now(UTC)


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Column[int]:
    # Cascades let `forget-me` delete a member with one statement and leave nothing behind.
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True)


class Workspace(SQLModel, table=True):
    team_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=255)
    coordinator_channel: str | None = Field(default=None, max_length=32)
    checkin_cron: str = Field(default=DEFAULT_CHECKIN_CRON, max_length=120)
    timezone: str = Field(default="UTC", max_length=64)
    reminder_hours: int = Field(default=24)
    match_cron: str = Field(default=DEFAULT_MATCH_CRON, max_length=120)
    digest_cron: str = Field(default=DEFAULT_DIGEST_CRON, max_length=120)
    profiles_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Whether facilitators can read the text of answers (exports), fixed at `/convene setup`
    # and announced to members. It only ever covers answers given while it was on: `since`
    # is when it was last turned on.
    raw_answers: bool = Field(default=False)
    raw_answers_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Answer texts older than this are deleted; their tags and counts stay.
    retention_months: int = Field(default=DEFAULT_RETENTION_MONTHS)
    retention_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Scheduled check-ins this many weeks before a convening ask ahead of it (0: never).
    pre_engagement_weeks: int = Field(default=DEFAULT_PRE_ENGAGEMENT_WEEKS)
    # When the latest `/convene checkin now` round started: claimed with one conditional
    # UPDATE, so two commands a second apart (or on two instances) start one round.
    manual_round_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Facilitator(SQLModel, table=True):
    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    added_by: str | None = Field(default=None, max_length=32)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MemberStatus:
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class Member(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    name: str = Field(default="", max_length=255)
    real_name: str = Field(default="", max_length=255)
    tz: str = Field(default="UTC", max_length=64)
    locale: str = Field(default="en-US", max_length=16)
    country: str | None = Field(default=None, max_length=120)
    agency: str | None = Field(default=None, max_length=255)
    status: str = Field(default=MemberStatus.ACTIVE, max_length=16)
    paused_until: date | None = None
    # Intros in a row this member let pass without answering the follow-up.
    intros_ignored: int = Field(default=0)
    # Opted in to be suggested as a session lead in the convening's draft agenda.
    can_lead: bool = Field(default=False)
    # Member's own settings (App Home). `language` None = follow the Slack locale.
    language: str | None = Field(default=None, max_length=8)
    checkin_every_weeks: int = Field(default=1)  # 1 weekly, 2 fortnightly, 4 monthly
    matching_enabled: bool = Field(default=True)
    # The consent level the form starts from and a plain DM reply takes (`Consent`).
    consent_default: str = Field(default=Consent.DEFAULT, max_length=24)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PainPointStatus:
    ACTIVE = "active"
    RETIRED = "retired"
    MERGED = "merged"


class PainPoint(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("team_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    slug: str = Field(max_length=64)
    name: str = Field(max_length=120)
    description: str = Field(default="", sa_type=Text)
    # Staff turnover is mostly a consequence of the other pains; digests say so.
    is_symptom: bool = False
    status: str = Field(default=PainPointStatus.ACTIVE, max_length=16)
    merged_into_id: int | None = Field(
        default=None, sa_column=_fk("painpoint.id", nullable=True, ondelete="SET NULL")
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoundKind:
    SCHEDULED = "scheduled"
    MANUAL = "manual"


class CheckinRound(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("team_id", "round_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    # The local date of a scheduled fire ("2026-11-30"): Manila and Mexico City receive the
    # same Monday round at their own 09:00. Manual rounds get "manual-<UTC start time>".
    round_key: str = Field(max_length=64)
    kind: str = Field(default=RoundKind.SCHEDULED, max_length=16)
    # The day the round belongs to (the scheduled fire's local date; a manual round's date in
    # the community's time zone): the digest counts a round in that day's week, wherever
    # its members live and whenever Slack delivered it.
    round_date: date | None = Field(default=None, index=True)
    started_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeliveryStatus:
    PENDING = "pending"  # planned, not yet sent
    SENDING = "sending"  # claimed by one instance; never re-sent blindly
    SENT = "sent"
    ANSWERED = "answered"
    SKIPPED = "skipped"
    FAILED = "failed"  # transient error; retried on a later tick
    UNDELIVERABLE = "undeliverable"  # Slack says this member cannot be reached
    EXPIRED = "expired"  # the bot was down past the grace window; too late to ask

    OPEN = (SENT, ANSWERED)


class CheckinDelivery(SQLModel, table=True):
    """One check-in DM to one member in one round. The unique key is what guarantees a
    restart, a retry or a second scheduler never sends a second DM."""

    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        Index("ix_checkindelivery_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(sa_column=_fk("checkinround.id"))
    member_id: int = Field(sa_column=_fk("member.id"))
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=DeliveryStatus.PENDING, max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=120)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminder_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Pre-engagement: a scheduled check-in in the weeks before this convening asks ahead of
    # it, and its answers count for that convening's agenda and seating.
    convening_id: int | None = Field(
        default=None, sa_column=_fk("convening.id", nullable=True, ondelete="SET NULL")
    )


class AnswerSource:
    MODAL = "modal"
    DM = "dm"


class Answer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    member_id: int = Field(sa_column=_fk("member.id"))
    delivery_id: int | None = Field(
        default=None, sa_column=_fk("checkindelivery.id", nullable=True, ondelete="SET NULL")
    )
    text: str = Field(sa_type=Text)
    source: str = Field(max_length=16)
    support_score: int | None = None
    wants_match: bool | None = None
    consent: str = Field(default=Consent.DEFAULT, max_length=24)  # a `Consent` level
    # Given while the workspace let facilitators read answers, and the member was told so.
    readable_by_facilitators: bool = Field(default=False)
    # Set when the retention period deleted the text; tags and counts stay.
    text_deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Slack retries deliveries; the message ts / view id makes a retry a no-op.
    dedupe_key: str = Field(max_length=160, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the machine tagger last looked at this answer; None = waiting to be tagged.
    tagged_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # A facilitator's correction in force: who made it and when. Its pain points are the
    # answer's `facilitator` tags; none at all is a correction too ("fits no pain point").
    corrected_by: str | None = Field(default=None, max_length=32)
    corrected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TagSource:
    """Who chose a tag. A facilitator's correction wins over everything, a member's own
    selection over the machine's; the machine only tags what no person has chosen for."""

    MEMBER = "member"
    OFFLINE = "offline"
    LLM = "llm"
    THEME = "theme"  # the answer was part of an emerging theme a facilitator adopted
    FACILITATOR = "facilitator"  # a facilitator's correction (Answer.corrected_by/_at)
    MACHINE = (OFFLINE, LLM)
    HUMAN = (MEMBER, FACILITATOR)  # the labels the community's tagger learns from


class AnswerTag(SQLModel, table=True):
    answer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True)
    )
    pain_point_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("painpoint.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
    source: str = Field(max_length=16)
    confidence: float = 1.0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when a merge moved this tag: which pain point the answer was first tagged with.
    merged_from_id: int | None = Field(
        default=None, sa_column=_fk("painpoint.id", nullable=True, ondelete="SET NULL")
    )


class MachineGuess(SQLModel, table=True):
    """What the machine tagger said of an answer when it last tagged it, kept even where a
    person's choice wins: it is how agreement with members' own ticks is measured."""

    answer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True)
    )
    pain_point_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("painpoint.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
    source: str = Field(max_length=16)
    confidence: float = 0.0


class PainPointEvent(SQLModel, table=True):
    """The taxonomy's history: who added, renamed, merged, retired or adopted what."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    pain_point_id: int | None = Field(
        default=None, sa_column=_fk("painpoint.id", nullable=True, ondelete="SET NULL")
    )
    action: str = Field(max_length=16)  # add | rename | merge | retire | adopt
    detail: str = Field(default="", sa_type=Text)
    actor: str | None = Field(default=None, max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ThemeStatus:
    PROPOSED = "proposed"
    ADOPTED = "adopted"
    DISMISSED = "dismissed"


class EmergingTheme(SQLModel, table=True):
    """A cluster of answers that fit no pain point, proposed to the facilitators."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    period_key: str = Field(max_length=16)  # ISO week it was found in, e.g. "2026-W48"
    name: str = Field(max_length=120)
    keywords: str = Field(default="", max_length=255)
    examples: str = Field(default="[]", sa_type=Text)  # JSON list of two short phrases
    status: str = Field(default=ThemeStatus.PROPOSED, max_length=16)
    pain_point_id: int | None = Field(
        default=None, sa_column=_fk("painpoint.id", nullable=True, ondelete="SET NULL")
    )
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ThemeAnswer(SQLModel, table=True):
    theme_id: int = Field(
        sa_column=Column(Integer, ForeignKey("emergingtheme.id", ondelete="CASCADE"), primary_key=True)
    )
    answer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class JobRun(SQLModel, table=True):
    """Once-per-period work (weekly theme clustering, digests): the unique key is the lock."""

    __table_args__ = (UniqueConstraint("team_id", "job", "period_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    job: str = Field(max_length=32)
    period_key: str = Field(max_length=32)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MatchAvoid(SQLModel, table=True):
    """A member's confidential "please don't match me with…": never shown to anyone."""

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    avoid_member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class MatchRoundStatus:
    PREVIEW = "preview"  # proposed, editable, nothing sent
    SENDING = "sending"  # claimed by one instance
    SENT = "sent"


class MatchRound(SQLModel, table=True):
    """One week's matching. The (team, week) key makes a second run of the same week a no-op."""

    __table_args__ = (UniqueConstraint("team_id", "week_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    week_key: str = Field(max_length=16)  # ISO week in the community's time zone, e.g. "2026-W49"
    status: str = Field(default=MatchRoundStatus.PREVIEW, max_length=16)
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MatchGroup(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(sa_column=_fk("matchround.id"))
    shared_pains: str = Field(default="[]", max_length=1000)  # JSON list of slugs, rarest first
    weight: float = 0.0
    channel_id: str | None = Field(default=None, max_length=32)
    intro_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    intro_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    intro_error: str | None = Field(default=None, max_length=120)
    followup_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MatchMember(SQLModel, table=True):
    group_id: int = Field(
        sa_column=Column(Integer, ForeignKey("matchgroup.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    met: bool | None = None
    helped: bool | None = None
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MatchLeftOut(SQLModel, table=True):
    """Someone who asked for a match and could not be placed, and was told why."""

    round_id: int = Field(
        sa_column=Column(Integer, ForeignKey("matchround.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    reason: str = Field(max_length=32)
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DigestPost(SQLModel, table=True):
    """A week's digest in one channel. The unique key is what makes it post once, whatever
    restarts, retries or second instances happen."""

    __table_args__ = (UniqueConstraint("team_id", "channel_id", "week_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    channel_id: str = Field(max_length=32)
    week_key: str = Field(max_length=16)
    status: str = Field(default="posting", max_length=16)  # posting | posted | failed
    message_ts: str | None = Field(default=None, max_length=32)
    messages: int = 0
    chart_file_id: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=120)
    posted_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SeenRequest(SQLModel, table=True):
    """An event or interaction already handled. Slack retries a request it thinks failed
    (`X-Slack-Retry-Num`), and two instances behind a load balancer may each get a copy;
    the primary key (`event:<event_id>`, `trigger:<trigger_id>`) lets exactly one through."""

    key: str = Field(primary_key=True, max_length=200)
    team_id: str = Field(default="", max_length=32)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class SendPace(SQLModel, table=True):
    """One workspace's schedule of send slots (bot.slack.pacing.DatabaseSlots), shared by
    every instance: epoch seconds of the next free slot and of the end of a 429 pause."""

    key: str = Field(primary_key=True, max_length=64)
    next_slot: float = 0.0
    paused_until: float = 0.0


class SchedulerLease(SQLModel, table=True):
    """Which instance runs the scheduled jobs. The holder renews it every tick; another
    instance takes it over once it has expired (the holder died or hung)."""

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    acquired_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class ExportVia:
    SLACK = "slack"  # `/convene export`
    COMMAND_LINE = "command_line"  # `convene export` on the server


class ExportRecord(SQLModel, table=True):
    """One export of a workspace's answers: who took it, when, which range, how many answers
    and how many of their texts. Members see the exports that included their answers."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    via: str = Field(max_length=16)
    exported_by: str | None = Field(default=None, max_length=32)  # Slack user id (via Slack)
    operator: str = Field(default="", max_length=120)  # server account (command line)
    since: date | None = None
    until: date | None = None
    answers: int = 0
    named: int = 0  # answer texts it carried with their author (facilitators could read them)
    quoted: int = 0  # answer texts it carried as anonymous quotes
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ExportedMember(SQLModel, table=True):
    export_id: int = Field(
        sa_column=Column(Integer, ForeignKey("exportrecord.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    answers: int = 0
    named: int = 0
    quoted: int = 0


class ConveningStatus:
    PLANNED = "planned"
    CANCELLED = "cancelled"


class SeatingStatus:
    PREVIEW = "preview"  # proposed, editable, nothing sent
    SENDING = "sending"  # claimed by one instance
    SENT = "sent"


class Convening(SQLModel, table=True):
    """A gathering of the community. The same name on the same day is one convening, however
    many times it is added."""

    __table_args__ = (UniqueConstraint("team_id", "name", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    name: str = Field(max_length=120)
    day: date
    place: str | None = Field(default=None, max_length=255)
    status: str = Field(default=ConveningStatus.PLANNED, max_length=16)
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_by: str | None = Field(default=None, max_length=32)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The seating plan: None until proposed, then `SeatingStatus`.
    seating_status: str | None = Field(default=None, max_length=16)
    table_size: int | None = None
    seating_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Rsvp:
    GOING = "going"
    NOT_GOING = "not_going"


class ConveningRsvp(SQLModel, table=True):
    convening_id: int = Field(
        sa_column=Column(Integer, ForeignKey("convening.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    answer: str = Field(max_length=16)  # `Rsvp`
    answered_at: datetime = Field(sa_type=UTCDateTime)


class ConveningTable(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("convening_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    convening_id: int = Field(sa_column=_fk("convening.id"))
    number: int
    focus: str = Field(default="[]", max_length=1000)  # JSON list of pain-point slugs


class ConveningSeat(SQLModel, table=True):
    """One member's seat. The primary key seats everyone exactly once per convening."""

    convening_id: int = Field(
        sa_column=Column(Integer, ForeignKey("convening.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    table_id: int = Field(sa_column=_fk("conveningtable.id"))
    role: str = Field(max_length=32)  # a role-play role id (bot/convenings/roles.toml)
    pains: str = Field(default="[]", max_length=1000)  # JSON: the pain points they were seated by


class ConveningMessageKind:
    INVITE = "invite"  # Going / Not this time
    SEAT = "seat"  # your table, its focus, your role and the brief
    HARVEST = "harvest"  # the day after: what will you try, who to keep talking to
    FOLLOW_UP = "follow_up"  # four weeks later: did you try it?
    CANCELLED = "cancelled"  # to those who said Going


class ConveningMessage(SQLModel, table=True):
    """One DM about a convening to one member. As with check-ins, the unique key is what
    guarantees a restart, a retry or a second instance never sends it twice; the status
    (`DeliveryStatus`) is claimed before sending."""

    __table_args__ = (
        UniqueConstraint("convening_id", "member_id", "kind"),
        Index("ix_conveningmessage_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    convening_id: int = Field(sa_column=_fk("convening.id"))
    member_id: int = Field(sa_column=_fk("member.id"))
    kind: str = Field(max_length=16)  # `ConveningMessageKind`
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=DeliveryStatus.PENDING, max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=120)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Tried:
    YES = "yes"
    PARTLY = "partly"
    NOT_YET = "not_yet"


class ConveningHarvest(SQLModel, table=True):
    """What an attendee took away: what they will try next, and (four weeks later) whether
    they did. `consent` is a level name: "counts_only" or "quote_anonymously"."""

    convening_id: int = Field(
        sa_column=Column(Integer, ForeignKey("convening.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    try_text: str = Field(default="", sa_type=Text)
    consent: str = Field(default="counts_only", max_length=24)
    answered_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    tried: str | None = Field(default=None, max_length=16)  # `Tried`
    tried_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConveningContact(SQLModel, table=True):
    """Someone an attendee met at a convening and wants to keep talking to: matching prefers
    the two as partners."""

    convening_id: int = Field(
        sa_column=Column(Integer, ForeignKey("convening.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
