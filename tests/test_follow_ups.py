"""Follow-up cards in the real Anki backend: one note per follow-up, with its parent's tags and
subdeck; arriving over a release that had none without touching a main note; updated one by
one; introduced right after their parent; found by one tag search. And their permanent ids."""

from __future__ import annotations

from collections import Counter

import genanki
import pytest
import yaml
from conftest import NOW, SHIPPED_DECKS, build_sample, import_apkg
from test_anki_import import answer_one, card_name, new_card_order
from typer.testing import CliRunner

from mlops_anki import build as build_module
from mlops_anki import followups, notetype
from mlops_anki.build import Selection, load_valid
from mlops_anki.cli import app
from mlops_anki.errors import CorpusError

FOLLOW_UP = "tag:smp::card::follow-up"


def follow_up_notes(col) -> dict[tuple[str, str], object]:
    """Every follow-up note of the collection by (parent id, follow-up id)."""
    return {
        (n["ParentId"], n["Id"]): n
        for n in map(col.get_note, col.find_notes(f'"note:{followups.FOLLOW_UP_NOTETYPE_NAME}"'))
    }


def test_the_shipped_deck_has_one_follow_up_note_per_follow_up(tmp_path, collection):
    corpus = load_valid(SHIPPED_DECKS)
    [deck] = corpus.decks
    report = build_module.build(SHIPPED_DECKS, tmp_path / "out", now=NOW)
    [built] = report.decks
    expected = {(q.id, f.id): (q, f) for q in deck.questions for f in q.follow_ups}
    assert built.follow_up_notes == len(expected) >= 2 * len(deck.questions)

    log = import_apkg(collection, built.path)
    assert (len(log.new), len(log.conflicting)) == (len(deck.questions) + len(expected), 0)
    assert not any(m["name"].endswith("+") for m in collection.models.all())
    notes = follow_up_notes(collection)
    assert set(notes) == set(expected)
    for (qid, fid), note in notes.items():
        q, f = expected[qid, fid]
        assert sorted(note.tags) == sorted(
            [f"mlops::difficulty::{q.difficulty}", "mlops::card::follow-up"]
            + [f"mlops::topic::{t}" for t in q.topics]
        )
        assert note["ParentNumber"] == str(q.number)
        [card] = note.cards()
        assert collection.decks.name(card.did) == deck.subdeck(q.difficulty)
        assert note.guid == genanki.guid_for(deck.id, q.id, f.id)
    # the main notes carry no follow-up tag
    assert len(collection.find_notes("tag:mlops::card::follow-up")) == len(expected)
    assert len(collection.find_notes("-tag:mlops::card::follow-up")) == len(deck.questions)


