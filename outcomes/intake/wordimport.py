"""``outcomes import``: a filled Word form becomes a YAML note, checked.

The form's XML is read directly (python-docx hides content controls, and
cannot open a file holding a control character some programs write). Each
field is found by its content control's tag or, in a file saved by
LibreOffice, by its bookmark; its value is the text of its table cell, less a
placeholder still showing.

What Word and LibreOffice do to typed text is undone only where it would
change a value: soft line breaks (``w:br``, ``\\x0b``) become line breaks in
long texts and spaces in one-line fields; quotes of any kind around codes,
dates and numbers are dropped (prose keeps its typographic quotes); control
characters pasted from other programs are removed, with a warning.

The note is then checked by the same loader as a hand-written one, and every
problem is reported at the form's section and field. Nothing is written
unless the note is valid.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .. import load, models
from ..messages import current_lang, message
from ..common.files import write_atomic
from .files import dump_note, schema_line
from .form import FORM, Block, FormField, bookmark_name
from . import IntakeError, check_id, file_refused
from .semantics import derive_id, form_wording, in_model_order, split_codes, term_id, unquote
from .template import event_template

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DC = "{http://purl.org/dc/elements/1.1/}"

# Characters XML 1.0 forbids, as some programs still write them (raw or as
# ``&#7;``): they are swapped for private-use markers before parsing, so the
# field they were in can be named in the warning.
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CHAR_REFERENCE = re.compile(rb"&#(x[0-9A-Fa-f]+|[0-9]+);")
_MARKER_BASE = 0xF0000
_MARKERS = re.compile("[\U000F0000-\U000FFFFF]")
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # Office's escape for characters XML cannot hold
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)  # no external entities

# A filled form is a few hundred kilobytes; these bounds leave room for
# pasted pictures while refusing a zip bomb before anything is inflated.
MAX_FORM_BYTES = 50 * 2**20  # the .docx file
MAX_UNPACKED_BYTES = 200 * 2**20  # all its parts, uncompressed
MAX_XML_BYTES = 20 * 2**20  # the one part read whole: word/document.xml (or docProps/core.xml)
MAX_RATIO = 200  # XML deflates 5 to 30 times; far more is a bomb


# --- Problems, told at the form's section and field ------------------------------------


@dataclass(frozen=True)
class FormProblem:
    """Something wrong in a form, at a section (block) and field of it."""

    file: str
    kind: str
    section: str | None = None
    label: str | None = None  # the field, as the form names it
    context: dict = field(default_factory=dict, compare=False)
    severity: str = "error"

    def format(self, lang: str | None = None) -> str:
        """``scheda.docx: sezione «Esito 3», campo «Target SDG»: ...``."""
        lang = current_lang(lang)
        parts = [self.file]
        if self.section and self.label:
            parts.append(message("form_section_field", lang, section=self.section, name=self.label))
        elif self.section:
            parts.append(message("form_section", lang, section=self.section))
        text = message(self.kind, lang, **{**self.context, "label": ""})
        if self.severity == "warning":
            text = message("warning_prefix", lang) + text
        return ": ".join([*parts, text])


@dataclass
class ImportResult:
    problems: list[FormProblem]
    note: Path | None = None  # written only when valid
    event_created: Path | None = None
    outcomes: int = 0

    @property
    def errors(self) -> list[FormProblem]:
        return [p for p in self.problems if p.severity == "error"]


# --- Reading the form's fields ---------------------------------------------------------


@dataclass(frozen=True)
class FieldText:
    """What a field holds: its paragraphs, and a date picker's chosen date."""

    paragraphs: tuple[str, ...]
    full_date: str | None = None


@dataclass
class FilledForm:
    fields: dict[str, FieldText]
    identifier: str | None  # "event/session", from the document's properties


def read_form(path: Path) -> FilledForm:
    """Every field of the form at ``path``, by tag; raises IntakeError.

    What the file is and how large its parts would be once inflated are
    checked before anything is read or inflated (a FIFO, a device, a zip
    bomb are refused at once); an XML document type declaration, which Word
    and LibreOffice never write and whose entities would silently cut text,
    is refused too.
    """
    try:
        data = load.read_regular(path, MAX_FORM_BYTES)
    except load.NoteError as error:
        raise file_refused(error, "form_too_large") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            _check_sizes(package)
            document = _read_part(package, "word/document.xml")
            core = _read_part(package, "docProps/core.xml") if "docProps/core.xml" in package.namelist() else None
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, NotImplementedError):
        raise IntakeError("form_unreadable") from None
    root = _parse(_mark_forbidden_characters(document), "word/document.xml")
    fields = {tag: _field_text(container) for tag, container in _containers(root).items()}
    if not fields:
        raise IntakeError("form_not_ours")
    return FilledForm(fields, _identifier(core))


