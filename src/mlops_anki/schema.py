"""The corpus schema, declared once: every field of deck.yaml and of a question file,
documented here.

Each field has a kind that checks the shape of a value and says what was expected and what
was found. Cross-file rules (unique ids, topics from the taxonomy, snippet syntax) live in
``validate.py``; this module only knows the shape of one file.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""A slug, always matched in full (``fullmatch``): with ``match`` and ``$``, a final newline
would pass and reach tags and file names."""
MAX_SLUG = 64
"""Longest slug: a deck id is part of a file name (at most 255 bytes) and every id is part of
tags and GUIDs; the shipped ones are under 40 characters."""
# Control characters would corrupt an Anki note (fields are joined with \x1f).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A lone surrogate (from a YAML escape such as "\ud800") is not text: it cannot be encoded as
# UTF-8, so Anki's database could not store it.
SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
MAX_TEXT = 10_000
"""Longest text value, in characters; the longest in the shipped corpus has under 3,000.
With MAX_LINES and MAX_LINE it bounds what one value can cost to check and render:
Python-Markdown and some Pygments lexers take time quadratic in a field's length or line
count (19,000 '=' lines took 35 s, a YAML snippet of 20,000 '&' 8 s); within these limits a
field takes well under a second whatever it holds."""
MAX_LINES = 300
"""Most lines in one text value (the longest explanation in the shipped corpus has under 60)."""
MAX_LINE = 2_000
"""Longest line in a text value, in characters (the shipped corpus: under 400)."""
MAX_NUMBER = 99_999
"""A question's new-card position is ``number * 10`` (its follow-ups take the next nine), and
Anki's Check Database renumbers new cards whose position is 1,000,000 or more."""

LANGUAGES = ("python", "yaml", "json", "toml", "bash", "sql", "dockerfile", "promql", "text")
"""Snippet languages the corpus may use (CONTRIBUTING.md); the first five are syntax-checked."""

Issue = tuple[tuple[Any, ...], str, bool]
"""(sub-key, message, at_key) as produced while checking one value."""


