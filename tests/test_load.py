"""Loading notes: YAML's pitfalls, and every problem at its exact place.

Each test writes real files and reads them back through `outcomes check`,
asserting whole output lines.
"""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import EVENT_YAML, SESSION_YAML, write_library
from outcomes import load, yamltext

SESSION_PATH = "notes/convegno-2019/laboratorio.yaml"


def load_session(tmp_path, text: str) -> tuple[load.SessionNote | None, list[str]]:
    notes = write_library(tmp_path, text)
    problems = load.Problems()
    event = load.load_event(notes / "convegno-2019", problems)
    note = load.load_session(notes / "convegno-2019" / "laboratorio.yaml", event, problems)
    lines = [p.format().replace(str(tmp_path) + "/", "") for p in problems]
    return note, lines


def problems_of(tmp_path, text: str, lang: str = "it") -> list[str]:
    notes = write_library(tmp_path, text)
    problems = load.Problems()
    load.check_paths([notes], problems)
    return [p.format(lang).replace(str(tmp_path) + "/", "") for p in problems]


def replace(old: str, new: str, text: str = SESSION_YAML) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# --- What was written is what is read ----------------------------------------------


def test_the_example_session_is_valid(tmp_path):
    note, problems = load_session(tmp_path, SESSION_YAML)
    assert problems == []
    outcome = note.session.outcomes[0]
    assert outcome.model_dump() == {
        "id": "diaspore-coprogettazione",
        "type": "recommendation",
        "title": "Coinvolgere le diaspore nella progettazione",
        "text": "Le associazioni della diaspora partecipano fin dall'inizio.\n",
        "sdg_targets": ["10.7", "17.17"],
        "gcm_objectives": [19, 23],
        "countries": ["SN", "MA"],
        "actors": ["diaspora_association", "local_authority"],
        "themes": ["diaspora", "remittances"],
        "keywords": ["co-sviluppo"],
        "owner": None,
        "owner_type": None,
        "due": None,
        "status": None,
        "visibility": "public",
    }
    assert (note.id, note.event_id, note.key) == ("laboratorio", "convegno-2019", "convegno-2019--laboratorio")


def test_norway_stays_norway(tmp_path):
    """PyYAML reads an unquoted NO as false; a note keeps the country code."""
    note, problems = load_session(tmp_path, replace("countries: [SN, MA]", "countries: [NO, SN]"))
    assert problems == []
    assert note.session.outcomes[0].countries == ["NO", "SN"]


def test_target_17_10_stays_17_10(tmp_path):
    """Unquoted 17.10 is the float 17.1 to YAML; here it is target 17.10."""
    note, problems = load_session(tmp_path, replace('["10.7", "17.17"]', "[17.10, 10.7, 10.c]"))
    assert problems == []
    assert note.session.outcomes[0].sdg_targets == ["17.10", "10.7", "10.c"]
    assert note.session.outcomes[0].sdg_goals == [10, 17]


def test_unquoted_times_stay_times(tmp_path):
    """YAML 1.1 reads 10:30 as 630 (base 60); here it is half past ten."""
    text = replace('start: "14:30"', "start: 10:30", replace('end: "17:00"', "end: 13:00"))
    note, problems = load_session(tmp_path, text)
    assert problems == []
    assert (note.session.start, note.session.end) == (dt.time(10, 30), dt.time(13, 0))


def test_counts_with_a_thousands_separator_are_refused(tmp_path):
    """pydantic would read "1.000" as 1; a head count must be written as digits."""
    assert problems_of(tmp_path, replace("local_authority: 12", "local_authority: 1.000")) == [
        f"{SESSION_PATH}:11:20: error: participants.local_authority: partecipanti: «1.000» non è un numero"
        " intero senza separatori (forse intendevi «1000»?)"
    ]


def test_a_key_written_twice_is_an_error_not_the_last_one_wins(tmp_path):
    assert problems_of(tmp_path, SESSION_YAML + "title: Un altro titolo\n") == [
        f"{SESSION_PATH}:27:1: error: title: la chiave «title» compare due volte (la prima alla riga 1): tienine una sola"
    ]


def test_a_duplicate_key_inside_an_outcome(tmp_path):
    text = replace("    type: recommendation\n", "    type: recommendation\n    type: finding\n")
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:18:5: error: outcomes[0].type: la chiave «type» compare due volte (la prima alla riga 17):"
        " tienine una sola"
    ]


