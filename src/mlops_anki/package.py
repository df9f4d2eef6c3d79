"""Write a deck as an .apkg file. The only module that imports genanki.

genanki stamps every note, card and note type with one timestamp; Anki only updates a note
whose incoming ``mod`` is newer, so we set each note's ``mod`` ourselves after genanki has
filled the database. The zip is written by hand with fixed entry dates and order, so that
the same input gives the same bytes.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sqlite3
import tempfile
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import genanki

from .errors import BuildError
from .notetype import NoteType

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold


@dataclass(frozen=True)
class NoteData:
    """One note, ready to package: its identity, place, content and modification time."""

    guid: str
    deck_name: str
    fields: list[str]
    tags: list[str]
    due: int
    mod: int
    note_type_id: int
    """The id of the note type (one of those passed to ``write_package``) it belongs to."""


def guid_for(deck_id: str, question_id: str, follow_up_id: str | None = None) -> str:
    """Anki note GUID from the permanent ids and nothing else: (deck id, question id) for a
    question's note, (deck id, question id, follow-up id) for a follow-up's.

    genanki joins the parts with "__", which no slug contains, so the two kinds never meet."""
    if follow_up_id is None:
        return genanki.guid_for(deck_id, question_id)
    return genanki.guid_for(deck_id, question_id, follow_up_id)


def deck_id_for(name: str) -> int:
    """A stable genanki deck id for a deck name (Anki matches decks by name on import)."""
    return int(genanki.guid_for("deck", name).encode().hex()[:12], 16) | (1 << 40)


def _genanki_model(nt: NoteType) -> genanki.Model:
    return genanki.Model(
        nt.id,
        nt.name,
        fields=[{"name": f} for f in nt.fields],
        templates=[{"name": nt.template_name, "qfmt": nt.front, "afmt": nt.back}],
        css=nt.css,
        sort_field_index=0,
    )


@dataclass(frozen=True)
class StagedPackage:
    """A package written in full beside its target under a temporary name, not yet in place.

    Writing every package of a build first and renaming them only then means a failure
    (disk full, a folder not writable) leaves every earlier package as it was."""

    target: Path
    temp: Path

    def commit(self) -> int:
        """Move the package into place (an atomic rename); return its size in bytes."""
        try:
            os.replace(self.temp, self.target)
            return self.target.stat().st_size
        except OSError as exc:
            self.discard()
            raise BuildError(f"cannot write {self.target}: {exc.strerror or exc}") from exc

    def discard(self) -> None:
        """Remove the temporary file; the target is left as it was."""
        self.temp.unlink(missing_ok=True)


# ".<target name>.<pid of the writing process>.<random>.tmp", see _temporary; SQLite adds
# "-journal" to the database's while it writes.
_TEMP_RE = re.compile(r"\..+\.apkg\.([0-9]+)\.[^.]+\.tmp(?:-journal)?")


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporary packages in ``folder`` left by builds that were killed mid-write
    (their process no longer exists); return what was deleted.

    A running build's temporary files are kept: the process id in each name says whose it
    is. Only on POSIX, where asking whether a process exists is harmless."""
    if os.name != "posix":
        return []
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:  # no folder yet, or one we cannot list: writing will say what is wrong
        return []
    for path in entries:
        m = _TEMP_RE.fullmatch(path.name)
        if m is None or _process_exists(int(m.group(1))):
            continue
        try:
            path.unlink()
        except OSError:
            continue  # a folder, or not ours to remove: leave it
        removed.append(path)
    return removed


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or a number no process can have
    return True


def write_package(
    target: Path,
    *,
    note_types: Sequence[NoteType],
    top_deck: str,
    description: str,
    notes: list[NoteData],
    id_base: int,
) -> int:
    """Write ``notes`` to ``target`` atomically and return the file size in bytes.

    Each note belongs to one of ``note_types`` (by ``NoteData.note_type_id``); a note type no
    note uses is left out. ``id_base`` (Unix seconds) seeds note and card ids, so that equal
    input gives equal ids. Raises BuildError (and leaves any existing ``target`` untouched)
    when writing fails.
    """
    return stage_package(
        target,
        note_types=note_types,
        top_deck=top_deck,
        description=description,
        notes=notes,
        id_base=id_base,
    ).commit()


