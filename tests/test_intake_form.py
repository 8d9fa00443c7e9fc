"""The Word form: written by ``outcomes form``, filled as Word stores it,
imported by ``outcomes import`` into the same records a YAML note gives."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml
from lxml import etree

from conftest import FIXTURES, ROOT, need_program
from intake_word import W, fill_form
from outcomes import load, models, vocab
from outcomes.intake.form import FORM, bookmark_name
from test_schema import Yaml12CoreLoader

EVENT_ID, SESSION_ID = "sguardi-2019", "migrazione-cooperazione"
EVENT_YAML = FIXTURES / "intake" / "mistakes" / "sguardi-2019" / "event.yaml"

# What a facilitator types, field by field (by the control's tag): drop-down
# choices as their Italian labels, smart quotes, a soft line break ("\n"
# within a paragraph), paragraphs ("\n\n") and a control character pasted
# from another program (Word escapes it as _x0007_).
TYPED = {
    "title": "Migrazione e cooperazione: l’esperienza dei “territori”",
    "kind": "Laboratorio",
    "start": "“14:30”",
    "end": "17:00",
    "room": "Sala Londra",
    "visibility": "Pubblico",
    "facilitators.1.organisation": "Regione Piemonte",
    "facilitators.1.role": "facilitatrice",
    "facilitators.1.name": "Nome Riservato",
    "facilitators.2.organisation": "Consorzio ONG Piemontesi",
    "facilitators.2.role": "co-facilitatore",
    "participants.local_authority": "12",
    "participants.ngo": "8",
    "participants.diaspora_association": "‘5’",
    "summary": "Il gruppo ha discusso di diaspore\ne co-sviluppo._x0007_\n\nSecondo paragrafo, con l’apostrofo.",
    "quotes.1.text": "«Le diaspore sono un ponte.»",
    "quotes.1.actor": "Associazione della diaspora",
    "outcomes.1.type": "Raccomandazione",
    "outcomes.1.title": "Coinvolgere le diaspore fin dalla progettazione",
    "outcomes.1.text": "Le associazioni vanno coinvolte dall’inizio.",
    "outcomes.1.sdg_targets": "“10.7”, 17.17",
    "outcomes.1.gcm_objectives": "19, 23",
    "outcomes.1.countries": "SN\nMarocco",
    "outcomes.1.actors": "Ente locale, diaspora_association",
    "outcomes.1.themes": "Diaspore, remittances",
    "outcomes.1.keywords": "co-sviluppo, filiere agricole",
    "outcomes.3.id": "tavolo-regionale",
    "outcomes.3.type": "Impegno",
    "outcomes.3.title": "Un tavolo regionale sulle diaspore",
    "outcomes.3.text": "La Regione convocherà un tavolo.",
    "outcomes.3.owner": "Regione Piemonte",
    "outcomes.3.owner_type": "Regione",  # chosen from the drop-down list: its label
    "outcomes.3.status": "In corso",
    "outcomes.12.type": "Constatazione",
    "outcomes.12.title": "Dati ancora frammentati",
    "outcomes.12.text": "Mancano dati comuni.\nServe un osservatorio.",
    "outcomes.12.visibility": "Interno",
}
PICKED = {"date": "2019-10-15", "outcomes.3.due": "2020-06-30"}

# The records those answers must give: a YAML note with the same content.
EXPECTED = {
    "title": "Migrazione e cooperazione: l’esperienza dei “territori”",
    "kind": "workshop",
    "date": "2019-10-15",
    "start": "14:30",
    "end": "17:00",
    "room": "Sala Londra",
    "facilitators": [
        {"organisation": "Regione Piemonte", "role": "facilitatrice", "name": "Nome Riservato"},
        {"organisation": "Consorzio ONG Piemontesi", "role": "co-facilitatore"},
    ],
    "participants": {"local_authority": "12", "ngo": "8", "diaspora_association": "5"},
    "summary": "Il gruppo ha discusso di diaspore\ne co-sviluppo.\n\nSecondo paragrafo, con l’apostrofo.",
    "quotes": [{"text": "«Le diaspore sono un ponte.»", "actor": "diaspora_association"}],
    "outcomes": [
        {
            "id": "coinvolgere-le-diaspore-fin-dalla-progettazione",
            "type": "recommendation",
            "title": "Coinvolgere le diaspore fin dalla progettazione",
            "text": "Le associazioni vanno coinvolte dall’inizio.",
            "sdg_targets": ["10.7", "17.17"],
            "gcm_objectives": ["19", "23"],
            "countries": ["SN", "MA"],
            "actors": ["local_authority", "diaspora_association"],
            "themes": ["diaspora", "remittances"],
            "keywords": ["co-sviluppo", "filiere agricole"],
        },
        {
            "id": "tavolo-regionale",
            "type": "commitment",
            "title": "Un tavolo regionale sulle diaspore",
            "text": "La Regione convocherà un tavolo.",
            "owner": "Regione Piemonte",
            "owner_type": "region",
            "due": "2020-06-30",
            "status": "in_progress",
        },
        {
            "id": "dati-ancora-frammentati",
            "type": "finding",
            "title": "Dati ancora frammentati",
            "text": "Mancano dati comuni.\nServe un osservatorio.",
            "visibility": "internal",
        },
    ],
    "visibility": "public",
}


@pytest.fixture
def notes(tmp_path) -> Path:
    folder = tmp_path / "notes" / EVENT_ID
    folder.mkdir(parents=True)
    shutil.copy(EVENT_YAML, folder / "event.yaml")
    return tmp_path / "notes"


@pytest.fixture(scope="module")
def blank_form(tmp_path_factory) -> Path:
    """The blank form, written once (with its event's title) for the module."""
    from outcomes.intake.form import FormRequest, write_form

    folder = tmp_path_factory.mktemp("form")
    event = load.load_event(EVENT_YAML.parent, load.Problems()).event
    return write_form(folder / "scheda.docx", FormRequest(EVENT_ID, SESSION_ID, event))


@pytest.fixture
def blank(tmp_path, blank_form) -> Path:
    return Path(shutil.copy(blank_form, tmp_path / "scheda.docx"))


def _document(path: Path):
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read("word/document.xml"))