def test_a_follow_up_card_shows_its_question_parent_and_answer(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    note = follow_up_notes(collection)["second-question", "why"]
    card = note.cards()[0]
    front, back = card.question(), card.answer()
    assert "Follow-up to #2" in front and "What does the second question ask?" in front
    assert "Why?" in front and "Because." not in front
    assert "Because." in back and "<summary>Key points of #2</summary>" in back
    assert "Point one of the second question." in back
    assert ".chip-follow-up" in back and "<script" not in back


def release_without_follow_ups(sample) -> None:
    """Make the sample's release.yaml what a release before follow-up cards recorded."""
    lock = sample / "release.yaml"
    text = lock.read_text(encoding="utf-8")
    lock.write_text(text[: text.index("follow_up_note_type:")], encoding="utf-8")


def test_follow_up_cards_arrive_over_a_release_without_them_and_change_no_main_note(
    decks, released, tmp_path, collection, monkeypatch
):
    release_without_follow_ups(released)
    # The previous release: no follow-up cards, and question n at new-card position n.
    with monkeypatch.context() as m:
        m.setattr(build_module, "POSITIONS_PER_QUESTION", 1)
        old = build_sample(decks, tmp_path / "v1", selection=Selection(follow_ups=False))
    assert old.name == "sample-1.0.0-no-follow-ups.apkg"  # its main notes are the release's
    assert len(import_apkg(collection, old).new) == 3
    x = collection.find_notes('"Id:first-question"')[0]
    note = collection.get_note(x)
    note["Extra"] = "my mnemonic"
    note.add_tag("marked")
    collection.update_note(note)
    reviewed = answer_one(collection, collection.find_notes('"Id:second-question"')[0])
    before = {
        cid: (collection.get_card(cid).due, collection.get_card(cid).reps)
        for cid in collection.find_cards("")
    }

    new = build_sample(decks, tmp_path / "v2", now=NOW + 86_400)
    assert new.name == "sample-1.0.0+dev.apkg"  # follow-up cards are not in the release
    log = import_apkg(collection, new)

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (6, 0, 0)
    assert len(log.duplicate) == 3  # every main note left exactly as the learner has it
    assert set(follow_up_notes(collection)) == {
        ("first-question", "what-next"),
        ("first-question", "after-that"),
        ("second-question", "why"),
        ("second-question", "how"),
        ("third-question", "code"),
        ("third-question", "fine"),
    }
    kept = collection.get_note(x)
    assert kept["Extra"] == "my mnemonic" and "marked" in kept.tags
    # An import never moves a card the learner has: positions and history stay.
    assert {
        cid: (collection.get_card(cid).due, collection.get_card(cid).reps) for cid in before
    } == before
    assert collection.db.scalar("select count() from revlog where cid = ?", reviewed) == 1
    # Their follow-up cards come after each remaining question.
    order = new_card_order(collection)
    assert order == [
        "#1",
        "#1 what-next",
        "#1 after-that",
        "#3",
        "#2 why",
        "#2 how",
        "#3 code",
        "#3 fine",
    ]


def test_rewording_one_follow_up_updates_that_note_and_its_parents_summary_only(
    decks, released, out, collection
):
    import_apkg(collection, build_sample(decks, out))
    fu = follow_up_notes(collection)["second-question", "why"]
    sibling = follow_up_notes(collection)["second-question", "how"]
    cid = answer_one(collection, fu.id)
    due = collection.get_card(cid).due

    path = released / "questions" / "002-second-question.yaml"
    path.write_text(path.read_text().replace("question: Why?", "question: Why is it so?"))
    apkg = build_sample(decks, out / "v2", now=NOW + 60)
    assert apkg.name == "sample-1.0.0+dev.apkg"
    log = import_apkg(collection, apkg)

    # The follow-up's own note, and its parent's, whose folded "Follow-up questions"
    # section shows the same question; no other note.
    updated = {card_name(collection.get_note(u.id.nid)) for u in log.updated}
    assert updated == {"#2 why", "#2"}
    assert (len(log.new), len(log.conflicting), len(log.duplicate)) == (0, 0, 7)
    assert collection.get_note(fu.id)["Question"] == "Why is it so?"
    assert collection.get_note(sibling.id).mod == sibling.mod
    card = collection.get_card(cid)
    assert card.reps == 1 and card.due == due
    assert collection.db.scalar("select count() from revlog where cid = ?", cid) == 1


def test_rewording_a_follow_up_answer_changes_only_its_notes_in_the_release(decks, released):
    from mlops_anki.release import plan_release

    path = released / "questions" / "003-third-question.yaml"
    path.write_text(path.read_text().replace("answer: No.", "answer: No, none."))
    plan = plan_release(decks, "1.0.1", now=NOW)
    assert [(c.question.id, c.follow_up.id, c.sections) for c in plan.changed_follow_ups] == [
        ("third-question", "code", ("answer",))
    ]
    assert [c.question.id for c in plan.changed] == ["third-question"]
    assert (
        "### Follow-up cards changed\n\n- #3 follow-up `code`: Is there code? (answer)\n"
        in plan.changelog_entry()
    )


def test_a_filtered_deck_from_the_follow_up_tag_and_a_topic(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    deck = collection.sched.get_or_create_filtered_deck(deck_id=0)
    deck.name = "Serving follow-ups"
    del deck.config.search_terms[:]
    term = deck.config.search_terms.add()
    term.search = f"{FOLLOW_UP} tag:smp::topic::serving"
    term.limit = 100
    did = collection.sched.add_or_update_filtered_deck(deck).id
    collection.sched.rebuild_filtered_deck(did)
    cards = {card_name(collection.get_card(c).note()) for c in collection.find_cards(f"did:{did}")}
    assert cards == {"#1 what-next", "#1 after-that", "#3 code", "#3 fine"}


def test_suspending_every_follow_up_card_is_one_search(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    collection.sched.suspend_cards(collection.find_cards(FOLLOW_UP))
    assert len(collection.find_cards("is:suspended")) == 6
    assert {
        card_name(collection.get_card(c).note()) for c in collection.find_cards("-is:suspended")
    } == {"#1", "#2", "#3"}


def test_a_build_without_follow_ups_merges_with_the_full_deck(decks, out, collection):
    import_apkg(collection, build_sample(decks, out, selection=Selection(follow_ups=False)))
    assert collection.note_count() == 3 and not follow_up_notes(collection)
    log = import_apkg(collection, build_sample(decks, out / "full"))
    assert (len(log.new), len(log.updated)) == (6, 0)


def test_the_follow_up_note_type_is_frozen_and_styled_in_step_with_its_mod():
    assert followups.FOLLOW_UP_FIELDS == (
        "Question",
        "Answer",
        "ParentNumber",
        "ParentQuestion",
        "ParentKeyPoints",
        "ParentId",
        "Difficulty",
        "Topics",
        "Id",
        "Extra",
    )
    assert followups.FOLLOW_UP_TEMPLATE_NAME == "Recall"
    assert followups.FOLLOW_UP_NOTETYPE_ID == 1_796_031_529 != notetype.NOTETYPE_ID
    assert followups.FOLLOW_UP_NOTETYPE_NAME != notetype.NOTETYPE_NAME
    current = followups.fingerprint()
    assert current == followups.FOLLOW_UP_NOTETYPE_FINGERPRINT, (
        "The follow-up note type's CSS or templates changed (style.css and code.css are "
        "shared). Set FOLLOW_UP_NOTETYPE_MOD in followups.py to the current time and "
        f"FOLLOW_UP_NOTETYPE_FINGERPRINT to {current!r}."
    )
    nt = followups.follow_up_note_type()
    assert nt.css.startswith(notetype.note_type().css)  # one visual language
    for text in (nt.front, nt.back, nt.css):
        assert "<script" not in text.lower() and "http" not in text and "@import" not in text


runner = CliRunner()


def validate(decks):
    return runner.invoke(app, ["validate", "--decks", str(decks)])


def test_a_follow_up_without_an_id_is_an_error(decks, sample):
    path = sample / "questions" / "002-second-question.yaml"
    path.write_text(
        path.read_text().replace("  - id: how\n    question: How?", "  - question: How?")
    )
    result = validate(decks)
    assert result.exit_code == 1
    assert (
        f"{path}:29:5: follow_ups[1]: missing required field 'id' (a slug (lowercase "
        "letters, digits and hyphens, like 'canary-deployment'))"
    ) in result.output


def test_a_renamed_released_follow_up_id_fails_validate_and_build(decks, released, tmp_path):
    path = released / "questions" / "002-second-question.yaml"
    path.write_text(path.read_text().replace("id: why", "id: why-so"))
    lock = released / "release.yaml"
    line = lock.read_text().splitlines().index("  second-question/why:") + 1
    expected = (
        f"{lock}:{line}:3: released follow-up 'second-question/why' has no follow-up "
        "(renamed to 'second-question/why-so'?); learners' review history hangs on it. "
        "Restore the id, or retire it on purpose under 'retired:' with a reason"
    )
    assert expected in validate(decks).output.splitlines()
    with pytest.raises(CorpusError) as error:
        build_sample(decks, tmp_path / "out")
    assert expected in map(str, error.value.problems)


def test_a_follow_up_retired_with_a_reason_leaves_the_release(decks, released, monkeypatch):
    from mlops_anki.release import plan_release, write_release

    path = released / "questions" / "001-first-question.yaml"
    text = path.read_text()
    data = yaml.safe_load(text)
    assert data["follow_ups"].pop()["id"] == "after-that"
    data["follow_ups"].append({"id": "later", "question": "And later?", "answer": "Never."})
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=1000))
    lock = released / "release.yaml"
    lock.write_text(lock.read_text() + 'retired:\n  first-question/after-that: "too easy"\n')
    assert validate(decks).exit_code == 0
    plan = plan_release(decks, "1.1.0", now=NOW)
    assert plan.retired_follow_ups == {"first-question/after-that": "too easy"}
    assert (
        "### Follow-up cards added\n\n- #1 follow-up `later`: And later?\n\n"
        "### Follow-up cards retired\n\n- `first-question/after-that`: too easy\n"
        in plan.changelog_entry()
    )
    write_release(plan)
    manifest = yaml.safe_load(lock.read_text())
    assert "first-question/after-that" not in manifest["follow_ups"]
    assert list(manifest["follow_ups"])[-1] == "first-question/later"  # new keys at the end
    assert manifest["retired"] == {"first-question/after-that": "too easy"}

    # and using the key again is allowed, with a warning
    data["follow_ups"].append({"id": "after-that", "question": "Again?", "answer": "Yes."})
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=1000))
    result = validate(decks)
    assert result.exit_code == 0
    assert "warning: retired follow-up 'first-question/after-that' is used again" in result.output


def test_follow_up_counts_per_subdeck_in_the_report(decks, out):
    report = build_module.build(decks, out, now=NOW)
    assert report.decks[0].follow_up_notes == 6
    assert report.decks[0].notes_per_deck == {
        "Sample Deck::Intermediate": 3,
        "Sample Deck::Senior": 6,
    }
    assert Counter(report.decks[0].notes_per_deck).total() == report.decks[0].notes == 9
