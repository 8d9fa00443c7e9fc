"""Reading a registration form's export: SurveyMonkey, Google Forms,
Microsoft Forms or a plain spreadsheet, as CSV or XLSX.

The layout is recognised from the file itself (see the "Registration
exports" field notes): SurveyMonkey writes two header rows, the question
text (blank on a question's continuation columns) then a sub-header
(``Response``, ``Open-Ended Response``, one option per checkbox column,
``Other (please specify)``), after nine metadata columns; Google Forms and
Microsoft Forms write one header row after their own metadata columns; a
spreadsheet is one header row. Rows are streamed, never kept: a file is
checked for what it is (a regular file of sane size, by ``yamltext.open_regular``
like every file a command reads) before it is read, and
a file with more rows than any registration form has is refused as soon as
the limit is passed.

What a file says is only ever shown through :func:`shown`
(``messages.printable``: control characters escaped, long values cut).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import io
import re
import xml.parsers.expat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator

from .. import load, vocab, yamltext
from ..messages import Bilingual, printable
from . import IntakeError, file_refused

MAX_BYTES = 64 * 2**20  # a 20,000-person SurveyMonkey export is about 10 MB
MAX_UNPACKED_BYTES = 512 * 2**20  # an XLSX's parts, uncompressed (zip bombs)
MAX_ROWS = 100_000  # registrations of one event: far more than any conference has
MAX_STRINGS = 1_000_000  # an XLSX's distinct texts: ten for each of MAX_ROWS people
MAX_COLUMNS = 2_000  # a SurveyMonkey export writes one per option: forms have a few hundred
MAX_CELL = 131_072  # Python's csv default field limit, kept: no answer is longer
MAX_OPTIONS = 200  # pieces of one multi-select cell: an event has fewer sessions
SHOWN_LENGTH = 59  # characters of a value on screen, then "…": several share a line
DELIMITERS = (",", ";", "\t")

# Metadata columns each tool writes before the questions, English and Italian
# account languages (compared as ``_key``: letters and digits only, lowercase,
# without accents).
SURVEYMONKEY_METADATA = 9
SURVEYMONKEY_FIRST = {"respondentid", "idrispondente", "iddelrispondente"}
SURVEYMONKEY_SUBHEADERS = {
    "response", "openendedresponse", "otherpleasespecify",
    "risposta", "rispostaaperta", "altrospecificare", "altrospecifica",
}
GOOGLE_FIRST = {"timestamp", "informazionicronologiche", "marcatemporale", "dataeora"}
MICROSOFT_METADATA = [
    {"id"},
    {"starttime", "oradiinizio"},
    {"completiontime", "oradicompletamento"},
    {"email", "postaelettronica", "indirizzoemail"},
    {"name", "nome"},
    {"lastmodifiedtime", "oradellultimamodifica", "ultimamodifica"},
]
RESPONSE_OPTIONS = {"response", "risposta", "openendedresponse", "rispostaaperta"}
OPEN_ENDED = {"openendedresponse", "rispostaaperta"}
OTHER_OPTIONS = {f for f in SURVEYMONKEY_SUBHEADERS if f.startswith(("other", "altro"))}


def _key(text: str) -> str:
    """``Other (please specify)`` -> ``otherpleasespecify``."""
    return re.sub(r"[^a-z0-9]", "", vocab.fold(text))


def shown(value: str) -> str:
    """A value from a user's file, safe to print and cut short."""
    return printable(value, SHOWN_LENGTH)


@dataclass(frozen=True)
class Column:
    """A column of the export: its question (filled forward across a
    SurveyMonkey question's columns) and SurveyMonkey's sub-header."""

    index: int
    question: str
    option: str = ""

    @functools.cached_property
    def folded_option(self) -> str:
        """Folded once: asked of every column on every row."""
        return _key(self.option)

    @property
    def is_other(self) -> bool:
        return self.folded_option in OTHER_OPTIONS

    @property
    def is_open_ended(self) -> bool:
        return self.folded_option in OPEN_ENDED


@dataclass
class Export:
    """An opened export: its layout, its question columns (metadata left
    out) and its answer rows, streamed as (line, cells)."""

    layout: str  # surveymonkey | google_forms | microsoft_forms | spreadsheet
    format: str  # csv | xlsx
    columns: list[Column]
    rows: Iterator[tuple[int, list[str]]]
    separator: str | None = None  # how a multi-select cell joins its options


# --- What the file is -----------------------------------------------------------------------


