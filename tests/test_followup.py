"""The follow-up of commitments: ``notes/<event>/followup.yaml`` checked like
every note, its updates in the database, on the site and in the proceedings,
and internal updates nowhere public."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import EXAMPLE_EVENT, EXAMPLE_NOTES
from outcomes import site

MAPPATURA = "migrazione-cooperazione-internazionale/mappatura-rimesse-collettive"


def write_followup(notes: Path, text: str) -> Path:
    path = notes / EXAMPLE_EVENT / "followup.yaml"
    path.write_text(text, "utf-8")
    return path


def check(run, path: Path, *options: str) -> tuple[int, list[str]]:
    result = run("check", path, *options)
    return result.exit_code, result.stderr.splitlines()


UPDATE = """\
- commitment: {commitment}
  date: {date}
  status: {status}
  text: |
    Che cosa è successo.
"""


# --- The format, checked like every note ----------------------------------------------


def test_the_example_followup_is_valid_and_warns_of_nothing(run):
    result = run("check", EXAMPLE_NOTES / EXAMPLE_EVENT / "followup.yaml")
    assert (result.exit_code, result.stderr) == (0, "")


def test_the_commitment_must_exist_in_this_event(run, notes):
    path = write_followup(
        notes,
        UPDATE.format(commitment="plenaria/convocare-tavolo-regionale", date="2020-02-10", status="done")
        + UPDATE.format(commitment="plenaria-mattina/convocare-tavolo-regional", date="2020-02-10", status="done")
        + UPDATE.format(commitment="Plenaria Mattina/Convocare", date="2020-02-10", status="done"),
    )
    code, lines = check(run, path)
    assert code == 1
    assert lines[:3] == [
        f"{path}:1:15: error: [0].commitment: impegno: «plenaria/convocare-tavolo-regionale»: l'evento non ha una "
        "sessione «plenaria» (forse intendevi «plenaria-mattina/convocare-tavolo-regionale»?)",
        f"{path}:6:15: error: [1].commitment: impegno: «plenaria-mattina/convocare-tavolo-regional»: la sessione "
        "«plenaria-mattina» non ha questo esito (forse intendevi «plenaria-mattina/convocare-tavolo-regionale»?); "
        "i suoi impegni: atti-e-mappatura-partenariati, convocare-tavolo-regionale, censimento-partenariati-comunali",
        f"{path}:11:15: error: [2].commitment: impegno: «Plenaria Mattina/Convocare» non indica un impegno: scrivi "
        "sessione/esito, cioè il nome del file della sessione e l'identificativo dell'impegno, es. "
        "«migrazione-cooperazione-internazionale/mappatura-rimesse-collettive» (forse intendevi «plenaria-mattina/convocare»?)",
    ]


def test_the_commitment_must_be_a_commitment(run, notes):
    path = write_followup(notes, UPDATE.format(commitment="plenaria-mattina/co-sviluppo-piemonte-senegal", date="2020-02-10", status="done"))
    code, lines = check(run, path, "--lang", "en")
    assert (code, lines[0]) == (
        1,
        f"{path}:1:15: error: [0].commitment: 'plenaria-mattina/co-sviluppo-piemonte-senegal' is an outcome of type "
        "'good_practice', not a commitment: only commitments (type: commitment) are followed up",
    )


def test_the_date_is_not_before_its_session_nor_in_the_future(run, notes):
    path = write_followup(
        notes,
        UPDATE.format(commitment=MAPPATURA, date="2019-10-14", status="in_progress")
        + UPDATE.format(commitment=MAPPATURA, date="2999-01-01", status="in_progress")
        + UPDATE.format(commitment=MAPPATURA, date="10/02/2020", status="in_progress"),
    )
    code, lines = check(run, path)
    today = dt.date.today().isoformat()
    assert (code, lines[:3]) == (1, [
        f"{path}:2:9: error: [0].date: data: 2019-10-14 è prima della sessione in cui è stato preso l'impegno (2019-10-15)",
        f"{path}:7:9: error: [1].date: data: 2999-01-01 è nel futuro (oggi è il {today}): un aggiornamento dice ciò che si sa già",
        f"{path}:12:9: error: [2].date: data: «10/02/2020» non è una data nel formato AAAA-MM-GG (forse intendevi «2020-02-10»?)",
    ])


def test_status_from_the_vocabulary_and_progress_from_0_to_100(run, notes):
    path = write_followup(notes, f"""\