def stage_package(
    target: Path,
    *,
    note_types: Sequence[NoteType],
    top_deck: str,
    description: str,
    notes: list[NoteData],
    id_base: int,
) -> StagedPackage:
    """Write ``notes`` to a temporary file beside ``target``; ``commit()`` puts it in place.

    Each note belongs to one of ``note_types`` (by ``NoteData.note_type_id``); a note type no
    note uses is left out. Raises BuildError (nothing left behind, ``target`` untouched) when
    writing fails.
    """
    models = {nt.id: _genanki_model(nt) for nt in note_types}
    decks = {top_deck: genanki.Deck(deck_id_for(top_deck), top_deck, description=description)}
    for note in notes:
        if note.deck_name not in decks:
            decks[note.deck_name] = genanki.Deck(deck_id_for(note.deck_name), note.deck_name)
        decks[note.deck_name].add_note(
            genanki.Note(
                model=models[note.note_type_id],
                fields=note.fields,
                guid=note.guid,
                tags=note.tags,
                due=note.due,
            )
        )
    used = {note.note_type_id for note in notes}
    model_mods = {nt.id: nt.mod for nt in note_types if nt.id in used}

    try:
        if target.is_dir():  # checked now: the rename that would fail comes after others'
            raise BuildError(f"cannot write {target}: it is a folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        # The database is a temporary file beside the target, named like the zip's, so that
        # one killed mid-write (it reaches ~100 MB for a large deck) is also cleaned up by
        # remove_stale_temporaries, which never looks in the system's temporary folder.
        db_path = _temporary(target)
        try:
            _write_collection(db_path, list(decks.values()), model_mods, notes, id_base)
            return StagedPackage(target, _write_zip(target, db_path))
        finally:
            db_path.unlink(missing_ok=True)
            Path(f"{db_path}-journal").unlink(missing_ok=True)
    except (OSError, sqlite3.Error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BuildError(f"cannot write {target}: {reason}") from exc
    except UserWarning as exc:
        raise BuildError(f"genanki rejected the rendered HTML for {target}: {exc}") from exc


def _write_collection(
    db_path: Path,
    decks: list[genanki.Deck],
    model_mods: dict[int, int],
    notes: list[NoteData],
    id_base: int,
) -> None:
    conn = sqlite3.connect(db_path)
    try:
        cursor = conn.cursor()
        with warnings.catch_warnings():
            # genanki warns about HTML it thinks is broken; our renderer's output must never
            # trigger that, so a warning here is a bug to surface, not to ship.
            warnings.simplefilter("error")
            genanki.Package(decks).write_to_db(cursor, id_base, itertools.count(id_base * 1000))
        # Anki's schema has no index on notes.guid, so one UPDATE per note would scan the
        # table each time (quadratic); join against a keyed temporary table instead.
        cursor.execute("CREATE TEMP TABLE note_mod (guid TEXT PRIMARY KEY, mod INTEGER)")
        cursor.executemany(
            "INSERT INTO temp.note_mod VALUES (?, ?)", ((note.guid, note.mod) for note in notes)
        )
        cursor.execute(
            "UPDATE notes SET mod = (SELECT mod FROM temp.note_mod AS m WHERE m.guid = notes.guid)"
        )
        cursor.execute("UPDATE cards SET mod = (SELECT mod FROM notes WHERE notes.id = cards.nid)")
        cursor.execute("DROP TABLE temp.note_mod")
        (models_json,) = cursor.execute("SELECT models FROM col").fetchone()
        models = json.loads(models_json)
        for model_id, mod in model_mods.items():
            models[str(model_id)]["mod"] = mod
        cursor.execute("UPDATE col SET models = ?", (json.dumps(models, sort_keys=True),))
        conn.commit()
    finally:
        conn.close()


def _temporary(target: Path) -> Path:
    """A new empty file beside ``target``: ``.<name>.<pid>.<random>.tmp``. The process id
    lets a later build tell a killed build's leftovers from a running build's files."""
    fd, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp"
    )
    os.close(fd)
    return Path(name)


def _write_zip(target: Path, db_path: Path) -> Path:
    tmp_path = _temporary(target)
    try:
        with open(tmp_path, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
            for name, path in (("collection.anki2", db_path), ("media", None)):
                info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
                # zlib's default level: level 9 took twice as long (2.5 s on 10,000 notes)
                # for files 1-2% smaller.
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                if path is None:
                    zf.writestr(info, b"{}")
                    continue
                # Streamed, not read whole: the database of a large deck is ~100 MB.
                info.file_size = path.stat().st_size
                with open(path, "rb") as src, zf.open(info, "w") as dest:
                    shutil.copyfileobj(src, dest, 1 << 20)
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o644)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return tmp_path
