"""The built package imported into the real Anki backend, as a learner would."""

from __future__ import annotations

from conftest import FIXTURES, build_sample, import_apkg

from mlops_anki import notetype
from mlops_anki.build import Selection


def deck_counts(col) -> dict[str, int]:
    counts: dict[str, int] = {}
    for cid in col.find_cards(""):
        name = col.decks.name(col.get_card(cid).did)
        counts[name] = counts.get(name, 0) + 1
    return counts


def test_import_gives_deck_tree_notes_cards_and_tags(decks, out, collection):
    log = import_apkg(collection, build_sample(decks, out))
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (9, 0, 0)
    names = {d.name for d in collection.decks.all_names_and_ids()}
    assert {"Sample Deck", "Sample Deck::Intermediate", "Sample Deck::Senior"} <= names
    # each question's card and its two follow-up cards
    assert deck_counts(collection) == {"Sample Deck::Intermediate": 3, "Sample Deck::Senior": 6}
    assert collection.note_count() == 9
    nid = collection.find_notes('"Id:second-question"')[0]
    assert sorted(collection.get_note(nid).tags) == [
        "smp::difficulty::senior",
        "smp::topic::monitoring",
        "smp::topic::training",
    ]
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


def card_name(note) -> str:
    """'#2' for a question's card, '#2 why' for its follow-up card 'why'."""
    if "ParentId" in note:
        return f"#{note['ParentNumber']} {note['Id']}"
    return f"#{note['Number']}"


def new_card_order(col, deck: str = "Sample Deck") -> list[str]:
    """The new cards in the order the scheduler introduces them (each answered Easy)."""
    col.decks.select(col.decks.id_for_name(deck))
    seen = []
    while (card := col.sched.getCard()) is not None:
        if card.type == 0:  # new, not a card already in learning
            seen.append(card_name(col.get_note(card.nid)))
        card.start_timer()
        col.sched.answerCard(card, 4)
    return seen


def test_new_cards_come_in_number_order_each_followed_by_its_follow_ups(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    assert new_card_order(collection) == [
        "#1",
        "#1 what-next",
        "#1 after-that",  # Intermediate, the first subdeck
        "#2",
        "#2 why",
        "#2 how",
        "#3",
        "#3 code",
        "#3 fine",
    ]


def test_reimporting_an_identical_build_changes_nothing(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    log = import_apkg(collection, build_sample(decks, out / "again"))
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0)
    assert len(log.duplicate) == 9
    assert collection.note_count() == 9


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
    decks, released, out, collection
):
    import_apkg(collection, build_sample(decks, out))
    nid = collection.find_notes('"Id:second-question"')[0]
    cid = answer_one(collection, nid)
    assert collection.db.scalar("select count() from revlog where cid = ?", cid) == 1
    due_before = collection.get_card(cid).due

    path = released / "questions" / "002-second-question.yaml"
    path.write_text(
        path.read_text().replace("for the second question.", "for the second question, corrected.")
    )
    log = import_apkg(collection, build_sample(decks, out / "v2"))

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    assert collection.note_count() == 9
    assert "corrected." in collection.get_note(nid)["Explanation"]
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
    ids = {
        collection.get_note(collection.get_card(c).nid)["Id"]
        for c in collection.find_cards(f"did:{did}")
    }
    assert ids == {"third-question", "code", "fine"}  # the question and its follow-up cards
    # the parent tag matches every topic below it
    assert len(collection.find_cards("tag:smp::topic")) == 9


def test_a_card_can_be_answered_with_the_v3_scheduler(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    assert collection.v3_scheduler()
    nid = collection.find_notes('"Id:first-question"')[0]
    cid = answer_one(collection, nid)
    card = collection.get_card(cid)
    assert card.reps == 1 and card.queue != 0  # no longer new


def test_subset_build_merges_with_the_full_deck(decks, out, collection):
    import_apkg(collection, build_sample(decks, out, selection=Selection(topics=("serving",))))
    assert collection.note_count() == 6  # questions 1 and 3, and their follow-up cards
    log = import_apkg(collection, build_sample(decks, out / "full"))
    assert len(log.new) == 3 and collection.note_count() == 9
    assert set(deck_counts(collection)) == {"Sample Deck::Intermediate", "Sample Deck::Senior"}


V1_TEMPLATES = FIXTURES / "notetype-v1.0"
"""The card templates and CSS of the first release (commit 4cad1e2), copied verbatim."""
V1_MOD = 1_764_320_000


def test_upgrade_from_the_first_release_takes_the_new_css_and_templates(
    decks, out, collection, monkeypatch
):
    current = notetype.note_type()
    original = notetype._template
    with monkeypatch.context() as m:
        # the follow-up note type's own files did not exist then
        m.setattr(
            notetype,
            "_template",
            lambda name: (
                (V1_TEMPLATES / name).read_text(encoding="utf-8")
                if (V1_TEMPLATES / name).exists()
                else original(name)
            ),
        )
        m.setattr(notetype, "NOTETYPE_MOD", V1_MOD)
        first_release = notetype.note_type()
        # The first release had no follow-up cards.
        v1 = build_sample(decks, out / "v1.0", selection=Selection(follow_ups=False))
        assert len(import_apkg(collection, v1).new) == 3
    assert first_release.css != current.css and first_release.back != current.back
    ours = [m for m in collection.models.all() if m["id"] == notetype.NOTETYPE_ID]
    assert ours[0]["css"] == first_release.css
    note_types_before = len(collection.models.all())

    log = import_apkg(collection, build_sample(decks, out / "now"))

    assert (len(log.new), len(log.conflicting)) == (6, 0)  # the follow-up cards
    # the follow-up note type, and no "MLOps ...+" copy of either
    assert len(collection.models.all()) == note_types_before + 1
    assert not any(m["name"].endswith("+") for m in collection.models.all())
    [model] = [m for m in collection.models.all() if m["id"] == notetype.NOTETYPE_ID]
    assert model["name"] == notetype.NOTETYPE_NAME
    assert [f["name"] for f in model["flds"]] == list(notetype.FIELDS)
    assert model["css"] == current.css
    assert [(t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"]] == [
        (notetype.TEMPLATE_NAME, current.front, current.back)
    ]
    assert collection.note_count() == 9
    card = collection.get_card(collection.find_cards('"Id:first-question"')[0])
    assert current.css in card.answer()
    assert '<div class="sections">' in card.answer()  # cards now render with the new design
