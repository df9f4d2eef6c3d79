"""Follow-up cards: the frozen note type (version 1) that asks one follow-up question on its
own card, and how a follow-up fills its fields.

It is a note type of its own, beside the main one, so that the main notes stay exactly as
released: no new field, tag or HTML on them, and a learner who already has them sees no update
when follow-up cards arrive. Like the main note type, FOLLOW_UP_FIELDS and
FOLLOW_UP_TEMPLATE_NAME are frozen for as long as FOLLOW_UP_NOTETYPE_ID lives; when a template
or the CSS changes, FOLLOW_UP_NOTETYPE_MOD moves forward (a test compares
FOLLOW_UP_NOTETYPE_FINGERPRINT with the files and says what to do).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from . import notetype
from .inert import inert
from .model import Deck, FollowUp, Question
from .notetype import FIELDS, NoteType, note_fields
from .render import Renderer, escape

FOLLOW_UP_NOTETYPE_ID = 1_796_031_529
"""Permanent id of the follow-up note type; changing it splits learners' follow-up notes."""

FOLLOW_UP_NOTETYPE_NAME = "MLOps Interview Follow-up (mlops-anki v1)"

FOLLOW_UP_FIELDS = (
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
"""Frozen field list, in order: the follow-up's question and answer, its parent question
(number, text, key points shown folded for context, id), the parent's difficulty and topics,
the follow-up's own id, and a spare Extra, left empty."""

FOLLOW_UP_SECTIONS = {
    "question": ("Question",),
    "answer": ("Answer",),
    "parent": ("ParentNumber", "ParentQuestion", "ParentKeyPoints", "ParentId"),
    "metadata": ("Difficulty", "Topics", "Id", "Extra"),
}
"""The parts of a follow-up note a changelog names, as groups of FOLLOW_UP_FIELDS."""

FOLLOW_UP_SECTION_INDEXES = {
    name: tuple(FOLLOW_UP_FIELDS.index(f) for f in fields)
    for name, fields in FOLLOW_UP_SECTIONS.items()
}

FOLLOW_UP_TEMPLATE_NAME = "Recall"
"""Frozen name of the only card template."""

FOLLOW_UP_NOTETYPE_MOD = 1_796_011_934
"""Modification time of the current CSS and templates (Unix seconds, never in the future).

Set it to the current time whenever one of _TEMPLATE_FILES changes, then update the
fingerprint."""

FOLLOW_UP_NOTETYPE_FINGERPRINT = "095fe358dc44df3d3fde2c10658cfff921d128b234704442f2f51baea5cd1874"
"""sha256 of _TEMPLATE_FILES as of FOLLOW_UP_NOTETYPE_MOD (see ``fingerprint()``)."""

FOLLOW_UP_TAG = "card::follow-up"
"""Under the deck's tag prefix, the tag every follow-up card carries (and no main card), so
that studying or suspending them all is one search."""

# The main card's style.css and code.css come first, so both note types look alike.
_TEMPLATE_FILES = (
    "followup-front.html",
    "followup-back.html",
    "style.css",
    "code.css",
    "followup.css",
)

_PARENT = {
    name: FIELDS.index(name)
    for name in ("Question", "KeyPoints", "Difficulty", "Topics", "Number", "Id")
}


def follow_up_note_type() -> NoteType:
    """The current follow-up note type, read from the packaged template files."""
    css = "\n".join(notetype.template_file(name) for name in _TEMPLATE_FILES[2:])
    return NoteType(
        id=FOLLOW_UP_NOTETYPE_ID,
        name=FOLLOW_UP_NOTETYPE_NAME,
        fields=FOLLOW_UP_FIELDS,
        template_name=FOLLOW_UP_TEMPLATE_NAME,
        front=notetype.template_file("followup-front.html"),
        back=notetype.template_file("followup-back.html"),
        css=css,
        mod=FOLLOW_UP_NOTETYPE_MOD,
    )


def fingerprint() -> str:
    """sha256 over the template files, to notice a change that needs a newer mod."""
    digest = hashlib.sha256()
    for name in _TEMPLATE_FILES:
        digest.update(name.encode() + b"\0" + notetype.template_file(name).encode() + b"\0")
    return digest.hexdigest()


def follow_up_tag(tag_prefix: str) -> str:
    """The tag marking a follow-up card in a deck with ``tag_prefix``."""
    return f"{tag_prefix}::{FOLLOW_UP_TAG}"


def follow_up_fields(f: FollowUp, parent_fields: Sequence[str], renderer: Renderer) -> list[str]:
    """The HTML of each field of follow-up ``f``'s note, in FOLLOW_UP_FIELDS order.

    ``parent_fields`` is the parent question's rendered main note (FIELDS order): the parent's
    parts are the very HTML of its main card, so the two never disagree."""
    values = {
        # Like every main note field, made inert to Anki's own markup (see inert.py).
        "Question": inert(renderer.inline(f.question)),
        "Answer": inert(renderer.inline(f.answer)),
        "ParentNumber": parent_fields[_PARENT["Number"]],
        "ParentQuestion": parent_fields[_PARENT["Question"]],
        "ParentKeyPoints": parent_fields[_PARENT["KeyPoints"]],
        "ParentId": parent_fields[_PARENT["Id"]],
        "Difficulty": parent_fields[_PARENT["Difficulty"]],
        "Topics": parent_fields[_PARENT["Topics"]],
        "Id": escape(f.id),
        "Extra": "",
    }
    return [values[name] for name in FOLLOW_UP_FIELDS]


Rendered = tuple[list[str], list[list[str]]]
"""A question's main note fields, and the fields of each of its follow-up notes."""


def render_question(
    deck: Deck, q: Question, renderer: Renderer, *, follow_ups: bool = True
) -> Rendered:
    """``q``'s main note fields with, when ``follow_ups``, each follow-up note's fields."""
    fields = note_fields(deck, q, renderer)
    if not follow_ups:
        return fields, []
    return fields, [follow_up_fields(f, fields, renderer) for f in q.follow_ups]
