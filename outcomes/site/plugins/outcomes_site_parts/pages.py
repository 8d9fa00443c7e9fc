"""What the site's own pages show, read for their templates: an outcome,
a session and an event with codes resolved to labels, the home page's
overview, the lists of sessions and commitments, a citation."""

from __future__ import annotations

import datetime as dt
import json

from .base import DATABASE, absolute_url, all_rows, array_columns, json_codes, one_row, outcome_url
from .labels import term, vocabularies
from .language import date_text, language, t
from .proceedings import downloads


async def session_items(datasette, ids: list[str]) -> list[dict]:
    """The sessions of a list page, in its order, as the list shows them:
    kind by label, event by title, outcomes counted."""
    if not ids:
        return []
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    rows = await all_rows(
        db,
        f"""
        select sessions.id, sessions.title, sessions.date, sessions.start, sessions."end", sessions.room,
          sessions.language, sessions.participants_total, sessions.event_id, sessions.kind,
          session_kinds.label_{L} as kind_label, events.title as event_title,
          (select count(*) from outcomes where outcomes.session_id = sessions.id) as outcomes
        from sessions
          join session_kinds on session_kinds.id = sessions.kind
          join events on events.id = sessions.event_id
        where sessions.id in (select value from json_each(:ids))
        """,
        {"ids": json.dumps(ids)},
    )
    by_id = {row["id"]: row for row in rows}
    return [by_id[id] for id in ids if id in by_id]


async def commitment_filters(datasette) -> dict:
    """The choices of /impegni's filters: statuses and types of actor by
    label (only those some commitment has, involved or owning), owners by name."""
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    return {
        "owner_types": await all_rows(
            db,
            f"""
            select distinct actor_types.id, actor_types.label_{L} as label
            from outcomes join actor_types on actor_types.id = outcomes.owner_type
            where outcomes.type = 'commitment' order by label
            """,
        ),
        "statuses": await all_rows(db, f"select id, label_{L} as label from statuses order by rowid"),
        "actors": await all_rows(
            db,
            f"""
            select distinct actor_types.id, actor_types.label_{L} as label
            from outcome_actors
              join outcomes on outcomes.id = outcome_actors.outcome_id and outcomes.type = 'commitment'
              join actor_types on actor_types.id = outcome_actors.actor_type_id
            order by label
            """,
        ),
        "owners": [
            row["owner"]
            for row in await all_rows(db, "select distinct owner from outcomes where type = 'commitment' and owner is not null order by owner")
        ],
    }


async def outcome_page(datasette, outcome_id: str) -> dict | None:
    """An outcome with everything its page shows, codes resolved to labels."""
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    outcome = await one_row(
        db,
        f"""
        select outcomes.*, outcome_types.label_{L} as type_label, statuses.label_{L} as status_label,
          current.label_{L} as current_status_label,
          sessions.title as session_title, sessions.date as session_date, sessions.start as session_start,
          sessions."end" as session_end, session_kinds.label_{L} as session_kind, sessions.language as language,
          events.title as event_title, events.city as event_city, owner_types.label_{L} as owner_type_label
        from outcomes
          join outcome_types on outcome_types.id = outcomes.type
          left join statuses on statuses.id = outcomes.status
          left join statuses as current on current.id = outcomes.current_status
          join sessions on sessions.id = outcomes.session_id
          join session_kinds on session_kinds.id = sessions.kind
          join events on events.id = outcomes.event_id
          left join actor_types as owner_types on owner_types.id = outcomes.owner_type
        where outcomes.id = :id
        """,
        {"id": outcome_id},
    )
    if outcome is None:
        return None
    tables = await vocabularies(datasette)
    for column, lookup in array_columns(datasette).items():
        outcome[column] = [term(tables.get(lookup, {}), code) for code in json_codes(outcome[column])]
    outcome["keywords"] = json_codes(outcome["keywords"])
    outcome["updates"] = await commitment_timeline(db, outcome_id)
    return outcome


async def commitment_timeline(db, outcome_id: str) -> list[dict]:
    """A commitment's public updates, oldest first, each with the anchor
    (``aggiornamento-2020-02-10``) the updates' feed links to."""
    L = language()  # one of LANGUAGES: safe in SQL
    return await all_rows(
        db,
        f"""
        select u.*, statuses.label_{L} as status_label,
          'aggiornamento-' || substr(u.id, length(u.commitment_id) + 3) as anchor
        from commitment_updates as u join statuses on statuses.id = u.status
        where u.commitment_id = :id order by u.date, u.position
        """,
        {"id": outcome_id},
    )


