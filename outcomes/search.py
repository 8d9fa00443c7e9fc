"""Italian-aware full-text search on top of SQLite FTS5.

FTS5's ``unicode61`` tokenizer folds accents but knows nothing of Italian
morphology, and SQLite cannot load a Python tokenizer. So the index holds the
words as written, and a query is widened instead: each typed word becomes the
OR of every indexed word that shares its Snowball Italian stem (``migrante``
-> ``migrante OR migranti OR migrant``), read from the index's own vocabulary
(an ``fts5vocab`` table) at query time. The index stays small and fast to
build, FTS5 can rank and highlight real words, and a new word in the notes is
searchable by its forms without rebuilding anything.

This module depends only on ``snowballstemmer`` (which uses PyStemmer's C
code when installed) and the standard library: ``outcomes.site`` copies it
next to the Datasette plugin that exposes it to SQL, so a published database
can be searched without the rest of the package.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import Callable, Iterable, NamedTuple

import snowballstemmer

_stemmer = snowballstemmer.stemmer("italian")
_WORD = re.compile(r"[^\W_]+")
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

Expander = Callable[[str], Iterable[str]]

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
    query = (query or "").lower()
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


def forms(word: str, expand: Expander | None) -> list[str]:
    """The indexed words sharing a stem with ``word``: ``word`` first, then
    those ``expand`` (prefix -> indexed words starting with it) offers.

    A stem is a prefix of its words but for one Snowball rule, which turns
    ``-enza``/``-enze`` into ``-ente`` (``competenza`` -> ``competent``):
    looking up the stem without its last letter finds those words too.
    """
    found = {fold(word): word}
    if expand is not None:
        wanted = _word_stems(word)
        for prefix in {stem_[:-1] or stem_ for stem_ in wanted}:
            for indexed in expand(prefix):
                if indexed not in found and stem(indexed) in wanted:
                    found[indexed] = indexed
    return list(found.values())


def _clause(term: Term, expand: Expander | None) -> str:
    if term.prefix:
        return _quoted(term.words[0]) + "*"
    if term.phrase:
        return _quoted(" ".join(term.words))
    alternatives = [_quoted(form) for form in forms(term.words[0], expand)]
    return alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"


def fts_query(query: str | None, expand: Expander | None = None) -> str:
    """An FTS5 query for what a person typed in a search box.

    Every term must match (AND): a word in any of its indexed forms (see
    ``forms``; accents folded by FTS5), a "quoted phrase" as typed, a
    ``prefix*``. Only words reach FTS5, always quoted, so no input can make
    the query fail; an empty query gives one that matches nothing. Without
    ``expand`` the query is plain FTS5 on the words as typed.
    """
    clauses = [_clause(term, expand) for term in terms(query)]
    return " AND ".join(clauses) if clauses else MATCH_NOTHING


def vocabulary_expander(conn, tables: Iterable[str]) -> Expander:
    """An ``expand`` for ``fts_query`` reading the ``fts5vocab`` tables
    ``tables`` of the connection: the indexed words starting with a prefix,
    found by a range scan of each index's sorted term list."""
    sql = " UNION ".join(f"SELECT term FROM [{table}] WHERE term >= :low AND term < :high" for table in tables)

    def expand(prefix: str) -> list[str]:
        if not prefix:
            return []
        return [term for (term,) in conn.execute(sql, {"low": prefix, "high": prefix + "\U0010ffff"})]

    return expand


# --- Snippets ------------------------------------------------------------------

_MARKDOWN = [
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links and images: their text
    (re.compile(r"<[^>]*>"), " "),  # inline HTML
    (re.compile(r"^[ \t]{0,3}(?:#{1,6}|>|[-*+]|\d+[.)])[ \t]+", re.M), ""),  # headings, quotes, lists
    (re.compile(r"\*+|`+|~~|(?<!\w)_+|_+(?!\w)"), ""),  # emphasis and code
    (re.compile(r"\s+"), " "),
    (re.compile(r" ([,.;:!?])"), r"\1"),
]


def plain(markdown: str | None) -> str:
    """The words of a Markdown text without its markup, on one line."""
    text = markdown or ""
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return text.strip()


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
    ``<mark>``; ``…`` marks what was cut."""
    text = plain(text)
    if not text:
        return ""
    matches = _matcher(query)
    spans = list(_WORD.finditer(text))
    hits = [i for i, span in enumerate(spans) if matches(span.group())]
    first = _densest_window(hits, width)
    window = spans[first : first + width]
    if not window:
        return html.escape(text[:200])
    start, end = window[0].start(), window[-1].end()
    pieces, cursor = [], start
    for span in window:
        pieces.append(html.escape(text[cursor : span.start()]))
        token = html.escape(span.group())
        pieces.append(f"<mark>{token}</mark>" if matches(span.group()) else token)
        cursor = span.end()
    rest = text[end:]
    if _WORD.search(rest):
        pieces.append(" …")
    else:  # only punctuation left: keep it
        pieces.append(html.escape(rest))
    return ("… " if start > 0 else "") + "".join(pieces)


def _densest_window(hits: list[int], width: int) -> int:
    """The first word of the window of ``width`` words holding most hits,
    started a little before its first hit so that it reads as a sentence."""
    if not hits:
        return 0
    best = max(hits, key=lambda h: sum(1 for other in hits if h <= other < h + width - width // 4))
    return max(0, best - width // 4)