def test_a_hash_after_one_space_is_a_comment_and_a_warning(tmp_path):
    """`title: Tavolo #2` is read as `Tavolo`: valid YAML, so a warning."""
    note, problems = load_session(tmp_path, replace("title: Coinvolgere le diaspore nella progettazione", "title: Tavolo #2"))
    assert note.session.outcomes[0].title == "Tavolo"
    assert problems == [
        f"{SESSION_PATH}:18:19: warning: outcomes[0].title: «#2» è letto come commento e il valore è solo «Tavolo»:"
        " se «#» fa parte del testo, metti il valore tra virgolette"
    ]


def test_a_quoted_hash_is_text(tmp_path):
    note, problems = load_session(tmp_path, replace("title: Coinvolgere le diaspore nella progettazione", 'title: "Tavolo #2"'))
    assert problems == []
    assert note.session.outcomes[0].title == "Tavolo #2"


def test_a_non_breaking_space_after_a_colon_is_read_as_a_space(tmp_path):
    note, problems = load_session(tmp_path, replace("kind: workshop", "kind:\u00a0workshop"))
    assert note.session.kind == "workshop"
    assert problems == [
        f"{SESSION_PATH}:2:6: warning: (file): spazio non separabile (NBSP) dove YAML vuole uno spazio normale:"
        " letto come spazio"
    ]


def test_bom_and_crlf_line_endings(tmp_path):
    text = "\ufeff" + SESSION_YAML.replace("\n", "\r\n")
    note, problems = load_session(tmp_path, text)
    assert problems == []
    assert note.session.title == "Migrazione e Cooperazione Internazionale"
    assert note.session.summary == "Le **città** e le associazioni dei migranti.\n"


def test_tab_indentation(tmp_path):
    assert problems_of(tmp_path, replace("  local_authority: 12", "\tlocal_authority: 12")) == [
        f"{SESSION_PATH}:11:1: error: (file): YAML non valido: tabulazione (tasto Tab) usata per rientrare:"
        " in YAML si rientra con gli spazi (found character that cannot start any token)"
    ]


def test_anchors_and_aliases_are_refused(tmp_path):
    text = replace("countries: [SN, MA]", "countries: &paesi [SN, MA]\n    keywords_bis: *paesi")
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:24:5: error: outcomes[0].keywords_bis: ancore e riferimenti YAML (& e *) non sono ammessi"
        " nelle note: scrivi il valore per esteso"
    ]


def test_explicit_tags_are_refused(tmp_path):
    assert problems_of(tmp_path, replace("kind: workshop", "kind: !!str workshop")) == [
        f"{SESSION_PATH}:2:7: error: kind: i tag YAML («tag:yaml.org,2002:str») non sono ammessi nelle note"
    ]


def test_two_documents_in_one_file(tmp_path):
    assert problems_of(tmp_path, SESSION_YAML + "---\ntitle: Seconda\n") == [
        f"{SESSION_PATH}:27:1: error: (file): il file contiene più documenti YAML (separati da «---»):"
        " una nota è un solo documento"
    ]


def test_an_unquoted_colon_in_a_title(tmp_path):
    text = replace("title: Migrazione e Cooperazione Internazionale", "title: Laboratorio: migrazione")
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:1:19: error: (file): YAML non valido: «: » inatteso: se il testo contiene «: »,"
        " scrivilo tra virgolette o su righe a parte dopo «|» (mapping values are not allowed in this context)"
    ]


# --- Unknown keys, wrong codes, missing values ---------------------------------------


def test_unknown_key_with_did_you_mean(tmp_path):
    text = replace("    text: |\n", "    titel: Un titolo\n    text: |\n")
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:19:5: error: outcomes[0].titel: campo sconosciuto «titel» (forse intendevi «title»?);"
        " campi ammessi qui: id, type, title, text, sdg_targets, gcm_objectives, countries, actors, themes,"
        " keywords, owner, owner_type, due, status, visibility"
    ]


def test_unknown_key_in_english(tmp_path):
    text = replace("summary: |", "sumary: |")
    assert problems_of(tmp_path, text, lang="en") == [
        f"{SESSION_PATH}:1:1: error: summary: the required field 'summary' is missing: add it",
        f"{SESSION_PATH}:13:1: error: sumary: unknown field 'sumary' (did you mean 'summary'?); fields allowed"
        " here: title, kind, date, start, end, language, room, facilitators, speakers, participants, summary,"
        " quotes, outcomes, visibility",
    ]


