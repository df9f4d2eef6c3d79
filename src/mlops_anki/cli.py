"""The ``mlops-anki`` command line: parse options, call the library, print, map errors to
exit codes.

Exit codes: 0 success, 1 corpus or build error (a message, no traceback), 2 usage error.
Heavy modules are imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from .errors import Problem
    from .loader import Corpus
    from .model import Deck

app = typer.Typer(
    name="mlops-anki",
    help="Validate a corpus of interview questions and compile it into Anki decks (.apkg).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DecksOption = Annotated[
    Path | None,
    typer.Option(
        "--decks",
        metavar="DIR",
        exists=True,
        file_okay=False,
        dir_okay=True,
        help="A folder of decks, or one deck folder. Default: ./decks if it exists, "
        "else the corpus bundled with mlops-anki.",
    ),
]
DifficultyOption = Annotated[
    list[str],
    typer.Option(
        "--difficulty", metavar="D", help="Only questions of this difficulty (repeatable)."
    ),
]
TopicOption = Annotated[
    list[str],
    typer.Option("--topic", metavar="T", help="Only questions with this topic (repeatable)."),
]
IdOption = Annotated[
    list[str],
    typer.Option("--id", metavar="ID", help="Only the question with this id (repeatable)."),
]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


class Format(str, Enum):
    """Output formats of ``list`` and ``stats``."""

    table = "table"
    json = "json"
    csv = "csv"


def _stderr():
    """A console on stderr: coloured in a terminal, plain when piped or NO_COLOR is set."""
    from rich.console import Console

    # rich drops colours for NO_COLOR but keeps bold; no-color.org asks for plain text.
    plain = bool(os.environ.get("NO_COLOR"))
    return Console(
        stderr=True, highlight=False, soft_wrap=True, color_system=None if plain else "auto"
    )


_STYLES = {"error": "bold red", "warning": "yellow", "note": "cyan"}


def _say(message: str, kind: str = "error") -> None:
    _stderr().print(message, style=_STYLES.get(kind), markup=False)


def _fail(message: str, code: int = 1) -> typer.Exit:
    _say(message)
    return typer.Exit(code)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@contextmanager
def _errors_to_exit(*, writes: bool = True) -> Iterator[None]:
    """Turn the library's errors into a message on stderr and an exit code, never a traceback:
    1 for corpus and build errors, 2 for unknown filter values, 130 for Ctrl-C."""
    from .errors import CorpusError, MlopsAnkiError, SelectionError

    try:
        yield
    except CorpusError as exc:
        _print_problems(exc.problems)
        raise _fail(f"{exc}; nothing was written." if writes else f"{exc}.") from None
    except SelectionError as exc:
        for option, message in exc.problems:
            _say(f"error: invalid value for {option}: {message}")
        raise typer.Exit(EXIT_USAGE) from None
    except MlopsAnkiError as exc:
        raise _fail(f"error: {exc}") from None
    except KeyboardInterrupt:
        raise _fail(
            "interrupted; no .apkg was replaced." if writes else "interrupted.", EXIT_INTERRUPTED
        ) from None


def _decks_dir(decks: Path | None, *, writes_corpus: bool = False) -> Path:
    """The decks folder to use. Falling back to the bundled corpus is said on stderr, and a
    command that writes into the corpus refuses it (it lives inside the installed package)."""
    from .loader import default_decks_dir

    if decks is not None:
        return decks
    folder = default_decks_dir()
    if folder != Path.cwd() / "decks":
        if writes_corpus:
            raise _fail(
                f"error: no ./decks folder here, and the corpus bundled with mlops-anki "
                f"({folder}) is not to be edited; run this in a clone of the "
                "repository, or pass --decks",
                EXIT_USAGE,
            )
        _say(
            f"note: no ./decks folder here; using the corpus bundled with mlops-anki ({folder})",
            "note",
        )
    return folder


def _load(decks: Path | None, *, strict: bool = False) -> Corpus:
    """Load and validate, or print every problem and exit 1."""
    from .build import load_valid

    with _errors_to_exit(writes=False):
        return load_valid(_decks_dir(decks), strict=strict)


def _load_what_loads(decks: Path | None) -> Corpus:
    """Load and validate without stopping at errors: commands that only read show what
    loaded, then list the problems and exit 1 (see ``_exit_for``)."""
    from .loader import load_corpus
    from .validate import validate

    corpus = load_corpus(_decks_dir(decks))
    corpus.problems.extend(validate(corpus.decks))
    return corpus


def _exit_for(corpus: Corpus) -> None:
    """After a read-only command's output: the corpus's errors on stderr and exit 1, if it
    has any (warnings are for ``validate``)."""
    if corpus.errors:
        _print_problems(sorted(corpus.errors))
        raise _fail(
            f"{_plural(len(corpus.errors), 'error')} in the corpus: the output above "
            "shows only what loaded."
        )


def _print_problems(problems: Iterable[Problem]) -> None:
    console = _stderr()
    for problem in problems:
        console.print(str(problem), style=_STYLES[problem.severity.value], markup=False)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"mlops-anki {version('mlops-anki')}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Validate a corpus of interview questions and compile it into Anki decks (.apkg)."""


