"""Render notes' fields in worker processes, in order, when there are enough notes to pay.

Rendering (Markdown and Pygments, pure Python) is most of a large build's time. Rendering is a
pure function of a question's content, and results are taken back in submission order, so
the fields, and therefore the .apkg bytes, do not depend on the number of workers.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from array import array
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from .model import Deck, Question
from .notetype import note_fields
from .render import Renderer
from .yamlsource import Document

NOTES_PER_WORKER = 250
"""A worker process costs ~0.3 s to start, about what rendering 150 notes costs: each worker
must have at least this many notes, else fewer workers (down to none) are used."""

CHUNK = 50
"""Notes sent to a worker at a time."""

_NO_POSITIONS = Document(path=Path(), data=None, indents=array("L"))

_worker_renderer: Renderer | None = None


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class NoteRenderer:
    """Renders the fields of many notes with up to ``jobs`` processes; use it as a context
    manager so that its workers stop with it. ``total`` is the number of notes to come."""

    def __init__(self, *, jobs: int, total: int):
        self.renderer = Renderer()
        self.workers = min(jobs, total // NOTES_PER_WORKER)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> NoteRenderer:
        if self.workers > 1:
            # "spawn": fresh, small workers on every platform, whatever threads we have.
            self._pool = ProcessPoolExecutor(self.workers,
                                             mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def block(self, text: str) -> str:
        """Render block Markdown here, in this process (see ``Renderer.block``)."""
        return self.renderer.block(text)

    def fields(self, deck: Deck, questions: Sequence[Question]) -> Iterator[list[str]]:
        """The fields of each question's note, in the order of ``questions``."""
        if self._pool is None:
            for q in questions:
                yield note_fields(deck, q, self.renderer)
            return
        # Workers need the content only; the positions (most of a question's memory) stay here.
        deck = dataclasses.replace(deck, questions=(), doc=_NO_POSITIONS)
        pending: deque[Future[list[list[str]]]] = deque()
        for start in range(0, len(questions), CHUNK):
            chunk = [dataclasses.replace(q, doc=_NO_POSITIONS)
                     for q in questions[start:start + CHUNK]]
            pending.append(self._pool.submit(_render_chunk, deck, chunk))
            if len(pending) > 2 * self.workers:  # bound what waits in memory
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _render_chunk(deck: Deck, questions: list[Question]) -> list[list[str]]:
    global _worker_renderer
    if _worker_renderer is None:
        _worker_renderer = Renderer()
    return [note_fields(deck, q, _worker_renderer) for q in questions]

