"""The libyaml fast path reads every file exactly as PyYAML's pure-Python parser does."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, SHIPPED_DECKS

from mlops_anki import yamlsource

pytestmark = pytest.mark.skipif(yamlsource._FAST_LOADER is None, reason="PyYAML without libyaml")

EDGE_CASES = {
    "unicode": "a: café — x\nb: |\n  línea ñ\n  ☃ snow: [1, 2]\nd: {é: 1, x: ☃}\n",
    "anchors": "a: &x [1, 2]\nb: *x\nc: &y {k: v}\nd: *y\n",
    "styles": "a: >\n  folded\n  text\n\nb: |-\n  keep\nc: \"dq\\n\"\nd: 'sq'\ne: 2024-01-01\n"
    "f: 1.5\ng: null\nh: ~\ni: yes\n",
    "crlf": "a: 1\r\nb: |\r\n  x\r\n  y\r\n",
    "tab-after-colon": "a:\t1\n",
    "broken-flow": "a: [1, 2\nb: 3\n",
}


def read_both(path: Path, monkeypatch) -> tuple:
    fast = yamlsource.read_yaml(path)
    with monkeypatch.context() as m:
        m.setattr(yamlsource, "_FAST_LOADER", None)
        slow = yamlsource.read_yaml(path)
    return fast, slow


def summary(result: tuple) -> tuple:
    doc, problems = result
    if doc is None:
        return None, problems
    return (doc.data, doc.values, doc.keys, doc.block), problems


def test_fast_and_pure_parsers_agree_on_the_corpus(monkeypatch):
    paths = sorted(SHIPPED_DECKS.rglob("*.yaml")) + sorted(FIXTURES.rglob("*.yaml"))
    assert len(paths) > 80
    for path in paths:
        fast, slow = read_both(path, monkeypatch)
        assert summary(fast) == summary(slow), path


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_fast_and_pure_parsers_agree_on_edge_cases(name, tmp_path, monkeypatch):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(EDGE_CASES[name].encode("utf-8"))
    fast, slow = read_both(path, monkeypatch)
    assert summary(fast) == summary(slow)
