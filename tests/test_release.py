"""`mlops-anki release`: the manifest and changelog it writes, the versions it refuses, and the
ids it protects from then on."""

from __future__ import annotations

import shutil
import time

import pytest
import yaml
from conftest import RELEASED_AT, make_strict
from typer.testing import CliRunner

from mlops_anki.cli import app
from mlops_anki.errors import CorpusError
from mlops_anki.followups import FOLLOW_UP_NOTETYPE_ID
from mlops_anki.release import ReleaseError, plan_release

runner = CliRunner()
LATER = RELEASED_AT + 86_400
DAY = time.strftime("%Y-%m-%d", time.gmtime(RELEASED_AT))
LATER_DAY = time.strftime("%Y-%m-%d", time.gmtime(LATER))


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def manifest(sample) -> dict:
    return yaml.safe_load((sample / "release.yaml").read_text(encoding="utf-8"))


def test_first_release_records_every_note_and_a_changelog(released):
    data = manifest(released)
    assert (data["version"], data["released"]) == ("1.0.0", DAY)
    assert list(data["notes"]) == ["first-question", "second-question", "third-question"]
    assert {n["mod"] for n in data["notes"].values()} == {RELEASED_AT}
    assert list(data["notes"]["first-question"]["sections"]) == [
        "question",
        "key-points",
        "explanation",
        "code",
        "mistakes",
        "follow-ups",
        "references",
        "metadata",
        "tags",
    ]
    assert list(data["follow_ups"]) == [
        "first-question/what-next",
        "first-question/after-that",
        "second-question/why",
        "second-question/how",
        "third-question/code",
        "third-question/fine",
    ]
    assert {n["mod"] for n in data["follow_ups"].values()} == {RELEASED_AT}
    assert list(data["follow_ups"]["second-question/why"]["sections"]) == [
        "question",
        "answer",
        "parent",
        "metadata",
        "tags",
    ]
    assert data["follow_up_note_type"]["id"] == FOLLOW_UP_NOTETYPE_ID
    changelog = (released / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog: Sample Deck\n")
    assert (
        f"## 1.0.0 ({DAY})\n\n3 questions (1 Intermediate, 2 Senior) and 6 follow-up "
        "cards. The first release recorded in a manifest.\n\n### Added\n\n"
        "- #1 What does the first question ask?\n"
        "- #2 What does the second question ask?\n- #3 What does the third question ask?\n\n"
        "### Follow-up cards added\n\n- #1 follow-up `what-next`: What comes next?\n"
        "- #1 follow-up `after-that`: And after that?\n- #2 follow-up `why`: Why?\n"
        "- #2 follow-up `how`: How?\n- #3 follow-up `code`: Is there code?\n"
        "- #3 follow-up `fine`: Is that fine?\n"
    ) in changelog


def test_release_with_an_added_a_changed_and_a_retired_question(decks, released, monkeypatch):
    questions = released / "questions"
    q2, q3 = questions / "002-second-question.yaml", questions / "003-third-question.yaml"
    (questions / "004-fourth-question.yaml").write_text(
        q3.read_text()
        .replace("id: third-question", "id: fourth-question")
        .replace("number: 3", "number: 4")
        .replace("What does the third question ask?", "What does the fourth question ask?")
    )
    q2.write_text(q2.read_text().replace("padding3 ", "padding3 changed "))
    q3.unlink()
    lock = released / "release.yaml"
    lock.write_text(lock.read_text() + 'retired:\n  third-question: "merged into fourth"\n')
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LATER))

    too_small = invoke("release", "1.0.1", "--decks", str(decks))
    assert too_small.exit_code == 1
    assert (
        "error: 1 question(s) and 2 follow-up card(s) are new: that needs at least a new "
        "minor version (1.1.0)" in too_small.output
    )

    result = invoke("release", "1.1.0", "--decks", str(decks))
    assert result.exit_code == 0, result.output
    entry = (
        f"## 1.1.0 ({LATER_DAY})\n\n3 questions (1 Intermediate, 2 Senior) and 6 "
        "follow-up cards. Importing it over 1.0.0 adds 3 note(s) and updates 1.\n\n"
        "### Added\n\n- #4 What does the fourth question ask?\n\n"
        "### Changed\n\n- #2 What does the second question ask? (explanation)\n\n"
        "### Retired\n\n- `third-question`: merged into fourth\n\n"
        "### Follow-up cards added\n\n- #4 follow-up `code`: Is there code?\n"
        "- #4 follow-up `fine`: Is that fine?\n\n"
        "### Follow-up cards retired\n\n- `third-question/code`: merged into fourth\n"
        "- `third-question/fine`: merged into fourth\n"
    )
    assert result.output.startswith(entry)
    changelog = (released / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## 1.1.0") < changelog.index("## 1.0.0")  # newest first
    assert entry in changelog

    data = manifest(released)
    assert (data["version"], data["released"]) == ("1.1.0", LATER_DAY)
    assert {k: v["mod"] for k, v in data["notes"].items()} == {
        "first-question": RELEASED_AT,
        "second-question": LATER,
        "fourth-question": LATER,
    }
    assert data["retired"] == {"third-question": "merged into fourth"}
    assert {k: v["mod"] for k, v in data["follow_ups"].items()} == {
        "first-question/what-next": RELEASED_AT,
        "first-question/after-that": RELEASED_AT,
        "second-question/why": RELEASED_AT,
        "second-question/how": RELEASED_AT,
        "fourth-question/code": LATER,
        "fourth-question/fine": LATER,
    }
    again = invoke("release", "--dry-run", "--decks", str(decks))
    assert (
        again.exit_code == 0 and again.output == f"No changes since version 1.1.0 ({LATER_DAY}).\n"
    )


@pytest.mark.parametrize(
    "version, message",
    [
        ("1.0", "version '1.0' is not MAJOR.MINOR.PATCH, like '1.2.0'"),
        ("v1.1.0", "version 'v1.1.0' is not MAJOR.MINOR.PATCH, like '1.2.0'"),
        ("1.0.0", "version 1.0.0 is not greater than the last release, 1.0.0"),
        ("0.9.9", "version 0.9.9 is not greater than the last release, 1.0.0"),
        ("1.0.1", "nothing changed since 1.0.0; there is nothing to release"),
    ],
)
def test_release_refuses_a_bad_version(decks, released, version, message):
    before = (released / "release.yaml").read_bytes(), (released / "CHANGELOG.md").read_bytes()
    result = invoke("release", version, "--decks", str(decks))
    assert result.exit_code == 1
    assert result.output.strip().endswith(f"error: {message}")
    assert (
        (released / "release.yaml").read_bytes(),
        (released / "CHANGELOG.md").read_bytes(),
    ) == before


def test_release_refuses_a_corpus_with_warnings(decks, sample):
    result = invoke("release", "1.0.0", "--decks", str(decks))
    assert result.exit_code == 1
    assert "warning: explanation has 8 words; expected 120-450" in result.output
    assert not (sample / "release.yaml").exists() and not (sample / "CHANGELOG.md").exists()


def test_dry_run_prints_the_entry_and_writes_nothing(decks, released):
    q1 = released / "questions" / "001-first-question.yaml"
    q1.write_text(q1.read_text().replace("The second point.", "The second point, reworded."))
    before = (released / "release.yaml").read_bytes()
    result = invoke("release", "--dry-run", "--decks", str(decks))
    assert result.exit_code == 0
    assert "### Changed\n\n- #1 What does the first question ask? (key points)\n" in result.output
    assert (released / "release.yaml").read_bytes() == before
    assert invoke("release", "--decks", str(decks)).exit_code == 2  # no version, no dry run


def test_a_renamed_released_id_fails_validate_and_build(decks, released, tmp_path):
    q2 = released / "questions" / "002-second-question.yaml"
    q2.write_text(q2.read_text().replace("id: second-question", "id: second-questions"))
    lock = released / "release.yaml"
    line = lock.read_text().splitlines().index("  second-question:") + 1
    expected = (
        f"{lock}:{line}:3: released id 'second-question' has no question (renamed to "
        "'second-questions'?); learners' review history hangs on it. Restore the id, "
        "or retire it on purpose under 'retired:' with a reason"
    )
    for command in (["validate"], ["build", "--output", str(tmp_path / "out")]):
        result = invoke(*command, "--decks", str(decks))
        assert result.exit_code == 1
        assert expected in result.output.splitlines()
    assert not (tmp_path / "out").exists()


def test_a_retired_id_used_again_is_a_warning(decks, released):
    lock = released / "release.yaml"
    lock.write_text(lock.read_text() + 'retired:\n  third-question: "merged"\n')
    result = invoke("validate", "--decks", str(decks))
    assert result.exit_code == 0
    assert "warning: retired id 'third-question' is used by a question again" in result.output


def test_a_broken_manifest_is_an_error(decks, released):
    lock = released / "release.yaml"
    lock.write_text(lock.read_text().replace("version: 1.0.0", "version: one"))
    result = invoke("validate", "--decks", str(decks))
    assert result.exit_code == 1
    assert (
        f"{lock}:7:10: version: expected a version MAJOR.MINOR.PATCH, like '1.2.0', "
        "found text 'one'"
    ) in result.output


def test_the_old_shipped_ids_lock_is_pointed_at_its_replacement(decks, sample):
    (sample / "shipped-ids.yaml").write_text("shipped:\n  - first-question\n")
    result = invoke("validate", "--decks", str(decks))
    assert result.exit_code == 1
    assert (
        f"{sample / 'shipped-ids.yaml'}: shipped-ids.yaml is replaced by release.yaml; "
        "record a release with `mlops-anki release VERSION`, then delete this file" in result.output
    )


def test_release_of_one_deck_among_several_needs_deck(decks, sample):
    make_strict(sample)
    shutil.copytree(sample, decks / "other")
    deck_yaml = decks / "other" / "deck.yaml"
    deck_yaml.write_text(
        deck_yaml.read_text()
        .replace("id: sample", "id: other")
        .replace("name: Sample Deck", "name: Other Deck")
    )
    with pytest.raises(
        ReleaseError, match="several decks found; choose one with --deck: other, sample"
    ):
        plan_release(decks, "1.0.0")
    assert plan_release(decks, "1.0.0", deck_id="other").deck.id == "other"


def test_release_never_writes_into_a_corpus_with_errors(decks, released):
    (released / "questions" / "001-first-question.yaml").write_text("id: [unclosed\n")
    with pytest.raises(CorpusError):
        plan_release(decks, "1.0.1")


def test_digests_that_look_like_numbers_stay_text():
    from mlops_anki.manifest import Manifest, NoteRecord, NoteTypeRecord

    m = Manifest(
        "1.0.0",
        "2026-01-01",
        NoteTypeRecord(1, ("Front",), "12345678", 1_790_000_000),
        {"q": NoteRecord(1_790_000_000, "1e500000", {"code": "70301270"})},
    )
    data = yaml.safe_load(m.to_yaml("deck"))
    assert Manifest.from_data(data) == m
