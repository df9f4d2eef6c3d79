"""Bad corpora: each problem reported once, as path:line:col: message, with what was expected."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES

from mlops_anki.build import load_valid
from mlops_anki.errors import CorpusError, Severity

Q1 = "questions/001-first-question.yaml"
Q2 = "questions/002-second-question.yaml"
Q3 = "questions/003-third-question.yaml"
Change = Callable[[str], str] | str | bytes | None
THIRD = "  The third explanation has no code at all."
ALIAS_BOMB = "".join(
    f"b{i}: &b{i} [{', '.join([f'*b{i - 1}' if i else 'lol'] * 10)}]\n" for i in range(6)
)


def replace(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, f"fixture lacks {old!r}"
        return text.replace(old, new, 1)

    return change


# (case, file inside the sample deck, change, expected errors as "file:line:col: message")
CASES: list[tuple[str, str, Change, list[str]]] = [
    (
        "yaml-syntax",
        Q2,
        replace("number: 2", "number: [2"),
        [
            f"{Q2}:3:11: invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence)"
        ],
    ),
    (
        "tab-indent",
        Q2,
        replace("number: 2", "\tnumber: 2"),
        [f"{Q2}:2:1: invalid YAML: tab character; YAML indentation must use spaces"],
    ),
    (
        "tab-after-colon",
        Q2,
        replace("number: 2", "number:\t2"),
        [f"{Q2}:2:8: invalid YAML: tab character; YAML indentation must use spaces"],
    ),
    (
        "byte-order-mark",
        Q2,
        lambda t: "\ufeff" + t,
        [f"{Q2}:1:1: file starts with a byte-order mark (BOM); save it as UTF-8 without BOM"],
    ),
    (
        "not-utf8",
        Q2,
        b"id: x\nquestion: caf\xe9\n",
        [f"{Q2}:2:14: expected UTF-8 text, found byte 0xe9"],
    ),
    (
        "binary",
        Q2,
        b"\x89PNG\x00\x00\x00",
        [f"{Q2}:1:5: expected a text file, found a NUL byte (binary file?)"],
    ),
    ("empty-file", Q2, "", [f"{Q2}:1:1: file is empty; expected a YAML mapping"]),
    (
        "comments-only",
        Q2,
        "# nothing here\n",
        [f"{Q2}:1:1: file holds no YAML document; expected a mapping"],
    ),
    (
        "duplicate-key",
        Q2,
        replace("number: 2", "number: 2\nnumber: 3"),
        [f"{Q2}:3:1: duplicate key 'number' (first defined on line 2); remove one of them"],
    ),
    (
        "python-tag",
        Q2,
        replace("number: 2", "number: !!python/object/apply:os.system ['true']"),
        [
            f"{Q2}:2:9: YAML tag '!!python/object/apply:os.system' is not allowed; "
            "only plain text, numbers, lists and mappings are"
        ],
    ),
    (
        "alias-bomb",
        Q2,
        lambda t: t + ALIAS_BOMB,
        [
            f"{Q2}:32:15: document expands to more than 20000 values (alias bomb?); "
            "aliases must not multiply the content"
        ],
    ),
    (
        "top-level-list",
        Q2,
        "- id: x\n",
        [f"{Q2}:1:1: expected a mapping (a question file), found a list of 1 item(s)"],
    ),
    (
        "number-as-text",
        Q2,
        replace("number: 2", "number: two"),
        [f"{Q2}:2:9: number: expected a whole number from 1 to 99999, found text 'two'"],
    ),
    (
        "number-zero",
        Q2,
        replace("number: 2", "number: 0"),
        [f"{Q2}:2:9: number: expected a whole number from 1 to 99999, found a number (0)"],
    ),
    (
        "topics-not-a-list",
        Q2,
        replace("topics: [training, monitoring]", "topics: training"),
        [
            f"{Q2}:4:9: topics: expected a list of a slug (lowercase letters, digits and hyphens, "
            "like 'canary-deployment'), found text 'training'"
        ],
    ),
    (
        "key-point-not-text",
        Q2,
        replace("  - Point two of the second question.", "  - [a, b]"),
        [f"{Q2}:8:5: key_points[1]: expected non-empty text, found a list of 2 item(s)"],
    ),
    (
        "missing-question",
        Q2,
        replace("question: What does the second question ask?\n", ""),
        [f"{Q2}:1:1: missing required field 'question' (non-empty text)"],
    ),
    (
        "empty-explanation",
        Q2,
        replace(
            "explanation: |\n  A short explanation for the second question.\n", "explanation: ''\n"
        ),
        [f"{Q2}:10:14: explanation: expected non-empty text, found empty text"],
    ),
    (
        "null-mistakes",
        Q2,
        replace("mistakes:\n  - A mistake.\n  - Another mistake.\n", "mistakes:\n"),
        [f"{Q2}:1:1: missing required field 'mistakes' (a list of non-empty text)"],
    ),
    (
        "unknown-key",
        Q3,
        replace("key_points:", "keypoints:"),
        [
            f"{Q3}:1:1: missing required field 'key_points' (a list of non-empty text)",
            f"{Q3}:6:1: unknown field 'keypoints' in a question file; did you mean 'key_points'?",
        ],
    ),
    (
        "unknown-key-no-match",
        Q3,
        lambda t: t + "zzz: 1\n",
        [
            f"{Q3}:22:1: unknown field 'zzz' in a question file; known fields: id, number, "
            "difficulty, topics, question, key_points, explanation, code, mistakes, follow_ups, "
            "references, source_label"
        ],
    ),
    (
        "duplicate-id",
        Q3,
        replace("id: third-question", "id: second-question"),
        [
            f"{Q3}:1:1: file name '003-third-question.yaml' does not match the question's number "
            "and id; rename the file to '003-second-question.yaml'",
            f"{Q3}:1:5: duplicate id 'second-question'; also used by 002-second-question.yaml",
        ],
    ),
    (
        "duplicate-number",
        Q3,
        replace("number: 3", "number: 2"),
        [
            f"{Q3}:1:1: file name '003-third-question.yaml' does not match the question's number "
            "and id; rename the file to '002-third-question.yaml'",
            f"{Q3}:2:9: duplicate number 2; also used by 002-second-question.yaml",
        ],
    ),
    (
        "unknown-topic",
        Q3,
        replace("topics: [serving]", "topics: [servng]"),
        [
            f"{Q3}:4:10: unknown topic 'servng'; expected a key of deck.yaml's topics; "
            "did you mean 'serving'?"
        ],
    ),
    (
        "unknown-difficulty",
        Q3,
        replace("difficulty: senior", "difficulty: expert"),
        [f"{Q3}:3:13: unknown difficulty 'expert'; expected one of intermediate, senior"],
    ),
    (
        "unknown-language",
        Q2,
        replace("language: yaml", "language: yml"),
        [
            f"{Q2}:13:15: code[0].language: expected one of python, yaml, json, toml, bash, sql, "
            "dockerfile, promql, text, found text 'yml'"
        ],
    ),
    (
        "fence-without-language",
        Q1,
        replace("```python\n  total", "```\n  total"),
        [f"{Q1}:22:3: fenced code block without a language; write for example ```python"],
    ),
    (
        "python-snippet-syntax",
        Q1,
        replace("return 2 * x", "return 2 *"),
        [f"{Q1}:31:25: python snippet does not parse: invalid syntax"],
    ),
    (
        "python-fence-syntax",
        Q1,
        replace("total = sum(range(10))", "total = sum(range(10)"),
        [f"{Q1}:23:14: python snippet does not parse: '(' was never closed"],
    ),
    (
        "bash-fence-syntax",
        Q1,
        replace("```python\n  total = sum(range(10))", "```bash\n  for x in a b; do echo"),
        [f"{Q1}:24:1: bash snippet does not parse: syntax error: unexpected end of file"],
    ),
    (
        "yaml-snippet-syntax",
        Q2,
        replace("  name: example", "  name: [example"),
        [f"{Q2}:20:11: yaml snippet does not parse: expected ',' or ']', but got ':'"],
    ),
    (
        "json-snippet-syntax",
        Q2,
        replace(
            "  - language: yaml\n    caption: A Kubernetes object\n    source: |\n      apiVersion: v1",
            '  - language: json\n    caption: A JSON object\n    source: |\n      {"a": 1,}\n      x',
        ),
        [
            f"{Q2}:16:15: json snippet does not parse: Expecting property name enclosed in double quotes"
        ],
    ),
    (
        "bash-snippet-syntax",
        Q2,
        replace(
            "  - language: yaml\n    caption: A Kubernetes object\n    source: |\n      apiVersion: v1",
            "  - language: bash\n    caption: A script\n    source: |\n      echo ok\n      if true; then",
        ),
        [f"{Q2}:23:1: bash snippet does not parse: syntax error: unexpected end of file"],
    ),
    (
        "bad-id",
        Q2,
        replace("id: second-question", "id: Second Question"),
        [
            f"{Q2}:1:5: id: expected a slug (lowercase letters, digits and hyphens, "
            "like 'canary-deployment'), found text 'Second Question'"
        ],
    ),
    (
        "follow-up-without-answer",
        Q3,
        replace("    answer: No.\n", ""),
        [f"{Q3}:16:5: follow_ups[0]: missing required field 'answer' (non-empty text)"],
    ),
    (
        "snippet-without-source",
        Q2,
        replace("    source: |\n", "    src: |\n"),
        [
            f"{Q2}:13:5: code[0]: missing required field 'source' (non-empty text)",
            f"{Q2}:15:5: code[0]: unknown field 'src' in a code snippet; did you mean 'source'?",
        ],
    ),
    (
        "deck-yaml-missing",
        "deck.yaml",
        None,
        ["deck.yaml: file is missing; expected a mapping (deck.yaml)"],
    ),
    (
        "deck-yaml-broken",
        "deck.yaml",
        replace("tag_prefix: smp", "tag_prefix: [smp"),
        [
            "deck.yaml:6:13: invalid YAML: expected ',' or ']', but got ':' "
            "(while parsing a flow sequence)"
        ],
    ),
    (
        "deck-topic-key",
        "deck.yaml",
        replace("  training:", "  Training Stuff:"),
        [
            "deck.yaml:9:3: topics: key 'Training Stuff': expected a slug (lowercase letters, digits "
            "and hyphens, like 'canary-deployment'), found text 'Training Stuff'"
        ],
    ),
    (
        "file-too-large",
        Q2,
        lambda t: t + "# " + "x" * 600_000 + "\n",
        [f"{Q2}: file is 600666 bytes; the limit is 524288 bytes"],
    ),
    (
        "nested-too-deep",
        Q2,
        lambda t: t + "deep: " + "[" * 5000 + "]" * 5000 + "\n",
        [
            f"{Q2}:1:1: lists or mappings are nested too deeply; a question needs at most three levels"
        ],
    ),
    (
        "control-character",
        Q2,
        replace("question: What does the second question ask?", 'question: "What\\x1fdoes"'),
        [f"{Q2}:5:11: question: expected text without control characters, found '\\x1f'"],
    ),
    (
        "number-too-large",
        Q2,
        replace("number: 2", "number: 99999999999999999999999"),
        [
            f"{Q2}:2:9: number: expected a whole number from 1 to 99999, "
            "found a number (99999999999999999999999)"
        ],
    ),
    (
        "raw-script",
        Q1,
        replace("with **bold** text", "with <script>alert(1)</script> text"),
        [
            f"{Q1}:11:40: raw HTML '<script>' is not allowed; write Markdown, or put literal "
            "markup in `backticks`",
            f"{Q1}:11:56: raw HTML '</script>' is not allowed; write Markdown, or put literal "
            "markup in `backticks`",
        ],
    ),
    (
        "event-handler",
        Q3,
        replace(THIRD, '  Look: <img src=x onerror="alert(1)"> here.'),
        [
            f"{Q3}:11:9: raw HTML '<img src=x onerror=\"alert(1)\">' is not allowed; write "
            "Markdown, or put literal markup in `backticks`"
        ],
    ),
    (
        "html-comment",
        Q3,
        replace(THIRD, "  Hidden <!-- comment --> text."),
        [
            f"{Q3}:11:10: raw HTML '<!--' is not allowed; write Markdown, or put literal markup "
            "in `backticks`"
        ],
    ),
    (
        "javascript-link",
        Q2,
        replace("    answer: Because.", "    answer: '[click](javascript:alert(1))'"),
        [f"{Q2}:28:13: 'javascript:' links are not allowed; use an http(s) or mailto link"],
    ),
    (
        "javascript-reference-link",
        Q3,
        replace(THIRD, "  See [x].\n\n  [x]: javascript:alert(1)"),
        [f"{Q3}:13:3: 'javascript:' links are not allowed; use an http(s) or mailto link"],
    ),
    (
        "javascript-autolink",
        Q3,
        replace(THIRD, "  See <javascript:alert(1)>."),
        [f"{Q3}:11:7: 'javascript:' links are not allowed; use an http(s) or mailto link"],
    ),
    (
        "file-outside-deck",
        Q3,
        replace(THIRD, "  See [the notes](../../secret.txt)."),
        [
            f"{Q3}:11:17: link to the local file '../../secret.txt' is not allowed: cards carry no "
            "files; use an http(s) link"
        ],
    ),
    (
        "image",
        Q3,
        replace(THIRD, "  ![diagram](diagram.png)"),
        [
            f"{Q3}:11:3: images are not supported: cards work offline and carry no files; describe "
            "the picture in words"
        ],
    ),
]


def apply(sample: Path, rel: str, change: Change) -> None:
    path = sample / rel
    if change is None:
        path.unlink()
    elif isinstance(change, bytes):
        path.write_bytes(change)
    elif isinstance(change, str):
        path.write_text(change, encoding="utf-8")
    else:
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def errors_of(decks: Path) -> list[str]:
    with pytest.raises(CorpusError) as info:
        load_valid(decks)
    prefix = str(decks / "sample") + "/"
    return [str(p).replace(prefix, "") for p in info.value.problems if p.severity is Severity.ERROR]


@pytest.mark.parametrize("case, rel, change, expected", CASES, ids=[c[0] for c in CASES])
def test_each_error_is_reported_with_its_position(decks, sample, case, rel, change, expected):
    apply(sample, rel, change)
    assert errors_of(decks) == expected


def test_all_errors_are_collected_at_once(decks, sample):
    for case, rel, change, _ in CASES:
        if case in ("duplicate-key", "unknown-topic", "python-snippet-syntax"):
            apply(sample, rel, change)
    found = errors_of(decks)
    assert len(found) == 3
    assert [f.split(":")[0] for f in found] == [Q1, Q2, Q3]


def test_missing_decks_folder(tmp_path):
    with pytest.raises(CorpusError) as info:
        load_valid(tmp_path / "nowhere")
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'nowhere'}: decks folder does not exist; expected a folder holding "
        "<deck>/deck.yaml"
    ]


def test_symlink_leaving_the_deck_is_refused(decks, sample, tmp_path):
    outside = tmp_path / "outside.yaml"
    shutil.copy(sample / Q3, outside)
    (sample / Q3).unlink()
    (sample / Q3).symlink_to(outside)
    assert errors_of(decks) == [
        f"{Q3}: file is reached through a symlink that leads outside the deck folder {sample}; "
        "copy the file in instead"
    ]


def test_warnings_pass_unless_strict(decks, sample):
    corpus = load_valid(decks)  # the fixture's explanations are shorter than the standard
    assert corpus.problems and all(p.severity is Severity.WARNING for p in corpus.problems)
    assert any("explanation has 8 words; expected 120-450" in str(p) for p in corpus.problems)
    with pytest.raises(CorpusError):
        load_valid(decks, strict=True)


def test_fixture_copy_is_valid(decks):
    assert len(load_valid(decks).decks[0].questions) == 3
    assert (FIXTURES / "decks" / "sample" / "deck.yaml").is_file()


# --- through the command line: exit code, no traceback, an earlier .apkg left intact ---


def run_cli(*args: str):
    from typer.testing import CliRunner

    from mlops_anki.cli import app

    result = CliRunner().invoke(app, list(args))
    # An exception other than SystemExit means a traceback would have reached the user.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("case, rel, change, expected", CASES, ids=[c[0] for c in CASES])
def test_cli_build_fails_cleanly_and_keeps_the_earlier_package(
    decks, sample, tmp_path, case, rel, change, expected
):
    out = tmp_path / "dist"
    assert run_cli("build", "--decks", str(decks), "--output", str(out)).exit_code == 0
    before = (out / "sample-unreleased.apkg").read_bytes()
    apply(sample, rel, change)
    result = run_cli("build", "--decks", str(decks), "--output", str(out))
    assert result.exit_code == 1
    for line in expected:
        assert str(sample / line) in result.output or line in result.output
    assert "nothing was written" in result.output
    assert (out / "sample-unreleased.apkg").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["sample-unreleased.apkg"]


def test_output_folder_that_is_a_file(decks, tmp_path):
    blocker = tmp_path / "dist"
    blocker.write_text("not a folder")
    result = run_cli("build", "--decks", str(decks), "--output", str(blocker))
    assert result.exit_code == 1
    assert (
        f"error: {blocker} is a file, not a folder; give --output a folder for the .apkg files"
    ) in result.output
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize(
    "failure, message, code",
    [
        (OSError(28, "No space left on device"), "No space left on device", 1),
        (KeyboardInterrupt(), "interrupted; no .apkg was replaced.", 130),  # 128 + SIGINT
    ],
    ids=["disk-full", "interrupted"],
)
def test_write_failure_leaves_the_earlier_package(
    decks, tmp_path, monkeypatch, failure, message, code
):
    import zipfile

    out = tmp_path / "dist"
    run_cli("build", "--decks", str(decks), "--output", str(out))
    before = (out / "sample-unreleased.apkg").read_bytes()

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail)  # the disk, not the code under test
    result = run_cli("build", "--decks", str(decks), "--output", str(out))
    assert result.exit_code == code and message in result.output
    assert (out / "sample-unreleased.apkg").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["sample-unreleased.apkg"]


def test_usage_errors_exit_2(decks):
    assert run_cli("build", "--decks").exit_code == 2
    assert run_cli("validate", "--strict=maybe").exit_code == 2


def _wrong_value(kind) -> object:
    """A value of the wrong type for ``kind``: text where a list or number is due, else a list."""
    from mlops_anki import schema

    if isinstance(kind, (schema.ListOf, schema.MapOf, schema.Number, schema.Record)):
        return "just text"
    return ["a", "list"]


def _fields():
    from mlops_anki import schema

    for field in schema.QUESTION.fields.values():
        yield (field.name,), field.kind
        item = getattr(field.kind, "item", None)
        if isinstance(item, schema.Record):
            for sub in item.fields.values():
                yield (field.name, 0, sub.name), sub.kind


@pytest.mark.parametrize(
    "path, kind",
    list(_fields()),
    ids=lambda v: ".".join(map(str, v)) if isinstance(v, tuple) else "",
)
def test_a_wrong_type_is_refused_for_every_field(decks, sample, path, kind):
    import yaml

    q1 = sample / Q1
    data = yaml.safe_load(q1.read_text())
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = _wrong_value(kind)
    q1.write_text(yaml.safe_dump(data, sort_keys=False))
    errors = errors_of(decks)
    place = path[0] + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[1:])
    assert any(
        e.startswith(f"{Q1}:") and f": {place}: expected " in e and ", found " in e for e in errors
    ), errors


def test_alias_bomb_is_refused_without_building_it(decks, sample):
    import tracemalloc

    deeper = "".join(
        f"c{i}: &c{i} [{', '.join([f'*c{i - 1}' if i else 'lol'] * 10)}]\n" for i in range(9)
    )  # 10**9 values if expanded
    (sample / Q2).write_text((sample / Q2).read_text() + deeper)
    tracemalloc.start()
    errors = errors_of(decks)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert any("alias bomb" in e for e in errors)
    assert peak < 50 * 2**20


def test_bash_snippets_are_checked_each_on_its_own():
    from mlops_anki.validate import check_bash_all, syntax_error

    # Two halves of one quoted string: together they would parse, alone neither does.
    sources = ['echo "abc\n', 'echo def"\n', "if true; then echo ok; fi\n", "cat <<EOF\nx\n"]
    results = check_bash_all(sources)
    assert results == {s: syntax_error("bash", s) for s in sources}
    assert [results[s] is None for s in sources] == [False, False, True, True]


@pytest.mark.parametrize(
    "text, found",
    [
        ("Point two, TODO.", "TODO"),
        ("Point two, todo later.", "todo"),
        ("Point two; Lorem ipſum.", "Lorem ipſum"),
        ("Point two, todos and fixmes are fine.", None),
    ],
)
def test_placeholder_text_is_a_warning(decks, sample, text, found):
    apply(sample, Q2, replace("Point two of the second question.", text))
    warnings = [
        str(p).replace(str(sample) + "/", "")
        for p in load_valid(decks).problems
        if "placeholder" in p.message
    ]
    assert warnings == (
        [f"{Q2}:8:5: warning: placeholder text {found!r}; write the content"] if found else []
    )
