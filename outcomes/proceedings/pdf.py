"""Word documents to tagged PDF with LibreOffice, and the page of each bookmark.

``convert(documents, folder, options)`` runs one headless LibreOffice for
all the documents (starting it costs more than converting a short
document), with a private, throw-away profile: two LibreOffice processes
sharing a profile wait for, or break, each other.

Two editions, each with its filter options. The web edition
(``web_options``) is also the archival one: PDF/A-2b, the format AgID's
guidelines name for keeping documents, and PDF/UA-1, tagged for
accessibility (structure tags, document language, title shown from the
metadata, an outline from the headings), fonts embedded; every Word bookmark
becomes a named destination, which ``bookmark_pages`` reads back: the page
numbers LibreOffice computed, which ``add_pdfs`` writes into the Word
documents' own page references. The print edition (``print_options``,
``<event-id>-stampa.pdf``) is PDF/A-2b too, for its embedded fonts and
colours, with the blank left-hand pages its right-hand chapters need and
its pictures as they are (no JPEG, no lower resolution).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path
from collections.abc import Iterable

from .. import wordml
from ..messages import message

# LibreOffice's writer_pdf_Export options (officecfg's Common/Filter/PDF/Export).
PDF_A_2 = 2  # SelectPdfVersion: 2 is PDF/A-2b
COMMON_OPTIONS = {
    "SelectPdfVersion": PDF_A_2,  # fonts embedded, colours defined, no JavaScript, no encryption
    "UseTaggedPDF": True,  # structure tags: headings, lists, tables, figures with alt text
    "EmbedStandardFonts": True,  # every font embedded, even the PDF base 14
    "ExportNotes": False,
    "ExportLinksRelativeFsys": False,  # no link to a file on a disk
    "ConvertOOoTargetToPDFTarget": False,
    "UseLosslessCompression": True,  # pictures (the chart, logos) as they are: no JPEG
    "ReduceImageResolution": False,
}


def web_options() -> dict[str, bool | int]:
    """The web (and archival) edition: PDF/A-2b and PDF/UA-1, with an
    outline and the Word bookmarks as named destinations."""
    return {
        **COMMON_OPTIONS,
        "PDFUACompliance": True,  # PDF/UA: the title in the XMP metadata, shown as the window title
        "ExportBookmarks": True,  # the outline, from the headings
        "ExportBookmarksToPDFDestination": True,  # Word bookmarks as named destinations
    }


def print_options() -> dict[str, bool | int]:
    """The print edition: the same, with the blank pages LibreOffice inserts
    before a right-hand chapter kept (a printer imposes every page)."""
    return {**web_options(), "IsSkipEmptyPages": False}


def export_filter(options: dict[str, bool | int]) -> str:
    """``--convert-to``'s argument: the PDF filter with ``options`` as typed filter data."""
    typed = {
        name: {"type": "boolean", "value": str(value).lower()} if isinstance(value, bool) else {"type": "long", "value": str(value)}
        for name, value in options.items()
    }
    return "pdf:writer_pdf_Export:" + json.dumps(typed, separators=(",", ":"))


# LibreOffice's time for a document: starting it, then in proportion to the
# documents' text (word/document.xml, uncompressed). The example event's 0.46
# MB take about 8 s; one paragraph of 1 MB took 110 s, of 2 MB 6 min 42 s:
# laying out a very long paragraph grows faster than its length.
BASE_SECONDS = 60
SECONDS_PER_MB = 60


class PdfError(Exception):
    """LibreOffice did not make a PDF."""

    def reason(self, lang: str) -> str:
        """Why, for a message in ``lang``."""
        return str(self)


class PdfTimeout(PdfError):
    """LibreOffice did not finish within its time limit, and was stopped."""

    def __init__(self, limit: float, size: int):
        super().__init__(f"LibreOffice took more than {limit:.0f} s")
        self.limit, self.size = limit, size

    def reason(self, lang: str) -> str:
        return message("limits.pdf_timeout", lang, limit=f"{self.limit:.0f}", size=f"{self.size / 2**20:.1f}",
                       base=BASE_SECONDS, per_mb=SECONDS_PER_MB)