def _expected_session(notes: Path, data: dict = EXPECTED) -> models.Session:
    event = load.load_event(notes / EVENT_ID, load.Problems())
    return models.Session.model_validate(data, context={"event": event.event, "outcome_ids": {}})


def _imported(notes: Path) -> models.Session:
    problems = load.Problems()
    note = load.load_session(notes / EVENT_ID / f"{SESSION_ID}.yaml", load.load_event(notes / EVENT_ID, problems), problems)
    assert problems == []
    return note.session


# --- The form ------------------------------------------------------------------------------


def test_form_command_says_what_to_do_next(tmp_path, run, notes):
    path = tmp_path / "scheda.docx"
    result = run("form", EVENT_ID, SESSION_ID, "-o", path, "--notes", notes)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"Scheda scritta: {path}. Compilala in Word o LibreOffice, poi: outcomes import {path}\n"
    )


def test_every_field_has_a_tagged_control_and_a_bookmark(blank):
    root = _document(blank)
    tags = [sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val") for sdt in root.iter(f"{W}sdt")]
    expected = [block.tag(field) for block, field in FORM.fields()]
    assert sorted(tags) == sorted(expected) and len(tags) == len(set(tags))
    assert len([t for t in tags if t.startswith("outcomes.")]) == 12 * 15
    bookmarks = {mark.get(f"{W}name") for mark in root.iter(f"{W}bookmarkStart")}
    assert bookmarks == {bookmark_name(tag) for tag in expected}
    aliases = {sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val"): sdt.find(f"{W}sdtPr/{W}alias").get(f"{W}val")
               for sdt in root.iter(f"{W}sdt")}
    assert aliases["outcomes.3.sdg_targets"] == "Esito 3 · Target SDG"
    assert aliases["participants.ngo"] == "Partecipanti · Organizzazione della società civile"


def test_empty_controls_show_placeholders_and_the_ids_are_printed(blank):
    root = _document(blank)
    controls = {sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val"): sdt for sdt in root.iter(f"{W}sdt")}
    title = controls["title"]
    assert title.find(f"{W}sdtPr/{W}showingPlcHdr") is not None
    assert "".join(title.itertext()) == "Titolo della sessione"
    assert title.find(f".//{W}rStyle").get(f"{W}val") == "PlaceholderText"
    event = controls["form.event"]
    assert event.find(f"{W}sdtPr/{W}showingPlcHdr") is None and "".join(event.itertext()) == EVENT_ID
    assert event.find(f"{W}sdtPr/{W}lock").get(f"{W}val") == "sdtContentLocked"
    assert controls["date"].find(f"{W}sdtPr/{W}date/{W}dateFormat").get(f"{W}val") == "yyyy-MM-dd"


def test_drop_down_lists_come_from_the_vocabularies(blank):
    root = _document(blank)
    controls = {sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val"): sdt for sdt in root.iter(f"{W}sdt")}

    def items(tag):
        return [(i.get(f"{W}displayText"), i.get(f"{W}value")) for i in controls[tag].iter(f"{W}listItem")]

    for tag, vocabulary in [("kind", "session_kinds"), ("visibility", "visibilities"), ("outcomes.5.type", "outcome_types"),
                            ("outcomes.5.status", "statuses"), ("outcomes.5.owner_type", "actor_types"), ("quotes.2.actor", "actor_types")]:
        assert items(tag) == [(term.label("it"), term.id) for term in vocab.vocabulary(vocabulary)], tag


def test_the_form_is_an_italian_a4_document(blank):
    import docx

    document = docx.Document(str(blank))
    section = document.sections[0]
    assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)  # A4
    assert document.core_properties.identifier == f"{EVENT_ID}/{SESSION_ID}"
    assert document.core_properties.language == "it-IT"
    text = "\n".join(p.text for p in document.paragraphs)
    for heading in ["Scheda di restituzione", "1. La sessione", "2. Chi ha facilitato", "3. Relatori (solo per le plenarie)",
                    "4. Partecipanti", "5. Sintesi *", "6. Citazioni (facoltative)", "7. Esiti", "Esito 12",
                    "Allegato: valori ammessi", "D. Target degli Obiettivi di sviluppo sostenibile (SDG)"]:
        assert heading + "\n" in text + "\n"
    # the event's title and dates, from notes/<event>/event.yaml
    assert "Sguardi e prospettive della cooperazione decentrata e la migrazione per lavoro · 15/10/2019 – 16/10/2019 · Torino" in text
    annex = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {t.id for t in vocab.sdg_targets()} <= annex and {t.id for t in vocab.countries()} <= annex
    assert {t.id for t in vocab.actor_types()} <= annex and {t.id for t in vocab.themes()} <= annex


def test_a_workshop_form_has_no_speakers_and_the_kind_chosen(tmp_path, run):
    path = tmp_path / "laboratorio.docx"
    assert run("form", EVENT_ID, SESSION_ID, "-o", path, "--kind", "workshop").exit_code == 0
    tags = {sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val"): sdt for sdt in _document(path).iter(f"{W}sdt")}
    assert not any(tag.startswith("speakers.") for tag in tags)
    assert "".join(tags["kind"].itertext()) == "Laboratorio"
    assert tags["kind"].find(f"{W}sdtPr/{W}showingPlcHdr") is None


def test_form_refuses_ids_that_are_not_slugs(tmp_path, run):
    result = run("form", EVENT_ID, "Sessione 1", "-o", tmp_path / "x.docx")
    assert result.exit_code == 1
    assert result.stderr == (
        "«Sessione 1» non va bene come identificativo di una sessione: solo lettere minuscole senza accenti,"
        " cifre e trattini (forse intendevi «sessione-1»?)\n"
    )
    assert not (tmp_path / "x.docx").exists()


# --- Round trip -------------------------------------------------------------------------------


def test_round_trip_gives_the_expected_records(tmp_path, run, notes, blank):
    filled = fill_form(blank, tmp_path / "scheda-compilata.docx", TYPED, PICKED)
    result = run("import", filled, "--notes", notes)
    note = notes / EVENT_ID / f"{SESSION_ID}.yaml"
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Nota scritta: {note} (3 esiti).\n"
    assert result.stderr == (
        "scheda-compilata.docx: sezione «Sintesi», campo «Sintesi»: attenzione: tolti caratteri di controllo"
        " invisibili (U+0007), di solito incollati da un altro programma\n"
    )
    assert _imported(notes) == _expected_session(notes)
    assert run("check", notes).exit_code == 0


def test_the_imported_note_is_tidy_yaml_that_editors_accept(tmp_path, run, notes, blank):
    run("import", fill_form(blank, tmp_path / "f.docx", TYPED, PICKED), "--notes", notes)
    text = (notes / EVENT_ID / f"{SESSION_ID}.yaml").read_text(encoding="utf-8")
    assert text.split("\n")[:2] == [
        "# yaml-language-server: $schema=../../schemas/session.schema.json",
        "# Nota importata dalla scheda «f.docx» con «outcomes import».",
    ]
    assert "    sdg_targets: ['10.7', '17.17']\n    gcm_objectives: [19, 23]\n" in text
    assert "participants:\n  local_authority: 12\n  ngo: 8\n  diaspora_association: 5\n" in text
    assert "summary: |-\n  Il gruppo ha discusso di diaspore\n  e co-sviluppo.\n\n  Secondo paragrafo" in text
    schema = yaml.safe_load((ROOT / "schemas" / "session.schema.json").read_text())
    jsonschema.validate(yaml.load(text, Yaml12CoreLoader), schema, cls=jsonschema.Draft202012Validator)


def test_errors_point_at_the_section_and_field_of_the_form(tmp_path, run, notes, blank):
    typed = {
        **TYPED,
        "participants.ngo": "1.000",
        "outcomes.1.sdg_targets": "10.7, 17.1O",
        "outcomes.1.countries": "Marocco, Senegal, MA",
        "outcomes.3.owner": "",
        "outcomes.12.id": "tavolo-regionale",
        "outcomes.12.status": "Concordato",
        "quotes.1.actor": "",
    }
    picked = {"date": "2019-10-20"}
    filled = fill_form(blank, tmp_path / "scheda.docx", typed, picked)
    result = run("import", filled, "--notes", notes)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "scheda.docx: sezione «Sintesi», campo «Sintesi»: attenzione: tolti caratteri di controllo invisibili"
        " (U+0007), di solito incollati da un altro programma",
        "scheda.docx: sezione «Sessione», campo «Data»: la sessione è del 2019-10-20, ma l'evento si svolge"
        " dal 2019-10-15 al 2019-10-16",
        "scheda.docx: sezione «Partecipanti», campo «Organizzazione della società civile»: «1.000» non è un"
        " numero intero senza separatori (forse intendevi «1000»?)",
        "scheda.docx: sezione «Citazione 1», campo «Tipo di attore»: campo obbligatorio vuoto: compilalo",
        "scheda.docx: sezione «Esito 1», campo «Target SDG»: «17.1O» non è un target SDG (forse intendevi"
        " «17.10»?): il goal 17 ha i target " + ", ".join(f"17.{n}" for n in range(1, 20)),
        "scheda.docx: sezione «Esito 1», campo «Paesi»: «MA» compare due volte nell'elenco",
        "scheda.docx: sezione «Esito 3», campo «Responsabile»: un impegno deve dire chi agisce: scrivi"
        " l'organizzazione responsabile",
        "scheda.docx: sezione «Esito 3», campo «Scadenza»: un impegno deve dire entro quando: scrivi la scadenza"
        " (AAAA-MM-GG)",
        "scheda.docx: sezione «Esito 12», campo «Identificativo»: l'identificativo «tavolo-regionale» è già"
        " usato dall'Esito 3: scegline un altro",
        "scheda.docx: sezione «Esito 12», campo «Stato»: vale solo per gli esiti di tipo «Impegno», mentre questo"
        " è «Constatazione»: lascialo vuoto",
        "9 errori nella scheda: nessuna nota scritta. Correggi la scheda e importala di nuovo.",
    ]
    assert not (notes / EVENT_ID / f"{SESSION_ID}.yaml").exists()


def test_errors_in_english_on_request(tmp_path, run, notes, blank):
    filled = fill_form(blank, tmp_path / "scheda.docx", {**TYPED, "outcomes.1.sdg_targets": "7.4"}, PICKED)
    result = run("import", filled, "--notes", notes, "--lang", "en")
    assert result.stderr.splitlines()[1:] == [
        "scheda.docx: section «Esito 1», field «Target SDG»: '7.4' is not an SDG target: goal 7 has the targets"
        " 7.1, 7.2, 7.3, 7.a, 7.b",
        "1 error in the form: no note written. Correct the form and import it again.",
    ]


def test_an_empty_form_names_what_is_required(tmp_path, run, notes, blank):
    result = run("import", blank, "--notes", notes)
    assert result.exit_code == 1
    required = "campo obbligatorio vuoto: compilalo"
    assert result.stderr.splitlines() == [
        f"scheda.docx: sezione «Sessione», campo «Titolo»: {required}",
        f"scheda.docx: sezione «Sessione», campo «Tipo di sessione»: {required}",
        f"scheda.docx: sezione «Sessione», campo «Data»: {required}",
        f"scheda.docx: sezione «Sessione», campo «Ora di inizio»: {required}",
        f"scheda.docx: sezione «Sessione», campo «Ora di fine»: {required}",
        f"scheda.docx: sezione «Sintesi», campo «Sintesi»: {required}",
        "6 errori nella scheda: nessuna nota scritta. Correggi la scheda e importala di nuovo.",
    ]


def test_a_raw_control_character_other_programs_write_is_removed(tmp_path, run, notes, blank):
    # "\x07" is written as &#x7;: not well-formed XML, which python-docx cannot open.
    filled = fill_form(blank, tmp_path / "scheda.docx", {**TYPED, "outcomes.1.title": "Coinvolgere le\x07 diaspore"}, PICKED)
    with pytest.raises(etree.XMLSyntaxError):
        with zipfile.ZipFile(filled) as package:
            etree.fromstring(package.read("word/document.xml"))
    result = run("import", filled, "--notes", notes)
    assert result.exit_code == 0, result.output
    assert "scheda.docx: sezione «Esito 1», campo «Titolo»: attenzione: tolti caratteri di controllo invisibili" \
           " (U+0007), di solito incollati da un altro programma" in result.stderr.splitlines()
    assert _imported(notes).outcomes[0].title == "Coinvolgere le diaspore"
    assert _imported(notes).outcomes[0].id == "coinvolgere-le-diaspore"


def test_import_never_overwrites_without_force(tmp_path, run, notes, blank):
    filled = fill_form(blank, tmp_path / "scheda.docx", TYPED, PICKED)
    note = notes / EVENT_ID / f"{SESSION_ID}.yaml"
    note.write_text("title: scritta a mano\n")
    result = run("import", filled, "--notes", notes)
    assert (result.exit_code, result.stderr) == (
        1, f"scheda.docx: {note} esiste già: per sostituirlo con la scheda aggiungi --force\n"
    )
    assert note.read_text() == "title: scritta a mano\n"
    assert run("import", filled, "--notes", notes, "--force").exit_code == 0
    assert _imported(notes) == _expected_session(notes)


def test_a_corrected_form_imported_with_force_keeps_the_outcome_ids(tmp_path, run, notes, blank):
    """Permanent links do not change because a typo in a title was fixed."""
    first = fill_form(blank, tmp_path / "scheda.docx", TYPED, PICKED)
    assert run("import", first, "--notes", notes).exit_code == 0
    ids = [outcome.id for outcome in _imported(notes).outcomes]
    assert ids == ["coinvolgere-le-diaspore-fin-dalla-progettazione", "tavolo-regionale", "dati-ancora-frammentati"]
    corrected = {**TYPED, "outcomes.1.title": "Coinvolgere le diaspore sin dalla progettazione",
                 "outcomes.12.title": "Dati ancora troppo frammentati"}
    second = fill_form(shutil.copy(blank, tmp_path / "corretta.docx"), tmp_path / "corretta.docx", corrected, PICKED)
    assert run("import", second, "--notes", notes, "--force").exit_code == 0
    outcomes = _imported(notes).outcomes
    assert [o.id for o in outcomes] == ids
    assert [o.title for o in outcomes][::2] == ["Coinvolgere le diaspore sin dalla progettazione", "Dati ancora troppo frammentati"]


def test_import_into_another_session_and_a_new_event(tmp_path, run, blank):
    notes = tmp_path / "altre-note"
    filled = fill_form(blank, tmp_path / "scheda.docx", TYPED, PICKED)
    result = run("import", filled, "--notes", notes, "--event", "forum-2020", "--session", "laboratorio-1")
    event = notes / "forum-2020" / "event.yaml"
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Creato {event}\n"
        f"Compila prima l'evento ({event}): date, luogo, organizzatori.\n"
        f"Nota scritta: {notes / 'forum-2020' / 'laboratorio-1.yaml'} (3 esiti).\n"
    )


def test_a_file_that_is_not_a_form(tmp_path, run, notes):
    text = tmp_path / "appunti.docx"
    text.write_text("non sono un docx")
    result = run("import", text, "--notes", notes)
    assert (result.exit_code, result.stderr) == (
        1, "appunti.docx: non è un documento Word (.docx) leggibile: salvalo in formato .docx e riprova\n"
    )
    import docx

    other = tmp_path / "lettera.docx"
    docx.Document().save(str(other))
    result = run("import", other, "--notes", notes)
    assert result.stderr == (
        "lettera.docx: non è una scheda di restituzione: crea la scheda con «outcomes form EVENTO SESSIONE»"
        " e compila quella\n"
    )


# --- With LibreOffice ---------------------------------------------------------------------------


def _soffice(tmp_path: Path, *args: str) -> None:
    soffice = need_program("soffice", "opening the Word form in LibreOffice")
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", *args],
                   check=True, capture_output=True, timeout=180)


