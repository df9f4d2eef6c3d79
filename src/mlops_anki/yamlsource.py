"""Read one YAML file safely, keeping the position of every value.

PyYAML's safe loader is the parser, but we build Python values from its node tree ourselves,
because its constructor silently keeps the last of two duplicate keys, expands aliases without
limit and forgets positions. Only the plain YAML types are accepted: no Python tags, ever.
"""

from __future__ import annotations

import re
import sys
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem

MAX_FILE_BYTES = 512 * 1024
"""Larger files are refused: a question is a few kilobytes, and a reviewer must be able to
read it."""

MAX_NODES = 20_000
"""Cap on values after alias expansion, so an alias bomb ("billion laughs") fails fast and small."""

MAX_CHARS = MAX_FILE_BYTES
"""Cap on the characters of text after alias expansion. A file without aliases never holds
more characters of text than bytes, so only aliases that multiply content reach it; counting
values alone let 4,000 aliases of one long key point make a 391 MB field."""

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}
_STR = "tag:yaml.org,2002:str"
_BOM = b"\xef\xbb\xbf"
_TOO_DEEP = "lists or mappings are nested too deeply; a question needs at most three levels"

_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)

# PyYAML resolves scalars by YAML 1.1, where `010` is 8, `1:05` is 65, `1_000` is 1000 and
# `on` is true; YAML 1.2 (what editors and other tools assume) reads them as 10 or as text.
# Only the forms on which both versions agree are accepted.
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_SAME_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+")
_SAME_BOOL = {"true", "false", "True", "False", "TRUE", "FALSE"}

Key = tuple[Any, ...]
"""Path of a value inside a document, e.g. ``("code", 0, "source")``."""


@dataclass
class Document:
    """A parsed YAML file: plain Python data plus the 1-based position of every value and key."""

    path: Path
    data: Any
    indents: array = field(repr=False)
    """Leading spaces of each line of the file; all that positions need of its text (kept
    instead of the lines themselves, which would double the memory a large corpus takes)."""
    values: dict[Key, int] = field(default_factory=dict, repr=False)
    """Position of each value, packed by ``pack`` (an int is half the size of a tuple)."""
    keys: dict[Key, int] = field(default_factory=dict, repr=False)
    """Position of each mapping key, packed by ``pack``."""
    block: dict[Key, int] = field(default_factory=dict, repr=False)

    def where(self, key: Key) -> tuple[int, int]:
        """Position of the value at ``key``, or of its closest located parent."""
        while key not in self.values and key:
            key = key[:-1]
        return unpack(self.values.get(key, pack(1, 1)))

    def where_key(self, key: Key) -> tuple[int, int]:
        """Position of the mapping key that names ``key`` (falls back to the value)."""
        return unpack(self.keys[key]) if key in self.keys else self.where(key)

    def where_in_text(self, key: Key, line: int, column: int) -> tuple[int, int]:
        """File position of (1-based) ``line``/``column`` inside the text value at ``key``.

        Exact for block scalars (``|``), the form the corpus uses for code; for other scalars
        the value's own position is the best we can say.
        """
        if key not in self.block:
            return self.where(key)
        first = self.block[key]  # 1-based file line of the block's first content line
        file_line = first + line - 1
        indent = self.indents[file_line - 1] if 0 < file_line <= len(self.indents) else 0
        return file_line, indent + max(column, 1)

    def problem(self, key: Key, message: str, *, at_key: bool = False, **kw: Any) -> Problem:
        """A problem located at the value (or key) ``key`` of this document."""
        line, col = self.where_key(key) if at_key else self.where(key)
        return Problem(self.path, line, col, message, **kw)


def pack(line: int, column: int) -> int:
    """One int for a (line, column) position."""
    return line << 32 | column


def unpack(position: int) -> tuple[int, int]:
    """The (line, column) that ``pack`` packed."""
    return position >> 32, position & 0xFFFF_FFFF


_KEYS: dict[Key, Key] = {}


def _shared(key: Key) -> Key:
    # Every question file has the same key paths (("code", 0, "source"), ...): keep one tuple
    # of each instead of one per file. Capped, so that odd input cannot grow it without end.
    return _KEYS.setdefault(key, key) if len(_KEYS) < 10_000 else key