def describe(value: Any) -> str:
    """Name a found value for an error message: its kind, and the value itself when short."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, (date,)):
        return f"a date ({value.isoformat()})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"text {shown!r}" if value.strip() else "empty text"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class Kind:
    """The shape one value must have."""

    expected = "a value"

    def check(self, value: Any) -> Iterator[Issue]:
        """Yield an issue for each way ``value`` does not fit this kind."""
        raise NotImplementedError

    def _mismatch(self, value: Any) -> Iterator[Issue]:
        yield (), f"expected {self.expected}, found {describe(value)}", False


class Text(Kind):
    """Non-empty text (Markdown where the field says so)."""

    expected = "non-empty text"

    def check(self, value: Any) -> Iterator[Issue]:
        if not isinstance(value, str) or not value.strip():
            yield from self._mismatch(value)
        elif control := CONTROL_RE.search(value):
            char = control.group(0)
            yield (), f"expected text without control characters, found {char!r}", False
        elif not value.isascii() and (surrogate := SURROGATE_RE.search(value)):
            code = ord(surrogate.group(0))
            yield (
                (),
                (
                    f"expected text, found a lone surrogate U+{code:04X} (half of a "
                    "UTF-16 pair, not a character); write the character itself"
                ),
                False,
            )
        elif len(value) > MAX_TEXT:
            yield (), (f"expected text of at most {MAX_TEXT} characters, found {len(value)}"), False
        elif value.count("\n") >= MAX_LINES or len(value) > MAX_LINE:
            lines = value.splitlines()
            longest = max(range(len(lines)), key=lambda i: len(lines[i]))
            if len(lines) > MAX_LINES:
                yield (), f"expected text of at most {MAX_LINES} lines, found {len(lines)}", False
            elif len(lines[longest]) > MAX_LINE:
                yield (
                    (),
                    (
                        f"expected lines of at most {MAX_LINE} characters, found "
                        f"{len(lines[longest])} in line {longest + 1} of the text"
                    ),
                    False,
                )


class Slug(Kind):
    """A permanent identifier: lowercase letters, digits and single hyphens."""

    expected = "a slug (lowercase letters, digits and hyphens, like 'canary-deployment')"

    def check(self, value: Any) -> Iterator[Issue]:
        if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
            yield from self._mismatch(value)
        elif len(value) > MAX_SLUG:
            yield (), f"expected a slug of at most {MAX_SLUG} characters, found {len(value)}", False


class DeckName(Text):
    """An Anki deck name that Anki stores exactly as written: '::' separates subdecks."""

    expected = "a deck name (text; '::' separates subdecks)"

    def check(self, value: Any) -> Iterator[Issue]:
        issues = list(super().check(value))
        if issues:
            yield from issues
            return
        # Anki rewrites each part of a name (rslib/src/decks/name.rs,
        # normalized_deck_name_component): NFC, ASCII control characters removed, whitespace
        # and ':' trimmed, an empty part named "blank". Decks are matched by name, so a
        # rewritten name would not be the deck the build and the learner's notes refer to.
        for part in value.strip().split("::"):  # the loader strips the whole name
            nfc = unicodedata.normalize("NFC", part)
            printable = "".join(c for c in nfc if c >= "\x80" or c.isprintable())
            anki = printable.strip(_ANKI_TRIM) or "blank"
            if anki == part:
                continue
            shown, stored = repr(part), repr(anki)
            if not printable.strip(_ANKI_TRIM):
                why = "is empty (an extra '::'?)"
            elif printable != nfc:
                why = "holds a control character (a newline?), which Anki removes"
            elif nfc != part:
                why = "is not in Unicode NFC form, to which Anki converts it"
                shown, stored = ascii(part), ascii(anki)  # they look alike when printed
            else:
                why = "starts or ends with a space or ':', which Anki trims"
            yield (
                (),
                (
                    f"deck name part {shown} {why}; Anki would store it as {stored}, "
                    "a deck other than the one named here"
                ),
                False,
            )
            return


def _anki_trim_chars() -> str:
    # Rust's char::is_whitespace (Unicode White_Space) plus ':', as Anki trims them.
    return "".join(c for c in map(chr, range(0x3000 + 1)) if c.isspace()) + ":"


_ANKI_TRIM = _anki_trim_chars()


class Number(Kind):
    """A whole number from 1 to MAX_NUMBER."""

    expected = f"a whole number from 1 to {MAX_NUMBER}"

    def check(self, value: Any) -> Iterator[Issue]:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_NUMBER:
            yield from self._mismatch(value)


class Whole(Kind):
    """A whole number within a range (for ids and Unix times, which exceed MAX_NUMBER)."""

    def __init__(self, low: int, high: int, what: str = "a whole number"):
        self.low, self.high = low, high
        self.expected = f"{what} from {low} to {high}"

    def check(self, value: Any) -> Iterator[Issue]:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (self.low <= value <= self.high)
        ):
            yield from self._mismatch(value)


class Pattern(Kind):
    """Text matching a regular expression in full."""

    def __init__(self, pattern: str, expected: str):
        self.pattern = re.compile(pattern)
        self.expected = expected

    def check(self, value: Any) -> Iterator[Issue]:
        if not isinstance(value, str) or not self.pattern.fullmatch(value):
            yield from self._mismatch(value)


class Choice(Kind):
    """One of a fixed set of strings."""

    def __init__(self, choices: tuple[str, ...]):
        self.choices = choices
        self.expected = "one of " + ", ".join(choices)

    def check(self, value: Any) -> Iterator[Issue]:
        if value not in self.choices:
            yield from self._mismatch(value)


class ListOf(Kind):
    """A list whose items all have one kind; non-empty unless ``empty`` is allowed."""

    def __init__(self, item: Kind, *, empty: bool = False):
        self.item = item
        self.empty = empty
        self.expected = f"a list of {item.expected}"

    def check(self, value: Any) -> Iterator[Issue]:
        if not isinstance(value, list) or not (value or self.empty):
            yield from self._mismatch(value)
            return
        for i, item in enumerate(value):
            for sub, message, at_key in self.item.check(item):
                yield (i,) + sub, message, at_key


class MapOf(Kind):
    """A mapping from slugs (or keys of another kind) to one kind of value; non-empty unless
    ``empty`` is allowed."""

    def __init__(
        self, value: Kind, *, empty: bool = False, key: Kind | None = None, keys: str = "slugs"
    ):
        self.value = value
        self.empty = empty
        self.key = key or Slug()
        self.expected = f"a mapping of {keys} to {value.expected}"

    def check(self, value: Any) -> Iterator[Issue]:
        if not isinstance(value, dict) or not (value or self.empty):
            yield from self._mismatch(value)
            return
        for key, item in value.items():
            for _, message, _ in self.key.check(key):
                yield (key,), f"key {key!r}: {message}", True
            for sub, message, at_key in self.value.check(item):
                yield (key,) + sub, message, at_key


@dataclass(frozen=True)
class Field:
    """One field of a record: its name, its kind, whether it is required, and what it means."""

    name: str
    kind: Kind
    doc: str
    required: bool = True


class Record(Kind):
    """A mapping with declared fields; unknown keys are errors with a "did you mean" hint."""

    def __init__(self, what: str, fields: tuple[Field, ...]):
        self.what = what
        self.fields = {f.name: f for f in fields}
        self.expected = f"a mapping ({what})"

    def check(self, value: Any) -> Iterator[Issue]:
        if not isinstance(value, dict):
            yield from self._mismatch(value)
            return
        for name in value:
            if name not in self.fields:
                yield (name,), self._unknown(name), True
        for field in self.fields.values():
            if name_missing(value, field.name) or (not field.required and value[field.name] == []):
                if field.required:
                    yield (
                        (),
                        f"missing required field {field.name!r} ({field.kind.expected})",
                        False,
                    )
                continue
            for sub, message, at_key in field.kind.check(value[field.name]):
                yield (field.name,) + sub, message, at_key

    def _unknown(self, name: str) -> str:
        close = difflib.get_close_matches(name, list(self.fields), n=1, cutoff=0.6)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else ("; known fields: " + ", ".join(self.fields))
        )
        return f"unknown field {name!r} in {self.what}{hint}"


def label(key: tuple[Any, ...]) -> str:
    """Human name of a value's place, e.g. ``code[0].language``."""
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def name_missing(mapping: dict[str, Any], name: str) -> bool:
    """True when ``name`` is absent or explicitly empty (``key:`` with no value)."""
    return mapping.get(name) is None


