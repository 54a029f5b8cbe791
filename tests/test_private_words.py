"""A property: what one member alone wrote (a surname, an email, a phone number) reaches a
theme, the digest, the agenda or an export only as far as that member's consent level (and
the workspace's setting for facilitators) allows, however many answers they wrote and
whatever the others wrote, including a different name that shares its first letters.

Runs the real services on the real database: clustering and naming themes, adopting one,
building and rendering the digest, drafting the agenda (blocks and Markdown), exporting."""

import itertools
import json
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.texts import Texts
from bot.digest import agenda
from bot.digest.aggregate import build_digest
from bot.digest.blocks import digest_blocks
from bot.digest.narrative import template_summary
from bot.export.service import export_files
from bot.tagging import themes
from bot.workspaces import service as workspaces
from storage.db import Database
from storage.models import Answer, AnswerSource, Consent, EmergingTheme, PainPoint, Workspace
from tests import factories
from tests.e2e.conftest import text_of

TEXTS = Texts.load()
_teams = itertools.count(1)
# What a community writes about one shared problem, in a few ways.
THEME = [
    "The information registry backlog keeps growing and requests wait for months",
    "Our information registry backlog means requests wait for months again",
    "Requests wait for months because the information registry backlog keeps growing",
    "The registry backlog keeps growing: information requests wait for months",
]
letters = st.text(alphabet="bcdfghjklmnprstvwxz", min_size=7, max_size=10)


@st.composite
def secrets(draw: st.DrawFn) -> dict[str, str]:
    """A surname, an email and a phone number, distinctive enough to be found if they leak."""
    stem = "Q" + draw(letters)
    return {
        "surname": stem.capitalize(),
        # Another member's name with the same first seven letters: no prefix may join them.
        "near_miss": (stem[:7] + draw(st.sampled_from(["ando", "ez", "ina"]))).capitalize(),
        "email": f"{draw(letters)}.q@{draw(letters)}.org",
        "phone": f"+{draw(st.integers(1, 99))} {draw(st.integers(10_000_000, 99_999_999))}",
    }


def _add(
    db: Database, team: str, user: str, texts: list[str], level: str, readable: bool, clock: ManualClock
) -> None:
    person = factories.member(db, user, "UTC", clock.now(), team)
    with db.session() as session:
        for i, text in enumerate(texts):
            session.add(
                Answer(
                    team_id=team,
                    member_id=person.id,  # type: ignore[arg-type]
                    text=text,
                    source=AnswerSource.DM,
                    consent=level,
                    readable_by_facilitators=readable,
                    dedupe_key=f"{team}:{user}:{i}",
                    created_at=clock.now(),
                    tagged_at=clock.now(),  # seen by the tagger, fitting no pain point
                )
            )
        session.commit()


def _everything(db: Database, team: str, clock: ManualClock, out: Path) -> dict[str, str]:
    """Every text a theme, digest, agenda and export put in front of a person."""
    shown: dict[str, str] = {}
    with db.session() as session:
        proposed = themes.propose(session, team, "2026-W48", clock.now(), TEXTS)
        digest = build_digest(session, team, clock.now())
        summary = template_summary(TEXTS, digest, "OGP")
        shown["digest"] = text_of({"blocks": digest_blocks(TEXTS, digest, summary, "period", [])})
        drafted = agenda.draft(session, team, clock.now())
        shown["agenda"] = text_of({"blocks": agenda.agenda_blocks(TEXTS, drafted)}) + agenda.to_markdown(
            TEXTS, drafted
        )
        shown["theme names"] = "\n".join(f"{t.name}\n{t.keywords}" for t in proposed)
        shown["theme examples"] = "\n".join("\n".join(json.loads(t.examples)) for t in proposed)
        if proposed:
            themes.adopt(session, team, proposed[0].id, "UFACIL", clock.now(), TEXTS)
            adopted = session.exec(
                select(PainPoint).where(PainPoint.team_id == team, PainPoint.slug != "")
            ).all()
            shown["adopted pain points"] = "\n".join(f"{p.name}\n{p.description}" for p in adopted)
        export = export_files(session, team, None, None, out)
    for file in export.files:
        shown[f"export {file.path.name}"] = file.path.read_text("utf-8")
    return shown


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    secret=secrets(),
    level=st.sampled_from(Consent.LEVELS),
    raw=st.booleans(),
    others=st.integers(3, 5),
    repeats=st.integers(1, 3),
    others_level=st.sampled_from(Consent.LEVELS),
)
def test_one_members_words_go_no_further_than_their_consent(
    db: Database,
    clock: ManualClock,
    tmp_path: Path,
    secret: dict[str, str],
    level: str,
    raw: bool,
    others: int,
    repeats: int,
    others_level: str,
) -> None:
    team = f"TPRIV{next(_teams):05d}"
    factories.workspace(db, team)
    if raw:  # facilitators can read answers given from now on, and members were told
        with db.session() as session:
            workspaces.set_raw_answers(
                session, session.get(Workspace, team), True, clock.now() - timedelta(days=1)
            )
    private = f"{secret['surname']} ({secret['email']}, {secret['phone']}) sits on every request."
    _add(
        db,
        team,
        f"{team}LEAK",
        [f"{THEME[i % len(THEME)]}. {private}" for i in range(repeats)],
        level,
        raw,
        clock,
    )
    for n in range(others):
        words = THEME[n % len(THEME)] + (f". Minister {secret['near_miss']} agrees." if n == 0 else ".")
        _add(db, team, f"{team}M{n}", [words], others_level, raw, clock)

    shown = _everything(db, team, clock, tmp_path / team)
    assert shown["theme names"], "no theme was proposed: the property would prove nothing"

    # Where the leaker's words may appear, by their level and the workspace's setting.
    allowed = set()
    if level == Consent.QUOTE_ANONYMOUSLY:
        allowed |= {"digest", "theme examples", "export quotes.csv"}
    if raw:
        allowed.add("export checkins.csv")
    for part in (
        secret["surname"],
        secret["email"].split("@")[0],
        secret["email"].split("@")[1],
        secret["phone"],
    ):
        found = {where for where, text in shown.items() if part.lower() in text.lower()}
        assert found <= allowed, (part, found - allowed)
    # Another member's name is the same: one person's, never a theme's.
    others_allowed = {"export checkins.csv"} if raw else set()
    if others_level == Consent.QUOTE_ANONYMOUSLY:
        others_allowed |= {"digest", "theme examples", "export quotes.csv"}
    found = {where for where, text in shown.items() if secret["near_miss"].lower() in text.lower()}
    assert found <= others_allowed, found - others_allowed
    # Names, keywords and adopted descriptions hold only what the community says.
    for where in ("theme names", "adopted pain points", "agenda"):
        assert secret["surname"][:7].lower() not in shown.get(where, "").lower(), where
    # Never a member's id or name next to an anonymous quote.
    assert f"{team}LEAK" not in shown["export quotes.csv"] and "Member " not in shown["digest"]
    # And the themes were really built from everyone: at least three members' answers.
    with db.session() as session:
        assert session.exec(select(EmergingTheme).where(EmergingTheme.team_id == team)).first() is not None
