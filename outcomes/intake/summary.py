"""What ``outcomes registrations`` tells the office: the counts of a
registrations export, worded in the reader's language; every value from the
file shown escaped and cut (``exports.shown``)."""

from __future__ import annotations

from .. import vocab
from ..messages import message


def registrations_report(result, event: str, lang: str) -> list[str]:
    """What ``outcomes registrations`` prints: every value from the file
    passed through ``shown`` (escaped, cut)."""
    from .exports import shown
    from .registrations import in_programme_order

    counted = result.count
    lines = [
        message("registrations_layout", lang, layout=result.layout(lang)),
        message("registrations_counted", lang, event=event, total=counted.total, column=shown(counted.column)),
    ]
    lines += _by_actor(counted, lang)
    if counted.duplicates:
        kind = "registrations_duplicates" if counted.duplicates > 1 else "registrations_duplicates_one"
        lines.append(message(kind, lang, count=counted.duplicates))
    if counted.unknown_values:
        lines.append(message("registrations_unknown", lang, values=_values(counted.unknown_values, lang)))
    sessions = counted.sessions
    if sessions is None:
        lines.append(message("registrations_no_sessions", lang))
    else:
        lines.append(message("registrations_by_session", lang, question=shown(sessions.question.text)))
        for session in in_programme_order(sessions.sessions, list(result.titles)):
            counts = sessions.sessions[session]
            title = f" «{shown(result.titles[session])}»" if session in result.titles else ""
            options = ", ".join(f"«{shown(o)}»" for o, s in sessions.options.items() if s == session)
            lines.append(f"  {session}{title}: {counts.total} ({message('registrations_session_options', lang, options=options)})")
            lines += ["  " + line for line in _by_actor(counts, lang)]
        if sessions.unmatched:
            lines.append(message("registrations_unmatched_options", lang, values=_values(sessions.unmatched, lang)))
    lines.append(message("registrations_written", lang, path=result.path))
    return lines


def _by_actor(counts, lang: str) -> list[str]:
    lines = [
        f"  {actor.label(lang)} ({actor.id}): {counts.registered[actor.id]}"
        for actor in vocab.actor_types()
        if counts.registered[actor.id]
    ]
    return lines + [f"  {message('registrations_unclassified', lang)}: {counts.unclassified}"]


def _values(counter, lang: str, limit: int = 20) -> str:
    """``«Associazione culturale» (2), valore vuoto (1)``: the most frequent first, at most ``limit``."""
    from .exports import shown

    values = [
        (f"«{shown(value)}»" if value else message("empty_value_word", lang)) + f" ({number})"
        for value, number in counter.most_common(limit)
    ]
    if len(counter) > limit:
        values.append(message("and_more", lang, count=len(counter) - limit))
    return ", ".join(values)
