"""WordprocessingML for long documents made with python-docx, in linear time.

python-docx does the package, styles, sections and core properties well, but
its ``add_paragraph``, ``add_heading`` and ``add_table`` scan the whole body
(XPath for the section properties, style lookups by name, the table grid on
every ``cell()`` call), so a document of thousands of paragraphs takes
quadratic time, and even at the lxml level each element costs microseconds.
Here the body is written as XML text, in document order, with style ids
resolved once, and goes into the package as it is saved, before the
template's section properties: a million elements take about a second.
(Parsing it into the document instead would cost more than writing it, and
lxml moves a tree with ``xml:space`` attributes between documents in
quadratic time.)

What python-docx has no API for is here too: bookmarks, internal and external
hyperlinks, fields (PAGE, NUMPAGES, PAGEREF), repeating table header rows,
table and image alt text, list numbering that restarts, Markdown rendered as
Word formatting, and a package written with fixed dates so that the same
content always gives the same bytes.

Inline builders (``run``, ``internal_link``, ``field``...) return XML text;
block builders (``paragraph``, ``heading``, ``table``) append to the body.
Every text passes through ``escape``: nothing from a note is ever markup.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path
from collections.abc import Iterable, Sequence

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree
from markdown_it import MarkdownIt

SubElement = etree.SubElement
VAL = qn("w:val")
PPR = qn("w:pPr")
A4 = (11906, 16838)  # twips
BREAK = "<w:r><w:br/></w:r>"
RIGHT = '<w:jc w:val="right"/>'
TAB = "<w:r><w:tab/></w:r>"
CELL_MARGIN = 108  # twips: the left and right cell margins of the template's table styles


def escape(text: str) -> str:
    """Text as XML character data (and attribute values, in double quotes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class Writer:
    """The body of a python-docx document, written as XML text.

    Styles are named by their user-interface names (``Heading 1``,
    ``Hyperlink``) and looked up once. ``xml()`` is the result, for ``save``.
    """

    def __init__(self, document):
        self.document = document
        self.part = document.part
        self.styles = {style.name: style.style_id for style in document.styles}
        self.numbering = Numbering(document)
        self._body: list[str] = []
        self._bookmarks = 0
        self._links: dict[str, str] = {}
        self._run_properties: dict[tuple, str] = {}

    # -- inline: each returns XML text --

    def run(self, text: str, *, style: str | None = None, bold=False, italic=False, strike=False) -> str:
        """A run of ``text`` (no line breaks or tabs in it)."""
        if not text:
            return ""
        key = (style, bold, italic, strike)
        properties = self._run_properties.get(key)
        if properties is None:  # the same few combinations, over and over: written once each
            properties = (
                (f'<w:rStyle w:val="{self.styles[style]}"/>' if style else "")
                + ("<w:b/>" if bold else "")
                + ("<w:i/>" if italic else "")
                + ("<w:strike/>" if strike else "")
            )
            properties = self._run_properties[key] = f"<w:rPr>{properties}</w:rPr>" if properties else ""
        space = ' xml:space="preserve"' if text[0] == " " or text[-1] == " " else ""
        return f"<w:r>{properties}<w:t{space}>{escape(text)}</w:t></w:r>"

    def text(self, text: str, **format) -> str:
        """Runs of ``text``, its newlines as line breaks and its tabs as tabs."""
        if "\n" not in text and "\t" not in text:
            return self.run(text, **format)
        return BREAK.join(TAB.join(self.run(part, **format) for part in line.split("\t")) for line in text.split("\n"))

    def bookmark(self, name: str, inner: str) -> str:
        """``inner`` marked as the bookmark ``name`` (a target for links and PAGEREF)."""
        self._bookmarks += 1
        number = self._bookmarks
        return f'<w:bookmarkStart w:id="{number}" w:name="{escape(name)}"/>{inner}<w:bookmarkEnd w:id="{number}"/>'

    def internal_link(self, anchor: str, inner: str) -> str:
        """``inner`` as a hyperlink to the bookmark ``anchor``."""
        return f'<w:hyperlink w:anchor="{escape(anchor)}" w:history="1">{inner}</w:hyperlink>'

    def external_link(self, url: str, inner: str) -> str:
        """``inner`` as a hyperlink to ``url``. One relationship per address."""
        rid = self._links.get(url)
        if rid is None:
            rid = f"rIdLink{len(self._links) + 1}"
            self.part.rels.add_relationship(RT.HYPERLINK, url, rid, is_external=True)
            self._links[url] = rid
        return f'<w:hyperlink r:id="{rid}" w:history="1">{inner}</w:hyperlink>'

    def field(self, instruction: str, cached: str = "") -> str:
        """A field (``PAGE``, ``PAGEREF name \\h``...) showing ``cached`` until
        the word processor computes it: Word when it updates fields,
        LibreOffice at layout. A simple field is one element where a complex
        field takes nine."""
        result = self.run(cached) if cached else ""
        return f'<w:fldSimple w:instr=" {escape(instruction)} ">{result}</w:fldSimple>'

    def page_ref(self, bookmark: str) -> str:
        """The number of the page where ``bookmark`` is."""
        return self.field(f"PAGEREF {bookmark} \\h")

    # -- blocks: each is appended to the body --

    def paragraph(self, style: str | None, inner: str = "", *, numbering: tuple[int, int] | None = None,
                  keep_next: bool = False) -> None:
        """A paragraph in ``style`` holding ``inner``; ``numbering`` is
        (numbering id, list level) for a list item; ``keep_next`` keeps it on
        the page of the paragraph that follows."""
        self._body.append(self._paragraph(style, inner, numbering, keep_next))

    def _paragraph(self, style: str | None, inner: str, numbering: tuple[int, int] | None = None,
                   keep_next: bool = False) -> str:
        properties = f'<w:pStyle w:val="{self.styles[style]}"/>' if style else ""
        if keep_next:
            properties += "<w:keepNext/>"
        if numbering:
            properties += f'<w:numPr><w:ilvl w:val="{numbering[1]}"/><w:numId w:val="{numbering[0]}"/></w:numPr>'
        return f"<w:p><w:pPr>{properties}</w:pPr>{inner}</w:p>" if properties else f"<w:p>{inner}</w:p>"

    def heading(self, level: int, text: str, *, bookmark: str | None = None, number: str | None = None) -> None:
        """A ``Heading <level>`` paragraph, optionally numbered and bookmarked."""
        inner = (self.run(f"{number}\u2002") if number else "") + self.run(text)  # an en space after the number
        self.paragraph(f"Heading {level}", self.bookmark(bookmark, inner) if bookmark else inner)

    def table(
        self,
        columns: Sequence[tuple[str, int, str]],
        rows: Iterable[Sequence[str]],
        *,
        caption: str,
        description: str,
    ) -> None:
        """A full-width table whose first row (the column titles) repeats on
        every page, with ``caption`` and ``description`` as its alt text.
        Its borders line up with the text margin: the indent is the cells'
        left margin, which Word (before 2013's layout) and LibreOffice
        otherwise hang out into the margin.

        ``columns`` are (title, width in twips, alignment: left or right);
        each cell of ``rows`` is inline XML (runs, links).
        """
        grid = "".join(f'<w:gridCol w:w="{width}"/>' for _, width, _ in columns)
        cells = [
            (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr>'
             f'<w:pStyle w:val="{self.styles["Table Text"]}"/>{RIGHT if align == "right" else ""}</w:pPr>')
            for _, width, align in columns
        ]
        header = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:shd w:val="clear" w:color="auto" w:fill="DCE6F0"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{self.styles["Table Heading"]}"/>{RIGHT if align == "right" else ""}'
            f"</w:pPr>{self.run(title)}</w:p></w:tc>"
            for title, width, align in columns
        )
        body = self._body
        body.append(
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.styles["Table Grid"]}"/>'
            f'<w:tblW w:w="{sum(width for _, width, _ in columns)}" w:type="dxa"/>'
            f'<w:tblInd w:w="{CELL_MARGIN}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
            f'<w:tblCaption w:val="{escape(caption)}"/><w:tblDescription w:val="{escape(description)}"/></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>"
            f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{header}</w:tr>"
        )
        for row in rows:
            body.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            body.append("".join(f"{start}{inner}</w:p></w:tc>" for start, inner in zip(cells, row)))
            body.append("</w:tr>")
        body.append("</w:tbl>")

    def mark(self) -> int:
        """Where the body is now, for ``frame``."""
        return len(self._body)

    def frame(self, since: int, properties: str) -> None:
        """Put the paragraphs written since ``mark()`` in one frame (a
        ``w:framePr``, the same on each: Word and LibreOffice join them)."""
        for number in range(since, len(self._body)):
            block = self._body[number]
            if block.startswith("<w:p><w:pPr><w:pStyle "):
                end = block.index("/>", len("<w:p><w:pPr>")) + 2  # framePr after the style (and keepNext, none here)
                self._body[number] = block[:end] + properties + block[end:]

    def end_section(self, properties: str) -> None:
        """End the section here: ``properties`` (a ``w:sectPr``) go into the
        last paragraph's properties, last in them as the schema orders it; after
        a table, into an empty paragraph of their own."""
        last = self._body[-1] if self._body else ""
        if not (last.startswith("<w:p>") and last.endswith("</w:p>")):
            self._body.append(f"<w:p><w:pPr>{properties}</w:pPr></w:p>")
        elif last.startswith("<w:p><w:pPr>"):
            end = last.index("</w:pPr>")
            self._body[-1] = last[:end] + properties + last[end:]
        else:
            self._body[-1] = f"<w:p><w:pPr>{properties}</w:pPr>{last[len('<w:p>'):]}"

    def raw(self, xml: str) -> None:
        """Append ready-made block XML (e.g. a paragraph holding a picture)."""
        self._body.append(xml)

    def picture(self, inline) -> str:
        """A ``wp:inline`` made by ``part.new_pic_inline``, as a run."""
        return f"<w:r><w:drawing>{etree.tostring(inline, encoding='unicode')}</w:drawing></w:r>"

    def xml(self) -> str:
        """The body's content as XML text, for ``save``."""
        return "".join(self._body)

    # -- pieces of document parts other than the body --

    def parse_paragraph(self, style: str | None, inner: str):
        """A paragraph as an element, for headers and footers."""
        return parse_xml(f"<w:body {nsdecls('w', 'r')}>{self._paragraph(style, inner)}</w:body>")[0]


