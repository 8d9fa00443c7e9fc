"""The proceedings: what the Word document holds, and what it never holds.

Most tests read a document written from ``tests/fixtures/proceedings``, an
event made for them (Markdown, pasted control characters, Arabic and emoji
in names, internal records, people's names); the LibreOffice tests convert
the example event's document to PDF and read it back.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from babel.dates import format_date
from lxml import etree

from conftest import EXAMPLE_EVENT, EXAMPLE_NOTES, FIXTURES, need_program
from outcomes import load, proceedings, vocab
from outcomes.load import Problem

NOTES = FIXTURES / "proceedings"
EVENT = "atti-prova"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W, "r": R, "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"}
ARABIC = "جمعية المغاربة في بيدمونت"


def load_notes(folder: Path):
    problems = load.Problems()
    event = load.load_event(folder, problems)
    sessions = list(event.sessions(problems))
    assert not problems.errors, [p.format() for p in problems.errors]
    return event, sessions


def write_proceedings(event: load.EventNote, sessions: list[load.SessionNote], path: Path, **options) -> load.Problems:
    """``proceedings.write`` given what a build gives it: the event's
    follow-up and the events it follows, read by ``outcomes.load``."""
    followup = load.event_followup(event, sessions, load.Problems())
    return proceedings.write(event, sessions, path, followup=followup, earlier=load.followed_events(event), **options)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    """The fixture event's proceedings: public, internal, in English; with warnings."""
    folder = tmp_path_factory.mktemp("proceedings")
    event, sessions = load_notes(NOTES / EVENT)
    paths = {}
    for name, options in {"public": {}, "internal": {"internal": True}, "english": {"lang": "en"}}.items():
        paths[name] = folder / f"{name}.docx"
        paths[f"{name}-warnings"] = write_proceedings(event, sessions, paths[name], **options)
    return paths


def part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(name))


def package_text(path: Path) -> str:
    """Every XML part of the package (all but the chart's PNG), as text."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist() if not name.endswith(".png"))


def text_of(element) -> str:
    """A paragraph's text as a reader sees it: tabs and line breaks included."""
    pieces = []
    for node in element.iter(f"{{{W}}}t", f"{{{W}}}tab", f"{{{W}}}br"):
        pieces.append(node.text or "" if node.tag == f"{{{W}}}t" else "\t" if node.tag == f"{{{W}}}tab" else "\n")
    return "".join(pieces)


def style_of(p) -> str:
    return p.xpath("string(w:pPr/w:pStyle/@w:val)", namespaces=NS)


def paragraphs(path: Path, style: str | None = None) -> list:
    """The body's paragraphs (in table cells too), in document order; those in ``style``."""
    found = part(path, "word/document.xml").find("w:body", NS).iter(f"{{{W}}}p")
    return [p for p in found if style is None or style_of(p) == style]


def texts(path: Path, style: str) -> list[str]:
    return [text_of(p) for p in paragraphs(path, style)]


def section(path: Path, chapter: str, start: str, end: str) -> list:
    """The paragraphs of ``chapter`` between its headings ``start`` and ``end``."""
    body = paragraphs(path)
    first = next(i for i, p in enumerate(body) if style_of(p) == "Heading1" and text_of(p) == chapter)
    headings = [i for i, p in enumerate(body) if i > first and style_of(p) == "Heading2" and text_of(p) in (start, end)]
    return body[headings[0] + 1 : headings[1]]


def runs(p) -> list[tuple[str, bool, bool]]:
    """(text, bold, italic) of each run with text."""
    return [
        (text_of(r), r.find("w:rPr/w:b", NS) is not None, r.find("w:rPr/w:i", NS) is not None)
        for r in p.iter(f"{{{W}}}r")
        if r.find("w:t", NS) is not None
    ]


def numbering(p) -> tuple[str, str] | None:
    num = p.find("w:pPr/w:numPr", NS)
    return None if num is None else (num.find("w:numId", NS).get(f"{{{W}}}val"), num.find("w:ilvl", NS).get(f"{{{W}}}val"))


def table_rows(table) -> list[list[str]]:
    return [[text_of(cell) for cell in row.findall("w:tc", NS)] for row in table.findall("w:tr", NS)]


def tables(path: Path) -> list:
    return part(path, "word/document.xml").findall(".//w:tbl", NS)


# --- Structure and accessibility --------------------------------------------------


def test_chapters_are_real_headings_in_programme_order(written):
    document = docx.Document(written["public"])
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert [text for style, text in headings if style == "Heading 1"] == [
        "Presentazione",
        "Programma",
        "1\u2002Plenaria di apertura",
        "2\u2002Diaspore e cosviluppo",
        "Impegni",
        "Partecipanti",
        "Indice analitico",
    ]
    # Outcomes are grouped by type under Heading 2 and numbered chapter.outcome under Heading 3.
    assert [text for style, text in headings if style == "Heading 3" and "\u2002" in text] == [
        "1.1\u2002Convocare il tavolo regionale",
        "2.1\u2002Coinvolgere le diaspore fin dalla progettazione",
        "2.2\u2002Aprire uno sportello sulle rimesse",
    ]
    assert [text for style, text in headings if style == "Heading 2"][:6] == [
        "Giovedì 4 marzo 2021", "Venerdì 5 marzo 2021", "Sintesi", "Impegni", "Sintesi", "Dal dibattito",
    ]
    assert document.paragraphs[0].style.name == "Title Page Organisers"
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == ["Atti di prova"]


@pytest.mark.parametrize("variant, tag", [("public", "it-IT"), ("english", "en-GB")])
def test_document_language(written, variant, tag):
    path = written[variant]
    styles = part(path, "word/styles.xml")
    assert styles.xpath("string(w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val)", namespaces=NS) == tag
    settings = part(path, "word/settings.xml")
    assert settings.xpath("string(w:themeFontLang/@w:val)", namespaces=NS) == tag
    assert docx.Document(path).core_properties.language == tag


def test_contents_link_every_chapter_with_its_page_number(written):
    path = written["public"]
    assert texts(path, "TOCHeading") == ["Indice"]
    entries = paragraphs(path, "TOC1")
    assert [text_of(p) for p in entries] == [
        "Presentazione\t",
        "Programma\t",
        "1\tPlenaria di apertura\t",
        "2\tDiaspore e cosviluppo\t",
        "Impegni\t",
        "Partecipanti\t",
        "Indice analitico\t",
    ]
    headings = {
        p.xpath("string(w:bookmarkStart/@w:name)", namespaces=NS): text_of(p)
        for p in paragraphs(path, "Heading1")
    }
    for entry in entries:
        anchor = entry.xpath("string(w:hyperlink/@w:anchor)", namespaces=NS)
        assert anchor in headings
        # The page number: a PAGEREF field to the same heading, filled in at layout.
        assert entry.xpath("string(w:hyperlink/w:fldSimple/@w:instr)", namespaces=NS) == f" PAGEREF {anchor} \\h "
    # Until LibreOffice has computed the page numbers (add_pdfs), Word is
    # asked to fill the fields in when the document opens.
    settings = part(path, "word/settings.xml")
    assert settings.xpath("string(w:updateFields/@w:val)", namespaces=NS) == "true"


