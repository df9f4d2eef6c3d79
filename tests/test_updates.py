"""Releases in the real Anki backend: an update touches exactly the notes whose content changed,
so learners keep their own edits and tags everywhere else, whoever builds and whenever."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from conftest import NOW, RELEASED_AT, build_sample, import_apkg

from mlops_anki import render
from mlops_anki.build import Selection


def clone(decks: Path, where: Path, stamp: int) -> Path:
    """A copy of ``decks`` as a fresh clone would have it: every file time new."""
    shutil.copytree(decks, where)
    for path in where.rglob("*"):
        os.utime(path, (stamp, stamp))
    return where


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def answer_good(col, nid: int) -> int:
    from anki.scheduler.v3 import CardAnswer

    card = col.get_card(col.card_ids_of_note(nid)[0])
    states = col._backend.get_scheduling_states(card.id)
    card.start_timer()
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))
    return card.id


def test_two_clones_built_on_different_days_are_byte_identical(
    decks, released, tmp_path, monkeypatch
):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = build_sample(
        clone(decks, tmp_path / "clone-a", RELEASED_AT + 5), tmp_path / "a", now=NOW
    )
    second = build_sample(
        clone(decks, tmp_path / "clone-b", NOW + 99), tmp_path / "b", now=NOW + 30 * 86_400
    )
    assert first.name == second.name == "sample-1.0.0.apkg"
    assert sha256(first) == sha256(second)


def test_an_update_keeps_the_learners_edits_and_tags_on_notes_that_did_not_change(
    decks, released, tmp_path, collection, monkeypatch
):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    log = import_apkg(collection, build_sample(decks, tmp_path / "v1", now=NOW))
    assert len(log.new) == 9  # 3 questions, 6 follow-up cards
    x = collection.find_notes('"Id:first-question"')[0]
    y = collection.find_notes('"Id:second-question"')[0]
    note = collection.get_note(x)
    note["Extra"] = "my mnemonic"
    note.add_tag("marked")
    collection.update_note(note)
    cx, cy = answer_good(collection, x), answer_good(collection, y)
    due = {c: collection.get_card(c).due for c in (cx, cy)}

    # The maintainer edits Y's explanation, touches deck.yaml and rewords the description,
    # then builds in a fresh clone a week later, without SOURCE_DATE_EPOCH.
    q2 = released / "questions" / "002-second-question.yaml"
    q2.write_text(q2.read_text().replace("padding3 ", "padding3 corrected "))
    deck_yaml = released / "deck.yaml"
    deck_yaml.write_text(deck_yaml.read_text().replace("three", "3"))
    fresh = clone(decks, tmp_path / "clone", NOW + 7 * 86_400)
    log = import_apkg(collection, build_sample(fresh, tmp_path / "v2", now=NOW + 7 * 86_400))

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    kept = collection.get_note(x)
    assert kept["Extra"] == "my mnemonic" and "marked" in kept.tags
    assert "corrected" in collection.get_note(y)["Explanation"]
    for cid in (cx, cy):
        card = collection.get_card(cid)
        assert card.reps == 1 and card.due == due[cid]
        assert collection.db.scalar("select count() from revlog where cid = ?", cid) == 1


def test_after_a_renderer_change_exactly_the_notes_whose_html_changed_update(
    decks, released, tmp_path, collection, monkeypatch
):
    import_apkg(collection, build_sample(decks, tmp_path / "v1", now=NOW))
    original = render.Renderer.code

    def boxed(self, language: str, source: str) -> str:
        return f'<div class="boxed">{original(self, language, source)}</div>'

    monkeypatch.setattr(render.Renderer, "code", boxed)
    log = import_apkg(collection, build_sample(decks, tmp_path / "v2", now=NOW + 60))
    with_code = {collection.get_note(n)["Id"] for n in collection.find_notes('"Code:_*"')}
    assert with_code == {"first-question", "second-question"}
    assert len(log.updated) == len(with_code) and len(log.duplicate) == 9 - 2
    for nid in collection.find_notes('"Code:_*"'):
        assert '<div class="boxed">' in collection.get_note(nid)["Code"]


def test_a_subset_build_never_replaces_the_full_decks_file(decks, released, tmp_path):
    out = tmp_path / "dist"
    full = build_sample(decks, out, now=NOW)
    before = sha256(full)
    subset = build_sample(decks, out, now=NOW, selection=Selection(topics=("serving",)))
    assert subset.name == "sample-1.0.0-only-serving.apkg"
    assert sha256(full) == before
    assert sorted(p.name for p in out.iterdir()) == sorted([full.name, subset.name])


def test_the_learner_sees_the_version_on_the_deck_overview(decks, released, tmp_path, collection):
    import_apkg(collection, build_sample(decks, tmp_path / "v1", now=NOW))
    desc = collection.decks.get(collection.decks.id_for_name("Sample Deck"))["desc"]
    assert "<em>Version 1.0.0, released 2026-09-21.</em>" in desc
    q1 = released / "questions" / "001-first-question.yaml"
    q1.write_text(q1.read_text().replace("The second point.", "The second point, edited."))
    dev = build_sample(decks, tmp_path / "dev", now=NOW)
    assert dev.name == "sample-1.0.0+dev.apkg"
    import_apkg(collection, dev)
    desc = collection.decks.get(collection.decks.id_for_name("Sample Deck"))["desc"]
    assert "Development build with changes since version 1.0.0" in desc
