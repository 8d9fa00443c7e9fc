"""CSV for spreadsheets: Datasette's CSV rewritten as a download that a
spreadsheet reads as written: UTF-8 with a byte-order mark, JSON lists as
text, codes followed by their labels, no cell taken for a formula."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import urllib.parse

from datasette.utils import tilde_decode

from .base import DATABASE, array_columns
from .labels import lookup_of, term, vocabularies
from .language import column_label, t

# Columns of ready-made questions holding codes of a vocabulary.
QUERY_CODE_COLUMNS = {"attori": "actor_types"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may evaluate
# Columns of ready-made questions holding HTML (the search's excerpt, its
# words marked), and holding words of their own (``esito``, ``sessione``).
QUERY_HTML_COLUMNS = {"estratto"}
QUERY_WORD_COLUMNS = {"tipo"}


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula
    gets an apostrophe in front (as Decidim's open data does); numbers stay."""
    if value.startswith(FORMULA_STARTS):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def _codes_in(value: str) -> list | None:
    """A JSON array of codes or words (``["SN", "MA"]``), else None."""
    if not value.startswith("["):
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return None
    if isinstance(items, list) and all(isinstance(item, (str, int, float)) for item in items):
        return [str(item) for item in items]
    return None


def spreadsheet_csv(text: str, code_columns: dict[str, dict], foreign_keys: dict[str, dict] | None = None) -> str:
    """Datasette's CSV made for a spreadsheet: JSON lists as text (``SN; MA``),
    each column of codes followed by their labels (``countries_label``:
    ``Senegal; Marocco``) unless Datasette added one, and no cell that a
    spreadsheet would take for a formula. The labels Datasette adds for
    ``foreign_keys`` into a vocabulary (``type_label``: its ``label_it``)
    are given in the page's language."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        return text
    labelled = [column in code_columns and f"{column}_label" not in header for column in header]
    # Position of a label column Datasette added -> (position of its code, vocabulary).
    relabelled = {
        header.index(f"{column}_label"): (header.index(column), vocabulary)
        for column, vocabulary in (foreign_keys or {}).items()
        if column in header and f"{column}_label" in header
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    new_header = []
    for column, label in zip(header, labelled):
        new_header += [column, f"{column}_label"] if label else [column]
    writer.writerow(new_header)
    for row in rows:
        for position, (code, vocabulary) in relabelled.items():
            if position < len(row) and code < len(row) and row[code]:
                row[position] = term(vocabulary, row[code])["label"]
        cells = []
        for column, value, label in zip(header, row, labelled):
            codes = _codes_in(value)
            cells.append("; ".join(codes) if codes is not None else value)
            if label:
                vocabulary = code_columns[column]
                cells.append("; ".join(term(vocabulary, code)["label"] for code in (codes if codes is not None else [value] if value else [])))
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return out.getvalue()


def _header(column: str) -> str:
    """A ready-made question's column as a reader names it, in the page's language."""
    if column.endswith("_label") and column_label(column.removesuffix("_label")) != column.removesuffix("_label"):
        return t("csv.labels_of", column=column_label(column.removesuffix("_label")))
    return column_label(column)


def readable_csv(text: str) -> str:
    """A ready-made question's CSV as plain text in the reader's language:
    its headers named as the pages name them, its HTML (the excerpt's
    ``<mark>``, ``&#x27;``) as the text it shows, its own words translated."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        return text
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_header(column) for column in header])
    for row in rows:
        cells = []
        for column, value in zip(header, row):
            if column in QUERY_HTML_COLUMNS:
                value = spreadsheet_safe(html.unescape(re.sub(r"<[^>]*>", "", value)))
            elif column in QUERY_WORD_COLUMNS and value:
                value = t(f"csv.value.{value}", default=value)
            cells.append(value)
        writer.writerow(cells)
    return out.getvalue()


def is_csv(scope) -> bool:
    query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return scope["path"].endswith(".csv") or query.get("_format") == ["csv"]


async def _vocabulary_keys(datasette, table: str, header: list[str]) -> dict[str, dict]:
    """The columns of ``header`` that are foreign keys of ``table`` into a
    vocabulary, with that vocabulary (none for a query's CSV)."""
    tables = await vocabularies(datasette)
    found = {}
    for column in header:
        lookup = await lookup_of(datasette, table, column)
        if lookup:
            found[column] = tables[lookup]
    return found


def csv_for_spreadsheets(datasette, scope, send):
    """Collect a CSV response and send it rewritten by ``spreadsheet_csv``,
    as a download with a byte-order mark (Excel then reads UTF-8)."""
    start = {}
    chunks = []

    async def sending(message):
        if message["type"] == "http.response.start":
            start.update(message)
            if message["status"] != 200:
                start["passthrough"] = True
                await send(message)
            return
        if start.get("passthrough"):
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        tables = await vocabularies(datasette)
        code_columns = {column: tables.get(lookup, {}) for column, lookup in {**array_columns(datasette), **QUERY_CODE_COLUMNS}.items()}
        name = scope["path"].rstrip("/").rsplit("/", 1)[-1].removesuffix(".csv") or DATABASE
        text = b"".join(chunks).decode("utf-8")
        foreign_keys = await _vocabulary_keys(datasette, tilde_decode(name), next(csv.reader(io.StringIO(text)), []))
        text = spreadsheet_csv(text, code_columns, foreign_keys)
        if await datasette.get_canned_query(DATABASE, tilde_decode(name), None):
            text = readable_csv(text)
        body = b"\xef\xbb\xbf" + text.encode("utf-8")
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"content-type", b"content-disposition")]
        headers += [
            (b"content-type", b"text/csv; charset=utf-8"),
            (b"content-disposition", f'attachment; filename="{name}.csv"'.encode("latin-1", "replace")),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return sending