- commitment: {MAPPATURA}
  date: 2020-02-10
  status: fatto
  progress: 120
  text: x
- commitment: {MAPPATURA}
  date: 2020-02-11
  status: in_progress
  progress: 30%
  text: x
  colore: rosso
""")
    code, lines = check(run, path)
    assert (code, lines[:4]) == (1, [
        f"{path}:3:11: error: [0].status: stato: «fatto» non è un valore ammesso; valori ammessi: proposed, agreed, in_progress, done, dropped",
        f"{path}:4:13: error: [0].progress: avanzamento: «120» non è una percentuale: scrivi un numero intero da 0 a 100, senza «%»",
        f"{path}:9:13: error: [1].progress: avanzamento: «30%» non è una percentuale: scrivi un numero intero da 0 a 100, senza «%» (forse intendevi «30»?)",
        f"{path}:11:3: error: [1].colore: campo sconosciuto «colore»; campi ammessi qui: commitment, date, status, progress, text, source, visibility",
    ])


def test_a_status_going_back_or_done_under_100_is_a_warning(run, notes):
    path = write_followup(notes, f"""\
- commitment: cooperazione-decentrata-agenda-2030/vademecum-art-9
  date: 2020-01-10
  status: in_progress
  text: La nota diceva «done», ma la distribuzione non è finita.
- commitment: {MAPPATURA}
  date: 2020-05-10
  status: done
  progress: 80
  text: x
- commitment: {MAPPATURA}
  date: 2020-03-10
  status: done
  progress: 100
  text: x
