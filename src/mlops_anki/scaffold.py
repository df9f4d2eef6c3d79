"""Start a new question file: the next free number, an id derived from the question, and every
field with a short hint, so that ``validate`` then lists exactly what is left to write."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError
from .loader import QUESTIONS_DIR
from .model import Deck

_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "how",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "you",
        "your",
    ]
)
MAX_ID_WORDS = 5


@dataclass(frozen=True)
class NewQuestion:
    """The file written for a new question, with its number and id."""

    path: Path
    number: int
    id: str


def derive_id(question: str, taken: set[str]) -> str:
    """A slug from the question's significant words, unique among ``taken``."""
    words = [w for w in re.findall(r"[a-z0-9]+", question.lower()) if w not in _STOP_WORDS]
    base = "-".join(words[:MAX_ID_WORDS]) or "question"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def new_question(
    deck: Deck, question: str, *, difficulty: str, topics: list[str], question_id: str | None = None
) -> NewQuestion:
    """Write ``questions/NNN-<id>.yaml`` for ``question`` with the next free number.

    The caller has checked ``difficulty`` and ``topics`` against the deck. Raises BuildError
    when the file cannot be written or already exists."""
    taken = {q.id for q in deck.questions} | set(deck.shipped) | set(deck.retired)
    qid = question_id or derive_id(question, taken)
    number = max((q.number for q in deck.questions), default=0) + 1
    path = deck.path.parent / QUESTIONS_DIR / f"{number:03d}-{qid}.yaml"
    text = _TEMPLATE.format(
        id=qid,
        number=number,
        difficulty=difficulty,
        topics=", ".join(topics),
        question=json.dumps(question.strip()),
    )
    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise BuildError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return NewQuestion(path, number, qid)


_TEMPLATE = """\
id: {id}  # permanent: the note's identity; never change it once released
number: {number}
difficulty: {difficulty}
topics: [{topics}]  # 1-3, most relevant first
question: {question}
key_points:  # 4-7 bullets, one idea and at most 20 words each, at most 120 words in all
  -
explanation: |  # Markdown, 120-450 words: how it works, trade-offs, failure modes
code:  # 0-3 snippets of 5-40 lines using real APIs; delete this field if none fits
  - language: python  # python, yaml, json, toml, bash, sql, dockerfile, promql, text
    caption:  # one line saying what the snippet shows
    source: |
mistakes:  # 2-4 common mistakes
  -
follow_ups:  # 2-4 questions an interviewer asks next
  - id:  # permanent slug naming the follow-up's subject, unique in this question
    question:
    answer:  # 1-3 sentences
references:  # 0-3 canonical works, by name (never an invented citation); optional
"""
