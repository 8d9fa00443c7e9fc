"""The proceedings of an event ("Atti del convegno") as a Word document.

``write(event, sessions, path)`` turns an event's notes into the document the
office sends to participants, the Region and its partners: a title page, the
contents, the programme, a chapter per session (facilitation by role and
organisation, participants by actor type, the summary, the outcomes grouped by
type with their SDG targets, GCM objectives, countries and actors), the
commitments, participants as a table and a chart, and an index by SDG target,
GCM objective and country pointing to the numbered outcomes.

It is written for people and for machines that read for people: real heading
styles, the document language set, table header rows repeated on each page,
alt text on tables and the chart. Names of people never appear, and internal
sessions and outcomes only with ``internal=True``.

Page numbers (footer, contents, index) are fields. ``add_pdfs`` has
LibreOffice make the PDF edition and writes the page numbers it computed
into the contents' and index's fields, so Word shows them as they are;
without it, Word asks to update fields on opening. The same notes always
give the same bytes (see ``outcomes.wordml.save``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

import docx
from babel.dates import format_date
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips
from pydantic import BaseModel

from . import models, vocab, wordml
from . import load
from .load import EventNote, FollowUpNote, NoteError, Problem, Problems, SessionNote

LANGUAGES = {"it": "it-IT", "en": "en-GB"}
BODY_FONT = "Times New Roman"  # metric twins in LibreOffice: Liberation Serif and Sans,
HEADING_FONT = "Arial"  # so Word and LibreOffice break lines and pages alike
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
CHART_FONTS = ["Liberation Sans", HEADING_FONT, "DejaVu Sans"]  # the headings' family, first found
TEXT_WIDTH = 11906 - 2 * 1418  # A4 minus 2.5 cm margins, in twips

# What the document says, besides the notes and the vocabularies.
WORDS: dict[str, dict[str, str]] = {
    "proceedings": {"it": "Atti del convegno", "en": "Conference proceedings"},
    "contents": {"it": "Indice", "en": "Contents"},
    "introduction": {"it": "Presentazione", "en": "Introduction"},
    "programme": {"it": "Programma", "en": "Programme"},
    "commitments": {"it": "Impegni", "en": "Commitments"},
    "followup": {"it": "A che punto sono gli impegni", "en": "Where the commitments stand"},
    "followup_of": {"it": "A che punto sono gli impegni di «{title}»", "en": "Where the commitments of “{title}” stand"},
    "followup_intro": {
        "it": "Per ogni impegno preso al convegno, lo stato attuale e gli aggiornamenti raccolti dopo, dal più vecchio al più recente. Lo stato attuale è quello dell'ultimo aggiornamento o, se non ce ne sono, quello registrato nella sessione.",
        "en": "For each commitment made at the conference, its current status and the updates gathered since, oldest first. The current status is the latest update's or, without updates, the one recorded in the session.",
    },
    "followup_intro_of": {
        "it": "Gli impegni presi al convegno «{title}» ({dates}), numerati come nei suoi atti, con lo stato attuale e gli aggiornamenti raccolti dopo.",
        "en": "The commitments made at “{title}” ({dates}), numbered as in its proceedings, with their current status and the updates gathered since.",
    },
    "current_status": {"it": "Stato attuale", "en": "Current status"},
    "session_status": {"it": "Stato nella sessione", "en": "Status in the session"},
    "updated": {"it": "aggiornato al {date}", "en": "updated on {date}"},
    "source": {"it": "Fonte", "en": "Source"},
    "no_updates": {"it": "Nessun aggiornamento dopo il convegno.", "en": "No update since the conference."},
    "participants": {"it": "Partecipanti", "en": "Participants"},
    "index": {"it": "Indice analitico", "en": "Index"},
    "by_sdg": {"it": "Obiettivi e target di sviluppo sostenibile (SDG)", "en": "Sustainable Development Goals and targets"},
    "by_gcm": {"it": "Obiettivi del Global Compact per le migrazioni", "en": "Global Compact for Migration objectives"},
    "by_country": {"it": "Paesi", "en": "Countries"},
    "organisers": {"it": "Organizzatori", "en": "Organisers"},
    "venue": {"it": "Luogo", "en": "Venue"},
    "website": {"it": "Sito web", "en": "Website"},
    "facilitation": {"it": "Facilitazione", "en": "Facilitation"},
    "speakers": {"it": "Interventi", "en": "Speakers"},
    "summary": {"it": "Sintesi", "en": "Summary"},
    "quotes": {"it": "Dal dibattito", "en": "From the discussion"},
    "sdg": {"it": "SDG", "en": "SDGs"},
    "gcm": {"it": "Global Compact", "en": "Global Compact"},
    "countries": {"it": "Paesi", "en": "Countries"},
    "actors": {"it": "Attori", "en": "Actors"},
    "themes": {"it": "Temi", "en": "Themes"},
    "keywords": {"it": "Parole chiave", "en": "Keywords"},
    "owner": {"it": "Chi", "en": "Who"},
    "what": {"it": "Che cosa", "en": "What"},
    "due": {"it": "Entro", "en": "By"},
    "status": {"it": "Stato", "en": "Status"},
    "number": {"it": "N.", "en": "No."},
    "time": {"it": "Orario", "en": "Time"},
    "session": {"it": "Sessione", "en": "Session"},
    "kind": {"it": "Tipo", "en": "Type"},
    "room": {"it": "Sala", "en": "Room"},
    "actor_type": {"it": "Tipo di attore", "en": "Actor type"},
    "attendance": {"it": "Presenze nelle sessioni", "en": "Session attendance"},
    "registered": {"it": "Iscritti", "en": "Registered"},
    "present": {"it": "Presenti", "en": "Present"},
    "unclassified": {"it": "Non classificati", "en": "Unclassified"},
    "total": {"it": "Totale", "en": "Total"},
    "page": {"it": "Pagina", "en": "Page"},
    "of": {"it": "di", "en": "of"},
    "p": {"it": "p.", "en": "p."},
    "internal": {"it": "Interno, non pubblicato", "en": "Internal, not published"},
    "internal_banner": {
        "it": "USO INTERNO: contiene sessioni ed esiti riservati, non diffondere",
        "en": "INTERNAL USE: holds internal sessions and outcomes, do not circulate",
    },
    "no_sessions": {"it": "Nessuna sessione registrata.", "en": "No sessions were recorded."},
    "no_commitments": {"it": "Nessun impegno registrato.", "en": "No commitments were recorded."},
    "no_participants": {"it": "Nessun partecipante registrato.", "en": "No participants were recorded."},
    "no_index": {"it": "Nessun esito collegato.", "en": "No outcome is linked."},
    "programme_caption": {"it": "Programma del {day}", "en": "Programme, {day}"},
    "programme_description": {
        "it": "Per ogni sessione: orario, titolo con il numero del capitolo, tipo e sala.",
        "en": "For each session: time, title with its chapter number, type and room.",
    },
    "commitments_caption": {"it": "Impegni assunti", "en": "Commitments made"},
    "commitments_description": {
        "it": "Per ogni impegno: numero dell'esito, chi agisce, che cosa, entro quando e lo stato.",
        "en": "For each commitment: outcome number, who acts, what, by when and its status.",
    },
    "participants_caption": {"it": "Partecipanti per tipo di attore", "en": "Participants by actor type"},
    "participants_description": {
        "it": "Presenze nelle sessioni per tipo di attore{registered}.",
        "en": "Session attendance by actor type{registered}.",
    },
    "participants_registered": {"it": " e iscritti all'evento", "en": " and people registered for the event"},
    "by_session_caption": {"it": "Presenti e iscritti per sessione", "en": "Present and registered by session"},
    "by_session_description": {
        "it": "Per ogni sessione: numero del capitolo, titolo, presenti e iscritti dal modulo di iscrizione.",
        "en": "For each session: chapter number, title, people present and people registered through the registration form.",
    },
    "participants_note": {
        "it": "Le presenze sommano i partecipanti di ogni sessione: chi ha seguito più sessioni è contato più volte.",
        "en": "Attendance adds up the participants of every session: people who attended several sessions count more than once.",
    },
    "chart_caption": {"it": "Figura 1 – Partecipanti per tipo di attore", "en": "Figure 1 – Participants by actor type"},
    "chart_alt": {
        "it": "Grafico a barre orizzontali dei partecipanti per tipo di attore. {values}.",
        "en": "Horizontal bar chart of participants by actor type. {values}.",
    },
    "colophon": {"it": "Colophon", "en": "Colophon"},
    "editor": {"it": "A cura di", "en": "Edited by"},
    "publication": {"it": "Data di pubblicazione", "en": "Publication date"},
    "licence": {"it": "Licenza", "en": "Licence"},
    "licence_text": {
        "it": "Il testo degli atti è distribuito con licenza {licence}: può essere riprodotto e adattato citando la fonte.",
        "en": "The text of these proceedings is licensed under {licence}: it may be copied and adapted with attribution.",
    },
    "how_to_cite": {"it": "Come citare", "en": "How to cite"},
    "cited_editor": {"it": "{editor} (a cura di)", "en": "{editor} (ed.)"},
    "cited_as": {"it": "Atti del convegno, {place}, {dates}", "en": "Conference proceedings, {place}, {dates}"},
    "index_note": {
        "it": "I numeri rimandano agli esiti (capitolo.esito), seguiti dalla pagina.",
        "en": "Numbers point to the outcomes (chapter.outcome), followed by the page.",
    },
}


def word(key: str, lang: str, **values) -> str:
    text = WORDS[key][lang]
    return text.format(**values) if values else text


def default_language(event: EventNote) -> str:
    """The event's own language if the proceedings speak it, else Italian."""
    return event.event.language if event.event.language in LANGUAGES else "it"