async def session_page(datasette, session_id: str) -> dict | None:
    """A session with its event, facilitators, participants, quotes and outcomes."""
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    session = await one_row(
        db,
        f"""
        select sessions.*, session_kinds.label_{L} as kind_label, events.title as event_title
        from sessions
          join session_kinds on session_kinds.id = sessions.kind
          join events on events.id = sessions.event_id
        where sessions.id = :id
        """,
        {"id": session_id},
    )
    if session is None:
        return None
    session["facilitators"] = json_codes(session["facilitators"])
    session["speakers"] = json_codes(session["speakers"])
    session["participants"] = await all_rows(
        db,
        f"""
        select actor_types.label_{L} as label, session_participants.count
        from session_participants join actor_types on actor_types.id = session_participants.actor_type_id
        where session_id = :id order by session_participants.count desc, label
        """,
        {"id": session_id},
    )
    session["attendance"] = await _attendance(
        db, "session_participants", "session_registrations", "session_id = :id", "session_id = :id", session_id
    )
    session["quotes"] = await all_rows(
        db,
        f"""
        select quotes.text, actor_types.label_{L} as actor
        from quotes join actor_types on actor_types.id = quotes.actor_type_id
        where session_id = :id order by position
        """,
        {"id": session_id},
    )
    session["outcomes"] = await all_rows(
        db,
        f"""
        select outcomes.id, outcomes.title, outcome_types.label_{L} as type_label
        from outcomes join outcome_types on outcome_types.id = outcomes.type
        where session_id = :id order by position
        """,
        {"id": session_id},
    )
    return session


async def event_page(datasette, event_id: str) -> dict | None:
    """An event with its sessions, in programme order, and its proceedings."""
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    event = await one_row(db, "select * from events where id = :id", {"id": event_id})
    if event is None:
        return None
    event["organisers"] = json_codes(event["organisers"])
    event["sessions"] = await all_rows(
        db,
        f"""
        select sessions.id, sessions.title, sessions.date, sessions.start, sessions."end",
          session_kinds.label_{L} as kind_label,
          (select count(*) from outcomes where outcomes.session_id = sessions.id) as outcomes
        from sessions join session_kinds on session_kinds.id = sessions.kind
        where event_id = :id order by sessions.date, sessions.start, sessions.id
        """,
        {"id": event_id},
    )
    event["attendance"] = await _attendance(
        db,
        "session_participants",
        "event_registrations",
        "session_id in (select id from sessions where event_id = :id)",
        "event_id = :id",
        event_id,
    )
    event["downloads"] = await downloads(datasette, event_id)
    return event


async def _attendance(db, present: str, registered: str, present_where: str, registered_where: str, key: str) -> list[dict]:
    """Present (in the sessions) beside registered, by actor type, in the
    vocabulary's order; only the actor types with either."""
    L = language()  # one of LANGUAGES: safe in SQL
    return await all_rows(
        db,
        f"""
        select label, coalesce(present, 0) as present, coalesce(registered, 0) as registered from (
          select actor_types.rowid as position, actor_types.label_{L} as label,
            (select sum(count) from {present} where {present_where} and actor_type_id = actor_types.id) as present,
            (select sum(count) from {registered} where {registered_where} and actor_type_id = actor_types.id) as registered
          from actor_types
        ) where present is not null or registered is not null order by position
        """,
        {"id": key},
    )


async def overview(datasette) -> dict:
    """What the home page counts: outcomes by type and by SDG goal, events."""
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    counts = await one_row(
        db,
        "select (select count(*) from outcomes) as outcomes, (select count(*) from sessions) as sessions, "
        "(select count(*) from events) as events",
        {},
    )
    return {
        "counts": counts,
        "types": await all_rows(
            db,
            f"""
            select outcome_types.id, outcome_types.plural_{L} as label, count(outcomes.id) as count
            from outcome_types join outcomes on outcomes.type = outcome_types.id
            group by outcome_types.id order by count desc, label
            """,
        ),
        "goals": await all_rows(
            db,
            f"""
            select sdg_goals.id, sdg_goals.label_{L} as label, sdg_goals.colour, count(*) as count
            from outcome_sdg_goals join sdg_goals on sdg_goals.id = outcome_sdg_goals.sdg_goal_id
            group by sdg_goals.id order by sdg_goals.id
            """,
        ),
        "countries": await all_rows(
            db,
            f"""
            select countries.id, countries.label_{L} as label, count(*) as count
            from outcome_countries join countries on countries.id = outcome_countries.country_id
            group by countries.id order by count desc, label limit 12
            """,
        ),
        "events": await all_rows(
            db, "select id, title, start_date, end_date, city, language from events order by start_date desc, id"
        ),
    }


def citation(datasette, outcome: dict, today: dt.date | None = None) -> str:
    """An APA-like citation of an outcome: who, year, title [type], where it
    came from, its permanent address and the date it was read."""
    return t(
        "page.citation",
        author=t("page.citation_author"),
        year=str(outcome["session_date"])[:4],
        title=outcome["title"],
        type=outcome["type_label"],
        session=outcome["session_title"],
        event=outcome["event_title"],
        city=outcome["event_city"],
        date=date_text(outcome["session_date"]),
        url=absolute_url(datasette, outcome_url(datasette, outcome["id"])),
        accessed=date_text(today or dt.date.today()),
    )


def overdue(due: str | None, status: str | None, today: dt.date | None = None) -> bool:
    """A commitment past its due date and neither done nor dropped."""
    return bool(due) and status not in ("done", "dropped") and str(due) < (today or dt.date.today()).isoformat()