""")
    code, lines = check(run, path)
    assert code == 0  # warnings, not errors
    assert lines == [
        f"{path}:3:11: warning: [0].status: stato: lo stato torna indietro, da «done» (2019-10-15) a «in_progress»: se è giusto, spiegalo nel testo",
        f"{path}:8:13: warning: [1].progress: avanzamento: lo stato è «done» ma l'avanzamento è 80%: correggi l'uno o l'altro",
    ]
    # In date order, not in the order written: done on 10 March, done again on 10 May.
    assert not any("torna indietro" in line and ":7:" in line for line in lines)


def test_the_file_is_a_list_and_strict_yaml(run, notes):
    path = write_followup(notes, "commitment: x\n")
    assert check(run, path) == (1, [
        f"{path}:1:1: error: (file): il seguito degli impegni è un elenco di aggiornamenti, ciascuno introdotto da «- », non un gruppo di campi",
        "1 errore nelle note.",
    ])
    path = write_followup(notes, UPDATE.format(commitment=MAPPATURA, date="2020-02-10", status="done") + "  status: agreed\n")
    assert check(run, path)[1][0] == f"{path}:6:3: error: [0].status: la chiave «status» compare due volte (la prima alla riga 3): tienine una sola"


def test_checking_the_event_folder_checks_its_followup(run, notes):
    write_followup(notes, UPDATE.format(commitment=MAPPATURA, date="2999-01-01", status="done"))
    code, lines = check(run, notes)
    today = dt.date.today().isoformat()
    assert code == 1 and lines[0].endswith(f"[0].date: data: 2999-01-01 è nel futuro (oggi è il {today}): un aggiornamento dice ciò che si sa già")


def test_a_later_event_names_earlier_events_it_follows(run, notes):
    event = notes / EXAMPLE_EVENT / "event.yaml"
    text = event.read_text("utf-8")
    event.write_text(text + "follows: [sguardi-cooperazione-migrazione-2018, sguardi-cooperazione-migrazione-2019]\n", "utf-8")
    code, lines = check(run, event)
    line = len(text.splitlines()) + 1
    assert (code, lines[:2]) == (1, [
        f"{event}:{line}:11: error: follows[0]: eventi seguiti: non esiste un evento «sguardi-cooperazione-migrazione-2018» "
        "(una cartella in notes/ con il suo event.yaml) (forse intendevi «sguardi-cooperazione-migrazione-2019»?)",
        f"{event}:{line}:49: error: follows[1]: eventi seguiti: «sguardi-cooperazione-migrazione-2019» è questo stesso evento: indica solo eventi precedenti",
    ])


# --- The database -----------------------------------------------------------------------

EVENT_KEY = EXAMPLE_EVENT + "--"


@pytest.fixture(scope="module")
def example_db(tmp_path_factory):
    import sqlite_utils

    from outcomes.build import build

    out = tmp_path_factory.mktemp("followup-db")
    assert build(EXAMPLE_NOTES, out, proceedings=False).ok
    return sqlite_utils.Database(out / "outcomes.db")


def test_the_updates_table_holds_public_updates_of_public_commitments(example_db):
    commitment = f"{EVENT_KEY}migrazione-cooperazione-internazionale--mappatura-rimesse-collettive"
    rows = list(example_db.query("select * from commitment_updates where commitment_id = ? order by date", [commitment]))
    assert rows == [
        {
            "id": f"{commitment}--2020-02-10",
            "commitment_id": commitment,
            "event_id": EXAMPLE_EVENT,
            "position": 3,
            "date": "2020-02-10",
            "status": "in_progress",
            "progress": 30,
            "text": "La scheda di rilevazione è stata inviata alle associazioni aderenti al\n"
            "forum; le prime schede compilate riguardano iniziative in Senegal e in\nMarocco.\n",
            "source": "Tavolo regionale del 10 febbraio 2020",
        },
        {
            "id": f"{commitment}--2020-10-05",
            "commitment_id": commitment,
            "event_id": EXAMPLE_EVENT,
            "position": 9,
            "date": "2020-10-05",
            "status": "in_progress",
            "progress": 70,
            "text": "Raccolte 58 schede da 23 associazioni. La rilevazione è prorogata a marzo\n"
            "2021: molte associazioni hanno sospeso gli incontri durante la pandemia.\n",
            "source": "Tavolo regionale del 5 ottobre 2020",
        },
    ]  # the internal update of 12 November is not there
    assert example_db["commitment_updates"].count == 10  # 12 written, 2 internal
    internal = f"{EVENT_KEY}cooperazione-decentrata-agenda-2030--rinnovo-protocollo-burkina"
    assert example_db.execute("select count(*) from commitment_updates where commitment_id = ?", [internal]).fetchone() == (0,)


def test_each_commitment_carries_its_current_status(example_db):
    rows = example_db.query(
        "select slug, status, current_status, progress, last_update from outcomes where type = 'commitment'"
        " and session_id like '%migrazione-cooperazione-internazionale' order by position"
    )
    assert list(rows) == [
        # followed up: the latest public update decides
        {"slug": "guida-imprese-ingresso-per-lavoro", "status": "agreed", "current_status": "in_progress", "progress": 50, "last_update": "2020-04-20"},
        {"slug": "mappatura-rimesse-collettive", "status": "in_progress", "current_status": "in_progress", "progress": 70, "last_update": "2020-10-05"},
        # not followed up: the note's own status
        {"slug": "corso-progettazione-diaspore", "status": "done", "current_status": "done", "progress": None, "last_update": None},
        {"slug": "sportello-multilingue-raccolta", "status": "agreed", "current_status": "done", "progress": 100, "last_update": "2020-10-05"},
        {"slug": "modulo-prepartenza-senegal", "status": "dropped", "current_status": "dropped", "progress": None, "last_update": None},
        {"slug": "incontri-rimesse-nelle-associazioni", "status": "proposed", "current_status": "proposed", "progress": None, "last_update": None},
    ]


def test_progress_is_the_latest_given(tmp_path, notes):
    import sqlite_utils

    from outcomes.build import build

    write_followup(notes, f"""\
- commitment: {MAPPATURA}
  date: 2020-02-10
  status: in_progress
  progress: 30
  text: x
- commitment: {MAPPATURA}
  date: 2020-03-10
  status: in_progress
  text: y
- commitment: {MAPPATURA}
  date: 2020-03-10
  status: agreed
  text: z
  visibility: internal