# --- What goes in: visible records, numbered ---------------------------------------------


@dataclass(frozen=True)
class Entry:
    """An outcome as the document numbers it: ``3.2`` is chapter 3, outcome 2."""

    number: str
    bookmark: str
    outcome: models.Outcome
    chapter: Chapter


@dataclass
class Chapter:
    """A session as the document shows it."""

    number: int
    note: SessionNote
    entries: list[Entry]

    @property
    def session(self) -> models.Session:
        return self.note.session

    @property
    def bookmark(self) -> str:
        return f"_Toc_s{self.number}"


def chapters(sessions: Iterable[SessionNote], internal: bool) -> list[Chapter]:
    """Sessions in programme order, numbered, with their outcomes grouped by
    type (in the vocabulary's order) and numbered within the chapter."""
    order = {kind: position for position, kind in enumerate(vocab.outcome_types().ids)}
    visible = [note for note in sessions if internal or note.session.public]
    visible.sort(key=lambda note: (note.session.date, note.session.start, note.session.end, note.id))
    result = []
    for number, note in enumerate(visible, start=1):
        chapter = Chapter(number, note, [])
        outcomes = [o for o in note.session.outcomes if internal or o.public]
        outcomes.sort(key=lambda o: order[o.type])  # stable: the note's order within a type
        chapter.entries = [
            Entry(f"{number}.{position}", f"_Ref_{number}_{position}", outcome, chapter)
            for position, outcome in enumerate(outcomes, start=1)
        ]
        result.append(chapter)
    return result


# --- Characters Word cannot hold ------------------------------------------------------

# Not allowed in XML 1.0, or C1 controls that only come from mis-pasted text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_SUSPECT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")  # and CR
_MARKDOWN_FIELDS = frozenset({"summary", "text", "description"})


def _replacement(char: str, markdown: bool) -> str:
    """Word's pasted soft break (VT) and page break (FF) keep their meaning."""
    if char == "\x0b":
        return "  \n" if markdown else " "
    if char == "\x0c":
        return "\n\n" if markdown else " "
    return ""


def cleaned(model: BaseModel, found: list, loc: tuple = ()) -> BaseModel:
    """``model`` with control characters taken out of every text; each text
    changed is appended to ``found`` as (location, characters removed).

    Called on every note, so the common case (nothing to clean) is one
    regular-expression search per text and nothing else."""
    changes = {}
    for name, value in model.__dict__.items():  # the fields' values, without pydantic's machinery
        kind = value.__class__
        if kind is str:
            if _SUSPECT.search(value) is None:
                continue
            new = _cleaned_text(value, found, (*loc, name), name in _MARKDOWN_FIELDS)
        elif kind is list:
            if not value or (value[0].__class__ is str and _SUSPECT.search("\n".join(value)) is None):
                continue
            new = _cleaned_list(value, found, (*loc, name), name in _MARKDOWN_FIELDS)
        elif isinstance(value, BaseModel):
            new = cleaned(value, found, (*loc, name))
        else:
            continue
        if new is not value:
            changes[name] = new
    return model.model_copy(update=changes) if changes else model


