"""The .apkg read back as a zip and an SQLite database: ids, GUIDs, tags, fields, order, times."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import zipfile

import genanki
import pytest
from conftest import NOW, build_sample, read_apkg

from mlops_anki import notetype
from mlops_anki.build import RENDER_MOD
from mlops_anki.errors import BuildError, CorpusError


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_package_contents(decks, out, tmp_path):
    apkg = build_sample(decks, out)
    assert apkg == out / "sample.apkg"
    with zipfile.ZipFile(apkg) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == ["collection.anki2", "media"]
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
    assert infos[0].compress_size < infos[0].file_size

    db = read_apkg(apkg, tmp_path)
    rows = db.execute("select guid, mid, tags, flds from notes order by id").fetchall()
    assert [r[0] for r in rows] == [genanki.guid_for("sample", q) for q in
                                    ("first-question", "second-question", "third-question")]
    assert {r[1] for r in rows} == {notetype.NOTETYPE_ID}
    assert rows[1][2].split() == ["smp::difficulty::senior", "smp::topic::training",
                                  "smp::topic::monitoring"]
    fields = dict(zip(notetype.FIELDS, rows[0][3].split("\x1f")))
    assert fields["Number"] == "1" and fields["Id"] == "first-question"
    assert fields["Difficulty"] == "Intermediate" and fields["Topics"] == "serving"
    assert fields["Extra"] == ""
    assert '<table class="stack">' in fields["Explanation"] and '<span class="k">def</span>' in fields["Code"]

    dues = db.execute("select n.flds, c.due from cards c join notes n on n.id = c.nid").fetchall()
    assert sorted(int(f.split("\x1f")[9]) for f, _ in dues) == sorted(d for _, d in dues)

    models = json.loads(db.execute("select models from col").fetchone()[0])
    model = models[str(notetype.NOTETYPE_ID)]
    assert [f["name"] for f in model["flds"]] == list(notetype.FIELDS)
    assert [t["name"] for t in model["tmpls"]] == [notetype.TEMPLATE_NAME]
    assert model["mod"] == notetype.NOTETYPE_MOD
    deck_names = {d["name"] for d in json.loads(db.execute("select decks from col").fetchone()[0]).values()}
    assert {"Sample Deck", "Sample Deck::Intermediate", "Sample Deck::Senior"} <= deck_names


def test_note_mod_follows_each_source_file_and_is_never_in_the_future(decks, sample, out, tmp_path):
    path = sample / "questions" / "003-third-question.yaml"
    os.utime(path, (1_790_000_000, 1_790_000_000))
    future = sample / "questions" / "001-first-question.yaml"
    os.utime(future, (NOW + 10_000, NOW + 10_000))
    db = read_apkg(build_sample(decks, out), tmp_path)
    mods = dict(db.execute("select guid, mod from notes"))
    assert mods[genanki.guid_for("sample", "third-question")] == 1_790_000_000
    assert mods[genanki.guid_for("sample", "first-question")] == NOW
    # deck.yaml is an input of every note (tags, deck names): no note is older than it
    assert mods[genanki.guid_for("sample", "second-question")] == max(
        int((sample / "deck.yaml").stat().st_mtime),
        int((sample / "questions" / "002-second-question.yaml").stat().st_mtime), RENDER_MOD)
    card_mods = {m for (m,) in db.execute("select mod from cards")}
    assert card_mods == set(mods.values())


def test_same_source_date_epoch_gives_identical_bytes(decks, out, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    first = build_sample(decks, out / "a", now=None)
    second = build_sample(decks, out / "b", now=None)
    assert sha256(first) == sha256(second)


def test_source_date_epoch_clamps_note_times(decks, out, tmp_path, monkeypatch):
    # the fixture gives deck.yaml and the three questions the times T, T+1, T+2, T+3
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1_770_000_002))
    db = read_apkg(build_sample(decks, out), tmp_path)
    mods = dict(db.execute("select guid, mod from notes"))
    assert [mods[genanki.guid_for("sample", q)] for q in
            ("first-question", "second-question", "third-question")] == [
        1_770_000_001, 1_770_000_002, 1_770_000_002]


def test_failed_write_leaves_the_earlier_package_untouched(decks, out, monkeypatch):
    apkg = build_sample(decks, out)
    before = sha256(apkg)

    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    with pytest.raises(BuildError, match="No space left on device"):
        build_sample(decks, out)
    assert sha256(apkg) == before
    assert sorted(p.name for p in out.iterdir()) == ["sample.apkg"]  # no temporary left behind


def test_corpus_error_writes_nothing(decks, sample, out):
    apkg = build_sample(decks, out)
    before = sha256(apkg)
    (sample / "questions" / "002-second-question.yaml").write_text("id: [unclosed\n")
    with pytest.raises(CorpusError):
        build_sample(decks, out)
    assert sha256(apkg) == before