""")
    assert build(notes, tmp_path / "out", proceedings=False).ok
    db = sqlite_utils.Database(tmp_path / "out" / "outcomes.db")
    outcome = db["outcomes"].get(f"{EVENT_KEY}{MAPPATURA.replace('/', '--')}")
    assert (outcome["current_status"], outcome["progress"], outcome["last_update"]) == ("in_progress", 30, "2020-03-10")


# --- Incremental builds -----------------------------------------------------------------


def test_a_session_change_that_breaks_the_followup_is_an_error(tmp_path, notes):
    from outcomes.build import build
    from test_incremental import touch_later

    out = tmp_path / "out"
    assert build(notes, out, proceedings=False).ok
    session = notes / EXAMPLE_EVENT / "migrazione-cooperazione-internazionale.yaml"
    touch_later(session, session.read_text("utf-8").replace("id: mappatura-rimesse-collettive", "id: mappatura-rimesse"))
    result = build(notes, out, proceedings=False)
    assert not result.ok
    assert [p.format() for p in result.problems.errors][0].endswith(
        "error: [2].commitment: impegno: «migrazione-cooperazione-internazionale/mappatura-rimesse-collettive»: la sessione "
        "«migrazione-cooperazione-internazionale» non ha questo esito (forse intendevi "
        "«migrazione-cooperazione-internazionale/mappatura-rimesse»?); i suoi impegni: guida-imprese-ingresso-per-lavoro, "
        "mappatura-rimesse, corso-progettazione-diaspore, studio-circolare-marocco, sportello-multilingue-raccolta, "
        "modulo-prepartenza-senegal, incontri-rimesse-nelle-associazioni"
    )


# --- The site ---------------------------------------------------------------------------

SPORTELLO = f"{EVENT_KEY}migrazione-cooperazione-internazionale--sportello-multilingue-raccolta"


@pytest.fixture(scope="module")
def client(built):
    from test_site import Client

    client = Client(built)
    yield client
    client.close()


def _timeline(html: str) -> list[str]:
    """The timeline's entries as text, one per item, spaces collapsed."""
    import re

    section = html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_a_commitment_page_shows_its_timeline(client):
    html = client.ok(f"/outcomes/outcomes/{SPORTELLO}").text
    assert _timeline(html) == [
        "15 ottobre 2019 Concordato Impegno preso nella sessione Migrazione e Cooperazione Internazionale .",
        "15 giugno 2020 In corso Lo sportello mobile è partito con due giornate a settimana nei comuni che hanno offerto "
        "i locali, con materiali in francese, inglese, wolof, bambara e arabo e con le misure di prevenzione sanitaria "
        "concordate con l'ASL. Fonte: Comunicato del coordinamento immigrazione",
        "5 ottobre 2020 Realizzato 100% A fine stagione lo sportello ha tenuto 34 giornate in cinque comuni e ha dato "
        "informazioni a circa 900 lavoratori e lavoratrici stagionali. Il sindacato propone di ripeterlo nel 2021. "
        "Fonte: Tavolo regionale del 5 ottobre 2020",
    ]
    assert '<span class="status status-done">Realizzato</span></p>' in html  # the kicker: the current status
    assert 'Realizzato · 100%\n        (aggiornato al <time datetime="2020-10-05">5 ottobre 2020</time>)' in html
    # A commitment no one followed up says so; other outcomes have no timeline.
    html = client.ok(f"/outcomes/outcomes/{EVENT_KEY}migrazione-cooperazione-internazionale--corso-progettazione-diaspore").text
    assert _timeline(html) == ["15 ottobre 2019 Realizzato Impegno preso nella sessione Migrazione e Cooperazione Internazionale ."]
    assert "Nessun aggiornamento dopo la sessione." in html
    html = client.ok(f"/outcomes/outcomes/{EVENT_KEY}plenaria-mattina--co-sviluppo-piemonte-senegal").text
    assert 'class="timeline"' not in html