class Numbering:
    """List numbering: one bullet and one decimal definition, and a new
    numbering instance per ordered list so that each restarts at its start."""

    BULLETS = ("\u2022", "\u2013", "\u25e6")  # •, –, ◦

    def __init__(self, document):
        self.element = document.part.numbering_part.element
        ids = [int(n) for n in self.element.xpath("w:abstractNum/@w:abstractNumId")]
        nums = [int(n) for n in self.element.xpath("w:num/@w:numId")]
        first = max(ids, default=0) + 1
        self._bullet_abstract = self._abstract(first, bullet=True)
        self._decimal_abstract = self._abstract(first + 1, bullet=False)
        self._next_num = max(nums, default=0) + 1
        self.bullets = self.new(self._bullet_abstract)

    def _abstract(self, abstract_id: int, bullet: bool) -> int:
        abstract = etree.SubElement(self.element, qn("w:abstractNum"))
        abstract.set(qn("w:abstractNumId"), str(abstract_id))
        SubElement(abstract, qn("w:multiLevelType")).set(VAL, "hybridMultilevel")
        formats = ("decimal", "lowerLetter", "lowerRoman")
        for level in range(9):
            lvl = SubElement(abstract, qn("w:lvl"))
            lvl.set(qn("w:ilvl"), str(level))
            SubElement(lvl, qn("w:start")).set(VAL, "1")
            if bullet:
                SubElement(lvl, qn("w:numFmt")).set(VAL, "bullet")
                SubElement(lvl, qn("w:lvlText")).set(VAL, self.BULLETS[level % 3])
            else:
                SubElement(lvl, qn("w:numFmt")).set(VAL, formats[level % 3])
                SubElement(lvl, qn("w:lvlText")).set(VAL, f"%{level + 1}.")
            SubElement(lvl, qn("w:lvlJc")).set(VAL, "left")
            ind = SubElement(SubElement(lvl, PPR), qn("w:ind"))
            ind.set(qn("w:left"), str(360 * (level + 1) + 360))
            ind.set(qn("w:hanging"), "360")
        # Schema order: every abstractNum before the first num.
        first_num = self.element.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        return abstract_id

    def new(self, abstract_id: int, start: int | None = None) -> int:
        num_id = self._next_num
        self._next_num += 1
        num = SubElement(self.element, qn("w:num"))
        num.set(qn("w:numId"), str(num_id))
        SubElement(num, qn("w:abstractNumId")).set(VAL, str(abstract_id))
        if start is not None:
            override = SubElement(num, qn("w:lvlOverride"))
            override.set(qn("w:ilvl"), "0")
            SubElement(override, qn("w:startOverride")).set(VAL, str(start))
        return num_id

    def ordered(self, start: int = 1) -> int:
        return self.new(self._decimal_abstract, start)