@pytest.mark.libreoffice
def test_libreoffice_renders_the_form(tmp_path, blank):
    _soffice(tmp_path, "--convert-to", "pdf", "--outdir", str(tmp_path), str(blank))
    pdf = tmp_path / "scheda.pdf"
    pdftotext = need_program("pdftotext", "reading the form's PDF")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in ["Scheda di restituzione", "Come compilare la scheda", "Titolo della sessione", "Scegli dall'elenco",
                  "Esito 12", "Allegato: valori ammessi", "local_authority", "Marocco"]:
        assert words in text
    assert f"Scheda di restituzione · {EVENT_ID} · {SESSION_ID} · pagina 1 di" in text


@pytest.mark.libreoffice
def test_a_form_saved_by_libreoffice_imports_the_same(tmp_path, run, notes, blank):
    # LibreOffice 7.4 drops content-control tags when it saves: fields are
    # found by their bookmarks. (It also moves a soft break that shares a
    # multi-paragraph control with other text, so the summary here has none.)
    typed = {**TYPED, "summary": "Il gruppo ha discusso di diaspore e co-sviluppo.\n\nSecondo paragrafo, con l’apostrofo."}
    filled = fill_form(blank, tmp_path / "compilata.docx", typed, PICKED)
    saved = tmp_path / "salvata"
    _soffice(tmp_path, "--convert-to", "docx", "--outdir", str(saved), str(filled))
    resaved = saved / "compilata.docx"
    assert not any(sdt.find(f"{W}sdtPr/{W}tag") is not None for sdt in _document(resaved).iter(f"{W}sdt"))
    result = run("import", resaved, "--notes", notes)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    expected = {**EXPECTED, "summary": typed["summary"]}
    assert _imported(notes) == _expected_session(notes, expected)


