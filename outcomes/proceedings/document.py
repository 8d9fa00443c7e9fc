"""The proceedings document, front to back: title page, colophon, contents,
introduction, programme, a chapter per session, the commitments and their
follow-up, participants with a table and a chart, and the index.

Written through ``outcomes.wordml``'s writer as XML text; page numbers
are fields (see ``outcomes.proceedings.pdf.add_pdfs``)."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

import docx
from babel.dates import format_date
from docx.oxml.ns import qn
from docx.shared import Cm

from .. import models, publisher, vocab, wordml
from ..common.text import text
from ..load import EventNote, edition_date
from .chapters import Chapter, Entry, FollowUpChapter
from .chart import participants_chart
from .look import LOCALES, TEXT_WIDTH, prepare
from . import printing
from .printing import Sections, logo_inline


def standing(outcome: models.Outcome, updates: list[models.Update]) -> tuple[str, str, dt.date | None, int | None]:
    """A commitment's status recorded in the session, its current status
    (its latest shown update's, or the session's), the date of that update
    and the latest progress reported."""
    then = outcome.status or "proposed"
    now = updates[-1].status if updates else then
    progress = next((u.progress for u in reversed(updates) if u.progress is not None), None)
    return then, now, updates[-1].date if updates else None, progress


def short_title(text: str, limit: int = 70) -> str:
    """A target's text cut at a word before ``limit`` characters: the index
    names targets (their codes are the official ones), it does not quote
    them: ``Facilitare la migrazione e la mobilità delle persone in modo…``."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


