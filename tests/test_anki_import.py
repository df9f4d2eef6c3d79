"""The built package imported into the real Anki backend, as a learner would."""

from __future__ import annotations

from conftest import FIXTURES, build_sample, import_apkg

from mlops_anki import notetype


def deck_counts(col) -> dict[str, int]:
    counts: dict[str, int] = {}
    for cid in col.find_cards(""):
        name = col.decks.name(col.get_card(cid).did)
        counts[name] = counts.get(name, 0) + 1
    return counts


def test_import_gives_deck_tree_notes_cards_and_tags(decks, out, collection):
    log = import_apkg(collection, build_sample(decks, out))
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (3, 0, 0)
    names = {d.name for d in collection.decks.all_names_and_ids()}
    assert {"Sample Deck", "Sample Deck::Intermediate", "Sample Deck::Senior"} <= names
    assert deck_counts(collection) == {"Sample Deck::Intermediate": 1, "Sample Deck::Senior": 2}
    assert collection.note_count() == 3
    nid = collection.find_notes('"Id:second-question"')[0]
    assert sorted(collection.get_note(nid).tags) == [
        "smp::difficulty::senior", "smp::topic::monitoring", "smp::topic::training"]
    desc = collection.decks.get(collection.decks.id_for_name("Sample Deck"))["desc"]
    assert "<strong>three</strong>" in desc


