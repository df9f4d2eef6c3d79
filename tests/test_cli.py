"""The command line as a user runs it: help, exit codes, messages, summaries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_anki.cli import app

runner = CliRunner()
COMMANDS = ["build", "validate", "list", "stats", "filters", "release", "preview"]


def run_module(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m mlops_anki`` in a separate process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "mlops_anki", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_text_and_an_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: mlops-anki " + command in result.output.replace("\n", " ").replace("  ", " ")
    listing = runner.invoke(app, ["--help"]).output
    assert command in listing


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("mlops-anki 0.")


def test_usage_error_exits_2():
    assert runner.invoke(app, ["build", "--no-such-option"]).exit_code == 2
    assert runner.invoke(app, ["frobnicate"]).exit_code == 2


def test_build_prints_a_summary(decks, tmp_path):
    out = tmp_path / "dist"
    result = runner.invoke(app, ["build", "--decks", str(decks), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out / 'sample-unreleased.apkg'}" in result.output
    assert "KiB, 9 notes)" in result.output  # 3 questions and their 6 follow-up cards
    assert "Sample Deck::Intermediate: 3" in result.output
    assert "Sample Deck::Senior: 6" in result.output
    assert (out / "sample-unreleased.apkg").is_file()


def test_build_without_follow_up_cards_says_so_in_the_file_name(decks, tmp_path):
    out = tmp_path / "dist"
    result = runner.invoke(
        app, ["build", "--decks", str(decks), "--output", str(out), "--no-follow-ups"]
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {out / 'sample-unreleased-no-follow-ups.apkg'}" in result.output
    assert "Sample Deck::Intermediate: 1" in result.output
    assert "Sample Deck::Senior: 2" in result.output
    assert [p.name for p in out.iterdir()] == ["sample-unreleased-no-follow-ups.apkg"]


def test_filtered_build_and_unknown_filter(decks, tmp_path):
    ok = runner.invoke(
        app,
        [
            "build",
            "--decks",
            str(decks),
            "-o",
            str(tmp_path),
            "--difficulty",
            "senior",
            "--topic",
            "serving",
        ],
    )
    assert ok.exit_code == 0 and "Sample Deck::Senior: 3" in ok.output  # one, 2 follow-ups
    bad = runner.invoke(
        app, ["build", "--decks", str(decks), "-o", str(tmp_path / "x"), "--topic", "servng"]
    )
    assert bad.exit_code == 2
    assert (
        "error: invalid value for --topic: unknown topic 'servng'; did you mean 'serving'? "
        "known: monitoring, serving, training"
    ) in bad.output
    assert not (tmp_path / "x").exists()


def test_broken_corpus_lists_every_problem_without_traceback(decks, sample):
    q2 = sample / "questions" / "002-second-question.yaml"
    q2.write_text(q2.read_text().replace("number: 2", "number: 2\nnumber: 3"))
    q3 = sample / "questions" / "003-third-question.yaml"
    q3.write_text(q3.read_text().replace("topics: [serving]", "topics: [servng]"))
    result = run_module("validate", "--decks", str(decks))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert (
        f"{q2}:3:1: duplicate key 'number' (first defined on line 2); remove one of them" in lines
    )
    assert (
        f"{q3}:4:10: unknown topic 'servng'; expected a key of deck.yaml's topics; "
        "did you mean 'serving'?"
    ) in lines
    assert lines[-1].startswith("2 error(s)")


def test_strict_turns_warnings_into_errors(decks):
    assert runner.invoke(app, ["validate", "--decks", str(decks)]).exit_code == 0
    strict = runner.invoke(app, ["validate", "--decks", str(decks), "--strict"])
    assert strict.exit_code == 1 and "warning: explanation has 8 words" in strict.output


def test_list_stats_and_filters(decks):
    listing = runner.invoke(app, ["list", "--decks", str(decks), "--difficulty", "senior"])
    assert listing.exit_code == 0
    header, _rule, *rows = listing.output.splitlines()
    assert header.split() == ["#", "difficulty", "topics", "id", "question"]
    assert [line.split()[0] for line in rows] == ["2", "3"]
    stats = runner.invoke(app, ["stats", "--decks", str(decks)])
    assert "with code: 2 (66%)" in stats.output and "python" in stats.output
    filters = runner.invoke(app, ["filters", "--decks", str(decks)])
    assert "tag:smp::difficulty::senior" in filters.output
    assert "tag:smp::topic::monitoring" in filters.output
    searches = dict(line.split(":  ", 1) for line in filters.output.splitlines()[1:])
    assert searches["Follow-up cards only"].strip() == "tag:smp::card::follow-up"
    assert (
        searches["Questions only, no follow-ups"].strip() == "-tag:smp::card::follow-up tag:smp::*"
    )


def test_build_from_an_empty_folder_uses_the_bundled_corpus(tmp_path):
    result = run_module("build", "--output", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [apkg] = (tmp_path / "out").iterdir()  # named by deck id and version
    assert apkg.name.startswith("mlops-interview-") and apkg.suffix == ".apkg"