@app.command()
def build(
    decks: DecksOption = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="DIR", help="Folder for the .apkg files.")
    ] = Path("dist"),
    difficulty: DifficultyOption = [],
    topic: TopicOption = [],
    id: IdOption = [],
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
    no_follow_ups: Annotated[
        bool,
        typer.Option(
            "--no-follow-ups", help="Leave out the follow-up cards (the file name says so)."
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=1,
            help="Processes that render notes. Default: one per CPU (small decks use fewer). "
            "The output is the same for any N.",
        ),
    ] = None,
) -> None:
    """Compile each deck into OUTPUT/<deck id>-<version>.apkg.

    Filters build a subset deck with the same note ids and deck names, so it merges with the
    full deck on import; its file name says what it holds (<deck id>-<version>-only-...),
    so it never replaces the full deck's file.

    Example: mlops-anki build --output dist --difficulty senior --topic serving
    """
    from .build import Selection
    from .build import build as run_build
    from .workers import default_jobs

    selection = Selection(tuple(difficulty), tuple(topic), tuple(id), follow_ups=not no_follow_ups)
    progress = _Progress()
    try:
        with _errors_to_exit():
            report = run_build(
                _decks_dir(decks),
                output,
                selection=selection,
                strict=strict,
                progress=progress,
                jobs=default_jobs() if jobs is None else jobs,
            )
    finally:
        progress.close()
    _print_problems(report.warnings)
    for deck in report.decks:
        typer.echo(f"Wrote {deck.path} ({deck.size / 1024:.1f} KiB, {_plural(deck.notes, 'note')})")
        for name, count in deck.notes_per_deck.items():
            typer.echo(f"  {name}: {count}")


class _Progress:
    """A progress bar on stderr for long builds in a terminal; silent otherwise. It shows a
    count, not an ETA: rendering in workers reports in bursts, so an ETA would mislead."""

    THRESHOLD = 500

    def __init__(self) -> None:
        self._bar: Any = None  # typer's (click's) ProgressBar once a long build starts

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None and total >= self.THRESHOLD and sys.stderr.isatty():
            self._bar = typer.progressbar(
                length=total, label="Rendering", file=sys.stderr, show_eta=False, show_pos=True
            )
            self._bar.__enter__()
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@app.command()
def preview(
    decks: DecksOption = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="DIR", help="Folder for index.html.")
    ] = Path("preview"),
) -> None:
    """Write OUTPUT/index.html: every card's front and back, as Anki shows them.

    The page works offline; switch night mode and phone width, search, and filter by
    difficulty and topic in its toolbar.

    Example: mlops-anki preview --output preview
    """
    from .preview import write_preview

    with _errors_to_exit():
        report = write_preview(_decks_dir(decks), output)
    typer.echo(f"Wrote {report.index} ({_plural(report.cards, 'card')}); open it in a browser.")


@app.command()
def validate(
    decks: DecksOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
) -> None:
    """Check the corpus and list every problem as path:line:col: message.

    Example: mlops-anki validate --decks decks --strict
    """
    corpus = _load(decks, strict=strict)
    _print_problems(sorted(corpus.problems))
    count = sum(len(d.questions) for d in corpus.decks)
    warned = f", {_plural(len(corpus.warnings), 'warning')}" if corpus.warnings else ""
    typer.echo(f"OK: {_plural(len(corpus.decks), 'deck')}, {_plural(count, 'question')}{warned}.")


FormatOption = Annotated[
    Format,
    typer.Option(
        "--format", "-f", case_sensitive=False, help="table for people; json or csv for scripts."
    ),
]


