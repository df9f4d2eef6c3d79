"""Find decks on disk and load them into the model, collecting every problem on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import Problem, Severity
from .manifest import MANIFEST_FILE
from .model import Deck, FollowUp, Question, Snippet
from .schema import DECK, MANIFEST, QUESTION, Record, label
from .yamlsource import Document, read_yaml

DECK_FILE = "deck.yaml"
OLD_LOCK_FILE = "shipped-ids.yaml"
"""The shipped-ids lock that release.yaml replaced."""
QUESTIONS_DIR = "questions"


@dataclass
class Corpus:
    """Everything loaded from a decks folder: the decks that loaded, and all problems met."""

    root: Path
    decks: list[Deck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop a build whatever the strictness."""
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """Problems that stop a build only under ``--strict``."""
        return [p for p in self.problems if p.severity is Severity.WARNING]


def bundled_decks() -> Path:
    """The corpus shipped inside the installed package (the repository's ``decks/``)."""
    return Path(str(resources.files("mlops_anki.decks")))


def default_decks_dir(cwd: Path | None = None) -> Path:
    """``./decks`` when it exists, else the bundled corpus."""
    local = (cwd or Path.cwd()) / "decks"
    return local if local.is_dir() else bundled_decks()


def find_deck_dirs(root: Path) -> list[Path]:
    """``root`` itself if it is a deck folder, else its deck sub-folders, sorted.

    A folder with a deck.yaml or a questions/ folder is a deck (so a lost deck.yaml is
    reported, not silently skipped)."""

    def is_deck(folder: Path) -> bool:
        try:
            return (folder / DECK_FILE).is_file() or (folder / QUESTIONS_DIR).is_dir()
        except OSError:  # e.g. no permission to look inside: report it when loading
            return True

    if is_deck(root):
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and is_deck(p))


def _listing(folder: Path, problems: list[Problem]) -> list[Path] | None:
    """The sorted entries of ``folder``, or None and a problem when it cannot be listed."""
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        problems.append(Problem(folder, 0, 0, f"cannot list the folder: {exc.strerror or exc}"))
        return None


def load_corpus(root: Path) -> Corpus:
    """Load every deck below ``root``. Never raises for bad input: problems are collected."""
    corpus = Corpus(root=root)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        corpus.problems.append(
            Problem(
                root, 0, 0, f"decks folder {what}; expected a folder holding <deck>/{DECK_FILE}"
            )
        )
        return corpus
    try:
        deck_dirs = find_deck_dirs(root)
    except OSError as exc:
        corpus.problems.append(
            Problem(root, 0, 0, f"cannot list the decks folder: {exc.strerror or exc}")
        )
        return corpus
    if not deck_dirs:
        corpus.problems.append(
            Problem(root, 0, 0, f"no deck found; expected {DECK_FILE} here or in a sub-folder")
        )
    for deck_dir in deck_dirs:
        try:
            deck = _load_deck(deck_dir, corpus.problems)
        except OSError as exc:  # a folder or file that cannot even be looked at
            where = Path(exc.filename) if exc.filename else deck_dir
            corpus.problems.append(Problem(where, 0, 0, f"cannot read: {exc.strerror or exc}"))
            continue
        if deck is not None:
            corpus.decks.append(deck)
    return corpus