# --- Ids printed on a form are ids ----------------------------------------------------------------


@pytest.mark.parametrize("session", ["registrations", "event", "followup"])
@pytest.mark.parametrize("force", [False, True])
def test_a_form_for_a_reserved_session_id_writes_nothing(tmp_path, run, notes, blank, session, force):
    (notes / EVENT_ID / "registrations.yaml").write_text("sessions: {}\n", "utf-8")
    before = {path.name: path.read_bytes() for path in (notes / EVENT_ID).iterdir()}
    filled = fill_form(blank, tmp_path / "scheda-compilata.docx", {**TYPED, "form.session": session}, PICKED)
    result = run("import", filled, "--notes", notes, *(["--force"] if force else []))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"scheda-compilata.docx: «{session}» è il nome di un file riservato della cartella dell'evento"
        " (event, registrations, followup): scegli un altro identificativo per una sessione\n"
    )
    assert {path.name: path.read_bytes() for path in (notes / EVENT_ID).iterdir()} == before


@pytest.mark.parametrize("option, value", [("--event", "../fuori"), ("--event", "/tmp/fuori"), ("--session", "../x")])
def test_ids_given_to_import_are_never_paths(tmp_path, run, notes, blank, option, value):
    filled = fill_form(blank, tmp_path / "scheda-compilata.docx", TYPED, PICKED)
    result = run("import", filled, "--notes", notes, option, value)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"scheda-compilata.docx: «{value}» non va bene come identificativo di ")
    assert sorted(p.name for p in tmp_path.rglob("*.yaml")) == ["event.yaml"]


