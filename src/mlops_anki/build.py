"""The pipeline in a page: load, validate, select, render, date, package, write.

Nothing is written until every deck has loaded, validated and rendered; each .apkg is then
written to a temporary file beside its target and renamed into place. Each note's ``mod``
comes from the deck's release manifest (see ``manifest.py``), never from file times.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BuildError, CorpusError, MlopsAnkiError, Problem, SelectionError, Severity
from .followups import (
    FOLLOW_UP_NOTETYPE_ID,
    FOLLOW_UP_SECTION_INDEXES,
    Rendered,
    follow_up_note_type,
    follow_up_tag,
)
from .inert import inert
from .loader import Corpus, load_corpus
from .manifest import (
    NoteRecord,
    NoteTypeRecord,
    fingerprint_note,
    follow_up_key,
    template_fingerprint,
)
from .model import Deck, FollowUp, Question
from .notetype import NOTETYPE_ID, SECTION_INDEXES, NoteType, note_type
from .package import NoteData, guid_for, remove_stale_temporaries, stage_package
from .validate import validate
from .workers import Workers

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while notes are rendered."""


@dataclass(frozen=True)
class Selection:
    """Which questions to build; empty tuples mean "all". Options of one kind are OR-ed."""

    difficulties: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    follow_ups: bool = True
    """Whether each chosen question's follow-up cards are built too."""

    def matches(self, q: Question) -> bool:
        """True when ``q`` passes every non-empty filter."""
        return (
            (not self.difficulties or q.difficulty in self.difficulties)
            and (not self.topics or any(t in self.topics for t in q.topics))
            and (not self.ids or q.id in self.ids)
        )


@dataclass(frozen=True)
class DeckReport:
    """What one build wrote for one deck."""

    deck_id: str
    path: Path
    size: int
    notes_per_deck: dict[str, int] = field(default_factory=dict)
    follow_up_notes: int = 0
    """How many of the notes are follow-up cards."""

    @property
    def notes(self) -> int:
        """Notes in the package, follow-up cards included."""
        return sum(self.notes_per_deck.values())


@dataclass(frozen=True)
class BuildReport:
    """The result of a build: one entry per deck written, and the warnings and notes met."""

    decks: list[DeckReport]
    warnings: list[Problem]