def _load_deck(deck_dir: Path, problems: list[Problem]) -> Deck | None:
    deck_path = deck_dir / DECK_FILE
    doc = _read_checked(deck_path, DECK, deck_dir, problems)
    questions = []
    # Ids of question files that failed to load, so that their ids do not also show up as
    # "shipped id has no question"; None stands for a file whose id could not be read.
    broken_ids: set[str | None] = set()
    qdir = deck_dir / QUESTIONS_DIR
    if not qdir.is_dir():
        problems.append(
            Problem(
                qdir, 0, 0, "questions folder is missing; expected one YAML file per question in it"
            )
        )
    else:
        entries = _listing(qdir, problems)
        if entries is None:
            broken_ids.add(None)  # which questions exist is unknown: judge no released id
        for path in entries or ():
            # Any other spelling of the suffix (.yml, .YAML) would be skipped silently.
            if (path.suffix.lower() in (".yml", ".yaml") and path.suffix != ".yaml") or (
                path.suffix == ".yaml" and not path.is_file()
            ):
                problems.append(Problem(path, 0, 0, "expected a regular file named *.yaml"))
            if path.suffix != ".yaml" or not path.is_file():
                continue
            qdoc = _read_parsed(path, QUESTION, deck_dir, problems)
            if qdoc is not None and _shape_ok(qdoc, QUESTION, problems):
                questions.append(_question(qdoc))
            else:
                broken_ids.add(_declared_id(qdoc))
    manifest = None
    if (deck_dir / OLD_LOCK_FILE).exists():
        problems.append(
            Problem(
                deck_dir / OLD_LOCK_FILE,
                0,
                0,
                (
                    f"{OLD_LOCK_FILE} is replaced by {MANIFEST_FILE}; record a release with "
                    "`mlops-anki release VERSION`, then delete this file"
                ),
            )
        )
    if (deck_dir / MANIFEST_FILE).exists() or (deck_dir / MANIFEST_FILE).is_symlink():
        manifest = _read_checked(
            deck_dir / MANIFEST_FILE, MANIFEST, deck_dir, problems, machine_written=True
        )
        if manifest is None:
            return None  # without a readable manifest, released ids cannot be protected
    if doc is None:
        return None
    data = doc.data
    return Deck(
        id=data["id"],
        name=data["name"].strip(),
        description=data.get("description") or "",
        tag_prefix=data["tag_prefix"],
        difficulties=tuple(data["difficulties"]),
        topics=dict(data["topics"]),
        path=deck_path,
        doc=doc,
        questions=tuple(questions),
        manifest_doc=manifest,
        broken_ids=None
        if None in broken_ids
        else frozenset(i for i in broken_ids if i is not None),
    )


def _read_checked(
    path: Path,
    record: Record,
    deck_dir: Path,
    problems: list[Problem],
    *,
    machine_written: bool = False,
) -> Document | None:
    """Read ``path`` and check its shape; return the document only if it is fully usable."""
    doc = _read_parsed(path, record, deck_dir, problems, machine_written=machine_written)
    return doc if doc is not None and _shape_ok(doc, record, problems) else None


def _read_parsed(
    path: Path,
    record: Record,
    deck_dir: Path,
    problems: list[Problem],
    *,
    machine_written: bool = False,
) -> Document | None:
    """Read and parse ``path``; the document if it parsed without problems (shape unchecked)."""
    if path.exists() and not _inside(path, deck_dir):
        problems.append(
            Problem(
                path,
                0,
                0,
                "file is reached through a symlink that leads "
                f"outside the deck folder {deck_dir}; copy the "
                "file in instead",
            )
        )
        return None
    if not path.is_file():
        problems.append(Problem(path, 0, 0, f"file is missing; expected {record.expected}"))
        return None
    # The manifest grows with the deck (about 12 values and 400 bytes a note), so it gets
    # limits sized for decks of tens of thousands of notes; question files keep the tight ones.
    doc, found = read_yaml(path, scale=64 if machine_written else 1)
    problems.extend(found)
    return None if found else doc


def _shape_ok(doc: Document, record: Record, problems: list[Problem]) -> bool:
    """Check ``doc`` against ``record``, adding a problem for each mismatch."""
    count = len(problems)
    for key, message, at_key in record.check(doc.data):
        place = label(key[:-1] if at_key else key)
        problems.append(
            doc.problem(key, f"{place}: {message}" if place else message, at_key=at_key)
        )
    return len(problems) == count


def _declared_id(doc: Document | None) -> str | None:
    """The id a question file declares, even if the file failed its checks (None if unknown)."""
    data = doc.data if doc is not None else None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _question(doc: Document) -> Question:
    data: dict[str, Any] = doc.data
    return Question(
        id=data["id"],
        number=data["number"],
        difficulty=data["difficulty"],
        topics=tuple(data["topics"]),
        question=data["question"].strip(),
        key_points=tuple(k.strip() for k in data["key_points"]),
        explanation=data["explanation"],
        code=tuple(
            Snippet(
                language=c["language"], source=c["source"], caption=(c.get("caption") or "").strip()
            )
            for c in data.get("code") or ()
        ),
        mistakes=tuple(m.strip() for m in data["mistakes"]),
        follow_ups=tuple(
            FollowUp(question=f["question"].strip(), answer=f["answer"].strip(), id=f["id"])
            for f in data["follow_ups"]
        ),
        references=tuple(r.strip() for r in data.get("references") or ()),
        source_label=(data.get("source_label") or "").strip(),
        path=doc.path,
        doc=doc,
    )