def test_sdg_targets_that_do_not_exist(tmp_path):
    text = replace('["10.7", "17.17"]', '["7.4", "17.1O", "10,7", "99.1"]')
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:21:19: error: outcomes[0].sdg_targets[0]: «7.4» non è un target SDG:"
        " il goal 7 ha i target 7.1, 7.2, 7.3, 7.a, 7.b",
        f"{SESSION_PATH}:21:26: error: outcomes[0].sdg_targets[1]: «17.1O» non è un target SDG (forse intendevi"
        " «17.10»?): il goal 17 ha i target 17.1, 17.2, 17.3, 17.4, 17.5, 17.6, 17.7, 17.8, 17.9, 17.10, 17.11,"
        " 17.12, 17.13, 17.14, 17.15, 17.16, 17.17, 17.18, 17.19",
        f"{SESSION_PATH}:21:35: error: outcomes[0].sdg_targets[2]: «10,7» non è un target SDG (forse intendevi"
        " «10.7»?): il goal 10 ha i target 10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 10.7, 10.a, 10.b, 10.c",
        f"{SESSION_PATH}:21:43: error: outcomes[0].sdg_targets[3]: «99.1» non è un target SDG:"
        " si scrive come «10.7» o «10.c» (goal, punto, target)",
    ]


def test_gcm_objective_out_of_range_and_country_names(tmp_path):
    text = replace("gcm_objectives: [19, 23]", "gcm_objectives: [19, 24]",
                   replace("countries: [SN, MA]", "countries: [Marocco, sn]"))
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:22:26: error: outcomes[0].gcm_objectives[1]: «24» non è un obiettivo del Global Compact"
        " per le migrazioni: sono numerati da 1 a 23",
        f"{SESSION_PATH}:23:17: error: outcomes[0].countries[0]: «Marocco» non è un codice di paese ISO a due"
        " lettere (es. «SN» per il Senegal) (forse intendevi «MA»?)",
        f"{SESSION_PATH}:23:26: error: outcomes[0].countries[1]: «sn» non è un codice di paese ISO a due lettere"
        " (es. «SN» per il Senegal) (forse intendevi «SN»?)",
    ]


def test_actor_type_near_miss(tmp_path):
    lines = problems_of(tmp_path, replace("actors: [diaspora_association, local_authority]",
                                          "actors: [diaspora_association, local_autority]"))
    assert lines == [
        f"{SESSION_PATH}:24:36: error: outcomes[0].actors[1]: attori: «local_autority» non è un valore ammesso"
        " (forse intendevi «local_authority»?); valori ammessi: region, local_authority, national_government,"
        " cooperation_agency, international_organisation, ngo, diaspora_association, trade_association,"
        " trade_union, volunteering, university, private_sector, partner_authority, foundation, social_economy,"
        " training_agency, school, employment_service"
    ]


def test_missing_field_points_at_its_parent(tmp_path):
    text = replace("    title: Coinvolgere le diaspore nella progettazione\n", "")
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:16:5: error: outcomes[0].title: manca il campo obbligatorio «title» (titolo): aggiungilo"
    ]


def test_empty_required_value(tmp_path):
    assert problems_of(tmp_path, replace("title: Migrazione e Cooperazione Internazionale", "title:")) == [
        f"{SESSION_PATH}:1:7: error: title: titolo: il valore è vuoto: scrivilo dopo «:» oppure togli la riga"
        " se il campo è facoltativo"
    ]


def test_a_list_where_text_is_expected_and_text_where_a_list_is(tmp_path):
    text = replace("title: Migrazione e Cooperazione Internazionale", "title: [Migrazione, Cooperazione]",
                   replace("countries: [SN, MA]", "countries: SN"))
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:1:8: error: title: titolo: serve un testo, non un elenco",
        f"{SESSION_PATH}:23:16: error: outcomes[0].countries: paesi: serve un elenco (es. «[a, b]» oppure una"
        " voce per riga con «- »), non un testo",
    ]


# --- Rules across fields ---------------------------------------------------------------


COMMITMENT = """\
  - id: sportello-diaspore
    type: commitment
    title: Aprire uno sportello per le associazioni della diaspora
    text: La Regione apre uno sportello di accompagnamento.
    actors: [region]
"""


def test_a_commitment_needs_an_owner_and_a_due_date(tmp_path):
    assert problems_of(tmp_path, SESSION_YAML + COMMITMENT) == [
        f"{SESSION_PATH}:27:5: error: outcomes[1].owner: un impegno deve dire chi agisce: aggiungi «owner:»"
        " con il nome dell'organizzazione responsabile",
        f"{SESSION_PATH}:27:5: error: outcomes[1].due: un impegno deve dire entro quando: aggiungi «due:»"
        " con una data AAAA-MM-GG",
    ]