@contextlib.contextmanager
def open_export(path: Path) -> Iterator[Export]:
    """The export at ``path``, CSV or XLSX (recognised by content, not name),
    read from one handle opened once its path was checked."""
    with contextlib.ExitStack() as stack:
        try:
            handle = stack.enter_context(yamltext.open_regular(path, MAX_BYTES))
        except load.NoteError as error:
            raise file_refused(error, "export_too_large") from None
        start = handle.read(8)
        handle.seek(0)
        if not start:
            raise IntakeError("csv_empty")
        if start.startswith(b"PK\x03\x04"):
            with _xlsx_rows(handle) as rows:
                yield _recognise(rows, "xlsx")
        elif start.startswith(b"\xd0\xcf\x11\xe0"):
            raise IntakeError("export_old_excel")
        else:
            with _csv_rows(handle) as rows:
                yield _recognise(rows, "csv")


# --- CSV ----------------------------------------------------------------------------------------


def _encoding(handle: io.BufferedReader) -> str:
    """UTF-16 (by its BOM), UTF-8 with or without BOM, else Windows-1252 (what
    Excel writes on Windows): checked over the whole file, chunk by chunk."""
    try:
        start = handle.read(4)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
        return "utf-8-sig"
    finally:
        handle.seek(0)


@contextlib.contextmanager
def _csv_rows(handle: io.BufferedReader) -> Iterator[Iterator[tuple[int, list[str]]]]:
    encoding = _encoding(handle)
    # errors="replace": an odd byte count in UTF-16, or a byte Windows-1252 leaves undefined
    text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
    try:
        first = text.readline(MAX_CELL)
        for _ in range(100):  # blank lines before the header
            if first.strip() or not first:
                break
            first = text.readline(MAX_CELL)
        if "\x00" in first:
            raise IntakeError("export_binary")
        delimiter = max(DELIMITERS, key=lambda d: len(next(csv.reader([first], delimiter=d), [])))
        text.seek(0)
        yield _csv_reader(text, delimiter)
    finally:
        text.detach()  # the handle is its opener's to close


