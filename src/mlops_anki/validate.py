"""Checks across a loaded corpus: uniqueness, taxonomy, Markdown fences, snippet syntax, ranges.

Hard rules are errors. The length and count ranges of the content standard are warnings,
which ``--strict`` turns into errors.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import yaml

from .errors import Problem, Severity
from .manifest import follow_up_key, parent_of
from .model import Deck, Question
from .yamlsource import Key, compose_all

SYNTAX_CHECKED = ("python", "yaml", "json", "toml", "bash")

# (field, minimum, maximum) counts from the content standard; outside them is a warning.
COUNT_RANGES = (
    ("topics", 1, 3),
    ("key_points", 4, 7),
    ("code", 0, 3),
    ("mistakes", 2, 4),
    ("follow_ups", 2, 4),
    ("references", 0, 3),
)
EXPLANATION_WORDS = (120, 450)
KEY_POINT_MAX_WORDS = 20
KEY_POINTS_MAX_TOTAL_WORDS = 120
"""Key points, standard version 2: one idea per bullet, the whole answer readable in 60 s."""
SNIPPET_LINES = (5, 40)
FILLER_RE = re.compile(r"\b(TODO|TBD|FIXME|lorem ipsum|as an AI)\b", re.IGNORECASE)
_FILLER_WORDS = ("todo", "tbd", "fixme", "lorem ipsum", "as an ai")
_FENCE_RE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_TOML_POS_RE = re.compile(r"\(at line (\d+), column (\d+)\)")
_BASH_POS_RE = re.compile(r"line (\d+):")

SyntaxResult = tuple[int, int, str] | None
"""(line, column, message) of a snippet's first syntax error, or None when it parses."""


def validate(decks: Iterable[Deck]) -> list[Problem]:
    """Every cross-file problem in ``decks`` (errors, warnings and notes), in no particular
    order."""
    decks = list(decks)
    sources = list(_bash_sources(decks))
    bash = check_bash_all(sources)
    problems: list[Problem] = []
    seen: dict[str, Deck] = {}
    for deck in decks:
        # The deck id names the package file and namespaces every note's GUID: two folders
        # with one id would overwrite each other's .apkg and share note identities.
        if deck.id in seen:
            problems.append(
                deck.doc.problem(
                    ("id",), (f"duplicate deck id {deck.id!r}; also used by {seen[deck.id].path}")
                )
            )
        else:
            seen[deck.id] = deck
        problems.extend(_check_deck(deck, bash))
    if sources and bash_executable() is None:
        # Degrade, never lie: the snippets are not blamed for a tool this machine lacks.
        problems.append(
            Problem(
                decks[0].path.parent,
                0,
                0,
                (
                    f"bash was not found on PATH, so {len(set(sources))} bash snippet(s) were not "
                    "syntax-checked; install bash to check them"
                ),
                Severity.NOTE,
            )
        )
    return problems


@cache
def bash_executable() -> str | None:
    """Path of ``bash``, or None where there is none (Windows without Git Bash)."""
    return shutil.which("bash")


def _bash_sources(decks: list[Deck]) -> Iterator[str]:
    for deck in decks:
        texts = [deck.description] + [
            text for q in deck.questions for _, text in _markdown_fields(q)
        ]
        for text in texts:
            yield from (body for _, language, body in _fences(text) if language == "bash")
        for q in deck.questions:
            yield from (s.source for s in q.code if s.language == "bash")


def check_bash_all(sources: Iterable[str]) -> dict[str, SyntaxResult]:
    """``bash -n`` on each distinct source, several at a time; maps source to its result.

    Each snippet still gets a bash process of its own, so that one snippet's unclosed quote
    or heredoc can never hide another's error; the processes run concurrently because
    starting bash, not parsing, is what costs (a few milliseconds each).
    """
    unique = list(dict.fromkeys(sources))
    if len(unique) <= 1:
        return {source: _bash_error(source) for source in unique}
    workers = min(len(unique), 2 * (os.cpu_count() or 1) + 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(unique, pool.map(_bash_error, unique)))


