"""The preview gallery: Anki's template substitution, faithful to the real backend, and the
``preview`` command's output."""

from __future__ import annotations

import re

import pytest
from conftest import build_sample, import_apkg
from typer.testing import CliRunner

from mlops_anki.build import load_valid
from mlops_anki.cli import app
from mlops_anki.errors import TemplateError
from mlops_anki.preview import field_is_empty, render_cards, render_template

FIELDS = {"A": "alpha", "B": "", "C": " <br> "}


@pytest.mark.parametrize(
    "template, expected",
    [
        ("<p>{{A}}</p>", "<p>alpha</p>"),
        ("{{ A }}", "alpha"),
        ("{{#A}}[{{A}}]{{/A}}", "[alpha]"),
        ("{{#B}}[{{B}}]{{/B}}x", "x"),
        ("{{#C}}shown{{/C}}", ""),  # only markup and spaces: empty, as in Anki
        ("{{^B}}no B{{/B}}", "no B"),
        ("{{^A}}no A{{/A}}", ""),
        ("{{#A}}a{{#B}}b{{/B}}c{{/A}}", "ac"),
        ("{{#B}}a{{#A}}b{{/A}}c{{/B}}d", "d"),
        ("{{FrontSide}}<hr>{{A}}", "FRONT<hr>alpha"),
    ],
)
def test_render_template_substitutes_like_anki(template, expected):
    assert render_template(template, FIELDS, front_side="FRONT") == expected


@pytest.mark.parametrize(
    "template, message",
    [
        ("{{Nope}}", "{{Nope}}: unknown field; expected one of A, B, C"),
        ("{{text:A}}", "{{text:A}}: field filters are not supported by the preview"),
        ("{{#A}}x", "{{#A}} is never closed"),
        ("{{#A}}x{{/B}}", "{{/B}} closes a section that is not open"),
    ],
)
def test_render_template_rejects_what_it_cannot_render(template, message):
    with pytest.raises(TemplateError, match=re.escape(message)):
        render_template(template, FIELDS)


def test_field_is_empty():
    assert field_is_empty("") and field_is_empty(" <div><br></div>&nbsp;\u200b")
    assert not field_is_empty("<b>x</b>") and not field_is_empty("0")


def test_preview_faces_equal_what_anki_renders(decks, out, collection):
    import_apkg(collection, build_sample(decks, out))
    previews = {
        (c.question.id, c.follow_up.id if c.follow_up else None): c
        for c in render_cards(load_valid(decks))
    }
    assert len(previews) == 9 == len(collection.find_cards(""))
    for cid in collection.find_cards(""):
        card = collection.get_card(cid)
        rendered = card.render_output()
        note = card.note()
        key = (note["ParentId"], note["Id"]) if "ParentId" in note else (note["Id"], None)
        preview = previews[key]
        assert preview.front == rendered.question_text
        assert preview.back == rendered.answer_text
    follow_up = previews["second-question", "why"]
    assert "Follow-up to #2" in follow_up.front and "Why?" in follow_up.front
    assert "<summary>Key points of #2</summary>" in follow_up.back
    third = previews["third-question", None].back
    assert "<summary>Code</summary>" not in third and "<summary>Explanation</summary>" in third


def test_preview_command_writes_one_self_contained_page(decks, tmp_path):
    target = tmp_path / "gallery"
    result = CliRunner().invoke(app, ["preview", "--decks", str(decks), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {target / 'index.html'} (9 cards); open it in a browser.\n"
    assert [p.name for p in target.iterdir()] == ["index.html"]
    page = (target / "index.html").read_text(encoding="utf-8")
    for question in (
        "What does the first question ask?",
        "What does the second question ask?",
        "What does the third question ask?",
    ):
        # on its card's front and back, and as the parent on its 2 follow-up cards' faces
        assert page.count(question) == 6
    assert page.count("What comes next?") == 3  # its card's faces, and the parent's back
    assert page.count('<div class="card card1">') == 18
    assert page.count('data-kind="follow-up"') == 6
    assert ".chip-follow-up" in page  # the follow-up note type's own rules
    assert ".nightMode .highlight" in page  # the note type's own CSS
    assert not re.search(r"<script[^>]+src|<link|<img|url\(|@import", page)


def test_preview_of_a_broken_corpus_writes_nothing(decks, sample, tmp_path):
    q = sample / "questions" / "003-third-question.yaml"
    q.write_text(q.read_text().replace("topics: [serving]", "topics: [servng]"))
    result = CliRunner().invoke(
        app, ["preview", "--decks", str(decks), "--output", str(tmp_path / "p")]
    )
    assert result.exit_code == 1
    assert "unknown topic 'servng'" in result.output and "nothing was written" in result.output
    assert not (tmp_path / "p").exists()