def _cleaned_list(values: list, found: list, loc: tuple, markdown: bool) -> list:
    items = [
        cleaned(item, found, (*loc, index)) if isinstance(item, BaseModel)
        else _cleaned_text(item, found, (*loc, index), markdown) if isinstance(item, str)
        else item
        for index, item in enumerate(values)
    ]
    return values if all(new is old for new, old in zip(items, values)) else items


def _cleaned_text(text: str, found: list, loc: tuple, markdown: bool) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    removed = _CONTROL.findall(text)
    if not removed:
        return text
    found.append((loc, removed))
    return _CONTROL.sub(lambda match: _replacement(match.group(), markdown), text)


def _warn(problems: Problems, path: Path, found: list) -> None:
    for loc, removed in found:
        line, column = _position(path, loc)
        codes = ", ".join(sorted({f"U+{ord(char):04X}" for char in removed}))
        name = next((part for part in reversed(loc) if isinstance(part, str)), "")
        context = {"field": name, "count": len(removed), "codes": codes}
        problems.append(Problem(str(path), line, column, _field_path(loc), "control_characters", context, "warning"))


def _field_path(loc: tuple) -> str:
    """``('outcomes', 3, 'text')`` -> ``outcomes[3].text``, as ``outcomes check`` says it."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _position(path: Path, loc: tuple) -> tuple[int, int]:
    """Line and column of the value at ``loc`` in the note (1, 1 if unknown).

    Only asked when a warning is due, so the note is read again then."""
    from yaml.nodes import MappingNode, SequenceNode

    from .load import compose, read_text

    try:
        node = compose(read_text(Path(path)), sequence=bool(loc) and isinstance(loc[0], int))
    except (NoteError, OSError):  # not a file (built in code), or changed since it was loaded
        return 1, 1
    for part in loc:
        if isinstance(node, MappingNode):
            node = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            return 1, 1
    return node.start_mark.line + 1, node.start_mark.column + 1


# --- The document ----------------------------------------------------------------------


def write(
    event: EventNote,
    sessions: list[SessionNote],
    path: Path,
    *,
    lang: str | None = None,
    internal: bool = False,
) -> Problems:
    """Write the proceedings of ``event`` to ``path`` (atomically); return warnings.

    ``lang`` is ``it`` or ``en`` (default: the event's language, if one of
    these, else Italian). Internal sessions and outcomes are left out unless
    ``internal``.
    """
    lang = lang or default_language(event)
    problems = Problems()
    found: list = []
    event_model = cleaned(event.event, found)
    _warn(problems, event.path, found)
    clean_sessions = []
    for note in sessions:
        found = []
        session = cleaned(note.session, found)
        _warn(problems, note.path, found)
        clean_sessions.append(note if session is note.session else replace(note, session=session))
    own = chapters(clean_sessions, internal)
    followups = [
        FollowUpChapter.of(event, own, _followup_of(event, sessions), internal, bookmark="_Toc_followup", problems=problems)
    ] if event.followup_path else []
    for number, event_id in enumerate(event.event.follows, start=1):
        earlier = load.event_with_followup(event.path.parent.parent / event_id, Problems())
        if earlier is not None:
            note, earlier_sessions, followup = earlier
            earlier_chapters = chapters(earlier_sessions, internal)
            followups.append(
                FollowUpChapter.of(note, earlier_chapters, followup, internal, bookmark=f"_Toc_followup_{number}", own=False, problems=problems)
            )
    document, body = Proceedings(event, event_model, own, lang, internal, followups).build()
    wordml.save(document, path, _moment(event_model.start_date), body)
    return problems


def _followup_of(event: EventNote, sessions: list[SessionNote]) -> FollowUpNote | None:
    """The event's follow-up, read again (the build has checked it)."""
    refs = [ref for note in sessions for ref in load.outcome_refs(note)]
    return load.load_followup(event, refs, Problems())


@dataclass
class FollowUpChapter:
    """"A che punto sono gli impegni": an event's commitments, each with its
    updates, numbered as in that event's proceedings."""

    note: EventNote
    own: bool  # this event's, or an earlier one's
    bookmark: str
    items: list[tuple[Entry, list[models.Update]]]

    @classmethod
    def of(cls, note: EventNote, event_chapters: list[Chapter], followup: FollowUpNote | None, internal: bool, *,
           bookmark: str, problems: Problems, own: bool = True) -> FollowUpChapter:
        refs = {ref.key: ref for chapter in event_chapters for ref in load.outcome_refs(chapter.note)}
        timelines = followup.timelines(refs, public=not internal) if followup else {}
        entries = [e for chapter in event_chapters for e in chapter.entries if e.outcome.type == "commitment"]
        entries.sort(key=lambda e: (e.outcome.due, vocab.fold(e.outcome.owner), e.chapter.number, e.number))
        positions = {id(update): index for index, update in enumerate(followup.updates)} if followup else {}
        items = []
        for entry in entries:
            updates = []
            for update in timelines.get(f"{entry.chapter.note.id}/{entry.outcome.id}", []):
                found: list = []
                updates.append(cleaned(update, found, (positions[id(update)],)))
                if own:
                    _warn(problems, followup.path, found)
            items.append((entry, updates))
        return cls(note, own, bookmark, items)

    def title(self, lang: str) -> str:
        return word("followup", lang) if self.own else word("followup_of", lang, title=self.note.event.title)


def editions(event: EventNote) -> list[str]:
    """The languages a build writes the proceedings in: the event's own
    (see ``default_language``), then those its note asks for."""
    main = default_language(event)
    return [main] + [lang for lang in event.event.proceedings_languages if lang != main]


def file_name(event: EventNote, lang: str, internal: bool = False, extension: str = "docx") -> str:
    """``<event-id>.docx`` in the event's language, ``<event-id>.en.docx`` in
    another, ``<event-id>-interno.docx`` for the internal edition: editions
    side by side, never one in place of another."""
    suffix = "-interno" if internal else ""
    language = "" if lang == default_language(event) else f".{lang}"
    return f"{event.id}{suffix}{language}.{extension}"


class Writer:
    """The ``write_proceedings`` of ``outcomes.build.build``: every edition of
    each event (``editions``) into a folder, warnings into ``problems``;
    ``written`` lists the documents, for ``add_pdfs``, ``events`` their events."""

    def __init__(self, problems: Problems, *, internal: bool = False):
        self.problems = problems
        self.internal = internal
        self.written: list[Path] = []
        self.events: list[str] = []  # the ids of the events written

    def __call__(self, event: EventNote, sessions: list[SessionNote], folder: Path) -> None:
        self.events.append(event.id)
        for number, lang in enumerate(editions(event)):
            path = Path(folder) / file_name(event, lang, self.internal)
            warnings = write(event, sessions, path, lang=lang, internal=self.internal)
            if number == 0:  # the same notes: their warnings once
                self.problems.extend(warnings)
            self.written.append(path)


