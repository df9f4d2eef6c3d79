"""Markdown and code to safe HTML, with Pygments highlighting as CSS classes.

Raw HTML in the corpus is escaped, never passed through; links keep only http(s) and mailto
targets; images become their alt text, because cards must work offline.

Code and tables carry what a phone needs to lay them out (the note type's CSS uses it only
under ``.mobile``): each source line of a code block is one ``<span class="line dN">``, N
being its indentation in columns, so that a wrapped line can continue under its own
indentation; ``<wbr>`` after ``.(,=/:{[`` lets a line break there rather than inside a name;
and each table cell carries its column header as ``data-label``, so that a row can show as
"header: value" lines. None of it adds text: copying a block gives its source exactly.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

CODE_CLASS = "highlight"
"""CSS class of every highlighted block; the note type's CSS styles ``.highlight .k`` etc."""

PYGMENTS_LEXERS = {"dockerfile": "docker", "promql": "promql", "bash": "bash", "text": "text"}
MAX_INDENT = 40
"""Deepest indentation (in columns) with its own class, ``d1`` ... ``d40`` (style.css has a
rule for each); deeper lines get the deepest class."""

_SAFE_HREF = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)
_PARAGRAPH = re.compile(r"^<p>(.*)</p>$", re.DOTALL)
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s")
_FENCE = re.compile(r"^\s{0,3}(?:```|~~~)")
# One line that Markdown would return unchanged inside <p>: it starts with a letter (so it
# cannot open a list, heading, quote or code block) and holds no character that starts inline
# syntax, an entity or raw HTML (`*_[]<>&\!#|~ and line breaks).
_PLAIN_LINE = re.compile(
    r"[A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF]"
    r"[A-Za-z0-9\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF"
    r" ,.;:?'\"()/%+=\-\u2013\u2014\u2018\u2019\u201C\u201D\u2026]*"
)


def separate_blocks(text: str) -> str:
    """Insert the blank line Python-Markdown needs before a list or table that follows a
    paragraph line directly (CommonMark, which authors expect, does not need it)."""
    out: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and out and out[-1].strip():
            prev = out[-1]
            starts_block = _LIST_ITEM.match(line) or line.startswith("|")
            prev_is_text = (
                not prev[0].isspace()
                and not _LIST_ITEM.match(prev)
                and not prev.startswith("|")
                and not _FENCE.match(prev)
            )
            if starts_block and prev_is_text:
                out.append("")
        out.append(line)
    return "\n".join(out)


_TAGS = re.compile(r"<[^>]*>")
_LEADING = re.compile(r"(?:<[^>]*>| )*")
_BREAK_AFTER = ".(,=/:{["
"""A code line may break after these (a <wbr> follows each), rather than inside a name."""


def _code_line(line: str) -> str:
    """One line of Pygments HTML as a ``line`` span carrying its indentation; the newline
    stays outside the span."""
    newline = "\n" if line.endswith("\n") else ""
    body = line[: len(line) - len(newline)]
    leading = _LEADING.match(body)
    lead = leading.group() if leading else ""  # it always matches, if only ""
    indent = 0 if len(lead) == len(body) else min(len(_TAGS.sub("", lead)), MAX_INDENT)
    for char in _BREAK_AFTER:
        if char in body:
            body = body.replace(char, char + "<wbr>")
    # Pygments escapes < > " in code, so these two only ever undo a <wbr> put into a tag:
    # <span class="p"> and </span> (plain replaces take half the time of a tag-aware regex).
    body = body.replace('=<wbr>"', '="').replace("</<wbr>", "</")
    opening = f'<span class="line d{indent}">' if indent else '<span class="line">'
    return opening + body + "</span>" + newline


class CodeFormatter(HtmlFormatter):
    """Pygments' HTML formatter with each source line in its own ``line`` span (see above)."""

    def wrap(self, source):
        return super().wrap((t, _code_line(piece) if t == 1 else piece) for t, piece in source)


class _SafeLinks(Treeprocessor):
    """Drop link targets other than http(s)/mailto and turn images into their alt text."""

    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
            for child in list(parent):
                if child.tag == "a" and not _SAFE_HREF.match(child.get("href", "").strip()):
                    child.attrib.pop("href", None)
                    child.tag = "span"
                elif child.tag == "img":
                    alt = child.get("alt", "")
                    child.attrib.clear()
                    child.tag = "span"
                    child.text = alt


_STASHED = re.compile("\x02wzxhzdk:(\\d+)\x03")


class _LabelledCells(Treeprocessor):
    """Give each body cell of a table its column header as ``data-label`` (plain text) and
    the table the class ``stack``, which phones show row by row as "header: value" lines."""

    def run(self, root: etree.Element) -> None:
        for table in root.iter("table"):
            header = table.find("thead/tr")
            if header is None:
                continue
            labels = [self._text(th) for th in header.findall("th")]
            table.set("class", "stack")
            for row in table.iterfind("tbody/tr"):
                for label, cell in zip(labels, row.findall("td")):
                    if label:
                        cell.set("data-label", label)

    def _text(self, element: etree.Element) -> str:
        # entities are stashed until the end; a label needs them as the characters they are
        stash = self.md.htmlStash.rawHtmlBlocks
        text = _STASHED.sub(
            lambda m: html.unescape(str(stash[int(m.group(1))])), "".join(element.itertext())
        )
        return " ".join(text.split())


class _NoRawHtml(Extension):
    """Treat raw HTML as text (it is then escaped), sanitise links and label table cells."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)
        # after "unescape" (priority 0), so backslash escapes are characters again
        md.treeprocessors.register(_LabelledCells(md), "labelled_cells", -1)


class Renderer:
    """Turns corpus Markdown and snippets into HTML. Build one and reuse it: setup is costly."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(
            extensions=["fenced_code", "tables", "sane_lists", "codehilite", _NoRawHtml()],
            extension_configs={
                "codehilite": {
                    "css_class": CODE_CLASS,
                    "guess_lang": False,
                    "pygments_formatter": CodeFormatter,
                }
            },
            output_format="html",
        )
        self._formatter = CodeFormatter(cssclass=CODE_CLASS, wrapcode=True)
        self._lexers: dict[str, Lexer] = {}

    def block(self, text: str) -> str:
        """Render block Markdown (paragraphs, lists, tables, fenced code)."""
        self._md.reset()
        return self._md.convert(separate_blocks(text.strip()))

    def inline(self, text: str) -> str:
        """Render one line of Markdown without the wrapping paragraph."""
        stripped = text.strip()
        if _PLAIN_LINE.fullmatch(stripped):
            # Most one-line fields are plain prose, and Markdown's fixed cost per call
            # dominates for them; its output would be the text itself.
            return stripped
        rendered = self.block(text)
        match = _PARAGRAPH.match(rendered)
        return match.group(1) if match and "<p>" not in match.group(1) else rendered

    def code(self, language: str, source: str) -> str:
        """Highlight ``source`` as ``language`` (plain text when Pygments does not know it)."""
        lexer = self._lexers.get(language)
        if lexer is None:  # looking a lexer up by name is costly; reuse one per language
            try:
                lexer = get_lexer_by_name(PYGMENTS_LEXERS.get(language, language))
            except ClassNotFound:
                lexer = get_lexer_by_name("text")
            self._lexers[language] = lexer
        return highlight(source.strip("\n") + "\n", lexer, self._formatter).strip()


def escape(text: str) -> str:
    """Escape plain text for HTML (quotes included)."""
    return html.escape(text, quote=True)
