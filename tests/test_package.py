"""The .apkg read back as a zip and an SQLite database: ids, GUIDs, tags, fields, order, times."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import zipfile

import genanki
import pytest
from conftest import NOW, RELEASED_AT, build_sample, read_apkg

from mlops_anki import followups, notetype
from mlops_anki.errors import BuildError, CorpusError, MlopsAnkiError


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_package_contents(decks, out, tmp_path):
    apkg = build_sample(decks, out)
    assert apkg == out / "sample-unreleased.apkg"
    with zipfile.ZipFile(apkg) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == ["collection.anki2", "media"]
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
    assert infos[0].compress_size < infos[0].file_size

    db = read_apkg(apkg, tmp_path)
    rows = db.execute(
        "select guid, mid, tags, flds from notes where mid = ? order by id", (notetype.NOTETYPE_ID,)
    ).fetchall()
    assert [r[0] for r in rows] == [
        genanki.guid_for("sample", q)
        for q in ("first-question", "second-question", "third-question")
    ]
    assert rows[1][2].split() == [
        "smp::difficulty::senior",
        "smp::topic::training",
        "smp::topic::monitoring",
    ]
    fields = dict(zip(notetype.FIELDS, rows[0][3].split("\x1f")))
    assert fields["Number"] == "1" and fields["Id"] == "first-question"
    assert fields["Difficulty"] == "Intermediate" and fields["Topics"] == "serving"
    assert fields["Extra"] == ""
    assert (
        '<table class="stack">' in fields["Explanation"]
        and '<span class="k">def</span>' in fields["Code"]
    )

    # New-card positions: question n at 10n, its follow-ups right after it.
    dues = dict(db.execute("select n.guid, c.due from cards c join notes n on n.id = c.nid"))
    assert dues == {
        genanki.guid_for("sample", "first-question"): 10,
        genanki.guid_for("sample", "first-question", "what-next"): 11,
        genanki.guid_for("sample", "first-question", "after-that"): 12,
        genanki.guid_for("sample", "second-question"): 20,
        genanki.guid_for("sample", "second-question", "why"): 21,
        genanki.guid_for("sample", "second-question", "how"): 22,
        genanki.guid_for("sample", "third-question"): 30,
        genanki.guid_for("sample", "third-question", "code"): 31,
        genanki.guid_for("sample", "third-question", "fine"): 32,
    }

    models = json.loads(db.execute("select models from col").fetchone()[0])
    assert set(models) == {str(notetype.NOTETYPE_ID), str(followups.FOLLOW_UP_NOTETYPE_ID)}
    model = models[str(notetype.NOTETYPE_ID)]
    assert [f["name"] for f in model["flds"]] == list(notetype.FIELDS)
    assert [t["name"] for t in model["tmpls"]] == [notetype.TEMPLATE_NAME]
    assert model["mod"] == notetype.NOTETYPE_MOD
    model = models[str(followups.FOLLOW_UP_NOTETYPE_ID)]
    assert model["name"] == followups.FOLLOW_UP_NOTETYPE_NAME
    assert [f["name"] for f in model["flds"]] == list(followups.FOLLOW_UP_FIELDS)
    assert [t["name"] for t in model["tmpls"]] == [followups.FOLLOW_UP_TEMPLATE_NAME]
    assert model["mod"] == followups.FOLLOW_UP_NOTETYPE_MOD
    deck_names = {
        d["name"] for d in json.loads(db.execute("select decks from col").fetchone()[0]).values()
    }
    assert {"Sample Deck", "Sample Deck::Intermediate", "Sample Deck::Senior"} <= deck_names


def note_mods(apkg, tmp_path) -> dict[str, int]:
    db = read_apkg(apkg, tmp_path)
    mods = dict(db.execute("select guid, mod from notes"))
    assert {m for (m,) in db.execute("select mod from cards")} == set(mods.values())
    return {
        q: mods[genanki.guid_for("sample", q)]
        for q in ("first-question", "second-question", "third-question")
    }


def test_note_mod_comes_from_the_manifest_never_from_file_times(decks, released, out, tmp_path):
    path = released / "questions" / "003-third-question.yaml"
    os.utime(path, (NOW + 10_000, NOW + 10_000))  # touched, and even in the future
    assert note_mods(build_sample(decks, out), tmp_path / "a") == {
        "first-question": RELEASED_AT,
        "second-question": RELEASED_AT,
        "third-question": RELEASED_AT,
    }
    path.write_text(path.read_text().replace("padding1 ", "padding1 edited "))
    assert note_mods(build_sample(decks, out / "b"), tmp_path / "b") == {
        "first-question": RELEASED_AT,
        "second-question": RELEASED_AT,
        "third-question": NOW,
    }


def test_a_changed_note_is_always_newer_than_its_release(
    decks, released, out, tmp_path, monkeypatch
):
    path = released / "questions" / "002-second-question.yaml"
    path.write_text(path.read_text().replace("padding1 ", "padding1 edited "))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(RELEASED_AT - 86_400))  # an older commit
    assert note_mods(build_sample(decks, out), tmp_path)["second-question"] == RELEASED_AT + 1


def test_same_source_date_epoch_gives_identical_bytes(decks, out, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    first = build_sample(decks, out / "a", now=None)
    second = build_sample(decks, out / "b", now=None)
    assert sha256(first) == sha256(second)


def test_source_date_epoch_dates_new_notes_but_never_in_the_future(
    decks, out, tmp_path, monkeypatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1_770_000_002))
    assert set(note_mods(build_sample(decks, out), tmp_path / "a").values()) == {1_770_000_002}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(NOW + 86_400))
    assert set(note_mods(build_sample(decks, out / "b"), tmp_path / "b").values()) == {NOW}


@pytest.mark.parametrize("value", ["0", "999999999", "12ab", "-5", "\u0661\u0662"])
def test_a_source_date_epoch_anki_cannot_use_is_refused(decks, out, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(MlopsAnkiError, match="SOURCE_DATE_EPOCH"):
        build_sample(decks, out)
    assert not out.exists()


def test_failed_write_leaves_the_earlier_package_untouched(decks, out, monkeypatch):
    apkg = build_sample(decks, out)
    before = sha256(apkg)

    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    with pytest.raises(BuildError, match="No space left on device"):
        build_sample(decks, out)
    assert sha256(apkg) == before
    assert sorted(p.name for p in out.iterdir()) == [
        "sample-unreleased.apkg"
    ]  # no temporary left behind


def test_corpus_error_writes_nothing(decks, sample, out):
    apkg = build_sample(decks, out)
    before = sha256(apkg)
    (sample / "questions" / "002-second-question.yaml").write_text("id: [unclosed\n")
    with pytest.raises(CorpusError):
        build_sample(decks, out)
    assert sha256(apkg) == before
