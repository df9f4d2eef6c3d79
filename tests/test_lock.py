"""Shipped ids are protected: a deleted or renamed id fails validation unless retired on purpose."""

from __future__ import annotations

from typer.testing import CliRunner

from mlops_anki.cli import app

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def test_lock_records_ids_in_number_order_once(decks, sample):
    first = invoke("lock", "--decks", str(decks))
    assert first.exit_code == 0
    assert f"{sample / 'shipped-ids.yaml'}: recorded 3 new id(s)" in first.output
    text = (sample / "shipped-ids.yaml").read_text()
    assert text.splitlines()[-4:] == ["shipped:", "  - first-question", "  - second-question",
                                      "  - third-question"]
    again = invoke("lock", "--decks", str(decks))
    assert "every id already recorded" in again.output
    assert (sample / "shipped-ids.yaml").read_text() == text


def test_new_question_is_appended(decks, sample):
    invoke("lock", "--decks", str(decks))
    q3 = sample / "questions" / "003-third-question.yaml"
    (sample / "questions" / "004-fourth-question.yaml").write_text(
        q3.read_text().replace("id: third-question", "id: fourth-question")
        .replace("number: 3", "number: 4"))
    assert "recorded 1 new id(s)" in invoke("lock", "--decks", str(decks)).output
    assert (sample / "shipped-ids.yaml").read_text().endswith("  - fourth-question\n")


def test_renamed_id_fails_validate_and_build(decks, sample, tmp_path):
    invoke("lock", "--decks", str(decks))
    q2 = sample / "questions" / "002-second-question.yaml"
    q2.write_text(q2.read_text().replace("id: second-question", "id: second-questions"))
    lock = sample / "shipped-ids.yaml"
    expected = (f"{lock}:7:5: shipped id 'second-question' has no question (renamed to "
                "'second-questions'?); learners' review history hangs on it. Restore the id, "
                "or retire it on purpose under 'retired:' with a reason")
    for command in (["validate"], ["build", "--output", str(tmp_path / "out")]):
        result = invoke(*command, "--decks", str(decks))
        assert result.exit_code == 1
        assert expected in result.output.splitlines()
    assert not (tmp_path / "out").exists()


def test_retired_id_passes_and_reuse_warns(decks, sample):
    invoke("lock", "--decks", str(decks))
    (sample / "questions" / "003-third-question.yaml").unlink()
    assert invoke("validate", "--decks", str(decks)).exit_code == 1
    lock = sample / "shipped-ids.yaml"
    lock.write_text(lock.read_text() + 'retired:\n  third-question: "merged into first-question"\n')
    assert invoke("validate", "--decks", str(decks)).exit_code == 0
    # locking again keeps the retirement and its reason
    invoke("lock", "--decks", str(decks))
    assert 'third-question: "merged into first-question"' in lock.read_text()


def test_broken_lock_file_is_an_error(decks, sample):
    (sample / "shipped-ids.yaml").write_text("shipped: [first-question\n")
    result = invoke("validate", "--decks", str(decks))
    assert result.exit_code == 1
    assert f"{sample / 'shipped-ids.yaml'}:2:1: invalid YAML: expected ',' or ']', but got " \
           "'<stream end>' (while parsing a flow sequence)" in result.output


def test_a_file_that_fails_to_load_does_not_also_lose_its_shipped_id(decks, sample):
    invoke("lock", "--decks", str(decks))
    q2 = sample / "questions" / "002-second-question.yaml"
    q2.write_text(q2.read_text().replace("key_points:", "keypoints:"))
    result = invoke("validate", "--decks", str(decks))
    assert result.exit_code == 1
    assert "unknown field 'keypoints'" in result.output
    assert "shipped id" not in result.output