def _check_deck(deck: Deck, bash: Mapping[str, SyntaxResult]) -> Iterator[Problem]:
    seen_ids: dict[str, Question] = {}
    seen_numbers: dict[int, Question] = {}
    for q in deck.questions:
        if q.id in seen_ids:
            yield q.doc.problem(
                ("id",), f"duplicate id {q.id!r}; also used by {seen_ids[q.id].path.name}"
            )
        else:
            seen_ids[q.id] = q
        if q.number in seen_numbers:
            yield q.doc.problem(
                ("number",),
                f"duplicate number {q.number}; also used by {seen_numbers[q.number].path.name}",
            )
        else:
            seen_numbers[q.number] = q
        yield from _check_file_name(q)
        yield from _check_question(deck, q, bash)
    yield from _check_markdown(deck.doc, ("description",), deck.description, bash)
    yield from _check_shipped(deck)


_FILE_NAME_RE = re.compile(r"([0-9]+)-(.+)\.yaml")


def _check_file_name(q: Question) -> Iterator[Problem]:
    """A question file is named NNN-<id>.yaml from its own number and id, so that a listing
    of the folder is the deck in order and a file can be found from its card."""
    m = _FILE_NAME_RE.fullmatch(q.path.name)
    if m and int(m.group(1)) == q.number and m.group(2) == q.id:
        return
    yield q.doc.problem(
        ("id",),
        (
            f"file name {q.path.name!r} does not match the question's number and id; rename "
            f"the file to '{q.number:03d}-{q.id}.yaml'"
        ),
        at_key=True,
    )


def _check_shipped(deck: Deck) -> Iterator[Problem]:
    """Every released id must still have its question, unless retired on purpose."""
    if deck.manifest_doc is None or deck.broken_ids is None:
        return  # a file whose id is unknown is already reported; judge ids once it loads
    current = {q.id for q in deck.questions} | deck.broken_ids
    retired = deck.retired
    released = set(deck.shipped)  # once: Deck.shipped builds a new tuple on every access
    new = sorted(current - released - set(retired))
    for shipped in deck.shipped:
        if shipped in current or shipped in retired:
            continue
        close = difflib.get_close_matches(shipped, new, n=1, cutoff=0.5)
        hint = f" (renamed to {close[0]!r}?)" if close else ""
        yield deck.manifest_doc.problem(
            ("notes", shipped),
            (
                f"released id {shipped!r} has no question{hint}; learners' review history hangs "
                f"on it. Restore the id, or retire it on purpose under 'retired:' with a reason"
            ),
            at_key=True,
        )
    unreleased = [
        q.id for q in sorted(deck.questions, key=lambda q: q.number) if q.id not in released
    ]
    if unreleased:
        shown = ", ".join(unreleased[:5]) + (
            f" and {len(unreleased) - 5} more" if len(unreleased) > 5 else ""
        )
        yield deck.manifest_doc.problem(
            ("notes",),
            (
                f"{len(unreleased)} question id(s) not yet released: {shown}; `mlops-anki release` "
                "records them"
            ),
            at_key=True,
            severity=Severity.NOTE,
        )
    for old in retired:
        if old in current:
            yield deck.manifest_doc.problem(
                ("retired", old),
                (
                    f"retired id {old!r} is used by a question again; remove it from 'retired:' "
                    "if that is intended"
                ),
                at_key=True,
                severity=Severity.WARNING,
            )
    yield from _check_shipped_follow_ups(deck, current)