def test_page_numbers_and_running_header(written):
    path = written["public"]
    footer = part(path, "word/footer1.xml")
    assert text_of(footer) == "Pagina 1 di 1"
    assert [f.get(f"{{{W}}}instr") for f in footer.iter(f"{{{W}}}fldSimple")] == [" PAGE ", " NUMPAGES "]
    assert text_of(part(path, "word/header1.xml")) == "Atti di prova\tAtti del convegno"
    # The title page has neither: its own (empty) first-page header and footer.
    section = docx.Document(path).sections[0]
    assert section.different_first_page_header_footer
    assert (section.page_width, section.page_height) == (11906 * 635, 16838 * 635)  # A4, in EMU


def test_every_table_repeats_its_header_row_and_has_alt_text(written):
    found = tables(written["public"])
    assert len(found) == 5  # the programme's two days, the commitments, the participants, by session
    for table in found:
        rows = table.findall("w:tr", NS)
        assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
        assert all(row.find("w:trPr/w:tblHeader", NS) is None for row in rows[1:])
        properties = table.find("w:tblPr", NS)
        assert properties[-2].tag == f"{{{W}}}tblCaption" and properties[-2].get(f"{{{W}}}val")
        assert properties[-1].tag == f"{{{W}}}tblDescription" and properties[-1].get(f"{{{W}}}val")


def test_chart_has_alt_text_and_a_reproducible_png(written):
    path = written["public"]
    doc_pr = part(path, "word/document.xml").find(".//wp:docPr", NS)
    assert doc_pr.get("descr") == (
        "Grafico a barre orizzontali dei partecipanti per tipo di attore. "  # most present first
        "Organizzazione della società civile: 20 (iscritti 0); Ente locale: 12 (iscritti 30); Regione: 8 (iscritti 0); "
        "Associazione della diaspora: 5 (iscritti 12)."
    )
    assert doc_pr.get("name") == "Figura 1 – Partecipanti per tipo di attore"
    with zipfile.ZipFile(path) as archive:
        png = archive.read("word/media/image1.png")
    assert png.startswith(b"\x89PNG") and b"matplotlib" not in png and b"Software" not in png


# --- Content ---------------------------------------------------------------------


def test_session_chapter_shows_roles_and_organisations(written):
    details = texts(written["public"], "Details")
    assert details[-2:] == [
        "Sessione plenaria · giovedì 4 marzo 2021, 09:30–12:30\n"
        "Partecipanti (28): Organizzazione della società civile 20 · Regione 8\n"
        "Interventi",
        "Laboratorio · venerdì 5 marzo 2021, 14:30–17:00 · Sala Viglione\n"
        f"Facilitazione: {ARABIC} (facilitatrice); Coordinamento Comuni per la Pace 🕊️ (co-facilitatore)\n"
        "Partecipanti (17): Ente locale 12 · Associazione della diaspora 5",
    ]
    assert texts(written["public"], "ListParagraph")[0] == "Regione Piemonte (assessora): Perché cooperazione e migrazione"


def test_outcome_details_give_targets_with_goal_titles(written):
    assert texts(written["public"], "OutcomeDetails") == [
        "Chi: Regione Piemonte\nEntro: 30 giugno 2021\nSDG: 10 Ridurre le disuguaglianze (10.7)\nPaesi: Marocco",
        "SDG: 10 Ridurre le disuguaglianze (10.7); 17 Partnership per gli obiettivi (17.17)\n"
        f"Global Compact: 19. {vocab.gcm_objectives().label('19')}\n"
        "Paesi: Senegal, Marocco\n"
        "Attori: Associazione della diaspora, Ente locale\n"
        "Temi: Diaspore",
        "Chi: Comune di Torino\nEntro: 31 dicembre 2021\nStato: Concordato\n"
        "SDG: 10 Ridurre le disuguaglianze (10.c)\nPaesi: Senegal\nAttori: Ente locale\nTemi: Rimesse\n"
        "Parole chiave: sportello, rimesse collettive",
    ]


def test_commitments_table(written):
    commitments = tables(written["public"])[2]
    assert table_rows(commitments) == [
        ["N.", "Chi", "Che cosa", "Entro", "Stato"],
        ["1.1", "Regione Piemonte", "Convocare il tavolo regionale", "30 giu 2021", ""],
        ["2.2", "Comune di Torino", "Aprire uno sportello sulle rimesse", "31 dic 2021", "Concordato"],
    ]
    # The number links to the outcome.
    assert commitments.xpath("string(w:tr[2]/w:tc[1]//w:hyperlink/@w:anchor)", namespaces=NS) == "_Ref_1_1"


def test_participants_table_with_registrations(written):
    assert table_rows(tables(written["public"])[3]) == [
        ["Tipo di attore", "Presenze nelle sessioni", "Iscritti"],  # most present first
        ["Organizzazione della società civile", "20", "0"],
        ["Ente locale", "12", "30"],
        ["Regione", "8", "0"],
        ["Associazione della diaspora", "5", "12"],
        ["Non classificati", "", "2"],
        ["Totale", "45", "44"],
    ]


def test_registered_and_present_by_session(written):
    # The plenary was not in the form's list of sessions; the internal
    # meeting's registrations are only in the internal edition.
    public = tables(written["public"])[4]
    assert table_rows(public) == [
        ["N.", "Sessione", "Presenti", "Iscritti"],
        ["1", "Plenaria di apertura", "28", "–"],
        ["2", "Diaspore e cosviluppo", "17", "16"],
    ]
    assert public.xpath("string(w:tr[3]/w:tc[1]//w:hyperlink/@w:anchor)", namespaces=NS) == "_Toc_s2"
    assert table_rows(tables(written["internal"])[-1])[1:] == [
        ["1", "Plenaria di apertura", "28", "–"],
        ["2", "Riunione riservata", "–", "3"],
        ["3", "Diaspore e cosviluppo", "17", "16"],
    ]
    assert table_rows(tables(written["english"])[4])[0] == ["No.", "Session", "Present", "Registered"]


