"""The search page on the example build: vocabulary terms named by their
Italian or English label, and the filters (with their counts, in the URL,
as JSON and CSV), checked against the database itself."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse
from collections import Counter

import markupsafe
import pytest

from outcomes.common import search
from test_site import client, db  # noqa: F401 - the example build, served and read directly


def results(client, **params) -> list[dict]:
    return client.rows("/outcomes/cerca.json?" + urllib.parse.urlencode(params))


def outcome_ids(rows: list[dict]) -> set[str]:
    return {row["id"] for row in rows if row["tipo"] == "esito"}


def tagged(db, table: str, column: str, code) -> set[str]:
    return {row[0] for row in db.execute(f"select outcome_id from {table} where {column} = ?", [code])}


# --- Vocabulary terms by label ----------------------------------------------------------


def test_an_english_label_finds_the_outcomes_tagged_with_it(client, db):
    remittances = tagged(db, "outcome_themes", "theme_id", "remittances")
    assert len(remittances) >= 3
    found = results(client, q="remittances")
    # The notes are Italian: no text says "remittances", every tagged outcome is found.
    assert outcome_ids(found) == remittances
    assert {row["perche"] for row in found} == {"Tema: Rimesse (Remittances)"}
    # In English, the reasons and categories too (the columns keep their names).
    english = results(client, q="remittances", _lang="en")
    assert [row["id"] for row in english] == [row["id"] for row in found]
    assert {row["perche"] for row in english} == {"Theme: Remittances (Rimesse)"}
    labels = dict(db.execute("select label_it, label_en from outcome_types"))
    assert [row["categoria"] for row in english] == [labels[row["categoria"]] for row in found]


def test_the_italian_label_adds_tagged_outcomes_to_the_text_matches(client, db):
    text_only = {row["id"] for row in db.execute(
        "select outcomes.id from outcomes_fts join outcomes on outcomes.rowid = outcomes_fts.rowid "
        "where outcomes_fts match ?", ['"rimesse" OR "rimessa"']
    )}
    found = results(client, q="rimesse")
    ids = outcome_ids(found)
    assert ids >= text_only | tagged(db, "outcome_themes", "theme_id", "remittances")
    reasons = {row["id"]: row["perche"] for row in found}
    both = text_only & tagged(db, "outcome_themes", "theme_id", "remittances")
    assert both and all(reasons[id] == "testo; Tema: Rimesse (Remittances)" for id in both)
    # Outcomes with the words in their text come before those only tagged.
    kinds = ["testo" in row["perche"] for row in found if row["tipo"] == "esito"]
    assert kinds == sorted(kinds, reverse=True)


@pytest.mark.parametrize(
    "query, table, column, code, reason",
    [
        ("decent work", "outcome_themes", "theme_id", "decent_work", "Tema: Lavoro dignitoso (Decent work)"),
        ("decent work", "outcome_sdg_goals", "sdg_goal_id", 8, "Goal 8: Lavoro dignitoso e crescita economica (Decent work and economic growth)"),
        ("Lavoro dignitoso", "outcome_themes", "theme_id", "decent_work", "Tema: Lavoro dignitoso (Decent work)"),
        ("skills recognition", "outcome_gcm_objectives", "gcm_objective_id", 18, "Obiettivo GCM 18: "),
        ("local authorities", "outcome_actors", "actor_type_id", "local_authority", "Tipo di attore: Ente locale (Local authority)"),
        ("Senegal", "outcome_countries", "country_id", "SN", "Paese: Senegal (Senegal)"),
        ("Morocco", "outcome_countries", "country_id", "MA", "Paese: Marocco (Morocco)"),
        ("gender equality", "outcome_sdg_goals", "sdg_goal_id", 5, "Goal 5: Parità di genere (Gender equality)"),
    ],
)
def test_labels_of_every_kind_of_term(client, db, query, table, column, code, reason):
    expected = tagged(db, table, column, code)
    assert expected, (table, code)
    found = {row["id"]: row["perche"] for row in results(client, q=query) if row["tipo"] == "esito"}
    assert set(found) >= expected
    assert all(reason in found[id] for id in expected)


def test_one_common_word_does_not_name_long_labels(client):
    """"lavoro" is a word of goal 8's label and of many targets: it finds
    texts, not every outcome tagged with them."""
    for row in results(client, q="lavoro"):
        assert row["perche"] == "testo"


# --- Filters -----------------------------------------------------------------------------

# A value of each filter, and the outcomes holding it (SQL on the database).
FILTER_VALUES = {
    "tipo": ("recommendation", "select id from outcomes where type = ?"),
    "goal": ("10", "select outcome_id from outcome_sdg_goals where sdg_goal_id = ?"),
    "target": ("10.7", "select outcome_id from outcome_sdg_targets where sdg_target_id = ?"),
    "gcm": ("19", "select outcome_id from outcome_gcm_objectives where gcm_objective_id = ?"),
    "paese": ("SN", "select outcome_id from outcome_countries where country_id = ?"),
    "attore": ("diaspora_association", "select outcome_id from outcome_actors where actor_type_id = ?"),
    "tema": ("diaspora", "select outcome_id from outcome_themes where theme_id = ?"),
    "evento": (None, "select id from outcomes where event_id = ?"),
    "anno": ("2019", "select outcomes.id from outcomes join sessions on sessions.id = outcomes.session_id where sessions.date like ? || '-%'"),
    "stato": ("proposed", "select id from outcomes where current_status = ?"),
}


def holding(db, param: str) -> tuple[str, set[str]]:
    value, sql = FILTER_VALUES[param]
    value = value or db.execute("select id from events").fetchone()[0]
    return value, {row[0] for row in db.execute(sql, [value])}


def test_every_filter_is_tested():
    assert set(FILTER_VALUES) == set(search.FILTER_PARAMS)


@pytest.mark.parametrize("param", search.FILTER_PARAMS)
def test_a_filter_alone_lists_its_outcomes(client, db, param):
    value, expected = holding(db, param)
    assert 0 < len(expected) <= search.RESULTS
    found = results(client, **{param: value})
    assert [row["tipo"] for row in found] == ["esito"] * len(found)
    assert outcome_ids(found) == expected
    assert [row["id"] for row in found] == sorted(row["id"] for row in found)  # browsing: in order of id


@pytest.mark.parametrize("param", search.FILTER_PARAMS)
def test_a_filter_narrows_the_words(client, db, param):
    value, holders = holding(db, param)
    words = results(client, q="cooperazione")
    narrowed = results(client, q="cooperazione", **{param: value})
    assert narrowed, param
    assert outcome_ids(narrowed) == outcome_ids(words) & holders
    # The order of the words' results is kept.
    assert [row["id"] for row in narrowed if row["tipo"] == "esito"] == [
        row["id"] for row in words if row["id"] in outcome_ids(narrowed)
    ]
    sessions = {row["id"] for row in narrowed if row["tipo"] == "sessione"}
    if param in ("evento", "anno"):  # sessions have an event and a date, nothing else
        assert sessions and sessions <= {row["id"] for row in words if row["tipo"] == "sessione"}
    else:
        assert sessions == set()


def test_filters_combine(client, db):
    _, recommendations = holding(db, "tipo")
    _, senegal = holding(db, "paese")
    found = results(client, q="cooperazione", tipo="recommendation", paese="SN")
    assert outcome_ids(found) == outcome_ids(results(client, q="cooperazione")) & recommendations & senegal
    assert results(client, tipo="recommendation", paese="SN", stato="done") == []  # statuses are commitments'


def test_an_unknown_value_finds_nothing_without_an_error(client):
    for param in search.FILTER_PARAMS:
        assert results(client, q="cooperazione", **{param: "<script>'"}) == []


def facet_counts(page: str) -> dict[str, dict[str, int]]:
    """{param: {value: count}} from the filters beside the results."""
    counts = {}
    for param, block in re.findall(r'<details class="search-filter" id="filtro-(\w+)".*?<ul>(.*?)</ul>', page, re.S):
        counts[param] = {
            value: int(count)
            for value, count in re.findall(r'data-value="([^"]*)"[^>]*>[^<]*</a> <span class="count">(\d+)</span>', block)
        }
    return counts


def expected_counts(db, ids: set[str], sessions: set[str] = frozenset()) -> dict[str, dict[str, int]]:
    counts = {param: Counter() for param in search.FILTER_PARAMS}
    for row in db.execute("select id, event_id, substr(date, 1, 4) as year from sessions"):
        if row["id"] in sessions:  # a session found counts for its event and year
            counts["evento"][row["event_id"]] += 1
            counts["anno"][row["year"]] += 1
    for row in db.execute(
        "select outcomes.*, substr(sessions.date, 1, 4) as year from outcomes join sessions on sessions.id = outcomes.session_id"
    ):
        if row["id"] not in ids:
            continue
        counts["tipo"][row["type"]] += 1
        counts["evento"][row["event_id"]] += 1
        counts["anno"][row["year"]] += 1
        if row["current_status"]:
            counts["stato"][row["current_status"]] += 1
        for param, column in (("goal", "sdg_goals"), ("target", "sdg_targets"), ("gcm", "gcm_objectives"),
                              ("paese", "countries"), ("attore", "actors"), ("tema", "themes")):
            counts[param].update(str(code) for code in json.loads(row[column]))
    return {param: dict(counter.most_common(12)) for param, counter in counts.items() if counter}


def test_the_page_counts_each_filter_value(client, db):
    found = results(client, q="migranti")
    ids, sessions = outcome_ids(found), {row["id"] for row in found if row["tipo"] == "sessione"}
    assert 5 < len(found) < search.RESULTS and sessions  # all of them are in the JSON: the counts cover exactly these
    page = client.ok("/outcomes/cerca?q=migranti").text
    shown, expected = facet_counts(page), expected_counts(db, ids, sessions)
    assert set(shown) == set(expected)
    for param in expected:  # the 12 most frequent values (ties may differ in which make the cut)
        assert all(expected_value == shown[param].get(value, expected_value)
                   for value, expected_value in expected[param].items())
        assert sorted(shown[param].values(), reverse=True) == sorted(expected[param].values(), reverse=True)


def test_a_filter_link_leads_to_the_results_it_counts(client):
    page = client.ok("/outcomes/cerca?q=migranti").text
    links = re.findall(r'<li><a href="([^"]+)" data-value="([^"]*)">[^<]*</a> <span class="count">(\d+)</span>', page)
    assert len(links) > 20
    by_session = [link for link in links if re.search(r"[?;](evento|anno)=", link[0])]
    assert by_session
    for href, value, count in links[:: max(1, len(links) // 15)] + by_session:
        url = href.replace("&amp;", "&")
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        assert params["q"] == ["migranti"] and value in sum(params.values(), [])
        found = client.rows(url.replace("/cerca?", "/cerca.json?"))
        assert len(found) == int(count), url  # sessions too, for an event or a year
        # The page of that link shows the filter as chosen, with a way back.
        chosen = client.ok(url).text
        assert 'aria-current="true"' in chosen and 'href="/outcomes/cerca?q=migranti"' in chosen


def test_the_search_form_keeps_the_filters(client):
    page = client.ok("/outcomes/cerca?q=migranti&tipo=recommendation&paese=SN").text
    form = re.search(r'<form class="outcomes-search".*?</form>', page, re.S)[0]
    assert '<input type="hidden" name="tipo" value="recommendation">' in form
    assert '<input type="hidden" name="paese" value="SN">' in form
    assert '<a href="/outcomes/cerca?q=migranti">Togli tutti i filtri</a>' in page


@pytest.mark.parametrize(
    "params",
    ["q=migranti", "q=remittances&_lang=en", "tipo=commitment", "q=cooperazione&goal=17&anno=2019", "q=c*+d*"],
)
def test_the_page_shows_the_results_of_its_json(client, params):
    """The page runs its own query (results and counts at once) and makes
    the excerpts and reasons itself: it shows the canned query's results, in
    its order, with the same excerpts and reasons."""
    rows = client.rows(f"/outcomes/cerca.json?{params}")
    assert rows
    page = client.ok(f"/outcomes/cerca?{params}").text
    shown = re.findall(
        r'<li class="result result-(\w+)">.*?<a href="/outcomes/(?:outcomes|sessions)/([^"]+)">'
        r'.*?<p class="snippet"[^>]*>(.*?)</p>\s*(?:<p class="why">(?:Trovato per:|Found by:) (.*?)</p>)?\s*</li>',
        page, re.S,
    )
    text_only = {"testo", "text"}  # not said
    assert [
        (row["tipo"], row["id"], row["estratto"], "" if row["perche"] in text_only else str(markupsafe.escape(row["perche"])))
        for row in rows
    ] == [(*row[:3], re.sub(r"<span lang=\"(?:it|en)\">(.*?)</span>", r"\1", row[3])) for row in shown]
    if "remittances" in params:
        assert any("Remittances" in row["perche"] for row in rows)


@pytest.mark.parametrize(
    "params",
    ["q=cooperazione&tipo=recommendation&goal=17", "q=remittances&_lang=en", "tipo=commitment", "q=c*+d*", "q=decent+work"],
)
def test_json_and_csv_hold_the_same_results(client, params):
    """cerca.json is made by the plugin as the page is (no Python called
    from SQLite); cerca.csv is Datasette's, from the canned query's SQL and
    its SQL functions: the same rows, excerpts and reasons."""
    rows = client.rows(f"/outcomes/cerca.json?{params}")
    assert rows
    page = client.ok(f"/outcomes/cerca?{params}").text
    assert f'href="/outcomes/cerca.csv?{params.replace("&", "&amp;")}&amp;_size=max"' in page
    text = client.ok(f"/outcomes/cerca.csv?{params}&_size=max").text
    assert [list(row.values()) for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))] == [
        [str(value) for value in plain_row(row, "en" if "_lang=en" in params else "it").values()] for row in rows
    ]


def test_the_json_is_datasettes_query_json(client):
    """What a script reads of cerca.json is what Datasette's query view
    gives a canned query: its keys, the query and its parameters, every shape."""
    data = client.ok("/outcomes/cerca.json?q=migranti&tipo=recommendation").json()
    assert {key: data[key] for key in ("ok", "database", "query_name", "truncated", "columns", "error", "private")} == {
        "ok": True, "database": "outcomes", "query_name": "cerca", "truncated": False,
        "columns": list(search.RESULT_COLUMNS), "error": None, "private": False,
    }
    assert data["query"]["params"] == {"q": "migranti", "tipo": "recommendation", **dict.fromkeys(search.FILTER_PARAMS[1:], "")}
    assert data["query"]["sql"] == search.search_sql() and isinstance(data["query_ms"], float)
    assert set(data) >= {"allow_execute_sql", "license", "license_url", "source", "source_url"}
    rows = client.rows("/outcomes/cerca.json?q=migranti&tipo=recommendation")
    assert [dict(zip(data["columns"], row)) for row in data["rows"]] == rows
    objects = client.ok("/outcomes/cerca.json?q=migranti&tipo=recommendation&_shape=objects").json()["rows"]
    assert objects == rows
    lines = client.ok("/outcomes/cerca.json?q=migranti&tipo=recommendation&_shape=array&_nl=on").text.splitlines()
    assert [json.loads(line) for line in lines] == rows
    assert client.get("/outcomes/cerca.json?q=migranti&_shape=object").json() == {
        "ok": False, "error": "_shape=object is only available on tables",
    }


def plain_row(row: dict, lang: str = "it") -> dict:
    """A result of cerca.json as its CSV gives it: the excerpt as text."""
    kinds = {"it": {"esito": "esito", "sessione": "sessione"}, "en": {"esito": "outcome", "sessione": "session"}}[lang]
    excerpt = str(markupsafe.Markup(row["estratto"]).striptags()) if row["estratto"] else row["estratto"]
    return {**row, "tipo": kinds[row["tipo"]], "estratto": excerpt}


CSV_HEADERS = {
    "it": ["Esito o sessione", "Identificativo", "Titolo", "Tipo", "Contesto", "Estratto", "Trovato per"],
    "en": ["Outcome or session", "Id", "Title", "Type", "Context", "Excerpt", "Found by"],
}


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_search_csv_is_plain_text_in_the_readers_language(client, lang):
    """Followed from the page's CSV link: headers as the page names them,
    the excerpt without <mark> or entities, its own words translated."""
    page = client.ok(f"/outcomes/cerca?q=rimesse+diaspora&_lang={lang}").text
    link = re.search(r'<a href="(/outcomes/cerca\.csv\?[^"]+)">CSV</a>', page)[1].replace("&amp;", "&")
    text = client.ok(f"{link}&_lang={lang}").text.removeprefix("\ufeff")
    assert "<mark>" not in text and "&#" not in text and "&amp;" not in text
    header, *cells = list(csv.reader(io.StringIO(text)))
    assert header == CSV_HEADERS[lang]
    rows = client.rows(f"/outcomes/cerca.json?q=rimesse+diaspora&_lang={lang}")
    assert any("<mark>" in row["estratto"] for row in rows)
    assert cells == [[str(value) for value in plain_row(row, lang).values()] for row in rows]


# --- Several values of a filter: any of them; several filters: all (issue #26, defect 2) ------


def json_of(url: str) -> str:
    return url.replace("&amp;", "&").replace("/cerca?", "/cerca.json?")


@pytest.mark.parametrize("lang", ["it", "en"])
def test_values_of_one_filter_add_up_and_filters_narrow(client, db, lang):
    targets = {code: tagged(db, "outcome_sdg_targets", "sdg_target_id", code) for code in ("10.c", "10.7")}
    assert targets["10.c"] - targets["10.7"] and targets["10.7"] - targets["10.c"]
    words = outcome_ids(results(client, q="migranti"))
    either = words & (targets["10.c"] | targets["10.7"])
    # Given twice (as a form sends them) or joined: the outcomes of either target.
    twice = client.rows(f"/outcomes/cerca.json?q=migranti&target=10.c&target=10.7&_lang={lang}")
    assert outcome_ids(twice) == either and either > words & targets["10.c"]
    assert client.rows(f"/outcomes/cerca.json?q=migranti&target=10.c,10.7&_lang={lang}") == twice
    # And a second filter narrows them: every filter holds.
    senegal = tagged(db, "outcome_countries", "country_id", "SN")
    both = results(client, q="migranti", target="10.c,10.7", paese="SN", _lang=lang)
    assert outcome_ids(both) == either & senegal and both
    # Followed on the page: with 10.c chosen, 10.7 is still offered, counted
    # as the outcomes it adds to the words; its link keeps 10.c and adds it.
    page = client.ok(f"/outcomes/cerca?q=migranti&target=10.c&_lang={lang}").text
    offered = dict((value, (href, int(count))) for href, value, count in re.findall(
        r'<a href="([^"]+)" data-value="([^"]*)"[^>]*>[^<]*</a> <span class="count">(\d+)</span>',
        re.search(r'id="filtro-target".*?</ul>', page, re.S)[0]))
    assert offered["10.c"][1] == len(words & targets["10.c"]) and offered["10.7"][1] == len(words & targets["10.7"])
    href = offered["10.7"][0]
    assert outcome_ids(client.rows(json_of(href))) == either
    chosen = client.ok(href.replace("&amp;", "&")).text
    assert chosen.count('aria-current="true"') == 2
    assert [row["id"] for row in client.rows(json_of(href))] == re.findall(
        r'<li class="result result-\w+">.*?<a href="/outcomes/(?:outcomes|sessions)/([^"]+)">', chosen, re.S)
    # Removing one of the two leaves the other.
    again = dict((value, href) for href, value in re.findall(
        r'<a href="([^"]+)" data-value="([^"]*)" aria-current', re.search(r'id="filtro-target".*?</ul>', chosen, re.S)[0]))
    assert outcome_ids(client.rows(json_of(again["10.7"]))) == words & targets["10.c"]
    # The CSV of the two holds the same rows as the JSON.
    text = client.ok(f"/outcomes/cerca.csv?q=migranti&target=10.c&target=10.7&_lang={lang}").text
    assert [row[1] for row in csv.reader(io.StringIO(text.removeprefix("\ufeff")))][1:] == [row["id"] for row in twice]


# --- A label for each word (issue #26, defect 3) ---------------------------------------------


def text_matches(db, *words: str) -> set[str]:
    return {row[0] for row in db.execute(
        "select outcomes.id from outcomes_fts join outcomes on outcomes.rowid = outcomes_fts.rowid where outcomes_fts match ?",
        [" AND ".join(f'"{word}"*' for word in words)],
    )}


@pytest.mark.parametrize("query, lang", [("remittances diaspora", "en"), ("rimesse diaspora", "it"), ("diasporas remittance", "en")])
def test_each_word_may_name_a_label(client, db, query, lang):
    both = tagged(db, "outcome_themes", "theme_id", "remittances") & tagged(db, "outcome_themes", "theme_id", "diaspora")
    assert len(both) >= 2
    found = results(client, q=query, _lang=lang)
    ids = outcome_ids(found)
    assert ids >= both
    assert ids - both <= text_matches(db, "rimess", "diaspor")  # the others hold both words
    reasons = {"en": "Theme: Diasporas (Diaspore); Theme: Remittances (Rimesse)",
               "it": "Tema: Diaspore (Diasporas); Tema: Rimesse (Remittances)"}[lang]
    assert {row["perche"].removeprefix("testo; ") for row in found if row["id"] in both} == {reasons}
    # The page shows the same results, and none says no outcome holds every word.
    page = client.ok(f"/outcomes/cerca?{urllib.parse.urlencode({'q': query, '_lang': lang})}").text
    assert 'class="zero-results"' not in page
    assert re.findall(r'<a href="/outcomes/(?:outcomes|sessions)/([^"]+)">', page.split('class="search-results"')[1]) == [
        row["id"] for row in found]


@pytest.mark.parametrize("query, lang", [
    ("multilevel governance territorial partnerships", "en"),
    ("territorial partnerships governance multilevel", "en"),
    ("governance multilivello partenariati territoriali", "it"),
    ("diasporas territorial partnerships", "en"),
])  # fmt: skip
def test_labels_of_several_words_each_count(client, db, query, lang):
    """Two labels of two words each (scripts/check-research found 0 results:
    a word alone names no label of several words)."""
    first = "diaspora" if "diaspor" in query else "multilevel_governance"
    both = tagged(db, "outcome_themes", "theme_id", first) & tagged(db, "outcome_themes", "theme_id", "territorial_partnerships")
    assert len(both) >= 2
    assert outcome_ids(results(client, q=query, _lang=lang)) >= both


@pytest.mark.parametrize("lang, other, shown", [
    ("it", "en", 'Tema: Diaspore (<span lang="en">Diasporas</span>); Tema: Rimesse (<span lang="en">Remittances</span>)'),
    ("en", "it", 'Theme: Diasporas (<span lang="it">Diaspore</span>); Theme: Remittances (<span lang="it">Rimesse</span>)'),
])  # fmt: skip
def test_a_reasons_label_in_the_other_language_says_so(client, lang, other, shown):
    """WCAG 3.1.2 both ways: the English label on an Italian page is marked
    lang="en", the Italian one on an English page lang="it"; JSON keeps the
    plain text."""
    page = client.ok(f"/outcomes/cerca?{urllib.parse.urlencode({'q': 'rimesse diaspora', '_lang': lang})}").text
    assert shown in page
    plain = re.sub(r"<[^>]+>", "", shown)
    assert plain in {row["perche"].removeprefix("testo; ").removeprefix("text; ") for row in results(client, q="rimesse diaspora", _lang=lang)}


def test_a_word_naming_nothing_leaves_the_labels_of_the_others_out(client):
    assert results(client, q="remittances zanzibar", _lang="en") == []
