"""How long a community's own tagger takes to train, and what the tick pays for checking
whether it must: N labelled answers (the dev set's, repeated with a counter so that every
text is new to the encoder) in a fresh SQLite database.

Run: python -m benchmarks.community_training [--answers 100 1000]"""

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.core.config import Settings
from bot.core.texts import Texts
from bot.tagging import taxonomy
from bot.tagging.community import CommunityTaggers
from bot.tagging.evaluation import load_dev_set
from bot.tagging.offline import OfflineTagger
from bot.workspaces.service import ensure_workspace
from storage import migrate
from storage.db import Database
from storage.models import Answer, AnswerSource, AnswerTag, Member, TagSource

DEV_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "challenges-dev.csv"
TEAM = "T0BENCH"


def _fill(db: Database, count: int) -> None:
    rows = [r for r in load_dev_set(DEV_SET) if r.labels]
    now = datetime.now(UTC)
    with db.session() as session:
        ensure_workspace(session, TEAM, Settings())
        taxonomy.ensure_seeded(session, TEAM, Texts.load())
        ids = {p.slug: p.id for p in taxonomy.active_pain_points(session, TEAM)}
        member = Member(team_id=TEAM, user_id="UBENCH")
        session.add(member)
        session.flush()
        for i in range(count):
            row = rows[i % len(rows)]
            answer = Answer(team_id=TEAM, member_id=member.id or 0, text=f"{row.text} ({i})",
                            source=AnswerSource.MODAL, dedupe_key=f"bench:{i}", tagged_at=now)  # fmt: skip
            session.add(answer)
            session.flush()
            for slug in row.labels:
                session.add(AnswerTag(answer_id=answer.id or 0, pain_point_id=ids[slug] or 0,
                                      source=TagSource.MEMBER))  # fmt: skip
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    base = OfflineTagger()
    base.warm(taxonomy.seed_specs(Texts.load()))  # the encoder loaded and the prototypes embedded once
    print("| labelled answers | training (background) | the tick's check, labels unchanged |")
    print("|---|---|---|")
    for count in args.answers:
        with tempfile.TemporaryDirectory() as folder:
            db = Database.from_url(f"sqlite:///{folder}/bench.db")
            migrate.upgrade(db.engine)
            _fill(db, count)
            taggers = CommunityTaggers(base, db)
            started = time.perf_counter()
            assert taggers.learn(TEAM)
            taggers.wait(600)
            training = time.perf_counter() - started
            started = time.perf_counter()
            assert not taggers.learn(TEAM)
            check = time.perf_counter() - started
            taggers.close()
            db.dispose()
        print(f"| {count:,} | {training:.2f} s | {check * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