def test_an_xml_entity_in_a_form_is_refused_not_silently_cut(tmp_path, run, notes, blank):
    """lxml, not resolving entities, would keep only the text before ``&luogo;``."""
    from intake_word import _replace_part

    filled = fill_form(blank, tmp_path / "scheda-compilata.docx", {**TYPED, "room": "Sala ENTITY Londra"}, PICKED)
    with zipfile.ZipFile(filled) as package:
        xml = package.read("word/document.xml")
    declaration, _, rest = xml.partition(b"?>")
    xml = declaration + b'?><!DOCTYPE w:document [<!ENTITY luogo "Torino">]>' + rest.replace(b"ENTITY", b"&luogo;")
    _replace_part(filled, tmp_path / "scheda-entita.docx", "word/document.xml", xml)
    result = run("import", tmp_path / "scheda-entita.docx", "--notes", notes)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "scheda-entita.docx: il documento contiene una dichiarazione <!DOCTYPE> con entità XML (word/document.xml),"
        " che Word e LibreOffice non scrivono mai e che farebbe perdere testo: aprilo e salvalo di nuovo in formato .docx\n"
    )
    assert sorted(p.name for p in (notes / EVENT_ID).iterdir()) == ["event.yaml"]


def test_the_form_tells_the_facilitator_where_to_send_it_not_a_command(blank):
    """Facilitators have no terminal: the form points at their desk link or the office."""
    with zipfile.ZipFile(blank) as package:
        text = "".join(etree.fromstring(package.read("word/document.xml")).itertext())
        properties = package.read("docProps/core.xml").decode("utf-8")
    assert "Poi caricala dal tuo link personale allo sportello delle schede («Oppure carica un file»)" in text
    assert "inviala per e-mail all'ufficio che ti ha mandato la scheda" in text
    assert "outcomes import" not in text and "outcomes import" not in properties
