"""The proceedings as the web, the printer and the archive take them (issue 29):
what the rendered pages of each PDF edition show, the edition's one date,
and the organisers' logos checked as the notes are read.

The PDFs are the example event's, made once by the session's build with
LibreOffice (``built_with_pdf``), read back with poppler and pypdf.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from babel.dates import format_date

from conftest import EXAMPLE_EVENT, EXAMPLE_NOTES, need_program
from test_proceedings import HEADER, body_of, load_notes, paragraphs, pdf_pages, style_of, text_of, write_proceedings

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


@pytest.fixture
def web_pdf(built_with_pdf) -> Path:
    need_program("soffice", "the proceedings are checked as LibreOffice lays them out")
    return built_with_pdf / "proceedings" / f"{EXAMPLE_EVENT}.pdf"


@pytest.fixture
def print_pdf(built_with_pdf) -> Path:
    need_program("soffice", "the print edition is made by LibreOffice")
    return built_with_pdf / "proceedings" / f"{EXAMPLE_EVENT}-stampa.pdf"


def latest_public_update(notes: Path = EXAMPLE_NOTES / EXAMPLE_EVENT) -> dt.date:
    updates = yaml.safe_load((notes / "followup.yaml").read_text("utf-8"))
    return max(dt.date.fromisoformat(str(u["date"])) for u in updates if u.get("visibility", "public") == "public")


def fonts_of_lines(pdf: Path, page: int) -> list[tuple[str, float, str]]:
    """(text, size in points, colour) of each text line of a page, as poppler reads them."""
    tool = need_program("pdftohtml", "reading the PDF's type sizes")
    xml = subprocess.run([tool, "-xml", "-i", "-zoom", "2", "-stdout", "-f", str(page), "-l", str(page), str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    spec = r'<fontspec id="(?P<id>\d+)" size="(?P<size>\d+)"[^>]* color="(?P<color>#\w+)"'
    fonts = {m["id"]: (int(m["size"]) / 2, m["color"]) for m in re.finditer(spec, xml)}
    return [(re.sub("<[^>]+>", "", m["text"]), *fonts[m["font"]]) for m in re.finditer(r'<text [^>]*font="(?P<font>\d+)"[^>]*>(?P<text>.*?)</text>', xml)]


def figure_alts(pdf: Path) -> list[str]:
    """The alt text of each figure of the PDF's structure tree, in order."""
    from pypdf import PdfReader

    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                walk(kid)

    walk(PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"])
    return alts


def contrast(colour: str) -> float:
    """WCAG contrast ratio of a text colour on white."""
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


# --- Fixes on every edition ---------------------------------------------------------------


@pytest.mark.libreoffice
def test_a_quote_never_leaves_its_attribution(web_pdf, print_pdf, built_with_pdf):
    for pdf in (web_pdf, print_pdf):
        for number, page in enumerate(pdf_pages(pdf), start=1):
            assert not body_of(page).startswith("— "), (pdf.name, number, body_of(page)[:80])
    document = built_with_pdf / "proceedings" / f"{EXAMPLE_EVENT}.docx"
    quotes = [p for p in paragraphs(document) if style_of(p) == "Quote"]
    assert quotes and all(p.find("w:pPr/w:keepNext", NS) is not None for p in quotes)


@pytest.mark.libreoffice
def test_an_update_keeps_its_source(web_pdf, print_pdf):
    updates = yaml.safe_load((EXAMPLE_NOTES / EXAMPLE_EVENT / "followup.yaml").read_text("utf-8"))
    sources = sum(1 for u in updates if u.get("source") and u.get("visibility", "public") == "public")
    assert sources >= 5
    for pdf in (web_pdf, print_pdf):
        pages = [body_of(page) for page in pdf_pages(pdf)]
        assert sum(page.count("Fonte: ") for page in pages) == sources  # each once, in the follow-up
        for number, page in enumerate(pages, start=1):
            assert not page.startswith("Fonte: "), (pdf.name, number, page[:80])


@pytest.mark.libreoffice
def test_one_edition_date_in_colophon_citation_and_data_package(web_pdf, built_with_pdf):
    """The latest public update the volume holds (December 2020), not the
    event's day: in the colophon, CITATION.cff, datapackage.json and the database."""
    import sqlite3

    latest = latest_public_update()
    assert latest == dt.date(2020, 12, 14)
    colophon = body_of(pdf_pages(web_pdf)[1])
    assert f"Data di pubblicazione: {format_date(latest, 'long', locale='it')}" in colophon
    assert colophon.rstrip().endswith(f"Regione Piemonte, {latest.year}.") or f"Regione Piemonte, {latest.year}." in colophon
    citation = yaml.safe_load((built_with_pdf / "CITATION.cff").read_text("utf-8"))
    package = json.loads((built_with_pdf / "datapackage.json").read_text("utf-8"))
    with sqlite3.connect(built_with_pdf / "outcomes.db") as conn:
        rows = conn.execute("select id, published from events").fetchall()
    assert (citation["date-released"], citation["version"], package["version"], rows) == (
        latest.isoformat(), latest.isoformat(), latest.isoformat(), [(EXAMPLE_EVENT, latest.isoformat())],
    )


@pytest.mark.libreoffice
def test_metadata_blocks_are_large_and_dark_enough_for_paper(web_pdf, print_pdf):
    """The outcomes' details (Chi:, Entro:, SDG:...) and the updates' sources:
    at least 9.5 pt; on the web #404040 (10:1 on white), in print solid black."""
    for pdf, colours in ((web_pdf, {"#404040"}), (print_pdf, {"#000000"})):
        pages = pdf_pages(pdf)
        numbers = [n for n, page in enumerate(pages, start=1) if " Chi: " in page or " Fonte: " in page][:6]
        assert numbers
        lines = [line for n in numbers for line in fonts_of_lines(pdf, n) if line[0].startswith(("Chi:", "Entro:", "Fonte:", "SDG:"))]
        assert lines
        assert {size for _, size, _ in lines} == {9.5}, (pdf.name, lines[:4])
        assert {colour for _, _, colour in lines} == colours
        assert all(contrast(colour) >= 7 for colour in colours)


@pytest.mark.libreoffice
def test_participants_table_and_chart_by_count(web_pdf, built_with_pdf):

    from outcomes import vocab

    _, sessions = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)
    present: dict[str, int] = {}
    for note in sessions:
        for actor, count in note.session.participants.items():
            present[actor] = present.get(actor, 0) + count
    counts = sorted(present.values(), reverse=True)
    labels = {vocab.actor_types().label(actor): count for actor, count in present.items()}
    pages = pdf_pages(web_pdf, "-raw")
    table = next(body_of(page) for page in pages if body_of(page).startswith("Partecipanti Tipo di attore"))
    shown = [int(m[2]) for m in re.finditer(r"(" + "|".join(map(re.escape, labels)) + r") (\d+)", table)]
    assert shown[: len(counts)] == counts
    chart = [int(n) for n in re.findall(r": (\d+)", figure_alts(web_pdf)[0])]
    assert chart == counts


