"""Citing: BibTeX and RIS of an outcome, a session and an event, downloaded
from the links beside their citation, parsed (BibTeX by bibtexparser, RIS
by its tag grammar) and checked field by field against the database; a
session whose titles hold every character LaTeX and RIS could misread; the
line on how to cite the dataset, from the CITATION.cff the build wrote."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import bibtexparser
import lxml.html
import pytest
import yaml

from conftest import EXAMPLE_EVENT, EXAMPLE_NOTES
from helpers import SESSION_YAML
from research_helpers import built_site, client, db, get  # noqa: F401  (fixtures on this module's library)
from test_site import SITE

EVENT = EXAMPLE_EVENT
TRICKY = "Città & diaspore: 100% {co-sviluppo} #1_a $x^2~ \\ «prova» \u201cvirgolette\u201d"
TRICKY_SESSION = f"{EVENT}--caratteri"
TRICKY_OUTCOME = f"{TRICKY_SESSION}--diaspore-coprogettazione"
# LaTeX as the BibTeX files write it -> the character it stands for (read back here, independently of the site's table).
LATEX = [("\\textbackslash{}", "\\"), ("\\textasciicircum{}", "^"), ("\\textasciitilde{}", "~"),
         *((f"\\{character}", character) for character in "{}$&%#_")]  # fmt: skip
# The RIS tags a record may hold (RIS format specification, Research Information Systems).
RIS_TAGS = {"TY", "AU", "TI", "T2", "PY", "DA", "PB", "M3", "N1", "UR", "Y2", "LA", "ER"}
RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  - (.*)$")
# bibtexparser 1.4 calls pyparsing by its older names.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """The example notes and one more session whose titles hold LaTeX's and RIS's special characters."""
    root = tmp_path_factory.mktemp("cite")
    notes = root / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    session = yaml.safe_load(SESSION_YAML)
    session["title"] = TRICKY
    session["outcomes"][0]["title"] = TRICKY + " su due righe"
    (notes / EVENT / "caratteri.yaml").write_text(yaml.safe_dump(session, allow_unicode=True, sort_keys=False), "utf-8")
    return built_site(notes, root / "build")


def downloads(client, page: str, lang: str = "it") -> dict[str, str]:
    """The BibTeX and RIS links of a page's citing block."""
    tree = lxml.html.fromstring(get(client, page, lang).text)
    [block] = tree.find_class("cite-downloads")
    assert block.getparent().get("class") == "cite"  # beside the citation
    return {a.text_content(): a.get("href") for a in block.iter("a")}


def bibtex_entry(text: str) -> dict:
    """The one entry of a BibTeX file as bibtexparser reads it (an entry it
    cannot parse is dropped, and the test fails), LaTeX read back."""
    entries = bibtexparser.loads(text).entries
    assert len(entries) == 1, text
    entry = entries[0]
    for name in ("author", "title"):  # braced twice: case and organisation kept
        assert entry[name].startswith("{") and entry[name].endswith("}"), entry[name]
        entry[name] = entry[name][1:-1]
    for name, value in entry.items():
        for latex, character in LATEX:
            value = value.replace(latex, character)
        entry[name] = value
    return entry


def balanced(text: str) -> bool:
    """Braces in a BibTeX file, escaped ones aside, balance and never go below zero."""
    depth = 0
    for character in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(character, 0)
        if depth < 0:
            return False
    return depth == 0


def ris_record(raw: bytes) -> list[tuple[str, str]]:
    """The tags of a RIS file, checked against its grammar: UTF-8, CRLF line
    ends, every line ``XX  - value``, TY first and ER last, once each."""
    text = raw.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    tags = []
    for line in lines:
        match = RIS_LINE.match(line)
        assert match, line
        tags.append((match.group(1), match.group(2)))
    assert tags[0][0] == "TY" and tags[-1] == ("ER", "") and [tag for tag, _ in tags].count("ER") == 1
    assert {tag for tag, _ in tags} <= RIS_TAGS
    return tags[:-1]


TODAY = dt.date.today()


