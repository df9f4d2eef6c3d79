"""Cut a release of a deck: compare the corpus with its manifest, write the new manifest and a
changelog entry.

A release records, for every note, the fingerprint and ``mod`` that builds will reuse until
the note changes again (see ``manifest.py``). Versions follow semantic versioning for the
learner: major when an update can no longer keep their progress (a note type schema change),
minor when questions or follow-up cards are added, patch for fixes. Follow-up cards are
compared, recorded and listed like questions, under their key ``<question id>/<follow-up id>``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .build import BuiltNote, dated_notes, load_valid, note_type_record, release_time
from .errors import BuildError, MlopsAnkiError
from .followups import follow_up_note_type
from .manifest import MANIFEST_FILE, Manifest, NoteRecord, NoteTypeRecord, parent_of
from .model import Deck, FollowUp, Question
from .notetype import note_type
from .schema import SEMVER_RE
from .workers import Workers

CHANGELOG_FILE = "CHANGELOG.md"

_CHANGELOG_HEADER = """\
# Changelog: {name}

Written by `mlops-anki release`, newest first. "Changed" notes are updated on import: Anki
replaces their fields and tags (your own edits and tags on them) and keeps their review
history and scheduling. Notes not listed are left exactly as you have them.
"""


class ReleaseError(MlopsAnkiError):
    """The release cannot be made as asked (bad or too small a version, nothing changed)."""


@dataclass(frozen=True)
class ChangedQuestion:
    """A released question (or one of its follow-up cards) whose note changed, and which
    parts of it."""

    question: Question
    sections: tuple[str, ...]
    follow_up: FollowUp | None = None
    """The follow-up card that changed, or None for the question's main note."""


@dataclass
class ReleasePlan:
    """What a release of one deck would record; ``write_release`` writes it."""

    deck: Deck
    version: str
    date: str
    previous: Manifest
    manifest: Manifest
    notes: list[BuiltNote]
    added: list[Question] = field(default_factory=list)
    changed: list[ChangedQuestion] = field(default_factory=list)
    retired: dict[str, str] = field(default_factory=dict)
    added_follow_ups: list[tuple[Question, FollowUp]] = field(default_factory=list)
    changed_follow_ups: list[ChangedQuestion] = field(default_factory=list)
    retired_follow_ups: dict[str, str] = field(default_factory=dict)
    """Released follow-up keys retired now (on their own, or with their question)."""
    design_changed: bool = False
    schema_changed: bool = False

    @property
    def has_changes(self) -> bool:
        """True when the corpus differs from the last release in anything learners get."""
        return bool(
            self.added
            or self.changed
            or self.retired
            or self.added_follow_ups
            or self.changed_follow_ups
            or self.retired_follow_ups
            or self.design_changed
            or self.schema_changed
        )

    def changelog_entry(self) -> str:
        """The Markdown entry for CHANGELOG.md, generated from the difference to the last
        release."""
        title = self.version or "Unreleased"
        mains = [n for n in self.notes if n.follow_up is None]
        follow_ups = len(self.notes) - len(mains)
        counts = Counter(n.question.difficulty for n in mains)
        per = ", ".join(
            f"{counts[d]} {d.replace('-', ' ').title()}"
            for d in self.deck.difficulties
            if counts[d]
        )
        lines = [
            f"## {title} ({self.date})",
            "",
            f"{len(mains)} questions ({per})"
            + (f" and {follow_ups} follow-up cards." if follow_ups else "."),
        ]
        if self.previous.version:
            added = len(self.added) + len(self.added_follow_ups)
            updated = len(self.changed) + len(self.changed_follow_ups)
            lines[-1] += (
                f" Importing it over {self.previous.version} adds {added} "
                f"note(s) and updates {updated}."
            )
        else:
            lines[-1] += " The first release recorded in a manifest."
        if self.schema_changed:
            lines += [
                "",
                "**The note type's fields changed: a new major version. Anki cannot "
                "update the notes you have; see the README before importing.**",
            ]
        for heading, items in (
            ("Added", [f"- #{q.number} {q.question}" for q in self.added]),
            (
                "Changed",
                [
                    f"- #{c.question.number} {c.question.question} ({', '.join(c.sections)})"
                    for c in self.changed
                ],
            ),
            ("Retired", [f"- `{key}`: {reason}" for key, reason in self.retired.items()]),
            (
                "Follow-up cards added",
                [
                    f"- #{q.number} follow-up `{f.id}`: {f.question}"
                    for q, f in self.added_follow_ups
                ],
            ),
            (
                "Follow-up cards changed",
                [
                    f"- #{c.question.number} follow-up `{c.follow_up.id}`: {c.follow_up.question} "
                    f"({', '.join(c.sections)})"
                    for c in self.changed_follow_ups
                    if c.follow_up is not None
                ],
            ),
            (
                "Follow-up cards retired",
                [f"- `{key}`: {reason}" for key, reason in self.retired_follow_ups.items()],
            ),
            (
                "Card design",
                [
                    "- The card templates or CSS changed; Anki applies the new "
                    "design to every card on import."
                ]
                if self.design_changed
                else [],
            ),
        ):
            if items:
                lines += ["", f"### {heading}", "", *items]
        return "\n".join(lines) + "\n"