def _check_shipped_follow_ups(deck: Deck, questions: set[str]) -> Iterator[Problem]:
    """Every released follow-up key must still have its follow-up, unless it, or its
    question, is retired on purpose. ``questions`` holds the ids of the questions there are
    (loaded or not); a missing question is reported once, as a question."""
    assert deck.manifest_doc is not None and deck.broken_ids is not None
    current = {follow_up_key(q.id, f.id) for q in deck.questions for f in q.follow_ups}
    retired, shipped = deck.retired, deck.shipped_follow_ups
    new = sorted(current - set(shipped) - set(retired))
    for key in shipped:
        parent = parent_of(key)
        if (
            key in current
            or key in retired
            or parent in retired
            or parent not in questions
            or parent in deck.broken_ids
        ):
            continue
        siblings = [k for k in new if parent_of(k) == parent]
        close = difflib.get_close_matches(key, siblings, n=1, cutoff=0.5)
        hint = f" (renamed to {close[0]!r}?)" if close else ""
        yield deck.manifest_doc.problem(
            ("follow_ups", key),
            (
                f"released follow-up {key!r} has no follow-up{hint}; learners' review history "
                f"hangs on it. Restore the id, or retire it on purpose under 'retired:' with a "
                "reason"
            ),
            at_key=True,
        )
    for old in retired:
        if "/" in old and old in current:
            yield deck.manifest_doc.problem(
                ("retired", old),
                (
                    f"retired follow-up {old!r} is used again; remove it from 'retired:' if that "
                    "is intended"
                ),
                at_key=True,
                severity=Severity.WARNING,
            )


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _markdown_fields(q: Question) -> list[tuple[Key, str]]:
    fields: list[tuple[Key, str]] = [(("question",), q.question), (("explanation",), q.explanation)]
    for name in ("key_points", "mistakes", "references"):
        fields += [((name, i), text) for i, text in enumerate(getattr(q, name))]
    for i, f in enumerate(q.follow_ups):
        fields += [
            (("follow_ups", i, "question"), f.question),
            (("follow_ups", i, "answer"), f.answer),
        ]
    # Captions are rendered as inline Markdown, so they get every check prose gets.
    fields += [(("code", i, "caption"), s.caption) for i, s in enumerate(q.code) if s.caption]
    return fields


def _check_question(deck: Deck, q: Question, bash: Mapping[str, SyntaxResult]) -> Iterator[Problem]:
    doc = q.doc
    if q.difficulty not in deck.difficulties:
        yield doc.problem(
            ("difficulty",),
            f"unknown difficulty {q.difficulty!r}; expected one "
            f"of {', '.join(deck.difficulties)}{_suggest(q.difficulty, deck.difficulties)}",
        )
    for i, topic in enumerate(q.topics):
        if topic not in deck.topics:
            yield doc.problem(
                ("topics", i),
                f"unknown topic {topic!r}; expected a key of "
                f"deck.yaml's topics{_suggest(topic, deck.topics)}",
            )
        elif topic in q.topics[:i]:
            yield doc.problem(("topics", i), f"topic {topic!r} is listed twice")

    for i, snippet in enumerate(q.code):
        key = ("code", i, "source")
        yield from check_syntax(doc, key, snippet.language, snippet.source, bash=bash)
        lines = len(snippet.source.strip("\n").splitlines())
        low, high = SNIPPET_LINES
        if not low <= lines <= high:
            yield _warn(doc, key, f"code[{i}] has {lines} lines; expected {low}-{high}")

    if not _VISIBLE_RE.search(_NOT_SHOWN_RE.sub("", q.question)):
        yield doc.problem(
            ("question",),
            (
                f"question {q.question!r} shows no letter or digit once rendered; Anki would "
                "store the note with an empty first field (the field that names it in the "
                "browser and that duplicates are checked on)"
            ),
        )

    fields = _markdown_fields(q)
    filler = _may_hold_filler("\n".join(text for _, text in fields))
    for key, text in fields:
        yield from _check_markdown(doc, key, text, bash)
        match = FILLER_RE.search(text) if filler else None
        if match:
            yield _warn(doc, key, f"placeholder text {match.group(0)!r}; write the content")

    for name, low, high in COUNT_RANGES:
        count = len(getattr(q, name))
        if not low <= count <= high:
            yield _warn(
                doc, (name,), f"{name} has {count} item(s); expected {low}-{high}", at_key=True
            )
    words = len(q.explanation.split())
    low, high = EXPLANATION_WORDS
    if not low <= words <= high:
        yield _warn(
            doc,
            ("explanation",),
            f"explanation has {words} words; expected {low}-{high}",
            at_key=True,
        )
    for i, point in enumerate(q.key_points):
        if len(point.split()) > KEY_POINT_MAX_WORDS:
            yield _warn(
                doc,
                ("key_points", i),
                f"key point has {len(point.split())} words; expected at most {KEY_POINT_MAX_WORDS}",
            )
    total = sum(len(point.split()) for point in q.key_points)
    if total > KEY_POINTS_MAX_TOTAL_WORDS:
        yield _warn(
            doc,
            ("key_points",),
            f"key points have {total} words in all; expected at most {KEY_POINTS_MAX_TOTAL_WORDS}",
            at_key=True,
        )
    seen: dict[str, int] = {}
    for i, f in enumerate(q.follow_ups):
        if f.id and f.id in seen:
            yield doc.problem(
                ("follow_ups", i, "id"),
                f"duplicate follow-up id {f.id!r}; also used by follow_ups[{seen[f.id]}]",
            )
        elif f.id:
            seen[f.id] = i


