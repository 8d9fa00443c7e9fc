"""SQLite's built-in functions that can outrun the time limit, in their
place on the site's connections: SQLite checks its interrupt only between
the steps of a query, so one call of ``printf('%.*c', 2000000000, 'x')``
(a loop of 2e9 steps for a value it then drops as too long) or of
``trim(X, Y)`` and ``instr(X, Y)`` (each character of X against each of Y)
ran for minutes. A Python function of the same name and arity takes the
built-in's place: ``printf``/``format`` answer NULL at once when a field
is wider than a value may be, and hand the rest to SQLite's own on a
plain connection; ``trim``/``ltrim``/``rtrim`` and ``instr`` run SQLite's
own on short inputs and a linear equivalent on long ones. The answers
are SQLite's (tests compare them on many inputs)."""

from __future__ import annotations

import re
import sqlite3
import threading

# A call whose inputs multiply to at most this runs SQLite's own function.
SMALL_WORK = 100_000
# printf's conversions, as SQLite reads them: flags, width, precision, type.
_SPEC = re.compile(r"%([-+ #0,!]*)(\*|[0-9]+)?(?:\.(\*|[0-9]*))?(?:ll?)?(.?)", re.S)
# Conversions that write at least ``width`` bytes (``%c``: at least
# ``precision`` too), as SQLite's printf does.
_PADDED = frozenset("diuxXofeEgGcszqQw%")


class Builtins:
    """The bounded functions for connections whose values are at most
    ``length`` bytes long; SQLite's own run on a plain connection of each
    thread, with that same limit."""

    def __init__(self, length: int):
        self.length = length
        self._local = threading.local()

    def plain(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = sqlite3.connect(":memory:")
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.length)
        return conn

    def builtin(self, name: str, *args):
        """SQLite's own ``name`` on ``args``."""
        marks = ", ".join("?" * len(args))
        return self.plain().execute(f"select {name}({marks})", args).fetchone()[0]

    def register(self, conn) -> None:
        for name in ("printf", "format"):
            conn.create_function(name, -1, self.printf, deterministic=True)
        for name in ("trim", "ltrim", "rtrim"):
            conn.create_function(name, 2, getattr(self, name), deterministic=True)
        conn.create_function("instr", 2, self.instr, deterministic=True)

    # --- printf ---------------------------------------------------------------------------

    def printf(self, *args):
        if args and isinstance(args[0], str) and self.least_length(args[0], args[1:]) > self.length:
            return None  # SQLite's answer for a value too long, without its loop
        return self.builtin("printf", *args)

    def least_length(self, form: str, args) -> int:
        """The fewest bytes ``printf(form, *args)`` writes: the widths of its
        fields and the repeats of ``%c``, read as SQLite reads them."""
        total, position = 0, 0
        for flags, width, precision, kind in _SPEC.findall(form):
            if kind == "%" and not (flags or width or precision):
                continue
            if width == "*":
                width, position = abs(self.int_arg(args, position)), position + 1
            else:
                width = _literal(width)
            if precision == "*":
                precision, position = abs(self.int_arg(args, position)), position + 1
            else:
                precision = _literal(precision)
            if kind not in _PADDED:
                break  # SQLite stops at a conversion it does not know
            if kind != "%":
                position += 1
            total += max(width, precision if kind == "c" else 0)
            if total > self.length:
                break
        return total

    def int_arg(self, args, position: int) -> int:
        """Argument ``position`` as SQLite's printf takes a ``*``: a 64-bit
        integer cut to 32 bits (0 when missing)."""
        if position >= len(args):
            return 0
        value = args[position]
        if not isinstance(value, int):
            value = self.plain().execute("select cast(? as integer)", (value,)).fetchone()[0]
        value = (value or 0) & 0xFFFFFFFF
        value = value - (1 << 32) if value >= 1 << 31 else value
        return 0 if value == -(1 << 31) else value

    # --- trim, instr ----------------------------------------------------------------------

    def trim(self, text, characters):
        return self._trim("trim", text, characters, True, True)

    def ltrim(self, text, characters):
        return self._trim("ltrim", text, characters, True, False)

    def rtrim(self, text, characters):
        return self._trim("rtrim", text, characters, False, True)

    def _trim(self, name: str, text, characters, left: bool, right: bool):
        if not (_long(text) and _long(characters)) or _size(text) * _size(characters) <= SMALL_WORK:
            return self.builtin(name, text, characters)
        text, drop = _as_text(text), set(_as_text(characters))
        start, end = 0, len(text)
        while left and start < end and text[start] in drop:
            start += 1
        while right and end > start and text[end - 1] in drop:
            end -= 1
        return text[start:end]

    def instr(self, haystack, needle):
        if not (_long(haystack) and _long(needle)) or _size(haystack) * _size(needle) <= SMALL_WORK:
            return self.builtin("instr", haystack, needle)
        if isinstance(haystack, bytes) and isinstance(needle, bytes):
            return haystack.find(needle) + 1
        return _as_text(haystack).find(_as_text(needle)) + 1


def _literal(digits: str) -> int:
    """A width or precision written in the format, wrapped as SQLite's unsigned 32 bits."""
    value = 0
    for digit in digits:
        value = (value * 10 + int(digit)) & 0xFFFFFFFF
    return value & 0x7FFFFFFF


def _long(value) -> bool:
    return isinstance(value, (str, bytes))


def _size(value) -> int:
    return len(value) if _long(value) else 0


def _as_text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
