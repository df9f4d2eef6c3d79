"""The frozen Anki note type (version 1) and how a question fills its fields.

Anki treats any change to the field list or the template names as a schema change: learners
would get a copy of the note type and notes that never update again. So FIELDS and
TEMPLATE_NAME are frozen for as long as NOTETYPE_ID lives. CSS and template text may change;
when they do, NOTETYPE_MOD must move forward so that Anki takes the new version on import
(a test compares NOTETYPE_FINGERPRINT with the files and says what to do).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .inert import inert
from .model import Deck, Question
from .render import Renderer, escape

NOTETYPE_ID = 1_742_913_058
"""Permanent id of the note type; changing it splits every learner's notes in two."""

NOTETYPE_NAME = "MLOps Interview Question (mlops-anki v1)"

FIELDS = (
    "Question",
    "KeyPoints",
    "Explanation",
    "Code",
    "Mistakes",
    "FollowUps",
    "References",
    "Difficulty",
    "Topics",
    "Number",
    "Id",
    "Extra",
)
"""Frozen field list, in order. Extra is a spare, left empty, for a future need."""

SECTIONS = {
    "question": ("Question",),
    "key-points": ("KeyPoints",),
    "explanation": ("Explanation",),
    "code": ("Code",),
    "mistakes": ("Mistakes",),
    "follow-ups": ("FollowUps",),
    "references": ("References",),
    "metadata": ("Difficulty", "Topics", "Number", "Id", "Extra"),
}
"""The parts of a note a changelog names, as groups of FIELDS."""

SECTION_INDEXES = {
    name: tuple(FIELDS.index(f) for f in fields) for name, fields in SECTIONS.items()
}

TEMPLATE_NAME = "Recall"
"""Frozen name of the only card template."""

NOTETYPE_MOD = 1_796_007_551
"""Modification time of the current CSS and templates (Unix seconds, never in the future).

Set it to the current time whenever a template file changes, then update the fingerprint."""

NOTETYPE_FINGERPRINT = "5619007da41365f851c85411ff8d22b831bcc09130883f98cebfe48c307ba317"
"""sha256 of the template files as of NOTETYPE_MOD (see ``fingerprint()``)."""

_TEMPLATE_FILES = ("front.html", "back.html", "style.css", "code.css")


@cache
def _template(name: str) -> str:
    return resources.files("mlops_anki").joinpath("templates", name).read_text(encoding="utf-8")


def template_file(name: str) -> str:
    """The text of ``templates/<name>`` as packaged (shared with the follow-up note type)."""
    return _template(name)


@dataclass(frozen=True)
class NoteType:
    """Everything Anki stores for the note type, as plain values."""

    id: int
    name: str
    fields: tuple[str, ...]
    template_name: str
    front: str
    back: str
    css: str
    mod: int


def note_type() -> NoteType:
    """The current note type, read from the packaged template files."""
    return NoteType(
        id=NOTETYPE_ID,
        name=NOTETYPE_NAME,
        fields=FIELDS,
        template_name=TEMPLATE_NAME,
        front=_template("front.html"),
        back=_template("back.html"),
        css=_template("style.css") + "\n" + _template("code.css"),
        mod=NOTETYPE_MOD,
    )


def fingerprint() -> str:
    """sha256 over the template files, to notice a change that needs a newer NOTETYPE_MOD."""
    digest = hashlib.sha256()
    for name in _TEMPLATE_FILES:
        digest.update(name.encode() + b"\0" + _template(name).encode() + b"\0")
    return digest.hexdigest()


def note_fields(deck: Deck, q: Question, renderer: Renderer) -> list[str]:
    """The HTML of each field of ``q``'s note, in FIELDS order, made inert to Anki's own
    markup (sound and TTS tags, LaTeX, MathJax: see ``inert.py``)."""

    def bullets(items: tuple[str, ...]) -> str:
        if not items:
            return ""
        return "<ul>" + "".join(f"<li>{renderer.inline(i)}</li>" for i in items) + "</ul>"

    code = "".join(
        '<figure class="snippet">'
        + (f"<figcaption>{renderer.inline(s.caption)}</figcaption>" if s.caption else "")
        + renderer.code(s.language, s.source)
        + "</figure>"
        for s in q.code
    )
    follow_ups = ""
    if q.follow_ups:
        follow_ups = (
            "<dl>"
            + "".join(
                f"<dt>{renderer.inline(f.question)}</dt><dd>{renderer.inline(f.answer)}</dd>"
                for f in q.follow_ups
            )
            + "</dl>"
        )
    values = {
        "Question": renderer.inline(q.question),
        "KeyPoints": bullets(q.key_points),
        "Explanation": renderer.block(q.explanation),
        "Code": code,
        "Mistakes": bullets(q.mistakes),
        "FollowUps": follow_ups,
        "References": bullets(q.references),
        "Difficulty": escape(q.difficulty.replace("-", " ").title()),
        "Topics": escape(", ".join(q.topics)),
        "Number": str(q.number),
        "Id": escape(q.id),
        "Extra": "",
    }
    return [inert(values[name]) for name in FIELDS]