def _check_sizes(package: zipfile.ZipFile) -> None:
    """Refuse a package whose parts would inflate too much, from the sizes
    its directory declares (``_read_part`` holds reading to them)."""
    members = package.infolist()
    total = sum(member.file_size for member in members)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MAX_UNPACKED_BYTES:
            raise _part_too_large(member.filename, member.file_size, MAX_UNPACKED_BYTES)
        if member.file_size > 2**20 and ratio > MAX_RATIO:
            raise IntakeError(
                "limits.form_part_ratio", part=member.filename, size=f"{member.file_size / 2**20:.1f}",
                packed=f"{member.compress_size / 2**10:.0f}", ratio=f"{ratio:.0f}", limit=MAX_RATIO,
            )
    if total > MAX_UNPACKED_BYTES:
        raise _part_too_large("*", total, MAX_UNPACKED_BYTES)


def _read_part(package: zipfile.ZipFile, name: str) -> bytes:
    info = package.getinfo(name)
    if info.file_size > MAX_XML_BYTES:
        raise _part_too_large(name, info.file_size, MAX_XML_BYTES)
    with package.open(info) as part:
        data = part.read(MAX_XML_BYTES + 1)  # never more than declared, whatever the zip says
    if len(data) > MAX_XML_BYTES:
        raise _part_too_large(name, len(data), MAX_XML_BYTES)
    return data


def _part_too_large(name: str, size: int, limit: int) -> IntakeError:
    return IntakeError("form_part_too_large", part=name, size=f"{size / 2**20:.1f}", limit=limit // 2**20)


def _parse(xml: bytes, part: str):
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as error:
        raise IntakeError("form_unreadable_xml", detail=str(error)) from None
    if root.getroottree().docinfo.doctype:
        raise IntakeError("form_doctype", part=part)
    return root


def _mark_forbidden_characters(xml: bytes) -> bytes:
    def reference(match: re.Match) -> bytes:
        text = match.group(1).decode()
        code = int(text[1:], 16) if text[0] in "xX" else int(text)
        if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
            return match.group(0)
        return chr(_MARKER_BASE + min(code, 0xFFFF)).encode()

    xml = _CHAR_REFERENCE.sub(reference, xml)
    return _RAW_CONTROL.sub(lambda m: chr(_MARKER_BASE + m.group(0)[0]).encode(), xml)


def _identifier(core: bytes | None) -> str | None:
    if core is None:
        return None
    try:
        found = _parse(core, "docProps/core.xml").find(f"{DC}identifier")
    except IntakeError as error:
        if error.kind == "form_doctype":
            raise
        return None
    return found.text if found is not None and found.text else None


_TAGS = {block.tag(f) for block, f in FORM.fields()}
_BY_BOOKMARK = {bookmark_name(tag): tag for tag in _TAGS}


def _containers(root) -> dict[str, etree._Element]:
    """The element holding each field's value: its table cell, found by the
    content control's tag (Word) or by the field's bookmark (LibreOffice)."""
    found: dict[str, etree._Element] = {}
    for sdt in root.iter(f"{W}sdt"):
        tag = sdt.find(f"{W}sdtPr/{W}tag")
        if tag is not None and tag.get(f"{W}val") in _TAGS:
            found.setdefault(tag.get(f"{W}val"), _cell_of(sdt))
    for mark in root.iter(f"{W}bookmarkStart"):
        tag = _BY_BOOKMARK.get(mark.get(f"{W}name", ""))
        if tag is not None:
            found.setdefault(tag, _cell_of(mark))
    return found


def _cell_of(element):
    cell = next(element.iterancestors(f"{W}tc"), None)
    if cell is not None:
        return cell
    return element if element.tag == f"{W}sdt" else next(element.iterancestors(f"{W}p"), element)


def _field_text(container) -> FieldText:
    showing_placeholder = {
        sdt for sdt in container.iter(f"{W}sdt") if sdt.find(f"{W}sdtPr/{W}showingPlcHdr") is not None
    }
    if container.tag == f"{W}sdt" and container.find(f"{W}sdtPr/{W}showingPlcHdr") is not None:
        showing_placeholder.add(container)
    paragraphs = [container] if container.tag == f"{W}p" else list(container.iter(f"{W}p"))
    texts = tuple(_paragraph_text(p, showing_placeholder) for p in paragraphs)
    full_date = None
    for sdt in container.iter(f"{W}sdt"):
        date = sdt.find(f"{W}sdtPr/{W}date")
        if date is not None and sdt not in showing_placeholder and date.get(f"{W}fullDate"):
            full_date = date.get(f"{W}fullDate")[:10]
    return FieldText(texts, full_date)


def _paragraph_text(paragraph, showing_placeholder: set) -> str:
    pieces = []
    for element in paragraph.iter(f"{W}t", f"{W}br", f"{W}cr", f"{W}tab", f"{W}noBreakHyphen"):
        if element.getparent().tag != f"{W}r" or _in_any(element, showing_placeholder):
            continue  # tab stops in paragraph properties; placeholder text
        if element.tag == f"{W}t":
            pieces.append(_OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), element.text or ""))
        elif element.tag == f"{W}tab":
            pieces.append("\t")
        elif element.tag == f"{W}noBreakHyphen":
            pieces.append("-")
        else:
            pieces.append("\n")
    return "".join(pieces)


