"""Italian-aware full-text search on top of SQLite FTS5.

FTS5's ``unicode61`` tokenizer folds accents but knows nothing of Italian
morphology, and SQLite cannot load a Python tokenizer. So the index holds the
words as written, and a query is widened instead: each typed word becomes the
OR of every indexed word that shares its Snowball Italian stem (``migrante``
-> ``migrante OR migranti OR migrant``), read from the index's own vocabulary
(an ``fts5vocab`` table) at query time. The index stays small and fast to
build, FTS5 can rank and highlight real words, and a new word in the notes is
searchable by its forms without rebuilding anything.

The build precomputes the index's vocabulary once (``vocabulary_rows``: each
indexed word with its stem and the number of texts holding it), so a query
looks its words' forms up by stem in a small table instead of scanning the
index; the same table answers ``prefix*`` queries.

Everything here is linear in its input and capped (``QUERY_CHARS``,
``MAX_TERMS``, ``MAX_FORMS``, ``MAX_PREFIX_WORDS``, ``EXCERPT_SOURCE``): no
query and no text can make a search slow. ``plan`` says what a cap left out,
for the page to tell the reader.

This module depends only on ``snowballstemmer`` (which uses PyStemmer's C
code when installed) and the standard library: ``outcomes.site`` copies it
next to the Datasette plugin that exposes it to SQL, so a published database
can be searched without the rest of the package.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import NamedTuple
from collections.abc import Iterable

import snowballstemmer

_stemmer = snowballstemmer.stemmer("italian")
_WORD = re.compile(r"[^\W_]+")
_WORD_SPLIT = re.compile(r"([^\W_]+)")
_PHRASE = re.compile(r'"([^"]*)"')
_QUERY_WORD = re.compile(r"[^\W_]+\*?")

# Articles, prepositions (simple and articulated, with their elided forms) and
# conjunctions: they carry no meaning of their own, so "dell'Agenda" searches
# for "Agenda" and "la città" for "città".
STOPWORDS = frozenset(
    """a ad al all alla alle allo agli ai c ci col coi con d da dal dall dalla dalle
    dallo dagli dai de degli dei del dell della delle dello di e ed gli i il in l
    la le lo ne negli nei nel nell nella nelle nello o per su sul sull sulla sulle
    sullo sugli sui tra fra un una uno quest quell nient s""".split()
)

# Caps on what one query may ask for (said on the search page when reached).
QUERY_CHARS = 300  # characters of a query read; the rest is ignored
MAX_TERMS = 6  # words, phrases or prefixes; further ones are ignored
MAX_FORMS = 8  # indexed forms of one word, the most frequent first
MAX_PREFIX_WORDS = 10  # indexed words a prefix* stands for, the most frequent first
EXCERPT_SOURCE = 5_000  # characters of a text an excerpt is taken from


class Vocabulary:
    """The words of the full-text indexes, as the build precomputed them
    (``vocabulary_rows``) in a table ``(term, stem, docs)``: the forms of a
    word are the terms sharing its stem; a prefix stands for the terms
    starting with it. The most frequent come first."""

    def __init__(self, conn, table: str):
        self.conn, self.table = conn, table

    def forms(self, stems: list[str]) -> list[str]:
        marks = ", ".join("?" * len(stems))
        sql = f"SELECT term FROM [{self.table}] WHERE stem IN ({marks}) ORDER BY docs DESC, term LIMIT ?"
        return [term for (term,) in self.conn.execute(sql, [*stems, MAX_FORMS + 1])]

    def prefixed(self, prefix: str) -> list[str]:
        sql = (
            f"SELECT term FROM [{self.table}] WHERE term >= ? AND term < ? "
            "ORDER BY docs DESC, term LIMIT ?"
        )
        return [term for (term,) in self.conn.execute(sql, [prefix, prefix + "\U0010ffff", MAX_PREFIX_WORDS + 1])]


def vocabulary_rows(conn, tables: Iterable[str]) -> list[tuple[str, str, int]]:
    """``(term, stem, docs)`` for every word of the ``fts5vocab`` (row)
    tables ``tables``, in term order: what ``Vocabulary`` reads, computed
    once when the database is built."""
    docs: dict[str, int] = {}
    for table in tables:
        for term, count in conn.execute(f"SELECT term, doc FROM [{table}]"):
            docs[term] = docs.get(term, 0) + count
    return [(term, stem(term), count) for term, count in sorted(docs.items())]

# FTS5 query that is valid and matches nothing: what an empty search gets.
MATCH_NOTHING = '""'


def fold(text: str) -> str:
    """Lowercase without accents, as FTS5's ``remove_diacritics`` sees words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball Italian stem of a lowercase word, accents folded."""
    return fold(_stemmer.stemWord(word))