@app.command("list")
def list_questions(
    decks: DecksOption = None,
    difficulty: DifficultyOption = [],
    topic: TopicOption = [],
    id: IdOption = [],
    format: FormatOption = Format.table,
) -> None:
    """List questions: number, difficulty, topics, id and question.

    Shows what loads even while some files have errors (listed on stderr, exit 1), so the
    next free number can be looked up in the middle of an edit.

    Example: mlops-anki list --difficulty senior --topic llmops
    """
    from .build import Selection, check_selection
    from .listing import LIST_COLUMNS, question_rows, to_csv, to_json

    corpus = _load_what_loads(decks)
    selection = Selection(tuple(difficulty), tuple(topic), tuple(id))
    with _errors_to_exit(writes=False):
        check_selection(corpus, selection)
    rows = question_rows(corpus.decks, selection.matches)
    if format is Format.json:
        typer.echo(to_json(rows), nl=False)
    elif format is Format.csv:
        typer.echo(to_csv(rows, ("deck",) + LIST_COLUMNS), nl=False)
    else:
        _table(
            ["#", "difficulty", "topics", "id", "question"],
            [
                [str(r["number"]), r["difficulty"], ", ".join(r["topics"]), r["id"], r["question"]]
                for r in rows
            ],
            wrap=(2, 4),
        )
    _exit_for(corpus)


