"""Italian-aware full-text search on top of SQLite FTS5.

FTS5's ``unicode61`` tokenizer folds accents but knows nothing of Italian
morphology, and SQLite cannot load a Python tokenizer. So each searchable row
also stores its words reduced to Snowball Italian stems (``migranti`` and
``migrante`` -> ``migrant``) in a ``stems`` column, and queries are rewritten
the same way: a word matches itself as typed *or* its stem.

This module depends only on ``snowballstemmer`` (which uses PyStemmer's C
code when installed), so the Datasette plugin that exposes it can be copied
next to a published database and run without the rest of the package.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_stemmer = snowballstemmer.stemmer("italian")
_WORD = re.compile(r"[^\W_]+")
_QUERY_WORD = re.compile(r"[^\W_]+\*?")

# Articles, prepositions and their elided forms: they carry no meaning of their
# own and "dell'Agenda" should search for "Agenda".
STOPWORDS = frozenset(
    """a ad al all alla alle allo agli ai c ci col coi con d da dal dall dalla dalle
    dallo dagli dai de degli dei del dell della delle dello di e ed gli i il in l
    la le lo ne negli nei nel nell nella nelle nello o per su sul sull sulla sulle
    sullo sugli sui tra fra un una uno un' quest quell nient s""".split()
)


def fold(text: str) -> str:
    """Lowercase without accents, as FTS5's ``remove_diacritics`` sees words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return fold(_stemmer.stemWord(word))


def stems(*texts: str | None) -> str:
    """The stems of every meaningful word of ``texts``, space separated."""
    tokens = [word for text in texts if text for word in words(text) if word not in STOPWORDS]
    return " ".join(map(stem, tokens))


def fts_query(query: str | None) -> str:
    """An FTS5 query for what a person typed in a search box.

    Every word must match (AND), either as typed (accents folded by FTS5) or
    by its Italian stem; ``coop*`` is a prefix search. Punctuation and FTS5
    syntax are never passed through, so no input can make the query fail. An
    empty query gives one that matches nothing.
    """
    clauses = []
    for token in _QUERY_WORD.findall((query or "").lower()):
        word = token.rstrip("*")
        if token.endswith("*"):
            clauses.append(f'"{word}"*')
        elif word not in STOPWORDS:
            clauses.append(f'("{word}" OR stems:"{stem(word)}")')
    if not clauses:
        return 'stems:"\u2400"'  # a token no text contains: no rows, no error
    return " AND ".join(clauses)


def highlight(text: str | None, query: str | None, width: int = 32) -> str:
    """An HTML-escaped excerpt of ``text`` around the words ``query`` matched,
    each wrapped in ``<mark>``: the same matching rules as ``fts_query``."""
    if not text:
        return ""
    exact, stemmed, prefixes = set(), set(), []
    for token in _QUERY_WORD.findall((query or "").lower()):
        word = token.rstrip("*")
        if token.endswith("*"):
            prefixes.append(fold(word))
        elif word not in STOPWORDS:
            exact.add(fold(word))
            stemmed.add(stem(word))
    spans = list(_WORD.finditer(text))

    def matches(word: str) -> bool:
        folded = fold(word)
        return folded in exact or stem(word.lower()) in stemmed or any(folded.startswith(p) for p in prefixes)

    hits = [i for i, span in enumerate(spans) if matches(span.group())]
    first = max(0, hits[0] - width // 4) if hits else 0
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
    excerpt = "".join(pieces)
    return ("… " if start > 0 else "") + excerpt + (" …" if end < len(text) else "")