def test_index_by_target_objective_country_theme_actor_and_keyword(written):
    """A reader looking up "rimesse" finds it (a theme, a keyword); targets by
    a short title, their codes being the official ones."""
    path = written["public"]
    assert [text_of(p) for p in paragraphs(path, "Heading2")][-6:] == [
        "Obiettivi e target di sviluppo sostenibile (SDG)", "Obiettivi del Global Compact per le migrazioni", "Paesi",
        "Temi", "Tipi di attore", "Parole chiave",
    ]
    assert texts(path, "IndexEntry") == [
        "10.7 Rendere più disciplinate, sicure, regolari e responsabili la… — 1.1 (p.\u00a0), 2.1 (p.\u00a0)",
        "10.c Entro il 2030, ridurre a meno del 3% i costi di transazione delle… — 2.2 (p.\u00a0)",
        "17.17 Incoraggiare e promuovere partnership efficaci nel settore pubblico… — 2.1 (p.\u00a0)",
        f"19 {vocab.gcm_objectives().label('19')} — 2.1 (p.\u00a0)",
        "Marocco — 1.1 (p.\u00a0), 2.1 (p.\u00a0)",
        "Senegal — 2.1 (p.\u00a0), 2.2 (p.\u00a0)",
        "Diaspore — 2.1 (p.\u00a0)",
        "Rimesse — 2.2 (p.\u00a0)",
        "Associazione della diaspora — 2.1 (p.\u00a0)",
        "Ente locale — 2.1 (p.\u00a0), 2.2 (p.\u00a0)",
        "rimesse collettive — 2.2 (p.\u00a0)",
        "sportello — 2.2 (p.\u00a0)",
    ]
    senegal = paragraphs(path, "IndexEntry")[5]
    assert senegal.xpath("w:hyperlink/@w:anchor", namespaces=NS) == ["_Ref_2_1", "_Ref_2_2"]
    assert [f.get(f"{{{W}}}instr") for f in senegal.iter(f"{{{W}}}fldSimple")] == [
        " PAGEREF _Ref_2_1 \\h ", " PAGEREF _Ref_2_2 \\h ",
    ]
    bookmarks = set(part(path, "word/document.xml").xpath("//w:bookmarkStart/@w:name", namespaces=NS))
    assert {"_Ref_1_1", "_Ref_2_1", "_Ref_2_2"} <= bookmarks


def test_english_edition(written):
    path = written["english"]
    document = docx.Document(path)
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"][-3:] == ["Commitments", "Participants", "Index"]
    assert texts(path, "TOCHeading") == ["Contents"]
    assert table_rows(tables(path)[2])[1] == ["1.1", "Regione Piemonte", "Convocare il tavolo regionale", "30 Jun 2021", ""]
    assert text_of(part(path, "word/footer1.xml")) == "Page 1 of 1"


# --- Markdown ----------------------------------------------------------------------


def test_markdown_becomes_word_formatting(written):
    path = written["public"]
    summary = section(path, "2\u2002Diaspore e cosviluppo", "Sintesi", "Dal dibattito")
    first = summary[0]
    assert runs(first) == [
        ("Il gruppo ha discusso di ", False, False),
        ("rimesse", True, False),
        (" e di ", False, False),
        ("co-sviluppo", False, True),
        (", con un riferimento al", False, False),
        (" ", False, False),
        ("Global Compact", False, False),
        (".", False, False),
        (" ", False, False),
        ("Riga a capo dura", False, False),
        ("dopo la barra.", False, False),
    ]
    assert text_of(first).endswith("Riga a capo dura\ndopo la barra.")  # a hard break
    link = first.find("w:hyperlink", NS)
    assert link.xpath("string(w:r/w:rPr/w:rStyle/@w:val)", namespaces=NS) == "Hyperlink"
    relationship = docx.Document(path).part.rels[link.get(f"{{{R}}}id")]
    assert relationship.is_external
    assert relationship.target_ref == "https://www.un.org/en/migration2022/global-compact-for-migration"


def test_markdown_lists_nest_and_restart(written):
    path = written["public"]
    summary = section(path, "2\u2002Diaspore e cosviluppo", "Sintesi", "Dal dibattito")[1:]
    items = [(text_of(p), numbering(p)) for p in summary]
    bullets, first, second = items[0][1][0], items[3][1][0], items[6][1][0]
    assert items == [
        ("primo punto", (bullets, "0")),
        ("secondo punto", (bullets, "0")),
        ("punto annidato", (bullets, "1")),
        ("terzo", (first, "0")),
        ("quarto", (first, "0")),
        ("Poi una seconda lista numerata:", None),
        ("uno", (second, "0")),
        ("due", (second, "0")),
    ]
    assert len({bullets, first, second}) == 3
    numbering_part = part(path, "word/numbering.xml")

    def start(num_id):
        return numbering_part.xpath(f"string(w:num[@w:numId='{num_id}']/w:lvlOverride/w:startOverride/@w:val)", namespaces=NS)

    assert (start(first), start(second)) == ("3", "1")


# --- Hostile text ------------------------------------------------------------------


def test_control_characters_are_removed_with_a_warning(written):
    note = NOTES / EVENT / "laboratorio-diaspore.yaml"
    warnings = written["public-warnings"]
    assert [(p.path, p.line, p.column, p.field, p.kind, p.severity) for p in warnings] == [
        (str(note), 40, 12, "outcomes[0].title", "control_characters", "warning"),
        (str(note), 41, 11, "outcomes[0].text", "control_characters", "warning"),
    ]
    assert warnings[1].format() == (
        f"{note}:41:11: warning: outcomes[0].text: testo: caratteri di controllo (U+0007, U+000B), "
        "di solito incollati da un altro programma, tolti dagli atti: correggi la nota"
    )
    path = written["public"]
    # Word's pasted soft break (U+000B) becomes a line break in a text, a space in a title.
    assert "2.1\u2002Coinvolgere le diaspore fin dalla progettazione" in texts(path, "Heading3")
    assert "Testo incollatocon un campanello e\nun a capo di Word." in texts(path, "BodyText")
    assert not any(char in package_text(path) for char in "\x07\x0b")


def test_control_characters_in_models_built_in_code(tmp_path):
    """A note that never was a file (built in code): the warning points at 1:1."""
    event, sessions = load_notes(NOTES / EVENT)
    plenary = next(note for note in sessions if note.id == "plenaria-apertura")
    session = plenary.session.model_copy(update={"summary": "Sintesi\x00 con un NUL"})
    note = load.SessionNote("altra", EVENT, tmp_path / "altra.yaml", session)
    warnings = write_proceedings(event, [note], tmp_path / "atti.docx")
    assert warnings == [Problem(str(tmp_path / "altra.yaml"), 1, 1, "summary", "control_characters", severity="warning")]
    assert "Sintesi con un NUL" in texts(tmp_path / "atti.docx", "BodyText")


def test_arabic_and_emoji_are_kept(written):
    text = part(written["public"], "word/document.xml")
    words = "".join(text.itertext())
    assert ARABIC in words
    assert "Coordinamento Comuni per la Pace 🕊️" in words


# --- Privacy -------------------------------------------------------------------------

INTERNAL_TEXTS = ["Esito riservato da non pubblicare", "Riunione riservata", "Decisione della riunione riservata"]


