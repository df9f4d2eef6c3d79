"""What `list` and `stats` report, as plain rows and counts, and their machine-readable forms.

The command line decides how to show them to a person (an aligned table); scripts get the
same data as JSON or CSV from here.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from .model import Deck

LIST_COLUMNS = ("number", "difficulty", "topics", "id", "question")


def question_rows(decks: Iterable[Deck], matches: Any = None) -> list[dict[str, Any]]:
    """One row per question (in number order within each deck) that ``matches`` accepts."""
    rows = []
    for deck in decks:
        for q in sorted(deck.questions, key=lambda q: q.number):
            if matches is None or matches(q):
                rows.append(
                    {
                        "deck": deck.id,
                        "number": q.number,
                        "difficulty": q.difficulty,
                        "topics": list(q.topics),
                        "id": q.id,
                        "question": q.question,
                    }
                )
    return rows


def deck_stats(deck: Deck) -> dict[str, Any]:
    """Counts of one deck: questions, code coverage, and questions per difficulty, topic and
    code language (most frequent first)."""
    qs = deck.questions

    def ranked(counter: Counter[str]) -> dict[str, int]:
        return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))

    return {
        "deck": deck.id,
        "name": deck.name,
        "questions": len(qs),
        "with_code": sum(bool(q.code) for q in qs),
        "explanation_words_mean": sum(len(q.explanation.split()) for q in qs) // max(len(qs), 1),
        "follow_ups": sum(len(q.follow_ups) for q in qs),
        "by_difficulty": ranked(Counter(q.difficulty for q in qs)),
        "by_topic": ranked(Counter(t for q in qs for t in q.topics)),
        "by_language": ranked(Counter(s.language for q in qs for s in q.code)),
    }


def to_json(data: Any) -> str:
    """Indented JSON with a final newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV with a header; list values are joined with ``;``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [";".join(v) if isinstance(v, list) else v for v in (row[c] for c in columns)]
        )
    return out.getvalue()
