"""What the print edition (``<event>-stampa.pdf``) adds to the document:
sections that put each part on a right-hand page and the colophon at the
foot of the cover's back, and the organisers' logos for the cover.

Word's "odd page" section break (``w:type w:val="oddPage"``) makes Word and
LibreOffice insert a blank left-hand page where one is needed; the margins
mirror (``look.prepare``) with the gutter inside. The cover and the colophon
are sections without header or footer; every part's section has both.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.shape import CT_Inline
from docx.shared import Cm, Emu
from lxml import etree

from .. import models, wordml
from .look import GUTTER, PRINT_MARGIN, TEXT_WIDTH

LOGO_HEIGHT = Cm(1.8)  # every logo as high as the others; as wide as its shape says, up to
LOGO_MAX_WIDTH = Cm(5)
# The colophon's paragraphs in one frame at the foot of the text area, full width
# (LibreOffice 7.4 ignores a section's vertical alignment, w:vAlign; Word places the frame alike).
COLOPHON_FRAME = (
    f'<w:framePr w:w="{TEXT_WIDTH}" w:wrap="around" w:vAnchor="margin" w:hAnchor="margin" w:xAlign="left" w:yAlign="bottom"/>'
)
_CONTENT_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}


class Sections:
    """The document's sections, ended as it is written. The web edition has
    one (``web``: the title page without header or footer) until the index,
    whose entries run in two ``columns`` on the same page. The print edition
    begins with the ``cover``; ``start(kind)`` ends the current section and
    begins the ``colophon`` (the back of the cover) or a ``part`` (on a
    right-hand page, with the running header and the page number);
    ``end()`` makes the body's own section properties the last section's."""

    def __init__(self, document, writer: wordml.Writer, printed: bool):
        self.document, self.writer, self.printed = document, writer, printed
        body = document.sections[0]._sectPr
        self.references = "".join(
            etree.tostring(reference, encoding="unicode")
            for name in ("w:headerReference", "w:footerReference")
            for reference in body.findall(qn(name))
            if reference.get(qn("w:type")) == "default"
        )
        self.kind = "cover" if printed else "web"

    def properties(self, kind: str) -> str:
        """A ``w:sectPr`` for a section of ``kind`` (children in schema order)."""
        width, height = wordml.A4
        start = {"cover": "nextPage", "web": "nextPage", "colophon": "nextPage", "part": "oddPage", "columns": "continuous"}[kind]
        left, right, gutter = (PRINT_MARGIN, PRINT_MARGIN + 1, GUTTER) if self.printed else (1418, 1418, 0)
        return (
            "<w:sectPr>"
            + (self.references if kind not in ("cover", "colophon") else "")
            + f'<w:type w:val="{start}"/><w:pgSz w:w="{width}" w:h="{height}"/>'
            f'<w:pgMar w:top="1418" w:right="{right}" w:bottom="1418" w:left="{left}"'
            f' w:header="709" w:footer="709" w:gutter="{gutter}"/>'
            + ('<w:cols w:num="2" w:space="567"/>' if kind == "columns" else "")
            + ("<w:titlePg/>" if kind == "web" else "")
            + "</w:sectPr>"
        )

    def start(self, kind: str) -> None:
        self.writer.end_section(self.properties(self.kind))
        self.kind = kind

    def end(self) -> None:
        body = self.document.element.body
        last = parse_xml(self.properties(self.kind).replace("<w:sectPr>", f"<w:sectPr {nsdecls('w', 'r')}>", 1))
        body.replace(body.find(qn("w:sectPr")), last)


def logo_inline(document, organiser: models.Organiser, folder: Path, number: int):
    """The organiser's logo (``organiser.logo``, a file in ``folder``) as a
    ``wp:inline`` of fixed height with its alt text; its width from the
    image's own proportions, at most ``LOGO_MAX_WIDTH``."""
    logo = organiser.logo
    path = folder / logo.file
    data = path.read_bytes()
    suffix = path.suffix.lower()
    pixels = png_size(data) if suffix == ".png" else svg_size(data)
    width, height = LOGO_HEIGHT * pixels[0] / pixels[1], LOGO_HEIGHT
    if width > LOGO_MAX_WIDTH:
        width, height = LOGO_MAX_WIDTH, LOGO_MAX_WIDTH * pixels[1] / pixels[0]
    part = Part(PackURI(f"/word/media/logo{number}{suffix}"), _CONTENT_TYPES[suffix], data, document.part.package)
    rid = document.part.relate_to(part, RT.IMAGE)
    inline = CT_Inline.new_pic_inline(900 + number, rid, logo.file, Emu(int(width)), Emu(int(height)))
    doc_pr = inline.find(qn("wp:docPr"))
    doc_pr.set("name", organiser.name)
    doc_pr.set("descr", logo.alt)
    return inline


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels, from its IHDR chunk."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def svg_size(data: bytes) -> tuple[float, float]:
    """An SVG's proportions: its viewBox, else its width and height, else square."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4 and float(box[2]) > 0 and float(box[3]) > 0:
        return float(box[2]), float(box[3])
    sizes = [re.match(r"\s*([0-9.]+)", root.get(name) or "") for name in ("width", "height")]
    if all(sizes) and float(sizes[0][1]) > 0 and float(sizes[1][1]) > 0:
        return float(sizes[0][1]), float(sizes[1][1])
    return 1.0, 1.0