def test_internal_records_only_in_the_internal_edition(written):
    public, internal = package_text(written["public"]), package_text(written["internal"])
    for text in INTERNAL_TEXTS:
        assert text not in public
        assert text in internal
    assert "USO INTERNO" not in public
    assert text_of(part(written["internal"], "word/header1.xml")) == (
        "Atti di prova\tUSO INTERNO: contiene sessioni ed esiti riservati, non diffondere"
    )
    # The internal session comes in programme order; internal records say they are.
    assert [p.text for p in docx.Document(written["internal"]).paragraphs if p.style.name == "Heading 1"][2:5] == [
        "1\u2002Plenaria di apertura", "2\u2002Riunione riservata", "3\u2002Diaspore e cosviluppo",
    ]
    assert "Interno, non pubblicato" in texts(written["internal"], "OutcomeDetails")


def person_names(folder: Path) -> set[str]:
    _, sessions = load_notes(folder)
    return {
        person.name
        for note in sessions
        for person in [*note.session.facilitators, *note.session.speakers]
        if person.name
    }


@pytest.mark.parametrize("variant", ["public", "internal", "english"])
def test_no_person_name_anywhere_in_the_package(written, variant):
    names = person_names(NOTES / EVENT)
    assert names == {"Nome Segreto Facilitatrice", "Nome Segreto Cofacilitatore", "Nome Segreto Relatore"}
    text = package_text(written[variant])
    assert [name for name in names if name in text] == []


def test_example_proceedings_hold_no_name_and_no_internal_outcome(built):
    path = built / "proceedings" / f"{EXAMPLE_EVENT}.docx"
    text = package_text(path)
    names = person_names(EXAMPLE_NOTES / EXAMPLE_EVENT)
    assert names and [name for name in names if name in text] == []
    _, sessions = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)
    internal = [o.title for note in sessions for o in note.session.outcomes if not o.public]
    assert internal and [title for title in internal if title in text] == []


# --- The package ---------------------------------------------------------------------


def test_same_notes_same_bytes(tmp_path):
    event, sessions = load_notes(NOTES / EVENT)
    first, second = tmp_path / "a" / "atti.docx", tmp_path / "b" / "atti.docx"
    write_proceedings(event, sessions, first)
    write_proceedings(event, sessions, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2021, 3, 4, 9, 0, 0)}
        assert "docProps/thumbnail.jpeg" not in archive.namelist()
    assert list(tmp_path.rglob(".*")) == []  # no temporary file left behind


def test_core_properties_come_from_the_event(written):
    properties = docx.Document(written["public"]).core_properties
    assert (properties.title, properties.author, properties.subject, properties.comments) == (
        "Atti di prova", "Regione Piemonte", "Atti del convegno", "Un evento per i test degli atti",
    )
    assert properties.created == properties.modified == dt.datetime(2021, 3, 4, 9, 0, tzinfo=dt.UTC)
    assert "python-docx" not in package_text(written["public"])


# --- Command line and build --------------------------------------------------------------


def test_cli_writes_the_proceedings(run, tmp_path):
    result = run("proceedings", EVENT, "--notes", NOTES, "--out", tmp_path, "--no-pdf")
    assert result.exit_code == 0
    path = tmp_path / "proceedings" / f"{EVENT}.docx"
    assert result.stdout == f"Atti scritti in {path}: 2 sessioni, 3 esiti.\n"
    assert result.stderr.count(": warning: ") == 2
    assert docx.Document(path).core_properties.title == "Atti di prova"


def test_cli_internal_edition_says_so_in_its_name(run, tmp_path):
    result = run("proceedings", EVENT, "--notes", NOTES, "--out", tmp_path, "--internal", "--lang", "en", "--no-pdf")
    assert result.exit_code == 0
    path = tmp_path / "proceedings" / f"{EVENT}-interno.en.docx"
    assert result.stdout == f"Proceedings written to {path}: 3 sessions, 5 outcomes, internal ones included.\n"
    assert [p.name for p in (tmp_path / "proceedings").iterdir()] == [path.name]


def test_cli_output_file(run, tmp_path):
    result = run("proceedings", EVENT, "--notes", NOTES, "-o", tmp_path / "atti.docx", "--internal", "--no-pdf")
    assert result.exit_code == 0
    assert "Riunione riservata" in package_text(tmp_path / "atti.docx")