def _semver(version: str) -> tuple[int, int, int]:
    m = re.fullmatch(SEMVER_RE, version)
    if not m:
        raise ReleaseError(f"version {version!r} is not MAJOR.MINOR.PATCH, like '1.2.0'")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def _pick_deck(decks: list[Deck], deck_id: str | None) -> Deck:
    if deck_id is not None:
        for deck in decks:
            if deck.id == deck_id:
                return deck
        raise ReleaseError(f"no deck {deck_id!r}; known: {', '.join(d.id for d in decks)}")
    if len(decks) != 1:
        raise ReleaseError(
            "several decks found; choose one with --deck: " + ", ".join(d.id for d in decks)
        )
    return decks[0]


def plan_release(
    decks_dir: Path,
    version: str | None = None,
    *,
    deck_id: str | None = None,
    now: int | None = None,
) -> ReleasePlan:
    """Compare the corpus with its last release and plan release ``version`` of one deck.

    ``version`` None plans a dry run that only reports the changes. Raises CorpusError for a
    corpus with errors or warnings, and ReleaseError for a version that is malformed, not
    greater than the last, or too small a step for what changed.
    """
    corpus = load_valid(decks_dir, strict=True)
    deck = _pick_deck(corpus.decks, deck_id)
    previous = deck.manifest
    when = release_time(now)
    nt, fu_nt = (
        dataclasses.replace(t, mod=min(t.mod, when)) for t in (note_type(), follow_up_note_type())
    )
    questions = sorted(deck.questions, key=lambda q: q.number)
    with Workers(1) as workers:
        notes = list(dated_notes(deck, questions, workers.render(deck, questions), when=when))
    nt_record, fu_record = note_type_record(nt), note_type_record(fu_nt)
    plan = _compare(deck, previous, notes, nt_record, fu_record)
    plan.version = version or ""
    plan.date = time.strftime("%Y-%m-%d", time.gmtime(when))
    records = {n.key: n.record for n in notes}
    plan.manifest = Manifest(
        version=plan.version,
        released=plan.date,
        note_type=nt_record,
        notes=_in_release_order(
            previous.notes, plan.retired, [n for n in notes if n.follow_up is None], records
        ),
        retired=dict(previous.retired),
        follow_up_note_type=fu_record,
        follow_ups=_in_release_order(
            previous.follow_ups,
            plan.retired_follow_ups,
            [n for n in notes if n.follow_up is not None],
            records,
        ),
    )
    if version is not None:
        _check_version(plan)
    return plan


def _in_release_order(
    released: dict[str, NoteRecord],
    retired: dict[str, str],
    notes: list[BuiltNote],
    records: dict[str, NoteRecord],
) -> dict[str, NoteRecord]:
    """Released keys first, in their recorded order (a diff-friendly manifest), then new ones
    in build order; retired keys are left out."""
    order = [key for key in released if key not in retired]
    order += [n.key for n in notes if n.key not in released]
    return {key: records[key] for key in order}


