"""Filling a Word form the way Word stores what a facilitator typed.

Used by tests/test_intake_form.py. Word, when someone types into a content
control, removes ``w:showingPlcHdr`` and replaces the placeholder runs with
the text (a soft line break, Shift+Enter, is a ``w:br``; a new paragraph, in
a rich-text control, makes the control hold paragraphs); choosing from a
drop-down list writes the item's display text; picking a date sets
``w:fullDate`` and writes the date in the control's format. A control
character pasted from another program cannot be written as XML: Word's own
files escape it as ``_x0007_``; other programs write ``&#7;``, which is not
well-formed XML at all. Both are reproduced here.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
RAW_MARK = "\ue123"  # stands for a character XML cannot hold, until the bytes are written


def _run(text: str):
    """A run of ``text``: ``\\n`` becomes a soft break, a control character
    a raw reference (``&#7;``) or, written ``_x0007_``, Word's escape."""
    run = etree.Element(f"{W}r")
    for index, line in enumerate(text.split("\n")):
        if index:
            etree.SubElement(run, f"{W}br")
        t = etree.SubElement(run, f"{W}t")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        t.text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"{RAW_MARK}{ord(m.group(0)):x};", line)
    return run


def _set_content(sdt, text: str) -> None:
    properties = sdt.find(f"{W}sdtPr")
    placeholder = properties.find(f"{W}showingPlcHdr")
    if placeholder is not None:
        properties.remove(placeholder)
    content = sdt.find(f"{W}sdtContent")
    paragraphs = text.split("\n\n")
    if len(paragraphs) == 1:
        for child in list(content):
            content.remove(child)
        content.append(_run(text))
        return
    # Paragraphs: Word makes the control block-level, holding one w:p each.
    cell_paragraph = sdt.getparent()
    block = etree.Element(f"{W}sdt")
    block.append(properties)
    block_content = etree.SubElement(block, f"{W}sdtContent")
    for index, paragraph_text in enumerate(paragraphs):
        paragraph = etree.SubElement(block_content, f"{W}p")
        if index == 0:  # the bookmark stays where it was, in the first paragraph
            for mark in cell_paragraph.findall(f"{W}bookmarkStart") + cell_paragraph.findall(f"{W}bookmarkEnd"):
                paragraph.append(mark)
        paragraph.append(_run(paragraph_text))
    cell_paragraph.addprevious(block)
    cell_paragraph.getparent().remove(cell_paragraph)


def _choose_date(sdt, iso: str) -> None:
    date = sdt.find(f"{W}sdtPr/{W}date")
    date.set(f"{W}fullDate", f"{iso}T00:00:00Z")
    _set_content(sdt, iso)


def fill_form(source: Path, target: Path, values: dict[str, str], dates: dict[str, str] | None = None) -> Path:
    """Copy the form ``source`` to ``target`` with ``values`` typed into the
    controls tagged with their keys, and ``dates`` picked from the calendar."""
    with zipfile.ZipFile(source) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    controls = {sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val"): sdt for sdt in root.iter(f"{W}sdt")
                if sdt.find(f"{W}sdtPr/{W}tag") is not None}
    for tag, text in values.items():
        _set_content(controls[tag], text)
    for tag, iso in (dates or {}).items():
        _choose_date(controls[tag], iso)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    xml = re.sub(re.escape(RAW_MARK.encode()) + rb"([0-9a-f]+);", rb"&#x\1;", xml)
    _replace_part(source, target, "word/document.xml", xml)
    return target


def _replace_part(source: Path, target: Path, name: str, data: bytes) -> None:
    temporary = target.with_suffix(".tmp")
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item, data if item.filename == name else old.read(item.filename))
    shutil.move(temporary, target)