SNIPPET = Record(
    "a code snippet",
    (
        Field(
            "language",
            Choice(LANGUAGES),
            "Language of the snippet; python, yaml, json, toml and bash are syntax-checked.",
        ),
        Field("caption", Text(), "One line saying what the snippet shows.", required=False),
        Field("source", Text(), "The code itself, 5-40 lines; use a YAML block scalar (|)."),
    ),
)

FOLLOW_UP = Record(
    "a follow-up",
    (
        Field(
            "id",
            Slug(),
            "Permanent slug, unique within its question: with the question's id, "
            "the identity of the follow-up's own card. Never change it once "
            "released.",
        ),
        Field("question", Text(), "The question an interviewer asks next."),
        Field("answer", Text(), "Its short answer, 1-3 sentences of inline Markdown."),
    ),
)

QUESTION = Record(
    "a question file",
    (
        Field(
            "id",
            Slug(),
            "Permanent slug, unique in the deck; the note GUID derives from it. "
            "Never change it once shipped.",
        ),
        Field("number", Number(), "Position in the source list; unique; sets the new-card order."),
        Field(
            "difficulty", Slug(), "One of deck.yaml's difficulties; picks the subdeck and a tag."
        ),
        Field("topics", ListOf(Slug()), "1-3 keys of deck.yaml's taxonomy, most relevant first."),
        Field("question", Text(), "The question, verbatim from the source list (inline Markdown)."),
        Field(
            "key_points",
            ListOf(Text()),
            "4-7 bullets, one idea and at most 20 words each, at "
            "most 120 words in all: the complete 60-second answer "
            "the learner grades themselves on (inline Markdown).",
        ),
        Field(
            "explanation", Text(), "Markdown, 120-450 words: mechanisms, trade-offs, failure modes."
        ),
        Field(
            "code", ListOf(SNIPPET), "0-3 snippets showing real tools' real APIs.", required=False
        ),
        Field("mistakes", ListOf(Text()), "2-4 common mistakes to avoid (inline Markdown)."),
        Field("follow_ups", ListOf(FOLLOW_UP), "2-4 follow-up questions with short answers."),
        Field(
            "references",
            ListOf(Text()),
            "0-3 canonical works, named (no invented citations).",
            required=False,
        ),
        Field(
            "source_label",
            Text(),
            "The source list's original label, for slots written anew.",
            required=False,
        ),
    ),
)

