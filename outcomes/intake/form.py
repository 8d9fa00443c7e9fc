"""``outcomes form``: the Word form a facilitator fills instead of a YAML note.

The "scheda di restituzione" is a .docx with one content control (``w:sdt``)
per field, each tagged with the field's place in the note (``title``,
``participants.ngo``, ``outcomes.3.sdg_targets``) and titled in Italian
(``Esito 3 · Target SDG``). Choices (kind, type, status, visibility, the
actor of a quote) are drop-down lists built from the vocabularies; dates are
date pickers; lists of codes are written comma-separated, with every allowed
value in the annex. Blank outcome blocks are ignored on import.

Every value sits alone in a table cell that also holds a bookmark named after
the field: LibreOffice 7.4 keeps bookmarks but drops content-control tags when
it saves, so ``outcomes import`` finds a field by tag, or else by bookmark.

``FORM`` below is the single description of the form: the writer here and the
reader in ``wordimport`` both follow it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt, RGBColor, Twips

from .. import models, vocab

FORM_VERSION = "outcomes-scheda-1"
OUTCOME_BLOCKS = 12
FACILITATOR_ROWS = 3
SPEAKER_ROWS = 6
QUOTE_ROWS = 4

LABEL_FILL = "E8EEF4"
HEADER_FILL = "D5DFEA"
BORDER_COLOUR = "A6B4C3"
HINT_COLOUR = RGBColor(0x59, 0x59, 0x59)
FONT = "Arial"
HINT_STYLE_ID = "FormHint"
TEXT_WIDTH_CM = 17.2  # A4 less 18 mm margins, less the cells' own margins


# --- What the form asks -------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """One field of the form.

    ``control`` says how it is filled and read back: ``line`` (one line of
    text), ``text`` (paragraphs, Markdown), ``choice`` (a drop-down list of a
    vocabulary), ``date`` (a date picker), ``codes`` (comma-separated values),
    ``count`` (a whole number).
    """

    key: str
    label: str
    control: str
    placeholder: str
    hint: str = ""
    vocabulary: str | None = None
    required: bool = False


@dataclass(frozen=True)
class Block:
    """A group of fields: a section, one row of a table, or one outcome.

    ``path`` is where the block's values go in the note: ``()`` for the
    session itself, ``("participants",)``, or ``("outcomes", 3)`` (numbered
    from 1, as printed on the form).
    """

    name: str  # as printed and as errors name it: "Esito 3"
    path: tuple
    fields: tuple[FormField, ...]

    def tag(self, field: FormField) -> str:
        """``title``, ``participants.ngo``, ``outcomes.3.sdg_targets``."""
        return ".".join(str(part) for part in (*self.path, field.key))


def _session_fields() -> tuple[FormField, ...]:
    return (
        FormField("title", "Titolo", "line", "Titolo della sessione", required=True),
        FormField("kind", "Tipo di sessione", "choice", "Scegli dall'elenco", vocabulary="session_kinds", required=True),
        FormField("date", "Data", "date", "AAAA-MM-GG", hint="es. 2019-10-15", required=True),
        FormField("start", "Ora di inizio", "line", "HH:MM", hint="es. 14:30", required=True),
        FormField("end", "Ora di fine", "line", "HH:MM", hint="es. 17:00", required=True),
        FormField("room", "Sala", "line", "Facoltativa"),
        FormField("language", "Lingua", "line", "it", hint="codice a due lettere; se vuoto: it"),
        FormField("visibility", "Visibilità della sessione", "choice", "Pubblico", vocabulary="visibilities",
                  hint="«Interno»: l'intera sessione non viene pubblicata"),
    )


def _person_fields(with_talk: bool) -> tuple[FormField, ...]:
    fields = [
        FormField("organisation", "Organizzazione", "line", "Organizzazione", required=True),
        FormField("role", "Ruolo", "line", "Ruolo", required=True),
    ]
    if with_talk:
        fields.append(FormField("talk", "Titolo dell'intervento", "line", "Titolo dell'intervento"))
    fields.append(FormField("name", "Nome (solo uso interno)", "line", "Facoltativo, mai pubblicato"))
    return tuple(fields)


def _participant_fields() -> tuple[FormField, ...]:
    return tuple(FormField(term.id, term.label("it"), "count", "0") for term in vocab.actor_types())


def _quote_fields() -> tuple[FormField, ...]:
    return (
        FormField("text", "Citazione", "text", "Le parole riportate", required=True),
        FormField("actor", "Tipo di attore", "choice", "Chi l'ha detta", vocabulary="actor_types", required=True),
    )


def _outcome_fields() -> tuple[FormField, ...]:
    return (
        FormField("type", "Tipo di esito", "choice", "Scegli dall'elenco", vocabulary="outcome_types", required=True),
        FormField("title", "Titolo", "line", "Titolo dell'esito, su una riga", required=True),
        FormField("text", "Testo", "text", "Il contenuto dell'esito, in uno o più paragrafi", required=True),
        FormField("id", "Identificativo", "line", "Facoltativo: ricavato dal titolo",
                  hint="breve, unico nella sessione: minuscole, cifre e trattini"),
        FormField("sdg_targets", "Target SDG", "codes", "es. 10.7, 17.17", hint="codici separati da virgole (allegato D)"),
        FormField("gcm_objectives", "Obiettivi GCM", "codes", "es. 19, 23", hint="numeri da 1 a 23, facoltativi (allegato E)"),
        FormField("countries", "Paesi", "codes", "es. SN, MA", hint="codici ISO a due lettere (allegato F)"),
        FormField("actors", "Attori", "codes", "es. local_authority, diaspora_association",
                  hint="codici o nomi dei tipi di attore (allegato B)", vocabulary="actor_types"),
        FormField("themes", "Temi", "codes", "es. diaspora, remittances", hint="codici o nomi dei temi (allegato C)",
                  vocabulary="themes"),
        FormField("keywords", "Parole chiave", "codes", "es. co-sviluppo, filiere agricole", hint="parole libere, separate da virgole"),
        FormField("owner", "Responsabile", "line", "Solo per gli impegni", hint="impegni: l'organizzazione che agisce"),
        FormField("owner_type", "Tipo di attore del responsabile", "choice", "Solo per gli impegni", vocabulary="actor_types",
                  hint="impegni: che tipo di attore è chi agisce (facoltativo)"),
        FormField("due", "Scadenza", "date", "AAAA-MM-GG", hint="impegni: entro quando"),
        FormField("status", "Stato", "choice", "Solo per gli impegni", vocabulary="statuses"),
        FormField("visibility", "Visibilità", "choice", "Pubblico", vocabulary="visibilities",
                  hint="«Interno»: mai pubblicato"),
    )


@dataclass(frozen=True)
class Form:
    """Every block of the form, in the order printed."""

    session: Block
    facilitators: tuple[Block, ...]
    speakers: tuple[Block, ...]
    participants: Block
    summary: Block
    quotes: tuple[Block, ...]
    outcomes: tuple[Block, ...]
    header: Block  # the event and session the form is for

    def blocks(self) -> Iterator[Block]:
        yield self.header
        yield self.session
        yield from self.facilitators
        yield from self.speakers
        yield self.participants
        yield self.summary
        yield from self.quotes
        yield from self.outcomes

    def fields(self) -> Iterator[tuple[Block, FormField]]:
        for block in self.blocks():
            for field in block.fields:
                yield block, field


def build_form() -> Form:
    return Form(
        header=Block("Scheda", ("form",), (
            FormField("event", "Evento", "line", ""),
            FormField("session", "Sessione", "line", ""),
        )),
        session=Block("Sessione", (), _session_fields()),
        facilitators=tuple(
            Block(f"Facilitatore {n}", ("facilitators", n), _person_fields(False)) for n in range(1, FACILITATOR_ROWS + 1)
        ),
        speakers=tuple(Block(f"Relatore {n}", ("speakers", n), _person_fields(True)) for n in range(1, SPEAKER_ROWS + 1)),
        participants=Block("Partecipanti", ("participants",), _participant_fields()),
        summary=Block("Sintesi", (), (FormField("summary", "Sintesi", "text", "Che cosa è successo nella sessione", required=True),)),
        quotes=tuple(Block(f"Citazione {n}", ("quotes", n), _quote_fields()) for n in range(1, QUOTE_ROWS + 1)),
        outcomes=tuple(Block(f"Esito {n}", ("outcomes", n), _outcome_fields()) for n in range(1, OUTCOME_BLOCKS + 1)),
    )


FORM = build_form()


def bookmark_name(tag: str) -> str:
    """A Word bookmark name for a tag: letters, digits, ``_``; at most 40."""
    return ("f_" + tag.replace(".", "_"))[:40]


def choice_items(vocabulary: str) -> list[tuple[str, str]]:
    """(Italian label shown, id stored) for each term of a drop-down list."""
    return [(term.label("it"), term.id) for term in vocab.vocabulary(vocabulary)]


# --- Writing the form ------------------------------------------------------------------


@dataclass(frozen=True)
class FormRequest:
    event_id: str
    session_id: str
    event: models.Event | None = None  # to print the event's title and dates
    kind: str | None = None  # preselect the kind; a workshop form has no speakers


def write_form(path: Path, request: FormRequest) -> Path:
    """Write the form for ``request`` to ``path``."""
    writer = _FormWriter(request)
    writer.write()
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.document.save(str(path))
    return path


class _FormWriter:
    def __init__(self, request: FormRequest):
        self.request = request
        self.document = docx.Document()
        self.ids = count(1000)

    # -- the whole document --

    def write(self) -> None:
        self._page_and_styles()
        self._title()
        self._instructions()
        self._heading("1. La sessione")
        self._field_table(FORM.session)
        with_speakers = self.request.kind != "workshop"
        self._heading("2. Chi ha facilitato" if self.request.kind != "plenary" else "2. Chi ha moderato")
        self._note("Organizzazione e ruolo sono pubblici; il nome resta interno e non viene mai pubblicato.")
        self._grid(FORM.facilitators, ["Organizzazione *", "Ruolo *", "Nome (solo uso interno)"], [5.2, 4.6, 6.0])
        number = 3
        if with_speakers:
            self._heading(f"{number}. Relatori" + (" (solo per le plenarie)" if self.request.kind is None else ""))
            self._grid(FORM.speakers, ["Organizzazione", "Ruolo", "Titolo dell'intervento", "Nome (interno)"],
                       [4.0, 3.2, 5.4, 3.2])
            number += 1
        self._heading(f"{number}. Partecipanti")
        self._note("Quante persone per tipo di attore. Solo numeri interi (1000, non 1.000); lascia vuoti i tipi assenti.")
        self._participants()
        self._heading(f"{number + 1}. Sintesi *")
        self._note("Che cosa è successo nella sessione, in uno o più paragrafi.")
        self._text_box(FORM.summary)
        self._heading(f"{number + 2}. Citazioni (facoltative)")
        self._note("Frasi dette nella sessione, attribuite solo al tipo di attore, mai alla persona.")
        self._grid(FORM.quotes, ["Citazione", "Tipo di attore"], [10.6, 5.2])
        self._heading(f"{number + 3}. Esiti")
        self._note(
            "Ciò che la sessione ha constatato, raccomandato, deciso: un blocco per esito, "
            f"fino a {OUTCOME_BLOCKS}. I blocchi lasciati vuoti vengono ignorati. "
            "Un impegno dice anche chi agisce (Responsabile) ed entro quando (Scadenza)."
        )
        for block in FORM.outcomes:
            self._heading(block.name, level=2)
            self._field_table(block)
        self._annex()

    def _page_and_styles(self) -> None:
        document = self.document
        for section in document.sections:
            section.page_width, section.page_height = Twips(11906), Twips(16838)  # A4
            section.left_margin = section.right_margin = Mm(18)
            section.top_margin, section.bottom_margin = Mm(16), Mm(16)
        styles = document.styles
        normal = styles["Normal"]
        normal.font.name, normal.font.size = FONT, Pt(10)
        normal.paragraph_format.space_after = Pt(3)
        for name, size in (("Title", 22), ("Heading 1", 14), ("Heading 2", 11.5)):
            style = styles[name]
            style.font.name, style.font.size = FONT, Pt(size)
            style.font.color.rgb = RGBColor(0x1F, 0x3B, 0x5C)
            _theme_font_off(style.element)
        styles["Heading 1"].paragraph_format.space_before = Pt(16)
        styles["Heading 2"].paragraph_format.space_before = Pt(12)
        placeholder = styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER)
        placeholder.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
        hint = styles.add_style("Form Hint", WD_STYLE_TYPE.PARAGRAPH)
        assert hint.style_id == HINT_STYLE_ID
        hint.base_style = normal
        hint.font.size, hint.font.color.rgb = Pt(8), HINT_COLOUR
        hint.paragraph_format.space_after = Pt(0)
        _set_language(document, "it-IT")
        properties = document.core_properties
        properties.title = f"Scheda di restituzione: {self.request.event_id} / {self.request.session_id}"
        properties.subject = "Scheda di restituzione di una sessione"
        properties.author = properties.last_modified_by = "outcomes"
        properties.comments = "Compilare, salvare in .docx e caricare dal proprio link allo sportello delle schede, o inviare all'ufficio"
        properties.keywords = FORM_VERSION
        properties.identifier = f"{self.request.event_id}/{self.request.session_id}"
        properties.language = "it-IT"
        properties.created = properties.modified = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
        self._footer()

    def _footer(self) -> None:
        paragraph = self.document.sections[0].footer.paragraphs[0]
        _hint(paragraph)
        paragraph.add_run(f"Scheda di restituzione · {self.request.event_id} · {self.request.session_id} · pagina ")
        paragraph._p.append(_field_run("PAGE"))
        paragraph.add_run(" di ")
        paragraph._p.append(_field_run("NUMPAGES"))

    def _title(self) -> None:
        self.document.add_paragraph("Scheda di restituzione", style="Title")
        event = self.request.event
        if event is not None:
            when = event.start_date.strftime("%d/%m/%Y")
            if event.end_date and event.end_date != event.start_date:
                when += " – " + event.end_date.strftime("%d/%m/%Y")
            self.document.add_paragraph(f"{event.title} · {when} · {event.venue.city}")
        table = self._table(2, 2, [3.2, 12.6])
        for row, field in zip(table.rows, FORM.header.fields):
            self._label(row.cells[0], field.label)
            value = {"event": self.request.event_id, "session": self.request.session_id}[field.key]
            self._control(row.cells[1], FORM.header, field, fixed=value)

    def _instructions(self) -> None:
        table = self._table(1, 1, [15.8])
        cell = table.rows[0].cells[0]
        _shade(cell, "F3F6F9")
        paragraph = cell.paragraphs[0]
        paragraph.add_run("Come compilare la scheda").bold = True
        for line in (
            "Clicca sul testo grigio di ogni riquadro e scrivi: il testo grigio scompare.",
            "Per tipo, stato, visibilità e tipo di attore scegli dall'elenco; le date dal calendario (AAAA-MM-GG).",
            "Codici separati da virgole: target SDG (10.7, 17.17), obiettivi GCM (19, 23), paesi (SN, MA); "
            "attori e temi con il codice o il nome. Tutti i valori ammessi sono in allegato.",
            "I campi con * sono obbligatori. I blocchi e le righe lasciati vuoti vengono ignorati.",
            "Non cancellare i riquadri e non cambiare l'ordine delle tabelle: servono per leggere la scheda.",
            "Salva in formato Word (.docx). Poi caricala dal tuo link personale allo sportello delle schede "
            "(«Oppure carica un file»): vedrai subito, campo per campo, che cosa correggere prima di inviarla. "
            "Se non hai un link, inviala per e-mail all'ufficio che ti ha mandato la scheda.",
        ):
            item = _hint(cell.add_paragraph())
            item.paragraph_format.left_indent = Cm(0.4)
            item.paragraph_format.first_line_indent = Cm(-0.3)
            item.add_run("• " + line).font.size = Pt(9)

    # -- building blocks --

    def _heading(self, text: str, level: int = 1) -> None:
        heading = self.document.add_heading(text, level=level)
        heading.paragraph_format.keep_with_next = True

    def _note(self, text: str) -> None:
        paragraph = _hint(self.document.add_paragraph(text))
        paragraph.paragraph_format.space_after = Pt(4)
        paragraph.paragraph_format.keep_with_next = True

    def _table(self, rows: int, columns: int, widths_cm: list[float]):
        """A bordered table as wide as the text, columns in proportion to ``widths_cm``."""
        table = self.document.add_table(rows=rows, cols=columns)
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        scale = TEXT_WIDTH_CM / sum(widths_cm)
        widths_cm = [width * scale for width in widths_cm]
        _borders(table)
        for column, width in zip(table.columns, widths_cm):
            column.width = Cm(width)  # the grid, which LibreOffice follows
        for row in table.rows:
            _cant_split(row)
            for cell, width in zip(row.cells, widths_cm):
                cell.width = Cm(width)  # each cell, which Word follows
        # Two tables in a row would merge into one: keep a small paragraph between.
        spacer = self.document.add_paragraph()
        spacer.paragraph_format.space_after = Pt(0)
        spacer.paragraph_format.line_spacing = Pt(6)
        return table

    def _label(self, cell, text: str, hint: str = "", required: bool = False, fill: str = LABEL_FILL) -> None:
        _shade(cell, fill)
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.add_run(text + (" *" if required else "")).bold = True
        if hint:
            _hint(cell.add_paragraph(hint))

    def _field_table(self, block: Block) -> None:
        table = self._table(len(block.fields), 2, [4.6, 11.2])
        for row, field in zip(table.rows, block.fields):
            self._label(row.cells[0], field.label, field.hint, field.required)
            self._control(row.cells[1], block, field)
            if field.control == "text":
                row.height, row.height_rule = Cm(2.6), WD_ROW_HEIGHT_RULE.AT_LEAST
        _keep_together(table)

    def _grid(self, blocks: tuple[Block, ...], headers: list[str], widths_cm: list[float]) -> None:
        table = self._table(len(blocks) + 1, len(headers) + 1, [0.8, *widths_cm])
        header = table.rows[0]
        _repeat_header(header)
        self._label(header.cells[0], "N.", fill=HEADER_FILL)
        for cell, text in zip(header.cells[1:], headers):
            self._label(cell, text, fill=HEADER_FILL)
        for row, block in zip(table.rows[1:], blocks):
            self._label(row.cells[0], block.name.rsplit(" ", 1)[-1])
            for cell, field in zip(row.cells[1:], block.fields):
                self._control(cell, block, field)

    def _participants(self) -> None:
        fields = FORM.participants.fields
        half = (len(fields) + 1) // 2
        table = self._table(half, 4, [5.6, 2.3, 5.6, 2.3])
        for index, field in enumerate(fields):
            row, column = table.rows[index % half], 2 * (index // half)
            self._label(row.cells[column], field.label, hint=field.key)
            self._control(row.cells[column + 1], FORM.participants, field)

    def _text_box(self, block: Block) -> None:
        table = self._table(1, 1, [15.8])
        row = table.rows[0]
        row.height, row.height_rule = Cm(7), WD_ROW_HEIGHT_RULE.AT_LEAST
        self._control(row.cells[0], block, block.fields[0])

    def _control(self, cell, block: Block, field: FormField, fixed: str | None = None) -> None:
        """Put the content control of ``field`` in ``cell``, with its bookmark."""
        tag = block.tag(field)
        alias = field.label if field.label == block.name else f"{block.name} · {field.label}"
        preset = self._preset(field, block)
        sdt = _content_control(
            tag=tag,
            alias=alias,
            sdt_id=next(self.ids),
            text=fixed if fixed is not None else (preset or field.placeholder),
            placeholder=fixed is None and preset is None,
            locked_content=fixed is not None,
            control=field.control,
            items=choice_items(field.vocabulary) if field.control == "choice" else (),
        )
        paragraph = cell._tc.p_lst[0]
        bookmark_id = str(next(self.ids))
        paragraph.append(parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{bookmark_id}" w:name="{bookmark_name(tag)}"/>'))
        paragraph.append(parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{bookmark_id}"/>'))
        paragraph.append(sdt)

    def _preset(self, field: FormField, block: Block) -> str | None:
        """The kind chosen with ``outcomes form --kind``, shown as chosen."""
        if block is FORM.session and field.key == "kind" and self.request.kind:
            return vocab.session_kinds().label(self.request.kind, "it")
        return None

    # -- the annex: every allowed value --

    def _annex(self) -> None:
        self.document.add_page_break()
        self.document.add_heading("Allegato: valori ammessi", level=1)
        self._note("Nei campi a elenco si scrive il codice (prima colonna); per attori e temi va bene anche il nome.")
        self._terms("A. Tipi di esito", vocab.outcome_types())
        self._terms("B. Tipi di attore", vocab.actor_types())
        self._terms("C. Temi", vocab.themes())
        self._sdg_targets()
        self._heading("E. Obiettivi del Global Compact per le migrazioni (GCM)", level=2)
        self._code_table([(term.id, term.label("it")) for term in vocab.gcm_objectives()], [1.2, 14.6])
        self._heading("F. Paesi (codici ISO 3166-1)", level=2)
        self._countries()
        self._terms("G. Stati degli impegni", vocab.statuses())

    def _terms(self, title: str, terms: vocab.Vocabulary) -> None:
        self._heading(title, level=2)
        rows = [(term.id, term.label("it"), term.extra.get("description_it", "")) for term in terms]
        self._code_table(rows, [4.4, 4.6, 6.8])

    def _sdg_targets(self) -> None:
        self._heading("D. Target degli Obiettivi di sviluppo sostenibile (SDG)", level=2)
        goals = vocab.sdg_goals()
        rows: list[tuple[str, ...]] = []
        current = None
        for target in vocab.sdg_targets():
            goal = vocab.goal_of(target.id)
            if goal != current:
                rows.append((f"Goal {goal}", goals.label(str(goal), "it")))
                current = goal
            rows.append((target.id, target.label("it")))
        table = self._code_table(rows, [1.6, 14.2], small=True)
        for row, values in zip(table.rows, rows):
            if values[0].startswith("Goal"):
                for cell in row.cells:
                    _shade(cell, LABEL_FILL)
                    for run in cell.paragraphs[0].runs:
                        run.bold = True

    def _countries(self) -> None:
        countries = sorted(vocab.countries(), key=lambda term: vocab.fold(term.label("it")))
        per_column = (len(countries) + 2) // 3
        rows = []
        for index in range(per_column):
            row: list[str] = []
            for column in range(3):
                position = column * per_column + index
                if position < len(countries):
                    row += [countries[position].id, countries[position].label("it")]
                else:
                    row += ["", ""]
            rows.append(tuple(row))
        self._code_table(rows, [0.9, 4.4] * 3, small=True, bold_columns=(0, 2, 4))

    def _code_table(self, rows: list[tuple[str, ...]], widths_cm: list[float], small: bool = False,
                    bold_columns: tuple[int, ...] = (0,)):
        table = self._table(len(rows), len(widths_cm), widths_cm)
        size = Pt(8) if small else Pt(9)
        for row, values in zip(table.rows, rows):
            for column, (cell, value) in enumerate(zip(row.cells, values)):
                paragraph = cell.paragraphs[0]
                paragraph.paragraph_format.space_after = Pt(0)
                run = paragraph.add_run(value)
                run.font.size = size
                run.bold = column in bold_columns
        return table


# --- OOXML the python-docx API does not cover -----------------------------------------------


def _content_control(*, tag: str, alias: str, sdt_id: int, text: str, placeholder: bool, locked_content: bool,
                     control: str, items) -> object:
    """An inline ``w:sdt``: a rich-text control (paragraphs and line breaks
    allowed), a drop-down list or a date picker."""
    lock = "sdtContentLocked" if locked_content else "sdtLocked"
    properties = [
        f"<w:alias w:val={quoteattr(alias)}/>",
        f"<w:tag w:val={quoteattr(tag)}/>",
        f'<w:id w:val="{sdt_id}"/>',
        f'<w:lock w:val="{lock}"/>',
    ]
    if placeholder:
        properties.append("<w:showingPlcHdr/>")
    if control == "choice":
        entries = "".join(
            f"<w:listItem w:displayText={quoteattr(label)} w:value={quoteattr(value)}/>" for label, value in items
        )
        properties.append(f"<w:dropDownList>{entries}</w:dropDownList>")
    elif control == "date":
        properties.append(
            '<w:date><w:dateFormat w:val="yyyy-MM-dd"/><w:lid w:val="it-IT"/>'
            '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>'
        )
    # The style is Word's; the colour is for readers without the style.
    style = '<w:rPr><w:rStyle w:val="PlaceholderText"/><w:color w:val="808080"/></w:rPr>' if placeholder else ""
    run = f'<w:r>{style}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
    return parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtPr>{''.join(properties)}</w:sdtPr><w:sdtContent>{run}</w:sdtContent></w:sdt>"
    )


def _hint(paragraph):
    """The small grey style, by id: python-docx's lookup by name scans every style."""
    paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = HINT_STYLE_ID
    return paragraph