# What a rendered question does not show: character references (&nbsp;), link targets and
# code spans of spaces. Anki strips tags, decodes entities and trims whitespace before it
# calls a first field empty (rslib/src/notes/mod.rs, note_fields_check).
_NOT_SHOWN_RE = re.compile(r"&#?[A-Za-z0-9]{1,32};?|\]\([^()]*\)|<[^<>]*>")
_VISIBLE_RE = re.compile(r"[^\W_]")


def _may_hold_filler(text: str) -> bool:
    """False only when FILLER_RE cannot match ``text``; ~10 times faster than searching it.

    Limited to ASCII text, where ignoring case is plain lowercasing (with Unicode, re's
    IGNORECASE also matches e.g. the long s 'ſ' for 's')."""
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in _FILLER_WORDS)


def _warn(doc, key: Key, message: str, *, at_key: bool = False) -> Problem:
    return doc.problem(key, message, at_key=at_key, severity=Severity.WARNING)


def _fences(text: str) -> Iterator[tuple[int, str, str]]:
    """(0-based line of the opening fence, language or "", body) of each fenced code block."""
    if "```" not in text and "~~~" not in text:
        return
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE_RE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").strip()
        start = i
        i += 1
        body = []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1
        yield start, (info.split()[0].lower() if info else ""), "\n".join(body) + "\n"


def _check_markdown(
    doc, key: Key, text: str, bash: Mapping[str, SyntaxResult]
) -> Iterator[Problem]:
    """Fenced code must name a checked-valid language; prose must hold no raw HTML, no
    images and no links other than http(s)/mailto."""
    in_fences: set[int] = set()
    for start, language, body in _fences(text):
        in_fences.update(range(start, start + body.count("\n") + 2))
        if not language:
            line, col = doc.where_in_text(key, start + 1, 1)
            yield Problem(
                doc.path,
                line,
                col,
                "fenced code block without a language; write for example ```python",
            )
        elif language in SYNTAX_CHECKED:
            for p in check_syntax(doc, key, language, body, bash=bash):
                yield _shift(doc, key, p, start + 1)
    yield from _check_bounds(doc, key, text, in_fences)
    if "<" not in text and "](" not in text and "]:" not in text:
        return  # nothing that could be markup, links or images
    for i, line in enumerate(text.splitlines()):
        if i not in in_fences:
            yield from _check_prose(doc, key, i + 1, line)


MAX_BRACKETS = 200
"""Most '[' in one field's prose. Python-Markdown's link parsing takes time quadratic in
their number (20,000 took minutes); a real field has a handful."""
MAX_NESTING = 8
"""Deepest nesting of lists and block quotes in prose. Python-Markdown parses each level
recursively (a few hundred levels overflow the stack) and in super-linear time."""
_CONTAINER_RE = re.compile(r"(?:[-*+](?: +|$)|[0-9]{1,9}[.)](?: +|$)|> ?)")
# A line nested deeper than MAX_NESTING starts with more than that many of these (each level
# takes 4 spaces or a marker of at least one character): a cheap test that most fields fail.
_MAYBE_DEEP_RE = re.compile(rf"^(?:[ >*+-]|[0-9]{{1,9}}[.)]){{{MAX_NESTING + 1}}}", re.MULTILINE)


def _nesting(line: str) -> int:
    """How deeply ``line`` nests lists and quotes: a level per 4 spaces of indentation (as
    Python-Markdown counts) and one per list or quote marker that opens it."""
    stripped = line.lstrip(" ")
    depth, pos = (len(line) - len(stripped)) // 4, 0
    while m := _CONTAINER_RE.match(stripped, pos):
        depth += 1
        pos = m.end()
        while pos < len(stripped) and stripped[pos] == " ":  # indentation after a marker
            pos += 1
    return depth


