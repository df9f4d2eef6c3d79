"""Property tests: whatever bytes or YAML a contributor writes, only CorpusError escapes."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlops_anki.build import load_valid
from mlops_anki.errors import CorpusError
from mlops_anki.loader import Corpus

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
QUESTION = "questions/002-second-question.yaml"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["senior", "serving", "second-question", "", "~"]),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=30,
)
field_names = st.sampled_from(
    [
        "id",
        "number",
        "difficulty",
        "topics",
        "question",
        "key_points",
        "explanation",
        "code",
        "mistakes",
        "follow_ups",
        "references",
        "source_label",
        "language",
        "source",
        "caption",
        "answer",
    ]
)
question_like = st.dictionaries(st.one_of(field_names, st.text(max_size=8)), values, max_size=14)

# Fragments of YAML syntax, so that generated text reaches the parser's odd corners.
yaml_bits = st.sampled_from(
    [
        "id: x\n",
        "number: 2\n",
        "- ",
        ": ",
        "&a ",
        "*a ",
        "!!python/object:os.system ",
        "!!set ",
        "<<: *a\n",
        "[",
        "]",
        "{",
        "}",
        "|\n",
        ">-\n",
        "  ",
        "\t",
        "'",
        '"',
        "\\x1f",
        "---\n",
        "...\n",
        "? ",
        "%YAML 1.1\n",
        "#",
        "\n",
        "key_points:\n  - a\n",
        "\ufeff",
        "\x00",
        "\xe9",
    ]
)


@pytest.fixture(scope="module")
def fuzz_decks(tmp_path_factory) -> Path:
    """One writable copy of the sample deck: Hypothesis runs many examples per test."""
    target = tmp_path_factory.mktemp("fuzz") / "decks"
    shutil.copytree(FIXTURES / "decks", target)
    return target


# Characters that parsers treat specially and plain st.text() rarely produces.
tricky = st.lists(
    st.text(max_size=8)
    | st.sampled_from(
        [
            "\ufffe",
            "\x85",
            "\u2028",
            "\r",
            "\t",
            "\x7f",
            "\U0001f600",
            "\\",
            "`",
            "```",
            "<",
            ">",
            "&",
            "](",
            "javascript:",
            "\n- ",
            "\n| a |\n|---|\n",
            "\n```python\n",
            "\n",
        ]
    ),
    max_size=30,
).map("".join)


def load_with(decks: Path, payload: bytes) -> Corpus | None:
    (decks / "sample" / QUESTION).write_bytes(payload)
    try:
        return load_valid(decks)
    except CorpusError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
        return None


@FUZZ
@given(payload=st.binary(max_size=400))
def test_arbitrary_bytes(fuzz_decks, payload):
    load_with(fuzz_decks, payload)


@FUZZ
@given(text=st.lists(yaml_bits | st.text(max_size=6), max_size=40).map("".join))
def test_yaml_fragments(fuzz_decks, text):
    load_with(fuzz_decks, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(document=question_like)
def test_arbitrary_documents(fuzz_decks, document):
    load_with(fuzz_decks, yaml.safe_dump(document, allow_unicode=True).encode())


@FUZZ
@given(document=values)
def test_arbitrary_deck_yaml(fuzz_decks, document):
    (fuzz_decks / "sample" / "deck.yaml").write_text(yaml.safe_dump(document))
    with contextlib.suppress(CorpusError):
        load_valid(fuzz_decks)


@FUZZ
@given(field=st.sampled_from(["question", "explanation", "key_points", "mistakes"]), text=tricky)
def test_arbitrary_markdown_in_a_valid_question(fuzz_decks, field, text):
    original = yaml.safe_load((FIXTURES / "decks" / "sample" / QUESTION).read_text())
    original[field] = [text] if isinstance(original[field], list) else text
    corpus = load_with(fuzz_decks, yaml.safe_dump(original, allow_unicode=True).encode())
    if corpus is not None:  # it validated, so it must also render without error
        from mlops_anki.notetype import note_fields
        from mlops_anki.render import Renderer

        deck = corpus.decks[0]
        for q in deck.questions:
            note_fields(deck, q, Renderer())


@FUZZ
@given(
    language=st.sampled_from(["python", "yaml", "json", "toml", "bash", "sql", "text"]),
    source=tricky,
)
def test_arbitrary_snippets(fuzz_decks, language, source):
    original = yaml.safe_load((FIXTURES / "decks" / "sample" / QUESTION).read_text())
    original["code"] = [{"language": language, "caption": "fuzz", "source": source}]
    load_with(fuzz_decks, yaml.safe_dump(original, allow_unicode=True).encode())


# --- round two: nesting depth, long runs of one character, unusual code points, times ---

MARKDOWN_FIELDS = st.sampled_from(["question", "explanation", "key_points", "mistakes"])
_CONTAINERS = st.sampled_from(["- ", "* ", "1. ", "> ", ">", "    ", "  ", "+ "])


def _render_all(corpus: Corpus) -> None:
    from mlops_anki.notetype import note_fields
    from mlops_anki.render import Renderer

    deck = corpus.decks[0]
    renderer = Renderer()
    for q in deck.questions:
        note_fields(deck, q, renderer)


def _with_field(field: str, text: str) -> bytes:
    original = yaml.safe_load((FIXTURES / "decks" / "sample" / QUESTION).read_text())
    original[field] = [text] if isinstance(original[field], list) else text
    return yaml.safe_dump(original, allow_unicode=True, width=10**6).encode()


@settings(FUZZ, max_examples=60)
@given(field=MARKDOWN_FIELDS, markers=st.lists(_CONTAINERS, max_size=400), lines=st.integers(1, 3))
def test_nesting_of_any_depth(fuzz_decks, field, markers, lines):
    prefix = "".join(markers)
    text = "\n".join(prefix + f"item {i}" for i in range(lines))
    corpus = load_with(fuzz_decks, _with_field(field, text))
    if corpus is not None:  # it validated, so it must render, without recursing too deep
        _render_all(corpus)


RUN_CHARS = st.sampled_from(
    list("[]()<>`*_!&#\\|~-=:{}\"' \n\t$@%^")
    + ["![", "](", "[a](", "**a", "`<", "\n- ", "\n|-", "=\n", "#\n", "\\(", "[sound:"]
)


@settings(FUZZ, max_examples=60)
@given(
    field=MARKDOWN_FIELDS,
    unit=RUN_CHARS,
    count=st.integers(1, 12_000),
    before=st.sampled_from(["", "Text ", "<", "`"]),
)
def test_long_runs_of_one_character(fuzz_decks, field, unit, count, before):
    corpus = load_with(fuzz_decks, _with_field(field, "Why " + before + unit * count))
    if corpus is not None:
        _render_all(corpus)


# Code points that trip encoders and parsers: lone surrogates, private use, unassigned,
# format characters (zero-width, bidi), line and paragraph separators, noncharacters.
odd_code_points = st.characters(categories=["Cs", "Co", "Cn", "Cf", "Zl", "Zp", "Zs", "Mn"])


@settings(FUZZ, max_examples=40)
@given(
    field=st.sampled_from(["question", "explanation", "key_points", "name", "caption"]),
    text=st.lists(odd_code_points | st.sampled_from(["a", " ", "::"]), min_size=1, max_size=12).map(
        "".join
    ),
)
def test_unusual_code_points_build_or_are_refused(fuzz_decks, tmp_path_factory, field, text):
    import json

    from mlops_anki.build import build
    from mlops_anki.errors import MlopsAnkiError

    sample = fuzz_decks / "sample"
    question = (FIXTURES / "decks" / "sample" / QUESTION).read_text()
    deck = (FIXTURES / "decks" / "sample" / "deck.yaml").read_text()
    # JSON's escapes are YAML's: "\ud800" reaches the parser as a lone surrogate.
    quoted = json.dumps("Why " + text)
    if field == "name":
        deck = deck.replace("name: Sample Deck", f"name: {quoted}")
    elif field == "caption":
        question = question.replace("caption: A Kubernetes object", f"caption: {quoted}")
    elif field == "key_points":
        question = question.replace("  - Point one of the second question.", f"  - {quoted}")
    elif field == "explanation":
        question = question.replace(
            "explanation: |\n  A short explanation for the second question.",
            f"explanation: {quoted}",
        )
    else:
        question = question.replace(
            "question: What does the second question ask?", f"question: {quoted}"
        )
    (sample / QUESTION).write_text(question, encoding="utf-8")
    (sample / "deck.yaml").write_text(deck, encoding="utf-8")
    try:
        build(fuzz_decks, tmp_path_factory.mktemp("odd"), now=1_800_000_000)
    except MlopsAnkiError as exc:
        assert str(exc)
    finally:
        shutil.copy(FIXTURES / "decks" / "sample" / "deck.yaml", sample / "deck.yaml")


sde_values = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.integers(0, 4_000_000_000).map(lambda n: f" {n}\n"),
    st.text(max_size=12),
    st.sampled_from(["0", "1", "999999999", "1000000000", "1e9", "0x10", "١٢٣٤٥٦٧٨٩٠", ""]),
)


@settings(FUZZ, max_examples=40)
@given(value=sde_values)
def test_source_date_epoch_never_writes_an_invalid_time(tmp_path_factory, value):
    import os

    from test_hostile import assert_times_valid

    from mlops_anki.build import build
    from mlops_anki.errors import MlopsAnkiError

    try:
        value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return  # not something an environment can hold
    if "\0" in value:
        return  # an environment variable cannot hold NUL
    tmp = tmp_path_factory.mktemp("sde")
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = value
    try:
        report = build(FIXTURES / "decks", tmp / "out", now=1_800_000_000)
    except MlopsAnkiError as exc:
        assert "SOURCE_DATE_EPOCH" in str(exc)
        return
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    assert_times_valid(report.decks[0].path, tmp, 1_800_000_000)
