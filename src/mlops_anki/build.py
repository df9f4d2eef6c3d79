"""The pipeline in a page: load, validate, select, render, package, write.

Nothing is written until every deck has loaded, validated and rendered; each .apkg is then
written to a temporary file beside its target and renamed into place.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError, MlopsAnkiError, Problem, Severity
from .loader import Corpus, load_corpus
from .model import Deck, Question
from .notetype import note_type
from .package import NoteData, guid_for, write_package
from .validate import validate
from .workers import Workers

RENDER_MOD = 1_764_320_000
"""Unix time of the last change to how fields are rendered (render.py, note_fields).

Every note's ``mod`` is at least this, so raising it makes Anki take re-rendered notes."""

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while notes are rendered."""


@dataclass(frozen=True)
class Selection:
    """Which questions to build; empty tuples mean "all". Options of one kind are OR-ed."""

    difficulties: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()

    def matches(self, q: Question) -> bool:
        """True when ``q`` passes every non-empty filter."""
        return ((not self.difficulties or q.difficulty in self.difficulties)
                and (not self.topics or any(t in self.topics for t in q.topics))
                and (not self.ids or q.id in self.ids))


@dataclass(frozen=True)
class DeckReport:
    """What one build wrote for one deck."""

    deck_id: str
    path: Path
    size: int
    notes_per_deck: dict[str, int] = field(default_factory=dict)

    @property
    def notes(self) -> int:
        """Notes in the package."""
        return sum(self.notes_per_deck.values())


@dataclass(frozen=True)
class BuildReport:
    """The result of a build: one entry per deck written, and the warnings met."""

    decks: list[DeckReport]
    warnings: list[Problem]


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` from the environment, if set (reproducible builds)."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise MlopsAnkiError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, found {value!r}")
    return int(value)


def load_valid(decks_dir: Path, *, strict: bool = False) -> Corpus:
    """Load and validate the corpus; raise CorpusError listing every problem if it has errors
    (or warnings, when ``strict``). Warnings are kept on the returned corpus otherwise."""
    corpus = load_corpus(decks_dir)
    _validate(corpus, strict=strict)
    return corpus


def _validate(corpus: Corpus, *, strict: bool) -> None:
    corpus.problems.extend(validate(corpus.decks))
    if corpus.errors or (strict and corpus.problems):
        raise CorpusError(corpus.problems)


def note_mod(deck: Deck, q: Question, cap: int) -> int:
    """A note's modification time: the newest of its inputs, never later than ``cap``.

    An unchanged file keeps its mtime, so an unchanged note keeps its ``mod`` and Anki leaves
    it alone; an edited file is newer, so Anki updates that note on import.
    """
    return min(max(q.mtime, deck.mtime, RENDER_MOD), cap)


def build(decks_dir: Path, out_dir: Path, *, selection: Selection = Selection(),
          strict: bool = False, progress: Progress | None = None,
          now: int | None = None, jobs: int = 1) -> BuildReport:
    """Compile every deck under ``decks_dir`` into ``out_dir/<deck id>.apkg``.

    With ``jobs`` > 1, notes are rendered by up to that many worker processes (fewer for small
    decks; ``workers.default_jobs()`` is one per CPU); the output is the same whatever the
    number. The workers are spawned, so a script calling this needs the usual
    ``if __name__ == "__main__":`` guard.

    Raises CorpusError (nothing written) for a bad corpus or a selection that matches
    nothing, and BuildError when a file cannot be written (earlier files stay intact).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    done = 0
    packages = []
    with Workers(jobs) as workers:
        corpus = load_corpus(decks_dir)
        chosen = [(deck, [q for q in sorted(deck.questions, key=lambda q: q.number)
                          if selection.matches(q)]) for deck in corpus.decks]
        total = sum(len(qs) for _, qs in chosen)
        # Worker processes (if any) render while this one validates; if the corpus turns
        # out to have errors, that work is thrown away. Nothing is written before both end.
        rendering = [] if corpus.errors else [workers.render(deck, qs) for deck, qs in chosen]
        _validate(corpus, strict=strict)
        _check_selection(corpus, selection)
        sde = source_date_epoch()
        cap = min(sde, now or int(time.time())) if sde is not None else (now or int(time.time()))
        for (deck, questions), fields_of in zip(chosen, rendering):
            if not questions:
                continue
            notes = []
            for q, fields in zip(questions, fields_of):
                notes.append(NoteData(
                    guid=guid_for(deck.id, q.id), deck_name=deck.subdeck(q.difficulty),
                    fields=fields,
                    tags=[f"{deck.tag_prefix}::difficulty::{q.difficulty}"]
                    + [f"{deck.tag_prefix}::topic::{t}" for t in q.topics],
                    due=q.number, mod=note_mod(deck, q, cap)))
                done += 1
                if progress:
                    progress(done, total)
            description = workers.block(deck.description) if deck.description else ""
            packages.append((deck, notes, description))

    nt = note_type()
    nt = type(nt)(**{**nt.__dict__, "mod": min(nt.mod, cap)})
    reports = []
    for deck, notes, description in packages:
        target = out_dir / f"{deck.id}.apkg"
        size = write_package(target, note_type=nt, top_deck=deck.name, description=description,
                             notes=notes, id_base=max(n.mod for n in notes))
        reports.append(DeckReport(deck.id, target, size,
                                  dict(sorted(Counter(n.deck_name for n in notes).items()))))
    warnings = [p for p in corpus.problems if p.severity is Severity.WARNING]
    return BuildReport(reports, warnings)


def _check_selection(corpus: Corpus, selection: Selection) -> None:
    known = {
        "difficulty": {d for deck in corpus.decks for d in deck.difficulties},
        "topic": {t for deck in corpus.decks for t in deck.topics},
        "id": {q.id for deck in corpus.decks for q in deck.questions},
    }
    asked: dict[str, Sequence[str]] = {"difficulty": selection.difficulties,
                                       "topic": selection.topics, "id": selection.ids}
    problems = [
        Problem(corpus.root, 0, 0, f"unknown {kind} {value!r} in the filter; known: "
                                   f"{', '.join(sorted(known[kind]))}")
        for kind, values in asked.items() for value in values if value not in known[kind]
    ]
    if not problems and not any(selection.matches(q) for d in corpus.decks for q in d.questions):
        problems.append(Problem(corpus.root, 0, 0, "no question matches the filter"))
    if problems:
        raise CorpusError(problems)