# --- Markdown -----------------------------------------------------------------------


class Markdown:
    """CommonMark (with ~~strikethrough~~) rendered as Word paragraphs: bold,
    italics, links, lists that restart, quotes, code; raw HTML stays text.

    Headings inside a text become headings below ``heading_base``, so a
    summary's structure nests under its section.
    """

    def __init__(self, writer: Writer, heading_base: int = 3):
        self.writer = writer
        self.parser = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
        self.heading_base = heading_base

    def render(self, text: str, style: str = "Body Text", keep_next: bool = False) -> None:
        """Append ``text``'s paragraphs to the body; plain paragraphs in ``style``;
        with ``keep_next``, each kept on the page of what follows it."""
        writer = self.writer
        lists: list[list] = []  # [numbering id, next paragraph is the item's first]
        quote = 0
        paragraph_style: str | None = style
        numbering = None
        for token in self.parser.parse(text):
            kind = token.type
            if kind == "paragraph_open":
                numbering = None
                if lists:
                    if lists[-1][1]:
                        paragraph_style, numbering = "List Paragraph", (lists[-1][0], len(lists) - 1)
                        lists[-1][1] = False
                    else:
                        paragraph_style = "List Continue"
                else:
                    paragraph_style = "Quote" if quote else style
            elif kind == "heading_open":
                numbering = None
                paragraph_style = f"Heading {min(self.heading_base + int(token.tag[1]), 6)}"
            elif kind == "inline":
                writer.paragraph(paragraph_style, self.inline(token.children or []), numbering=numbering, keep_next=keep_next)
            elif kind == "bullet_list_open":
                lists.append([writer.numbering.bullets, True])
            elif kind == "ordered_list_open":
                lists.append([writer.numbering.ordered(int(token.attrGet("start") or 1)), True])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
            elif kind == "list_item_open":
                lists[-1][1] = True
            elif kind == "blockquote_open":
                quote += 1
            elif kind == "blockquote_close":
                quote -= 1
            elif kind in ("fence", "code_block", "html_block"):
                for line in token.content.rstrip("\n").split("\n"):
                    writer.paragraph("Source Code", writer.text(line), keep_next=keep_next)

    def inline(self, children) -> str:
        """The runs (and links) of one paragraph."""
        writer = self.writer
        out: list[str] = []
        link: list[str] | None = None  # the runs of the link being written
        url = ""
        bold = italic = strike = 0
        for child in children:
            kind = child.type
            target = out if link is None else link
            if kind == "text":
                target.append(writer.run(child.content, bold=bold > 0, italic=italic > 0, strike=strike > 0,
                                         style="Hyperlink" if link is not None else None))
            elif kind == "softbreak":
                target.append(writer.run(" "))
            elif kind == "hardbreak":
                target.append(BREAK)
            elif kind == "strong_open":
                bold += 1
            elif kind == "strong_close":
                bold -= 1
            elif kind == "em_open":
                italic += 1
            elif kind == "em_close":
                italic -= 1
            elif kind == "s_open":
                strike += 1
            elif kind == "s_close":
                strike -= 1
            elif kind == "link_open":
                url = str(child.attrGet("href") or "")
                if url.startswith(("http://", "https://", "mailto:")):
                    link = []
            elif kind == "link_close":
                if link is not None:
                    out.append(writer.external_link(url, "".join(link)))
                link = None
            elif kind == "code_inline":
                target.append(writer.run(child.content, style="Verbatim Char"))
            elif kind == "image":  # a picture cannot come from a note: its description stands in
                target.append(writer.run(child.content, italic=True))
            elif kind == "html_inline":
                target.append(writer.run(child.content))
        return "".join(out)