def add_pdfs(documents: list[Path]) -> list[Path]:
    """The PDF edition of each of ``documents``, beside it, made by LibreOffice;
    and the page numbers LibreOffice computed written into the documents'
    page references, so Word shows them as they are.

    LibreOffice writes into a hidden folder beside the documents; each PDF
    is then renamed into place: a failed conversion (``pdf.PdfError``)
    replaces nothing."""
    import shutil
    import tempfile

    from . import pdf

    made = []
    folders: dict[Path, list[Path]] = defaultdict(list)
    for document in documents:
        folders[Path(document).parent].append(Path(document))
    for folder, group in folders.items():
        scratch = Path(tempfile.mkdtemp(prefix=".pdf-", dir=folder))
        try:
            converted = pdf.convert(group, scratch)
            for document, pdf_file in zip(group, converted):
                wordml.fill_page_refs(document, pdf.bookmark_pages(pdf_file, wordml.page_refs(document)))
            for document, pdf_file in zip(group, converted):
                target = document.with_suffix(".pdf")
                os.replace(pdf_file, target)
                made.append(target)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return made


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, 0, 0)


class Proceedings:
    """Builds the document, front to back."""

    def __init__(self, note: EventNote, event, chapters: list[Chapter], lang: str, internal: bool,
                 followups: list[FollowUpChapter] | None = None):
        self.followups = followups or []
        self.note = note
        self.event = event
        self.chapters = chapters
        self.entries = [entry for chapter in chapters for entry in chapter.entries]
        self.lang = lang
        self.locale = LANGUAGES[lang].replace("-", "_")  # en_GB: 30 June 2021, not June 30
        self.internal = internal

    def w(self, key: str, **values) -> str:
        return word(key, self.lang, **values)

    def build(self):
        """The python-docx document (package, styles, header, footer) and its
        body's content as XML text."""
        document = docx.Document()
        prepare(document, self.lang, self.event, self.note)
        self.doc = wordml.Writer(document)
        self.markdown = wordml.Markdown(self.doc, heading_base=2)
        self.header_footer(document)
        participants = self.participant_counts()
        chart = self.chart(document, participants) if participants else None  # before the body grows: python-docx scans it for ids
        self.title_page()
        self.colophon()
        self.contents()
        self.introduction()
        self.programme()
        self.markdown.heading_base = 3
        for chapter in self.chapters:
            self.session(chapter)
        self.commitments()
        for followup in self.followups:
            self.followup(followup)
        self.participants(participants, chart)
        self.index()
        return document, self.doc.xml()

    # -- dates and labels --

    def date(self, day: dt.date, style: str = "long") -> str:
        return format_date(day, style, locale=self.locale)

    def dates(self) -> str:
        """``15 ottobre 2019``, ``15–16 ottobre 2019``, ``31 ottobre – 1 novembre 2019``."""
        start, end = self.event.start_date, self.event.last_date
        if start == end:
            return self.date(start)
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{self.date(end)}"
        if start.year == end.year:
            return f"{format_date(start, 'd MMMM', locale=self.locale)} – {self.date(end)}"
        return f"{self.date(start)} – {self.date(end)}"

    def label(self, vocabulary, term_id) -> str:
        return vocabulary.label(str(term_id), self.lang)

    def venue(self) -> str:
        """``Centro Congressi, Via Nino Costa 8, 10123 Torino``: the city once."""
        venue = self.event.venue
        city = [] if venue.address and venue.city in venue.address else [venue.city]
        return ", ".join(part for part in (venue.name, venue.address, *city) if part)

    # -- parts of the document --

    def title_page(self) -> None:
        doc, event = self.doc, self.event
        doc.paragraph("Title Page Organisers", doc.run(event.organisers[0].name))
        doc.paragraph("Title Page Kicker", doc.run(self.w("proceedings")))
        doc.paragraph("Title", doc.run(event.title))
        if event.subtitle:
            doc.paragraph("Subtitle", doc.run(event.subtitle))
        doc.paragraph("Title Page Details", doc.run(f"{event.venue.city}, {self.dates()}") + wordml.BREAK + doc.run(self.venue()))
        if self.internal:
            doc.paragraph("Title Page Warning", doc.run(self.w("internal_banner")))
        names = [doc.run(o.name, bold=True) + (doc.run(f", {o.role}") if o.role else "") for o in event.organisers]
        doc.paragraph("Title Page Credits", doc.run(self.w("organisers"), bold=True) + wordml.BREAK + wordml.BREAK.join(names))

    def licence(self) -> tuple[str, str | None]:
        """The text's licence and its address: the event note's, else the site's."""
        if self.event.licence:
            return self.event.licence, self.event.licence_url
        from . import site

        metadata = site.metadata()
        return metadata["license"], metadata.get("license_url")

    def colophon(self) -> None:
        """The back of the title page: who edited the proceedings, the
        organisers, when they came out (from the notes, never the day of the
        build), the licence and how to cite them."""
        doc, event = self.doc, self.event
        doc.paragraph("Colophon Title", doc.run(event.title, bold=True) + (doc.run(f" – {event.subtitle}") if event.subtitle else ""))
        where = self.w("cited_as", place=event.venue.city, dates=self.dates())
        doc.paragraph("Colophon", doc.run(where))
        if event.editor:
            doc.paragraph("Colophon", self.label_run(self.w("editor"), colon=False) + doc.run(f" {event.editor}"))
        organisers = [doc.run(o.name + (f", {o.role}" if o.role else "")) for o in event.organisers]
        doc.paragraph("Colophon", self.label_run(self.w("organisers")) + wordml.BREAK + wordml.BREAK.join(organisers))
        doc.paragraph("Colophon", self.label_run(self.w("publication")) + doc.run(self.date(event.published)))
        licence, address = self.licence()
        named = self.url(address, licence) if address else doc.run(licence)
        before, after = self.w("licence_text", licence="\0").split("\0")
        doc.paragraph("Colophon", self.label_run(self.w("licence")) + doc.run(before) + named + doc.run(after))
        who = self.w("cited_editor", editor=event.editor) if event.editor else event.organisers[0].name
        publisher = f", {event.organisers[0].name}" if event.editor else ""
        citation = (
            doc.run(f"{who}, ") + doc.run(event.title, italic=True)
            + doc.run(f". {where}{publisher}, {event.published.year}.")
        )
        if event.website:
            citation += doc.run(" ") + self.url(event.website)
        doc.paragraph("Colophon", self.label_run(self.w("how_to_cite")) + wordml.BREAK + citation)

    def contents(self) -> None:
        """An entry per chapter, linked, with its page number: a PAGEREF field
        that LibreOffice computes at layout, and whose result ``add_pdfs``
        writes for Word (or Word computes when it updates fields). A TOC field would not do: LibreOffice shows a
        TOC field's saved result as it is, and there are no page numbers to
        save before layout."""
        doc = self.doc
        doc.paragraph("TOC Heading", doc.run(self.w("contents")))
        entries = [("_Toc_introduction", None, self.w("introduction")), ("_Toc_programme", None, self.w("programme"))]
        entries += [(c.bookmark, str(c.number), c.session.title) for c in self.chapters]
        entries += [
            ("_Toc_commitments", None, self.w("commitments")),
            *((f.bookmark, None, f.title(self.lang)) for f in self.followups),
            ("_Toc_participants", None, self.w("participants")),
            ("_Toc_index", None, self.w("index")),
        ]
        for bookmark, number, title in entries:
            number = doc.run(number) + wordml.TAB if number else ""
            doc.paragraph("toc 1", doc.internal_link(bookmark, number + doc.run(title) + wordml.TAB + doc.page_ref(bookmark)))

    def introduction(self) -> None:
        doc, event = self.doc, self.event
        doc.heading(1, self.w("introduction"), bookmark="_Toc_introduction")
        self.markdown.render(event.description)
        details = [self.label_run(self.w("venue")) + doc.run(f"{self.venue()}; {self.dates()}")]
        if event.website:
            details.append(self.label_run(self.w("website")) + self.url(event.website))
        doc.paragraph("Details", wordml.BREAK.join(details))
        organisers = [self.label_run(self.w("organisers"), colon=False)]
        for organiser in event.organisers:  # all alike; a website after the name, as a link
            name = doc.run(organiser.name + (f", {organiser.role}" if organiser.role else ""))
            organisers.append(name + (doc.run(" – ") + self.url(organiser.website) if organiser.website else ""))
        doc.paragraph("Details", wordml.BREAK.join(organisers))

    def programme(self) -> None:
        doc = self.doc
        doc.heading(1, self.w("programme"), bookmark="_Toc_programme")
        if not self.chapters:
            doc.paragraph("Body Text", doc.run(self.w("no_sessions")))
        days: dict[dt.date, list[Chapter]] = defaultdict(list)
        for chapter in self.chapters:
            days[chapter.session.date].append(chapter)
        kinds = vocab.session_kinds()
        columns = [(self.w("time"), 1300, "left"), (self.w("session"), 5070, "left"), (self.w("kind"), 1300, "left"), (self.w("room"), 1400, "left")]
        for day, day_chapters in days.items():
            title = self.date(day, "full")
            doc.heading(2, title[0].upper() + title[1:])
            rows = (
                (
                    doc.run(f"{c.session.start:%H:%M}–{c.session.end:%H:%M}"),
                    self.link(c.bookmark, f"{c.number}\u2002{c.session.title}"),
                    doc.run(self.label(kinds, c.session.kind)),
                    doc.run(c.session.room or ""),
                )
                for c in day_chapters
            )
            doc.table(columns, rows, caption=self.w("programme_caption", day=self.date(day)), description=self.w("programme_description"))

    def session(self, chapter: Chapter) -> None:
        doc, session = self.doc, chapter.session
        doc.heading(1, session.title, bookmark=chapter.bookmark, number=str(chapter.number))
        when = f"{self.date(session.date, 'full')}, {session.start:%H:%M}–{session.end:%H:%M}"
        details = [doc.run(" · ".join([self.label(vocab.session_kinds(), session.kind), when] + ([session.room] if session.room else [])))]
        if self.internal and not session.public:
            details.append(doc.run(self.w("internal"), bold=True))
        if session.facilitators:
            people = "; ".join(f"{person.organisation} ({person.role})" for person in session.facilitators)
            details.append(self.label_run(self.w("facilitation")) + doc.run(people))
        if session.participants:
            counts = sorted(session.participants.items(), key=lambda item: (-item[1], item[0]))
            text = " · ".join(f"{self.label(vocab.actor_types(), actor)} {count}" for actor, count in counts)
            details.append(self.label_run(f"{self.w('participants')} ({session.participants_total})") + doc.run(text))
        if session.speakers:
            details.append(self.label_run(self.w("speakers"), colon=False))
        doc.paragraph("Details", wordml.BREAK.join(details))
        for person in session.speakers:
            talk = doc.run(": ") + doc.run(person.talk, italic=True) if person.talk else ""
            doc.paragraph("List Paragraph", doc.run(f"{person.organisation} ({person.role})") + talk, numbering=(doc.numbering.bullets, 0))
        doc.heading(2, self.w("summary"))
        self.markdown.render(session.summary)
        if session.quotes:
            doc.heading(2, self.w("quotes"))
            for quote in session.quotes:
                self.markdown.render(quote.text, style="Quote")
                doc.paragraph("Quote Attribution", doc.run(f"— {self.label(vocab.actor_types(), quote.actor)}"))
        kind = None
        for entry in chapter.entries:
            if entry.outcome.type != kind:
                kind = entry.outcome.type
                doc.heading(2, vocab.outcome_types().terms[kind].extra[f"plural_{self.lang}"])
            self.outcome(entry)

    def outcome(self, entry: Entry) -> None:
        doc, outcome = self.doc, entry.outcome
        doc.heading(3, outcome.title, bookmark=entry.bookmark, number=entry.number)
        lines = self.details(outcome)
        self.markdown.render(outcome.text, keep_next=bool(lines))  # with its details, where they fit
        if lines:
            doc.paragraph("Outcome Details", wordml.BREAK.join(self.label_run(label, colon=bool(text)) + doc.run(text) for label, text in lines))

    def details(self, outcome: models.Outcome) -> list[tuple[str, str]]:
        """(label, text) of each detail of an outcome: who and when, SDGs, countries..."""
        lines: list[tuple[str, str]] = []
        if outcome.type == "commitment":
            lines += [(self.w("owner"), outcome.owner), (self.w("due"), self.date(outcome.due))]
            if outcome.status:
                lines.append((self.w("status"), self.label(vocab.statuses(), outcome.status)))
        if outcome.sdg_targets:
            lines.append((self.w("sdg"), self.goals(outcome.sdg_targets)))
        if outcome.gcm_objectives:
            lines.append((self.w("gcm"), "; ".join(f"{n}. {self.label(vocab.gcm_objectives(), n)}" for n in outcome.gcm_objectives)))
        if outcome.countries:
            lines.append((self.w("countries"), ", ".join(self.label(vocab.countries(), c) for c in outcome.countries)))
        if outcome.actors:
            lines.append((self.w("actors"), ", ".join(self.label(vocab.actor_types(), a) for a in outcome.actors)))
        if outcome.themes:
            lines.append((self.w("themes"), ", ".join(self.label(vocab.themes(), t) for t in outcome.themes)))
        if outcome.keywords:
            lines.append((self.w("keywords"), ", ".join(outcome.keywords)))
        if self.internal and not outcome.public:
            lines.append((self.w("internal"), ""))
        return lines

    def goals(self, targets: list[str]) -> str:
        """``10 Ridurre le disuguaglianze (10.7, 10.c); 17 Partnership per gli obiettivi (17.17)``."""
        by_goal: dict[int, list[str]] = defaultdict(list)
        for target in targets:
            by_goal[vocab.goal_of(target)].append(target)
        return "; ".join(f"{goal} {self.label(vocab.sdg_goals(), goal)} ({', '.join(codes)})" for goal, codes in sorted(by_goal.items()))

    def commitments(self) -> None:
        doc = self.doc
        doc.heading(1, self.w("commitments"), bookmark="_Toc_commitments")
        commitments = [entry for entry in self.entries if entry.outcome.type == "commitment"]
        if not commitments:
            doc.paragraph("Body Text", doc.run(self.w("no_commitments")))
            return
        commitments.sort(key=lambda e: (e.outcome.due, vocab.fold(e.outcome.owner), e.chapter.number, e.number))
        statuses = vocab.statuses()
        columns = [
            (self.w("number"), 700, "left"), (self.w("owner"), 2300, "left"), (self.w("what"), 3370, "left"),
            (self.w("due"), 1400, "left"), (self.w("status"), 1300, "left"),
        ]
        rows = (
            (
                self.link(e.bookmark, e.number),
                doc.run(e.outcome.owner),
                doc.run(e.outcome.title),
                doc.run(self.date(e.outcome.due, "medium")),
                doc.run(self.label(statuses, e.outcome.status) if e.outcome.status else ""),
            )
            for e in commitments
        )
        doc.table(columns, rows, caption=self.w("commitments_caption"), description=self.w("commitments_description"))

    def followup(self, chapter: FollowUpChapter) -> None:
        """Each commitment: who, by when, the status recorded in the session
        and the current one, then its updates as a timeline."""
        doc, statuses = self.doc, vocab.statuses()
        doc.heading(1, chapter.title(self.lang), bookmark=chapter.bookmark)
        if chapter.own:
            intro = self.w("followup_intro")
        else:
            intro = self.w("followup_intro_of", title=chapter.note.event.title, dates=self.date(chapter.note.event.start_date))
        doc.paragraph("Body Text", doc.run(intro))
        if not chapter.items:
            doc.paragraph("Body Text", doc.run(self.w("no_commitments")))
        for entry, updates in chapter.items:
            outcome = entry.outcome
            title = self.link(entry.bookmark, entry.number) if chapter.own else doc.run(entry.number)
            doc.paragraph("Heading 2", title + doc.run("\u2002" + outcome.title))
            session_status = outcome.status or "proposed"
            current = updates[-1].status if updates else session_status
            progress = next((u.progress for u in reversed(updates) if u.progress is not None), None)
            state = self.label(statuses, current) + (f" ({progress}%)" if progress is not None else "")
            if updates:
                state += ", " + self.w("updated", date=self.date(updates[-1].date))
            lines = [
                self.label_run(self.w("owner")) + doc.run(outcome.owner),
                self.label_run(self.w("due")) + doc.run(self.date(outcome.due)),
                self.label_run(self.w("session_status")) + doc.run(self.label(statuses, session_status)),
                self.label_run(self.w("current_status")) + doc.run(state),
            ]
            doc.paragraph("Outcome Details", wordml.BREAK.join(lines))
            if not updates:
                doc.paragraph("Body Text", doc.run(self.w("no_updates"), italic=True))
            for update in updates:
                head = doc.run(self.date(update.date), bold=True) + doc.run(" — " + self.label(statuses, update.status))
                if update.progress is not None:
                    head += doc.run(f" ({update.progress}%)")
                if self.internal and not update.public:
                    head += doc.run(" · " + self.w("internal"), bold=True)
                doc.paragraph("Update Heading", head)
                self.markdown.render(update.text)
                if update.source:
                    doc.paragraph("Update Source", self.label_run(self.w("source")) + doc.run(update.source))

    def participant_counts(self) -> list[tuple[str, int, int | None]]:
        """(actor type, attendance over sessions, registered) in the vocabulary's order."""
        attendance: dict[str, int] = defaultdict(int)
        for chapter in self.chapters:
            for actor, count in chapter.session.participants.items():
                attendance[actor] += count
        registered = self.note.registrations.registered if self.note.registrations else None
        rows = []
        for actor in vocab.actor_types().ids:
            count = attendance.get(actor, 0)
            signed = registered.get(actor, 0) if registered is not None else None
            if count or signed:
                rows.append((actor, count, signed))
        return rows

    def participants(self, rows: list[tuple[str, int, int | None]], chart) -> None:
        doc = self.doc
        doc.heading(1, self.w("participants"), bookmark="_Toc_participants")
        if not rows:
            doc.paragraph("Body Text", doc.run(self.w("no_participants")))
            return
        registrations = self.note.registrations
        actors = vocab.actor_types()
        number_width = 2400
        columns = [(self.w("actor_type"), TEXT_WIDTH - number_width * (2 if registrations else 1), "left"), (self.w("attendance"), number_width, "right")]
        if registrations:
            columns.append((self.w("registered"), number_width, "right"))
        table = [[doc.run(self.label(actors, actor)), doc.run(str(count))] + ([doc.run(str(signed))] if registrations else []) for actor, count, signed in rows]
        if registrations and registrations.unclassified:
            table.append([doc.run(self.w("unclassified")), "", doc.run(str(registrations.unclassified))])
        total = [doc.run(self.w("total"), bold=True), doc.run(str(sum(r[1] for r in rows)), bold=True)]
        if registrations:
            total.append(doc.run(str(registrations.total), bold=True))
        table.append(total)
        registered = self.w("participants_registered") if registrations else ""
        doc.table(columns, table, caption=self.w("participants_caption"), description=self.w("participants_description", registered=registered))
        doc.paragraph("Caption", doc.run(self.w("participants_note")))
        doc.paragraph("Picture Paragraph", doc.picture(chart))
        doc.paragraph("Caption", doc.run(self.w("chart_caption")))
        self.registered_by_session()

    def registered_by_session(self) -> None:
        """Registered beside present for each session, when the registration
        form asked which sessions people would attend."""
        if not any(chapter.note.registered for chapter in self.chapters):
            return
        doc = self.doc
        number_width, chapter_width = 1600, 700
        columns = [
            (self.w("number"), chapter_width, "left"),
            (self.w("session"), TEXT_WIDTH - chapter_width - 2 * number_width, "left"),
            (self.w("present"), number_width, "right"),
            (self.w("registered"), number_width, "right"),
        ]
        rows = [
            [
                self.link(chapter.bookmark, str(chapter.number)),
                doc.run(chapter.session.title),
                doc.run(str(chapter.session.participants_total) if chapter.session.participants else "–"),
                doc.run(str(chapter.note.registered.total) if chapter.note.registered else "–"),
            ]
            for chapter in self.chapters
        ]
        doc.table(columns, rows, caption=self.w("by_session_caption"), description=self.w("by_session_description"))

    def index(self) -> None:
        doc = self.doc
        doc.heading(1, self.w("index"), bookmark="_Toc_index")
        doc.paragraph("Body Text", doc.run(self.w("index_note")))
        targets: dict[str, list[Entry]] = defaultdict(list)
        objectives: dict[int, list[Entry]] = defaultdict(list)
        countries: dict[str, list[Entry]] = defaultdict(list)
        for entry in self.entries:
            for target in entry.outcome.sdg_targets:
                targets[target].append(entry)
            for objective in entry.outcome.gcm_objectives:
                objectives[objective].append(entry)
            for country in entry.outcome.countries:
                countries[country].append(entry)
        references = {}  # an outcome's reference, written once however often it is cited

        doc.heading(2, self.w("by_sdg"))
        if not targets:
            doc.paragraph("Body Text", doc.run(self.w("no_index")))
        goal = None
        for target in (t for t in vocab.sdg_targets().ids if t in targets):
            if vocab.goal_of(target) != goal:
                goal = vocab.goal_of(target)
                doc.heading(3, f"{goal} {self.label(vocab.sdg_goals(), goal)}")
            self.index_entry(target, self.label(vocab.sdg_targets(), target), targets[target], references)

        doc.heading(2, self.w("by_gcm"))
        if not objectives:
            doc.paragraph("Body Text", doc.run(self.w("no_index")))
        for objective in sorted(objectives):
            self.index_entry(str(objective), self.label(vocab.gcm_objectives(), objective), objectives[objective], references)

        doc.heading(2, self.w("by_country"))
        if not countries:
            doc.paragraph("Body Text", doc.run(self.w("no_index")))
        names = {code: self.label(vocab.countries(), code) for code in countries}
        for code in sorted(countries, key=lambda c: vocab.fold(names[c])):
            self.index_entry(names[code], None, countries[code], references)

    def index_entry(self, term: str, description: str | None, entries: list[Entry], references: dict) -> None:
        """``10.7 Facilitare… — 1.2 (p. 5), 3.4 (p. 9)``: outcome numbers link to
        the outcomes; page numbers are PAGEREF fields."""
        doc = self.doc
        cited = []
        for entry in entries:
            reference = references.get(entry.bookmark)
            if reference is None:
                reference = references[entry.bookmark] = (
                    self.link(entry.bookmark, entry.number) + doc.run(f" ({self.w('p')}\u00a0") + doc.page_ref(entry.bookmark) + doc.run(")")
                )
            cited.append(reference)
        head = doc.run(term, bold=True) + (doc.run(f" {description}") if description else "") + doc.run(" — ")
        doc.paragraph("Index Entry", head + doc.run(", ").join(cited))

    # -- small pieces --

    def label_run(self, text: str, colon: bool = True) -> str:
        return self.doc.run(f"{text}: " if colon else text, bold=True)

    def link(self, bookmark: str, text: str) -> str:
        """A link within the document: coloured, not underlined, quiet on paper."""
        return self.doc.internal_link(bookmark, self.doc.run(text, style="Cross Reference"))

    def url(self, address: str, text: str | None = None) -> str:
        return self.doc.external_link(address, self.doc.run(text or address, style="Hyperlink"))

    def header_footer(self, document) -> None:
        """Running header (event title, "Atti del convegno"), page X of Y in the
        footer; the title page has neither."""
        doc = self.doc
        section = document.sections[0]
        section.different_first_page_header_footer = True
        right = doc.run(self.w("internal_banner"), bold=True) if self.internal else doc.run(self.w("proceedings"))
        self._replace(section.header, doc.parse_paragraph("Header", doc.run(self.event.title) + wordml.TAB + right))
        page = doc.run(f"{self.w('page')} ") + doc.field("PAGE", "1") + doc.run(f" {self.w('of')} ") + doc.field("NUMPAGES", "1")
        self._replace(section.footer, doc.parse_paragraph("Footer", page))

    @staticmethod
    def _replace(header_or_footer, paragraph) -> None:
        element = header_or_footer._element
        for old in list(element):
            element.remove(old)
        element.append(paragraph)

    def chart(self, document, rows: list[tuple[str, int, int | None]]):
        """The participants chart as a ``wp:inline`` with its alt text."""
        png = participants_chart(rows, self.lang, registered=self.note.registrations is not None)
        inline = document.part.new_pic_inline(io.BytesIO(png), width=Cm(14))
        doc_pr = inline.find(qn("wp:docPr"))
        doc_pr.set("name", self.w("chart_caption"))
        actors = vocab.actor_types()
        registered = self.w("registered").lower()
        values = "; ".join(
            f"{self.label(actors, actor)}: {count}" + (f" ({registered} {signed})" if signed is not None else "")
            for actor, count, signed in rows
        )
        doc_pr.set("descr", self.w("chart_alt", values=values))
        return inline


