"""`convene demo` as a newcomer runs it: a real process, no tokens and no network, telling the
whole story in order and writing the files a person would open to --out."""

import csv
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest

from bot.core.texts import Texts
from bot.export.service import CHECKIN_COLUMNS, MATCH_COLUMNS, QUOTE_COLUMNS, TAG_COLUMNS
from bot.tagging.clustering import tokens
from standins.demo.community import DEMO_COORDINATOR_CHANNEL, DEMO_FACILITATOR, DEMO_MEMBERS
from standins.demo.render import WIDTH
from standins.demo.run import (
    CONVENING,
    SPANISH,
    STAGES,
    OutDirError,
    prepare_out_dir,
)

TEXTS = Texts.load()
PEOPLE = {m.user_id: m for m in (DEMO_FACILITATOR, *DEMO_MEMBERS)}
BAR = "│"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    out: Path


def _convene(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "CONVENE_"))}
    env.pop("DATABASE_URL", None)
    # Anything that tried to leave the machine would go to a proxy that isn't there.
    env.update(
        http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9", no_proxy="127.0.0.1,localhost"
    )
    return subprocess.run(
        [sys.executable, "-m", "bot.app.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _run_demo(where: Path) -> Run:
    out = where / "out"
    result = _convene("demo", "--out", str(out), cwd=where)
    return Run(result.returncode, result.stdout, result.stderr, out)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = _run_demo(tmp_path_factory.mktemp("demo"))
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def _sections(stdout: str) -> dict[int, str]:
    """Stage number -> its text, as printed under `== N. <title>`."""
    found = list(re.finditer(r"^== (\d+)\. .*$", stdout, flags=re.M))
    return {
        int(m.group(1)): stdout[m.end() : found[i + 1].start() if i + 1 < len(found) else len(stdout)]
        for i, m in enumerate(found)
    }


def _flat(text: str) -> str:
    """Printed text with its wrapping undone: the bars and line breaks become single spaces."""
    lines = (line.strip().removeprefix(BAR).strip() for line in text.splitlines())
    return " ".join(" ".join(lines).split())


def _shown(text: str) -> str:
    """A prompt as a terminal shows it: no mrkdwn bold or italics, emoji drawn."""
    from standins.demo.render import Names

    return _flat(Names({}, {}).mrkdwn(text))


def _stage(demo: Run, title: str) -> str:
    return _flat(_sections(demo.stdout)[STAGES.index(title) + 1])


# ---------------------------------------------------------------- the story


def test_every_stage_is_told_once_and_in_order(demo: Run) -> None:
    headings = re.findall(r"^== (\d+)\. (.+?)(?:  \(.*\))?$", demo.stdout, flags=re.M)
    assert headings == [(str(n), title) for n, title in enumerate(STAGES, 1)]


def test_setup_joining_and_the_round(demo: Run) -> None:
    setup = _stage(demo, "Setup")
    assert f"Digests will be posted in #{DEMO_COORDINATOR_CHANNEL[1]}" in setup
    assert _shown(TEXTS.get("commands.not_facilitator", command="checkin now")) in setup
    assert "Mon 14 Dec 09:00" in setup  # the schedule's third round, whole
    assert _shown(TEXTS.get("me.header")) in _stage(demo, "Members join")
    round_ = _sections(demo.stdout)[STAGES.index("Monday's check-in round") + 1]
    for member in DEMO_MEMBERS:
        [row] = [line for line in round_.splitlines() if f" {member.real_name} " in line]
        assert member.tz in row, member.real_name  # each asked once, at 09:00 in their zone


def test_members_see_the_checkin_the_form_the_consent_levels_and_a_dm_reply(demo: Run) -> None:
    shown = _stage(demo, "What members saw: the check-in, the form, a DM reply")
    assert _shown(TEXTS.get("checkin.question")) in shown
    for level in ("counts_only", "share_with_matches", "quote_anonymously"):
        chooser = next(m for m in DEMO_MEMBERS if m.responds == "modal" and m.consent == level)
        assert f"{chooser.real_name} chose “{TEXTS.get(f'privacy.{level}')}”" in shown
    replier = next(m for m in DEMO_MEMBERS if m.responds == "dm")
    saved = TEXTS.get(
        "checkin.dm_saved", length=len(replier.challenge), level=TEXTS.get("privacy.counts_only")
    )
    assert _shown(saved) in shown


def test_tagging_matching_reminders_and_the_follow_up(demo: Run) -> None:
    tagging = _stage(demo, "Tagging")
    assert _shown(TEXTS.get("pains.header", active=6)) in tagging
    # The summary counts what the table shows: answers that neither the member nor the tagger
    # gave a pain point (the tagger may well tag a form answer the member left unticked).
    untagged = tagging.count("none: a candidate for a theme")
    assert untagged >= 1 and f"{untagged} with none" in tagging

    matching = _stage(demo, "Matching: preview, then intros")
    wanted = sum(1 for m in DEMO_MEMBERS if m.wants_match and m.responds == "modal")
    assert _shown(TEXTS.get("match.sent", groups=wanted // 2, people=wanted, failed="")) in matching
    assert TEXTS.get("match.intro_header") in matching

    reminders = _stage(demo, "Reminders")
    for member in DEMO_MEMBERS:
        assert (member.real_name in reminders) == (member.responds == "silent"), member.real_name

    follow_up = _stage(demo, "Follow-up: did you meet? did it help?")
    assert _shown(TEXTS.get("match.thanks_helped")) in follow_up


def test_the_emerging_theme_is_named_only_with_words_three_members_wrote(demo: Run) -> None:
    theme = _stage(demo, "Emerging theme")
    [name] = re.findall(r"Proposed: “([^”]+)”", theme)
    for word in tokens(name):
        writers = {m.user_id for m in DEMO_MEMBERS if word in tokens(m.challenge)}
        assert len(writers) >= 3, word


def test_the_digest_agenda_and_app_homes(demo: Run) -> None:
    digest = _stage(demo, "Friday digest")
    assert TEXTS.get("digest.header", week="2026-W49") in digest
    assert "chart attached: pain-points-2026-W49.png" in digest
    assert _shown(TEXTS.get("agenda.header")) in _stage(demo, "Agenda for the next convening")
    homes = _stage(demo, "App Home")
    assert TEXTS.get("home.stats_header") in homes  # the facilitators' part
    assert _shown(TEXTS.get("home.matching_on")) in homes  # a member's own settings


def test_the_spanish_member_reads_her_checkin_intro_and_home_in_spanish(demo: Run) -> None:
    section = _sections(demo.stdout)[STAGES.index("A Spanish-speaking member's Slack") + 1]
    shown = _flat(section)
    for key in ("checkin.question", "match.intro_header", "home.stats_header"):
        assert (TEXTS.get(key, "es") in shown) == (key != "home.stats_header"), key
        assert TEXTS.get(key, "en") not in shown, key
    # What she reads (the lines behind the bar) is Spanish, not English with Spanish bits.
    read = [w.lower() for line in section.splitlines() if BAR in line for w in re.findall(r"\w+", line)]
    spanish = sum(w in {"el", "la", "los", "las", "de", "que", "tu", "tus", "y", "en", "para"} for w in read)
    english = sum(w in {"the", "you", "your", "of", "to", "is", "for", "with", "in"} for w in read)
    assert spanish > 50 and english * 10 < spanish, (spanish, english)


def test_the_convening_is_planned_seated_and_harvested(demo: Run) -> None:
    invitations = _stage(demo, "Convening: planned, invitations, RSVPs")
    assert TEXTS.get("convening.invite_header", name=CONVENING) in invitations
    going = sum(1 for m in DEMO_MEMBERS if m.rsvp == "going")
    assert f"{going} members press Going" in invitations
    tables = _stage(demo, "Convening: tables, previewed then sent")
    assert _shown(TEXTS.get("convening.plan_sent", sent=going, people=going, failed=0)) in tables
    assert TEXTS.get("convening.seat_brief_header") in tables
    assert _shown(TEXTS.get("convening.seat_role", role="")).split(":")[0] in tables
    spanish_locale = PEOPLE[SPANISH].locale
    assert TEXTS.get("convening.seat_header", spanish_locale, name=CONVENING) in tables
    harvest = _stage(demo, "Convening: the harvest, the day after")
    assert _shown(TEXTS.get("convening.harvest", first_name="Marisol", name=CONVENING)) in harvest
    assert _shown(TEXTS.get("export.sent", count=4)) in _stage(demo, "Export")


# ---------------------------------------------------------------- the files


def test_the_files_a_person_opens_are_written_and_listed(demo: Run) -> None:
    listed = _sections(demo.stdout)[len(STAGES)]
    files = {p.relative_to(demo.out).as_posix(): p for p in demo.out.rglob("*") if p.is_file()}
    assert sorted(files) == [
        "convening-agenda.md",
        "export/checkins.csv",
        "export/matches.csv",
        "export/quotes.csv",
        "export/tags.csv",
        "pain-points-2026-W49.png",
        "seating-plan.md",
    ]
    assert f"In {demo.out.resolve()}{os.sep}" in listed
    for name in files:
        assert re.search(rf"^\s+{re.escape(name)}  ", listed, flags=re.M), name
    assert files["pain-points-2026-W49.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert files["convening-agenda.md"].read_text().startswith("# Draft agenda")
    assert re.search(r"^## 1\. ", files["convening-agenda.md"].read_text(), flags=re.M)
    plan = files["seating-plan.md"].read_text()
    assert plan.startswith("# Seating plan") and re.search(r"^## Table 1", plan, flags=re.M)
    headers = {
        "export/checkins.csv": CHECKIN_COLUMNS,
        "export/tags.csv": TAG_COLUMNS,
        "export/matches.csv": MATCH_COLUMNS,
        "export/quotes.csv": QUOTE_COLUMNS,
    }
    for name, columns in headers.items():
        with files[name].open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == columns and len(rows) > 1, name


def test_the_export_keeps_to_what_members_consented(demo: Run) -> None:
    with (demo.out / "export/checkins.csv").open(newline="", encoding="utf-8") as handle:
        checkins = list(csv.DictReader(handle))
    answered = [m for m in DEMO_MEMBERS if m.responds in ("modal", "dm")]
    assert len(checkins) == len(answered)
    assert all(row["text"] == "" for row in checkins)  # facilitators can't read answers (the default)
    with (demo.out / "export/quotes.csv").open(newline="", encoding="utf-8") as handle:
        quotes = {row["text"] for row in csv.DictReader(handle)}
    consented = {m.challenge for m in answered if m.consent == "quote_anonymously" and m.responds == "modal"}
    assert quotes == consented
    text = (demo.out / "export/quotes.csv").read_text(encoding="utf-8")
    assert not any(uid in text or PEOPLE[uid].real_name in text for uid in PEOPLE)


# ---------------------------------------------------------------- how it reads


def test_slack_references_are_shown_as_names(demo: Run) -> None:
    assert not re.search(r"<[#@!][A-Z0-9]", demo.stdout)
    assert "&lt;" not in demo.stdout and "&amp;" not in demo.stdout
    assert f"@{DEMO_MEMBERS[0].real_name}" in demo.stdout


def test_nothing_is_cut_mid_word(demo: Run) -> None:
    """A "…" may follow a whole word, never a piece of one (e.g. "Asia/Man…", "Mon 14 De…")."""
    vocabulary = set(re.findall(r"\w+", demo.stdout.replace("…", " ")))
    for person in PEOPLE.values():
        for field in (person.real_name, person.tz, person.country, person.agency, person.challenge):
            vocabulary.update(re.findall(r"\w+", field))
    vocabulary.update(re.findall(r"\w+", " ".join(_prompt_strings())))
    whole_words = set(re.findall(r"\w+(?!…)\b", demo.stdout))
    for match in re.finditer(r"(\w+)…", demo.stdout):
        piece = match.group(1)
        longer = sorted(w for w in vocabulary if w.startswith(piece) and w != piece)
        assert piece in whole_words or not longer, f"{piece}… looks cut from {longer[:3]}"
    for person in PEOPLE.values():
        assert person.tz in demo.stdout  # e.g. Asia/Manila, whole


def test_lines_fit_a_terminal_and_columns_hold_the_longest_names(demo: Run) -> None:
    assert all(len(line) <= WIDTH for line in demo.stdout.splitlines() if str(demo.out) not in line)
    round_ = _sections(demo.stdout)[STAGES.index("Monday's check-in round") + 1].splitlines()
    rows = [line for line in round_ if any(f" {m.real_name} " in line for m in DEMO_MEMBERS)]
    # The member column starts at the same place on every row, however long the time zone.
    starts = {
        min(line.index(f" {m.real_name} ") for m in DEMO_MEMBERS if f" {m.real_name} " in line)
        for line in rows
    }
    assert len(starts) == 1, starts


def test_the_same_run_prints_and_writes_the_same(demo: Run, tmp_path: Path) -> None:
    again = _run_demo(tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.replace(str(again.out), "OUT") == demo.stdout.replace(str(demo.out), "OUT")
    for path in demo.out.rglob("*"):
        if path.is_file():
            assert (again.out / path.relative_to(demo.out)).read_bytes() == path.read_bytes(), path


# ---------------------------------------------------------------- --out


def test_a_file_as_out_gets_one_line_and_a_failure(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    for out in (a_file, a_file / "demo"):  # a file; a folder that can't be made under one
        result = _convene("demo", "--out", str(out), cwd=tmp_path)
        assert result.returncode != 0
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert str(out) in result.stderr and "Traceback" not in result.stderr
    assert a_file.read_text() == "mine"


def test_without_out_a_new_folder_is_made_and_an_existing_one_never_reused(tmp_path: Path) -> None:
    now = datetime(2026, 12, 1, 9, 30, 5)
    first = prepare_out_dir(None, now, cwd=tmp_path)
    assert first.path == (tmp_path / "convene-demo-20261201-093005").resolve() and not first.had_files
    (first.path / "chart.png").write_bytes(b"earlier")
    second = prepare_out_dir(None, now, cwd=tmp_path)
    assert second.path != first.path and second.path.parent == first.path.parent
    assert (first.path / "chart.png").read_bytes() == b"earlier"


def test_an_existing_folder_with_files_is_reported(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert prepare_out_dir(str(tmp_path), datetime(2026, 12, 1)).had_files
    assert not prepare_out_dir(str(tmp_path / "new"), datetime(2026, 12, 1)).had_files
    with pytest.raises(OutDirError, match="is a file"):
        prepare_out_dir(str(tmp_path / "keep.txt"), datetime(2026, 12, 1))


def _prompt_strings() -> Iterator[str]:
    def walk(node: object) -> Iterator[str]:
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for entry in resources.files("prompts").iterdir():
        if entry.name.endswith(".toml"):
            yield from walk(tomllib.loads(entry.read_text("utf-8")))