def soffice() -> str | None:
    """LibreOffice's command, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def time_limit(documents: Iterable[Path]) -> tuple[float, int]:
    """LibreOffice's time limit for ``documents`` (seconds), and the size of
    their text it is reckoned from (bytes, read from the zip directories)."""
    size = sum(_text_size(document) for document in documents)
    return BASE_SECONDS + SECONDS_PER_MB * size / 2**20, size


def _text_size(document: Path) -> int:
    try:
        with zipfile.ZipFile(document) as package:
            return package.getinfo("word/document.xml").file_size
    except (OSError, KeyError, zipfile.BadZipFile):
        return 0


def convert(documents: Iterable[Path], folder: Path, options: dict | None = None, *, timeout: float | None = None) -> list[Path]:
    """Convert ``documents`` (.docx) to PDF files of the same names in
    ``folder``, with the filter ``options`` (default: ``web_options``).

    Raises ``PdfError`` if LibreOffice is missing, fails, or leaves a PDF
    out; ``PdfTimeout`` if it runs past ``timeout`` (by default
    ``time_limit``), when its whole process group is killed: the command is
    a launcher script, and killing it alone left soffice.bin converting
    (and holding the pipes this process waits on) for minutes.
    """
    documents = [Path(d) for d in documents]
    if not documents:
        return []
    program = soffice()
    if program is None:
        raise PdfError("soffice not found")
    folder = Path(folder)
    with tempfile.TemporaryDirectory(prefix="outcomes-libreoffice-") as profile:
        command = [
            program, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
            "--convert-to", export_filter(options or web_options()), "--outdir", str(folder), *map(str, documents),
        ]
        environment = {**os.environ, "HOME": profile}  # nothing of LibreOffice's in the user's home
        limit, size = time_limit(documents)
        try:
            status, output = _run(command, environment, timeout or limit)
        except subprocess.TimeoutExpired:
            raise PdfTimeout(timeout or limit, size) from None
    made = [folder / f"{document.stem}.pdf" for document in documents]
    missing = [path.name for path in made if not path.exists()]
    if status != 0 or missing:
        detail = output.strip().splitlines()
        raise PdfError(f"LibreOffice exited {status}, no {', '.join(missing) or 'error'}: {detail[-1] if detail else ''}")
    return made


def _run(command: list[str], environment: dict, timeout: float) -> tuple[int, str]:
    """Run ``command`` in a process group of its own, killed whole if it
    runs past ``timeout`` (``TimeoutExpired``) or this process is interrupted."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)  # the group's leader is not reaped yet: its id is still ours
        process.communicate()
        raise
    return process.returncode, err or out


def destination_name(bookmark: str) -> str:
    """How LibreOffice names a bookmark's destination: ``_Toc_s1`` -> ``5FToc5Fs1``
    (characters other than ASCII letters and digits as hexadecimal UTF-8)."""
    return "".join(
        char if char.isascii() and char.isalnum() else char.encode("utf-8").hex().upper() for char in bookmark
    )


def bookmark_pages(pdf: Path, bookmarks: Iterable[str]) -> dict[str, int]:
    """The page number (from 1) of each of ``bookmarks`` found in ``pdf``."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    destinations = {name.lstrip("/"): value for name, value in reader.named_destinations.items()}
    pages = {}
    for bookmark in bookmarks:
        destination = destinations.get(destination_name(bookmark))
        if destination is not None:
            pages[bookmark] = reader.get_destination_page_number(destination) + 1
    return pages


def add_pdfs(documents: list[Path], printed: Iterable[Path] = ()) -> list[Path]:
    """The PDF edition of each of ``documents``, beside it, made by LibreOffice;
    and the page numbers LibreOffice computed written into the documents'
    page references, so Word shows them as they are. Each of ``printed``
    (the print edition's documents, see ``proceedings.Writer``) becomes its
    PDF beside it and is removed: only its PDF is an edition.

    LibreOffice writes into a hidden folder beside the documents; each PDF
    is then renamed into place: a failed conversion (``PdfError``)
    replaces nothing."""
    made = []
    for folder, group in _by_folder(documents).items():
        scratch = Path(tempfile.mkdtemp(prefix=".pdf-", dir=folder))
        try:
            converted = convert(group, scratch, web_options())
            for document, pdf_file in zip(group, converted):
                wordml.fill_page_refs(document, bookmark_pages(pdf_file, wordml.page_refs(document)))
            for document, pdf_file in zip(group, converted):
                target = document.with_suffix(".pdf")
                os.replace(pdf_file, target)
                made.append(target)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    for folder, group in _by_folder(printed).items():
        scratch = Path(tempfile.mkdtemp(prefix=".pdf-", dir=folder))
        try:
            for document, pdf_file in zip(group, convert(group, scratch, print_options())):
                target = document.with_suffix(".pdf")
                os.replace(pdf_file, target)
                document.unlink()
                made.append(target)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return made


def _by_folder(documents: Iterable[Path]) -> dict[Path, list[Path]]:
    folders: dict[Path, list[Path]] = defaultdict(list)
    for document in documents:
        folders[Path(document).parent].append(Path(document))
    return folders