def test_cli_refuses_invalid_notes_and_writes_nothing(run, tmp_path):
    notes = tmp_path / "notes"
    shutil.copytree(NOTES, notes)
    note = notes / EVENT / "plenaria-apertura.yaml"
    note.write_text(note.read_text().replace('sdg_targets: ["10.7"]', 'sdg_targets: ["7.4"]'))
    result = run("proceedings", EVENT, "--notes", notes, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{note}:20:19: error: outcomes[0].sdg_targets[0]: «7.4» non è un target SDG")
    assert result.stderr.endswith("1 errore nelle note.\n")
    assert not (tmp_path / "out").exists()


def test_cli_unknown_event(run, tmp_path):
    result = run("proceedings", "non-esiste", "--notes", NOTES, "--out", tmp_path)
    assert result.exit_code == 1
    assert "non-esiste" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_build_writes_proceedings_for_every_event(built):
    assert [p.name for p in (built / "proceedings").iterdir()] == [f"{EXAMPLE_EVENT}.docx"]


@pytest.mark.libreoffice
def test_build_with_pdf_writes_the_pdf_edition_beside_the_document(built_with_pdf):
    need_program("soffice", "the build makes the PDF edition with LibreOffice")
    assert sorted(p.name for p in (built_with_pdf / "proceedings").iterdir()) == [
        f"{EXAMPLE_EVENT}-stampa.pdf", f"{EXAMPLE_EVENT}.docx", f"{EXAMPLE_EVENT}.pdf",  # the print edition's .docx is not one
    ]


def test_publish_reports_proceedings_warnings(run, tmp_path):
    result = run("build", "--notes", NOTES, "--out", tmp_path)
    assert result.exit_code == 0
    assert result.stderr.count(": warning: outcomes[0].") == 2
    assert (tmp_path / "proceedings" / f"{EVENT}.docx").exists()


def test_default_language_follows_the_event():
    event, _ = load_notes(NOTES / EVENT)
    assert proceedings.default_language(event) == "it"
    english = event.event.model_copy(update={"language": "en"})
    french = event.event.model_copy(update={"language": "fr"})
    assert proceedings.default_language(load.EventNote(EVENT, event.path, english, ())) == "en"
    assert proceedings.default_language(load.EventNote(EVENT, event.path, french, ())) == "it"


# --- LibreOffice: the example event as a reader sees it ---------------------------------


@pytest.fixture
def example_pdf(built_with_pdf) -> Path:
    """The example event's PDF edition, made by the session's build with PDF (``built_with_pdf``)."""
    need_program("soffice", "the proceedings are checked as LibreOffice lays them out")
    return built_with_pdf / "proceedings" / f"{EXAMPLE_EVENT}.pdf"


def pdf_pages(pdf: Path, *options: str) -> list[str]:
    """The PDF's text, page by page, with runs of white space made single spaces."""
    pdftotext = need_program("pdftotext", "reading the proceedings' PDF")
    text = subprocess.run([pdftotext, *options, str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")]


HEADER = "Sguardi e prospettive della cooperazione decentrata e la migrazione per lavoro Atti del convegno "


def body_of(page: str) -> str:
    """A page's text after the running header."""
    return page.split(HEADER, 1)[-1]


@pytest.mark.libreoffice
def test_pdf_has_every_session_and_contents_with_true_page_numbers(example_pdf):
    pages = pdf_pages(example_pdf, "-layout")
    contents = body_of(pages[2])  # after the title page and the colophon
    assert contents.startswith("Indice Presentazione")
    _, sessions = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)
    chapters = proceedings.chapters(sessions, internal=False)
    assert len(chapters) == 3
    for chapter in chapters:
        heading = " ".join(f"{chapter.number} {chapter.session.title}".split())
        entry = re.search(re.escape(heading) + r" ?\.{3,} ?(\d+)", contents)
        assert entry, heading
        # LibreOffice filled the PAGEREF field in: the chapter starts on that page.
        assert body_of(pages[int(entry[1]) - 1]).startswith(heading)
    for other in ("Presentazione", "Programma", "Impegni", "Partecipanti", "Indice analitico"):
        entry = re.search(other + r" ?\.{3,} ?(\d+)", contents)
        assert body_of(pages[int(entry[1]) - 1]).startswith(other)


@pytest.mark.libreoffice
def test_pdf_has_the_commitments_table_with_the_status_then_and_now(example_pdf):
    """Each commitment's status at the conference (the session's date) beside
    its current one: its latest public update's, dated, or the session's."""
    pages = [body_of(page) for page in pdf_pages(example_pdf, "-raw")]
    start = next(i for i, page in enumerate(pages) if page.startswith("Impegni N. Chi Che cosa Entro Al convegno Oggi"))
    end = next(i for i, page in enumerate(pages) if page.startswith("A che punto sono gli impegni"))
    table = "".join(" ".join(pages[start:end]).split())
    event, sessions = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)
    updates = load.event_followup(event, sessions, load.Problems()).updates
    entries = [e for c in proceedings.chapters(sessions, internal=False) for e in c.entries if e.outcome.type == "commitment"]
    assert len(entries) > 10
    label, day = vocab.statuses().label, lambda date: format_date(date, "medium", locale="it")
    changed = 0
    for entry in entries:
        outcome, session_day = entry.outcome, entry.chapter.session.date
        key = f"{entry.chapter.note.id}/{outcome.id}"
        latest = ([u for u in sorted(updates, key=lambda u: u.date) if u.commitment == key and u.public] or [None])[-1]
        now, when = (latest.status, latest.date) if latest else (outcome.status, session_day)
        changed += now != outcome.status
        row = f"{entry.number} {outcome.owner} {outcome.title} {day(outcome.due)} {label(outcome.status)} {day(session_day)} {label(now)} {day(when)}"
        assert "".join(row.split()) in table, row
    assert changed >= 5
    assert "".join("1.8 Regione Piemonte Convocare la prima riunione del tavolo regionale su migrazione e sviluppo 31 mar 2020 "
                   "Concordato 15 ott 2019 Realizzato 10 feb 2020".split()) in table


@pytest.mark.libreoffice
def test_pdf_is_tagged_for_accessibility(example_pdf):
    from pypdf import PdfReader

    root = PdfReader(example_pdf).trailer["/Root"]
    assert root["/Lang"] == "it-IT"
    kinds, alts = set(), []

    def walk(node):
        node = node.get_object()
        if not isinstance(node, dict):
            return
        kinds.add(node.get("/S"))
        if node.get("/S") == "/Figure":
            alts.append(node.get("/Alt"))
        children = node.get("/K")
        for child in children if isinstance(children, list) else [children] if children is not None else []:
            walk(child)

    walk(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/Link", "/L"} <= kinds
    assert len(alts) == 1 and alts[0].startswith("Grafico a barre orizzontali dei partecipanti per tipo di attore. Ente locale: 36; ")


def test_an_event_without_sessions_still_makes_a_document(tmp_path):
    notes = tmp_path / "notes"
    (notes / EVENT).mkdir(parents=True)
    shutil.copy(NOTES / EVENT / "event.yaml", notes / EVENT / "event.yaml")  # no sessions, no registrations
    event, sessions = load_notes(notes / EVENT)
    assert sessions == []
    assert write_proceedings(event, sessions, tmp_path / "atti.docx") == []
    document = docx.Document(tmp_path / "atti.docx")
    assert [p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Body Text")][2:] == [
        "Programma",
        "Nessuna sessione registrata.",
        "Impegni",
        "Nessun impegno registrato.",
        "Partecipanti",
        "Nessun partecipante registrato.",
        "Indice analitico",
        "I numeri rimandano agli esiti (capitolo.esito), seguiti dalla pagina.",
        *["Nessun esito collegato."] * 6,  # targets, objectives, countries, themes, actors, keywords
    ]
    with zipfile.ZipFile(tmp_path / "atti.docx") as archive:
        assert not [name for name in archive.namelist() if name.startswith("word/media/")]  # no chart without data


def test_markup_in_notes_stays_text(tmp_path):
    """HTML and javascript: links written in a note are words in the document, never markup or links."""
    from helpers import SCRIPT, hostile_library

    event, sessions = load_notes(hostile_library(tmp_path) / EXAMPLE_EVENT)
    path = tmp_path / "atti.docx"
    write_proceedings(event, sessions, path)
    titles = [text.split("\u2002", 1)[-1] for text in texts(path, "Heading1")]
    assert f"{SCRIPT} Titolo" in titles
    assert f"{SCRIPT} esito" in [text.split("\u2002", 1)[-1] for text in texts(path, "Heading3")]
    namespaces = {etree.QName(element).namespace for element in part(path, "word/document.xml").iter()}
    assert namespaces == {W, NS["wp"], "http://schemas.openxmlformats.org/drawingml/2006/main",
                          "http://schemas.openxmlformats.org/drawingml/2006/picture"}
    targets = [rel.target_ref for rel in docx.Document(path).part.rels.values() if rel.is_external]
    assert targets and all(target.startswith(("https://", "http://")) for target in targets)
    assert "javascript:alert(1)" in "".join(part(path, "word/document.xml").itertext())


# --- Editions, colophon, layout -------------------------------------------------------


def test_editions_side_by_side(run, tmp_path):
    """Italian, English and internal editions each have their file: none replaces another."""
    folder = tmp_path / "proceedings"
    assert run("proceedings", EVENT, "--notes", NOTES, "--out", tmp_path, "--no-pdf").exit_code == 0
    italian = (folder / f"{EVENT}.docx").read_bytes()
    assert run("proceedings", EVENT, "--notes", NOTES, "--out", tmp_path, "--no-pdf", "--lang", "en").exit_code == 0
    assert run("proceedings", EVENT, "--notes", NOTES, "--out", tmp_path, "--no-pdf", "--internal").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == [f"{EVENT}-interno.docx", f"{EVENT}.docx", f"{EVENT}.en.docx"]
    assert (folder / f"{EVENT}.docx").read_bytes() == italian
    assert docx.Document(folder / f"{EVENT}.en.docx").core_properties.language == "en-GB"


def test_an_event_setting_makes_every_build_write_both_languages(tmp_path):
    from outcomes.build import build

    notes = tmp_path / "notes"
    shutil.copytree(NOTES, notes)
    event_note = notes / EVENT / "event.yaml"
    event_note.write_text(event_note.read_text() + "proceedings_languages: [it, en]\n")
    result = build(notes, tmp_path / "out")
    assert result.ok, [p.format() for p in result.problems]
    folder = tmp_path / "out" / "proceedings"
    assert sorted(p.name for p in folder.iterdir()) == [f"{EVENT}.docx", f"{EVENT}.en.docx"]
    assert [docx.Document(folder / name).core_properties.language for name in (f"{EVENT}.docx", f"{EVENT}.en.docx")] == [
        "it-IT", "en-GB",
    ]
    assert len(result.problems) == 2  # each note's warnings once, not once per edition


def test_an_english_event_has_its_italian_edition_beside(tmp_path):
    event, _ = load_notes(NOTES / EVENT)
    english = load.EventNote(EVENT, event.path, event.event.model_copy(update={"language": "en"}), ())
    assert [proceedings.file_name(english, lang) for lang in ("en", "it")] == [f"{EVENT}.docx", f"{EVENT}.it.docx"]
    assert proceedings.file_name(english, "en", internal=True, extension="pdf") == f"{EVENT}-interno.pdf"


def test_colophon(written):
    assert texts(written["public"], "ColophonTitle") == ["Atti di prova – Un evento per i test degli atti"]
    assert texts(written["public"], "Colophon") == [
        "Atti del convegno, Torino, 4–5 marzo 2021",
        "A cura di Ufficio di prova degli atti",
        f"Organizzatori: \nRegione Piemonte, promotore\n{ARABIC}, partner",
        "Data di pubblicazione: 30 giugno 2021",
        "Licenza: Il testo degli atti è distribuito con licenza CC BY-SA 4.0: può essere riprodotto e adattato citando la fonte.",
        "Come citare: \nUfficio di prova degli atti (a cura di), Atti di prova. Atti del convegno, Torino, 4–5 marzo 2021, "
        "Regione Piemonte, 2021.",
    ]
    assert texts(written["english"], "Colophon")[-1] == (
        "How to cite: \nUfficio di prova degli atti (ed.), Atti di prova. Conference proceedings, Torino, 4–5 March 2021, "
        "Regione Piemonte, 2021."
    )
    licence = [p for p in paragraphs(written["public"], "Colophon") if text_of(p).startswith("Licenza")][0]
    link = licence.find("w:hyperlink", NS)
    target = docx.Document(written["public"]).part.rels[link.get(f"{{{R}}}id")].target_ref
    assert (text_of(link), target) == ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/deed.it")


def test_colophon_defaults_to_the_site_licence_and_the_last_day(tmp_path):
    """Without editor, date or licence in the note: the site's licence, the
    event's last day (never the build's), the first organiser in the citation."""
    from helpers import EVENT_YAML, write_library

    notes = write_library(tmp_path, session=None, event=EVENT_YAML + "end_date: 2019-10-16\n")
    event, sessions = load_notes(notes / "convegno-2019")
    write_proceedings(event, sessions, tmp_path / "atti.docx")
    assert texts(tmp_path / "atti.docx", "Colophon") == [
        "Atti del convegno, Torino, 15–16 ottobre 2019",
        "Organizzatori: \nRegione Piemonte",
        "Data di pubblicazione: 16 ottobre 2019",
        "Licenza: Il testo degli atti è distribuito con licenza CC BY 4.0: può essere riprodotto e adattato citando la fonte.",
        "Come citare: \nRegione Piemonte, Sguardi e prospettive della cooperazione decentrata. "
        "Atti del convegno, Torino, 15–16 ottobre 2019, 2019.",
    ]
    targets = [rel.target_ref for rel in docx.Document(tmp_path / "atti.docx").part.rels.values() if rel.is_external]
    assert "https://creativecommons.org/licenses/by/4.0/deed.it" in targets


def test_an_outcome_is_kept_with_its_details(written):
    """Heading, text and details on one page where they fit: the heading style
    and the text's paragraphs keep with the next, the details keep their lines."""
    body = paragraphs(written["public"])
    styles = part(written["public"], "word/styles.xml")
    for style_id in ("Heading3",):
        assert styles.xpath(f"w:style[@w:styleId='{style_id}']/w:pPr/w:keepNext", namespaces=NS)
    assert styles.xpath("w:style[@w:styleId='OutcomeDetails']/w:pPr/w:keepLines", namespaces=NS)
    details = [i for i, p in enumerate(body) if style_of(p) == "OutcomeDetails"]
    assert len(details) == 3
    for index in details:
        start = max(i for i in range(index) if style_of(body[i]) == "Heading3")
        between = body[start + 1 : index]
        assert between and all(p.find("w:pPr/w:keepNext", NS) is not None for p in between)


def test_lists_have_space_after_them(written):
    styles = part(written["public"], "word/styles.xml")
    spacing = styles.xpath("w:style[@w:styleId='ListParagraph']/w:pPr", namespaces=NS)[0]
    assert spacing.find("w:contextualSpacing", NS) is not None  # none between the items
    after = int(spacing.find("w:spacing", NS).get(f"{{{W}}}after"))
    body_text = styles.xpath("string(w:style[@w:styleId='BodyText']/w:pPr/w:spacing/@w:after)", namespaces=NS)
    assert after == int(body_text) == 160  # after the list, as after a paragraph


def test_tables_sit_on_the_text_margin(written):
    for table in tables(written["public"]):
        indent = table.find("w:tblPr/w:tblInd", NS)
        assert (indent.get(f"{{{W}}}w"), indent.get(f"{{{W}}}type")) == ("108", "dxa")  # the cells' left margin
        widths = [int(c.get(f"{{{W}}}w")) for c in table.findall("w:tblGrid/w:gridCol", NS)]
        assert sum(widths) == proceedings.TEXT_WIDTH


def test_organisers_are_all_styled_alike(written):
    organisers = [p for p in paragraphs(written["public"], "Details") if text_of(p).startswith("Organizzatori")][0]
    assert text_of(organisers) == (
        f"Organizzatori\nRegione Piemonte, promotore – https://www.regione.piemonte.it\n{ARABIC}, partner"
    )
    names = [r for r in organisers.iter(f"{{{W}}}r") if text_of(r) in ("Regione Piemonte, promotore", f"{ARABIC}, partner")]
    assert len(names) == 2 and all(r.find("w:rPr", NS) is None for r in names)  # plain text, both


def test_the_chart_uses_the_headings_sans_family():
    from matplotlib import font_manager

    found = font_manager.findfont(font_manager.FontProperties(family=proceedings.CHART_FONTS), fallback_to_default=False)
    if not Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf").exists() and "Liberation" not in found:
        pytest.skip("Liberation Sans is not installed (fonts-liberation2)")
    assert Path(found).name == "LiberationSans-Regular.ttf"  # Arial's metric twin, as LibreOffice shows the headings


# --- The PDF edition ------------------------------------------------------------------

DETAIL_LABELS = ("Chi:", "Entro:", "Stato:", "SDG:", "Global Compact:", "Paesi:", "Attori:", "Temi:", "Parole chiave:")


@pytest.mark.libreoffice
def test_pdf_has_the_colophon(example_pdf):
    colophon = body_of(pdf_pages(example_pdf)[1])
    event = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)[0].event
    for line in (
        f"A cura di {event.editor}",
        "Organizzatori: Regione Piemonte, promotore",
        "Data di pubblicazione: 14 dicembre 2020",  # the latest update the volume holds
        "Il testo degli atti è distribuito con licenza CC BY 4.0",
        f"Come citare: {event.editor} (a cura di), {event.title}. Atti del convegno, Torino, 15 ottobre 2019, Regione Piemonte, 2020.",
    ):
        assert line in colophon


@pytest.mark.libreoffice
def test_pdf_is_tagged_with_title_language_outline_and_embedded_fonts(example_pdf, built_with_pdf):
    from pypdf import PdfReader

    info = subprocess.run([need_program("pdfinfo", "reading the PDF"), str(example_pdf)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines())
    event, sessions = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)
    assert (fields["Title"].strip(), fields["Tagged"].strip(), fields["Metadata Stream"].strip()) == (event.event.title, "yes", "yes")
    reader = PdfReader(example_pdf)
    root = reader.trailer["/Root"]
    assert (root["/Lang"], root["/ViewerPreferences"]["/DisplayDocTitle"]) == ("it-IT", True)  # PDF/UA: the title, not the file name
    assert "<pdfuaid:part>1</pdfuaid:part>" in root["/Metadata"].get_object().get_data().decode()
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    chapters = [f"{c.number}\u2002{c.session.title}" for c in proceedings.chapters(sessions, internal=False)]
    headings = texts(built_with_pdf / "proceedings" / f"{EXAMPLE_EVENT}.docx", "Heading1")  # every chapter, in order
    assert outline == headings and headings[:2] == ["Presentazione", "Programma"] and headings[2:5] == chapters
    fonts = subprocess.run([need_program("pdffonts", "reading the PDF"), str(example_pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(row[-5] == "yes" for row in rows), fonts  # the "emb" column


@pytest.mark.libreoffice
def test_word_shows_the_page_numbers_libreoffice_computed(built_with_pdf, example_pdf):
    """The contents' and the index's PAGEREF fields hold the pages of the PDF as
    their results, and Word is not asked to update fields."""
    path = built_with_pdf / "proceedings" / f"{EXAMPLE_EVENT}.docx"
    contents = body_of(pdf_pages(example_pdf, "-layout")[2])
    entries = paragraphs(path, "TOC1")
    assert len(entries) == len(texts(path, "Heading1"))
    for entry in entries:
        title, page = text_of(entry).rsplit("\t", 1)
        assert re.search(re.escape(" ".join(title.split()[-3:])) + r" ?\.{3,} ?" + page + r"\b", contents), title
    index_pages = [text_of(f) for f in paragraphs(path, "IndexEntry")[0].iter(f"{{{W}}}fldSimple")]
    assert index_pages and all(page.isdigit() for page in index_pages)
    assert part(path, "word/settings.xml").find("w:updateFields", NS) is None


@pytest.mark.libreoffice
def test_no_details_block_alone_at_a_page_top(example_pdf, tmp_path):
    """Read as text, no page starts with an outcome's details; rendered as
    pictures, every page has content and nothing crosses the left margin
    (tables included)."""
    from PIL import Image

    pages = pdf_pages(example_pdf)
    assert len(pages) > 40
    for number, page in enumerate(pages[1:-1], start=2):
        assert not body_of(page).startswith(DETAIL_LABELS), (number, body_of(page)[:120])
    pdftoppm = need_program("pdftoppm", "rendering the PDF's pages")
    subprocess.run([pdftoppm, "-r", "40", "-gray", "-png", str(example_pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(pages) - 1  # pdftotext ends with a form feed
    margin = round(40 * 2.5 / 2.54)  # 2.5 cm at 40 dpi
    for image in images:
        picture = Image.open(image)
        assert picture.size == (331, 468)  # A4
        ink = picture.point(lambda value: 255 if value < 200 else 0).getbbox()
        assert ink is not None, image.name
        assert ink[0] >= margin - 1, (image.name, ink)


@pytest.mark.libreoffice
def test_two_builds_same_docx_bytes_same_pdf_text(built_with_pdf, tmp_path):
    from outcomes.build import build

    assert build(EXAMPLE_NOTES, tmp_path, pdf=True).ok
    for name in (f"{EXAMPLE_EVENT}.docx",):
        assert (tmp_path / "proceedings" / name).read_bytes() == (built_with_pdf / "proceedings" / name).read_bytes()
    pdfs = [folder / "proceedings" / f"{EXAMPLE_EVENT}.pdf" for folder in (built_with_pdf, tmp_path)]
    assert pdf_pages(pdfs[0], "-layout") == pdf_pages(pdfs[1], "-layout")


def fake_soffice(folder: Path) -> Path:
    """A LibreOffice that fails as a broken installation does."""
    folder.mkdir()
    program = folder / "soffice"
    program.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    program.chmod(0o755)
    return folder


def test_a_failed_pdf_replaces_nothing(tmp_path, monkeypatch, run):
    out = tmp_path / "out"
    assert run("build", "--notes", NOTES, "--out", out, "--no-pdf").exit_code == 0
    before = {p.name: p.read_bytes() for p in (out / "proceedings").iterdir()}
    database = (out / "outcomes.db").read_bytes()
    monkeypatch.setenv("PATH", str(fake_soffice(tmp_path / "bin")))
    note = NOTES / EVENT / "event.yaml"
    notes = tmp_path / "notes"
    shutil.copytree(NOTES, notes)
    (notes / EVENT / "event.yaml").write_text(note.read_text().replace("Atti di prova", "Atti cambiati"))
    result = run("build", "--notes", notes, "--out", out, "--full")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "LibreOffice non ha creato il PDF degli atti (LibreOffice exited 1, no atti-prova.pdf: "
        f"Error: source file could not be loaded): nulla è stato pubblicato in {out}"
    )
    assert {p.name: p.read_bytes() for p in (out / "proceedings").iterdir()} == before
    assert (out / "outcomes.db").read_bytes() == database
    assert [p.name for p in out.iterdir() if p.name.startswith(".staging")] == []


def test_without_libreoffice_the_build_says_so_and_succeeds(tmp_path, monkeypatch, run):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice here
    result = run("build", "--notes", NOTES, "--out", tmp_path / "out")
    assert result.exit_code == 0
    notices = [line for line in result.stderr.splitlines() if "LibreOffice" in line]
    assert notices == [
        "LibreOffice (soffice) non è installato: atti senza edizione PDF, e Word chiederà di aggiornare i numeri di pagina"
    ]
    assert sorted(p.name for p in (tmp_path / "out" / "proceedings").iterdir()) == [f"{EVENT}.docx"]


@pytest.mark.libreoffice
def test_an_incremental_build_converts_only_the_changed_event(tmp_path):
    from helpers import SESSION_YAML, write_library
    from outcomes.build import build

    need_program("soffice", "the PDF editions are made by LibreOffice")
    notes = write_library(tmp_path, event_id="primo")
    write_library(tmp_path, event_id="secondo")
    out = tmp_path / "out"
    assert build(notes, out, pdf=True).ok
    names = ["primo-stampa.pdf", "primo.docx", "primo.pdf", "secondo-stampa.pdf", "secondo.docx", "secondo.pdf"]
    assert sorted(p.name for p in (out / "proceedings").iterdir()) == names
    stamps = {name: (out / "proceedings" / name).stat().st_mtime_ns for name in names}
    (notes / "secondo" / "laboratorio.yaml").write_text(SESSION_YAML.replace("Migrazione e", "Migrazioni e"))
    result = build(notes, out, pdf=True)
    assert result.ok and result.incremental
    assert sorted(p.name for p in result.published if p.parent.name == "proceedings") == ["secondo-stampa.pdf", "secondo.docx", "secondo.pdf"]
    assert {name: (out / "proceedings" / name).stat().st_mtime_ns == stamps[name] for name in names} == {
        "primo-stampa.pdf": True, "primo.docx": True, "primo.pdf": True,
        "secondo-stampa.pdf": False, "secondo.docx": False, "secondo.pdf": False,
    }
    assert "Migrazioni e Cooperazione" in " ".join(pdf_pages(out / "proceedings" / "secondo.pdf"))
    # a session removed: its event's proceedings are written again, without it
    (notes / "primo" / "laboratorio.yaml").unlink()
    result = build(notes, out, pdf=True)
    assert sorted(p.name for p in result.published if p.parent.name == "proceedings") == ["primo-stampa.pdf", "primo.docx", "primo.pdf"]
    assert "Migrazione e Cooperazione" not in " ".join(pdf_pages(out / "proceedings" / "primo.pdf"))


# --- On the site ------------------------------------------------------------------------


def test_the_event_page_links_the_proceedings_for_download(built_with_pdf):
    import asyncio

    from datasette.app import Datasette

    datasette = Datasette(config_dir=built_with_pdf)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(datasette.invoke_startup())
        page = loop.run_until_complete(datasette.client.get(f"/outcomes/events/{EXAMPLE_EVENT}"))
        assert page.status_code == 200
        links = re.findall(r'<li><a href="([^"]+)" download>([^<]+)</a></li>', page.text)
        folder = built_with_pdf / "proceedings"
        files = [folder / f"{EXAMPLE_EVENT}.pdf", folder / f"{EXAMPLE_EVENT}-stampa.pdf", folder / f"{EXAMPLE_EVENT}.docx"]
        assert sorted(folder.iterdir()) == sorted(files)
        assert [href for href, _ in links] == [f"/proceedings/{p.name}" for p in files]
        kinds = {".pdf": ("application/pdf", "PDF"),
                 ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word")}
        for (href, label), path in zip(links, files):
            edition = ", edizione a stampa" if path.stem.endswith("-stampa") else ""
            assert label.startswith(f"Atti del convegno{edition} ({kinds[path.suffix][1]}, ")
            response = loop.run_until_complete(datasette.client.get(href))
            assert (response.status_code, response.headers["content-type"]) == (200, kinds[path.suffix][0])
            assert response.content == path.read_bytes()
        english = loop.run_until_complete(datasette.client.get(f"/outcomes/events/{EXAMPLE_EVENT}?_lang=en")).text
        labels = re.findall(r'<li><a href="[^"]+" download>([^<]+)</a></li>', english)
        assert [label.split(" (")[0] for label in labels] == ["Proceedings", "Proceedings, print edition", "Proceedings"]
        assert "<h2>Proceedings</h2>" in english
        # an internal edition left in the folder is never served, nor is another file
        internal = built_with_pdf / "proceedings" / f"{EXAMPLE_EVENT}-interno.docx"
        internal.write_bytes(b"riservato")
        try:
            for name in (internal.name, "non-esiste.pdf", "..%2Foutcomes.db", "metadata.json"):
                assert loop.run_until_complete(datasette.client.get(f"/proceedings/{name}")).status_code == 404
        finally:
            internal.unlink()
    finally:
        loop.close()


def test_a_packaged_site_serves_the_proceedings_from_its_static_mount(built_with_pdf):
    """``datasette package ... --static proceedings:proceedings`` (README): the
    same addresses, the same rule against internal editions."""
    import asyncio
    import json

    from datasette.app import Datasette

    datasette = Datasette(
        [str(built_with_pdf / "outcomes.db")], plugins_dir=str(built_with_pdf / "plugins"), template_dir=str(built_with_pdf / "templates"),
        metadata=json.loads((built_with_pdf / "metadata.json").read_text()),
        static_mounts=[("proceedings", str(built_with_pdf / "proceedings"))],
    )
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(datasette.invoke_startup())
        document = built_with_pdf / "proceedings" / f"{EXAMPLE_EVENT}.docx"
        response = loop.run_until_complete(datasette.client.get(f"/proceedings/{document.name}"))
        assert (response.status_code, response.content) == (200, document.read_bytes())
        page = loop.run_until_complete(datasette.client.get(f"/outcomes/events/{EXAMPLE_EVENT}"))
        assert f'href="/proceedings/{document.name}" download' in page.text
    finally:
        loop.close()


@pytest.mark.libreoffice
def test_cli_writes_the_pdf_beside_the_document(run, tmp_path):
    need_program("soffice", "the PDF editions are made by LibreOffice")
    result = run("proceedings", EVENT, "--notes", NOTES, "-o", tmp_path / "atti.docx")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == f"PDF scritto in {tmp_path / 'atti.pdf'}."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atti.docx", "atti.pdf"]  # nothing left behind
    contents = pdf_pages(tmp_path / "atti.pdf", "-layout")[2]
    assert contents.startswith("Atti di prova Atti del convegno Indice Presentazione")
    assert re.search(r"Presentazione ?\.{3,} ?4 Programma ?\.{3,} ?5 1 Plenaria di apertura ?\.{3,} ?6 ", contents)
    pages = [text_of(f) for f in paragraphs(tmp_path / "atti.docx", "TOC1")[0].iter(f"{{{W}}}fldSimple")]
    assert pages == ["4"]  # Presentazione, after the title page, the colophon and the contents