def _table(header: list[str], rows: list[list[str]], *, wrap: tuple[int, ...] = ()) -> None:
    """An aligned table with a header, fitted to the terminal's width (80 when piped); the
    columns in ``wrap`` fold their text, the others keep it on one line."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "100"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    for i, name in enumerate(header):
        table.add_column(
            name, no_wrap=i not in wrap, overflow="fold", justify="right" if name == "#" else "left"
        )
    for row in rows:
        table.add_row(*row)
    Console(width=width, highlight=False).print(table, markup=False)


@app.command()
def stats(
    decks: DecksOption = None,
    format: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="table for people; json for scripts (csv is not offered: the data is nested).",
        ),
    ] = Format.table,
) -> None:
    """Count questions per difficulty and topic, and code snippets per language.

    Example: mlops-anki stats --format json
    """
    from .listing import deck_stats, to_json

    if format is Format.csv:
        raise _fail("error: stats has no csv form; use --format json", EXIT_USAGE)
    corpus = _load_what_loads(decks)
    all_stats = [deck_stats(deck) for deck in corpus.decks]
    if format is Format.json:
        typer.echo(to_json(all_stats), nl=False)
    for st in all_stats if format is Format.table else ():
        n = st["questions"]
        typer.echo(
            f"{st['name']} ({st['deck']}): {_plural(n, 'question')}, "
            f"{_plural(st['follow_ups'], 'follow-up')}"
        )
        typer.echo(
            f"  with code: {st['with_code']} ({100 * st['with_code'] // max(n, 1)}%), "
            f"explanation words: {st['explanation_words_mean']} on average"
        )
        for title, key in (
            ("difficulty", "by_difficulty"),
            ("topic", "by_topic"),
            ("code language", "by_language"),
        ):
            _table(
                [title, "questions" if key != "by_language" else "snippets"],
                [[k, str(v)] for k, v in st[key].items()],
            )
    _exit_for(corpus)


@app.command()
def filters(decks: DecksOption = None) -> None:
    """Print ready-to-paste Anki searches for each difficulty and topic, and for the
    follow-up cards.

    Paste one into Tools > Create Filtered Deck > Search in Anki.

    Example: mlops-anki filters
    """
    from .followups import follow_up_tag

    corpus = _load_what_loads(decks)
    for deck in corpus.decks:
        p = deck.tag_prefix
        follow_ups = follow_up_tag(p)
        typer.echo(f"# {deck.name}")
        typer.echo(f"{'All cards:':<32} tag:{p}::*")
        typer.echo(f"{'Follow-up cards only:':<32} tag:{follow_ups}")
        typer.echo(f"{'Questions only, no follow-ups:':<32} -tag:{follow_ups} tag:{p}::*")
        for d in deck.difficulties:
            typer.echo(f"{d.title() + ' questions:':<32} tag:{p}::difficulty::{d}")
        for t in deck.topics:
            typer.echo(f"{'Topic ' + t + ':':<32} tag:{p}::topic::{t}")
        if deck.difficulties and deck.topics:
            d, t = deck.difficulties[-1], next(iter(deck.topics))
            typer.echo(
                f"{'Example, ' + d + ' ' + t + ':':<32} "
                f"tag:{p}::difficulty::{d} tag:{p}::topic::{t}"
            )
    _exit_for(corpus)


@app.command()
def new(
    question: Annotated[
        str, typer.Argument(metavar="QUESTION", help="The question, as the card will ask it.")
    ],
    difficulty: Annotated[
        str, typer.Option("--difficulty", metavar="D", help="One of deck.yaml's difficulties.")
    ],
    topic: Annotated[
        list[str],
        typer.Option("--topic", metavar="T", help="A key of deck.yaml's topics (1-3; repeatable)."),
    ],
    decks: DecksOption = None,
    deck: Annotated[
        str | None,
        typer.Option("--deck", metavar="ID", help="The deck, when the folder holds several."),
    ] = None,
    id: Annotated[
        str | None,
        typer.Option(
            "--id",
            metavar="ID",
            help="The question's permanent id. Default: derived from the question's words.",
        ),
    ] = None,
) -> None:
    """Start a question file: questions/NNN-<id>.yaml with the next free number and a hint
    in every field.

    Example: mlops-anki new "How do you roll back a model?" --difficulty senior --topic deployment
    """
    from .scaffold import new_question

    corpus = _load_what_loads(_decks_dir(decks, writes_corpus=True))
    target = _one_deck(corpus.decks, deck)
    _check_choice("--difficulty", [difficulty], target.difficulties)
    _check_choice("--topic", topic, list(target.topics))
    if not 1 <= len(topic) <= 3:
        raise _fail("error: invalid value for --topic: give 1-3 topics", EXIT_USAGE)
    if id is not None:
        from .schema import SLUG_RE

        if not SLUG_RE.fullmatch(id) or id in {q.id for q in target.questions}:
            raise _fail(
                f"error: invalid value for --id: {id!r} is not a new slug (lowercase "
                "letters, digits and single hyphens)",
                EXIT_USAGE,
            )
    with _errors_to_exit(writes=False):
        made = new_question(target, question, difficulty=difficulty, topics=topic, question_id=id)
    typer.echo(f"Wrote {made.path} (number {made.number}, id {made.id})")
    typer.echo(
        "Next: fill in every field (CONTRIBUTING.md says how), then run\n"
        "  mlops-anki validate --strict   # lists what is still missing\n"
        "  mlops-anki preview             # see the card as Anki shows it"
    )


def _one_deck(decks: list[Deck], deck_id: str | None) -> Deck:
    ids = [d.id for d in decks]
    if deck_id is None and len(decks) == 1:
        return decks[0]
    if deck_id in ids:
        return decks[ids.index(deck_id)]
    raise _fail(f"error: choose a deck with --deck; known: {', '.join(ids) or 'none'}", EXIT_USAGE)


def _check_choice(option: str, values: list[str], known: Iterable[str]) -> None:
    import difflib

    known = list(known)
    for value in values:
        if value not in known:
            close = difflib.get_close_matches(value, known, n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ";"
            raise _fail(
                f"error: invalid value for {option}: unknown value {value!r}{hint} "
                f"known: {', '.join(known)}",
                EXIT_USAGE,
            )


@app.command()
def release(
    version: Annotated[
        str | None,
        typer.Argument(
            metavar="VERSION", help="The new version, MAJOR.MINOR.PATCH (optional with --dry-run)."
        ),
    ] = None,
    decks: DecksOption = None,
    deck: Annotated[
        str | None,
        typer.Option(
            "--deck", metavar="ID", help="The deck to release, when the folder holds several."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the changelog entry and write nothing.")
    ] = False,
) -> None:
    """Record a release: write <deck>/release.yaml and prepend an entry to <deck>/CHANGELOG.md.

    The manifest keeps each note's fingerprint and publication time, so later builds update
    in Anki only the notes that changed. Refuses a corpus with errors or warnings, and a
    version not greater than the last (major for a note type schema change, at least minor
    for new questions).

    Example: mlops-anki release 1.1.0 --dry-run
    """
    from .release import plan_release, write_release

    if version is None and not dry_run:
        raise _fail("error: give the new VERSION (or --dry-run to see what changed)", EXIT_USAGE)
    folder = _decks_dir(decks, writes_corpus=not dry_run)
    with _errors_to_exit(writes=not dry_run):
        plan = plan_release(folder, version, deck_id=deck)
        if not plan.has_changes:
            typer.echo(
                f"No changes since version {plan.previous.version} ({plan.previous.released})."
            )
            if dry_run:
                return
        typer.echo(plan.changelog_entry(), nl=False)
        if dry_run:
            return
        written = write_release(plan)
    typer.echo(f"\nWrote {', '.join(str(p) for p in written)}.")
    typer.echo(
        f"Next: commit them, then `mlops-anki build` writes {plan.deck.id}-{plan.version}.apkg."
    )


def main() -> None:
    """Console-script entry point."""
    app()