@pytest.mark.libreoffice
def test_index_finds_themes_actors_and_keywords_in_short(web_pdf):
    pages = [body_of(page) for page in pdf_pages(web_pdf)]
    start = max(n for n, page in enumerate(pages) if page.startswith("Indice analitico"))
    index = " ".join(pages[start:])
    for heading in ("Temi", "Tipi di attore", "Parole chiave"):
        assert f" {heading} " in index
    assert re.search(r"Rimesse — [\d.]+ \(p\. \d+\)", index)  # a theme
    assert re.search(r"rimesse collettive — [\d.]+ \(p\. \d+\)", index)  # a keyword
    assert re.search(r"Associazione della diaspora — [\d.]+ \(p\. \d+\)", index)  # an actor type
    # Targets by short titles, the entries in two columns: the SDG part, 4 pages before, within 2.
    sdg = next(n for n in range(start, len(pages)) if "Obiettivi e target di sviluppo sostenibile (SDG)" in pages[n])
    gcm = next(n for n in range(start, len(pages)) if "Obiettivi del Global Compact per le migrazioni" in pages[n])
    assert gcm - sdg <= 1
    assert re.search(r"10\.7 Rendere più disciplinate, sicure, regolari e responsabili la… — ", index)


# --- The archival (web) edition -----------------------------------------------------------