def test_impegni_shows_current_status_last_update_and_overdue(client):
    rows = {row["esito"].rsplit("--", 1)[1]: row for row in client.rows("/outcomes/impegni.json?stato=")}
    assert rows["sportello-multilingue-raccolta"] | {"sessione": None, "attori": None} == {
        "esito": SPORTELLO,
        "titolo": "Uno sportello multilingue nei distretti della frutta durante la raccolta",
        "responsabile": "Sindacato confederale – coordinamento immigrazione del Piemonte",
        "scadenza": "2020-07-31",
        "stato": "Concordato",
        "sessione": None,
        "stato_attuale": "Realizzato",
        "avanzamento": 100,
        "ultimo_aggiornamento": "2020-10-05",
        "in_ritardo": "",
        "codice_stato": "done",  # the current status, for /impegni's filter
        "attori": None,
        "tipo_responsabile": "Sindacato",  # the owner's actor type, by label and code
        "codice_tipo_responsabile": "trade_union",
    }
    # Due 30 April 2020, still in progress: overdue. Done or dropped never is.
    guide = rows["guida-imprese-ingresso-per-lavoro"]
    assert (guide["stato_attuale"], guide["avanzamento"], guide["ultimo_aggiornamento"], guide["in_ritardo"]) == (
        "In corso", 50, "2020-04-20", "in ritardo")
    overdue = sorted(slug for slug, row in rows.items() if row["in_ritardo"])
    assert overdue == [
        "dataset-aperto-progetti", "guida-imprese-ingresso-per-lavoro", "incontri-rimesse-nelle-associazioni",
        "mappatura-rimesse-collettive", "referenti-diaspora-consulte",
    ]
    assert all(rows[slug]["stato_attuale"] not in ("Realizzato", "Abbandonato") for slug in overdue)
    html = client.ok("/outcomes/impegni").text
    assert "in ritardo" in html and "Stato attuale" in html  # the list of commitments, in Italian


def test_facet_on_current_status_and_a_feed_of_updates(client):
    facets = client.ok("/outcomes/outcomes.json?type=commitment&_facet=current_status&_size=0").json()["facet_results"]
    values = {(v["value"], v["label"]): v["count"] for v in facets["current_status"]["results"]}
    assert values == {
        ("done", "Realizzato"): 8, ("in_progress", "In corso"): 3, ("agreed", "Concordato"): 1,
        ("dropped", "Abbandonato"): 2, ("proposed", "Proposto"): 1,
    }
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.fromstring(client.ok("/outcomes/feed_aggiornamenti.atom").content)
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == 10
    first = entries[0]
    assert first.find(f"{atom}title").text == "Un dataset aperto dei progetti di cooperazione decentrata dal 2010 — In corso (40%)"
    assert first.find(f"{atom}updated").text == "2020-12-14T12:00:00+01:00"
    # Each entry's link leads to that update on the commitment's page.
    for entry in entries:
        link = entry.find(f"{atom}link").get("href").removeprefix(site.public_url().rstrip("/"))  # the site's fixed address
        path, anchor = link.split("#")
        html = client.ok(path).text
        assert f'<li id="{anchor}" class="timeline-update"><time datetime="{anchor.removeprefix("aggiornamento-")[:10]}">' in html
    rows = client.rows("/outcomes/aggiornamenti.json")
    assert [(r["data"], r["esito"].rsplit("--", 1)[1], r["stato"], r["avanzamento"]) for r in rows[:3]] == [
        ("2020-12-14", "dataset-aperto-progetti", "In corso", 40),
        ("2020-10-05", "mappatura-rimesse-collettive", "In corso", 70),
        ("2020-10-05", "sportello-multilingue-raccolta", "Realizzato", 100),
    ]


# --- The proceedings --------------------------------------------------------------------


def _pdf(tmp_path_factory, name: str, write) -> list[str]:
    """Pages of the PDF LibreOffice makes of the proceedings ``write`` writes."""
    import subprocess

    from conftest import need_program
    from test_proceedings import pdf_pages

    soffice = need_program("soffice", "the proceedings are checked as LibreOffice lays them out")
    folder = tmp_path_factory.mktemp(name)
    source = folder / f"{name}.docx"
    write(source)
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    return pdf_pages(folder / f"{name}.pdf")