def test_a_complete_commitment(tmp_path):
    text = SESSION_YAML + COMMITMENT + "    owner: Regione Piemonte\n    due: 2020-06-30\n    status: agreed\n"
    note, problems = load_session(tmp_path, text)
    assert problems == []
    commitment = note.session.outcomes[1]
    assert (commitment.owner, commitment.due, commitment.status) == ("Regione Piemonte", dt.date(2020, 6, 30), "agreed")


def test_status_only_for_commitments(tmp_path):
    text = replace("    keywords: [co-sviluppo]\n", "    keywords: [co-sviluppo]\n    status: done\n")
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:27:13: error: outcomes[0].status: stato: vale solo per gli impegni (type: commitment),"
        " mentre questo esito è «recommendation»"
    ]


def test_end_must_follow_start(tmp_path):
    assert problems_of(tmp_path, replace('end: "17:00"', 'end: "14:00"')) == [
        f"{SESSION_PATH}:5:6: error: end: ora di fine: «14:00» non è dopo l'inizio «14:30»"
    ]


def test_session_date_within_the_event(tmp_path):
    assert problems_of(tmp_path, replace("date: 2019-10-15", "date: 2019-10-16")) == [
        f"{SESSION_PATH}:3:7: error: date: data: la sessione è del 2019-10-16, ma l'evento si svolge"
        " dal 2019-10-15 al 2019-10-15"
    ]


def test_dates_and_times_in_the_wrong_form(tmp_path):
    text = replace("date: 2019-10-15", "date: 15/10/2019", replace('start: "14:30"', "start: 14.30"))
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:3:7: error: date: data: «15/10/2019» non è una data nel formato AAAA-MM-GG"
        " (forse intendevi «2019-10-15»?)",
        f"{SESSION_PATH}:4:8: error: start: ora di inizio: «14.30» non è un orario nel formato HH:MM"
        " (es. «14:30») (forse intendevi «14:30»?)",
    ]


def test_outcome_ids_are_slugs(tmp_path):
    text = replace("id: diaspore-coprogettazione", "id: Diaspore Co-progettazione")
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:16:9: error: outcomes[0].id: identificativo: «Diaspore Co-progettazione» non va"
        " bene: solo lettere minuscole senza accenti, cifre e trattini"
        " (forse intendevi «diaspore-co-progettazione»?)",
    ]


def test_outcome_ids_are_unique_in_the_session(tmp_path):
    second = COMMITMENT.replace("sportello-diaspore", "diaspore-coprogettazione").replace(
        "    actors: [region]\n", "    owner: Regione Piemonte\n    due: 2020-06-30\n")
    assert problems_of(tmp_path, SESSION_YAML + second) == [
        f"{SESSION_PATH}:27:9: error: outcomes[1].id: l'identificativo «diaspore-coprogettazione» è già usato"
        " da un altro esito di questa sessione (riga 16)"
    ]


# --- Files and folders -----------------------------------------------------------------


def test_empty_and_comment_only_files(tmp_path):
    assert problems_of(tmp_path, "# solo un commento\n") == [
        f"{SESSION_PATH}:1:1: error: (file): il file è vuoto: copia il modello con «outcomes new» e compilalo"
    ]


def test_binary_and_non_utf8_files(tmp_path):
    notes = write_library(tmp_path, None)
    (notes / "convegno-2019" / "binario.yaml").write_bytes(b"title: x\n\x00\x01\x02")
    (notes / "convegno-2019" / "latino.yaml").write_bytes("title: Città\n".encode("cp1252"))
    problems = load.Problems()
    load.check_paths([notes], problems)
    assert [p.format().replace(str(tmp_path) + "/", "") for p in problems] == [
        "notes/convegno-2019/binario.yaml:2:1: error: (file): il file non è testo (contiene byte nulli):"
        " una nota è un file YAML",
        "notes/convegno-2019/latino.yaml:1:12: error: (file): il file non è testo UTF-8 (byte 0xE0 non valido):"
        " salvalo come «UTF-8» dal tuo editor",
    ]