EARLIEST_TIME = 1_000_000_000
"""2001-09-09: no time before this is written to a package. Anki derives note and card ids
from these times, and an id of 0 makes a collection unreadable."""


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` from the environment, if set (reproducible builds)."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise MlopsAnkiError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds, found {value!r}"
        )
    if int(value) < EARLIEST_TIME:
        raise MlopsAnkiError(
            f"SOURCE_DATE_EPOCH={value} is before 2001-09-09 ({EARLIEST_TIME}); "
            "Anki builds note ids from these times and cannot use such a "
            "value. Use the time of the release, e.g. the last commit's"
        )
    return int(value)


def release_time(now: int | None = None) -> int:
    """The time given to changed and new notes: ``SOURCE_DATE_EPOCH`` when set, else now,
    and never later than now (Anki must never see a note from the future)."""
    current = now if now is not None else int(time.time())
    sde = source_date_epoch()
    return current if sde is None else min(sde, current)


def note_type_record(nt: NoteType) -> NoteTypeRecord:
    """What a release manifest records of the note type ``nt``."""
    return NoteTypeRecord(
        nt.id, nt.fields, template_fingerprint([nt.front, nt.back, nt.css]), nt.mod
    )


@dataclass(frozen=True)
class BuiltNote:
    """A question's note, or one of its follow-up notes, ready to package, with the
    fingerprint its ``mod`` came from."""

    question: Question
    data: NoteData
    record: NoteRecord
    follow_up: FollowUp | None = None
    """The follow-up this note asks, or None for the question's main note."""

    @property
    def key(self) -> str:
        """Its key in the release manifest: the question id, or the follow-up key."""
        if self.follow_up is None:
            return self.question.id
        return follow_up_key(self.question.id, self.follow_up.id)


POSITIONS_PER_QUESTION = 10
"""New-card positions (``due``) per question: question n's card takes n * 10 and its
follow-ups (at most 4) the positions right after, so that a new learner meets each question,
then its follow-ups, then the next question. An import never moves a card the learner
already has, so main cards from a release before follow-up cards keep position n; their
follow-up cards (10n + k) still come after them."""


def dated_notes(
    deck: Deck, questions: Sequence[Question], rendered: Iterable[Rendered], *, when: int
) -> Iterator[BuiltNote]:
    """Each question's note, then its follow-up notes (those rendered), each with its
    ``mod``: the manifest's for an unchanged note, else ``when`` (later than the recorded
    one)."""
    manifest = deck.manifest
    for q, (fields, follow_up_fields) in zip(questions, rendered):
        tags = [f"{deck.tag_prefix}::difficulty::{q.difficulty}"] + [
            f"{deck.tag_prefix}::topic::{t}" for t in q.topics
        ]
        subdeck = deck.subdeck(q.difficulty)
        due = q.number * POSITIONS_PER_QUESTION
        record = fingerprint_note(NOTETYPE_ID, fields, tags, SECTION_INDEXES)
        mod = manifest.mod_for(q.id, record.fingerprint, when)
        yield BuiltNote(
            q,
            NoteData(
                guid=guid_for(deck.id, q.id),
                deck_name=subdeck,
                fields=fields,
                tags=tags,
                due=due,
                mod=mod,
                note_type_id=NOTETYPE_ID,
            ),
            dataclasses.replace(record, mod=mod),
        )
        # The parent's tags plus one marking the card kind: the main notes keep theirs as
        # released, and one search finds every follow-up card.
        fu_tags = [*tags, follow_up_tag(deck.tag_prefix)]
        for k, (f, fu_fields) in enumerate(zip(q.follow_ups, follow_up_fields), start=1):
            record = fingerprint_note(
                FOLLOW_UP_NOTETYPE_ID, fu_fields, fu_tags, FOLLOW_UP_SECTION_INDEXES
            )
            mod = manifest.mod_for(follow_up_key(q.id, f.id), record.fingerprint, when)
            yield BuiltNote(
                q,
                NoteData(
                    guid=guid_for(deck.id, q.id, f.id),
                    deck_name=subdeck,
                    fields=fu_fields,
                    tags=fu_tags,
                    due=due + k,
                    mod=mod,
                    note_type_id=FOLLOW_UP_NOTETYPE_ID,
                ),
                dataclasses.replace(record, mod=mod),
                f,
            )


def _same_type(recorded: NoteTypeRecord | None, nt: NoteTypeRecord) -> bool:
    return recorded is not None and (
        (recorded.id, recorded.fields, recorded.fingerprint) == (nt.id, nt.fields, nt.fingerprint)
    )


def version_label(
    deck: Deck,
    notes: Sequence[BuiltNote],
    nt: NoteTypeRecord,
    follow_up_nt: NoteTypeRecord | None = None,
) -> str:
    """The deck version these notes are: the release's, ``<version>+dev`` when anything
    (a note, a note type in use) differs from it, ``unreleased`` for a deck never
    released."""
    manifest = deck.manifest
    if not manifest.version:
        return "unreleased"
    same_types = _same_type(manifest.note_type, nt) and (
        follow_up_nt is None
        or all(n.follow_up is None for n in notes)
        or _same_type(manifest.follow_up_note_type, follow_up_nt)
    )
    same_notes = all(
        (record := manifest.record(n.key)) is not None
        and record.fingerprint == n.record.fingerprint
        for n in notes
    )
    return manifest.version if same_types and same_notes else f"{manifest.version}+dev"


def version_line(deck: Deck, label: str) -> str:
    """The sentence the deck description ends with, so that learners see the version on
    Anki's deck overview."""
    manifest = deck.manifest
    if label == manifest.version:
        return f"*Version {label}, released {manifest.released}.*"
    if manifest.version:
        return (
            f"*Development build with changes since version {manifest.version} "
            f"({manifest.released}); not a release.*"
        )
    return "*Development build; not a release.*"


def package_name(deck: Deck, label: str, selection: Selection) -> str:
    """File name of a deck's package: deck id and version, and for a subset what it holds
    (``-only-...``, ``-no-follow-ups``), so that a subset never replaces the full deck's
    file."""
    name = f"{deck.id}-{label}"
    parts = [*selection.difficulties, *selection.topics, *selection.ids]
    if parts:
        what = "-".join(parts)
        name += f"-only-{what}" if len(what) <= 60 else f"-only-{len(parts)}-filters"
    if not selection.follow_ups:
        name += "-no-follow-ups"
    return name + ".apkg"


def load_valid(decks_dir: Path, *, strict: bool = False) -> Corpus:
    """Load and validate the corpus; raise CorpusError listing every problem if it has errors
    (or warnings, when ``strict``). Warnings are kept on the returned corpus otherwise."""
    corpus = load_corpus(decks_dir)
    _validate(corpus, strict=strict)
    return corpus


def _validate(corpus: Corpus, *, strict: bool) -> None:
    corpus.problems.extend(validate(corpus.decks))
    if corpus.errors or (strict and corpus.warnings):
        raise CorpusError(corpus.problems)


def build(
    decks_dir: Path,
    out_dir: Path,
    *,
    selection: Selection = Selection(),
    strict: bool = False,
    progress: Progress | None = None,
    now: int | None = None,
    jobs: int = 1,
) -> BuildReport:
    """Compile every deck under ``decks_dir`` into ``out_dir``, one package per deck named
    by ``package_name`` (deck id, version, and what a subset holds). Each chosen question
    gives its note and, unless ``selection.follow_ups`` is off, one note per follow-up.

    With ``jobs`` > 1, notes are rendered by up to that many worker processes (fewer for small
    decks; ``workers.default_jobs()`` is one per CPU); the output is the same whatever the
    number. The workers are spawned, so a script calling this needs the usual
    ``if __name__ == "__main__":`` guard.

    Every package is written in full under a temporary name before any is renamed into
    place, so a build writes all of its packages or none. Temporary files left in
    ``out_dir`` by an earlier build that was killed are removed.

    Raises CorpusError (nothing written) for a bad corpus or a selection that matches
    nothing, and BuildError when a file cannot be written (earlier files stay intact).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    done = 0
    packages = []
    with Workers(jobs) as workers:
        corpus = load_corpus(decks_dir)
        chosen = [
            (
                deck,
                [q for q in sorted(deck.questions, key=lambda q: q.number) if selection.matches(q)],
            )
            for deck in corpus.decks
        ]
        total = sum(len(qs) for _, qs in chosen)
        # Worker processes (if any) render while this one validates; if the corpus turns
        # out to have errors, that work is thrown away. Nothing is written before both end.
        rendering = (
            []
            if corpus.errors
            else [workers.render(deck, qs, follow_ups=selection.follow_ups) for deck, qs in chosen]
        )
        _validate(corpus, strict=strict)
        _check_selection(corpus, selection)
        current = now if now is not None else int(time.time())
        when = release_time(current)
        if when < EARLIEST_TIME:
            raise MlopsAnkiError(
                f"the clock says {current}, before 2001-09-09; Anki builds "
                "note ids from the build time. Fix the clock, or set "
                "SOURCE_DATE_EPOCH to the time of the release"
            )
        nt, fu_nt = (
            dataclasses.replace(t, mod=min(t.mod, when))
            for t in (note_type(), follow_up_note_type())
        )
        nt_record, fu_record = note_type_record(nt), note_type_record(fu_nt)
        for (deck, questions), rendered in zip(chosen, rendering):
            if not questions:
                continue
            notes = []
            for note in dated_notes(deck, questions, rendered, when=when):
                notes.append(note)
                if note.follow_up is None:
                    done += 1
                    if progress:
                        progress(done, total)
            _check_times(deck, notes, current)
            label = version_label(deck, notes, nt_record, fu_record)
            description = inert(
                workers.block(
                    "\n\n".join(filter(None, [deck.description.strip(), version_line(deck, label)]))
                )
            )
            packages.append(
                (
                    out_dir / package_name(deck, label, selection),
                    deck,
                    [n.data for n in notes],
                    description,
                )
            )

    if out_dir.exists() and not out_dir.is_dir():
        raise BuildError(
            f"{out_dir} is a file, not a folder; give --output a folder for the .apkg files"
        )
    remove_stale_temporaries(out_dir)
    staged = []
    try:
        for target, deck, data, description in packages:
            staged.append(
                stage_package(
                    target,
                    note_types=[nt, fu_nt],
                    top_deck=deck.name,
                    description=description,
                    notes=data,
                    id_base=max(n.mod for n in data),
                )
            )
    except BaseException:
        for package in staged:
            package.discard()
        raise
    reports: list[DeckReport] = []
    for package, (target, deck, data, _) in zip(staged, packages):
        # Only renames within one folder are left, which fail only if the folder is
        # changed under us; the rest are then discarded rather than left behind.
        try:
            size = package.commit()
        except BaseException:
            for rest in staged[len(reports) + 1 :]:
                rest.discard()
            raise
        reports.append(
            DeckReport(
                deck.id,
                target,
                size,
                dict(sorted(Counter(n.deck_name for n in data).items())),
                follow_up_notes=sum(n.note_type_id == fu_nt.id for n in data),
            )
        )
    warnings = [p for p in corpus.problems if p.severity is not Severity.ERROR]
    return BuildReport(reports, warnings)


def _check_times(deck: Deck, notes: Sequence[BuiltNote], current: int) -> None:
    """Every note's ``mod`` must be a time Anki can use: after 2001 and not in the future.

    A release manifest recording a time later than now (a wrong clock at release, or a
    hand edit) would otherwise reach Anki, which then never sees a later update as newer."""
    problems = []
    for n in notes:
        mod = n.data.mod
        if EARLIEST_TIME <= mod <= current:
            continue
        message = (
            f"note {n.question.id!r} would get mod {mod}, "
            + ("before 2001-09-09" if mod < EARLIEST_TIME else f"later than now ({current})")
            + "; Anki must never see a note from the future or before 2001. Its "
            "recorded release time is wrong (a clock set wrong at release, or an edit)"
        )
        if deck.manifest_doc is not None and n.question.id in deck.manifest.notes:
            problems.append(deck.manifest_doc.problem(("notes", n.question.id, "mod"), message))
        else:
            problems.append(n.question.doc.problem(("id",), message))
    if problems:
        raise CorpusError(problems)


def check_selection(corpus: Corpus, selection: Selection) -> None:
    """Raise SelectionError naming every filter value the corpus does not have, with the
    closest known values."""
    known = {
        "difficulty": sorted({d for deck in corpus.decks for d in deck.difficulties}),
        "topic": sorted({t for deck in corpus.decks for t in deck.topics}),
        "id": sorted({q.id for deck in corpus.decks for q in deck.questions}),
    }
    asked: dict[str, Sequence[str]] = {
        "difficulty": selection.difficulties,
        "topic": selection.topics,
        "id": selection.ids,
    }
    problems = []
    for kind, values in asked.items():
        for value in values:
            if value in known[kind]:
                continue
            close = difflib.get_close_matches(value, known[kind], n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ";"
            if kind == "id":  # too many to list: point at the command that lists them
                tail = f" `mlops-anki list` shows all {len(known[kind])} ids"
            else:
                tail = f" known: {', '.join(known[kind])}"
            problems.append((f"--{kind}", f"unknown {kind} {value!r}{hint}{tail}"))
    if problems:
        raise SelectionError(problems)


def _check_selection(corpus: Corpus, selection: Selection) -> None:
    check_selection(corpus, selection)
    if not any(selection.matches(q) for d in corpus.decks for q in d.questions):
        raise CorpusError([Problem(corpus.root, 0, 0, "no question matches the filter")])
