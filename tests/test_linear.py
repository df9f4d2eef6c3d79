"""Every step is linear or bounded: the worst inputs found take a small multiple of a normal
file's time (a ratio, so that a slow machine does not fail it)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import yaml
from conftest import FIXTURES, NOW

from mlops_anki.build import build
from mlops_anki.errors import CorpusError

Q3 = "questions/003-third-question.yaml"
RATIO = 25
"""How many times a normal build the worst input may take. Before the limits, the same
inputs took hundreds to thousands of times as long (tens of seconds to minutes)."""


def lines(unit: str, per_line: int, count: int) -> str:
    return (unit * per_line + "\n") * count


# (name, field of question 3, value): each at or just past a limit, valid or refused.
WORST = [
    ("brackets-at-the-limit", "explanation", lines("[a](https://e.com) ", 20, 10)),
    ("brackets-past-the-limit", "explanation", lines("[", 1_999, 5)),
    ("image-openers", "explanation", lines("![", 999, 5)),
    ("link-openers-in-a-key-point", "key_points", ["[a](" * 499]),
    ("angle-and-backticks", "key_points", ["<" + "`" * 1_999]),
    ("backticks", "explanation", lines("`a", 999, 5)),
    ("emphasis", "explanation", lines("*a*", 660, 5)),
    ("strong-emphasis", "explanation", lines("**a", 660, 5)),
    ("backslashes", "explanation", lines("\\\\", 999, 5)),
    ("escaped-backticks", "explanation", lines("\\`", 999, 5)),
    ("setext-headings", "explanation", "a\n" + "=\n" * 298),
    ("headings", "explanation", "#\n" * 299),
    ("list-items", "explanation", "- a\n" * 299),
    ("table-rows", "explanation", "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 297),
    ("nesting-at-the-limit", "explanation", "".join("    " * i + "- x\n" for i in range(8))),
    ("nesting-past-the-limit", "explanation", "- " * 900 + "x"),
    ("quotes-past-the-limit", "explanation", ">" * 1_999),
    ("hard-breaks", "explanation", "a  \n" * 299),
    ("entities", "explanation", lines("&#1;", 499, 5)),
    ("mathjax-and-sound", "explanation", lines("\\\\(x\\\\)[sound:a]", 40, 5)),
    ("yaml-snippet-anchors", "code:yaml", lines("&", 1_999, 5)),
    ("yaml-snippet-aliases", "code:yaml", lines("*a ", 600, 5)),
    ("yaml-snippet-quoted", "code:yaml", ('- "' + "&" * 1_990 + '"\n') * 5),
    ("text-snippet-anchors", "code:text", lines("&", 1_999, 5)),
    ("python-snippet-blank-lines", "code:python", "x = 1\n" + " \n" * 298),
    ("bash-snippet-substitutions", "code:bash", lines("$(", 999, 5)),
    ("long-question", "question", "Why " + "x" * 1_990 + "?"),
]


def _question(field: str, value) -> dict:
    data = yaml.safe_load((FIXTURES / "decks" / "sample" / Q3).read_text())
    if field.startswith("code:"):
        data["code"] = [{"language": field[5:], "caption": "Worst", "source": value}]
    else:
        data[field] = value
    return data


def _time_build(decks: Path, out: Path) -> float:
    start = time.perf_counter()
    with contextlib.suppress(CorpusError):
        build(decks, out, now=NOW)
    return time.perf_counter() - start


def test_the_worst_inputs_take_a_bounded_multiple_of_a_normal_build(decks, sample, tmp_path):
    _time_build(decks, tmp_path / "warm")  # imports, lexers, the note type's files
    normal = min(_time_build(decks, tmp_path / f"normal{i}") for i in range(3))
    slow = {}
    for name, field, value in WORST:
        (sample / Q3).write_text(
            yaml.safe_dump(_question(field, value), allow_unicode=True, width=10**6)
        )
        took = _time_build(decks, tmp_path / name)
        if took > RATIO * normal:  # once more, in case the machine was busy
            took = min(took, _time_build(decks, tmp_path / f"{name}-again"))
        print(f"{name}: {took / normal:.1f} times a normal build ({normal:.3f} s)")
        if took > RATIO * normal:
            slow[name] = round(took / normal, 1)
    assert not slow, f"times a normal build ({normal:.3f} s): {slow}"
