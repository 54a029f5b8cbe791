"""Each community's own tagger, taught by its own labels.

Every pain point a member ticks in the check-in form is a label, and so is a facilitator's
correction (including "fits no pain point") and the answers a theme was adopted from. On the
scheduler's tick, `learn` compares a workspace's labels with those its tagger was trained on
(one small query) and, when they changed, trains a fresh copy of the offline tagger on them in
a background thread: at most one training at a time in this process, and the tick never waits
for it. `tagger_for` then hands the pipeline that workspace's tagger; while a first (or
taxonomy-changing) training is under way the workspace's new answers wait for it, a tick or
two, rather than be tagged by a tagger that does not know the new pain point.

Nothing heavy is stored: the labels are in the database, and a restarted process (or every
instance, each its own copy) retrains from them on its first tick. An answer teaches the
tagger only once the machine has given its own guess for it, so that agreement with members'
ticks is measured on answers the tagger had not learned from.

With an LLM configured, the same labels become its few-shot examples, and the community's
offline tagger is its fallback."""

import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from bot.tagging import PainPointSpec, Tagger, taxonomy
from bot.tagging.learning import Example
from bot.tagging.offline import OfflineTagger
from bot.tagging.tryout import learner
from storage.db import Database
from storage.models import Answer, AnswerTag, PainPoint, TagSource

log = logging.getLogger("convene.tagging")

LABEL_SOURCES = (TagSource.MEMBER, TagSource.FACILITATOR, TagSource.THEME)
MAX_EXAMPLES = 1_000  # the most recent labelled answers: training stays within a few seconds
WAIT_AT_MOST = 300.0  # seconds new answers wait for a training before the shared tagger tags them
# The LLM's few-shot context: a few recent examples of each pain point, within a budget.
PER_PAIN = 3
NONE_EXAMPLES = 2  # answers a facilitator said fit no pain point
EXAMPLE_CHARS = 300
FEW_SHOT_CHARS = 4 * 1_200  # about 1,200 tokens at ~4 characters a token


class ContextualTagger(Tagger, Protocol):
    """A tagger that takes the community's examples as context (the LLM tagger)."""

    fallback: Tagger

    def with_context(self, *, fallback: Tagger, examples: Sequence[Example]) -> Tagger: ...


@dataclass(frozen=True)
class Labelled:
    answer_id: int
    text: str
    slugs: frozenset[str]  # empty: a facilitator said it fits no pain point


def teachable() -> ColumnElement[bool]:
    """Which answers' words may teach the tagger: any answer whose text is still stored (not
    deleted by the retention period), whatever its consent level: the words are used for
    tags only, by the tagger (and the LLM that tags them anyway), and nobody reads them."""
    return and_(col(Answer.text) != "", col(Answer.text_deleted_at).is_(None))


def _labelled_ids(session: Session, team_id: str, limit: int) -> list[int]:
    labelled = (
        select(AnswerTag.answer_id)
        .where(col(AnswerTag.source).in_(LABEL_SOURCES))
        .where(col(AnswerTag.answer_id) == Answer.id)
        .exists()
    )
    return [
        i
        for i in session.exec(
            select(Answer.id)
            .where(
                Answer.team_id == team_id,
                col(Answer.tagged_at).is_not(None),
                teachable(),
                or_(labelled, col(Answer.corrected_at).is_not(None)),
            )
            .order_by(col(Answer.id).desc())
            .limit(limit)
        ).all()
        if i is not None
    ]


def labels_key(
    session: Session, team_id: str, specs: Sequence[PainPointSpec], limit: int = MAX_EXAMPLES
) -> str | None:
    """A digest of what the workspace's tagger would learn from now: its taxonomy and which
    answers carry which labels, as of their last edit; None when nothing is labelled. No
    answer text is read."""
    ids = _labelled_ids(session, team_id, limit)
    if not ids:
        return None
    rows = session.exec(
        select(col(Answer.id), col(Answer.updated_at), col(Answer.corrected_at), col(AnswerTag.pain_point_id))
        .join(
            AnswerTag,
            and_(col(AnswerTag.answer_id) == Answer.id, col(AnswerTag.source).in_(LABEL_SOURCES)),
            isouter=True,
        )
        .where(col(Answer.id).in_(ids or [-1]))
        .order_by(col(Answer.id), col(AnswerTag.pain_point_id))
    ).all()
    digest = hashlib.sha256(repr(list(specs)).encode())
    for row in rows:
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def labelled_answers(session: Session, team_id: str, limit: int = MAX_EXAMPLES) -> list[Labelled]:
    """The workspace's labelled answers, most recent first: each with the pain points people
    chose for it (a correction replaces the member's; see `corrections`)."""
    ids = _labelled_ids(session, team_id, limit)
    slugs: dict[int, set[str]] = {i: set() for i in ids}
    for answer_id, slug in session.exec(
        select(AnswerTag.answer_id, PainPoint.slug)
        .join(PainPoint, col(PainPoint.id) == AnswerTag.pain_point_id)
        .where(col(AnswerTag.answer_id).in_(ids or [-1]), col(AnswerTag.source).in_(LABEL_SOURCES))
    ).all():
        slugs[answer_id].add(slug)
    texts = dict(session.exec(select(Answer.id, Answer.text).where(col(Answer.id).in_(ids or [-1]))).all())
    return [Labelled(i, texts[i], frozenset(slugs[i])) for i in ids if i in texts]