# --- Document settings and styles ---------------------------------------------------

_THEME_FONTS = [qn(f"w:{name}") for name in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")]
_FONT_SLOTS = [qn(f"w:{name}") for name in ("ascii", "hAnsi", "eastAsia", "cs")]


def set_language(document, tag: str) -> None:
    """The document's language (``it-IT``): default run language in the
    styles, theme font language, decimal and list separators in the settings.

    Word's spelling checker and LibreOffice's PDF ``/Lang`` follow it.
    """
    from babel.numbers import get_decimal_symbol

    lang = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    lang.set(VAL, tag)
    settings = document.settings.element
    settings.find(qn("w:themeFontLang")).set(VAL, tag)
    decimal = get_decimal_symbol(tag.replace("-", "_"))
    settings.find(qn("w:decimalSymbol")).set(VAL, decimal)
    settings.find(qn("w:listSeparator")).set(VAL, ";" if decimal == "," else ",")


def mirror_margins(document) -> None:
    """Facing pages: the left margin is the inside one, on the right of a
    left-hand page (``w:mirrorMargins``, in schema order after ``w:zoom``)."""
    settings = document.settings.element
    if settings.find(qn("w:mirrorMargins")) is None:
        settings.find(qn("w:zoom")).addnext(etree.Element(qn("w:mirrorMargins")))


def update_fields_on_open(document) -> None:
    """Ask Word to update fields (page references) when the document opens.

    ``w:updateFields`` must come before ``w:compat`` (schema order)."""
    settings = document.settings.element
    for name in ("w:proofState", "w:savePreviewPicture"):  # stale in a generated document
        for stale in settings.findall(qn(name)):
            settings.remove(stale)
    update = etree.Element(qn("w:updateFields"))
    update.set(VAL, "true")
    settings.find(qn("w:compat")).addprevious(update)


def clean_package(document, application: str) -> None:
    """Drop the template's thumbnail and Word-for-Mac extended properties."""
    package = document.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype in (RT.THUMBNAIL, RT.EXTENDED_PROPERTIES):
            del package.rels[rid]
    app = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        f"<Application>{application}</Application><DocSecurity>0</DocSecurity></Properties>"
    )
    part = Part(PackURI("/docProps/app.xml"), CT.OFC_EXTENDED_PROPERTIES, app.encode(), package)
    package.relate_to(part, RT.EXTENDED_PROPERTIES)