class Proceedings:
    """Builds the document, front to back."""

    def __init__(self, note: EventNote, event, chapters: list[Chapter], lang: str, internal: bool,
                 followups: list[FollowUpChapter] | None = None, printed: bool = False):
        self.followups = followups or []
        self.printed = printed  # the print edition: parts on right-hand pages, logos on the cover
        self.note = note
        self.event = event
        self.chapters = chapters
        self.entries = [entry for chapter in chapters for entry in chapter.entries]
        self.lang = lang
        self.locale = LOCALES[lang].replace("-", "_")  # en_GB: 30 June 2021, not June 30
        self.internal = internal

    def w(self, key: str, **values) -> str:
        return text(f"proceedings.{key}", self.lang, **values)

    def build(self):
        """The python-docx document (package, styles, header, footer) and its
        body's content as XML text."""
        document = docx.Document()
        prepare(document, self.lang, self.event, self.note, printed=self.printed)
        self.doc = wordml.Writer(document)
        self.markdown = wordml.Markdown(self.doc, heading_base=2)
        self.header_footer(document)
        self.sections = Sections(document, self.doc, self.printed)
        participants = self.participant_counts()
        chart = self.chart(document, participants) if participants else None  # before the body grows: python-docx scans it for ids
        logos = self.logos(document) if self.printed else []
        self.title_page(logos)
        self.new_section("colophon")
        self.colophon()
        parts = [self.contents, self.introduction, self.programme]
        parts += [lambda chapter=chapter: self.session(chapter) for chapter in self.chapters]
        parts += [self.commitments, *(lambda f=f: self.followup(f) for f in self.followups)]
        parts += [lambda: self.participants(participants, chart), self.index]
        for number, part in enumerate(parts):
            self.new_section("part")
            if number == 3:
                self.markdown.heading_base = 3  # the sessions' texts: their headings below the chapter's sections
            part()
        self.sections.end()
        return document, self.doc.xml()

    def new_section(self, kind: str) -> None:
        """The print edition starts the colophon on the back of the cover and
        each part on a right-hand page (see ``Sections``); the web edition
        starts them on a new page through its heading styles."""
        if self.printed:
            self.sections.start(kind)

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

    def logos(self, document) -> list:
        """The organisers' logos, in their order, for the print edition's cover."""
        folder = self.note.path.parent
        return [logo_inline(document, o, folder, n) for n, o in enumerate(self.event.organisers, start=1) if o.logo]

    def title_page(self, logos: list) -> None:
        doc, event = self.doc, self.event
        if logos:
            doc.paragraph("Title Page Logos", doc.run("\u2003").join(doc.picture(logo) for logo in logos))
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
        return publisher.licence()

    def colophon(self) -> None:
        """The back of the title page: who edited the proceedings, the
        organisers, when they came out (from the notes, never the day of the
        build), the licence and how to cite them."""
        doc, event = self.doc, self.event
        start = doc.mark()
        doc.paragraph("Colophon Title", doc.run(event.title, bold=True) + (doc.run(f" – {event.subtitle}") if event.subtitle else ""))
        where = self.w("cited_as", place=event.venue.city, dates=self.dates())
        doc.paragraph("Colophon", doc.run(where))
        if event.editor:
            doc.paragraph("Colophon", self.label_run(self.w("editor"), colon=False) + doc.run(f" {event.editor}"))
        organisers = [doc.run(o.name + (f", {o.role}" if o.role else "")) for o in event.organisers]
        doc.paragraph("Colophon", self.label_run(self.w("organisers")) + wordml.BREAK + wordml.BREAK.join(organisers))
        published = self.published()
        doc.paragraph("Colophon", self.label_run(self.w("publication")) + doc.run(self.date(published)))
        licence, address = self.licence()
        named = self.url(address, licence) if address else doc.run(licence)
        before, after = self.w("licence_text", licence="\0").split("\0")
        doc.paragraph("Colophon", self.label_run(self.w("licence")) + doc.run(before) + named + doc.run(after))
        who = self.w("cited_editor", editor=event.editor) if event.editor else event.organisers[0].name
        publisher = f", {event.organisers[0].name}" if event.editor else ""
        citation = (
            doc.run(f"{who}, ") + doc.run(event.title, italic=True)
            + doc.run(f". {where}{publisher}, {published.year}.")
        )
        if event.website:
            citation += doc.run(" ") + self.url(event.website)
        doc.paragraph("Colophon", self.label_run(self.w("how_to_cite")) + wordml.BREAK + citation)
        if self.printed:  # at the foot of the cover's back, as books have it
            doc.frame(start, printing.COLOPHON_FRAME)

    def published(self) -> dt.date:
        """The edition's date (``load.edition_date``): the note's, else the
        latest day or update the volume holds, earlier events' included."""
        shown = (update.date for followup in self.followups for _, updates in followup.items for update in updates)
        return edition_date(self.event, shown)

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
                self.markdown.render(quote.text, style="Quote", keep_next=True)  # on the page of its attribution
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
        own = next((followup for followup in self.followups if followup.own), None)
        if own is None:  # no follow-up: the status recorded in the session is the only one
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
            return
        timelines = {entry.bookmark: updates for entry, updates in own.items}
        columns = [
            (self.w("number"), 600, "left"), (self.w("owner"), 1900, "left"), (self.w("what"), 2770, "left"),
            (self.w("due"), 1200, "left"), (self.w("status_then"), 1300, "left"), (self.w("status_now"), 1300, "left"),
        ]
        rows = []
        for e in commitments:
            then, now, updated, _ = standing(e.outcome, timelines.get(e.bookmark, []))
            rows.append((
                self.link(e.bookmark, e.number),
                doc.run(e.outcome.owner),
                doc.run(e.outcome.title),
                doc.run(self.date(e.outcome.due, "medium")),
                doc.run(self.label(statuses, then)) + wordml.BREAK + doc.run(self.date(e.chapter.session.date, "medium")),
                doc.run(self.label(statuses, now)) + wordml.BREAK + doc.run(self.date(updated or e.chapter.session.date, "medium")),
            ))
        doc.table(columns, rows, caption=self.w("commitments_caption"), description=self.w("commitments_followup_description"))

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
            session_status, current, _, progress = standing(outcome, updates)
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
                self.markdown.render(update.text, keep_next=bool(update.source))  # on the page of its source
                if update.source:
                    doc.paragraph("Update Source", self.label_run(self.w("source")) + doc.run(update.source))

    def participant_counts(self) -> list[tuple[str, int, int | None]]:
        """(actor type, attendance over sessions, registered), most present first."""
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
        rows.sort(key=lambda row: (-row[1], -(row[2] or 0)))  # by count, largest first; ties in the vocabulary's order
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
        self.sections.start("columns")  # the entries in two columns, from here to the end
        fields = ("sdg_targets", "gcm_objectives", "countries", "themes", "actors", "keywords")
        terms: dict[str, dict] = {field: defaultdict(list) for field in fields}  # field -> term -> entries
        for entry in self.entries:
            for field in fields:
                for term in getattr(entry.outcome, field):
                    terms[field][term].append(entry)
        targets, objectives, countries, themes, actors, keywords = (terms[field] for field in fields)
        references = {}  # an outcome's reference, written once however often it is cited

        doc.heading(2, self.w("by_sdg"))
        if not targets:
            doc.paragraph("Body Text", doc.run(self.w("no_index")))
        goal = None
        for target in (t for t in vocab.sdg_targets().ids if t in targets):
            if vocab.goal_of(target) != goal:
                goal = vocab.goal_of(target)
                doc.heading(3, f"{goal} {self.label(vocab.sdg_goals(), goal)}")
            self.index_entry(target, short_title(self.label(vocab.sdg_targets(), target)), targets[target], references)

        doc.heading(2, self.w("by_gcm"))
        if not objectives:
            doc.paragraph("Body Text", doc.run(self.w("no_index")))
        for objective in sorted(objectives):
            self.index_entry(str(objective), self.label(vocab.gcm_objectives(), objective), objectives[objective], references)

        doc.heading(2, self.w("by_country"))
        self.index_by_name(countries, vocab.countries(), references)
        doc.heading(2, self.w("by_theme"))
        self.index_by_name(themes, vocab.themes(), references)
        doc.heading(2, self.w("by_actor"))
        self.index_by_name(actors, vocab.actor_types(), references)
        doc.heading(2, self.w("by_keyword"))
        self.index_by_name(keywords, None, references)

    def index_by_name(self, terms: dict[str, list[Entry]], vocabulary, references: dict) -> None:
        """Index entries in alphabetical order of their names: the vocabulary's
        labels, or the words as written (keywords)."""
        if not terms:
            self.doc.paragraph("Body Text", self.doc.run(self.w("no_index")))
        names = {term: self.label(vocabulary, term) if vocabulary else term for term in terms}
        for term in sorted(terms, key=lambda t: (vocab.fold(names[t]), names[t])):
            self.index_entry(names[term], None, terms[term], references)

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