def few_shot(examples: Sequence[Example], specs: Sequence[PainPointSpec]) -> tuple[Example, ...]:
    """From labelled answers (most recent first): up to PER_PAIN of each pain point in the
    taxonomy and NONE_EXAMPLES of none, each cut to EXAMPLE_CHARS, all within FEW_SHOT_CHARS."""
    offered = {spec.slug for spec in specs}
    used: Counter[str] = Counter()
    left = FEW_SHOT_CHARS
    chosen: list[Example] = []
    for example in examples:
        slugs = example.slugs & offered
        if example.slugs and not slugs:
            continue  # labelled with pain points no longer offered
        if not slugs and used[""] >= NONE_EXAMPLES:
            continue
        if slugs and all(used[s] >= PER_PAIN for s in slugs):
            continue
        text = example.text.strip()
        if len(text) > EXAMPLE_CHARS:
            text = text[: EXAMPLE_CHARS - 1].rstrip() + "…"
        cost = len(text) + 40 * max(1, len(slugs))  # the words, and their labels in the reply
        if cost > left:
            continue
        left -= cost
        used.update(slugs or {""})
        chosen.append(Example(text, frozenset(slugs)))
    return tuple(chosen)


@dataclass(frozen=True)
class Trained:
    key: str
    specs: tuple[PainPointSpec, ...]
    tagger: OfflineTagger
    examples: tuple[Example, ...]  # most recent first: the LLM's few-shot pool


@dataclass
class _Training:
    key: str
    started: float = field(default_factory=time.monotonic)


class CommunityTaggers:
    """Each workspace's tagger in this process (see the module's docstring)."""

    def __init__(self, base: Tagger, db: Database, executor: Executor | None = None) -> None:
        """`executor` runs the trainings: by default one background thread."""
        self.base = base
        self.db = db
        self._learner = learner(base)  # None: a tagger that does not learn (kept as is)
        self._llm: ContextualTagger | None = base if hasattr(base, "with_context") else None  # type: ignore[assignment]
        self._executor = executor or ThreadPoolExecutor(1, thread_name_prefix="convene-learn")
        self._lock = threading.Lock()
        self._trained: dict[str, Trained] = {}
        self._training: dict[str, _Training] = {}
        self._failed: dict[str, str] = {}  # team -> labels key whose training failed
        self.trainings = 0  # finished, for the benchmarks and the logs

    # --- learning ------------------------------------------------------------------------------
    def learn(self, team_id: str) -> bool:
        """Start training this workspace's tagger in the background if its labels changed
        since the last training; True if it started. Never waits for a training."""
        if self._learner is None:
            return False
        with self.db.session() as session:
            specs = taxonomy.specs(taxonomy.active_pain_points(session, team_id))
            key = labels_key(session, team_id, specs)
        with self._lock:
            if key is None:
                # Nothing to learn from (yet, or any more): the shared tagger is the same.
                self._trained.pop(team_id, None)
                return False
            trained = self._trained.get(team_id)
            if team_id in self._training or (trained is not None and trained.key == key):
                return False
            if self._failed.get(team_id) == key:
                return False  # the same labels failed already: wait for them to change
            self._training[team_id] = _Training(key)
        try:
            self._executor.submit(self._train, team_id, key)
        except RuntimeError:  # shutting down
            with self._lock:
                self._training.pop(team_id, None)
            return False
        return True

    def _train(self, team_id: str, key: str) -> None:
        learner_ = self._learner
        assert learner_ is not None
        started = time.monotonic()
        try:
            with self.db.session() as session:
                specs = tuple(taxonomy.specs(taxonomy.active_pain_points(session, team_id)))
                labelled = labelled_answers(session, team_id)
            examples = tuple(Example(item.text, item.slugs) for item in labelled)
            learner_.warm(specs)
            tagger = learner_.taught_copy(examples)
            tagger.model(specs)  # fit now, here, rather than when the tick tags
            with self._lock:
                self._trained[team_id] = Trained(key, specs, tagger, examples)
                self._failed.pop(team_id, None)
                self.trainings += 1
            log.info(
                "workspace %s: tagger trained on %d labelled answers in %.1f s",
                team_id,
                len(examples),
                time.monotonic() - started,
            )
        except Exception as exc:  # a failed training leaves the previous tagger in place
            with self._lock:
                self._failed[team_id] = key
            log.warning("workspace %s: training the tagger failed (%s)", team_id, type(exc).__name__)
        finally:
            with self._lock:
                self._training.pop(team_id, None)

    def busy(self) -> bool:
        with self._lock:
            return bool(self._training)

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until no training is running (for start-up scripts, benchmarks and tests);
        True if none is."""
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    # --- tagging -------------------------------------------------------------------------------
    def tagger_for(self, team_id: str, specs: Sequence[PainPointSpec]) -> Tagger | None:
        """The workspace's own tagger for this taxonomy; None while the one being trained for
        it is not ready yet (for at most WAIT_AT_MOST); else (nothing labelled, or training
        failed) the shared tagger."""
        with self._lock:
            trained = self._trained.get(team_id)
            training = self._training.get(team_id)
        offline: Tagger | None = None
        if trained is not None and trained.specs == tuple(specs):
            offline = trained.tagger
        elif training is not None and time.monotonic() - training.started < WAIT_AT_MOST:
            return None
        if self._llm is not None:
            examples = trained.examples if trained is not None else ()
            return self._llm.with_context(
                fallback=offline or self._llm.fallback, examples=few_shot(examples, specs)
            )
        return offline or self.base