@pytest.mark.libreoffice
def test_web_edition_is_pdf_a_2_and_pdf_ua_1(web_pdf):
    from pypdf import PdfReader

    reader = PdfReader(web_pdf)
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    identification = {name: re.search(rf"<{name}>([^<]+)</{name}>", xmp)[1] for name in ("pdfaid:part", "pdfaid:conformance", "pdfuaid:part")}
    assert identification == {"pdfaid:part": "2", "pdfaid:conformance": "B", "pdfuaid:part": "1"}
    event = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)[0].event
    assert re.search(r"<dc:title>\s*<rdf:Alt>\s*<rdf:li xml:lang=\"x-default\">([^<]+)</rdf:li>", xmp)[1] == event.title
    assert (root["/Lang"], reader.metadata.title, reader.is_encrypted) == ("it-IT", event.title, False)
    assert "/JavaScript" not in root.get("/Names", {}) and "/AA" not in root
    opening = root.get("/OpenAction")
    assert not isinstance(opening, dict) or opening.get("/S") != "/JavaScript"
    fonts = subprocess.run([need_program("pdffonts", "reading the PDF"), str(web_pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(row[-5] == "yes" for row in rows), fonts
    kinds = set()
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A", {})
            kinds.add(action.get("/S"))
            assert "/AA" not in annotation and action.get("/S") not in ("/JavaScript", "/Launch", "/GoToR", "/ImportData")
            assert not str(action.get("/URI", "")).startswith("file:")
    assert "/URI" in kinds  # the links to the web stay


# --- The print edition --------------------------------------------------------------------


@pytest.mark.libreoffice
def test_print_edition_opens_every_part_on_a_right_hand_page(print_pdf, built_with_pdf):
    from pypdf import PdfReader

    reader = PdfReader(print_pdf)
    chapters = [(item.title, reader.get_destination_page_number(item) + 1) for item in reader.outline if not isinstance(item, list)]
    headings = [text_of(p) for p in paragraphs(built_with_pdf / "proceedings" / f"{EXAMPLE_EVENT}.docx", "Heading1")]
    assert [title for title, _ in chapters] == headings and len(headings) >= 8
    assert all(page % 2 == 1 for _, page in chapters), chapters
    pages = pdf_pages(print_pdf)
    for title, page in chapters:
        assert body_of(pages[page - 1]).startswith(" ".join(title.split())), title
    contents = body_of(pages[2])
    assert contents.startswith("Indice Presentazione")  # page 3: the cover, the colophon on its back, the contents


@pytest.mark.libreoffice
def test_print_edition_blank_pages_cover_and_colophon_have_no_header_or_number(print_pdf, tmp_path):
    """Blank left pages carry nothing; the cover has no running header or
    number, nor has the colophon, which stands at the foot of the cover's back."""
    from PIL import Image

    pages = pdf_pages(print_pdf)[:-1]  # pdftotext ends with a form feed
    headers = pdf_pages(print_pdf, "-y", "0", "-W", "600", "-H", "60")[:-1]  # the top 2.1 cm of each page
    footers = pdf_pages(print_pdf, "-y", "790", "-W", "600", "-H", "52")[:-1]  # the bottom 1.8 cm, below the text
    blank = [n for n, page in enumerate(pages, start=1) if not page.strip()]
    assert blank and all(n % 2 == 0 for n in blank)
    for number, (header, footer) in enumerate(zip(headers, footers, strict=True), start=1):
        numbered = footer == f"Pagina {number} di {len(pages)}"
        assert numbered == (number > 2 and number not in blank), (number, footer)
        assert (header == HEADER.strip()) == numbered, (number, header)
    assert "Data di pubblicazione" in pages[1]
    pdftoppm = need_program("pdftoppm", "rendering the PDF's pages")
    subprocess.run([pdftoppm, "-r", "40", "-gray", "-png", "-f", "2", "-l", "2", str(print_pdf), str(tmp_path / "page")], check=True)
    picture = Image.open(next(tmp_path.glob("page-*.png")))
    ink = picture.point(lambda value: 255 if value < 200 else 0).getbbox()
    assert ink[1] > picture.size[1] / 2  # the colophon's first line below the middle of the page


@pytest.mark.libreoffice
def test_print_edition_has_mirrored_margins_with_a_gutter(print_pdf, tmp_path):
    """Right-hand (odd) pages leave 3 cm on the left (2 cm and the 1 cm
    gutter) and 2 cm on the right; left-hand pages the other way round."""
    from PIL import Image

    pdftoppm = need_program("pdftoppm", "rendering the PDF's pages")
    subprocess.run([pdftoppm, "-r", "40", "-gray", "-png", "-f", "5", "-l", "16", str(print_pdf), str(tmp_path / "page")], check=True)
    cm = 40 / 2.54
    sides = {0: [], 1: []}
    for image in sorted(tmp_path.glob("page-*.png")):
        number = int(image.stem.split("-")[1])
        picture = Image.open(image)
        ink = picture.point(lambda value: 255 if value < 200 else 0).getbbox()
        if ink:
            sides[number % 2].append((ink[0], picture.size[0] - ink[2]))
    assert sides[0] and sides[1]
    for left, right in sides[1]:  # right-hand pages: the gutter on the left
        assert left >= round(3 * cm) - 1 and right >= round(2 * cm) - 1
    for left, right in sides[0]:
        assert round(2 * cm) - 1 <= left < round(3 * cm) - 1 and right >= round(3 * cm) - 1
    assert min(left for left, _ in sides[1]) > max(left for left, _ in sides[0])


@pytest.mark.libreoffice
def test_print_edition_fonts_embedded_pictures_at_300_dpi_and_logos_on_the_cover(print_pdf):
    from pypdf import PdfReader

    fonts = subprocess.run([need_program("pdffonts", "reading the PDF"), str(print_pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(row[-5] == "yes" for row in rows), fonts
    listing = subprocess.run([need_program("pdfimages", "listing the PDF's pictures"), "-list", str(print_pdf)],
                             capture_output=True, text=True, check=True).stdout
    images = [line.split() for line in listing.splitlines()[2:]]
    assert len(images) >= 2  # the PNG logo and the chart
    assert all(int(row[12]) >= 300 and int(row[13]) >= 300 for row in images), listing  # x-ppi, y-ppi
    assert all(row[2] == "image" for row in images)  # no soft mask: nothing transparent to flatten
    figures = figure_alts(print_pdf)
    event = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)[0].event
    logos = [organiser.logo.alt for organiser in event.organisers if organiser.logo]
    assert logos == ["Logo della Regione Piemonte (segnaposto)",
                     "Logo della Rete degli enti locali piemontesi per la cooperazione decentrata (segnaposto)"]
    assert figures[:2] == logos
    assert "/XObject" in PdfReader(print_pdf).pages[0]["/Resources"]  # the logos are on the cover


# --- Logos, as the notes are read ---------------------------------------------------------

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><rect width="20" height="10"/></svg>'


@pytest.mark.parametrize("name, content, message", [
    ("assente.svg", None, "il file «assente.svg» non c'è accanto a event.yaml"),
    ("grande.png", b"\x89PNG\r\n\x1a\n" + bytes(2 * 1024 * 1024), "il file «grande.png» pesa 2.0 MB: un logo deve stare sotto i 2 MB"),
    ("finto.png", b"GIF89a", "il file «finto.png» non è un'immagine PNG"),
    ("finto.svg", b"<html/>", "il file «finto.svg» non è un'immagine SVG"),
    ("logo.gif", b"GIF89a", "«logo.gif» non è il nome di un file PNG/SVG accanto a event.yaml (es. logo-ente.svg, senza cartelle)"),
    ("../logo.svg", SVG, "«../logo.svg» non è il nome di un file PNG/SVG accanto a event.yaml (es. logo-ente.svg, senza cartelle)"),
])
def test_a_logo_that_cannot_be_printed_is_an_error_with_file_line_and_field(run, tmp_path, name, content, message):
    from helpers import EVENT_YAML, write_library

    event = EVENT_YAML.replace("  - name: Regione Piemonte\n", f"  - name: Regione Piemonte\n    logo:\n      file: {name}\n      alt: Logo\n", 1)
    assert event != EVENT_YAML
    notes = write_library(tmp_path, event=event)
    if content is not None and "/" not in name:
        (notes / "convegno-2019" / name).write_bytes(content)
    result = run("check", notes)
    assert result.exit_code == 1
    path = notes / "convegno-2019" / "event.yaml"
    line = event.splitlines().index(f"      file: {name}") + 1
    assert result.stderr.splitlines()[0] == f"{path}:{line}:13: error: organisers[0].logo.file: {message}"


def test_a_good_logo_is_placed_at_a_fixed_height_with_its_alt_text(tmp_path):
    from helpers import EVENT_YAML, write_library

    event = EVENT_YAML.replace("  - name: Regione Piemonte\n", "  - name: Regione Piemonte\n    logo:\n      file: logo.svg\n      alt: Logo di prova\n", 1)
    notes = write_library(tmp_path, event=event)
    (notes / "convegno-2019" / "logo.svg").write_bytes(SVG)
    event_note, sessions = load_notes(notes / "convegno-2019")
    write_proceedings(event_note, sessions, tmp_path / "web.docx")
    write_proceedings(event_note, sessions, tmp_path / "stampa.docx", printed=True)
    from test_proceedings import part

    web, printed = (part(tmp_path / name, "word/document.xml") for name in ("web.docx", "stampa.docx"))
    wp = {"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"}
    assert web.xpath("//wp:docPr[@descr='Logo di prova']", namespaces=wp) == []  # the web edition has no cover logos
    (logo,) = printed.xpath("//wp:inline[wp:docPr/@descr='Logo di prova']", namespaces=wp)
    extent = logo.find("wp:extent", wp)
    assert (int(extent.get("cx")), int(extent.get("cy"))) == (1296000, 648000)  # 1.8 cm high, 2:1 as its viewBox
    settings = part(tmp_path / "stampa.docx", "word/settings.xml")
    assert settings.find("w:mirrorMargins", NS) is not None
    sections = printed.xpath("//w:sectPr", namespaces=NS)
    assert [s.find("w:type", NS).get(f"{{{W}}}val") for s in sections][:3] == ["nextPage", "nextPage", "oddPage"]
    assert [s.find("w:type", NS).get(f"{{{W}}}val") for s in sections][-1] == "continuous"  # the index, in two columns
    assert [s.find("w:cols", NS) is not None for s in web.xpath("//w:sectPr", namespaces=NS)] == [False, True]
    assert {s.find("w:pgMar", NS).get(f"{{{W}}}gutter") for s in sections} == {"567"}
