"""outcomes.search: Italian stems, query rewriting and snippets, checked
against a real FTS5 index built with the database's own tokenizer."""

from __future__ import annotations

import itertools
import sqlite3

import pytest

from outcomes.common import search
from outcomes.store import FTS_TOKENIZER

ROWS = {
    1: ("I migranti e le città", "Le associazioni dei migranti nella città di Torino."),
    2: ("Facilitazione dei laboratori", "La facilitazione ha seguito il metodo del world café."),
    3: ("Cooperative sociali", "Le cooperative e la cooperazione decentrata con il Senegal."),
    4: ("Agenda 2030", "Gli obiettivi dell'Agenda 2030 nei comuni piemontesi."),
    5: ("Un migrante racconta", "La storia di un migrante arrivato a Cuneo; perché è partito."),
}


@pytest.fixture(scope="module")
def index():
    """FTS5 and fts5vocab tables shaped like the database's (store.py)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE docs (title TEXT, text TEXT)")
    conn.executemany("INSERT INTO docs (rowid, title, text) VALUES (?, ?, ?)", [(r, *t) for r, t in ROWS.items()])
    conn.execute(f"CREATE VIRTUAL TABLE fts USING fts5(title, text, content=docs, tokenize='{FTS_TOKENIZER}')")
    conn.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
    conn.execute("CREATE VIRTUAL TABLE fts_terms USING fts5vocab(fts, row)")
    conn.execute("CREATE TABLE search_terms (term TEXT PRIMARY KEY, stem TEXT NOT NULL, docs INTEGER NOT NULL)")
    conn.executemany("INSERT INTO search_terms VALUES (?, ?, ?)", search.vocabulary_rows(conn, ["fts_terms"]))
    yield conn
    conn.close()


def vocabulary(index) -> search.Vocabulary:
    return search.Vocabulary(index, "search_terms")


def query_for(index, query: str) -> str:
    return search.fts_query(query, vocabulary(index))


def found(index, query: str) -> list[int]:
    """Rowids matching what a person typed, best first."""
    sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank, rowid"
    return [rowid for (rowid,) in index.execute(sql, (query_for(index, query),))]


def plain_fts(index, query: str) -> list[int]:
    """What FTS5 alone finds for the query as one escaped phrase (Datasette's _search)."""
    phrase = '"' + query.replace('"', '""') + '"'
    return [rowid for (rowid,) in index.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid", (phrase,))]


def test_stems_fold_accents():
    assert [search.stem(word) for word in ("città", "migranti", "migrante", "facilitatori", "facilitazione")] == [
        "citt", "migrant", "migrant", "facilit", "facilit",
    ]


def test_vocabulary_rows_are_each_word_with_its_stem_and_texts():
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE a USING fts5(text, tokenize='{FTS_TOKENIZER}')")
    conn.execute(f"CREATE VIRTUAL TABLE b USING fts5(text, tokenize='{FTS_TOKENIZER}')")
    conn.executemany("INSERT INTO a VALUES (?)", [("Migranti e città",), ("migranti",)])
    conn.execute("INSERT INTO b VALUES ('il migrante')")
    for name in "ab":
        conn.execute(f"CREATE VIRTUAL TABLE {name}_terms USING fts5vocab({name}, row)")
    assert search.vocabulary_rows(conn, ["a_terms", "b_terms"]) == [
        ("citta", "citt", 1), ("e", "e", 1), ("il", "il", 1), ("migrante", "migrant", 1), ("migranti", "migrant", 2),
    ]


def test_forms_are_the_indexed_words_sharing_a_stem(index):
    assert search.forms("migranti", vocabulary(index)) == ["migranti", "migrante"]
    assert search.forms("facilitatori", vocabulary(index)) == ["facilitatori", "facilitazione"]
    assert search.forms("Città", vocabulary(index)) == ["Città"]  # "citta" is indexed: the same word
    assert search.forms("inesistente", vocabulary(index)) == ["inesistente"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("migrante", '("migrante" OR "migranti")'),
        ("Città", '"città"'),
        ("dell'Agenda 2030", '"agenda" AND "2030"'),
        ("l’impegno", '"impegno"'),
        ("coop*", '("cooperative" OR "cooperazione")'),  # the indexed words it begins
        ('"cooperazione decentrata"', '"cooperazione decentrata"'),
        ('"la città"', '"città"'),
        ("", '""'),
        ("   ", '""'),
        (None, '""'),
        ("di la e", '""'),
        ('NEAR(a b) title:x ^y -z "', '"near" AND "b" AND "title" AND "x" AND "y" AND "z"'),
    ],
)
def test_fts_query(index, query, expected):
    assert query_for(index, query) == expected


def test_without_an_index_a_query_is_the_words_as_typed():
    assert search.fts_query("migranti città") == '"migranti" AND "città"'


@pytest.mark.parametrize(
    "query, expected",
    [
        ("citta", [1]),  # accents folded
        ("città", [1]),
        ("migrante", [1, 5]),  # singular finds plural (the site puts the form as typed first)
        ("migranti", [1, 5]),
        ("facilitatori", [2]),  # facilitatori, facilitazione: one stem
        ("coop*", [3]),  # a prefix
        ("cooperazione", [3]),
        ("dell'Agenda", [4]),  # an elision, no error
        ('"cooperazione decentrata"', [3]),
        ('"decentrata cooperazione"', []),  # a phrase keeps its order
        ("perche", [5]),
        ("migranti Torino", [1]),  # every word must match
        ("", []),  # an empty query matches nothing, without an error
    ],
)
def test_queries_find_italian_word_forms(index, query, expected):
    assert found(index, query) == expected


def test_plain_fts_misses_what_stemming_finds(index):
    assert plain_fts(index, "migrante") == [5]
    assert plain_fts(index, "facilitatori") == []
    assert found(index, "facilitatori") == [2]


def test_no_typed_text_makes_fts5_fail(index):
    pieces = ['"', "*", "'", "(", ")", ":", "^", "-", "+", "AND", "OR", "NOT", "NEAR", "col:", "città", "{", "}", "\\"]
    for left, right in itertools.product(pieces, repeat=2):
        found(index, left + right)
        found(index, left + " " + right)


def test_highlight_marks_every_form_and_escapes_html():
    text = "Le associazioni dei **migranti** e <b>le città</b> & i [comuni](http://example.org) cooperano."
    assert search.highlight(text, "migrante citta coop*") == (
        "Le associazioni dei <mark>migranti</mark> e le <mark>città</mark> &amp; i comuni <mark>cooperano</mark>."
    )


def test_highlight_cuts_around_the_densest_part():
    text = " ".join(["parola"] * 40) + " i migranti e la migrazione dei migranti " + " ".join(["altro"] * 40)
    assert search.highlight(text, "migranti", width=12) == (
        "… parola parola i <mark>migranti</mark> e la migrazione dei <mark>migranti</mark> altro altro altro …"
    )


def test_highlight_without_a_match_shows_the_beginning():
    assert search.highlight("Uno due tre quattro.", "", width=3) == "Uno due tre …"
    assert search.highlight(None, "x") == ""


def test_highlight_keeps_the_punctuation_around_its_words():
    """What precedes the first word counts as cut text; what follows the
    last word is kept when no word follows it."""
    assert search.highlight("«Migranti», dice.", "migranti") == "… <mark>Migranti</mark>», dice."
    assert search.highlight("Migranti, e poi?!", "migranti", width=3) == "<mark>Migranti</mark>, e poi?!"
    assert search.highlight("Migranti, e poi?! Altro", "migranti", width=3) == "<mark>Migranti</mark>, e poi …"
    assert search.highlight("?! ...", "migranti") == "?!..."  # no word at all (plain joins the punctuation)


def test_plain_removes_markdown():
    markdown = "# Titolo\n\n- uno *due* __tre__ `quattro`\n> citazione, [link](http://x.org) snake_case"
    assert search.plain(markdown) == "Titolo uno due tre quattro citazione, link snake_case"
