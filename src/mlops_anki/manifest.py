"""The release manifest: what every published note looked like, and the time it was published.

Anki updates a learner's note only when a package carries a newer ``mod`` for it, and an
update replaces all of that note's fields and tags, the learner's own edits included. So a
note's ``mod`` must move exactly when what Anki stores for it changes. Each deck keeps a
manifest (``release.yaml``, written by ``mlops-anki release``) with, per released note, a
fingerprint of that content and the ``mod`` it was published with:

- a note whose fingerprint equals the recorded one is built with the recorded ``mod``, so
  builds of an unchanged corpus are byte-identical from any clone, on any day;
- a changed or new note gets the release time, always later than its recorded ``mod``.

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


@dataclass(frozen=True)
class Manifest:
    """A deck's last release. ``version`` is empty for a deck never released."""

    version: str = ""
    released: str = ""
    note_type: NoteTypeRecord | None = None
    notes: dict[str, NoteRecord] = field(default_factory=dict)
    retired: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Manifest:
        """Build from a document already checked against ``schema.MANIFEST``."""
        nt = data["note_type"]
        return cls(
            version=data["version"], released=data["released"],
            note_type=NoteTypeRecord(nt["id"], tuple(nt["fields"]), nt["fingerprint"], nt["mod"]),
            notes={key: NoteRecord(v["mod"], v["fingerprint"], dict(v["sections"]))
                   for key, v in (data.get("notes") or {}).items()},
            retired=dict(data.get("retired") or {}),
        )

    def mod_for(self, key: str, fingerprint: str, release_time: int) -> int:
        """The ``mod`` a note gets in a build: the recorded one if its content is unchanged,
        else the release time, and never one that Anki would not take as newer."""
        record = self.notes.get(key)
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
            "# release time. Ids are forever: to drop a question on purpose, delete its file and\n",
            "# add its id under `retired:` with the reason (the only part edited by hand).\n",
            f"version: {self.version}\n",
            f"released: {json.dumps(self.released)}\n",
            "note_type:\n",
            f"  id: {nt.id}\n",
            f"  fields: [{', '.join(nt.fields)}]\n",
            f"  fingerprint: {json.dumps(nt.fingerprint)}\n",
            f"  mod: {nt.mod}\n",
            "notes:" + (" {}\n" if not self.notes else "\n"),
        ]
        for key, note in self.notes.items():
            lines += [f"  {key}:\n", f"    mod: {note.mod}\n",
                      f"    fingerprint: {json.dumps(note.fingerprint)}\n", "    sections:\n"]
            # Quoted: a digest such as 70301270 or 1e51 would otherwise be read as a number.
            lines += [f"      {name}: {json.dumps(digest)}\n"
                      for name, digest in note.sections.items()]
        if self.retired:
            lines.append("retired:\n")
            lines += [f"  {key}: {json.dumps(reason, ensure_ascii=False)}\n"
                      for key, reason in self.retired.items()]
        return "".join(lines)


def _digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        # Length-prefixed, so that no two different lists of parts hash alike.
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def fingerprint_note(note_type_id: int, fields: Sequence[str], tags: Sequence[str],
                     sections: Mapping[str, Sequence[int]]) -> NoteRecord:
    """Fingerprint of a note as Anki stores it, with ``mod`` left 0 for the caller to set.

    What counts is exactly what an import compares and replaces: the note type id, the HTML
    of every field in order, and the tags. The deck a card sits in and its new-card position
    do not count, because an import never changes them for a note the learner already has.
    ``sections`` names groups of field indexes; tags form a section of their own.
    """
    fingerprint = _digest([str(note_type_id), *fields, "\x1f".join(tags)])[:FINGERPRINT_HEX]
    digests = {name: _digest(fields[i] for i in indexes)[:SECTION_HEX]
               for name, indexes in sections.items()}
    digests["tags"] = _digest(tags)[:SECTION_HEX]
    return NoteRecord(0, fingerprint, digests)


def template_fingerprint(parts: Sequence[str]) -> str:
    """Digest of a note type's templates and CSS, as recorded in the manifest."""
    return _digest(parts)[:FINGERPRINT_HEX]