# --- The chart -------------------------------------------------------------------------


def participants_chart(rows: list[tuple[str, int, int | None]], lang: str, registered: bool = False) -> bytes:
    """A horizontal bar chart of participants by actor type, as PNG bytes.

    In the document's sans family (Liberation Sans, Arial's metric twin, or
    Arial; matplotlib's own DejaVu Sans where neither is installed) and
    without a timestamp or software tag: the same data and fonts give the
    same bytes.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    labels = [vocab.actor_types().label(actor, lang) for actor, _, _ in rows][::-1]
    attendance = [count for _, count, _ in rows][::-1]
    style = {"font.family": "sans-serif", "font.sans-serif": CHART_FONTS, "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(style):
        figure = Figure(figsize=(6.3, 0.22 * max(len(rows), 1) + 0.9), dpi=200)
        axes = figure.add_subplot()
        positions = range(len(rows))
        if registered:
            signed = [signed or 0 for _, _, signed in rows][::-1]
            axes.barh([y + 0.2 for y in positions], attendance, height=0.4, color="#1F4E79", label=word("attendance", lang))
            axes.barh([y - 0.2 for y in positions], signed, height=0.4, color="#9DC3E6", label=word("registered", lang))
            axes.legend(frameon=False, loc="lower right")
        else:
            axes.barh(list(positions), attendance, height=0.6, color="#1F4E79")
        axes.set_yticks(list(positions), labels)
        axes.set_xlabel(word("attendance", lang))
        axes.xaxis.grid(True, color="#DDDDDD")
        axes.set_axisbelow(True)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


# --- The look: page, language, styles ----------------------------------------------------


def prepare(document, lang: str, event, note: EventNote) -> None:
    """A4 pages, the document's language, its properties and its styles."""
    section = document.sections[0]
    section.page_width, section.page_height = Twips(wordml.A4[0]), Twips(wordml.A4[1])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Twips(1418))
    section.header_distance = section.footer_distance = Cm(1.25)
    wordml.set_language(document, LANGUAGES[lang])
    wordml.update_fields_on_open(document)
    wordml.clean_package(document, application="outcomes")
    organiser = _property(event.organisers[0].name)
    properties = document.core_properties
    properties.title = _property(event.title)
    properties.subject = word("proceedings", lang)
    properties.author = organiser
    properties.last_modified_by = organiser
    properties.comments = _property(event.subtitle or "")
    properties.keywords = ""
    properties.category = word("proceedings", lang)
    properties.language = LANGUAGES[lang]
    properties.identifier = note.id
    properties.revision = 1
    properties.created = properties.modified = _moment(event.start_date)
    _styles(document)