# --- Queries -------------------------------------------------------------------


class Term(NamedTuple):
    """One thing a query asks for: a word, a ``prefix*`` or a "quoted phrase".

    (A named tuple, not a dataclass: Datasette loads plugin files without
    registering them in ``sys.modules``, which dataclasses need.)
    """

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1


def terms(query: str | None) -> list[Term]:
    """What a person typed, as terms that must all match.

    Punctuation separates words (so elisions split: ``dell'Agenda`` is
    ``dell`` + ``agenda``) and stopwords are dropped; text in double quotes is
    a phrase; a trailing ``*`` makes a prefix.
    """
    query = (query or "")[:QUERY_CHARS].lower()
    found = []
    for phrase in _PHRASE.findall(query):
        meaningful = [w for w in words(phrase) if w not in STOPWORDS]
        if len(meaningful) == 1:
            found.append(Term((meaningful[0],)))
        elif meaningful:
            found.append(Term(tuple(words(phrase))))
    for token in _QUERY_WORD.findall(_PHRASE.sub(" ", query)):
        word = token.rstrip("*")
        if token.endswith("*"):
            found.append(Term((word,), prefix=True))
        elif word not in STOPWORDS:
            found.append(Term((word,)))
    return list(dict.fromkeys(found))


def _word_stems(word: str) -> list[str]:
    """Stems of a typed word, as typed and with accents folded: Snowball
    does not always agree with itself on ``perché`` and ``perche``."""
    return list(dict.fromkeys([stem(word), stem(fold(word))]))


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def any_word(indexed: Iterable[str]) -> str:
    """An FTS5 query matching any of the ``indexed`` words (each quoted)."""
    return " OR ".join(_quoted(word) for word in indexed)


def forms(word: str, vocabulary: Vocabulary | None) -> list[str]:
    """The indexed words sharing a stem with ``word``: ``word`` first, then
    the most frequent others, ``MAX_FORMS`` in all."""
    return _forms(word, vocabulary)[0]


def _forms(word: str, vocabulary: Vocabulary | None) -> tuple[list[str], bool]:
    """``forms``, and whether ``MAX_FORMS`` left some out."""
    found = {fold(word): word}
    if vocabulary is not None:
        for indexed in vocabulary.forms(_word_stems(word)):
            found.setdefault(indexed, indexed)
    return list(found.values())[:MAX_FORMS], len(found) > MAX_FORMS


class Plan(NamedTuple):
    """What a query becomes: the FTS5 query, and the caps it reached (as
    short notes: ``terms``, ``forms:<word>``, ``prefix:<prefix>``)."""

    fts: str
    capped: tuple[str, ...]


def plan(query: str | None, vocabulary: Vocabulary | None = None, exact: bool = False) -> Plan:
    """An FTS5 query for what a person typed in a search box.

    Every term must match (AND): a word in any of its indexed forms (see
    ``forms``; accents folded by FTS5), a "quoted phrase" as typed, a
    ``prefix*`` as the indexed words starting with it. Only words reach
    FTS5, always quoted, so no input can make the query fail; an empty query
    gives one that matches nothing. Without ``vocabulary`` the query is plain
    FTS5 on the words as typed (and prefixes are FTS5 prefixes); so it is
    with ``exact``, but for prefixes, which stand for the same words.
    """
    typed = terms(query)
    capped = ["terms"] if len(typed) > MAX_TERMS else []
    clauses = []
    for term in typed[:MAX_TERMS]:
        word = term.words[0]
        if term.phrase:
            alternatives = [" ".join(term.words)]
        elif term.prefix and vocabulary is None:
            clauses.append(_quoted(word) + "*")
            continue
        elif term.prefix:
            alternatives = vocabulary.prefixed(word)
            if len(alternatives) > MAX_PREFIX_WORDS:
                capped.append(f"prefix:{word}")
                alternatives = alternatives[:MAX_PREFIX_WORDS]
            if not alternatives:
                alternatives = [word]
        else:
            alternatives, too_many = _forms(word, None if exact else vocabulary)
            if too_many:
                capped.append(f"forms:{word}")
        quoted = [_quoted(alternative) for alternative in alternatives]
        clauses.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    return Plan(" AND ".join(clauses) if clauses else MATCH_NOTHING, tuple(capped))


