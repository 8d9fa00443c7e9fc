"""The look of the proceedings: A4 pages, the document's language and
properties, fonts and styles (Word's built-in names, so readers and screen
readers know headings, captions and lists)."""

from __future__ import annotations

import datetime as dt

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.shared import Cm, Pt, RGBColor, Twips

from .. import wordml
from ..common.text import LANGUAGES, text
from ..load import EventNote

_REGIONS = {"it": "IT", "en": "GB"}  # en-GB: 30 June 2021, not June 30
LOCALES = {lang: f"{lang}-{_REGIONS[lang]}" for lang in LANGUAGES}  # the document's language tag
BODY_FONT = "Times New Roman"  # metric twins in LibreOffice: Liberation Serif and Sans,
HEADING_FONT = "Arial"  # so Word and LibreOffice break lines and pages alike
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
CHART_FONTS = ["Liberation Sans", HEADING_FONT, "DejaVu Sans"]  # the headings' family, first found
TEXT_WIDTH = 11906 - 2 * 1418  # A4 minus 2.5 cm margins, in twips
# The print edition's pages face each other (mirrored margins): 2 cm outside,
# 2 cm and a 1 cm binding gutter inside, the same text width as the web's.
PRINT_MARGIN, GUTTER = 1134, 567  # twips; the right margin one more: 11906 - 1134 - 1135 - 567 = TEXT_WIDTH


def moment(day: dt.date) -> dt.datetime:
    """The document's date and time: the event's first morning, never the build's."""
    return dt.datetime(day.year, day.month, day.day, 9, 0, 0)


def prepare(document, lang: str, event, note: EventNote, printed: bool = False) -> None:
    """A4 pages, the document's language, its properties and its styles;
    ``printed``: facing pages with a binding gutter, text in black."""
    section = document.sections[0]
    section.page_width, section.page_height = Twips(wordml.A4[0]), Twips(wordml.A4[1])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Twips(1418))
    if printed:
        section.left_margin, section.right_margin, section.gutter = Twips(PRINT_MARGIN), Twips(PRINT_MARGIN + 1), Twips(GUTTER)
        wordml.mirror_margins(document)
    section.header_distance = section.footer_distance = Cm(1.25)
    wordml.set_language(document, LOCALES[lang])
    wordml.update_fields_on_open(document)
    wordml.clean_package(document, application="outcomes")
    organiser = _property(event.organisers[0].name)
    properties = document.core_properties
    properties.title = _property(event.title)
    properties.subject = text("proceedings.proceedings", lang)
    properties.author = organiser
    properties.last_modified_by = organiser
    properties.comments = _property(event.subtitle or "")
    properties.keywords = ""
    properties.category = text("proceedings.proceedings", lang)
    properties.language = LOCALES[lang]
    properties.identifier = note.id
    properties.revision = 1
    properties.created = properties.modified = moment(event.start_date)
    _styles(document, printed)


