"""The release manifest: what every published note looked like, and the time it was published.

Anki updates a learner's note only when a package carries a newer ``mod`` for it, and an
update replaces all of that note's fields and tags, the learner's own edits included. So a
note's ``mod`` must move exactly when what Anki stores for it changes. Each deck keeps a
manifest (``release.yaml``, written by ``mlops-anki release``) with, per released note, a
fingerprint of that content and the ``mod`` it was published with:

- a note whose fingerprint equals the recorded one is built with the recorded ``mod``, so
  builds of an unchanged corpus are byte-identical from any clone, on any day;
- a changed or new note gets the release time, always later than its recorded ``mod``.

Follow-up cards are notes of their own, recorded the same way under ``follow_ups``, keyed
``<question id>/<follow-up id>``.

File times, the deck description, the machine and the order of files play no part.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MANIFEST_FILE = "release.yaml"

FINGERPRINT_HEX = 16
"""Hex digits kept of a note's fingerprint (64 bits: a change goes unnoticed with odds of
one in 10^19)."""

SECTION_HEX = 8
"""Hex digits kept of each section's digest; only the changelog reads them."""


@dataclass(frozen=True)
class NoteRecord:
    """What the manifest knows of one published note."""

    mod: int
    fingerprint: str
    sections: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NoteTypeRecord:
    """The note type as published: its id, field names, template digest and ``mod``."""

    id: int
    fields: tuple[str, ...]
    fingerprint: str
    mod: int


def follow_up_key(question_id: str, follow_up_id: str) -> str:
    """The manifest's key for a follow-up card: ``<question id>/<follow-up id>``."""
    return f"{question_id}/{follow_up_id}"


def parent_of(key: str) -> str:
    """The question id a released key belongs to (the key itself for a question)."""
    return key.split("/", 1)[0]


def _note_type_record(data: Mapping[str, Any] | None) -> NoteTypeRecord | None:
    if not data:
        return None
    return NoteTypeRecord(data["id"], tuple(data["fields"]), data["fingerprint"], data["mod"])


def _note_records(data: Mapping[str, Any] | None) -> dict[str, NoteRecord]:
    return {
        key: NoteRecord(v["mod"], v["fingerprint"], dict(v["sections"]))
        for key, v in (data or {}).items()
    }


@dataclass(frozen=True)
class Manifest:
    """A deck's last release. ``version`` is empty for a deck never released."""

    version: str = ""
    released: str = ""
    note_type: NoteTypeRecord | None = None
    notes: dict[str, NoteRecord] = field(default_factory=dict)
    retired: dict[str, str] = field(default_factory=dict)
    follow_up_note_type: NoteTypeRecord | None = None
    """The follow-up cards' note type; None before the first release that had them."""
    follow_ups: dict[str, NoteRecord] = field(default_factory=dict)
    """Released follow-up notes by ``follow_up_key``, in release order."""

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Manifest:
        """Build from a document already checked against ``schema.MANIFEST``."""
        return cls(
            version=data["version"],
            released=data["released"],
            note_type=_note_type_record(data["note_type"]),
            notes=_note_records(data.get("notes")),
            retired=dict(data.get("retired") or {}),
            follow_up_note_type=_note_type_record(data.get("follow_up_note_type")),
            follow_ups=_note_records(data.get("follow_ups")),
        )

    def record(self, key: str) -> NoteRecord | None:
        """The released record of a question id or a follow-up key, if any."""
        return (self.follow_ups if "/" in key else self.notes).get(key)

    def mod_for(self, key: str, fingerprint: str, release_time: int) -> int:
        """The ``mod`` a note gets in a build: the recorded one if its content is unchanged,
        else the release time, and never one that Anki would not take as newer. ``key`` is a
        question id or a follow-up key."""
        record = self.record(key)
        if record is None:
            return release_time
        if record.fingerprint == fingerprint:
            return record.mod
        return max(release_time, record.mod + 1)

    def to_yaml(self, deck_id: str) -> str:
        """The manifest as the YAML text of ``release.yaml``: one block per note, so that a
        release's diff shows which notes and which of their sections changed."""
        nt = self.note_type
        assert nt is not None, "a written manifest always records its note type"
        lines = [
            f"# Release manifest of the deck {deck_id!r}, written by `mlops-anki release`.\n",
            "# For each released note: the `mod` it was published with and a fingerprint of\n",
            "# what Anki stores for it. A build gives an unchanged note its recorded `mod`, so\n",
            "# learners' own edits and tags on it survive an update; a changed note gets the\n",
            "# release time. Ids are forever: to drop a question or a follow-up on purpose,\n",
            "# delete it and add its id or key under `retired:` with a reason (by hand).\n",
            f"version: {self.version}\n",
            f"released: {json.dumps(self.released)}\n",
            *_note_type_lines("note_type", nt),
            *_note_lines("notes", self.notes),
        ]
        if self.follow_up_note_type is not None:
            lines += _note_type_lines("follow_up_note_type", self.follow_up_note_type)
            lines += _note_lines("follow_ups", self.follow_ups)
        if self.retired:
            lines.append("retired:\n")
            lines += [
                f"  {key}: {json.dumps(reason, ensure_ascii=False)}\n"
                for key, reason in self.retired.items()
            ]
        return "".join(lines)


def _note_type_lines(name: str, nt: NoteTypeRecord) -> list[str]:
    return [
        f"{name}:\n",
        f"  id: {nt.id}\n",
        f"  fields: [{', '.join(nt.fields)}]\n",
        f"  fingerprint: {json.dumps(nt.fingerprint)}\n",
        f"  mod: {nt.mod}\n",
    ]


def _note_lines(name: str, notes: Mapping[str, NoteRecord]) -> list[str]:
    # One block per note, so that a release's diff shows which notes and sections changed.
    lines = [f"{name}:" + (" {}\n" if not notes else "\n")]
    for key, note in notes.items():
        lines += [
            f"  {key}:\n",
            f"    mod: {note.mod}\n",
            f"    fingerprint: {json.dumps(note.fingerprint)}\n",
            "    sections:\n",
        ]
        # Quoted: a digest such as 70301270 or 1e51 would otherwise be read as a number.
        lines += [
            f"      {section}: {json.dumps(digest)}\n" for section, digest in note.sections.items()
        ]
    return lines


def _digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        # Length-prefixed, so that no two different lists of parts hash alike.
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def fingerprint_note(
    note_type_id: int,
    fields: Sequence[str],
    tags: Sequence[str],
    sections: Mapping[str, Sequence[int]],
) -> NoteRecord:
    """Fingerprint of a note as Anki stores it, with ``mod`` left 0 for the caller to set.

    What counts is exactly what an import compares and replaces: the note type id, the HTML
    of every field in order, and the tags. The deck a card sits in and its new-card position
    do not count, because an import never changes them for a note the learner already has.
    ``sections`` names groups of field indexes; tags form a section of their own.
    """
    fingerprint = _digest([str(note_type_id), *fields, "\x1f".join(tags)])[:FINGERPRINT_HEX]
    digests = {
        name: _digest(fields[i] for i in indexes)[:SECTION_HEX]
        for name, indexes in sections.items()
    }
    digests["tags"] = _digest(tags)[:SECTION_HEX]
    return NoteRecord(0, fingerprint, digests)


def template_fingerprint(parts: Sequence[str]) -> str:
    """Digest of a note type's templates and CSS, as recorded in the manifest."""
    return _digest(parts)[:FINGERPRINT_HEX]
