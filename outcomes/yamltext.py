"""YAML as facilitators type it, read safely: a note's bytes (a regular file,
bounded), parsed without implicit typing (every scalar stays the text that was
typed), syntax errors explained in their words, and the nodes turned into
Python values with every problem placed at its file, line and column.
``outcomes.load`` builds the notes' models on this.

libyaml (PyYAML's C parser) does the parsing; it is fast and reports marks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .common.text import LANGUAGES, text
from .messages import Bilingual, current_lang, message

MAX_NOTE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32  # a note needs 5 levels; libyaml's composer crashes past ~30,000
NULLS = {"", "~", "null"}


# --- Problems -------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong (or worth a warning) at a place in a note."""

    path: str
    line: int  # 1-based
    column: int  # 1-based
    field: str  # e.g. "outcomes[2].sdg_targets[1]", or "(file)"
    kind: str  # a key of outcomes.messages.MESSAGES
    context: dict = field(default_factory=dict, compare=False)
    severity: str = "error"

    def message(self, lang: str | None = None) -> str:
        return message(self.kind, current_lang(lang), **self.context)

    def format(self, lang: str | None = None) -> str:
        """``path:line:col: error: field: message``, as compilers print it."""
        lang = current_lang(lang)
        where = self.field or message("file_field", lang)
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {where}: {self.message(lang)}"


MAX_PROBLEMS_PER_FILE = 100  # shown; the rest counted in one line (40,000 unknown keys printed 9 MB)
MORE_PROBLEMS = "limits.more_problems"


class Problems(list):
    """The problems found so far, in the order found: at most
    ``MAX_PROBLEMS_PER_FILE`` of a file, then one line counting the others."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self._shown: dict[str, int] = {}
        self._more: dict[str, int] = {}  # path -> index of its "and N more" line

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.severity == "error"]

    @property
    def error_count(self) -> int:
        """Every error found, those left unshown included."""
        return sum(p.context["errors"] if p.kind == MORE_PROBLEMS else 1 for p in self.errors)

    def add(self, path, line, column, field, kind, severity="error", **context) -> None:
        self.append(Problem(str(path), line, column, field, kind, context, severity))

    def append(self, problem: Problem) -> None:
        if self.full(problem.path):
            self.hide(problem.path, problem.severity)
        else:
            self._shown[problem.path] = self._shown.get(problem.path, 0) + 1
            super().append(problem)

    def full(self, path) -> bool:
        """Whether ``path`` has all the problems it may show: a caller can
        then skip finding where the next one is (``hide`` counts it)."""
        return self._shown.get(str(path), 0) >= MAX_PROBLEMS_PER_FILE

    def hide(self, path, severity: str = "error") -> None:
        """Count a problem of ``path`` not shown, in the file's last line."""
        path = str(path)
        if path not in self._more:
            self._more[path] = len(self)
            context = {"count": 0, "errors": 0, "limit": MAX_PROBLEMS_PER_FILE}
            super().append(Problem(path, 1, 1, "", MORE_PROBLEMS, context, severity))
        index = self._more[path]
        more = self[index]
        if severity == "error" and more.severity != "error":
            self[index] = more = dataclasses.replace(more, severity="error")
        more.context["count"] += 1
        more.context["errors"] += severity == "error"


def report_order(problem: Problem) -> tuple:
    """By file and position, a file's "and N more" line last."""
    return problem.path, problem.kind == MORE_PROBLEMS, problem.line, problem.column


# --- YAML without implicit typing -------------------------------------------------


class _PurePythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer):
    """PyYAML's own composer, for an installation built without libyaml."""

    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)


class _PureTextParser(_PurePythonParser):
    """PyYAML's pure-Python composer with YAML's implicit typing switched off.

    Slower than libyaml, but part of PyYAML itself: where libyaml stops on
    something the project does not recognise (its messages, limits and
    positions change between releases: 6.0.4's bundled libyaml stops deep
    nesting itself), this parser says where and why in terms the project
    translates.
    """

    resolve = descend_resolver = ascend_resolver = "".format


try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML's wheels all carry libyaml
    _Parser = _PurePythonParser


class _TextParser(_Parser):
    """libyaml's composer with YAML's implicit typing switched off.

    Tags stay empty unless the text carries an explicit one, which is refused.
    """

    # The composer calls these for every node. ``"".format`` takes any
    # arguments and returns "" (no tag) without entering the interpreter,
    # which makes composing about a tenth faster than Python methods would.
    resolve = "".format
    descend_resolver = "".format
    ascend_resolver = "".format