def _csv_reader(text: io.TextIOBase, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # An unclosed quote swallows the rest of the file into one cell:
            # say where it opened rather than showing (or counting) that cell.
            kind = "export_cell_too_long" if "field larger" in str(error) else "export_bad_quote"
            if "NUL" in str(error):
                kind = "export_binary"
            raise IntakeError(kind, row=line, limit=MAX_CELL) from None
        yield line, row
        line = reader.line_num + 1


# --- XLSX ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _xlsx_rows(handle: io.BufferedReader) -> Iterator[Iterator[tuple[int, list[str]]]]:
    """The first sheet's rows, as text, with openpyxl in read-only (streaming) mode."""
    import openpyxl

    try:
        with zipfile.ZipFile(handle) as package:
            unpacked = sum(info.file_size for info in package.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise file_refused(yamltext.too_large(unpacked, MAX_UNPACKED_BYTES), "export_too_large")
            for name in package.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    _check_count(package, name, "row", MAX_ROWS + 2, _too_many_rows)
            strings = _shared_strings_part(package)
            if strings is not None:
                _check_count(package, strings, "si", MAX_STRINGS, _too_many_strings)
        handle.seek(0)
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except IntakeError:
        raise
    except Exception as error:  # openpyxl raises many kinds (zip, XML, KeyError) for one cause
        raise IntakeError("export_xlsx_unreadable", detail=shown(type(error).__name__)) from None
    try:
        if not book.worksheets:  # its part missing: openpyxl leaves it out without a word
            raise IntakeError("export_xlsx_unreadable", detail="xl/worksheets")
        sheet = book.worksheets[0]
        declared = sheet.max_row if sheet.max_row else 0  # the sheet's own <dimension>, when written
        if declared > MAX_ROWS + 2:
            raise _too_many_rows()
        yield _xlsx_reader(sheet)
    finally:
        book.close()


class _TooMany(Exception):
    pass


def _too_many_rows() -> IntakeError:
    """The refusal of a sheet or file over ``MAX_ROWS`` rows, however it was found."""
    return IntakeError("export_too_many_rows", limit=_thousands(MAX_ROWS))


def _thousands(number: int) -> Bilingual:
    """``100.000`` in Italian, ``100,000`` in English."""
    return Bilingual({"it": f"{number:,}".replace(",", "."), "en": f"{number:,}"})


def _shared_strings_part(package: zipfile.ZipFile) -> str | None:
    """The part of the shared strings, found as openpyxl finds it: by its
    content type (whatever its name)."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import SHARED_STRINGS
    from openpyxl.xml.functions import fromstring

    found = Manifest.from_tree(fromstring(package.read("[Content_Types].xml"))).find(SHARED_STRINGS)
    return found.PartName[1:] if found is not None else None


def _too_many_strings() -> IntakeError:
    return IntakeError("limits.xlsx_too_many_strings", limit=_thousands(MAX_STRINGS))


def _check_count(package: zipfile.ZipFile, name: str, element: str, limit: int, refusal) -> None:
    """Refuse (``refusal()``) a part holding more than ``limit`` of
    ``element``, counted by a streaming parser that stops there: a sheet's
    rows (without a ``<dimension>``, openpyxl parses all of it to find its
    size: 12 s for a million rows), the shared strings (which openpyxl
    loads whole on opening: 25 million took 3 min 44 s and 2.4 GB)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    count = 0

    def start(tag: str, attributes) -> None:
        nonlocal count
        if tag == element or tag.endswith(" " + element):
            count += 1
            if count > limit:
                raise _TooMany

    parser.StartElementHandler = start
    try:
        with package.open(name) as part:
            while chunk := part.read(1 << 20):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _TooMany:
        raise refusal() from None
    except xml.parsers.expat.ExpatError:
        raise IntakeError("export_xlsx_unreadable", detail=f"{name}: XML") from None


def _xlsx_reader(sheet) -> Iterator[tuple[int, list[str]]]:
    try:
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell_text(value) for value in values]
    except IntakeError:
        raise
    except Exception as error:  # a damaged sheet part, found while streaming
        raise IntakeError("export_xlsx_unreadable", detail=shown(type(error).__name__)) from None


def _cell_text(value: object) -> str:
    """A cell as the CSV export would write it: ``3`` not ``3.0``; dates ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)  # Excel holds at most 32,767 characters in a cell


# --- Layouts ------------------------------------------------------------------------------------


def _recognise(rows: Iterator[tuple[int, list[str]]], format: str) -> Export:
    """The layout of an export from its first (or first two) rows."""
    rows = _limited(_nonblank(rows))
    first = next(rows, None)
    if first is None:
        raise IntakeError("csv_empty")
    header = [cell.strip() for cell in first[1]]
    folded = [_key(cell) for cell in header]
    if folded and folded[0] in SURVEYMONKEY_FIRST:
        second = next(rows, None)
        options = [cell.strip() for cell in second[1]] if second else []
        return Export("surveymonkey", format, _surveymonkey_columns(header, options), rows)
    if folded and folded[0] in GOOGLE_FIRST:
        return Export("google_forms", format, _columns(header, 1), rows, ", ")
    if len(folded) >= 5 and all(folded[i] in names for i, names in enumerate(MICROSOFT_METADATA[:5])):
        skip = 6 if len(folded) > 5 and folded[5] in MICROSOFT_METADATA[5] else 5
        return Export("microsoft_forms", format, _columns(header, skip), rows, ";")
    return Export("spreadsheet", format, _columns(header, 0), rows, None)


def _columns(header: list[str], skip: int) -> list[Column]:
    return [Column(index, name) for index, name in enumerate(header) if index >= skip and name]


def _surveymonkey_columns(questions: list[str], options: list[str]) -> list[Column]:
    """Question text filled forward over its continuation columns; the nine
    metadata columns (whatever their language) left out by position."""
    columns, question = [], ""
    for index in range(max(len(questions), len(options))):
        text = questions[index] if index < len(questions) else ""
        question = text or question
        if index >= SURVEYMONKEY_METADATA and question:
            columns.append(Column(index, question, options[index] if index < len(options) else ""))
    return columns


def _nonblank(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    return ((line, cells) for line, cells in rows if any(cell.strip() for cell in cells))


def _limited(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """Rows, refused past ``MAX_ROWS``, or at one of more than ``MAX_COLUMNS``
    cells: a file that long or wide is not one event's registrations, and
    the answer comes in seconds instead of minutes (a million columns took
    70 s and 555 MB to be refused)."""
    for count, row in enumerate(rows):
        if count > MAX_ROWS + 1:  # + the header rows
            raise _too_many_rows()
        if len(row[1]) > MAX_COLUMNS:
            raise IntakeError(
                "limits.export_too_many_columns", row=row[0], count=_thousands(len(row[1])), limit=_thousands(MAX_COLUMNS)
            )
        yield row


def split_multiple(cell: str, separator: str | None) -> list[str]:
    """The options of a multi-select cell: Google joins them with ", ",
    Microsoft Forms with ";" (``A;B;``), a spreadsheet with either. Past
    ``MAX_OPTIONS`` pieces, the rest of the cell is one piece (commas typed
    in "Other" are not choices)."""
    if separator is None:
        separator = ";" if ";" in cell else ", "
    pattern = r"\s*;\s*" if separator == ";" else re.escape(separator)
    return [part.strip() for part in re.split(pattern, cell, maxsplit=MAX_OPTIONS) if part.strip()]