def _check_bounds(doc, key: Key, text: str, in_fences: set[int]) -> Iterator[Problem]:
    """Refuse prose that would make rendering super-linear or recursive (see the limits)."""
    brackets = text.count("[")
    lines = None
    if brackets > MAX_BRACKETS:
        lines = text.splitlines()
        prose = [_blank_code_spans(line) for i, line in enumerate(lines) if i not in in_fences]
        brackets = sum(line.count("[") for line in prose)
        if brackets > MAX_BRACKETS:
            yield doc.problem(
                key,
                f"{brackets} '[' in one field; expected at most "
                f"{MAX_BRACKETS} (Markdown link parsing slows down "
                "quadratically with them); put literal brackets in a code "
                "block",
            )
    if not _MAYBE_DEEP_RE.search(text):
        return
    for i, line in enumerate(lines if lines is not None else text.splitlines()):
        if i in in_fences or not line or line[0] not in " -*+>0123456789":
            continue
        depth = _nesting(line)
        if depth > MAX_NESTING:
            fl, fc = doc.where_in_text(key, i + 1, 1)
            yield Problem(
                doc.path,
                fl,
                fc,
                f"lists or quotes nested {depth} levels deep; expected at most {MAX_NESTING}",
            )
            return  # once is enough: the next lines are usually just as deep


_HTML_RE = re.compile(r"<!--|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
# Every pattern below stops at the next character that could start another match ('[' in an
# image's text, '(' or ')' in a link target), so scanning a line is linear: a pattern that
# runs to the end of the line from each of n starts takes n**2 steps ("![" repeated took
# minutes). A link target with parentheses is cut short; its scheme is still checked.
_IMAGE_RE = re.compile(r"!\[[^\][]*\]\([^()]*\)?")
_LINK_RE = re.compile(
    r"\]\(\s*<?([^()\s<>]*)|^\s*\[[^\][]+\]:\s*<?(\S*?)>?\s*$"
    r"|<([A-Za-z][\w+.-]*:[^<>\s]*)>"
)
_BACKTICKS_RE = re.compile(r"`+")


def _blank_code_spans(line: str) -> str:
    """``line`` with each code span replaced by spaces (columns kept), in linear time.

    A run of n backticks opens a span that the next run of exactly n backticks closes
    (CommonMark); a run with no such partner is literal text. A backtracking regex for this
    took 41 s on 1,500 backticks."""
    if "`" not in line:
        return line
    runs = [(m.start(), m.end()) for m in _BACKTICKS_RE.finditer(line)]
    partner: list[int | None] = [None] * len(runs)
    later: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        length = runs[i][1] - runs[i][0]
        partner[i] = later.get(length)
        later[length] = i
    out, i, done = [], 0, 0
    while i < len(runs):
        j = partner[i]
        if j is None:
            i += 1
            continue
        start, end = runs[i][0], runs[j][1]
        out += [line[done:start], " " * (end - start)]
        done = end
        # Runs inside the span are content; continue after its closing run.
        i = j + 1
    out.append(line[done:])
    return "".join(out)


_ALLOWED_LINK_RE = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)


def _check_prose(doc, key: Key, line_no: int, line: str) -> Iterator[Problem]:
    # Code spans may show anything; blank them out (keeping columns) before looking.
    prose = _blank_code_spans(line)

    def at(col: int, message: str) -> Problem:
        fl, fc = doc.where_in_text(key, line_no, col)
        return Problem(doc.path, fl, fc, message)

    for m in _HTML_RE.finditer(prose):
        shown = m.group(0) if len(m.group(0)) <= 40 else m.group(0)[:37] + "..."
        yield at(
            m.start() + 1,
            f"raw HTML {shown!r} is not allowed; write Markdown, or put "
            "literal markup in `backticks`",
        )
    for m in _IMAGE_RE.finditer(prose):
        yield at(
            m.start() + 1,
            "images are not supported: cards work offline and carry no "
            "files; describe the picture in words",
        )
    prose = _IMAGE_RE.sub(lambda m: " " * len(m.group(0)), prose)
    for m in _LINK_RE.finditer(prose):
        target = next(g for g in m.groups() if g is not None)
        if target and not _ALLOWED_LINK_RE.match(target):
            col = m.start() + 1
            if ":" in target.split("/")[0]:
                scheme = target.split(":")[0] + ":"
                message = f"{scheme!r} links are not allowed; use an http(s) or mailto link"
            else:
                message = (
                    f"link to the local file {target!r} is not allowed: cards carry "
                    "no files; use an http(s) link"
                )
            yield at(col, message)