class NoteError(Exception):
    """A problem that stops a file from being read at all."""

    def __init__(self, line: int, column: int, kind: str, relocate: bool = False, **context):
        super().__init__(kind)
        self.line, self.column, self.kind, self.context = line, column, kind, context
        self.loc: tuple = ()
        self.relocate = relocate  # report at the enclosing key or item instead

    def inside(self, part, node: Node | None = None) -> NoteError:
        """The same error, one level further from the root (cheap: only on failure)."""
        self.loc = (part, *self.loc)
        if self.relocate and node is not None:
            self.line, self.column = _mark(node)
            self.relocate = False
        return self

    @property
    def field(self) -> str:
        return field_path(self.loc)


def read_text(path: Path, data: bytes | None = None) -> str:
    """The note's text (from ``data`` if already read), or a NoteError saying
    why it is not readable text."""
    if data is None:
        data = read_regular(path, MAX_NOTE_BYTES)
    if b"\x00" in data:
        raise NoteError(*_line_col(data, data.index(b"\x00")), "binary_file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NoteError(*_line_col(data, error.start), "not_utf8", byte=f"0x{data[error.start]:02X}") from None
    if not text.strip():
        raise NoteError(1, 1, "empty_file")
    return text


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them,
    or a NoteError (see :func:`open_regular`).

    As many bytes as the file holds are asked for, and one more to see it
    grown: asking for ``limit`` made Python set aside that much (2 MB for a
    note of 14 KB), which cost two thirds of reading it."""
    with _opened(path, limit) as (file, size):
        data = file.read(size + 1)
        if len(data) > size:  # it grew since: read on, up to the limit
            data += file.read(limit + 1 - len(data))
    if len(data) > limit:
        raise too_large(len(data), limit)
    return data


@contextlib.contextmanager
def open_regular(path: Path, limit: int) -> Iterator[io.BufferedReader]:
    """The regular file at ``path`` opened for reading (binary), or a NoteError.

    What the path is gets checked before anything is read: a FIFO (which
    would block until someone writes to it), a device or a folder is refused,
    and so is a file larger than ``limit`` (by its size, so a sparse 3 GB
    file costs nothing). The file is opened without blocking and checked
    again once open, in case it was swapped meanwhile. Every command reading
    a user's file goes through here (notes, Word forms, registration exports).
    """
    with _opened(path, limit) as (file, _):
        yield file


@contextlib.contextmanager
def _opened(path: Path, limit: int) -> Iterator[tuple[io.BufferedReader, int]]:
    """``open_regular``'s file, and its size once open."""
    check_regular(path, limit)
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise _unreadable(error) from None
    # An explicit buffer size: by default, open() asks the system whether the file is a terminal.
    with open(handle, "rb", buffering=io.DEFAULT_BUFFER_SIZE) as file:
        info = os.fstat(handle)
        _check_stat(info, limit)
        yield file, info.st_size


def check_regular(path: Path, limit: int) -> None:
    """A NoteError unless ``path`` is a regular file of at most ``limit``
    bytes; only its status is read."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise _unreadable(error) from None
    _check_stat(info, limit)


def _check_stat(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((k for test, k in _FILE_KINDS if test(info.st_mode)), "special")
        raise NoteError(1, 1, "not_a_regular_file", what=Bilingual(
            {lang: message(f"file_kind_{kind}", lang) for lang in LANGUAGES}
        ))
    if info.st_size > limit:
        raise too_large(info.st_size, limit)


_FILE_KINDS = ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "device"),
               (stat.S_ISBLK, "device"), (stat.S_ISSOCK, "socket"))


def too_large(size: int, limit: int) -> NoteError:
    """The refusal of ``size`` bytes over ``limit``, in MB as every message gives them."""
    return NoteError(1, 1, "file_too_large", size=f"{size / 2**20:.1f}", limit=f"{limit / 2**20:g}")


def _unreadable(error: OSError) -> NoteError:
    if isinstance(error, FileNotFoundError):
        return NoteError(1, 1, "path_not_found")
    return NoteError(1, 1, "unreadable_file", detail=error.strerror or str(error))


def _line_col(data: bytes | str, offset: int) -> tuple[int, int]:
    line = data.count(b"\n" if isinstance(data, bytes) else "\n", 0, offset) + 1
    start = data.rfind(b"\n" if isinstance(data, bytes) else "\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", "replace")) if isinstance(data, bytes) else offset - start
    return line, column + 1


_NBSP_STRUCTURAL = re.compile(r"(?m)(?:^[ \u00a0]*\u00a0[ \u00a0]*|(?<=:)\u00a0|(?<=^-)\u00a0|(?<= -)\u00a0)")


def fix_invisible_spaces(text: str, path, problems: Problems) -> str:
    """Non-breaking spaces where YAML needs a space (indentation, after ``:``)
    silently change a note's structure; they become spaces, with a warning."""
    if "\u00a0" not in text:
        return text

    def replace(match: re.Match) -> str:
        if problems.full(path):  # finding the line is wasted
            problems.hide(path, "warning")
        else:
            problems.add(path, *_line_col(text, match.start()), "", "nbsp", severity="warning")
        return match.group(0).replace("\u00a0", " ")

    return _NBSP_STRUCTURAL.sub(replace, text)


def compose(text: str, sequence: bool = False) -> MappingNode | SequenceNode:
    """Parse one YAML document into nodes whose scalars are untyped text:
    a mapping of fields, or with ``sequence`` a list (``followup.yaml``)."""
    try:
        return _compose(text, _TextParser, sequence=sequence)
    except _Unrecognised as unrecognised:  # only libyaml's errors are unrecognised
        return _compose(text, _PureTextParser, unrecognised.error, sequence=sequence)


class _Unrecognised(Exception):
    """libyaml refused the text for a reason the project does not translate."""

    def __init__(self, error: NoteError):
        self.error = error


def _compose(text: str, parser_class, fallback: NoteError | None = None, sequence: bool = False) -> MappingNode | SequenceNode:
    """``compose`` with one parser; ``fallback`` is libyaml's own complaint,
    reported when the pure-Python parser finds nothing wrong."""
    _check_depth(text, parser_class)
    parser = parser_class(text)
    try:
        node = parser.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, parser_class) from None
    except yaml.reader.ReaderError as error:
        line, column = _line_col(text, error.position)
        raise NoteError(line, column, "yaml_syntax", problem=_explain("control", error)) from None
    except RecursionError:  # only PyYAML's pure-Python composer recurses this way
        raise NoteError(1, 1, "too_deep", limit=MAX_DEPTH) from None
    finally:
        parser.dispose()
    if fallback is not None:
        raise fallback
    if node is None:
        raise NoteError(1, 1, "empty_file")
    if sequence and not isinstance(node, SequenceNode):
        raise NoteError(*_mark(node), "not_a_list", found=_found(node))
    if not sequence and not isinstance(node, MappingNode):
        raise NoteError(*_mark(node), "not_a_mapping", found=_found(node))
    return node


