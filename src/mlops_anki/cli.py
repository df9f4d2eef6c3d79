"""The ``mlops-anki`` command line: parse options, call the library, print, map errors to exit codes.

Exit codes: 0 success, 1 corpus or build error (a message, no traceback), 2 usage error.
Heavy modules are imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from .loader import Corpus

app = typer.Typer(
    name="mlops-anki",
    help="Validate a corpus of interview questions and compile it into Anki decks (.apkg).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DecksOption = Annotated[Optional[Path], typer.Option(
    "--decks", metavar="DIR",
    help="A folder of decks, or one deck folder. Default: ./decks if it exists, "
         "else the corpus bundled with mlops-anki.")]
DifficultyOption = Annotated[list[str], typer.Option(
    "--difficulty", metavar="D", help="Only questions of this difficulty (repeatable).")]
TopicOption = Annotated[list[str], typer.Option(
    "--topic", metavar="T", help="Only questions with this topic (repeatable).")]


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@contextmanager
def _errors_to_exit() -> Iterator[None]:
    """Turn the library's errors into a message on stderr and exit code 1, never a traceback."""
    from .errors import CorpusError, MlopsAnkiError

    try:
        yield
    except CorpusError as exc:
        _print_problems(exc.problems)
        raise _fail(f"{exc}; nothing was written.") from None
    except MlopsAnkiError as exc:
        raise _fail(f"error: {exc}") from None
    except KeyboardInterrupt:
        raise _fail("interrupted; no .apkg was replaced.") from None


def _decks_dir(decks: Optional[Path]) -> Path:
    from .loader import default_decks_dir

    return decks if decks is not None else default_decks_dir()


def _load(decks: Optional[Path], *, strict: bool = False) -> "Corpus":
    """Load and validate, or print every problem and exit 1."""
    from .build import load_valid

    with _errors_to_exit():
        return load_valid(_decks_dir(decks), strict=strict)


def _print_problems(problems) -> None:
    for problem in problems:
        typer.echo(str(problem), err=True)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"mlops-anki {version('mlops-anki')}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Validate a corpus of interview questions and compile it into Anki decks (.apkg)."""


@app.command()
def build(
    decks: DecksOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR",
                                         help="Folder for the .apkg files.")] = Path("dist"),
    difficulty: DifficultyOption = [],
    topic: TopicOption = [],
    id: Annotated[list[str], typer.Option("--id", metavar="ID",
                                          help="Only the question with this id (repeatable).")] = [],
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
    no_follow_ups: Annotated[bool, typer.Option(
        "--no-follow-ups", help="Leave out the follow-up cards (the file name says so).")] = False,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", metavar="N", min=1,
        help="Processes that render notes. Default: one per CPU (small decks use fewer). "
             "The output is the same for any N.")] = None,
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

    selection = Selection(tuple(difficulty), tuple(topic), tuple(id),
                          follow_ups=not no_follow_ups)
    progress = _Progress()
    try:
        with _errors_to_exit():
            report = run_build(_decks_dir(decks), output, selection=selection, strict=strict,
                               progress=progress, jobs=default_jobs() if jobs is None else jobs)
    finally:
        progress.close()
    _print_problems(report.warnings)
    for deck in report.decks:
        typer.echo(f"Wrote {deck.path} ({deck.size / 1024:.1f} KiB, {deck.notes} notes)")
        for name, count in deck.notes_per_deck.items():
            typer.echo(f"  {name}: {count}")


class _Progress:
    """A progress bar on stderr for long builds in a terminal; silent otherwise."""

    THRESHOLD = 500

    def __init__(self) -> None:
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None and total >= self.THRESHOLD and sys.stderr.isatty():
            self._bar = typer.progressbar(length=total, label="Rendering", file=sys.stderr)
            self._bar.__enter__()
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@app.command()
def preview(
    decks: DecksOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR",
                                         help="Folder for index.html.")] = Path("preview"),
) -> None:
    """Write OUTPUT/index.html: every card's front and back, as Anki shows them.

    The page works offline; switch night mode and phone width, search, and filter by
    difficulty and topic in its toolbar.

    Example: mlops-anki preview --output preview
    """
    from .preview import write_preview

    with _errors_to_exit():
        report = write_preview(_decks_dir(decks), output)
    typer.echo(f"Wrote {report.index} ({report.cards} cards); open it in a browser.")


@app.command()
def validate(
    decks: DecksOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
) -> None:
    """Check the corpus and list every problem as path:line:col: message.

    Example: mlops-anki validate --decks decks --strict
    """
    corpus = _load(decks, strict=strict)
    _print_problems(corpus.problems)
    count = sum(len(d.questions) for d in corpus.decks)
    warned = f", {len(corpus.problems)} warning(s)" if corpus.problems else ""
    typer.echo(f"OK: {len(corpus.decks)} deck(s), {count} questions{warned}.")


