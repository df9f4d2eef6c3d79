"""Make field HTML inert to what Anki interprets in card text besides HTML.

Anki does more with a field than show its HTML (each point read in Anki's source):

- ``[sound:name]`` becomes an audio or video player, and ``[anki:tts ...]...[/anki:tts]``
  (any ``[anki:NAME]...[/anki:NAME]``) a text-to-speech tag; the text disappears from the card
  (``rslib/src/card_rendering/parser.rs``: ``sound_node``, ``tag_node``). Anki then writes
  ``[anki:play:q:0]`` markers that the reviewer turns into play buttons.
- ``[latex]...[/latex]``, ``[$]...[/$]`` and ``[$$]...[/$$]`` become LaTeX images
  (``rslib/src/latex.rs``: ``LATEX``, case-insensitive).
- ``[[type:...]]`` becomes a type-in-the-answer box (``qt/aqt/reviewer.py``: ``typeAnsPat``).
- MathJax typesets ``\\(...\\)`` and ``\\[...\\]`` (``ts/mathjax/index.ts``), with extensions
  that understand ``\\href`` and ``\\style``: a live link or a box over the whole screen.

All of these need their opening characters literally in the HTML string (Anki's parsers read
the raw string) or adjacent in one text run of the page (MathJax reads the decoded text of the
DOM). So ``inert`` writes the ``[`` that opens an Anki tag as ``&#91;``, which Anki's parsers
do not match and the browser shows as ``[``, and puts an empty ``<span></span>`` between a
backslash and a MathJax delimiter: MathJax (``HTMLDomStrings.handleContainer``) starts a new
string at every element other than ``<br>``, ``<wbr>`` and comments, and finds math within one
string only (``FindTeX.findMath``), so the pair is never seen. Character references that
decode to a backslash, bracket or parenthesis are written literally first, because the DOM
decodes ``&#92;(`` into ``\\(`` for MathJax. Nothing visible changes: the learner reads the
same characters.
"""

from __future__ import annotations

import html
import re

_REFERENCE = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});?")
_SENSITIVE = frozenset("\\()[]")
# Anki's own tags and LaTeX/type markers, case-insensitively (LATEX is; the others are not,
# but treating them alike costs nothing and survives a future change in Anki).
_ANKI_TAG = re.compile(r"\[(?=sound:|/?anki:|/?latex\]|/?\$\$?\]|\[type:)", re.IGNORECASE)
_MATHJAX = re.compile(r"\\(?=[()\[\]])")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_BREAK = "\\<span></span>"


def _literal(match: re.Match[str]) -> str:
    decoded = html.unescape(match.group(0))
    return decoded if decoded in _SENSITIVE else match.group(0)


def inert(field_html: str) -> str:
    """``field_html`` with every Anki tag and MathJax delimiter made plain text (see above).

    Expects HTML from this package's renderer: tags whose attribute values hold no ``>``
    (Python-Markdown and Pygments escape it) and no comments or ``<wbr>`` (raw HTML in the
    corpus is escaped, never passed through). Idempotent, and linear in the input.
    """
    if "&" in field_html:
        field_html = _REFERENCE.sub(_literal, field_html)
    if "[" in field_html:
        # Everywhere, attributes included: Anki's parsers read the raw string.
        field_html = _ANKI_TAG.sub("&#91;", field_html)
    if "\\" in field_html:
        # Only in text: MathJax reads text, and a tag inside an attribute would break it.
        parts = _TAG_OR_TEXT.split(field_html)
        parts[::2] = [_MATHJAX.sub(lambda _: _BREAK, text) for text in parts[::2]]
        field_html = "".join(parts)
    return field_html
