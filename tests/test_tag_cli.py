"""`convene tag`: facilitators try the taxonomy from the command line."""

import json
import os
import subprocess
import sys
from pathlib import Path

from standins.openai_api import OpenAIStandIn


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


def test_a_csv_without_a_text_column_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("answer\nhello\n", encoding="utf-8")
    result = _convene(tmp_path, "--file", str(bad))
    assert result.returncode == 2
    assert "needs a 'text' column" in result.stderr
    missing = _convene(tmp_path, "--file", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "No such file" in missing.stderr


def test_with_an_llm_configured_the_llm_tags(tmp_path: Path) -> None:
    with OpenAIStandIn(api_key="sk-cli") as server:
        result = _convene(
            tmp_path, "We have no budget for the consultations.",
            env={"OPENAI_API_KEY": "sk-cli", "OPENAI_BASE_URL": server.base_url},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert len(server.requests) == 1
    assert json.loads(result.stdout)["pain_points"][0]["id"] == "funding"