DECK = Record(
    "deck.yaml",
    (
        Field(
            "id", Slug(), "Permanent slug of the deck; part of every note GUID. Never change it."
        ),
        Field("name", DeckName(), "Top-level Anki deck name; subdecks are '<name>::<Difficulty>'."),
        Field(
            "description",
            Text(),
            "Markdown shown on Anki's deck overview; short, no images.",
            required=False,
        ),
        Field("tag_prefix", Slug(), "Every tag the deck writes starts with '<tag_prefix>::'."),
        Field("difficulties", ListOf(Slug()), "Known difficulties, in subdeck order."),
        Field(
            "topics", MapOf(Text()), "The closed taxonomy: topic slug to a one-line description."
        ),
    ),
)

SEMVER_RE = r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
UNIX_TIME = Whole(1_000_000_000, 4_000_000_000, "a Unix time in seconds")
_HEX = Pattern(r"[0-9a-f]{8,64}", "a lowercase hexadecimal digest")

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
FOLLOW_UP_KEY = Pattern(
    f"{_SLUG}/{_SLUG}",
    "a follow-up key '<question id>/<follow-up id>', like 'canary-deployment/promotion-criteria'",
)
RELEASED_KEY = Pattern(
    f"{_SLUG}(?:/{_SLUG})?", "a question id, or a follow-up key '<question id>/<follow-up id>'"
)

RELEASED_NOTE = Record(
    "a released note",
    (
        Field(
            "mod",
            UNIX_TIME,
            "The note's modification time as last published; Anki updates "
            "a learner's note only when a package carries a newer one.",
        ),
        Field(
            "fingerprint",
            _HEX,
            "Digest of what Anki stores for the note: note type id, "
            "every field's HTML and the tags.",
        ),
        Field(
            "sections",
            MapOf(_HEX),
            "A short digest per part of the note (key points, code "
            "...), to say in the changelog what changed.",
        ),
    ),
)

RELEASED_NOTE_TYPE = Record(
    "the released note type",
    (
        Field("id", Whole(1, 2**63 - 1), "The note type's permanent id."),
        Field("fields", ListOf(Text()), "Its field names, in order (a change is a schema change)."),
        Field("fingerprint", _HEX, "Digest of its templates and CSS."),
        Field("mod", UNIX_TIME, "The modification time it was published with."),
    ),
)

MANIFEST = Record(
    "release.yaml",
    (
        Field(
            "version",
            Pattern(SEMVER_RE, "a version MAJOR.MINOR.PATCH, like '1.2.0'"),
            "The deck's version as last released (semantic versioning).",
        ),
        Field(
            "released",
            Pattern(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "a date YYYY-MM-DD"),
            "The UTC date of that release.",
        ),
        Field("note_type", RELEASED_NOTE_TYPE, "The note type as released."),
        Field(
            "notes",
            MapOf(RELEASED_NOTE, empty=True),
            "Every released question id, in release order, with what its note looked like. "
            "Ids are forever: learners' review history hangs on them.",
        ),
        Field(
            "follow_up_note_type",
            RELEASED_NOTE_TYPE,
            "The follow-up cards' note type as released.",
            required=False,
        ),
        Field(
            "follow_ups",
            MapOf(RELEASED_NOTE, empty=True, key=FOLLOW_UP_KEY, keys="follow-up keys"),
            "Every released follow-up card, keyed '<question id>/<follow-up id>', in release "
            "order, with what its note looked like. These ids are forever too.",
            required=False,
        ),
        Field(
            "retired",
            MapOf(Text(), key=RELEASED_KEY, keys="released ids"),
            "Released ids removed on purpose, each with the reason: question ids, and follow-up "
            "keys '<question id>/<follow-up id>' (retiring a question retires its follow-ups). "
            "The only part of the file written by hand.",
            required=False,
        ),
    ),
)