def test_rendered_answer_holds_highlighted_code_and_sections(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    card = collection.get_card(collection.find_cards('"deck:Sample Deck::Intermediate"')[0])
    question, answer = card.question(), card.answer()
    assert "What does the first question ask?" in question
    assert "Key points" in answer and "<code>inline code</code>" in answer
    assert '<span class="k">def</span>' in answer  # Pygments classes, not inline colours
    assert 'style="color' not in answer
    assert "<summary>Code</summary>" in answer and "<summary>References</summary>" in answer
    assert ".nightMode .highlight" in answer  # the note type's CSS travels with the card
    third = collection.get_card(collection.find_cards('"Id:third-question"')[0]).answer()
    assert "<summary>Code</summary>" not in third  # empty sections are not shown


def test_new_cards_come_in_number_order(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    collection.decks.select(collection.decks.id_for_name("Sample Deck"))
    seen = []
    for _ in range(3):
        card = collection.sched.getCard()
        seen.append(collection.get_note(card.nid)["Number"])
        card.start_timer()
        collection.sched.answerCard(card, 4)
    assert seen == ["1", "2", "3"]


def test_reimporting_an_identical_build_changes_nothing(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    log = import_apkg(collection, build_sample(decks, out / "again"))
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0)
    assert len(log.duplicate) == 3
    assert collection.note_count() == 3


def answer_one(col, nid: int) -> int:
    """Review the card of note ``nid`` with the v3 scheduler; return its card id."""
    from anki.scheduler.v3 import CardAnswer

    card = col.get_card(col.card_ids_of_note(nid)[0])
    states = col._backend.get_scheduling_states(card.id)
    card.start_timer()
    changes = col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD)
    col.sched.answer_card(changes)
    return card.id


def test_editing_one_question_updates_exactly_that_note_and_keeps_history(
        decks, released, out, collection):
    import_apkg(collection, build_sample(decks, out))
    nid = collection.find_notes('"Id:second-question"')[0]
    cid = answer_one(collection, nid)
    assert collection.db.scalar("select count() from revlog where cid = ?", cid) == 1
    due_before = collection.get_card(cid).due

    path = released / "questions" / "002-second-question.yaml"
    path.write_text(path.read_text().replace("Because.", "Because it is faster."))
    log = import_apkg(collection, build_sample(decks, out / "v2"))

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    assert collection.note_count() == 3
    assert "Because it is faster." in collection.get_note(nid)["FollowUps"]
    assert collection.db.scalar("select count() from revlog where cid = ?", cid) == 1
    assert collection.get_card(cid).due == due_before and collection.get_card(cid).reps == 1


def test_css_change_reaches_the_collections_note_type(decks, out, collection, monkeypatch):
    import_apkg(collection, build_sample(decks, out))
    original = notetype._template

    def restyled(name: str) -> str:
        text = original(name)
        return text + "\n.question { letter-spacing: 0.01em; }\n" if name == "style.css" else text

    monkeypatch.setattr(notetype, "_template", restyled)
    monkeypatch.setattr(notetype, "NOTETYPE_MOD", notetype.NOTETYPE_MOD + 60)
    log = import_apkg(collection, build_sample(decks, out / "restyled"))
    assert len(log.new) == 0 and len(log.conflicting) == 0
    models = [m for m in collection.models.all() if m["id"] == notetype.NOTETYPE_ID]
    assert len(models) == 1 and len(collection.models.all_names_and_ids()) >= 1
    assert "letter-spacing: 0.01em" in models[0]["css"]
    assert not any(m["name"].endswith("+") for m in collection.models.all())


def test_filtered_deck_from_tag_search_holds_exactly_the_tagged_cards(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    deck = collection.sched.get_or_create_filtered_deck(deck_id=0)
    deck.name = "Senior serving"
    del deck.config.search_terms[:]
    term = deck.config.search_terms.add()
    term.search = "tag:smp::difficulty::senior tag:smp::topic::serving"
    term.limit = 100
    did = collection.sched.add_or_update_filtered_deck(deck).id
    collection.sched.rebuild_filtered_deck(did)
    ids = {collection.get_note(collection.get_card(c).nid)["Id"]
           for c in collection.find_cards(f"did:{did}")}
    assert ids == {"third-question"}
    # the parent tag matches every topic below it
    assert len(collection.find_cards("tag:smp::topic")) == 3


def test_a_card_can_be_answered_with_the_v3_scheduler(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    assert collection.v3_scheduler()
    nid = collection.find_notes('"Id:first-question"')[0]
    cid = answer_one(collection, nid)
    card = collection.get_card(cid)
    assert card.reps == 1 and card.queue != 0  # no longer new


def test_subset_build_merges_with_the_full_deck(decks, out, collection):
    from mlops_anki.build import Selection

    import_apkg(collection, build_sample(decks, out, selection=Selection(topics=("serving",))))
    assert collection.note_count() == 2
    log = import_apkg(collection, build_sample(decks, out / "full"))
    assert len(log.new) == 1 and collection.note_count() == 3
    assert set(deck_counts(collection)) == {"Sample Deck::Intermediate", "Sample Deck::Senior"}


V1_TEMPLATES = FIXTURES / "notetype-v1.0"
"""The card templates and CSS of the first release (commit 4cad1e2), copied verbatim."""
V1_MOD = 1_764_320_000


def test_upgrade_from_the_first_release_takes_the_new_css_and_templates(
        decks, out, collection, monkeypatch):
    current = notetype.note_type()
    with monkeypatch.context() as m:
        m.setattr(notetype, "_template",
                  lambda name: (V1_TEMPLATES / name).read_text(encoding="utf-8"))
        m.setattr(notetype, "NOTETYPE_MOD", V1_MOD)
        first_release = notetype.note_type()
        assert len(import_apkg(collection, build_sample(decks, out / "v1.0")).new) == 3
    assert first_release.css != current.css and first_release.back != current.back
    ours = [m for m in collection.models.all() if m["id"] == notetype.NOTETYPE_ID]
    assert ours[0]["css"] == first_release.css
    note_types_before = len(collection.models.all())

    log = import_apkg(collection, build_sample(decks, out / "now"))

    assert (len(log.new), len(log.conflicting)) == (0, 0)
    assert len(collection.models.all()) == note_types_before  # no "MLOps ...+" copy
    [model] = [m for m in collection.models.all() if m["id"] == notetype.NOTETYPE_ID]
    assert model["name"] == notetype.NOTETYPE_NAME
    assert [f["name"] for f in model["flds"]] == list(notetype.FIELDS)
    assert model["css"] == current.css
    assert [(t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"]] == [
        (notetype.TEMPLATE_NAME, current.front, current.back)]
    assert collection.note_count() == 3
    card = collection.get_card(collection.find_cards('"Id:first-question"')[0])
    assert current.css in card.answer()
    assert '<div class="sections">' in card.answer()  # cards now render with the new design
