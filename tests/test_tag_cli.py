"""`convene tag`: facilitators try the taxonomy from the command line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from standins.openai_api import OpenAIStandIn

DATA = Path(__file__).parent / "data"


def _convene(tmp_path: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DATABASE_URL"))}
    base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.db'}"
    return subprocess.run(
        [sys.executable, "-m", "bot.app.cli", "--env-file", str(tmp_path / "none.env"), "tag", *args],
        env={**base, **(env or {})}, cwd=tmp_path, capture_output=True, text=True, timeout=120, input=stdin,
    )  # fmt: skip


def test_tagging_one_text_prints_one_json_line(tmp_path: Path) -> None:
    result = _convene(tmp_path, "The ministry of finance cut our budget and there is no money for the forum.")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    data = json.loads(line)
    assert data["text"].startswith("The ministry of finance")
    assert [p["id"] for p in data["pain_points"]] == ["funding"]
    assert 0 < data["pain_points"][0]["confidence"] <= 1


def test_tagging_a_csv_file_prints_a_line_per_row_and_says_no_confident_tag_as_an_empty_list(
    tmp_path: Path,
) -> None:
    csv_file = tmp_path / "answers.csv"
    csv_file.write_text(
        'id,text\n1,"No tenemos presupuesto para los talleres."\n2,"The coffee machine is broken."\n'
        '3,"Le nouveau gouvernement a supprimé notre direction après les élections."\n',
        encoding="utf-8",
    )
    result = _convene(tmp_path, "--file", str(csv_file))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3
    assert rows[1]["pain_points"] == []
    assert rows[2]["text"].startswith("Le nouveau gouvernement")


def _one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("convene tag: ") and "Traceback" not in result.stderr
    return line


@pytest.mark.parametrize("option", ["--file", "--examples", "--eval"])
def test_bad_files_are_one_clear_line_and_a_non_zero_exit(tmp_path: Path, option: str) -> None:
    def run(content: bytes | None, name: str = "bad.csv") -> str:
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        args = [option, str(path)] + (["we have no budget"] if option == "--examples" else [])
        return _one_clear_line(_convene(tmp_path, *args))

    assert "no such file" in run(None, "nope.csv")
    assert "not UTF-8" in run('text,pain_points\n"Año sin presupuesto",funding\n'.encode("latin-1"))
    assert "needs a 'text' column" in run(b"answer,pain_points\nhello,time\n")
    assert "longer than 100,000 characters" in run(b"text,pain_points\n" + b"x" * 200_000 + b",time\n")
    if option != "--file":
        assert "needs a 'pain_points' column" in run(b"text\nhello\n")
        assert "is not a pain point id" in run(b"text,pain_points\nhello,Lack of time\n")


def test_nothing_to_tag_is_a_clear_error(tmp_path: Path) -> None:
    assert "give a text" in _one_clear_line(_convene(tmp_path))


def test_tagging_never_creates_a_database_file(tmp_path: Path) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot.app.cli", "--env-file", str(tmp_path / "none.env"), "tag", "No money."],
        env=base, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["pain_points"][0]["id"] == "funding"
    assert list(tmp_path.iterdir()) == []  # neither the default convene.db nor anything else


def test_examples_teach_a_new_pain_point_named_after_its_id(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "text\n"
        '"The spending data on the portal is full of errors and duplicates."\n'
        '"Los datos publicados están incompletos y desactualizados."\n'
        '"We have no budget for the forum."\n',
        encoding="utf-8",
    )
    without = _convene(tmp_path, "--file", str(answers))
    assert without.returncode == 0, without.stderr
    assert all(
        p["id"] != "data_quality"
        for line in without.stdout.splitlines()
        for p in json.loads(line)["pain_points"]
    )
    taught = _convene(tmp_path, "--examples", str(DATA / "teach-data_quality.csv"), "--file", str(answers))
    assert taught.returncode == 0, taught.stderr
    rows = [json.loads(line) for line in taught.stdout.splitlines()]
    assert [r["pain_points"][0]["id"] for r in rows] == ["data_quality", "data_quality", "funding"]


def test_eval_prints_per_pain_point_figures_and_per_language_summaries(tmp_path: Path) -> None:
    result = _convene(
        tmp_path, "--examples", str(DATA / "teach-data_quality.csv"),
        "--eval", str(DATA / "teach-data_quality-test.csv"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "24 labelled answers, offline tagger"
    header = next(line for line in lines if line.startswith("pain point"))
    assert header.split()[2:6] == ["precision", "recall", "F1", "support"]
    assert header.split()[6:] == ["F1", "en", "F1", "es", "F1", "fr"]
    rows = {
        line.split()[0]: line.split()
        for line in lines
        if line and line.split()[0] in {"data_quality", "time"}
    }
    assert rows["data_quality"][4] == "18"  # support: the rows labelled with it
    assert float(rows["data_quality"][3]) >= 0.75
    summaries = {line.split()[0]: line for line in lines if line[:3] in {"all", "en ", "es ", "fr "}}
    assert set(summaries) == {"all", "en", "es", "fr"}
    assert "24 answers" in summaries["all"] and "12 answers" in summaries["en"]
    assert all("macro-F1" in line and "exact match" in line for line in summaries.values())


def test_eval_counts_ids_the_tagger_was_never_taught_and_says_so(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("text,pain_points\nNo budget at all.,funding\nTenders take forever.,procurement\n")
    result = _convene(tmp_path, "--eval", str(labelled))
    assert result.returncode == 0, result.stderr
    assert "never tagged: procurement" in result.stderr
    procurement = next(line for line in result.stdout.splitlines() if line.startswith("procurement"))
    assert procurement.split()[3] == "0.000"  # F1


def test_with_an_llm_configured_the_llm_tags(tmp_path: Path) -> None:
    with OpenAIStandIn(api_key="sk-cli") as server:
        result = _convene(
            tmp_path, "We have no budget for the consultations.",
            env={"OPENAI_API_KEY": "sk-cli", "OPENAI_BASE_URL": server.base_url},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert len(server.requests) == 1
    assert json.loads(result.stdout)["pain_points"][0]["id"] == "funding"