@app.command("list")
def list_questions(
    decks: DecksOption = None,
    difficulty: DifficultyOption = [],
    topic: TopicOption = [],
) -> None:
    """List questions: number, difficulty, topics, id and question.

    Example: mlops-anki list --difficulty senior --topic llmops
    """
    from .build import Selection

    corpus = _load(decks)
    selection = Selection(tuple(difficulty), tuple(topic))
    for deck in corpus.decks:
        for q in sorted(deck.questions, key=lambda q: q.number):
            if selection.matches(q):
                typer.echo(f"{q.number:>3}  {q.difficulty:<12} {','.join(q.topics):<32} "
                           f"{q.id}  {q.question}")


@app.command()
def stats(decks: DecksOption = None) -> None:
    """Count questions per difficulty and topic, and code snippets per language.

    Example: mlops-anki stats
    """
    from collections import Counter

    corpus = _load(decks)
    for deck in corpus.decks:
        qs = deck.questions
        with_code = sum(bool(q.code) for q in qs)
        words = sum(len(q.explanation.split()) for q in qs)
        typer.echo(f"{deck.name} ({deck.id}): {len(qs)} questions")
        typer.echo(f"  with code: {with_code} ({100 * with_code // max(len(qs), 1)}%), "
                   f"explanation words: {words // max(len(qs), 1)} on average")
        for title, counter in (
            ("difficulty", Counter(q.difficulty for q in qs)),
            ("topic", Counter(t for q in qs for t in q.topics)),
            ("code language", Counter(s.language for q in qs for s in q.code)),
        ):
            typer.echo(f"  by {title}:")
            for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
                typer.echo(f"    {key:<24} {n}")


@app.command()
def filters(decks: DecksOption = None) -> None:
    """Print ready-to-paste Anki searches for each difficulty and topic.

    Paste one into Tools > Create Filtered Deck > Search in Anki.

    Example: mlops-anki filters
    """
    corpus = _load(decks)
    for deck in corpus.decks:
        p = deck.tag_prefix
        typer.echo(f"# {deck.name}")
        typer.echo(f"All questions:{'':<18} tag:{p}::*")
        for d in deck.difficulties:
            typer.echo(f"{d.title() + ' questions:':<32} tag:{p}::difficulty::{d}")
        for t in deck.topics:
            typer.echo(f"{'Topic ' + t + ':':<32} tag:{p}::topic::{t}")
        if deck.difficulties and deck.topics:
            d, t = deck.difficulties[-1], next(iter(deck.topics))
            typer.echo(f"{'Example, ' + d + ' ' + t + ':':<32} "
                       f"tag:{p}::difficulty::{d} tag:{p}::topic::{t}")


@app.command()
def release(
    version: Annotated[Optional[str], typer.Argument(
        metavar="VERSION", help="The new version, MAJOR.MINOR.PATCH (optional with "
                                  "--dry-run).")] = None,
    decks: DecksOption = None,
    deck: Annotated[Optional[str], typer.Option(
        "--deck", metavar="ID", help="The deck to release, when the folder holds several.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the changelog entry and write nothing.")] = False,
) -> None:
    """Record a release: write <deck>/release.yaml and prepend an entry to <deck>/CHANGELOG.md.

    The manifest keeps each note's fingerprint and publication time, so later builds update
    in Anki only the notes that changed. Refuses a corpus with errors or warnings, and a
    version not greater than the last (major for a note type schema change, at least minor
    for new questions).

    Example: mlops-anki release 1.1.0 --dry-run
    """
    from .loader import bundled_decks
    from .release import plan_release, write_release

    folder = _decks_dir(decks)
    if not dry_run and folder == bundled_decks():
        raise _fail(f"error: {folder} is the corpus bundled with the installed package; run "
                    "release in a clone of the repository (or pass --decks)")
    if version is None and not dry_run:
        typer.echo("error: give the new VERSION (or --dry-run to see what changed)", err=True)
        raise typer.Exit(2)
    with _errors_to_exit():
        plan = plan_release(folder, version, deck_id=deck)
        if not plan.has_changes:
            typer.echo(f"No changes since version {plan.previous.version} "
                       f"({plan.previous.released}).")
            if dry_run:
                return
        typer.echo(plan.changelog_entry(), nl=False)
        if dry_run:
            return
        written = write_release(plan)
    typer.echo(f"\nWrote {', '.join(str(p) for p in written)}.")
    typer.echo(f"Next: commit them, then `mlops-anki build` writes "
               f"{plan.deck.id}-{plan.version}.apkg.")


def main() -> None:
    """Console-script entry point."""
    app()