def _check_depth(text: str, parser_class) -> None:
    """Refuse deep nesting before a recursive composer meets it.

    Depth is at most the number of nesting indicators plus the indentation; when
    that cheap bound is small the text is safe, otherwise the parser's event
    stream (iterative, no recursion) measures the real depth. The bound
    counts every ``-`` and ``?``, not only those before a space: a character
    is counted three times faster than a pair (60 -> 20 us a note).
    """
    bound = text.count("[") + text.count("{") + text.count("-") + text.count("?")
    if bound < 1000 and "\n" + " " * 200 not in text:
        return
    depth = 0
    parser = parser_class(text)
    try:
        while True:
            event = parser.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise NoteError(mark.line + 1, mark.column + 1, "too_deep", limit=MAX_DEPTH)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, parser_class) from None
    finally:
        parser.dispose()


_EXPLANATIONS = {
    "cannot start any token": "tab",
    "mapping values are not allowed": "colon",
    "could not find expected ':'": "missing_colon",
    "did not find expected key": "indentation",
    "unexpected end of stream": "unclosed_quote",
    "expected <block end>": "indentation",
    "found undefined alias": "alias",
    "but found another document": "documents",
    "control characters are not allowed": "control",
}

def _explain(key: str, error: Exception) -> Bilingual:
    """Why libyaml refused the text, in both languages (chosen when printed)."""
    detail = getattr(error, "problem", None) or str(error).split("\n")[0]
    return Bilingual({lang: f"{text(f'loader.yaml_{key}', lang)} ({detail})" for lang in LANGUAGES})