def set_fonts(document, font: str, size) -> None:
    """``font`` everywhere a style does not say otherwise, instead of the
    template's theme fonts (which would override any font set by name)."""
    styles = document.styles.element
    for fonts in styles.iter(qn("w:rFonts")):
        for attribute in _THEME_FONTS:
            fonts.attrib.pop(attribute, None)
    defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    fonts = defaults.find(qn("w:rFonts"))
    for slot in _FONT_SLOTS:
        fonts.set(slot, font)
    defaults.find(qn("w:sz")).set(VAL, str(int(size.pt * 2)))
    defaults.find(qn("w:szCs")).set(VAL, str(int(size.pt * 2)))


def set_style_font(style, font: str | None) -> None:
    if font is None:
        return
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in _THEME_FONTS:
        fonts.attrib.pop(attribute, None)
    for slot in _FONT_SLOTS:
        fonts.set(slot, font)


def clear_borders(style) -> None:
    ppr = style.element.pPr
    if ppr is not None:
        for borders in ppr.findall(qn("w:pBdr")):
            ppr.remove(borders)


def builtin_style(document, name: str, style_id: str):
    """The paragraph style Word knows by ``name`` (``toc 1``), created if absent."""
    from docx.enum.style import WD_STYLE_TYPE

    styles = document.styles
    try:
        return styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = style_id
        style.base_style = styles["Normal"]
        style.unhide_when_used = True
        style.priority = 39
        return style