def compose(text: str) -> yaml.Node | None:
    """The node tree of the single YAML document in ``text`` (None when it holds none).

    libyaml's parser is an order of magnitude faster than PyYAML's pure-Python one, but words
    its errors differently; so any document it rejects is parsed again by the pure-Python
    parser, whose messages and positions are the ones users see. Text with a tab always takes
    the pure-Python parser, because libyaml accepts tabs where PyYAML's parser reports them.
    (libyaml also accepts a few rarer spec-valid forms that PyYAML refuses, such as ``?``
    inside a flow-sequence item.) Raises yaml.YAMLError.
    """
    if _FAST_LOADER is not None and "\t" not in text:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def compose_all(text: str) -> None:
    """Parse every document in ``text``, raising yaml.MarkedYAMLError (with PyYAML's wording
    and position) at the first syntax error; see ``compose``."""
    if _FAST_LOADER is not None and "\t" not in text:
        try:
            for _ in yaml.compose_all(text, Loader=_FAST_LOADER):
                pass
            return
        except yaml.YAMLError:
            pass
    for _ in yaml.compose_all(text, Loader=yaml.SafeLoader):
        pass


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _describe_node(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"{node.value!r}"


class _Builder:
    """Turns a composed node tree into Python values, collecting problems instead of raising."""

    def __init__(self, doc: Document, max_nodes: int = MAX_NODES, max_chars: int = MAX_CHARS):
        self.doc = doc
        self.problems: list[Problem] = []
        self.count = 0
        self.max_nodes = max_nodes
        self.chars = 0
        self.max_chars = max_chars
        self.constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.doc.path, mark.line + 1, mark.column + 1, message))

    def build(self, node: yaml.Node, key: Key) -> Any:
        self.count += 1
        if self.count > self.max_nodes:
            raise _TooManyNodes(node)
        self.doc.values.setdefault(key, pack(node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag not in _ALLOWED_TAGS:
            if node.tag == "tag:yaml.org,2002:merge":
                self.fail(node, "merge keys ('<<') are not supported; write the keys out")
            else:
                tag = node.tag.replace("tag:yaml.org,2002:", "!!")
                self.fail(
                    node,
                    f"YAML tag {tag!r} is not allowed; only plain text, "
                    "numbers, lists and mappings are",
                )
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, key)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, _shared(key + (i,))) for i, item in enumerate(node.value)]
        self.chars += len(node.value)
        if self.chars > self.max_chars:
            raise _TooManyChars(node)
        assert isinstance(node, yaml.ScalarNode)  # mappings and sequences returned above
        if node.style in ("|", ">"):
            self.doc.block[key] = node.start_mark.line + 2
        if node.tag == _STR:  # what SafeConstructor returns for text, without its overhead
            return node.value
        value = self.constructor.construct_object(node, deep=True)
        if not _same_in_yaml_1_2(node):
            fix = "write true or false" if node.tag == _BOOL else "write a plain decimal number"
            self.fail(
                node,
                f"{node.value!r} is read as {value!r} by YAML 1.1 (the YAML this "
                f"tool reads) but differently by YAML 1.2; {fix}, or quote it if "
                "it is text",
            )
            return None
        return value

    def mapping(self, node: yaml.MappingNode, key: Key) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (
                "tag:yaml.org,2002:str",
                "tag:yaml.org,2002:int",
            ):
                self.fail(key_node, f"expected a plain text key, found {_describe_node(key_node)}")
                continue
            name = sys.intern(str(key_node.value))  # thousands of files share a few key names
            if name in first_seen:
                self.fail(
                    key_node,
                    f"duplicate key {name!r} (first defined on line "
                    f"{first_seen[name]}); remove one of them",
                )
                continue
            first_seen[name] = key_node.start_mark.line + 1
            child = _shared(key + (name,))
            mark = key_node.start_mark
            self.doc.keys[child] = pack(mark.line + 1, mark.column + 1)
            result[name] = self.build(value_node, child)
        return result


def _same_in_yaml_1_2(node: yaml.ScalarNode) -> bool:
    """False for a number or boolean that YAML 1.2 would read as another value or as text."""
    if node.tag == _INT:
        return _SAME_INT.fullmatch(node.value) is not None
    if node.tag == _BOOL:
        return node.value in _SAME_BOOL
    if node.tag == _FLOAT:  # 1.1 only: base 60 (1:30.5) and digit separators (1_0.5)
        return "_" not in node.value and ":" not in node.value
    return True


class _TooManyNodes(Exception):
    def __init__(self, node: yaml.Node):
        self.node = node


class _TooManyChars(_TooManyNodes):
    pass


def read_yaml(path: Path, *, scale: int = 1) -> tuple[Document | None, list[Problem]]:
    """Parse ``path``; return the document (None if unusable) and every problem found.

    ``scale`` multiplies the size and value limits, for machine-written files that grow with
    the deck."""
    max_bytes, max_nodes = MAX_FILE_BYTES * scale, MAX_NODES * scale

    def fail(line: int, col: int, message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(path, line, col, message)]

    try:
        if path.stat().st_size > max_bytes:
            return fail(
                0, 0, f"file is {path.stat().st_size} bytes; the limit is {max_bytes} bytes"
            )
        raw = path.read_bytes()
    except OSError as exc:
        return fail(0, 0, f"cannot read file: {exc.strerror or exc}")
    nul = raw.find(b"\x00")
    if nul >= 0:
        good = raw[:nul].decode("utf-8", "replace")
        return fail(
            *_position(good, len(good)), "expected a text file, found a NUL byte (binary file?)"
        )
    if raw.startswith(_BOM):
        return fail(1, 1, "file starts with a byte-order mark (BOM); save it as UTF-8 without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", "replace")
        line, col = _position(good, len(good))
        return fail(line, col, f"expected UTF-8 text, found byte 0x{raw[exc.start]:02x}")
    if not text.strip():
        return fail(1, 1, "file is empty; expected a YAML mapping")

    try:
        node = compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or "invalid YAML"
        if "'\\t'" in message:
            message = "tab character; YAML indentation must use spaces"
        elif exc.context:
            message = f"{message} ({exc.context})"
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        return fail(line, col, f"invalid YAML: {message}")
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML marks nearly every error
        return fail(0, 0, f"invalid YAML: {exc}")
    except RecursionError:
        return fail(1, 1, _TOO_DEEP)
    if node is None:
        return fail(1, 1, "file holds no YAML document; expected a mapping")

    indents = array("L", (len(line) - len(line.lstrip(" ")) for line in text.splitlines()))
    doc = Document(path=path, data=None, indents=indents)
    builder = _Builder(doc, max_nodes, MAX_CHARS * scale)
    try:
        doc.data = builder.build(node, ())
    except _TooManyNodes as exc:
        mark = exc.node.start_mark
        what = (
            f"{MAX_CHARS * scale} characters of text"
            if isinstance(exc, _TooManyChars)
            else f"{max_nodes} values"
        )
        return fail(
            mark.line + 1,
            mark.column + 1,
            f"document expands to more than {what} (alias bomb?); "
            "aliases must not multiply the content",
        )
    except RecursionError:
        return fail(1, 1, _TOO_DEEP)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        return fail(1, 1, f"invalid YAML value: {exc}")
    return doc, builder.problems