def _property(text: str, limit: int = 255) -> str:
    """A core property holds at most 255 characters (python-docx refuses more);
    the document itself shows the whole text."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _styles(document) -> None:
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

    grey = RGBColor(0x59, 0x59, 0x59)
    shape(styles["Normal"], after=6, line=1.15)
    styles["Normal"].paragraph_format.widow_control = True
    shape(paragraph_style("Body Text"), after=8)
    shape(styles["Title"], font=HEADING_FONT, size=28, bold=True, color=ACCENT, before=12, after=12)
    wordml.clear_borders(styles["Title"])
    shape(styles["Subtitle"], font=HEADING_FONT, size=15, italic=False, color=grey, after=36)
    shape(paragraph_style("Title Page Organisers"), font=HEADING_FONT, size=11, bold=True, color=grey, all_caps=True, after=180)
    shape(paragraph_style("Title Page Kicker"), font=HEADING_FONT, size=12, bold=True, color=ACCENT, all_caps=True, after=6)
    shape(paragraph_style("Title Page Details"), font=HEADING_FONT, size=12, after=12)
    shape(paragraph_style("Title Page Credits"), font=HEADING_FONT, size=9, color=grey, before=150, line=1.3)
    shape(paragraph_style("Colophon Title"), font=HEADING_FONT, size=10, color=RGBColor(0, 0, 0), after=2, page_break=True)
    shape(paragraph_style("Colophon"), font=HEADING_FONT, size=9, color=grey, after=9, line=1.2)
    shape(paragraph_style("Title Page Warning"), font=HEADING_FONT, size=12, bold=True, color=RGBColor(0xC0, 0x00, 0x00), before=48)
    shape(styles["Heading 1"], font=HEADING_FONT, size=18, bold=True, color=ACCENT, before=0, after=12, keep_next=True, page_break=True)
    shape(styles["Heading 2"], font=HEADING_FONT, size=13.5, bold=True, color=ACCENT, before=14, after=6, keep_next=True)
    shape(styles["Heading 3"], font=HEADING_FONT, size=11.5, bold=True, color=RGBColor(0, 0, 0), before=12, after=4, keep_next=True)
    for level in (4, 5, 6):
        shape(styles[f"Heading {level}"], font=HEADING_FONT, size=11, bold=True, italic=False, color=grey, before=8, after=4, keep_next=True)
    shape(styles["TOC Heading"], font=HEADING_FONT, size=18, bold=True, color=ACCENT, before=0, after=12, page_break=True)
    toc = shape(wordml.builtin_style(document, "toc 1", "TOC1"), font=HEADING_FONT, size=10.5, before=0, after=3, left=0.9, hanging=0.9)
    toc.paragraph_format.tab_stops.add_tab_stop(Cm(0.9))  # after the chapter number
    toc.paragraph_format.tab_stops.add_tab_stop(Twips(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    shape(paragraph_style("Details"), font=HEADING_FONT, size=9.5, color=grey, after=10, line=1.25)
    details = shape(paragraph_style("Outcome Details"), font=HEADING_FONT, size=8.5, color=grey, after=10, left=0.4, line=1.2)
    details.paragraph_format.keep_together = True
    shape(styles["Quote"], italic=True, color=RGBColor(0x26, 0x26, 0x26), left=1.0, after=2)
    shape(paragraph_style("Quote Attribution"), font=HEADING_FONT, size=9, color=grey, left=1.0, after=10)
    shape(styles["List Paragraph"], after=8)  # between items none (contextual spacing), after the list as after text
    shape(styles["List Continue"], left=1.27, after=3)
    shape(paragraph_style("Table Text"), font=HEADING_FONT, size=9, before=2, after=2, line=1.0)
    shape(paragraph_style("Table Heading", "Table Text"), bold=True, keep_next=True)
    shape(paragraph_style("Update Heading"), font=HEADING_FONT, size=10, color=ACCENT, before=8, after=2, keep_next=True)
    shape(paragraph_style("Update Source"), font=HEADING_FONT, size=8.5, color=grey, after=8)
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
