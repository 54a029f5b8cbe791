"""`convene tables`: a convening seated from a CSV, run as the installed command."""

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.convenings.roleplay import own_roles
from bot.core.texts import Texts

CONVENE = Path(sys.executable).with_name("convene")

# name, country, agency, role (their own), challenge
ROWS = [
    ["Ana Pérez", "Mexico", "SFP", "Directora de Gobierno Abierto",
     "No tenemos presupuesto para los talleres de co-creación."],
    ["Luis Gómez", "Mexico", "Hacienda", "Oficial de presupuesto, Ministerio de Hacienda",
     "El ministerio recortó el presupuesto del plan."],
    ["Jean Martin", "Senegal", "Ministère des Finances", "Responsable budget",
     "Nous n'avons pas de budget pour les consultations."],
    ["Sara Lee", "Kenya", "Treasury", "Budget officer, Ministry of Finance",
     "There is no money for the forum; the budget was cut."],
    ["Marie Dubois", "France", "DITP", "Journaliste",
     "Le nouveau gouvernement a supprimé notre direction après les élections."],
    ["Tom Obi", "Nigeria", "BPP", "Journalist",
     "Elections are coming and the new minister may reorganise everything."],
    ["Karla Ruiz", "Chile", "Contraloría", "Auditora",
     "Cambió el gobierno y reorganizaron el ministerio después de las elecciones."],
    ["Nino Beridze", "Georgia", "MoJ", "Lawyer", "The coffee machine is broken."],
    ["", "Peru", "Gob", "", "A row without a name."],
    ["Ana Pérez", "Mexico", "SFP", "Directora", "Registered twice."],
]  # fmt: skip
NAMED = [row[0] for row in ROWS[:8]]


def _table(
    rows: list[list[str]], header: tuple[str, ...] = ("name", "country", "agency", "role", "challenge")
) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([list(header), *rows])
    return out.getvalue()


ATTENDEES = _table(ROWS)