def _in_any(element, sdts: set) -> bool:
    return bool(sdts) and any(ancestor in sdts for ancestor in element.iterancestors(f"{W}sdt"))


# --- From the form's fields to a note ---------------------------------------------------------


@dataclass
class _Conversion:
    """The note being built, and where each of its fields is on the form."""

    file: str
    places: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    outcome_blocks: list[str] = field(default_factory=list)
    warnings: list[FormProblem] = field(default_factory=list)


def note_from_form(form: FilledForm, file: str, previous_ids: tuple[str, ...] = ()) -> tuple[dict, _Conversion]:
    """The session note a filled form says, as the plain data YAML holds.

    An outcome left without an id takes the id its position had in the note
    it replaces (``previous_ids``), so that correcting a title in the form
    never changes a permanent link; a new outcome's id is made from its title.
    """
    conversion = _Conversion(file)
    data: dict = {}
    data.update(_block_values(form, FORM.session, "", conversion))
    for key, blocks in (("facilitators", FORM.facilitators), ("speakers", FORM.speakers), ("quotes", FORM.quotes)):
        rows = []
        for block in blocks:
            row = _block_values(form, block, f"{key}[{len(rows)}]", conversion)
            if row:
                rows.append(row)
        if rows:
            data[key] = rows
    participants = _block_values(form, FORM.participants, "participants", conversion)
    if participants:
        data["participants"] = participants
    data.update(_block_values(form, FORM.summary, "", conversion))
    outcomes = []
    for block in FORM.outcomes:
        outcome = _block_values(form, block, f"outcomes[{len(outcomes)}]", conversion)
        if outcome:
            taken = {o.get("id") for o in outcomes}
            kept = previous_ids[len(outcomes)] if len(outcomes) < len(previous_ids) else None
            if "id" not in outcome:
                outcome["id"] = kept if kept and kept not in taken else derive_id(str(outcome.get("title", "")), taken, block.name)
            outcomes.append(in_model_order(outcome, models.Outcome))
            conversion.outcome_blocks.append(block.name)
    if outcomes:
        data["outcomes"] = outcomes
    return in_model_order(data, models.Session), conversion


def _block_values(form: FilledForm, block: Block, prefix: str, conversion: _Conversion) -> dict:
    """The non-empty values of a block, keyed as in the note; records where
    each field of the block is, for error messages."""
    values = {}
    for form_field in block.fields:
        text = form.fields.get(block.tag(form_field))
        value = _value(form_field, text, block, conversion) if text is not None else None
        if value is not None:
            values[form_field.key] = value
    if values or not prefix:
        if prefix:
            conversion.places[prefix] = (block.name, None)
        for form_field in block.fields:
            path = f"{prefix}.{form_field.key}" if prefix else form_field.key
            conversion.places[path] = (block.name, form_field.label)
    return values


def _value(form_field: FormField, text: FieldText, block: Block, conversion: _Conversion):
    """A field's value as the note holds it, or None when left empty."""
    paragraphs = [_clean(p, block, form_field, conversion) for p in text.paragraphs]
    if form_field.control == "text":  # paragraphs and line breaks kept, as Markdown reads them
        lines = "\n\n".join(p for p in paragraphs if p.strip()).split("\n")
        value = "\n".join(line.rstrip() for line in lines).strip()
    elif form_field.control == "codes":  # one per line is a list too
        value = ", ".join(line.strip() for line in "\n".join(paragraphs).split("\n") if line.strip())
    else:  # one line: breaks are only where the cell wrapped
        value = " ".join(" ".join(paragraphs).split())
    if not value or value == form_field.placeholder:
        value = ""
    if form_field.control == "date" and text.full_date and not _looks_like_date(unquote(value)):
        value = text.full_date
    if not value:
        return None
    if form_field.control == "choice":
        return term_id(form_field.vocabulary, unquote(value))
    if form_field.control == "count":
        number = unquote(value)
        return int(number) if re.fullmatch(r"\d{1,7}", number) else number
    if form_field.control == "codes":
        return split_codes(form_field.key, form_field.vocabulary, value)
    if form_field.control == "date" or form_field.key in ("start", "end", "id", "language"):
        return unquote(value)
    return value