def _field_run(instruction: str):
    return parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
    )


def _shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    for old in properties.findall(qn("w:shd")):
        properties.remove(old)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _borders(table) -> None:
    edges = "".join(
        f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="{BORDER_COLOUR}"/>'
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    properties = table._tbl.tblPr
    properties.append(parse_xml(f"<w:tblBorders {nsdecls('w')}>{edges}</w:tblBorders>"))
    margins = "".join(f'<w:{side} w:w="{width}" w:type="dxa"/>' for side, width in (("top", 40), ("left", 90), ("bottom", 40), ("right", 90)))
    properties.append(parse_xml(f"<w:tblCellMar {nsdecls('w')}>{margins}</w:tblCellMar>"))


def _cant_split(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _keep_together(table) -> None:
    """Keep a block on one page: every row but the last keeps with the next."""
    for row in table.rows[:-1]:
        for paragraph in row.cells[0].paragraphs:
            paragraph.paragraph_format.keep_with_next = True


def _repeat_header(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _theme_font_off(style_element) -> None:
    """Headings of the default template use theme fonts, which win over ``font.name``."""
    fonts = style_element.find(qn("w:rPr"))
    fonts = fonts.find(qn("w:rFonts")) if fonts is not None else None
    if fonts is not None:
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)


def _set_language(document, language: str) -> None:
    """Spell-checking and hyphenation in Italian, in Word and LibreOffice."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for old in run_defaults.findall(qn("w:lang")):
        run_defaults.remove(old)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), language)
    lang.set(qn("w:bidi"), "ar-SA")
    run_defaults.append(lang)
    settings = document.settings.element
    theme = settings.find(qn("w:themeFontLang"))
    if theme is not None:
        theme.set(qn("w:val"), language)
