"""The proceedings of an event ("Atti del convegno") as a Word document.

``write(event, sessions, path, followup=..., earlier=...)`` turns an event's
notes into the document the office sends to participants, the Region and its
partners: a title page, the contents, the programme, a chapter per session
(facilitation by role and organisation, participants by actor type, the
summary, the outcomes grouped by type with their SDG targets, GCM objectives,
countries and actors), the commitments and where they stand, participants as
a table and a chart, and an index by SDG target, GCM objective and country
pointing to the numbered outcomes. It reads no notes: the caller gives the
event's follow-up and the earlier events it follows (``outcomes.load``'s
``event_followup`` and ``followed_events``), as the build has read them.

It is written for people and for machines that read for people: real heading
styles, the document language set, table header rows repeated on each page,
alt text on tables and the chart. Names of people never appear, and internal
sessions and outcomes only with ``internal=True``.

Page numbers (footer, contents, index) are fields. ``add_pdfs`` has
LibreOffice make the PDF edition and writes the page numbers it computed
into the contents' and index's fields, so Word shows them as they are;
without it, Word asks to update fields on opening. The same notes always
give the same bytes (see ``outcomes.wordml.save``).

One job per module: ``chapters`` (what is shown, numbered), ``clean``
(characters Word cannot hold), ``document`` (the document, front to back),
``chart``, ``look`` (page, language, styles), ``printing`` (the print
edition's sections and the logos on its cover) and ``pdf`` (the PDF
editions: the web and archival one, PDF/A-2b and PDF/UA-1, and the print
edition ``<event-id>-stampa.pdf``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .. import wordml
from ..common.text import LANGUAGES
from ..load import EventNote, FollowedEvent, FollowUpNote, Problems, SessionNote
from .chapters import Chapter, Entry, FollowUpChapter, chapters
from .clean import cleaned, warn
from .document import Proceedings
from .look import CHART_FONTS, TEXT_WIDTH, moment
from .pdf import add_pdfs

__all__ = [
    "CHART_FONTS", "TEXT_WIDTH", "Chapter", "Entry", "Writer", "add_pdfs", "chapters", "default_language",
    "editions", "file_name", "write",
]


def default_language(event: EventNote) -> str:
    """The event's own language if the proceedings speak it, else Italian."""
    return event.event.language if event.event.language in LANGUAGES else "it"


def write(
    event: EventNote,
    sessions: list[SessionNote],
    path: Path,
    *,
    followup: FollowUpNote | None = None,
    earlier: Sequence[FollowedEvent | None] = (),
    lang: str | None = None,
    internal: bool = False,
    printed: bool = False,
) -> Problems:
    """Write the proceedings of ``event`` to ``path`` (atomically); return warnings.

    ``followup`` is the event's follow-up of its commitments (shown if the
    event has a ``followup.yaml``), ``earlier`` the events it follows, in
    the order of its ``follows`` (None for one that could not be read).
    ``lang`` is ``it`` or ``en`` (default: the event's language, if one of
    these, else Italian). Internal sessions and outcomes are left out unless
    ``internal``. ``printed`` makes the document of the print edition (see
    ``printing``): parts on right-hand pages, facing pages, logos on the cover.
    """
    lang = lang or default_language(event)
    problems = Problems()
    found: list = []
    event_model = cleaned(event.event, found)
    warn(problems, event.path, found)
    clean_sessions = []
    for note in sessions:
        found = []
        session = cleaned(note.session, found)
        warn(problems, note.path, found)
        clean_sessions.append(note if session is note.session else replace(note, session=session))
    own = chapters(clean_sessions, internal)
    followups = [
        FollowUpChapter.of(event, own, followup, internal, bookmark="_Toc_followup", problems=problems)
    ] if event.followup_path else []
    for number, followed in enumerate(earlier, start=1):
        if followed is not None:
            note, earlier_sessions, earlier_followup = followed
            followups.append(FollowUpChapter.of(
                note, chapters(earlier_sessions, internal), earlier_followup, internal,
                bookmark=f"_Toc_followup_{number}", own=False, problems=problems,
            ))
    document, body = Proceedings(event, event_model, own, lang, internal, followups, printed).build()
    wordml.save(document, path, moment(event_model.start_date), body)
    return problems


def editions(event: EventNote) -> list[str]:
    """The languages a build writes the proceedings in: the event's own
    (see ``default_language``), then those its note asks for."""
    main = default_language(event)
    return [main] + [lang for lang in event.event.proceedings_languages if lang != main]


def file_name(event: EventNote, lang: str, internal: bool = False, extension: str = "docx", printed: bool = False) -> str:
    """``<event-id>.docx`` in the event's language, ``<event-id>.en.docx`` in
    another, ``<event-id>-interno.docx`` for the internal edition,
    ``<event-id>-stampa`` for the print edition's: editions side by side,
    never one in place of another."""
    suffix = "-interno" if internal else "-stampa" if printed else ""
    language = "" if lang == default_language(event) else f".{lang}"
    return f"{event.id}{suffix}{language}.{extension}"


class Writer:
    """The ``write_proceedings`` of ``outcomes.build.build``: every edition of
    each event (``editions``) into a folder, warnings into ``problems``;
    ``written`` lists the documents, for ``add_pdfs``, ``events`` their events.
    With ``printed`` (when LibreOffice makes the PDFs), the print edition's
    document of the public edition in the event's language too, in
    ``printed``: ``add_pdfs`` makes it ``<event-id>-stampa.pdf``."""

    def __init__(self, problems: Problems, *, internal: bool = False, printed: bool = False):
        self.problems = problems
        self.internal = internal
        self.print_editions = printed and not internal
        self.written: list[Path] = []
        self.printed: list[Path] = []
        self.events: list[str] = []  # the ids of the events written

    def __call__(self, event: EventNote, sessions: list[SessionNote], folder: Path, *,
                 followup: FollowUpNote | None, earlier: Sequence[FollowedEvent | None]) -> None:
        self.events.append(event.id)
        for number, lang in enumerate(editions(event)):
            path = Path(folder) / file_name(event, lang, self.internal)
            warnings = write(event, sessions, path, followup=followup, earlier=earlier, lang=lang, internal=self.internal)
            if number == 0:  # the same notes: their warnings once
                self.problems.extend(warnings)
            self.written.append(path)
        if self.print_editions:
            path = Path(folder) / file_name(event, default_language(event), printed=True)
            write(event, sessions, path, followup=followup, earlier=earlier, printed=True)
            self.printed.append(path)