def test_misnamed_files_and_missing_event(tmp_path):
    notes = write_library(tmp_path)
    (notes / "convegno-2019" / "Laboratorio 2.yaml").write_text(SESSION_YAML)
    (notes / "convegno-2019" / "plenaria.yml").write_text(SESSION_YAML)
    (notes / "senza-evento").mkdir()
    problems = load.Problems()
    load.check_paths([notes], problems)
    assert sorted(p.format().replace(str(tmp_path) + "/", "") for p in problems) == [
        "notes/convegno-2019/Laboratorio 2.yaml:1:1: error: (file): nome di file o cartella «Laboratorio 2» non"
        " valido: usa solo lettere minuscole, cifre e trattini (forse intendevi «laboratorio-2»?)",
        "notes/convegno-2019/plenaria.yml:1:1: error: (file): le note hanno estensione .yaml: rinomina"
        " «plenaria.yml» in «plenaria.yaml»",
        "notes/senza-evento/event.yaml:1:1: error: (file): manca il file event.yaml dell'evento «senza-evento»",
    ]


def test_deep_nesting_is_refused_quickly(tmp_path, yaml_parser):
    text = SESSION_YAML + "profondo: " + "[" * 100_000 + "]" * 100_000 + "\n"
    assert problems_of(tmp_path, text) == [
        f"{SESSION_PATH}:27:42: error: (file): struttura annidata troppo in profondità (oltre 32 livelli)"
    ]


def test_every_problem_of_every_file_in_one_run(tmp_path):
    notes = write_library(tmp_path, replace("kind: workshop", "kind: laboratorio"))
    (notes / "convegno-2019" / "altro.yaml").write_text(replace("date: 2019-10-15", "date: 2019-13-01"))
    problems = load.Problems()
    counts = load.check_paths([notes], problems)
    assert [p.format().replace(str(tmp_path) + "/", "") for p in problems] == [
        "notes/convegno-2019/altro.yaml:3:7: error: date: data: la data «2019-13-01» non esiste",
        f"{SESSION_PATH}:2:7: error: kind: tipo di sessione: «laboratorio» non è un valore ammesso"
        " (forse intendevi «workshop»?); valori ammessi: plenary, workshop",
    ]
    assert counts == {"events": 1, "sessions": 0, "outcomes": 0, "internal": 0}


@pytest.mark.parametrize("lang", ["it", "en"])
def test_event_problems(tmp_path, lang):
    event = EVENT_YAML.replace("start_date: 2019-10-15", "start_date: 2019-10-15\nend_date: 2019-10-14")
    notes = write_library(tmp_path, SESSION_YAML, event=event)
    problems = load.Problems()
    load.check_paths([notes], problems)
    expected = {
        "it": "notes/convegno-2019/event.yaml:3:11: error: end_date: data di fine: «2019-10-14» non è"
        " dopo l'inizio «2019-10-15»",
        "en": "notes/convegno-2019/event.yaml:3:11: error: end_date: end date: '2019-10-14' is not after"
        " the start '2019-10-15'",
    }
    assert [p.format(lang).replace(str(tmp_path) + "/", "") for p in problems] == [expected[lang]]


def test_sessions_are_checked_even_when_their_event_is_not(tmp_path):
    event = EVENT_YAML.replace("  city: Torino\n", "")
    notes = write_library(tmp_path, replace("kind: workshop", "kind: laboratorio"), event=event)
    problems = load.Problems()
    counts = load.check_paths([notes], problems)
    assert [p.format().replace(str(tmp_path) + "/", "") for p in problems] == [
        "notes/convegno-2019/event.yaml:4:3: error: venue.city: manca il campo obbligatorio «city» (città): aggiungilo",
        f"{SESSION_PATH}:2:7: error: kind: tipo di sessione: «laboratorio» non è un valore ammesso"
        " (forse intendevi «workshop»?); valori ammessi: plenary, workshop",
    ]
    assert counts["events"] == 0


def test_without_libyaml_notes_read_the_same(tmp_path, monkeypatch):
    """PyYAML built without libyaml falls back on its pure-Python composer:
    same values, same problems at the same places."""

    from conftest import EXAMPLE_NOTES

    notes = write_library(tmp_path, SESSION_YAML + "title: Di nuovo\n")
    cases = [EXAMPLE_NOTES, notes]
    expected = []
    for path in cases:
        problems = load.Problems()
        expected.append((load.check_paths([path], problems), [p.format() for p in problems]))
    monkeypatch.setattr(yamltext, "_TextParser", yamltext._PureTextParser)
    for path, (counts, lines) in zip(cases, expected):
        problems = load.Problems()
        assert (load.check_paths([path], problems), [p.format() for p in problems]) == (counts, lines)
    assert expected[1][1] == [
        f"{tmp_path}/{SESSION_PATH}:27:1: error: title: la chiave «title» compare due volte (la prima alla riga 1):"
        " tienine una sola"
    ]