def _compare(
    deck: Deck,
    previous: Manifest,
    notes: list[BuiltNote],
    nt: NoteTypeRecord,
    fu_nt: NoteTypeRecord,
) -> ReleasePlan:
    plan = ReleasePlan(deck, "", "", previous, previous, notes)
    for note in notes:
        old = previous.record(note.key)
        if old is None:
            if note.follow_up is None:
                plan.added.append(note.question)
            else:
                plan.added_follow_ups.append((note.question, note.follow_up))
        elif old.fingerprint != note.record.fingerprint:
            sections = tuple(
                name.replace("-", " ")
                for name, digest in note.record.sections.items()
                if old.sections.get(name) != digest
            ) or ("note type",)
            changed = ChangedQuestion(note.question, sections, note.follow_up)
            (plan.changed if note.follow_up is None else plan.changed_follow_ups).append(changed)
    current = {n.key for n in notes}
    plan.retired = {
        key: reason
        for key, reason in previous.retired.items()
        if key in previous.notes and key not in current
    }
    # Validation has made sure that every released follow-up missing now is retired, on
    # its own or with its question.
    plan.retired_follow_ups = {
        key: previous.retired.get(key) or previous.retired.get(parent_of(key), "")
        for key in previous.follow_ups
        if key not in current
    }
    for old_type, new_type in ((previous.note_type, nt), (previous.follow_up_note_type, fu_nt)):
        if old_type is not None:
            plan.schema_changed |= (old_type.id, old_type.fields) != (new_type.id, new_type.fields)
            plan.design_changed |= old_type.fingerprint != new_type.fingerprint
    return plan


def _check_version(plan: ReleasePlan) -> None:
    new = _semver(plan.version)
    if not plan.previous.version:
        return
    old = _semver(plan.previous.version)
    if new <= old:
        raise ReleaseError(
            f"version {plan.version} is not greater than the last release, {plan.previous.version}"
        )
    if not plan.has_changes:
        raise ReleaseError(
            f"nothing changed since {plan.previous.version}; there is nothing to release"
        )
    if plan.schema_changed and new[0] == old[0]:
        raise ReleaseError(
            f"the note type's fields changed, so learners' notes cannot be "
            f"updated: that needs a new major version ({old[0] + 1}.0.0)"
        )
    if (plan.added or plan.added_follow_ups) and new[:2] == old[:2]:
        what = " and ".join(
            filter(
                None,
                [
                    f"{len(plan.added)} question(s)" if plan.added else "",
                    f"{len(plan.added_follow_ups)} follow-up card(s)"
                    if plan.added_follow_ups
                    else "",
                ],
            )
        )
        raise ReleaseError(
            f"{what} are new: that needs at least a new minor version ({old[0]}.{old[1] + 1}.0)"
        )


def write_release(plan: ReleasePlan) -> list[Path]:
    """Write the plan's manifest and prepend its changelog entry; return the files written.

    Both files are written to temporary files first and then renamed into place, so a failure
    leaves the previous release's files as they were.
    """
    if not plan.version:
        raise ReleaseError("a release needs a version (a dry run writes nothing)")
    folder = plan.deck.path.parent
    manifest_path, changelog_path = folder / MANIFEST_FILE, folder / CHANGELOG_FILE
    try:
        old = changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else ""
    except OSError as exc:
        raise BuildError(f"cannot read {changelog_path}: {exc.strerror or exc}") from exc
    if not old.strip():
        old = _CHANGELOG_HEADER.format(name=plan.deck.name)
    at = old.find("\n## ")
    head, rest = (old, "") if at < 0 else (old[: at + 1], old[at + 1 :])
    changelog = head.rstrip("\n") + "\n\n" + plan.changelog_entry() + ("\n" + rest if rest else "")
    files = {manifest_path: plan.manifest.to_yaml(plan.deck.id), changelog_path: changelog}
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in files.items():
            fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((Path(tmp_name), path))
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise BuildError(
            f"cannot write the release files in {folder}: {exc.strerror or exc}"
        ) from exc
    return list(files)