@pytest.mark.parametrize("table", ["outcomes", "sessions", "events"])
def test_bibtex_and_ris_beside_the_citation(client, db, table):
    id = {"outcomes": TRICKY_OUTCOME, "sessions": TRICKY_SESSION, "events": EVENT}[table]
    page = f"/outcomes/{table}/{id}"
    links = downloads(client, page)
    assert links == {"BibTeX": f"{page}.bib", "RIS": f"{page}.ris"}
    if table == "outcomes":
        row = db.execute("select outcomes.title, sessions.date, outcome_types.label_it as kind, sessions.title as session, events.title as event,"
                         " events.city from outcomes join sessions on sessions.id = session_id join events on events.id = outcomes.event_id"
                         " join outcome_types on outcome_types.id = outcomes.type where outcomes.id = ?", (id,)).fetchone()  # fmt: skip
        note = f"Sessione «{row['session']}», {row['event']}, {row['city']}, 15 ottobre 2019."
    elif table == "sessions":
        row = db.execute("select sessions.title, sessions.date, session_kinds.label_it as kind, events.title as event, events.city"
                         " from sessions join events on events.id = event_id join session_kinds on session_kinds.id = kind where sessions.id = ?",
                         (id,)).fetchone()  # fmt: skip
        note = f"{row['event']}, {row['city']}, 15 ottobre 2019."
    else:
        row = db.execute("select title, start_date as date, 'Evento' as kind, title as event, venue, city from events where id = ?", (id,)).fetchone()
        note = f"{row['venue']}, {row['city']}, 15 ottobre 2019."
    title = " ".join(row["title"].split())
    url = f"{SITE}{page}"
    bib = client.ok(links["BibTeX"])
    assert bib.headers["content-type"] == "application/x-bibtex; charset=utf-8"
    assert bib.headers["content-disposition"] == f'attachment; filename="{id.rsplit("--", 1)[-1]}.bib"'
    assert balanced(bib.text)
    entry = bibtex_entry(bib.content.decode("utf-8"))
    assert entry == {
        "ENTRYTYPE": "misc", "ID": f"{table[:-1]}:{id}", "author": "Regione Piemonte", "title": title, "year": "2019",
        "date": "2019-10-15", "publisher": "Regione Piemonte", "type": row["kind"], "note": note, "url": url,
        "urldate": TODAY.isoformat(), "langid": "italian",
    }  # fmt: skip
    ris = client.ok(links["RIS"])
    assert ris.headers["content-type"] == "application/x-research-info-systems; charset=utf-8"
    expected = [("TY", "CONF" if table == "events" else "GEN"), ("AU", "Regione Piemonte"), ("TI", title)]
    expected += [("T2", row["event"])] if table != "events" else []
    expected += [("PY", "2019"), ("DA", "2019/10/15/"), ("PB", "Regione Piemonte"), ("M3", row["kind"]), ("N1", note), ("UR", url),
                 ("Y2", TODAY.strftime("%Y/%m/%d/")), ("LA", "it")]  # fmt: skip
    assert ris_record(ris.content) == expected


def test_the_tricky_title_survives_both_formats(client):
    bib = client.ok(f"/outcomes/outcomes/{TRICKY_OUTCOME}.bib").text
    # Every special character written as LaTeX reads it, the text on one line.
    assert r"Città \& diaspore: 100\% \{co-sviluppo\} \#1\_a \$x\textasciicircum{}2\textasciitilde{} \textbackslash{} «prova» “virgolette” su due righe" in bib
    assert bibtex_entry(bib)["title"] == TRICKY + " su due righe"
    [title] = [value for tag, value in ris_record(client.ok(f"/outcomes/outcomes/{TRICKY_OUTCOME}.ris").content) if tag == "TI"]
    assert title == TRICKY + " su due righe"


def test_session_and_event_citations_in_english(client, db):
    for table, id, expected in (
        ("sessions", f"{EVENT}--plenaria-mattina",
         "Regione Piemonte (2019). Plenaria di apertura – Cooperazione decentrata e migrazione per lavoro in Piemonte [Plenary]. "
         "Sguardi e prospettive della cooperazione decentrata e la migrazione per lavoro, Torino, 15 October 2019. "
         f"{SITE}/outcomes/sessions/{EVENT}--plenaria-mattina (accessed {TODAY.day} {TODAY:%B} {TODAY.year})."),
        ("events", EVENT,
         "Regione Piemonte (2019). Sguardi e prospettive della cooperazione decentrata e la migrazione per lavoro [Event]. "
         f"Centro Congressi Torino Incontra, Torino, 15 October 2019. {SITE}/outcomes/events/{EVENT} (accessed {TODAY.day} {TODAY:%B} {TODAY.year})."),
    ):  # fmt: skip
        tree = lxml.html.fromstring(get(client, f"/outcomes/{table}/{id}", "en").text)
        [block] = tree.find_class("cite")
        assert block.findtext("h2") == {"sessions": "How to cite this session", "events": "How to cite this event"}[table]
        assert block.find_class("citation")[0].text_content() == expected
        assert block.find_class("cite-downloads")[0].text_content() == "For a reference manager: BibTeX · RIS (Zotero, Mendeley, EndNote)."
        entry = bibtex_entry(get(client, f"/outcomes/{table}/{id}.bib", "en").text)
        assert entry["type"] == {"sessions": "Plenary", "events": "Event"}[table] and "15 October 2019" in entry["note"]


def test_unknown_ids_have_no_citation(client):
    for path in ("/outcomes/outcomes/nessuno.bib", "/outcomes/sessions/nessuna.ris", "/outcomes/events/nessuno.bib"):
        response = client.get(path)
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/plain")
