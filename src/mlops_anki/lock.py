"""The shipped-ids lock file: the ids learners already have, so none is lost by accident."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .errors import BuildError
from .loader import LOCK_FILE
from .model import Deck

_HEADER = """\
# Question ids released to learners. Their review history hangs on these ids:
# `mlops-anki validate` and `build` fail when one of them has no question.
# Record new ids at release time with `mlops-anki lock`. To drop a question on purpose,
# move its id from `shipped` to `retired` with the reason.
"""


def record_shipped(deck: Deck) -> list[str]:
    """Add the deck's unrecorded question ids to its lock file (created if missing).

    Returns the ids added, in question-number order. Existing entries are kept as they are.
    """
    known = set(deck.shipped) | set(deck.retired)
    added = [q.id for q in sorted(deck.questions, key=lambda q: q.number) if q.id not in known]
    if added or deck.lock is None:
        _write(deck.path.parent / LOCK_FILE, list(deck.shipped) + added, deck.retired)
    return added


def _write(path: Path, shipped: list[str], retired: dict[str, str]) -> None:
    lines = [_HEADER, "shipped:\n"] + [f"  - {i}\n" for i in shipped]
    if retired:
        lines.append("retired:\n")
        lines += [f"  {i}: {json.dumps(reason, ensure_ascii=False)}\n"
                  for i, reason in retired.items()]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(lines))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BuildError(f"cannot write {path}: {exc.strerror or exc}") from exc