def _chapter(pages: list[str], title: str, following: str) -> str:
    text = " ".join(pages)
    start = text.rindex(title)  # the chapter, not its line in the contents
    return text[start: text.index(following, start)]


@pytest.fixture(scope="module")
def example_pdf_pages(tmp_path_factory) -> list[str]:
    from test_proceedings import load_notes, write_proceedings

    event, sessions = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)
    return _pdf(tmp_path_factory, EXAMPLE_EVENT, lambda path: write_proceedings(event, sessions, path))


HEADER = "Sguardi e prospettive della cooperazione decentrata e la migrazione per lavoro Atti del convegno"


@pytest.mark.libreoffice
def test_the_proceedings_say_where_each_commitment_stands(example_pdf_pages):
    import re

    contents = example_pdf_pages[2]  # after the title page and the colophon
    assert re.search(r"Impegni ?\.{3,} ?\d+ A che punto sono gli impegni ?\.{3,} ?\d+ Partecipanti", contents)
    chapter = _chapter(example_pdf_pages, "A che punto sono gli impegni Per ogni impegno", "Partecipanti per tipo di attore")
    chapter = re.sub(r" Pagina \d+ di \d+ " + HEADER, "", chapter)  # page breaks
    # Every public commitment of the event, by due date, with its current status.
    numbers = re.findall(r"(\d\.\d+) [^:]+? Chi:", chapter)
    assert len(numbers) == 15
    assert "3.18 Uno sportello multilingue nei distretti della frutta durante la raccolta Chi: Sindacato confederale – " \
        "coordinamento immigrazione del Piemonte Entro: 31 luglio 2020 Stato nella sessione: Concordato " \
        "Stato attuale: Realizzato (100%), aggiornato al 5 ottobre 2020 " \
        "15 giugno 2020 — In corso Lo sportello mobile è partito con due giornate a settimana nei comuni che hanno " \
        "offerto i locali, con materiali in francese, inglese, wolof, bambara e arabo e con le misure di prevenzione " \
        "sanitaria concordate con l'ASL. Fonte: Comunicato del coordinamento immigrazione " \
        "5 ottobre 2020 — Realizzato (100%) A fine stagione lo sportello ha tenuto 34 giornate in cinque comuni e ha " \
        "dato informazioni a circa 900 lavoratori e lavoratrici stagionali. Il sindacato propone di ripeterlo nel 2021. " \
        "Fonte: Tavolo regionale del 5 ottobre 2020" in chapter
    assert "Stato attuale: Realizzato Nessun aggiornamento dopo il convegno." in chapter
    assert "Riservato" not in " ".join(example_pdf_pages)
    assert "Rinnovo del protocollo" not in chapter


@pytest.fixture(scope="module")
def later_event(tmp_path_factory) -> Path:
    """A 2021 event that follows the example one."""
    import shutil

    from helpers import EVENT_YAML, SESSION_YAML

    notes = tmp_path_factory.mktemp("later") / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    later = notes / "sguardi-2021"
    later.mkdir()
    event = EVENT_YAML.replace("title: Sguardi e prospettive della cooperazione decentrata", "title: Sguardi 2021")
    (later / "event.yaml").write_text(event.replace("2019-10-15", "2021-10-15") + f"follows: [{EXAMPLE_EVENT}]\n", "utf-8")
    (later / "laboratorio.yaml").write_text(SESSION_YAML.replace("2019-10-15", "2021-10-15"), "utf-8")
    return notes