def _shift(doc, key: Key, problem: Problem, offset: int) -> Problem:
    # A fenced block's line 1 is the line after its opening fence inside the field.
    if key not in doc.block:
        return problem
    return Problem(
        problem.path, problem.line + offset, problem.column, problem.message, problem.severity
    )


def check_syntax(
    doc, key: Key, language: str, source: str, *, bash: Mapping[str, SyntaxResult] | None = None
) -> Iterator[Problem]:
    """A problem when ``source`` does not parse as ``language``, placed at the faulty line.

    ``bash`` holds results of ``check_bash_all`` already run for bash sources."""
    if language == "bash" and bash is not None and source in bash:
        found = bash[source]
    else:
        found = syntax_error(language, source)
    if found is not None:
        line, col, message = found
        fl, fc = doc.where_in_text(key, line, col)
        yield Problem(doc.path, fl, fc, f"{language} snippet does not parse: {message}")


def syntax_error(language: str, source: str) -> SyntaxResult:
    """(line, column, message) of the first syntax error in ``source``, or None if it parses.

    Positions are 1-based within the snippet. Languages outside ``SYNTAX_CHECKED`` always pass.
    """
    try:
        return _syntax_error(language, source)
    except (RecursionError, MemoryError):
        # Python's compiler and the JSON, TOML and YAML parsers recurse per nesting level (and
        # per operator of a long expression): the input, not the checker, is at fault.
        return (
            1,
            1,
            (
                "nested too deeply (or an expression too long) to parse; a snippet "
                "should be readable on a phone"
            ),
        )


def _syntax_error(language: str, source: str) -> SyntaxResult:
    if language == "python":
        try:
            compile(source, "<snippet>", "exec", dont_inherit=True)
        except SyntaxError as exc:
            return exc.lineno or 1, exc.offset or 1, exc.msg
        except ValueError as exc:  # e.g. NUL bytes
            return 1, 1, str(exc)
    elif language == "yaml":
        try:
            compose_all(source)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            return line, col, exc.problem or str(exc)
        except yaml.reader.ReaderError as exc:  # a character YAML does not allow
            before = source[: exc.position]
            return (
                before.count("\n") + 1,
                len(before) - (before.rfind("\n") + 1) + 1,
                f"character U+{exc.character:04X} is not allowed in YAML",
            )
        except yaml.YAMLError as exc:  # pragma: no cover - every other YAML error is marked
            return 1, 1, str(exc)
    elif language == "json":
        try:
            json.loads(source)
        except json.JSONDecodeError as exc:
            return exc.lineno, exc.colno, exc.msg
    elif language == "toml":
        try:
            tomllib.loads(source)
        except tomllib.TOMLDecodeError as exc:
            m = _TOML_POS_RE.search(str(exc))
            line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
            return line, col, _TOML_POS_RE.sub("", str(exc)).strip()
    elif language == "bash":
        return _bash_error(source)
    return None


def _bash_error(source: str) -> SyntaxResult:
    """``bash -n``'s first complaint about ``source``; None when it parses, or when there is
    no bash to ask (``validate`` then says once that the check was skipped)."""
    bash = bash_executable()
    if bash is None:
        return None
    try:
        result = subprocess.run(
            [bash, "-n"], input=source, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 1, 1, f"could not run 'bash -n': {exc}"
    if result.returncode == 0:
        return None
    first = result.stderr.strip().splitlines()[0] if result.stderr.strip() else "syntax error"
    m = _BASH_POS_RE.search(first)
    message = first.split(": ", 2)[-1] if m else first
    return (int(m.group(1)) if m else 1), 1, message
