"""Large corpora: the benchmark's synthetic corpus is valid, and parallel builds change nothing."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from conftest import REPO

from mlops_anki import workers
from mlops_anki.build import build, load_valid


def make_corpus(n: int, out: Path) -> Path:
    spec = importlib.util.spec_from_file_location(
        "make_corpus", REPO / "benchmarks" / "make_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_corpus(n, out)
    for i, path in enumerate(sorted(out.rglob("*.yaml"))):
        os.utime(path, (1_770_000_000 + i, 1_770_000_000 + i))
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return make_corpus(60, tmp_path_factory.mktemp("synthetic") / "decks")


def test_synthetic_corpus_is_valid_under_strict(synthetic):
    corpus = load_valid(synthetic, strict=True)
    questions = corpus.decks[0].questions
    assert len(questions) == 60
    assert {s.language for q in questions for s in q.code} >= {"python", "yaml", "bash"}
    assert all(1 <= len(q.code) <= 2 for q in questions)


def test_synthetic_corpus_is_deterministic(tmp_path):
    first = make_corpus(5, tmp_path / "a")
    second = make_corpus(5, tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*.yaml"))
    assert files == sorted(p.relative_to(second) for p in second.rglob("*.yaml"))
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)


def test_parallel_build_is_byte_identical_to_serial(synthetic, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    monkeypatch.setattr(workers, "NOTES_PER_WORKER", 10)  # so that 60 notes use workers
    monkeypatch.setattr(workers, "CHUNK", 7)  # several chunks per worker, out of step
    with workers.Workers(3) as pool:
        assert pool.pool_for(60)._max_workers == 3

    serial = build(synthetic, tmp_path / "serial", jobs=1).decks[0].path
    done = []
    parallel = (
        build(synthetic, tmp_path / "parallel", jobs=3, progress=lambda d, t: done.append((d, t)))
        .decks[0]
        .path
    )
    assert parallel.read_bytes() == serial.read_bytes()
    assert done == [(i, 60) for i in range(1, 61)]


def test_small_decks_are_built_in_process():
    with workers.Workers(8) as pool:
        assert pool.pool_for(88) is None


def test_parallel_build_with_a_bad_question_writes_nothing(tmp_path, monkeypatch):
    from mlops_anki.errors import CorpusError

    monkeypatch.setattr(workers, "NOTES_PER_WORKER", 10)
    decks = make_corpus(30, tmp_path / "decks")
    bad = sorted((decks / "synthetic" / "questions").iterdir())[-1]
    bad.write_text(
        bad.read_text()
        .replace('difficulty: "senior"', 'difficulty: "expert"')
        .replace('difficulty: "intermediate"', 'difficulty: "expert"')
    )
    with pytest.raises(CorpusError) as info:
        build(decks, tmp_path / "out", jobs=2)
    assert [p.message.split(";")[0] for p in info.value.problems] == ["unknown difficulty 'expert'"]
    assert not (tmp_path / "out").exists()


def test_a_dead_worker_is_a_build_error_not_a_traceback():
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from mlops_anki.errors import MlopsAnkiError

    future: Future = Future()
    future.set_exception(BrokenProcessPool("terminated abruptly"))
    with pytest.raises(MlopsAnkiError, match="a rendering process stopped: terminated abruptly"):
        list(workers._results([future]))