def character_style(document, name: str, *, color: str | None = None, underline=False, font: str | None = None):
    """A character style; ``Hyperlink`` must exist for LibreOffice to export
    links to PDF."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import RGBColor

    styles = document.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    style.hidden = False
    if color:
        style.font.color.rgb = RGBColor.from_string(color)
    style.font.underline = underline or None
    set_style_font(style, font)
    return style


# --- The package --------------------------------------------------------------------


class _FixedDateZip:
    """What python-docx's PackageWriter writes parts to: a zip file whose
    entries all carry the same date, so equal content gives equal bytes.
    The body's content goes into the main document part as it passes."""

    def __init__(self, path: Path, when: dt.datetime, document_part: str, body: str):
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self._date = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
        self._document_part = document_part
        self._body = body

    def write(self, pack_uri, blob: bytes) -> None:
        if pack_uri == self._document_part and self._body:
            end = blob.rindex(b"<w:sectPr")  # the body's own section properties come last
            blob = b"".join((blob[:end], self._body.encode("utf-8"), blob[end:]))
        info = zipfile.ZipInfo(pack_uri.membername, self._date)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3  # Unix, whatever this machine is: -rw-r--r-- below
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, blob)

    def close(self) -> None:
        self._zip.close()


_PAGE_REF = re.compile(rb'<w:fldSimple w:instr=" PAGEREF ([^ "]+) \\h ">(.*?)</w:fldSimple>')
_UPDATE_FIELDS = b'<w:updateFields w:val="true"/>'


def page_refs(path: Path) -> list[str]:
    """The bookmarks the PAGEREF fields of a saved document point to."""
    with zipfile.ZipFile(path) as archive:
        body = archive.read("word/document.xml")
    return sorted({match.group(1).decode("utf-8") for match in _PAGE_REF.finditer(body)})


def fill_page_refs(path: Path, pages: dict[str, int]) -> None:
    """Write ``pages`` (bookmark -> page number) as the results of the PAGEREF
    fields of the document at ``path``, and stop asking Word to update fields:
    Word shows a field's saved result, so the contents and the index show
    their page numbers in Word without a question. The package is rewritten
    entry by entry, with the same dates, atomically."""

    def result(match: re.Match) -> bytes:
        page = pages.get(match.group(1).decode("utf-8"))
        if page is None:
            return match.group(0)
        return match.group(0)[: match.start(2) - match.start(0)] + f"<w:r><w:t>{page}</w:t></w:r>".encode() + b"</w:fldSimple>"

    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                blob = source.read(info)
                if info.filename == "word/document.xml":
                    blob = _PAGE_REF.sub(result, blob)
                elif info.filename == "word/settings.xml":
                    blob = blob.replace(_UPDATE_FIELDS, b"")
                target.writestr(info, blob)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def save(document, path: Path, when: dt.datetime, body: str = "") -> None:
    """Write ``document`` to ``path`` atomically, byte-for-byte reproducible,
    with ``body`` (XML text, see ``Writer.xml``) as its body's content.

    Every zip entry is dated ``when``. The package is written to a temporary
    file in the same folder, then renamed over ``path``: a reader never sees
    half a document.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    package = document.part.package
    parts = list(package.iter_parts())
    writer = _FixedDateZip(temporary, when, document.part.partname, body)
    try:  # python-docx's own steps (PackageWriter.write), with a writer that fixes the dates
        PackageWriter._write_content_types_stream(writer, parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, parts)
        writer.close()
        os.replace(temporary, path)
    except BaseException:
        writer.close()
        temporary.unlink(missing_ok=True)
        raise
