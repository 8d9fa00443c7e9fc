"""What the proceedings show, numbered: the visible sessions as chapters,
their outcomes as entries (``3.2`` is chapter 3, outcome 2), and the
follow-up of an event's commitments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .. import load, models, vocab
from ..common.text import text
from ..load import EventNote, FollowUpNote, Problems, SessionNote
from .clean import cleaned, warn


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
                    warn(problems, followup.path, found)
            items.append((entry, updates))
        return cls(note, own, bookmark, items)

    def title(self, lang: str) -> str:
        if self.own:
            return text("proceedings.followup", lang)
        return text("proceedings.followup_of", lang, title=self.note.event.title)
