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


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    """The fixture event's proceedings: public, internal, in English; with warnings."""
    folder = tmp_path_factory.mktemp("proceedings")
    event, sessions = load_notes(NOTES / EVENT)
    paths = {}
    for name, options in {"public": {}, "internal": {"internal": True}, "english": {"lang": "en"}}.items():
        paths[name] = folder / f"{name}.docx"
        paths[f"{name}-warnings"] = proceedings.write(event, sessions, paths[name], **options)
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
    # Word fills fields in (after asking) when the document opens.
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
        "Grafico a barre orizzontali dei partecipanti per tipo di attore. Regione: 8 (iscritti 0); "
        "Ente locale: 12 (iscritti 30); Organizzazione della società civile: 20 (iscritti 0); "
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
        "SDG: 10 Ridurre le disuguaglianze (10.c)\nPaesi: Senegal\nAttori: Ente locale",
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
        ["Tipo di attore", "Presenze nelle sessioni", "Iscritti"],
        ["Regione", "8", "0"],
        ["Ente locale", "12", "30"],
        ["Organizzazione della società civile", "20", "0"],
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


def test_index_by_target_objective_and_country(written):
    path = written["public"]
    label = vocab.sdg_targets().label
    assert texts(path, "IndexEntry") == [
        f"10.7 {label('10.7')} — 1.1 (p.\u00a0), 2.1 (p.\u00a0)",
        f"10.c {label('10.c')} — 2.2 (p.\u00a0)",
        f"17.17 {label('17.17')} — 2.1 (p.\u00a0)",
        f"19 {vocab.gcm_objectives().label('19')} — 2.1 (p.\u00a0)",
        "Marocco — 1.1 (p.\u00a0), 2.1 (p.\u00a0)",
        "Senegal — 2.1 (p.\u00a0), 2.2 (p.\u00a0)",
    ]
    senegal = paragraphs(path, "IndexEntry")[-1]
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
    warnings = proceedings.write(event, [note], tmp_path / "atti.docx")
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
    proceedings.write(event, sessions, first)
    proceedings.write(event, sessions, second)
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
    assert properties.created == properties.modified == dt.datetime(2021, 3, 4, 9, 0, tzinfo=dt.timezone.utc)
    assert "python-docx" not in package_text(written["public"])


# --- Command line and build --------------------------------------------------------------


def test_cli_writes_the_proceedings(run, tmp_path):
    result = run("proceedings", EVENT, "--notes", NOTES, "--out", tmp_path)
    assert result.exit_code == 0
    path = tmp_path / "proceedings" / f"{EVENT}.docx"
    assert result.stdout == f"Atti scritti in {path}: 2 sessioni, 3 esiti.\n"
    assert result.stderr.count(": warning: ") == 2
    assert docx.Document(path).core_properties.title == "Atti di prova"


def test_cli_internal_edition_says_so_in_its_name(run, tmp_path):
    result = run("proceedings", EVENT, "--notes", NOTES, "--out", tmp_path, "--internal", "--lang", "en")
    assert result.exit_code == 0
    path = tmp_path / "proceedings" / f"{EVENT}-internal.docx"
    assert result.stdout == f"Proceedings written to {path}: 3 sessions, 5 outcomes, internal ones included.\n"
    assert [p.name for p in (tmp_path / "proceedings").iterdir()] == [path.name]


def test_cli_output_file(run, tmp_path):
    result = run("proceedings", EVENT, "--notes", NOTES, "-o", tmp_path / "atti.docx", "--internal")
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


@pytest.fixture(scope="module")
def example_pdf(tmp_path_factory) -> Path:
    """The example event's proceedings, converted by LibreOffice to a tagged PDF."""
    soffice = need_program("soffice", "the proceedings are checked as LibreOffice lays them out")
    folder = tmp_path_factory.mktemp("pdf")
    event, sessions = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)
    source = folder / f"{EXAMPLE_EVENT}.docx"
    proceedings.write(event, sessions, source)
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--convert-to",
         'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}', "--outdir", str(folder), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    return folder / f"{EXAMPLE_EVENT}.pdf"


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
    contents = body_of(pages[1])
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
def test_pdf_has_the_commitments_table(example_pdf):
    pages = [body_of(page) for page in pdf_pages(example_pdf, "-raw")]
    start = next(i for i, page in enumerate(pages) if page.startswith("Impegni N. Chi Che cosa Entro Stato"))
    end = next(i for i, page in enumerate(pages) if page.startswith("Partecipanti Tipo di attore"))
    table = " ".join(pages[start:end])
    _, sessions = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)
    entries = [e for c in proceedings.chapters(sessions, internal=False) for e in c.entries if e.outcome.type == "commitment"]
    assert len(entries) > 10
    for entry in entries:
        outcome = entry.outcome
        status = vocab.statuses().label(outcome.status) if outcome.status else ""
        row = f"{entry.number} {outcome.owner} {outcome.title} {format_date(outcome.due, 'medium', locale='it')} {status}"
        assert "".join(row.split()) in "".join(table.split())


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
    assert len(alts) == 1 and alts[0].startswith("Grafico a barre orizzontali dei partecipanti per tipo di attore. Regione: ")


def test_an_event_without_sessions_still_makes_a_document(tmp_path):
    notes = tmp_path / "notes"
    (notes / EVENT).mkdir(parents=True)
    shutil.copy(NOTES / EVENT / "event.yaml", notes / EVENT / "event.yaml")  # no sessions, no registrations
    event, sessions = load_notes(notes / EVENT)
    assert sessions == []
    assert proceedings.write(event, sessions, tmp_path / "atti.docx") == []
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
        "Nessun esito collegato.",
        "Nessun esito collegato.",
        "Nessun esito collegato.",
    ]
    with zipfile.ZipFile(tmp_path / "atti.docx") as archive:
        assert not [name for name in archive.namelist() if name.startswith("word/media/")]  # no chart without data


def test_markup_in_notes_stays_text(tmp_path):
    """HTML and javascript: links written in a note are words in the document, never markup or links."""
    from helpers import SCRIPT, hostile_library

    event, sessions = load_notes(hostile_library(tmp_path) / EXAMPLE_EVENT)
    path = tmp_path / "atti.docx"
    proceedings.write(event, sessions, path)
    titles = [text.split("\u2002", 1)[-1] for text in texts(path, "Heading1")]
    assert f"{SCRIPT} Titolo" in titles
    assert f"{SCRIPT} esito" in [text.split("\u2002", 1)[-1] for text in texts(path, "Heading3")]
    namespaces = {etree.QName(element).namespace for element in part(path, "word/document.xml").iter()}
    assert namespaces == {W, NS["wp"], "http://schemas.openxmlformats.org/drawingml/2006/main",
                          "http://schemas.openxmlformats.org/drawingml/2006/picture"}
    targets = [rel.target_ref for rel in docx.Document(path).part.rels.values() if rel.is_external]
    assert targets and all(target.startswith(("https://", "http://")) for target in targets)
    assert "javascript:alert(1)" in "".join(part(path, "word/document.xml").itertext())
