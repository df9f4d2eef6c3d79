"""Property tests: whatever bytes or YAML a contributor writes, only CorpusError escapes."""

from __future__ import annotations

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

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
QUESTION = "questions/002-second-question.yaml"

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=30), st.sampled_from(["senior", "serving", "second-question", "", "~"]),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5),
                               st.dictionaries(st.text(max_size=12), children, max_size=6)),
    max_leaves=30,
)
field_names = st.sampled_from(["id", "number", "difficulty", "topics", "question", "key_points",
                               "explanation", "code", "mistakes", "follow_ups", "references",
                               "source_label", "language", "source", "caption", "answer"])
question_like = st.dictionaries(st.one_of(field_names, st.text(max_size=8)), values, max_size=14)

# Fragments of YAML syntax, so that generated text reaches the parser's odd corners.
yaml_bits = st.sampled_from([
    "id: x\n", "number: 2\n", "- ", ": ", "&a ", "*a ", "!!python/object:os.system ", "!!set ",
    "<<: *a\n", "[", "]", "{", "}", "|\n", ">-\n", "  ", "\t", "'", '"', "\\x1f", "---\n",
    "...\n", "? ", "%YAML 1.1\n", "#", "\n", "key_points:\n  - a\n", "\ufeff", "\x00", "\xe9",
])


@pytest.fixture(scope="module")
def fuzz_decks(tmp_path_factory) -> Path:
    """One writable copy of the sample deck: Hypothesis runs many examples per test."""
    target = tmp_path_factory.mktemp("fuzz") / "decks"
    shutil.copytree(FIXTURES / "decks", target)
    return target


# Characters that parsers treat specially and plain st.text() rarely produces.
tricky = st.lists(st.text(max_size=8) | st.sampled_from(
    ["\ufffe", "\x85", "\u2028", "\r", "\t", "\x7f", "\U0001f600", "\\", "`", "```", "<", ">",
     "&", "](", "javascript:", "\n- ", "\n| a |\n|---|\n", "\n```python\n", "\n"]),
    max_size=30).map("".join)


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
    try:
        load_valid(fuzz_decks)
    except CorpusError:
        pass


@FUZZ
@given(field=st.sampled_from(["question", "explanation", "key_points", "mistakes"]),
       text=tricky)
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
@given(language=st.sampled_from(["python", "yaml", "json", "toml", "bash", "sql", "text"]),
       source=tricky)
def test_arbitrary_snippets(fuzz_decks, language, source):
    original = yaml.safe_load((FIXTURES / "decks" / "sample" / QUESTION).read_text())
    original["code"] = [{"language": language, "caption": "fuzz", "source": source}]
    load_with(fuzz_decks, yaml.safe_dump(original, allow_unicode=True).encode())
