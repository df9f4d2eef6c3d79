"""Render notes' fields in worker processes when there are enough notes to pay for them.

Rendering (Markdown and Pygments, pure Python) is most of a large build's time. It is a pure
function of a question's content, and results are taken back in submission order, so the
fields, and therefore the .apkg bytes, do not depend on the number of workers.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import threading
import time
from array import array
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .errors import CorpusError, WorkerError
from .followups import Rendered, render_question
from .model import Deck, Question
from .render import Renderer
from .yamlsource import Document

NOTES_PER_WORKER = 250
"""Starting a worker costs about as much as rendering 150 notes: a deck is rendered by
workers only when each gets at least this many notes."""

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


class Workers:
    """Up to ``jobs`` worker processes, started by the first deck large enough to pay for
    them (and kept for the next); use it as a context manager so that they stop."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self.renderer = Renderer()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._pool is None:
            return
        if exc_type is not None:
            # The build failed (a corpus error found while workers render ahead, an
            # interrupt): their work is not needed, so stop them instead of waiting for it.
            # ProcessPoolExecutor has no public way to do this before Python 3.14.
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
        self._pool.shutdown(cancel_futures=True)

    def pool_for(self, notes: int) -> ProcessPoolExecutor | None:
        """The pool, if rendering ``notes`` notes should use one."""
        if self.jobs < 2 or notes < 2 * NOTES_PER_WORKER:
            return None
        if self._pool is None:
            # "spawn": fresh, small workers on every platform, whatever threads we have.
            self._pool = ProcessPoolExecutor(
                min(self.jobs, notes // NOTES_PER_WORKER),
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    def render(
        self, deck: Deck, questions: Sequence[Question], *, follow_ups: bool = True
    ) -> Iterator[Rendered]:
        """The fields of each question's note, and of its follow-up notes when
        ``follow_ups``, in the order of ``questions``.

        With workers, all of the work is queued now and proceeds while the caller does
        something else; without, each note is rendered as the iterator reaches it.
        """
        pool = self.pool_for(len(questions))
        if pool is None:
            return _checked(
                questions, (_fields(deck, q, self.renderer, follow_ups) for q in questions)
            )
        # Workers need the content only; the positions (most of a question's memory) stay here.
        deck = dataclasses.replace(deck, questions=(), doc=_NO_POSITIONS)
        try:
            futures = [
                pool.submit(
                    _render_chunk,
                    deck,
                    [dataclasses.replace(q, doc=_NO_POSITIONS) for q in questions[i : i + CHUNK]],
                    follow_ups,
                )
                for i in range(0, len(questions), CHUNK)
            ]
        except BrokenProcessPool as exc:
            raise WorkerError(f"a rendering process stopped: {exc}") from exc
        return _checked(questions, _results(futures))

    def block(self, text: str) -> str:
        """Render block Markdown here, in this process (see ``Renderer.block``)."""
        return self.renderer.block(text)


def _fields(deck: Deck, q: Question, renderer: Renderer, follow_ups: bool) -> Rendered | str:
    """``q``'s fields (and its follow-ups'), or why they could not be rendered.

    Validation bounds what reaches the renderer (length, lines, nesting, brackets), so this
    is a last line of defence: a renderer that still recurses too deep or runs out of
    memory on some input reports the question instead of a traceback."""
    try:
        return render_question(deck, q, renderer, follow_ups=follow_ups)
    except RecursionError:
        return "nested too deeply for the Markdown renderer; simplify its lists and quotes"
    except MemoryError:
        return "ran out of memory while rendering it"


def _checked(
    questions: Sequence[Question], results: Iterator[Rendered | str]
) -> Iterator[Rendered]:
    for q, fields in zip(questions, results):
        if isinstance(fields, str):
            raise CorpusError([q.doc.problem((), f"cannot render this question: {fields}")])
        yield fields


def _results(futures: list[Future[list[Rendered | str]]]) -> Iterator[Rendered | str]:
    for future in futures:
        try:
            yield from future.result()
        except BrokenProcessPool as exc:
            raise WorkerError(f"a rendering process stopped: {exc}") from exc


PARENT_POLL = 0.1
"""Seconds between a worker's checks that the build process still exists."""


def _die_with_parent(parent: int) -> None:
    """Make this worker exit soon after the build process is gone.

    A process killed by SIGKILL or SIGTERM runs no cleanup, and a worker waiting on the task
    queue holds that queue's write end itself, so it would never see end-of-file and would
    wait forever. When the parent dies the worker is re-parented, so its parent id changes.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)  # no cleanup: nobody is left to receive the results

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _render_chunk(deck: Deck, questions: list[Question], follow_ups: bool) -> list[Rendered | str]:
    global _worker_renderer
    if _worker_renderer is None:
        _worker_renderer = Renderer()
    return [_fields(deck, q, _worker_renderer, follow_ups) for q in questions]