@pytest.mark.libreoffice
def test_a_later_event_reports_the_followup_of_the_earlier_one(tmp_path_factory, later_event):
    import re

    from test_proceedings import load_notes, write_proceedings

    event, sessions = load_notes(later_event / "sguardi-2021")
    pages = _pdf(tmp_path_factory, "sguardi-2021", lambda path: write_proceedings(event, sessions, path))
    title = "A che punto sono gli impegni di «Sguardi e prospettive della cooperazione decentrata e la migrazione per lavoro»"
    assert re.search(re.escape(title) + r" ?\.{3,} ?\d+", pages[2])  # the contents, after the colophon
    chapter = re.sub(r" Pagina \d+ di \d+ Sguardi 2021 Atti del convegno", "", _chapter(pages, title + " Gli impegni", "Partecipanti per tipo di attore"))
    assert chapter.startswith(
        title + " Gli impegni presi al convegno «Sguardi e prospettive della cooperazione decentrata e la migrazione per "
        "lavoro» (15 ottobre 2019), numerati come nei suoi atti, con lo stato attuale e gli aggiornamenti raccolti dopo. "
        "1.7 Pubblicare gli atti della giornata e una mappatura dei partenariati"
    )
    assert "2.17 Un dataset aperto dei progetti di cooperazione decentrata dal 2010 Chi: Osservatorio universitario su " \
        "migrazioni e sviluppo Entro: 31 ottobre 2020 Stato nella sessione: Concordato Stato attuale: In corso (40%), " \
        "aggiornato al 14 dicembre 2020 14 dicembre 2020 — In corso (40%) L'accordo di collaborazione è stato firmato" in chapter
    assert len(re.findall(r"(\d\.\d+) [^:]+? Chi:", chapter)) == 15
    assert "Riservato" not in " ".join(pages)


def test_a_build_rewrites_the_proceedings_of_the_events_that_follow_a_changed_one(tmp_path, later_event):
    import shutil

    from outcomes.build import build
    from test_incremental import touch_later

    notes = tmp_path / "notes"
    shutil.copytree(later_event, notes)
    out = tmp_path / "out"
    assert build(notes, out).ok
    later = out / "proceedings" / "sguardi-2021.docx"
    before = later.read_bytes()
    path = notes / EXAMPLE_EVENT / "followup.yaml"
    touch_later(path, path.read_text("utf-8").replace("Raccolte 58 schede", "Raccolte 61 schede"))
    result = build(notes, out)
    assert (result.ok, result.incremental) == (True, True)
    assert later.read_bytes() != before
    reference = tmp_path / "full"
    assert build(notes, reference, full=True).ok
    for name in ("sguardi-2021.docx", f"{EXAMPLE_EVENT}.docx"):
        assert (out / "proceedings" / name).read_bytes() == (reference / "proceedings" / name).read_bytes(), name


# --- Privacy ----------------------------------------------------------------------------


def test_internal_updates_reach_no_public_byte(built, tmp_path):
    """Every file a build publishes (database, site, proceedings unzipped),
    byte by byte; the internal edition of the proceedings does hold them, so
    the scan would find them."""
    import zipfile

    from test_proceedings import load_notes, write_proceedings
    from test_publishing import internal_updates

    secrets = internal_updates()
    assert secrets == {
        "Riservato: la bozza di rinnovo del protocollo è in attesa del parere",
        "Riservato: due associazioni chiedono di non comparire nella mappatura;",
    }

    def contents(path: Path) -> bytes:
        if path.suffix == ".docx":
            with zipfile.ZipFile(path) as archive:
                return b"".join(archive.read(name) for name in archive.namelist())
        return path.read_bytes()

    published = [p for p in built.rglob("*") if p.is_file()]
    assert any(p.suffix == ".docx" for p in published) and any(p.name == "outcomes.db" for p in published)
    for path in published:
        data = contents(path)
        for text in secrets:
            assert text.encode("utf-8") not in data, f"{text!r} found in {path}"
    event, sessions = load_notes(EXAMPLE_NOTES / EXAMPLE_EVENT)
    internal = tmp_path / "interno.docx"
    write_proceedings(event, sessions, internal, internal=True)
    assert all(text.encode("utf-8") in contents(internal) for text in secrets)


def test_outcomes_proceedings_checks_the_followup_first(run, notes, tmp_path):
    path = write_followup(notes, UPDATE.format(commitment=MAPPATURA, date="2999-01-01", status="done"))
    result = run("proceedings", EXAMPLE_EVENT, "--notes", notes, "-o", tmp_path / "atti.docx")
    assert result.exit_code == 1 and not (tmp_path / "atti.docx").exists()
    assert result.stderr.splitlines()[0].startswith(f"{path}:2:9: error: [0].date: data: 2999-01-01 è nel futuro")