def _property(text: str, limit: int = 255) -> str:
    """A core property holds at most 255 characters (python-docx refuses more);
    the document itself shows the whole text."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _styles(document, printed: bool = False) -> None:
    styles = document.styles
    wordml.set_fonts(document, BODY_FONT, size=Pt(11))

    def paragraph_style(name: str, base: str | None = "Normal"):
        try:
            style = styles[name]
        except KeyError:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if base:
            style.base_style = styles[base]
        style.hidden = False
        style.quick_style = True
        return style

    def shape(style, *, font=None, size=None, bold=None, italic=None, color=None, before=None, after=None,
              keep_next=None, page_break=None, left=None, hanging=None, align=None, line=None, all_caps=None):
        wordml.set_style_font(style, font)
        if size is not None:
            style.font.size = Pt(size)
        if bold is not None:
            style.font.bold = bold
        if italic is not None:
            style.font.italic = italic
        if all_caps is not None:
            style.font.all_caps = all_caps
        style.font.color.rgb = color
        fmt = style.paragraph_format
        if before is not None:
            fmt.space_before = Pt(before)
        if after is not None:
            fmt.space_after = Pt(after)
        if keep_next is not None:
            fmt.keep_with_next = keep_next
        if page_break is not None:
            fmt.page_break_before = page_break
        if left is not None:
            fmt.left_indent = Cm(left)
        if hanging is not None:
            fmt.first_line_indent = Cm(-hanging)
        if align is not None:
            fmt.alignment = align
        if line is not None:
            fmt.line_spacing = line
        return style

    # Greys for the web (#404040: 10:1 on white, for the small details; #595959
    # elsewhere). On paper a grey is a screen of dots that blurs small type:
    # the print edition's text is solid black, which printers' RGB-to-CMYK
    # conversion keeps as black ink alone (pure 0,0,0), the headings in the accent.
    grey = RGBColor(0, 0, 0) if printed else RGBColor(0x59, 0x59, 0x59)
    details_grey = RGBColor(0, 0, 0) if printed else RGBColor(0x40, 0x40, 0x40)
    shape(styles["Normal"], after=6, line=1.15)
    styles["Normal"].paragraph_format.widow_control = True
    shape(paragraph_style("Body Text"), after=8)
    shape(styles["Title"], font=HEADING_FONT, size=28, bold=True, color=ACCENT, before=12, after=12)
    wordml.clear_borders(styles["Title"])
    shape(styles["Subtitle"], font=HEADING_FONT, size=15, italic=False, color=grey, after=36)
    shape(paragraph_style("Title Page Logos"), after=36, line=1.0)
    # The print edition's cover holds the logos above: less room between its blocks.
    shape(paragraph_style("Title Page Organisers"), font=HEADING_FONT, size=11, bold=True, color=grey, all_caps=True, after=110 if printed else 180)
    shape(paragraph_style("Title Page Kicker"), font=HEADING_FONT, size=12, bold=True, color=ACCENT, all_caps=True, after=6)
    shape(paragraph_style("Title Page Details"), font=HEADING_FONT, size=12, after=12)
    shape(paragraph_style("Title Page Credits"), font=HEADING_FONT, size=9, color=grey, before=80 if printed else 150, line=1.3)
    shape(paragraph_style("Colophon Title"), font=HEADING_FONT, size=10, color=RGBColor(0, 0, 0), after=2, page_break=not printed)
    shape(paragraph_style("Colophon"), font=HEADING_FONT, size=9.5, color=details_grey, after=9, line=1.2)
    shape(paragraph_style("Title Page Warning"), font=HEADING_FONT, size=12, bold=True, color=RGBColor(0xC0, 0x00, 0x00), before=48)
    # The print edition's parts start on right-hand pages by section breaks (``Sections``), not page breaks.
    shape(styles["Heading 1"], font=HEADING_FONT, size=18, bold=True, color=ACCENT, before=0, after=12, keep_next=True, page_break=not printed)
    shape(styles["Heading 2"], font=HEADING_FONT, size=13.5, bold=True, color=ACCENT, before=14, after=6, keep_next=True)
    shape(styles["Heading 3"], font=HEADING_FONT, size=11.5, bold=True, color=RGBColor(0, 0, 0), before=12, after=4, keep_next=True)
    for level in (4, 5, 6):
        shape(styles[f"Heading {level}"], font=HEADING_FONT, size=11, bold=True, italic=False, color=grey, before=8, after=4, keep_next=True)
    shape(styles["TOC Heading"], font=HEADING_FONT, size=18, bold=True, color=ACCENT, before=0, after=12, page_break=not printed)
    toc = shape(wordml.builtin_style(document, "toc 1", "TOC1"), font=HEADING_FONT, size=10.5, before=0, after=3, left=0.9, hanging=0.9)
    toc.paragraph_format.tab_stops.add_tab_stop(Cm(0.9))  # after the chapter number
    toc.paragraph_format.tab_stops.add_tab_stop(Twips(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    shape(paragraph_style("Details"), font=HEADING_FONT, size=9.5, color=details_grey, after=10, line=1.25)
    details = shape(paragraph_style("Outcome Details"), font=HEADING_FONT, size=9.5, color=details_grey, after=10, left=0.4, line=1.2)
    details.paragraph_format.keep_together = True
    quote = shape(styles["Quote"], italic=True, color=RGBColor(0, 0, 0) if printed else RGBColor(0x26, 0x26, 0x26), left=1.0, after=2)
    quote.paragraph_format.keep_together = True
    shape(paragraph_style("Quote Attribution"), font=HEADING_FONT, size=9.5, color=details_grey, left=1.0, after=10)
    shape(styles["List Paragraph"], after=8)  # between items none (contextual spacing), after the list as after text
    shape(styles["List Continue"], left=1.27, after=3)
    shape(paragraph_style("Table Text"), font=HEADING_FONT, size=9, before=2, after=2, line=1.0)
    shape(paragraph_style("Table Heading", "Table Text"), bold=True, keep_next=True)
    shape(paragraph_style("Update Heading"), font=HEADING_FONT, size=10, color=ACCENT, before=8, after=2, keep_next=True)
    shape(paragraph_style("Update Source"), font=HEADING_FONT, size=9.5, color=details_grey, after=8)
    shape(paragraph_style("Index Entry"), size=10, after=3, left=0.6, hanging=0.6, line=1.1)
    shape(paragraph_style("Picture Paragraph"), before=12, after=4, keep_next=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    shape(styles["Caption"], font=HEADING_FONT, size=9, bold=False, italic=True, color=grey, after=12)
    shape(paragraph_style("Source Code"), font="Courier New", size=9, after=0, line=1.0)
    for name in ("Header", "Footer"):
        style = shape(styles[name], font=HEADING_FONT, size=8.5, color=grey, after=0)
        style.paragraph_format.tab_stops.clear_all()
    styles["Header"].paragraph_format.tab_stops.add_tab_stop(Twips(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT)
    styles["Footer"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    wordml.character_style(document, "Hyperlink", color="0563C1", underline=True)
    wordml.character_style(document, "Cross Reference", color="1F4E79")
    wordml.character_style(document, "Verbatim Char", font="Courier New")
