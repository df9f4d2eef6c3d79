"""The command line as a maintainer meets it: one rule for bad option values, snippet checks
that degrade instead of lying, `new`, file names, output for people and for programs, which
corpus is used, colour, and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHIPPED_DECKS
from typer.testing import CliRunner

from mlops_anki.cli import app

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def run_module(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlops_anki", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize("command", [["build", "-o", "never"], ["list"]])
@pytest.mark.parametrize(
    "option, value, message",
    [
        (
            "--difficulty",
            "senoir",
            "error: invalid value for --difficulty: unknown difficulty "
            "'senoir'; did you mean 'senior'? known: intermediate, senior",
        ),
        (
            "--topic",
            "servng",
            "error: invalid value for --topic: unknown topic 'servng'; did you "
            "mean 'serving'? known: monitoring, serving, training",
        ),
        (
            "--topic",
            "quantum",
            "error: invalid value for --topic: unknown topic 'quantum'; known: "
            "monitoring, serving, training",
        ),
        (
            "--id",
            "frist-question",
            "error: invalid value for --id: unknown id 'frist-question'; "
            "did you mean 'first-question'",
        ),
    ],
)
def test_an_unknown_filter_value_is_a_usage_error_with_a_suggestion(
    decks, command, option, value, message
):
    result = invoke(*command, "--decks", str(decks), option, value)
    assert result.exit_code == 2
    assert message in result.output
    assert not Path("never").exists()


def test_an_unknown_id_shows_the_closest_few_never_every_id():
    result = invoke("build", "--decks", str(SHIPPED_DECKS), "-o", "never", "--id", "canary-deploy")
    assert result.exit_code == 2
    assert (
        "error: invalid value for --id: unknown id 'canary-deploy'; did you mean "
        "'canary-deployment'? `mlops-anki list` shows all 88 ids"
    ) in result.output
    assert len(result.output) < 300


@pytest.mark.parametrize("command", ["build", "validate", "list", "stats", "filters", "preview"])
def test_a_decks_folder_that_does_not_exist_is_a_usage_error(command, tmp_path):
    result = invoke(command, "--decks", str(tmp_path / "nonexist"))
    assert result.exit_code == 2
    assert "Invalid value for '--decks'" in result.output and "does not exist" in result.output


def test_without_bash_the_build_succeeds_and_says_which_check_was_skipped(tmp_path):
    decks = tmp_path / "decks"
    shutil.copytree(SHIPPED_DECKS, decks)
    result = run_module(
        "build",
        "--decks",
        str(decks),
        "-o",
        str(tmp_path / "out"),
        PATH=str(tmp_path / "empty-bin"),
    )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "bash" in line]
    assert len(notes) == 1
    assert notes[0].startswith(
        f"{decks / 'mlops-interview'}: note: bash was not found on PATH, so "
    )
    assert notes[0].endswith("bash snippet(s) were not syntax-checked; install bash to check them")
    assert "does not parse" not in result.stderr
    assert (
        run_module(
            "validate", "--strict", "--decks", str(decks), PATH=str(tmp_path / "empty-bin")
        ).returncode
        == 0
    )


def test_new_writes_the_next_question_and_validate_lists_what_is_left(decks, sample):
    result = invoke(
        "new",
        "How do you roll back a model?",
        "--decks",
        str(decks),
        "--difficulty",
        "senior",
        "--topic",
        "serving",
        "--topic",
        "monitoring",
    )
    assert result.exit_code == 0, result.output
    path = sample / "questions" / "004-roll-back-model.yaml"
    assert result.output.startswith(f"Wrote {path} (number 4, id roll-back-model)\n")
    text = path.read_text()
    assert 'question: "How do you roll back a model?"' in text
    assert "topics: [serving, monitoring]" in text
    checked = invoke("validate", "--decks", str(decks))
    assert checked.exit_code == 1
    assert f"{path}:7:4: key_points[0]: expected non-empty text, found nothing" in checked.output
    assert "file name" not in checked.output  # named from its own number and id
    listing = invoke("list", "--decks", str(decks), "--format", "json")
    assert listing.exit_code == 1  # the new file still has errors: shown on stderr
    assert [row["number"] for row in json.loads(listing.stdout)] == [1, 2, 3]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--difficulty", "expert", "--topic", "serving"],
            "error: invalid value for --difficulty: unknown value 'expert'; known: intermediate, senior",
        ),
        (
            ["--difficulty", "senior", "--topic", "servng"],
            "error: invalid value for --topic: unknown value 'servng'; did you mean 'serving'?",
        ),
        (
            ["--difficulty", "senior", "--topic", "serving", "--id", "first-question"],
            "error: invalid value for --id: 'first-question' is not a new slug",
        ),
    ],
)
def test_new_refuses_bad_values(decks, sample, args, message):
    result = invoke("new", "A question?", "--decks", str(decks), *args)
    assert result.exit_code == 2 and message in result.output
    assert len(list((sample / "questions").iterdir())) == 3


def test_a_misnamed_question_file_is_an_error(decks, sample):
    q2 = sample / "questions" / "002-second-question.yaml"
    q2.rename(sample / "questions" / "002-second-questoin.yaml")
    result = invoke("validate", "--decks", str(decks))
    assert result.exit_code == 1
    assert (
        f"{sample / 'questions' / '002-second-questoin.yaml'}:1:1: file name "
        "'002-second-questoin.yaml' does not match the question's number and id; rename "
        "the file to '002-second-question.yaml'"
    ) in result.output


def test_validate_mentions_ids_not_yet_released(decks, released):
    q3 = released / "questions" / "003-third-question.yaml"
    (released / "questions" / "004-fourth-question.yaml").write_text(
        q3.read_text()
        .replace("id: third-question", "id: fourth-question")
        .replace("number: 3", "number: 4")
    )
    result = invoke("validate", "--decks", str(decks), "--strict")
    assert result.exit_code == 0  # a note, not a warning
    assert (
        "note: 1 question id(s) not yet released: fourth-question; `mlops-anki release` "
        "records them"
    ) in result.output


def test_list_and_stats_for_programs(decks):
    rows = json.loads(
        invoke("list", "--decks", str(decks), "--format", "json", "--id", "second-question").stdout
    )
    assert rows == [
        {
            "deck": "sample",
            "number": 2,
            "difficulty": "senior",
            "topics": ["training", "monitoring"],
            "id": "second-question",
            "question": "What does the second question ask?",
        }
    ]
    csv_text = invoke("list", "--decks", str(decks), "-f", "csv").stdout
    assert csv_text.splitlines()[:2] == [
        "deck,number,difficulty,topics,id,question",
        "sample,1,intermediate,serving,first-question,What does the first question ask?",
    ]
    stats = json.loads(invoke("stats", "--decks", str(decks), "--format", "json").stdout)
    assert stats[0]["questions"] == 3 and stats[0]["by_language"] == {"python": 1, "yaml": 1}
    assert invoke("stats", "--decks", str(decks), "-f", "csv").exit_code == 2


def test_list_fits_the_terminal_and_has_a_header():
    result = run_module("list", "--decks", str(SHIPPED_DECKS), COLUMNS="80")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["#", "difficulty", "topics", "id"]
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert len([line for line in lines if line.strip()[:1].isdigit()]) == 88


def test_read_only_commands_show_what_loads_and_exit_1(decks, sample):
    (sample / "questions" / "002-second-question.yaml").write_text("id: [unclosed\n")
    for command in ("list", "stats", "filters"):
        result = run_module(command, "--decks", str(decks))
        assert result.returncode == 1, command
        assert "invalid YAML" in result.stderr and "Traceback" not in result.stderr
        assert "nothing was written" not in result.stderr
    listing = run_module("list", "--decks", str(decks))
    assert "first-question" in listing.stdout and "third-question" in listing.stdout


def test_the_bundled_corpus_is_announced_and_never_written(tmp_path):
    listing = run_module("list", cwd=tmp_path)
    assert listing.returncode == 0
    assert listing.stderr.startswith(
        "note: no ./decks folder here; using the corpus bundled with mlops-anki ("
    )
    for args in (
        ["release", "9.0.0"],
        ["new", "Q?", "--difficulty", "senior", "--topic", "serving"],
    ):
        result = run_module(*args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert "is not to be edited; run this in a clone of the repository" in result.stderr


def test_colour_in_a_terminal_and_none_with_no_color(decks, sample):
    (sample / "questions" / "002-second-question.yaml").write_text("id: [unclosed\n")
    coloured = run_module("validate", "--decks", str(decks), FORCE_COLOR="1")
    assert "\x1b[" in coloured.stderr
    plain = run_module("validate", "--decks", str(decks), FORCE_COLOR="1", NO_COLOR="1")
    assert "\x1b[" not in plain.stderr and "invalid YAML" in plain.stderr
    piped = run_module("validate", "--decks", str(decks))
    assert "\x1b[" not in piped.stderr


def test_short_help_and_singular_counts(decks, tmp_path):
    assert invoke("-h").exit_code == 0 and invoke("build", "-h").exit_code == 0
    result = invoke(
        "build",
        "--decks",
        str(decks),
        "-o",
        str(tmp_path),
        "--id",
        "first-question",
        "--no-follow-ups",
    )
    assert "KiB, 1 note)" in result.output
    assert invoke("validate", "--decks", str(decks)).output.endswith(
        "OK: 1 deck, 3 questions, 6 warnings.\n"
    )