def _clean(text: str, block: Block, form_field: FormField, conversion: _Conversion) -> str:
    """Soft breaks to line breaks; control characters removed, with a warning."""
    text = text.replace("\x0b", "\n").replace("\x0c", "\n").replace("\r", "\n").replace("\t", " ")
    removed = [f"U+{ord(c) - _MARKER_BASE:04X}" for c in _MARKERS.findall(text)]
    removed += [f"U+{ord(c):04X}" for c in _CONTROL.findall(text)]
    if removed:
        conversion.warnings.append(
            FormProblem(conversion.file, "form_control_character", block.name, form_field.label,
                        {"characters": ", ".join(sorted(set(removed)))}, severity="warning")
        )
        text = _CONTROL.sub("", _MARKERS.sub("", text))
    return text


def _looks_like_date(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


# --- Checking and writing ---------------------------------------------------------------------

def _form_problem(problem: load.Problem, conversion: _Conversion) -> FormProblem:
    section, label = _place(problem.field, conversion)
    kind, context = form_wording(problem, conversion.outcome_blocks)
    return FormProblem(conversion.file, kind, section, label, context, problem.severity)


def _place(path: str, conversion: _Conversion) -> tuple[str | None, str | None]:
    """The form's section and field for a note's field path, or the nearest one."""
    while path:
        if path in conversion.places:
            return conversion.places[path]
        path = re.sub(r"(\[\d+\]|\.[^.\[]+|^[^.\[]+)$", "", path)
    return None, None


def import_form(path: Path, notes_dir: Path, event_id: str | None = None, session_id: str | None = None,
                force: bool = False) -> ImportResult:
    """Turn the filled form at ``path`` into ``notes/EVENT/SESSION.yaml``."""
    file = path.name
    try:
        form = read_form(path)
        event_id, session_id = _ids(form, event_id, session_id)
    except IntakeError as error:
        return ImportResult([FormProblem(file, error.kind, context=error.context)])
    target = notes_dir / event_id / f"{session_id}.yaml"
    if target.exists() and not force:
        return ImportResult([FormProblem(file, "note_exists_force", context={"path": str(target)})])
    data, conversion = note_from_form(form, file, outcome_ids(target))
    text = dump_note(data, [schema_line("session"), message("imported_header", "it", file=file)])
    problems = [*conversion.warnings, *_check(text, notes_dir / event_id, session_id, conversion)]
    if any(p.severity == "error" for p in problems):
        return ImportResult(problems)
    event_path = notes_dir / event_id / load.EVENT_FILE
    created = None
    if not event_path.exists():
        write_atomic(event_path, event_template(event_id, event_path.parent))
        created = event_path
    write_atomic(target, text)
    return ImportResult(problems, target, created, len(data.get("outcomes", [])))


def outcome_ids(note: Path) -> tuple[str, ...]:
    """The outcome ids of an existing note, in order (none if unreadable)."""
    if not note.exists():
        return ()
    parsed = load.parse_note(note, load.Problems())
    outcomes = parsed[0].get("outcomes") if parsed else None
    if not isinstance(outcomes, list):
        return ()
    return tuple(o.get("id") if isinstance(o, dict) and isinstance(o.get("id"), str) else "" for o in outcomes)


def printed_ids(form: FilledForm) -> tuple[str, str]:
    """The event and session printed on the form (or in its properties); "" if not."""
    printed = {key: unquote(" ".join(form.fields[f"form.{key}"].paragraphs)) if f"form.{key}" in form.fields else ""
               for key in ("event", "session")}
    if (not printed["event"] or not printed["session"]) and form.identifier and "/" in form.identifier:
        printed["event"], printed["session"] = (printed["event"] or form.identifier.split("/", 1)[0],
                                                printed["session"] or form.identifier.split("/", 1)[1])
    return printed["event"], printed["session"]


def _ids(form: FilledForm, event_id: str | None, session_id: str | None) -> tuple[str, str]:
    """The event and session the form is for: given, or printed on the form."""
    printed_event, printed_session = printed_ids(form)
    event_id, session_id = event_id or printed_event, session_id or printed_session
    if not event_id or not session_id:
        raise IntakeError("form_without_ids")
    check_id(event_id, "event")
    check_id(session_id, "session")
    return event_id, session_id


def _check(text: str, event_folder: Path, session_id: str, conversion: _Conversion) -> list[FormProblem]:
    """Check the note with the loader, as if it were already in its folder."""
    event = load.load_event(event_folder, load.Problems()) if (event_folder / load.EVENT_FILE).exists() else None
    problems = load.Problems()
    with tempfile.TemporaryDirectory() as folder:
        note = Path(folder) / f"{session_id}.yaml"
        note.write_text(text, encoding="utf-8")
        load.load_session(note, event, problems)
    return [_form_problem(problem, conversion) for problem in problems]