def _convene(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DATABASE_URL"))}
    return subprocess.run(
        [str(CONVENE), "--env-file", str(tmp_path / "none.env"), "tables", *args],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _csv(tmp_path: Path, text: str = ATTENDEES, name: str = "attendees.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_csv_with_challenges_in_three_languages_is_seated_by_shared_pain_point(tmp_path: Path) -> None:
    result = _convene(tmp_path, "--file", _csv(tmp_path), "--size", "4")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    members = {m["name"]: (t, m) for t in plan["tables"] for m in t["members"]}
    seated = [m["name"] for t in plan["tables"] for m in t["members"]]
    assert Counter(seated) == Counter(NAMED)
    # The offline tagger read the Spanish, French and English challenges.
    for name in ("Ana Pérez", "Luis Gómez", "Jean Martin", "Sara Lee"):
        assert "funding" in members[name][1]["pain_points"]
    for name in ("Marie Dubois", "Karla Ruiz"):
        assert "changing_environment" in members[name][1]["pain_points"]
    assert members["Nino Beridze"][1]["pain_points"] == []
    # The four who named funding share a table whose focus it is.
    funding_tables = {members[n][0]["table"] for n in ("Ana Pérez", "Luis Gómez", "Jean Martin", "Sara Lee")}
    assert len(funding_tables) == 1
    [table] = [t for t in plan["tables"] if t["table"] in funding_tables]
    assert table["focus"] == ["funding"]
    texts = Texts.load()
    assert texts.get("convening.scenes.funding") in table["brief"]
    assert [t["table"] for t in plan["tables"]] == list(range(1, len(plan["tables"]) + 1))
    sizes = [len(t["members"]) for t in plan["tables"]]
    assert max(sizes) - min(sizes) <= 1 and all(3 <= s <= 5 for s in sizes)
    # Nobody plays their own role.
    own = {
        "Luis Gómez": "Oficial de presupuesto, Ministerio de Hacienda",
        "Sara Lee": "Budget officer, Ministry of Finance",
        "Marie Dubois": "Journaliste",
        "Tom Obi": "Journalist",
        "Karla Ruiz": "Auditora",
    }
    english = {texts.get(f"convening.roles.{r}"): r for r in texts.raw("convening.roles")}  # type: ignore[union-attr]
    for name, role in own.items():
        played = members[name][1]["role_play"]
        assert played in english and english[played] not in own_roles(role)
    assert {u["reason"] for u in plan["unseated"]} == {
        texts.get("convening.unseated_no_name", row=10),
        texts.get("convening.unseated_duplicate", row=11, first=2),
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["attendees.csv"], "no database file was created"


def test_the_same_file_gives_the_same_plan_whatever_the_order_of_its_rows(tmp_path: Path) -> None:
    header, *rows = ATTENDEES.strip().splitlines()
    kept = [r for r in rows if not r.startswith(",") and "Registered twice" not in r]
    first = _convene(tmp_path, "--file", _csv(tmp_path, "\n".join([header, *kept]) + "\n", "a.csv"))
    again = _convene(tmp_path, "--file", _csv(tmp_path, "\n".join([header, *kept]) + "\n", "a.csv"))
    reversed_rows = _convene(
        tmp_path, "--file", _csv(tmp_path, "\n".join([header, *kept[::-1]]) + "\n", "b.csv")
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout

    def tables(out: str) -> list[list[str]]:
        return [sorted(m["name"] for m in t["members"]) for t in json.loads(out)["tables"]]

    assert tables(first.stdout) == tables(reversed_rows.stdout)


def test_pain_point_ids_are_used_as_given_and_the_plan_prints_as_markdown(tmp_path: Path) -> None:
    rows = ["name,country,agency,pain_points"]
    rows += [
        f"Person {k},Country {k % 4},Agency {k % 3},{'funding' if k < 6 else 'time;Data quality'}"
        for k in range(12)
    ]
    rows += ["Pipe | Person,Chile,,data quality;Lack of time"]
    path = _csv(tmp_path, "\n".join(rows) + "\n")
    plan = json.loads(_convene(tmp_path, "--file", path, "--size", "6").stdout)
    by_name = {m["name"]: m for t in plan["tables"] for m in t["members"]}
    assert by_name["Person 7"]["pain_points"] == ["time", "Data quality"]
    assert by_name["Pipe | Person"]["pain_points"] == ["data quality", "time"]  # names resolve to ids
    assert sorted(f for t in plan["tables"] for f in t["focus"]) == ["funding", "time"]

    result = _convene(tmp_path, "--file", path, "--size", "6", "--markdown", "--language", "fr")
    assert result.returncode == 0, result.stderr
    texts = Texts.load()
    lines = result.stdout.splitlines()
    assert lines[0] == f"# {texts.get('convening.plan_title', 'fr')}"
    assert sum(line.startswith("## ") for line in lines) == len(plan["tables"])
    member_rows = [line for line in lines if line.startswith("| ") and "---" not in line]
    assert len(member_rows) == 13 + len(plan["tables"])  # one a member, one header a table
    assert "Pipe \\| Person" in result.stdout  # a name cannot break the table
    assert texts.get("convening.scenes.funding", "fr") in result.stdout


def test_briefs_and_roles_follow_the_language(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    texts = Texts.load()
    for language in ("es", "fr"):
        plan = json.loads(_convene(tmp_path, "--file", path, "--language", language).stdout)
        spoken = {texts.get(f"convening.roles.{r}", language) for r in texts.raw("convening.roles")}  # type: ignore[union-attr]
        assert all(m["role_play"] in spoken for t in plan["tables"] for m in t["members"])
        assert any(texts.get("convening.scenes.funding", language) in t["brief"] for t in plan["tables"])


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["--file", "missing.csv"], None, "no such file"),
        (["--file", "{csv}"], b"name,country\n\xff\xfeAna,Chile\n", "not UTF-8"),
        (["--file", "{csv}"], b"who,country\nAna,Chile\n", "needs a 'name' column (found: who, country)"),
        (["--file", "{csv}"], b"", "is empty"),
        (["--file", "{csv}"], b"name,country\n", "no attendees"),
        (["--file", "{csv}", "--size", "0"], b"name\nAna\n", "--size must be a whole number from 2 to 30"),
        (["--file", "{csv}", "--size", "1000"], b"name\nAna\n", "--size must be a whole number from 2 to 30"),
        (["--file", "{csv}", "--size", "six"], b"name\nAna\n", "--size must be a whole number"),
        (["--file", "{csv}"], b"name,challenge\nAna," + b"x" * 300_000 + b"\n", "longer than"),
        (["--file", "{csv}", "--language", "de"], b"name\nAna\n", "--language must be one of"),
        ([], None, "give the attendees as --file"),
        (["--file", "."], None, "is a folder"),
    ],
)
def test_bad_input_gets_one_clear_line_and_no_traceback(
    tmp_path: Path, args: list[str], content: bytes | None, message: str
) -> None:
    csv_file = tmp_path / "input.csv"
    if content is not None:
        csv_file.write_bytes(content)
    result = _convene(tmp_path, *[a.replace("{csv}", str(csv_file)) for a in args])
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("convene tables: "), result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr
