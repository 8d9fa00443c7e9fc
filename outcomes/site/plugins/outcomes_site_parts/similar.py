"""Similar outcomes: on an outcome's page, up to five outcomes of any event
that share the most with it — SDG targets, GCM objectives, themes and
distinctive words — each with the reason, in the page's language ("stesso
target 10.7; parole: rimesse, diaspora").

Found when the page is asked for, never precomputed, so a build (full or
of one note) does nothing for it beyond keeping the link tables' indexes by
code (``store.INDEXES``). Every step is bounded whatever the library's size:

- a term's weight is its rarity, ``log(N / n)`` (``n`` of the ``N``
  outcomes hold a code; of the texts, a word): a code or a word most
  outcomes share says little;
- the words of an outcome are the ``WORDS`` rarest of its title, keywords
  and text (by Snowball Italian stem, as the search has them, stop words
  and words of more than a fifth of the texts left out), each standing for
  its indexed forms;
- candidates are the outcomes on the first ``POSTINGS`` entries of each
  term (by index order), added up by weight, the ``CANDIDATES`` best kept:
  one SQL statement over the link tables and the full-text index;
- those are scored again with everything they share (a common term's
  entries may have left them out; the words looked up in the full-text
  index at their rows only), the words counting at most half as much as
  the codes, and the ``SHOWN`` best that share at least ``MIN_SCORE`` are
  shown, best first.

The first page a served site shows counts the outcomes of every code of
each kind once (a scan of each index by code); every page after reads a
few hundred index entries per term.
"""

from __future__ import annotations

import json
import math
import weakref
from collections import Counter
from functools import lru_cache
from typing import NamedTuple

from . import search
from .base import DATABASE, json_codes
from .labels import term, vocabularies
from .language import language, t
from .sql import VOCABULARY_TABLE

SHOWN = 5
CANDIDATES = 30
POSTINGS = 300
WORDS = 8
CODES = 40  # an outcome's codes counted at most (a SQL statement reads a few terms each)
SHORTEST_WORD = 4  # letters: shorter words are function words or codes
COMMON_WORD = 0.2  # a word in more than this share of the texts is not distinctive
# How much a shared term of each kind counts, times its rarity.
WEIGHTS = {"sdg_targets": 1.0, "gcm_objectives": 0.8, "themes": 0.8, "words": 0.5}
CODE_KINDS = ("sdg_targets", "gcm_objectives", "themes")
# Words that say nothing of what an outcome is about (beyond the articles
# and prepositions the search skips), compared by stem: adverbs,
# conjunctions, pronouns, quantities and the most common verbs.
COMMON_WORDS = frozenset(
    search.stem(search.fold(word))
    for word in """alcuni alcune almeno altri altre altro altra anche ancora appena attraverso avere aveva bene
    ciascuno circa come contro cosa così dopo dove dunque durante essere sono stato stata siamo sarà fare fatto
    fanno fino già grazie inoltre invece loro meno mentre molto molti molte nessuno niente nostro nostra ogni oggi
    oltre ossia perché però poco poche pochi prima proprio qualche quale quali quando quanto quasi quella quello
    questa questo quindi secondo sempre senza solo soltanto spesso stesso stessa sulla tanto tale tramite tutti
    tutto tuttavia verso viene volta vuole possono potrebbe dovrebbe devono deve hanno abbia esiste riguarda diversi""".split()
)
# What a similar outcome must share at least: as much as a target held by
# one outcome in twenty, and a code or three words (two words alone are
# often a coincidence).
MIN_SCORE = WEIGHTS["sdg_targets"] * math.log(20)
WORDS_ALONE = 3


class Term(NamedTuple):
    """Something an outcome may share: a code of ``kind`` or a word (``kind``
    ``words``, ``key`` its stem, ``shown`` as the outcome writes it, ``query``
    its indexed forms as an FTS5 query)."""

    kind: str
    key: str
    weight: float
    shown: str
    query: str = ""


class Match(NamedTuple):
    id: str
    score: float
    shared: tuple[Term, ...]


class Counts:
    """How many outcomes hold each code (counted for a whole kind, from its
    index, the first time a page needs one: a few hundred codes), and the
    number of outcomes and of texts (outcomes and sessions): read once, as
    the database is immutable while it is served."""

    def __init__(self):
        self.codes: dict[str, dict[str, int]] = {}
        self.outcomes = self.texts = 0

    def totals(self, conn) -> None:
        if not self.outcomes:
            self.outcomes = conn.execute("select count(*) from outcomes").fetchone()[0]
            self.texts = self.outcomes + conn.execute("select count(*) from sessions").fetchone()[0]

    def holding(self, conn, kind: str, code: str) -> int:
        if kind not in self.codes:
            table, column = search.TAGS[kind]
            self.codes[kind] = {str(code): count for code, count in conn.execute(f"select [{column}], count(*) from [{table}] group by [{column}]")}
        return self.codes[kind].get(code, 0)


_counts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _rarity(total: int, holding: int) -> float:
    return math.log(total / holding) if holding and total > holding else 0.0


def code_terms(conn, row, counts: Counts) -> list[Term]:
    """The outcome's codes that some other outcome holds too, in its order
    (its ``CODES`` rarest, if it has more)."""
    terms = []
    for kind in CODE_KINDS:
        for code in json_codes(row[kind]):
            holding = counts.holding(conn, kind, str(code))
            if holding > 1:
                terms.append(Term(kind, str(code), WEIGHTS[kind] * _rarity(counts.outcomes, holding), str(code)))
    rarest = set(sorted(range(len(terms)), key=lambda index: -terms[index].weight)[:CODES])
    return [item for index, item in enumerate(terms) if index in rarest]


def stems(title: str, keywords: str | None, text: str) -> Counter:
    """The meaningful words of an outcome by stem, each with its forms as
    written (a Counter of ``(stem, word)``): title and keywords count twice."""
    found: Counter = Counter()
    for part, times in ((title, 2), (" ".join(json_codes(keywords)), 2), (search.plain(text[: search.EXCERPT_SOURCE]), 1)):
        for word in search.words(part):
            stem = meaningful(word)
            if stem:
                found[stem, word] += times
    return found


@lru_cache(maxsize=100_000)
def meaningful(word: str) -> str | None:
    """The stem of a lowercase word worth comparing (accents folded, as the
    index has them); None for a short word, a number or a common word."""
    if len(word) < SHORTEST_WORD or word.isdigit() or word in search.STOPWORDS:
        return None
    stem = search.stem(search.fold(word))
    return None if stem in COMMON_WORDS else stem


def word_terms(conn, row, counts: Counts) -> list[Term]:
    """The ``WORDS`` most distinctive words of the outcome (how often it says
    them, times their rarity), among those other texts hold too."""
    written = stems(row["title"], row["keywords"], row["text"])
    times: Counter = Counter()
    shown: dict[str, str] = {}
    for (stem, word), count in written.most_common():
        times[stem] += count
        shown.setdefault(stem, word)  # the form it writes most
    forms: dict[str, list[tuple[str, int]]] = {}
    for stem, indexed, docs in conn.execute(
        f"select stem, term, docs from [{VOCABULARY_TABLE}] where stem in (select value from json_each(?)) order by docs desc",
        [json.dumps(list(times))],
    ):
        forms.setdefault(stem, []).append((indexed, docs))
    terms = []
    for stem, found in forms.items():
        holding = sum(docs for _, docs in found)
        if 1 < holding <= COMMON_WORD * counts.texts:
            query = search.any_word(indexed for indexed, _ in found[: search.MAX_FORMS])
            rarity = _rarity(counts.texts, holding)
            terms.append((times[stem] * rarity, Term("words", stem, WEIGHTS["words"] * rarity, shown[stem], query)))
    return [term for _, term in sorted(terms, key=lambda pair: (-pair[0], pair[1].key))[:WORDS]]


def candidates(conn, outcome_id: str, terms: list[Term]) -> list[str]:
    """The ``CANDIDATES`` outcomes holding most of ``terms`` by weight,
    counting the first ``POSTINGS`` outcomes of each term."""
    arms, params = [], []
    for item in terms:
        if item.kind == "words":
            arms.append(
                "select outcomes.id as id, ? as weight from (select rowid from outcomes_fts where outcomes_fts match ? limit ?) as hits "
                "join outcomes on outcomes.rowid = hits.rowid"
            )
            params += [item.weight, item.query, POSTINGS]
        else:
            table, column = search.TAGS[item.kind]
            arms.append(f"select outcome_id as id, ? as weight from (select outcome_id from [{table}] where [{column}] = ? limit ?)")
            params += [item.weight, item.key, POSTINGS]
    if not arms:
        return []
    sql = (
        f"select id from ({' union all '.join(arms)}) where id != ? "
        "group by id order by sum(weight) desc, id limit ?"
    )
    return [id for (id,) in conn.execute(sql, [*params, outcome_id, CANDIDATES])]


def scored(conn, ids: list[str], terms: list[Term]) -> list[Match]:
    """Each candidate with every term it shares and their weight."""
    rows = conn.execute(
        "select rowid, id, sdg_targets, gcm_objectives, themes from outcomes where id in (select value from json_each(?))",
        [json.dumps(ids)],
    ).fetchall()
    said = words_said(conn, [row["rowid"] for row in rows], [item for item in terms if item.kind == "words"])
    matches = []
    for row in rows:
        codes = {(kind, str(code)) for kind in CODE_KINDS for code in json_codes(row[kind])}
        shared = tuple(item for item in terms if (item.kind, item.key) in codes or (item.kind, item.key) in said.get(row["rowid"], ()))
        score = combined(shared)
        if score >= MIN_SCORE and (len(shared) >= WORDS_ALONE or any(item.kind != "words" for item in shared)):
            matches.append(Match(row["id"], score, shared))
    return sorted(matches, key=lambda match: (-match.score, match.id))[:SHOWN]


def combined(shared: tuple[Term, ...]) -> float:
    """What ``shared`` weighs: the codes, and the words up to half as much
    as the codes (words alone, when no code is shared): a word may mean
    another thing elsewhere ("controllo" of migrations, of farms), a
    facilitator's code does not."""
    codes = sum(item.weight for item in shared if item.kind != "words")
    words = sum(item.weight for item in shared if item.kind == "words")
    return codes + min(words, codes / 2) if codes else words


def words_said(conn, rowids: list[int], words: list[Term]) -> dict[int, set[tuple[str, str]]]:
    """Which of ``words`` each outcome of ``rowids`` says, in any of their
    indexed forms: ``{rowid: {("words", stem), ...}}`` (the full-text index
    looked up at these rows only)."""
    if not rowids or not words:
        return {}
    arm = "select ? as stem, rowid from outcomes_fts where outcomes_fts match ? and rowid in (select value from json_each(?))"
    params = [value for item in words for value in (item.key, item.query, json.dumps(rowids))]
    said: dict[int, set[tuple[str, str]]] = {}
    for stem, rowid in conn.execute(" union all ".join([arm] * len(words)), params):
        said.setdefault(rowid, set()).add(("words", stem))
    return said


def find(conn, outcome_id: str, counts: Counts) -> list[Match]:
    """The outcomes most like ``outcome_id``, best first (in SQLite's thread)."""
    row = conn.execute(
        "select id, title, keywords, text, sdg_targets, gcm_objectives, themes from outcomes where id = ?", [outcome_id]
    ).fetchone()
    if row is None:
        return []
    counts.totals(conn)
    terms = code_terms(conn, row, counts) + word_terms(conn, row, counts)
    return scored(conn, candidates(conn, outcome_id, terms), terms)


async def similar_outcomes(datasette, outcome_id: str) -> list[dict]:
    """What the page lists: each similar outcome's id, title, type, session
    and event, and why (``reasons``, in the page's language)."""
    db = datasette.get_database(DATABASE)
    counts = _counts.setdefault(datasette, Counts())
    L = language()  # one of LANGUAGES: safe in SQL; read here, where the request's context is
    found = await db.execute_fn(lambda conn: listed(conn, find(conn, outcome_id, counts), L))
    themes = (await vocabularies(datasette)).get("themes", {}) if found else {}
    return [{**row, "reasons": reasons(match.shared, themes)} for match, row in found]


def listed(conn, matches: list[Match], L: str) -> list[tuple[Match, dict]]:
    """Each match with what the page shows of it (in the same thread: one
    trip to SQLite for the whole list)."""
    if not matches:
        return []
    rows = conn.execute(
        f"""
        select outcomes.id, outcomes.title, outcomes.type, outcome_types.label_{L} as type_label,
          sessions.title as session_title, sessions.language, events.title as event_title
        from outcomes
          join outcome_types on outcome_types.id = outcomes.type
          join sessions on sessions.id = outcomes.session_id
          join events on events.id = outcomes.event_id
        where outcomes.id in (select value from json_each(?))
        """,
        [json.dumps([match.id for match in matches])],
    )
    by_id = {row["id"]: dict(row) for row in rows}
    return [(match, by_id[match.id]) for match in matches if match.id in by_id]


def reasons(shared: tuple[Term, ...], themes: dict) -> list[dict]:
    """Why, part by part: ``[{"text": "stesso target 10.7"}, {"text":
    "parole:", "words": "rimesse, diaspora"}]`` (the words as the note
    writes them, in its language)."""
    parts = []
    for kind in (*CODE_KINDS, "words"):
        items = [item for item in shared if item.kind == kind]
        if not items:
            continue
        if kind == "themes":
            shown = ", ".join(term(themes, item.key)["label"] for item in items)
        else:
            shown = ", ".join(item.shown for item in items)
        if kind == "words":
            parts.append({"text": t("similar.words", count=len(items)), "words": shown})
        else:
            parts.append({"text": t(f"similar.{kind}", count=len(items), codes=shown)})
    return parts