def fts_query(query: str | None, vocabulary: Vocabulary | None = None) -> str:
    """``plan``'s FTS5 query alone."""
    return plan(query, vocabulary).fts


# --- Snippets ------------------------------------------------------------------

# Bounded repetitions keep every pattern linear: an unclosed "[" or "<"
# is tried against a few hundred characters, not the rest of the text. A
# lookahead on the first character lets the engine skip plain text (an
# alternation alone is tried at every position: four times slower).
# Each with the characters one of its matches must hold (None: any text).
_MARKDOWN = [
    (re.compile(r"(?=[!\[])!?\[([^\]\n]{0,300})\]\([^)\s]{0,1000}(?: [^)\n]{0,300})?\)"), r"\1", "["),  # links and images: their text
    (re.compile(r"<[^<>\n]{0,300}>"), " ", "<"),  # inline HTML
    (re.compile(r"^[ \t]{0,3}(?:#{1,6}|>|[-*+]|\d+[.)])[ \t]+", re.M), "", None),  # headings, quotes, lists
    (re.compile(r"(?=[*`~_])(?:\*+|`+|~~|(?<!\w)_+|_+(?!\w))"), "", "*`~_"),  # emphasis and code
]
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([,.;:!?])")


def plain(markdown: str | None) -> str:
    """The words of a Markdown text without its markup, on one line."""
    text = markdown or ""
    for pattern, replacement, marks in _MARKDOWN:
        if marks is None or any(mark in text for mark in marks):  # a pattern only where it can match
            text = pattern.sub(replacement, text)
    # Runs of whitespace as one space (str.split's whitespace is re's \s).
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(text.split()))


@lru_cache(maxsize=256)
def _matcher(query: str | None):
    """A predicate telling whether a word of a text matches ``query``, by the
    rules of ``fts_query``; made once per query (a page of results asks for
    a hundred excerpts), remembering its answer for each word."""
    exact, stemmed, prefixes = set(), set(), []
    for term in terms(query):
        if term.prefix:
            prefixes.append(fold(term.words[0]))
            continue
        for word in term.words:
            if word not in STOPWORDS:
                exact.add(fold(word))
                stemmed.update(_word_stems(word))

    @lru_cache(maxsize=20_000)
    def matches(word: str) -> bool:
        folded = fold(word)
        return folded in exact or stem(word.lower()) in stemmed or any(folded.startswith(p) for p in prefixes)

    return matches


def highlight(text: str | None, query: str | None, width: int = 32) -> str:
    """An HTML-escaped excerpt of about ``width`` words of the Markdown
    ``text``, where the words ``query`` matched are densest, each wrapped in
    ``<mark>``; ``…`` marks what was cut. Only the first ``EXCERPT_SOURCE``
    characters of ``text`` are read: the time it takes is bounded."""
    text = plain((text or "")[:EXCERPT_SOURCE].replace("\x01", " ").replace("\x02", " "))
    if not text:
        return ""
    matches = _matcher(query)
    # Words at the odd places, what separates them at the even ones.
    parts = _WORD_SPLIT.split(text)
    words = parts[1::2]
    if not words:
        return html.escape(text[:200])
    first = _densest_window([i for i, word in enumerate(words) if matches(word)], width)
    last = min(first + width, len(words))
    window = parts[2 * first + 1 : 2 * last]
    # Marks as two control characters (none is left in the text), then one
    # escape of the whole excerpt: words hold no character HTML escapes.
    window[::2] = [f"\x01{word}\x02" if matches(word) else word for word in window[::2]]
    window.append(" …" if last < len(words) else parts[-1])  # more words, or the punctuation that ends it
    excerpt = html.escape("".join(window)).replace("\x01", "<mark>").replace("\x02", "</mark>")
    return ("… " if first or parts[0] else "") + excerpt


