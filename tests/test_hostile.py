"""Hostile input, round two: each family through the CLI, with exit code, message and position,
no traceback, and the earlier .apkg left byte-identical."""

from __future__ import annotations

import html
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import NOW, import_apkg, read_apkg

Q1 = "questions/001-first-question.yaml"
Q2 = "questions/002-second-question.yaml"
Q3 = "questions/003-third-question.yaml"
APKG = "sample-unreleased.apkg"


def replace(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, f"fixture lacks {old!r}"
        return text.replace(old, new, 1)

    return change


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + extra


def run_cli(*args: str, env: dict[str, str] | None = None):
    from typer.testing import CliRunner

    from mlops_anki.cli import app

    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    return result


def change_file(sample: Path, rel: str, change) -> None:
    path = sample / rel
    if isinstance(change, str):
        path.write_text(change, encoding="utf-8")
    else:
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


# A snippet nested 3,000 levels deep, in lines short enough for the line limit.
DEEP = ("      " + "[" * 1_000 + "\n") * 3 + ("      " + "]" * 1_000 + "\n") * 3

# (family, case, file, change, expected problems "file:line:col: message" or a fragment)
CASES: list[tuple[str, str, str, object, list[str]]] = [
    # 1. Live markup: code captions get the checks prose gets.
    (
        "markup",
        "caption-raw-html",
        Q1,
        replace("caption: A small function", "caption: A <script>alert(1)</script> function"),
        [
            f"{Q1}:27:14: raw HTML '<script>' is not allowed; write Markdown, or put literal markup "
            "in `backticks`"
        ],
    ),
    (
        "markup",
        "caption-javascript-link",
        Q1,
        replace("caption: A small function", "caption: '[run](javascript:alert(1))'"),
        [f"{Q1}:27:14: 'javascript:' links are not allowed; use an http(s) or mailto link"],
    ),
    (
        "markup",
        "caption-image",
        Q2,
        replace("caption: A Kubernetes object", "caption: '![x](http://example.com/x.png)'"),
        [
            f"{Q2}:14:14: images are not supported: cards work offline and carry no files; "
            "describe the picture in words"
        ],
    ),
    # 3. Tracebacks: every parser's failure is a located problem.
    (
        "traceback",
        "deep-json-snippet",
        Q2,
        replace(
            "  - language: yaml\n    caption: A Kubernetes object\n    source: |\n      apiVersion: v1",
            "  - language: json\n    caption: Deep\n    source: |\n" + DEEP,
        ),
        [
            f"{Q2}:16:7: json snippet does not parse: nested too deeply (or an expression too "
            "long) to parse; a snippet should be readable on a phone"
        ],
    ),
    (
        "traceback",
        "deep-toml-snippet",
        Q2,
        replace(
            "  - language: yaml\n    caption: A Kubernetes object\n    source: |\n      apiVersion: v1",
            "  - language: toml\n    caption: Deep\n    source: |\n      a = " + DEEP.lstrip(),
        ),
        [f"{Q2}:16:7: toml snippet does not parse: nested too deeply"],
    ),
    (
        "traceback",
        "deep-yaml-snippet",
        Q2,
        replace("      apiVersion: v1", DEEP.rstrip("\n")),
        [f"{Q2}:16:7: yaml snippet does not parse: nested too deeply"],
    ),
    (
        "traceback",
        "long-python-expression",
        Q1,
        replace(
            "          return 2 * x",
            "          return (\n" + ("      " + "-" * 1999 + "\n") * 4 + "      x)",
        ),
        [
            f"{Q1}:29:7: python snippet does not parse: nested too deeply (or an expression too "
            "long) to parse"
        ],
    ),
    (
        "traceback",
        "deep-list-in-explanation",
        Q3,
        replace(
            "  The third explanation has no code at all.",
            "  The third explanation has no code at all.\n\n  " + "- " * 300 + "x",
        ),
        [f"{Q3}:13:3: lists or quotes nested 300 levels deep; expected at most 8"],
    ),
    (
        "traceback",
        "indented-list-in-explanation",
        Q3,
        replace(
            "  The third explanation has no code at all.",
            "  Deep:\n\n" + "".join("  " + "    " * i + "- level\n" for i in range(12)),
        ),
        [f"{Q3}:21:35: lists or quotes nested 9 levels deep; expected at most 8"],
    ),
    (
        "traceback",
        "deep-quote-in-key-point",
        Q2,
        replace("  - Point one of the second question.", "  - '" + ">" * 500 + " x'"),
        [f"{Q2}:7:5: lists or quotes nested 500 levels deep; expected at most 8"],
    ),
    (
        "traceback",
        "lone-surrogate-question",
        Q2,
        replace("question: What does the second question ask?", 'question: "What \\ud800 ask?"'),
        [
            f"{Q2}:5:11: question: expected text, found a lone surrogate U+D800 (half of a UTF-16 "
            "pair, not a character); write the character itself"
        ],
    ),
    (
        "traceback",
        "lone-surrogate-answer",
        Q3,
        replace("answer: No.", 'answer: "No \\udfff"'),
        [f"{Q3}:18:13: follow_ups[0].answer: expected text, found a lone surrogate U+DFFF"],
    ),
    (
        "traceback",
        "lone-surrogate-deck-name",
        "deck.yaml",
        replace("name: Sample Deck", 'name: "Sample \\ud83d Deck"'),
        ["deck.yaml:2:7: name: expected text, found a lone surrogate U+D83D"],
    ),
    (
        "traceback",
        "lone-surrogate-topic",
        "deck.yaml",
        replace("serving: Online and batch inference", 'serving: "Online \\udc00"'),
        ["deck.yaml:8:12: topics.serving: expected text, found a lone surrogate U+DC00"],
    ),
    # 4. Super-linear time: bounded inputs, refused with a position.
    (
        "time",
        "many-brackets",
        Q3,
        replace("  The third explanation has no code at all.", ("  " + "[" * 1_000 + "\n") * 5),
        [
            f"{Q3}:10:14: 5000 '[' in one field; expected at most 200 (Markdown link parsing "
            "slows down quadratically with them); put literal brackets in a code block"
        ],
    ),
    (
        "time",
        "many-image-openers",
        Q3,
        replace("  The third explanation has no code at all.", ("  " + "![" * 500 + "](x\n") * 4),
        [f"{Q3}:10:14: 2000 '[' in one field; expected at most 200"],
    ),
    (
        "time",
        "many-link-openers",
        Q2,
        replace("  - Point one of the second question.", "  - '" + "[a](" * 400 + "'"),
        [f"{Q2}:7:5: 400 '[' in one field; expected at most 200"],
    ),
    (
        "time",
        "text-too-long",
        Q3,
        replace("  The third explanation has no code at all.", "  " + "word " * 5_000),
        [f"{Q3}:10:14: explanation: expected text of at most 10000 characters, found 25001"],
    ),
    (
        "time",
        "too-many-lines",
        Q3,
        replace("  The third explanation has no code at all.", "  =\n" * 5_000),
        [f"{Q3}:10:14: explanation: expected text of at most 300 lines, found 5000"],
    ),
    (
        "time",
        "line-too-long",
        Q2,
        replace("      apiVersion: v1", "      a: " + "&" * 5_000),
        [
            f"{Q2}:15:13: code[0].source: expected lines of at most 2000 characters, found 5003 in "
            "line 1 of the text"
        ],
    ),
    # 5. Size after alias expansion.
    (
        "size",
        "alias-characters",
        Q2,
        lambda t: (
            t.replace("  - Point one of the second question.", "  - &big '" + "x" * 20_000 + "'")
            + "extra: ["
            + ", ".join(["*big"] * 40)
            + "]\n"
        ),
        [
            f"{Q2}:7:5: document expands to more than 524288 characters of text (alias bomb?); "
            "aliases must not multiply the content"
        ],
    ),
    (
        "size",
        "alias-of-a-list",
        Q3,
        lambda t: (
            t.replace(
                "mistakes:\n  - Mistake one.\n  - Mistake two.\n",
                "mistakes: &m\n" + "".join(f"  - '{i}{'y' * 9_000}'\n" for i in range(5)),
            )
            + "extra: ["
            + ", ".join(["*m"] * 12)
            + "]\n"
        ),
        [f"{Q3}:16:5: document expands to more than 524288 characters of text"],
    ),
    (
        "size",
        "alias-in-deck-yaml",
        "deck.yaml",
        lambda t: (
            t.replace("serving: Online and batch inference", "serving: &d '" + "z" * 9_000 + "'")
            + "extra: {"
            + ", ".join(f"k{i}: *d" for i in range(60))
            + "}\n"
        ),
        ["deck.yaml:8:12: document expands to more than 524288 characters of text"],
    ),
    # 6. Identity.
    (
        "identity",
        "id-final-newline",
        Q2,
        replace("id: second-question", 'id: "second-question\\n"'),
        [
            f"{Q2}:1:5: id: expected a slug (lowercase letters, digits and hyphens, like "
            "'canary-deployment'), found text 'second-question\\n'"
        ],
    ),
    (
        "identity",
        "deck-id-final-newline",
        "deck.yaml",
        replace("id: sample", 'id: "sample\\n"'),
        ["deck.yaml:1:5: id: expected a slug"],
    ),
    (
        "identity",
        "topic-final-newline",
        Q3,
        replace("topics: [serving]", 'topics: ["serving\\n"]'),
        [f"{Q3}:4:10: topics[0]: expected a slug"],
    ),
    (
        "identity",
        "follow-up-id-newline",
        Q3,
        replace("  - id: code", '  - id: "code\\n"'),
        [f"{Q3}:16:9: follow_ups[0].id: expected a slug"],
    ),
    (
        "identity",
        "deck-id-300-characters",
        "deck.yaml",
        replace("id: sample", "id: " + "s" * 300),
        ["deck.yaml:1:5: id: expected a slug of at most 64 characters, found 300"],
    ),
    (
        "identity",
        "octal-number",
        Q2,
        replace("number: 2", "number: 010"),
        [
            f"{Q2}:2:9: '010' is read as 8 by YAML 1.1 (the YAML this tool reads) but differently "
            "by YAML 1.2; write a plain decimal number, or quote it if it is text"
        ],
    ),
    (
        "identity",
        "sexagesimal-number",
        Q2,
        replace("number: 2", "number: 1:05"),
        [f"{Q2}:2:9: '1:05' is read as 65 by YAML 1.1"],
    ),
    (
        "identity",
        "underscore-number",
        Q2,
        replace("number: 2", "number: 1_0"),
        [f"{Q2}:2:9: '1_0' is read as 10 by YAML 1.1"],
    ),
    (
        "identity",
        "sexagesimal-float",
        Q2,
        replace("number: 2", "number: 1:30.5"),
        [f"{Q2}:2:9: '1:30.5' is read as 90.5 by YAML 1.1"],
    ),
    (
        "identity",
        "binary-number",
        Q2,
        replace("number: 2", "number: 0b10"),
        [f"{Q2}:2:9: '0b10' is read as 2 by YAML 1.1"],
    ),
    (
        "identity",
        "yaml11-boolean",
        Q2,
        replace("question: What does the second question ask?", "question: yes"),
        [
            f"{Q2}:5:11: 'yes' is read as True by YAML 1.1 (the YAML this tool reads) but "
            "differently by YAML 1.2; write true or false, or quote it if it is text"
        ],
    ),
    # 8. Anki-level oddities.
    (
        "anki",
        "question-nbsp",
        Q2,
        replace("question: What does the second question ask?", "question: '&nbsp;'"),
        [
            f"{Q2}:5:11: question '&nbsp;' shows no letter or digit once rendered; Anki would "
            "store the note with an empty first field (the field that names it in the browser "
            "and that duplicates are checked on)"
        ],
    ),
    (
        "anki",
        "question-empty-link",
        Q2,
        replace(
            "question: What does the second question ask?", "question: '[](https://example.com)'"
        ),
        [f"{Q2}:5:11: question '[](https://example.com)' shows no letter or digit"],
    ),
    (
        "anki",
        "question-blank-code",
        Q2,
        replace("question: What does the second question ask?", "question: '` `'"),
        [f"{Q2}:5:11: question '` `' shows no letter or digit"],
    ),
    (
        "anki",
        "question-zero-width",
        Q2,
        replace("question: What does the second question ask?", 'question: "\\u200b?"'),
        [f"{Q2}:5:11: question '\\u200b?' shows no letter or digit"],
    ),
    (
        "anki",
        "deck-name-empty-part",
        "deck.yaml",
        replace("name: Sample Deck", "name: Sample::::Deck"),
        [
            "deck.yaml:2:7: name: deck name part '' is empty (an extra '::'?); Anki would store "
            "it as 'blank', a deck other than the one named here"
        ],
    ),
    (
        "anki",
        "deck-name-newline",
        "deck.yaml",
        replace("name: Sample Deck", 'name: "Sample\\nDeck"'),
        [
            "deck.yaml:2:7: name: deck name part 'Sample\\nDeck' holds a control character (a "
            "newline?), which Anki removes; Anki would store it as 'SampleDeck'"
        ],
    ),
    (
        "anki",
        "deck-name-spaces",
        "deck.yaml",
        replace("name: Sample Deck", 'name: "Sample :: Deck"'),
        [
            "deck.yaml:2:7: name: deck name part 'Sample ' starts or ends with a space or ':', "
            "which Anki trims; Anki would store it as 'Sample'"
        ],
    ),
    (
        "anki",
        "deck-name-triple-colon",
        "deck.yaml",
        replace("name: Sample Deck", "name: Sample:::Deck"),
        ["deck.yaml:2:7: name: deck name part ':Deck' starts or ends with a space or ':'"],
    ),
    (
        "anki",
        "deck-name-not-nfc",
        "deck.yaml",
        replace("name: Sample Deck", 'name: "Sample Cafe\\u0301"'),
        [
            "deck.yaml:2:7: name: deck name part 'Sample Cafe\\u0301' is not in Unicode NFC form, "
            "to which Anki converts it; Anki would store it as 'Sample Caf\\xe9'"
        ],
    ),
]


@pytest.mark.parametrize(
    "family, case, rel, change, expected", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_hostile_input_fails_cleanly(decks, sample, tmp_path, family, case, rel, change, expected):
    out = tmp_path / "dist"
    assert run_cli("build", "--decks", str(decks), "--output", str(out)).exit_code == 0
    before = (out / APKG).read_bytes()
    change_file(sample, rel, change)
    for command in ("validate", "build"):
        args = [command, "--decks", str(decks)] + (
            ["--output", str(out)] if command == "build" else []
        )
        result = run_cli(*args)
        assert result.exit_code == 1, result.output
        text = result.output.replace(str(sample) + "/", "")
        for fragment in expected:
            assert fragment in text, text
        assert ("nothing was written" in result.output) == (command == "build")
    assert (out / APKG).read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [APKG]


# --- files and folders ------------------------------------------------------------------------


def _second_deck(decks: Path, deck_id: str) -> Path:
    second = decks / "second"
    shutil.copytree(decks / "sample", second)
    change_file(second, "deck.yaml", replace("id: sample", f"id: {deck_id}"))
    change_file(second, "deck.yaml", replace("name: Sample Deck", "name: Second Deck"))
    return second


@pytest.mark.parametrize("suffix", [".YAML", ".yml", ".Yaml"])
def test_question_files_with_another_suffix_are_reported(decks, sample, suffix):
    path = sample / Q3
    path.rename(path.with_suffix(suffix))
    result = run_cli("validate", "--decks", str(decks))
    assert result.exit_code == 1
    assert f"{path.with_suffix(suffix)}: expected a regular file named *.yaml" in result.output


def test_two_deck_folders_with_one_deck_id(decks, sample, tmp_path):
    second = _second_deck(decks, "sample")
    out = tmp_path / "dist"
    result = run_cli("build", "--decks", str(decks), "--output", str(out))
    assert result.exit_code == 1
    assert (
        f"{second / 'deck.yaml'}:1:5: duplicate deck id 'sample'; also used by "
        f"{sample / 'deck.yaml'}"
    ) in result.output
    assert not out.exists()


def test_an_unlistable_questions_folder_is_a_problem(decks, released, monkeypatch):
    sample = released
    original = Path.iterdir

    def iterdir(self):
        if self.name == "questions":
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    result = run_cli("validate", "--decks", str(decks))
    assert result.exit_code == 1
    assert f"{sample / 'questions'}: cannot list the folder: Permission denied" in result.output
    # The released ids are not reported missing: which questions exist is unknown.
    assert "1 error(s), 0 warning(s)" in result.output, result.output


def test_an_unlistable_decks_folder_is_a_problem(decks, monkeypatch):
    def iterdir(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", iterdir)
    result = run_cli("validate", "--decks", str(decks))
    assert result.exit_code == 1
    assert f"{decks}: cannot list the decks folder: Permission denied" in result.output


# --- 7. all packages or none; stale temporary files -------------------------------------------


def test_a_package_that_cannot_be_written_leaves_every_package_as_it_was(decks, sample, tmp_path):
    _second_deck(decks, "zzz-second")  # sorted after sample: written second
    out = tmp_path / "dist"
    assert run_cli("build", "--decks", str(decks), "--output", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(before) == [APKG, "zzz-second-unreleased.apkg"]
    change_file(sample, Q1, replace("The second point.", "The second point, changed."))
    (out / "zzz-second-unreleased.apkg").unlink()
    (out / "zzz-second-unreleased.apkg").mkdir()  # cannot be replaced by a file
    result = run_cli("build", "--decks", str(decks), "--output", str(out))
    assert result.exit_code == 1
    assert f"cannot write {out / 'zzz-second-unreleased.apkg'}: it is a folder" in result.output
    assert (out / APKG).read_bytes() == before[APKG]
    assert sorted(p.name for p in out.iterdir()) == [APKG, "zzz-second-unreleased.apkg"]


def test_disk_full_on_the_second_package_keeps_the_first(decks, sample, tmp_path, monkeypatch):
    from mlops_anki import package

    _second_deck(decks, "zzz-second")
    out = tmp_path / "dist"
    assert run_cli("build", "--decks", str(decks), "--output", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    change_file(sample, Q1, replace("The second point.", "The second point, changed."))
    real = package._write_zip

    def write_zip(target, db_path):
        if target.name.startswith("zzz"):
            raise OSError(28, "No space left on device")
        return real(target, db_path)

    monkeypatch.setattr(package, "_write_zip", write_zip)
    result = run_cli("build", "--decks", str(decks), "--output", str(out))
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _dead_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_killed_builds_temporary_file_is_removed(decks, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "dist"
    out.mkdir()
    dead = _dead_pid()
    for name in (
        f".{APKG}.{dead}.k1ll3d.tmp",
        f".{APKG}.{dead}.d4t4b4s3.tmp",
        f".{APKG}.{dead}.d4t4b4s3.tmp-journal",
    ):
        (out / name).write_bytes(b"half a zip, a database, its journal")
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = out / f".{APKG}.{alive.pid}.runn1n.tmp"
        running.write_bytes(b"another build, still writing")
        unrelated = out / ".notes.tmp"
        unrelated.write_bytes(b"not ours")
        assert run_cli("build", "--decks", str(decks), "--output", str(out)).exit_code == 0
        assert sorted(p.name for p in out.iterdir()) == sorted([APKG, running.name, unrelated.name])
    finally:
        alive.kill()
        alive.wait()


# --- 2. times written to the package ----------------------------------------------------------


@pytest.mark.parametrize(
    "value, message",
    [
        ("0", "SOURCE_DATE_EPOCH=0 is before 2001-09-09"),
        ("999999999", "SOURCE_DATE_EPOCH=999999999 is before 2001-09-09"),
        ("-1700000000", "SOURCE_DATE_EPOCH must be a whole number of seconds, found '-1700000000'"),
        ("1.7e9", "SOURCE_DATE_EPOCH must be a whole number of seconds, found '1.7e9'"),
        ("１７００００００００", "SOURCE_DATE_EPOCH must be a whole number of seconds"),
        ("now", "SOURCE_DATE_EPOCH must be a whole number of seconds, found 'now'"),
    ],
)
def test_source_date_epoch_that_anki_cannot_use_is_refused(decks, tmp_path, value, message):
    out = tmp_path / "dist"
    assert run_cli("build", "--decks", str(decks), "--output", str(out)).exit_code == 0
    before = (out / APKG).read_bytes()
    result = run_cli(
        "build", "--decks", str(decks), "--output", str(out), env={"SOURCE_DATE_EPOCH": value}
    )
    assert result.exit_code == 1 and message in result.output
    assert (out / APKG).read_bytes() == before


def package_times(apkg: Path, tmp_path: Path) -> dict[str, list[int]]:
    """Every time and id in a package that Anki reads as a time."""
    import json

    db = read_apkg(apkg, tmp_path)
    times = {
        "note mod": [r[0] for r in db.execute("SELECT mod FROM notes")],
        "card mod": [r[0] for r in db.execute("SELECT mod FROM cards")],
        "note id (ms)": [r[0] for r in db.execute("SELECT id FROM notes")],
        "card id (ms)": [r[0] for r in db.execute("SELECT id FROM cards")],
        "note type mod": [
            m["mod"]
            for m in json.loads(db.execute("SELECT models FROM col").fetchone()[0]).values()
        ],
        "deck mod": [
            d["mod"]
            for d in json.loads(db.execute("SELECT decks FROM col").fetchone()[0]).values()
            if d["id"] != 1
        ],
        "collection crt and mod (ms)": [
            v * (1 if i else 1000)
            for i, v in enumerate(db.execute("SELECT crt, mod FROM col").fetchone())
        ],
    }
    db.close()
    return times


def assert_times_valid(apkg: Path, tmp_path: Path, now: int) -> None:
    from mlops_anki.build import EARLIEST_TIME

    for what, values in package_times(apkg, tmp_path).items():
        scale = 1000 if "ms" in what else 1
        assert values and all(
            EARLIEST_TIME * scale <= v <= (now + 1) * scale + 10**6 for v in values
        ), (what, values)


@pytest.mark.parametrize(
    "value", ["", "1000000000", "1700000000", " 1700000000 ", "99999999999999999999"]
)
def test_every_time_in_the_package_is_valid(decks, tmp_path, value, monkeypatch):
    from mlops_anki.build import build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    report = build(decks, tmp_path / "out", now=NOW)
    assert_times_valid(report.decks[0].path, tmp_path, NOW)


def test_a_release_time_in_the_future_is_refused(decks, released, tmp_path):
    from mlops_anki.build import build
    from mlops_anki.errors import CorpusError

    manifest = released / "release.yaml"
    text = manifest.read_text()
    manifest.write_text(re.sub(r"mod: 1790000000", "mod: 3999999999", text, count=2))
    with pytest.raises(CorpusError) as info:
        build(decks, tmp_path / "out", now=NOW)
    messages = [str(p) for p in info.value.problems]
    assert messages and all(
        f"{manifest}:" in m and "later than now (1800000000)" in m for m in messages
    ), messages
    assert not (tmp_path / "out").exists()


def test_a_clock_before_2001_is_refused(decks, tmp_path):
    from mlops_anki.build import build
    from mlops_anki.errors import MlopsAnkiError

    with pytest.raises(MlopsAnkiError, match="the clock says 5, before 2001-09-09"):
        build(decks, tmp_path / "out", now=5)


# --- 1. live markup: the real Anki backend's rendered cards -----------------------------------

MARKUP = [
    (
        Q1,
        replace("  - The second point.", "  - 'Link: \\\\(\\\\href{javascript:alert(1)}{x}\\\\)'"),
    ),
    (
        Q1,
        replace(
            "  - The third point.", "  - 'Cover: \\\\[\\\\style{position:fixed;inset:0}{X}\\\\]'"
        ),
    ),
    (
        Q2,
        replace(
            "question: What does the second question ask?", "question: 'Hear [sound:x.mp3] this?'"
        ),
    ),
    (
        Q2,
        replace(
            "  A short explanation for the second question.",
            "  Spoken: [anki:tts lang=en_US]secret words[/anki:tts] and "
            "[anki:play:a:0] and [[type:Question]].\n\n"
            "  ```python\n  x = '[sound:y.mp3] \\\\(z\\\\)'\n  ```",
        ),
    ),
    (Q2, replace("caption: A Kubernetes object", "caption: 'Object [sound:cap.mp3]'")),
    (
        Q2,
        replace(
            "      data:", "      # [anki:tts lang=en_US]read me[/anki:tts] \\(y\\)\n      data:"
        ),
    ),
    (Q3, replace("  - Mistake one.", "  - 'Entity &#92;(a&#92;) and &#91;sound:e.mp3]'")),
    (
        Q3,
        replace("    answer: No.", "    answer: '[latex]x^2[/latex] and [$]y[/$] and [$$]z[/$$]'"),
    ),
    (Q3, replace("  - Third question, point one.", "  - 'Code `\\(x\\) [sound:c.mp3]`'")),
    (
        "deck.yaml",
        replace("**three** questions.", "**three** questions. [sound:d.mp3] \\\\(x\\\\)"),
    ),
]

_MATHJAX_DELIMITER = re.compile(r"\\[()\[\]]")
# MathJax joins text across these only (HTMLDomStrings' includeHtmlTags); every other
# element starts a new string, and math is found within one string.
_TRANSPARENT = re.compile(r"<br\s*/?>|<wbr\s*/?>|<!--.*?-->", re.DOTALL | re.IGNORECASE)


def mathjax_strings(card_html: str) -> list[str]:
    """The text strings MathJax would search for delimiters in ``card_html``."""
    card_html = re.sub(r"<(script|style)\b.*?</\1>", "<x>", card_html, flags=re.S | re.I)
    card_html = _TRANSPARENT.sub("", card_html)
    return [html.unescape(part) for part in re.split(r"<[^>]*>", card_html)]


def live_markup(col) -> list[str]:
    """What Anki would act on in the rendered cards of ``col``: audio/TTS, LaTeX, MathJax."""
    found = []
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        for side, rendered, av in (
            ("front", card.question(), card.question_av_tags()),
            ("back", card.answer(), card.answer_av_tags()),
        ):
            if av:
                found.append(f"{side}: audio/TTS tags {av}")
            for marker in ("[anki:play", "[sound:", "[anki:tts", "class=latex", "[[type:"):
                if marker in rendered:
                    found.append(f"{side}: {marker}")
            for text in mathjax_strings(rendered):
                if _MATHJAX_DELIMITER.search(text):
                    found.append(f"{side}: MathJax delimiter in {text[:80]!r}")
    return found


@pytest.fixture
def hostile_markup(decks, sample) -> Path:
    for rel, change in MARKUP:
        change_file(sample, rel, change)
    return decks


def test_live_markup_is_inert_in_the_real_anki_backend(
    hostile_markup, sample, tmp_path, collection
):
    out = tmp_path / "dist"
    result = run_cli("build", "--decks", str(hostile_markup), "--output", str(out))
    assert result.exit_code == 0, result.output
    assert import_apkg(collection, out / APKG).new
    assert live_markup(collection) == []
    # The text is still there for the learner to read, as written.
    back = collection.get_card(collection.find_cards("Id:second-question")[0]).answer()
    assert "[anki:tts lang=en_US]secret words[/anki:tts]" in html.unescape(back)
    front = collection.get_card(collection.find_cards("Id:second-question")[0]).question()
    assert "Hear [sound:x.mp3] this?" in html.unescape(re.sub(r"<[^>]*>", "", front))


def test_without_inert_the_same_cards_would_be_live(
    hostile_markup, tmp_path, collection, monkeypatch
):
    """The check above can fail: the same deck, rendered without ``inert``, is live."""
    from mlops_anki import notetype
    from mlops_anki.build import build

    monkeypatch.setattr(notetype, "inert", lambda text: text)
    report = build(hostile_markup, tmp_path / "out", now=NOW)
    import_apkg(collection, report.decks[0].path)
    found = "\n".join(live_markup(collection))
    for expected in ("audio/TTS tags", "class=latex", "MathJax delimiter", "[[type:"):
        assert expected in found, found


def test_the_deck_description_is_inert(hostile_markup, tmp_path):
    from mlops_anki.build import build

    report = build(hostile_markup, tmp_path / "out", now=NOW)
    with zipfile.ZipFile(report.decks[0].path) as zf:
        zf.extract("collection.anki2", tmp_path / "x")
    import json
    import sqlite3

    db = sqlite3.connect(tmp_path / "x" / "collection.anki2")
    decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
    description = next(d["desc"] for d in decks.values() if d["name"] == "Sample Deck")
    assert "&#91;sound:d.mp3]" in description and "[sound:" not in description
    assert not any(_MATHJAX_DELIMITER.search(t) for t in mathjax_strings(description))


@pytest.mark.parametrize(
    "text",
    [
        "\\(x\\)",
        "&#92;(x&#x5c;)",
        "&bsol;[x&bsol;]",
        "[sound:a]",
        "[SOUND:a]",
        "[anki:tts]x[/anki:tts]",
        "[LaTeX]x[/LaTeX]",
        "[$$]x[/$$]",
        "[[type:Id]]",
        '<a href="https://e.com/[sound:a]">\\(</a>',
        "&#91;sound:x]",
        "\\\\(",
        "&amp;#92;(",
        "plain [text] (here)",
    ],
)
def test_inert_is_idempotent_and_leaves_nothing_live(text):
    from mlops_anki.inert import inert

    once = inert(text)
    assert inert(once) == once
    assert not re.search(r"\[(sound:|/?anki:|/?latex\]|/?\$\$?\]|\[type:)", once, re.I)
    assert not any(_MATHJAX_DELIMITER.search(t) for t in mathjax_strings(once))
    visible = html.unescape(re.sub(r"<[^>]*>", "", once))
    assert visible == html.unescape(re.sub(r"<[^>]*>", "", text))


def test_a_renderer_that_still_recurses_is_a_problem_not_a_traceback(
    decks, sample, tmp_path, monkeypatch
):
    """Validation bounds the renderer's input; should Markdown still recurse too deep on
    something, the build names the question instead of printing a traceback."""
    from mlops_anki import workers
    from mlops_anki.build import build
    from mlops_anki.errors import CorpusError

    def recurse(deck, q, renderer, follow_ups=True):
        if q.id == "second-question":
            raise RecursionError("maximum recursion depth exceeded")
        return ["x"] * 12, []

    monkeypatch.setattr(workers, "render_question", recurse)  # (worker processes share _fields)
    with pytest.raises(CorpusError) as info:
        build(decks, tmp_path / "out", now=NOW)
    assert [str(p) for p in info.value.problems] == [
        f"{sample / Q2}:1:1: cannot render this question: nested too deeply for the Markdown "
        "renderer; simplify its lists and quotes"
    ]
    assert not (tmp_path / "out").exists()