def _syntax_error(error: yaml.MarkedYAMLError, parser_class) -> Exception:
    """The project's message for a YAML error, or ``_Unrecognised`` when
    libyaml gave a reason the project does not know: the caller then asks
    PyYAML's own parser, whose reasons it does."""
    problem = error.problem or ""
    full = f"{error.context or ''} {problem}"
    key = next((k for needle, k in _EXPLANATIONS.items() if needle in full), None)
    mark = error.problem_mark or error.context_mark
    if key == "documents":
        return NoteError(mark.line + 1, mark.column + 1, "multiple_documents")
    if key == "alias":
        return NoteError(mark.line + 1, mark.column + 1, "alias")
    if key:
        return NoteError(mark.line + 1, mark.column + 1, "yaml_syntax", problem=_explain(key, error))
    found = NoteError(mark.line + 1, mark.column + 1, "yaml_syntax", problem=problem)
    return found if parser_class is _PureTextParser else _Unrecognised(found)


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _found(node_or_value) -> str:
    kind = {MappingNode: "mapping", SequenceNode: "list"}.get(type(node_or_value), "text")
    return Bilingual({lang: message(f"found_{kind}", lang) for lang in LANGUAGES})


def to_python(root: Node, source: str, path, problems: Problems) -> dict:
    """Nodes to plain dicts, lists and strings; structural problems become
    NoteErrors (the first one stops, since the shape is then unreliable)."""
    # The composer hands back the anchored node for an alias, so a node met
    # twice is an alias; there can be none without an anchor (``&``).
    seen: set[int] | None = set() if "&" in source else None
    comment_lines = _lines_with_spaced_hash(source)
    hugged: list[ScalarNode] = []

    def convert(node: Node):
        if seen is not None:
            if id(node) in seen:
                raise NoteError(*_mark(node), "alias", relocate=True)
            seen.add(id(node))
        if node.tag:
            raise NoteError(*_mark(node), "tag", tag=node.tag)
        if type(node) is ScalarNode:
            if not node.style:  # plain, unquoted
                if node.value in NULLS:
                    return None
                if node.end_mark.line in comment_lines:
                    hugged.append(node)
            return node.value
        if type(node) is SequenceNode:
            items = []
            for index, item in enumerate(node.value):
                try:
                    items.append(convert(item))
                except NoteError as error:
                    raise error.inside(index, node) from None
            return items
        result = {}
        first_lines = {}
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode or key_node.tag:
                raise NoteError(*_mark(key_node), "key_not_text")
            key = key_node.value
            if key in result:
                raise NoteError(*_mark(key_node), "duplicate_key", key=key, first_line=first_lines[key]).inside(key)
            first_lines[key] = key_node.start_mark.line + 1
            try:
                result[key] = convert(value_node)
            except NoteError as error:
                raise error.inside(key, key_node) from None
        return result

    data = convert(root)
    if hugged:
        locs = _locs_of(root, {id(node) for node in hugged})
        for node in hugged:
            _warn_hash_comment(node, comment_lines[node.end_mark.line], locs[id(node)], path, problems)
    return data


def _lines_with_spaced_hash(source: str) -> dict[int, str]:
    """The lines holding `` #`` (YAML's start of a comment), by 0-based number."""
    if " #" not in source:
        return {}
    return {number: line for number, line in enumerate(source.split("\n")) if " #" in line}


def _warn_hash_comment(node: ScalarNode, line: str, loc: tuple, path, problems: Problems) -> None:
    """``title: Tavolo #2`` is read as ``Tavolo``: say so when a comment hugs a value."""
    after = line[node.end_mark.column :]
    if after.startswith(" #") and not after.startswith(" # "):
        problems.add(
            path, node.end_mark.line + 1, node.end_mark.column + 2, field_path(loc), "hash_comment",
            severity="warning", value=node.value, comment=after[1:].strip(),
        )


def _locs_of(root: Node, targets: set[int]) -> dict[int, tuple]:
    """Where each node of ``targets`` (by id) sits under ``root``, as
    validation locations: one walk of the tree, however many there are."""
    found: dict[int, tuple] = {}
    stack: list[tuple[Node, tuple]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if id(node) in targets:
            found[id(node)] = loc
        if isinstance(node, MappingNode):
            stack.extend((value, (*loc, key.value)) for key, value in node.value)
        elif isinstance(node, SequenceNode):
            stack.extend((item, (*loc, index)) for index, item in enumerate(node.value))
    return found


def field_path(loc: tuple) -> str:
    """``('outcomes', 2, 'sdg_targets', 1)`` -> ``outcomes[2].sdg_targets[1]``."""
    text = ""
    for part in loc:
        if part == "[key]":
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