def _densest_window(hits: list[int], width: int) -> int:
    """The first word of the window of ``width`` words holding most hits,
    started a little before its first hit so that it reads as a sentence."""
    if not hits:
        return 0
    span = width - width // 4
    best, most, end = hits[0], 0, 0
    for start, hit in enumerate(hits):  # two pointers: linear in the hits
        while end < len(hits) and hits[end] < hit + span:
            end += 1
        if end - start > most:
            best, most = hit, end - start
    return max(0, best - width // 4)


# --- Vocabulary labels -----------------------------------------------------------

# English function words, dropped when a label is compared with a query (the
# Italian ones are STOPWORDS).
ENGLISH_STOPWORDS = frozenset(
    "a an and as at by for from in including into its of on or the their to with all".split()
)


class Label(NamedTuple):
    """A vocabulary term a query may name: ``kind`` is the JSON-array column
    of ``outcomes`` holding its code (``themes``, ``sdg_goals``...)."""

    kind: str
    code: str
    label_it: str
    label_en: str


def _label_key(word: str) -> str:
    """A word of a label or query, compared across Italian and English:
    accents folded, an English plural made singular, then the Italian stem."""
    word = fold(word)
    if len(word) > 3 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return stem(word)


def _meaningful_words(text: str) -> list[str]:
    """The words of a label or query that can name a term (no function word)."""
    return [word for word in words(text) if word not in STOPWORDS and word not in ENGLISH_STOPWORDS]


def _label_words(text: str) -> frozenset[str]:
    return frozenset(_label_key(word) for word in _meaningful_words(text))


def _query_text(query: str | None) -> str:
    """The part of a query labels are looked for in (a prefix's * as a space)."""
    return (query or "")[:QUERY_CHARS].replace("*", " ")


class Labels:
    """Which vocabulary terms a query names by their Italian or English
    label: every meaningful word of the query is a word of the label (plural
    or singular, accents optional), and a label of several words needs a
    query of two words or more (one common word would name dozens).
    ``remittances`` names the theme *Rimesse*, ``decent work`` the theme
    *Lavoro dignitoso*, goal 8 and the targets and GCM objectives saying
    "decent work", ``skills recognition`` GCM objective 18."""

    def __init__(self, labels: Iterable[Label]):
        self.labels = [
            (label, _label_words(label.label_it), _label_words(label.label_en)) for label in labels
        ]

    # One Labels lives as long as the site's vocabulary; the cache keeping it is intended.
    @lru_cache(maxsize=1024)  # noqa: B019
    def named(self, query: str | None) -> tuple[Label, ...]:
        wanted = _label_words(_query_text(query))
        if not wanted or len(wanted) > MAX_TERMS:
            return ()
        return tuple(
            label
            for label, *languages in self.labels
            if any(wanted <= words_ and (len(wanted) > 1 or len(words_) == 1) for words_ in languages)
        )

    @lru_cache(maxsize=1024)  # noqa: B019
    def by_word(self, query: str | None) -> tuple[tuple[Label, ...], ...]:
        """The terms each part of ``query`` names, when the query as a whole
        names none: its words cut into the fewest runs that each name some
        terms (an outcome must be tagged for every run). ``remittances
        diaspora`` names the themes *Rimesse* and *Diaspore*, one word each;
        ``multilevel governance territorial partnerships`` the themes
        *Governance multilivello* and *Partenariati territoriali*, two words
        each. Nothing if some word is left over."""
        wanted = _meaningful_words(_query_text(query))
        if len(set(wanted)) < 2 or len(wanted) > MAX_TERMS or self.named(query):
            return ()
        # best[end]: the fewest runs naming terms that cover wanted[:end].
        best: list[tuple[tuple[str, tuple[Label, ...]], ...] | None] = [()] + [None] * len(wanted)
        for end in range(1, len(wanted) + 1):
            for start in (start for start in range(end) if best[start] is not None):
                run = " ".join(wanted[start:end])
                named = self.named(run)
                if named and (best[end] is None or len(best[start]) + 1 < len(best[end])):
                    best[end] = (*best[start], (run, named))
        runs = best[-1] or ()
        # In the order of the runs' words, as the reasons are listed.
        return tuple(named for run, named in sorted(runs, key=lambda item: sorted(_label_words(item[0]))))

    def every(self, query: str | None) -> tuple[Label, ...]:
        """The terms ``query`` names, as a whole or word by word."""
        return self.named(query) or tuple(label for group in self.by_word(query) for label in group)

    def codes(self, query: str | None) -> dict[str, list]:
        """``{kind: [code, ...]}`` of the terms ``query`` names, and under
        ``groups`` those of each of its words (``by_word``), as ``{kind: [code, ...]}``."""
        found: dict[str, list] = {}
        for label in self.named(query):
            found.setdefault(label.kind, []).append(label.code)
        groups = [{} for _ in self.by_word(query)]
        for group, labels in zip(groups, self.by_word(query)):
            for label in labels:
                group.setdefault(label.kind, []).append(label.code)
        if groups:
            found["groups"] = groups
        return found


# --- The search query ---------------------------------------------------------------


class Filter(NamedTuple):
    """A way to narrow a search: the URL parameter and the set of outcome
    rowids it keeps (SQL, with ``:param``), and whether sessions can match
    it (events and years) or only outcomes."""

    param: str
    rowids: str
    sessions: str | None = None  # the same, for sessions' rowids


# Values of a filter joined in one parameter (``target=10.c,10.7``): any of them (OR).
FILTER_SEPARATOR = ","


def one_of(expression: str, param: str) -> str:
    """SQL: ``expression`` is one of the values of ``:param`` (one value, or
    several joined by ``FILTER_SEPARATOR``; a lone value keeps the index)."""
    joined = f"'{FILTER_SEPARATOR}' || :{param} || '{FILTER_SEPARATOR}'"
    return (
        f"({expression} = :{param} or (instr(:{param}, '{FILTER_SEPARATOR}') "
        f"and instr({joined}, '{FILTER_SEPARATOR}' || {expression} || '{FILTER_SEPARATOR}')))"
    )


def _linked(table: str, column: str, param: str) -> str:
    return (
        f"select outcomes.rowid from [{table}] join outcomes on outcomes.id = [{table}].outcome_id "
        f"where {one_of(f'[{table}].[{column}]', param)}"
    )


# The search page's filters, in the order the page shows them.
FILTERS = (
    Filter("tipo", f"select rowid from outcomes where {one_of('type', 'tipo')}"),
    Filter("goal", _linked("outcome_sdg_goals", "sdg_goal_id", "goal")),
    Filter("target", _linked("outcome_sdg_targets", "sdg_target_id", "target")),
    Filter("gcm", _linked("outcome_gcm_objectives", "gcm_objective_id", "gcm")),
    Filter("paese", _linked("outcome_countries", "country_id", "paese")),
    Filter("attore", _linked("outcome_actors", "actor_type_id", "attore")),
    Filter("tema", _linked("outcome_themes", "theme_id", "tema")),
    Filter(
        "evento",
        f"select rowid from outcomes where {one_of('event_id', 'evento')}",
        f"select rowid from sessions where {one_of('event_id', 'evento')}",
    ),
    Filter(
        "anno",
        "select outcomes.rowid from sessions join outcomes on outcomes.session_id = sessions.id "
        f"where {one_of('substr(sessions.date, 1, 4)', 'anno')}",
        f"select rowid from sessions where {one_of('substr(date, 1, 4)', 'anno')}",
    ),
    Filter("stato", f"select rowid from outcomes where {one_of('current_status', 'stato')}"),  # as of the latest update
)
FILTER_PARAMS = tuple(f.param for f in FILTERS)

def facet_words(values: dict[str, Iterable]) -> str:
    """An outcome's values of each filter (``{param: [value, ...]}``) as the
    words ``search_facets`` stores: ``tipo=finding goal=10 goal=17 ...``."""
    return " ".join(f"{param}={value}" for param in FILTER_PARAMS for value in values.get(param) or () if value is not None)


def count_facets(rows: Iterable[str]) -> dict[str, dict[str, int]]:
    """``{param: {value: count}}`` over ``facet_words`` strings (joined and
    split once, the words counted by ``Counter``, all in C; only the distinct
    ones split in Python)."""
    counts: dict[str, dict[str, int]] = {}
    for word, count in Counter(" ".join(rows).split()).items():
        param, _, value = word.partition("=")
        counts.setdefault(param, {})[value] = count
    return counts


# How many matches of each index are ranked (and counted): beyond, the
# first found by the index are kept and the page says so.
POOL = 2000
RESULTS = 100
# Vocabulary kinds a query can name (search.Labels) -> their link table and column.
TAGS = {
    "themes": ("outcome_themes", "theme_id"),
    "actors": ("outcome_actors", "actor_type_id"),
    "sdg_goals": ("outcome_sdg_goals", "sdg_goal_id"),
    "sdg_targets": ("outcome_sdg_targets", "sdg_target_id"),
    "gcm_objectives": ("outcome_gcm_objectives", "gcm_objective_id"),
    "countries": ("outcome_countries", "country_id"),
}
OUTCOME_KINDS = tuple(TAGS)


class Inputs(NamedTuple):
    """What the search's SQL reads of what Python makes of the query (SQL
    expressions): the FTS5 query (``plan``), the same for the words as
    typed, the vocabulary terms named by label (``Labels``, as JSON) and the
    caps reached (JSON)."""

    fts: str
    exact: str
    tags: str
    capped: str


# The canned query calls the site's SQL functions; the page's query is given
# their values as parameters (see page_sql).
CALLS = Inputs("outcomes_fts_query(:q)", "outcomes_fts_exact(:q)", "outcomes_tags(:q)", "outcomes_search_capped(:q)")
PARAMETERS = Inputs(":fts", ":fts_exact", ":tags", ":capped")


def _filtered(rowid: str, filters: Iterable[Filter], sessions: bool = False) -> str:
    """SQL: ``rowid`` passes every filter that is set (an unset one costs
    nothing: its set of rowids is never computed)."""
    conditions = [
        f"(:{f.param} = '' or {rowid} in ({f.sessions if sessions else f.rowids}))" for f in filters
    ]
    return " and ".join(conditions) or "1"


def _outcome_candidates(inputs: Inputs = CALLS) -> str:
    """CTEs: ``taglio`` (the rowid up to which full-text matches are
    ranked), ``candidati`` (outcomes: rowid, rank, testo, esatto, etichetta)."""
    keep = _filtered("rowid", FILTERS)
    tagged = "\n    union all ".join(
        f"select outcomes.rowid as rowid from [{table}] join outcomes on outcomes.id = [{table}].outcome_id "
        f"where json_extract({inputs.tags}, '$.{kind}') is not null "
        f"and [{table}].[{column}] in (select value from json_each({inputs.tags}, '$.{kind}'))"
        for kind, (table, column) in TAGS.items()
    )
    # The words' groups first (a cross join keeps that order): with none, no
    # link is read (SQLite's planner scanned every link table first, reading
    # the groups for each link: 7 s a search at 100,000 outcomes).
    by_word = "\n      union all ".join(
        f"select groups.key as grp, outcomes.rowid as rowid from json_each({inputs.tags}, '$.groups') as groups "
        f"cross join [{table}] on [{table}].[{column}] in (select value from json_each(groups.value, '$.{kind}')) "
        f"join outcomes on outcomes.id = [{table}].outcome_id"
        for kind, (table, column) in TAGS.items()
    )
    tagged += f"""
    union all select rowid from (
      {by_word}
    ) group by rowid having count(distinct grp) = json_array_length({inputs.tags}, '$.groups')"""
    any_filter = " || ".join(f":{p}" for p in FILTER_PARAMS)
    return f"""
taglio as (
  select coalesce((select rowid from outcomes_fts
    where outcomes_fts match {inputs.fts} and {keep}
    order by rowid limit 1 offset {POOL - 1}), 9223372036854775807) as fino
),
trovati as materialized (
  select rowid, rank, rowid in (select rowid from outcomes_fts where outcomes_fts match {inputs.exact}
    and rowid <= (select fino from taglio)) as esatto
  from outcomes_fts
  where outcomes_fts match {inputs.fts} and rowid <= (select fino from taglio) and {keep}
),
etichettati as materialized (
  select distinct rowid from (
    {tagged}
  )
  where {keep}
  limit {POOL}
),
sfogliati as (
  select rowid, row_number() over (order by id) as rank from (
    select rowid, id from outcomes
    where {inputs.fts} = '{MATCH_NOTHING}' and ({any_filter}) != ''
      and {_filtered("rowid", FILTERS)}
    order by id limit {POOL})
),
candidati as (
  select rowid, rank, 1 as testo, esatto, rowid in (select rowid from etichettati) as etichetta from trovati
  union all select rowid, 0, 0, 0, 1 from etichettati where rowid not in (select rowid from trovati)
  union all select rowid, rank, 0, 0, 0 from sfogliati
)"""


def _session_candidates(inputs: Inputs = CALLS) -> str:
    only_outcomes = " || ".join(f":{f.param}" for f in FILTERS if f.sessions is None)
    session_filters = [f for f in FILTERS if f.sessions is not None]
    keep = f"({only_outcomes}) = '' and " + _filtered("rowid", session_filters, sessions=True)
    return f"""
taglio_sessioni as (
  select coalesce((select rowid from sessions_fts
    where sessions_fts match {inputs.fts} and {keep}
    order by rowid limit 1 offset {POOL - 1}), 9223372036854775807) as fino
),
sessioni as (
  select rowid, rank,
    rowid in (select rowid from sessions_fts where sessions_fts match {inputs.exact}
      and rowid <= (select fino from taglio_sessioni)) as esatto
  from sessions_fts
  where sessions_fts match {inputs.fts} and rowid <= (select fino from taglio_sessioni) and {keep}
)"""


def _best() -> str:
    """CTE ``migliori``: the best ``RESULTS`` outcomes and sessions found."""
    return f"""migliori as (
  select 'esito' as tipo, rowid, rank, testo, esatto + etichetta as peso from candidati
  union all select 'sessione', rowid, rank, 1, esatto from sessioni
  order by peso desc, rank, rowid
  limit {RESULTS}
)"""


# What the search gives of each result, in this order.
RESULT_COLUMNS = ("tipo", "id", "titolo", "categoria", "contesto", "estratto", "perche")


def _results(page: bool = False) -> str:
    """The best results (``migliori``) with what is shown of each
    (``RESULT_COLUMNS``), and ``peso`` and ``rank`` to order them by. For
    the ``page``, without calling Python from SQLite: ``estratto`` is the
    start of the text the excerpt is taken from (``EXCERPT_SOURCE``
    characters) and ``perche`` what the reason is made of, JSON: whether the
    text matched, then the codes of each kind of ``TAGS`` it is tagged with."""
    tags = ", ".join(f"outcomes.{kind}" for kind in TAGS)
    if page:
        outcome_excerpt = f"substr(outcomes.text, 1, {EXCERPT_SOURCE})"
        session_excerpt = f"substr(sessions.summary, 1, {EXCERPT_SOURCE})"
        outcome_why, session_why = f"json_array(migliori.testo, {tags})", "json_array(1)"
    else:
        outcome_excerpt, session_excerpt = "outcomes_snippet(outcomes.text, :q)", "outcomes_snippet(sessions.summary, :q)"
        outcome_why, session_why = f"outcomes_why(:q, :_page_lang, migliori.testo, {tags})", "outcomes_why(:q, :_page_lang, 1)"
    return f"""select migliori.tipo, outcomes.id as id, outcomes.title as titolo,
    case when :_page_lang = 'en' then outcome_types.label_en else outcome_types.label_it end as categoria,
    sessions.title as contesto,
    {outcome_excerpt} as estratto,
    {outcome_why} as perche,
    migliori.peso, migliori.rank
  from migliori
    join outcomes on outcomes.rowid = migliori.rowid
    join outcome_types on outcome_types.id = outcomes.type
    join sessions on sessions.id = outcomes.session_id
  where migliori.tipo = 'esito'
  union all
  select migliori.tipo, sessions.id, sessions.title,
    case when :_page_lang = 'en' then session_kinds.label_en else session_kinds.label_it end, events.title,
    {session_excerpt}, {session_why}, migliori.peso, migliori.rank
  from migliori
    join sessions on sessions.rowid = migliori.rowid
    join session_kinds on session_kinds.id = sessions.kind
    join events on events.id = sessions.event_id
  where migliori.tipo = 'sessione'"""


def _counts(inputs: Inputs = CALLS) -> str:
    """What the search page counts, as rows ``(filtro, valore, n)``: how
    many outcomes and sessions were found and whether a cap was reached
    (``_totale``), the caps the query reached (``_limiti``, JSON: see
    ``plan``), and the filter values of the outcomes found, at most
    ``POOL`` (``_valori``: their ``facet_words`` in one string, for
    ``count_facets``; a commitment's current status is read from its row,
    since follow-up updates change it after its facets were written; the
    sessions found count for their event and year, which they open too)."""
    return f"""select '_totale' as filtro, 'esiti' as valore, count(*) as n from candidati
  union all select '_totale', 'sessioni', count(*) from sessioni
  union all select '_limiti', {inputs.capped}, 0
  union all select '_totale', 'limite', (select fino from taglio) < 9223372036854775807
    or (select fino from taglio_sessioni) < 9223372036854775807
    or (select count(*) from etichettati) >= {POOL} or (select count(*) from sfogliati) >= {POOL}
  union all select '_valori', group_concat(search_facets.facets || case when search_facets.facets like 'tipo=commitment %'
      then ' stato=' || (select current_status from outcomes where rowid = c.rowid) else '' end, ' '), count(*)
    from (select rowid from candidati limit {POOL}) as c join search_facets on search_facets.outcome = c.rowid
  union all select '_valori', group_concat('evento=' || sessions.event_id || ' anno=' || substr(sessions.date, 1, 4), ' '), count(*)
    from (select rowid from sessioni limit {POOL}) as s join sessions on sessions.rowid = s.rowid"""


def search_sql() -> str:
    """The search's SQL (Datasette canned query ``cerca``, for its JSON and
    CSV): outcomes and sessions whose text holds every word (in any of its
    forms), and outcomes tagged with a vocabulary term the query names by
    its label; narrowed by the filters (``FILTERS``); the best ``RESULTS``
    first, in ``RESULT_COLUMNS``.

    Texts holding the words as typed come first, then those tagged with a
    term the query names, then bm25 decides (titles weigh most: the weights
    are each index's ``rank``, set by store.py). At most ``POOL`` matches of
    each index are ranked: the best are chosen inside each index, before any
    join; only they get an excerpt and a reason. Categories and reasons are
    in the page's language (Datasette's magic parameter ``_page_lang``).
    """
    return f"""with {_outcome_candidates()},
{_session_candidates()},
{_best()}
select {", ".join(RESULT_COLUMNS)} from (
  {_results()}
)
order by peso desc, rank, id
"""


def page_sql() -> str:
    """The search page's SQL: ``search_sql``'s results and the counts of
    ``_counts`` from one query, so that what was found is found once; as one
    row of two JSON arrays, ``risultati`` (``[position, *RESULT_COLUMNS]``
    of each result, as ``_results`` gives them for the page) and
    ``conteggi`` (``[filtro, valore, n]``). What the site's SQL functions
    make of the query comes as parameters (``PARAMETERS``).

    So the query calls no Python function: every call, and every row
    fetched, must take Python's interpreter lock, which the pages being
    rendered hold most of the time under load; a query that calls none and
    returns one row runs beside them. The page makes the excerpts and reasons
    itself."""
    return f"""with {_outcome_candidates(PARAMETERS)},
{_session_candidates(PARAMETERS)},
{_best()}
select
  {_found()} as risultati,
  (select json_group_array(json_array(filtro, valore, n)) from (
    {_counts(PARAMETERS)}
  )) as conteggi
"""


def results_sql() -> str:
    """``page_sql`` without the counts: ``search_sql``'s results for
    ``cerca.json``, as one row (``risultati``), calling no Python function."""
    return f"""with {_outcome_candidates(PARAMETERS)},
{_session_candidates(PARAMETERS)},
{_best()}
select {_found()} as risultati
"""


def _found() -> str:
    """SQL: the results (``_results``, for the page) as a JSON array, each
    ``[position, *RESULT_COLUMNS]``."""
    columns = ", ".join("json(perche)" if column == "perche" else column for column in RESULT_COLUMNS)
    return f"""(select json_group_array(json_array(posizione, {columns})) from (
    select row_number() over (order by peso desc, rank, id) as posizione, * from (
      {_results(page=True)}
    )
  ))"""
