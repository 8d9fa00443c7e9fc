"""What a facilitator reads after a mistake: whole lines, Italian by default.

Each file in tests/fixtures/intake/mistakes/sguardi-2019/ holds one kind of
mistake a facilitator makes (typos in keys and codes, a country by name,
Italian dates, times and numbers, YAML's own traps, rules of the format);
``outcomes check`` must say, on one line each: where, which field in the
facilitator's words, the value as typed, what is allowed and, for a near
miss, what they probably meant.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from outcomes.messages import MESSAGES, message

MISTAKES = FIXTURES / "intake" / "mistakes" / "sguardi-2019"
ACTORS = (
    "region, local_authority, national_government, cooperation_agency, international_organisation, ngo, "
    "diaspora_association, trade_association, trade_union, volunteering, university, private_sector, "
    "partner_authority, foundation, social_economy, training_agency, school, employment_service"
)
GOAL_17 = ", ".join(f"17.{n}" for n in range(1, 20))

ITALIAN = {
    "titel.yaml": [
        "1:1: error: title: manca il campo obbligatorio «title» (titolo): aggiungilo",
        "1:1: error: titel: campo sconosciuto «titel» (forse intendevi «title»?); campi ammessi qui: title, kind, "
        "date, start, end, language, room, facilitators, speakers, participants, summary, quotes, outcomes, visibility",
    ],
    "local-autority.yaml": [
        "12:36: error: outcomes[0].actors[1]: attori: «local_autority» non è un valore ammesso (forse intendevi"
        f" «local_authority»?); valori ammessi: {ACTORS}",
    ],
    "sdg-letter-o.yaml": [
        "12:19: error: outcomes[0].sdg_targets[0]: «17.1O» non è un target SDG (forse intendevi «17.10»?): "
        f"il goal 17 ha i target {GOAL_17}",
    ],
    "sdg-nonexistent.yaml": [
        "12:19: error: outcomes[0].sdg_targets[0]: «7.4» non è un target SDG: il goal 7 ha i target 7.1, 7.2, 7.3, 7.a, 7.b",
    ],
    "country-name.yaml": [
        "12:17: error: outcomes[0].countries[0]: «Marocco» non è un codice di paese ISO a due lettere"
        " (es. «SN» per il Senegal) (forse intendevi «MA»?)",
    ],
    "date-format.yaml": [
        "3:7: error: date: data: «15/10/2019» non è una data nel formato AAAA-MM-GG (forse intendevi «2019-10-15»?)",
    ],
    "time-format.yaml": [
        "4:8: error: start: ora di inizio: «14.30» non è un orario nel formato HH:MM (es. «14:30»)"
        " (forse intendevi «14:30»?)",
    ],
    "thousands.yaml": [
        "7:20: error: participants.local_authority: partecipanti: «1.000» non è un numero intero senza separatori"
        " (forse intendevi «1000»?)",
    ],
    "duplicate-key.yaml": [
        "7:1: error: title: la chiave «title» compare due volte (la prima alla riga 1): tienine una sola",
    ],
    "tab-indent.yaml": [
        "8:1: error: (file): YAML non valido: tabulazione (tasto Tab) usata per rientrare: in YAML si rientra"
        " con gli spazi (found character that cannot start any token)",
    ],
    "missing-summary.yaml": [
        "1:1: error: summary: manca il campo obbligatorio «summary» (sintesi): aggiungilo",
    ],
    "commitment.yaml": [
        "8:5: error: outcomes[0].owner: un impegno deve dire chi agisce: aggiungi «owner:» con il nome"
        " dell'organizzazione responsabile",
        "8:5: error: outcomes[0].due: un impegno deve dire entro quando: aggiungi «due:» con una data AAAA-MM-GG",
    ],
    "duplicate-id.yaml": [
        "12:9: error: outcomes[1].id: l'identificativo «rimesse» è già usato da un altro esito di questa sessione"
        " (riga 8)",
    ],
    "end-before-start.yaml": [
        "5:6: error: end: ora di fine: «12:00» non è dopo l'inizio «14:30»",
    ],
    "outside-event.yaml": [
        "3:7: error: date: data: la sessione è del 2019-10-20, ma l'evento si svolge dal 2019-10-15 al 2019-10-16",
    ],
    "empty-values.yaml": [
        "1:7: error: title: titolo: il valore è vuoto: scrivilo dopo «:» oppure togli la riga se il campo è facoltativo",
        "7:7: error: participants.ngo: partecipanti: manca il numero: scrivilo, oppure cancella la riga",
    ],
    "status-on-finding.yaml": [
        "12:13: error: outcomes[0].status: stato: vale solo per gli impegni (type: commitment), mentre questo esito"
        " è «finding»",
        "13:22: error: outcomes[0].gcm_objectives[0]: «ob. 18» non è un obiettivo del Global Compact per le"
        " migrazioni: sono numerati da 1 a 23 (forse intendevi «18»?)",
    ],
    "bad-outcome-id.yaml": [
        "8:9: error: outcomes[0].id: identificativo: «Diaspore e Co-sviluppo!» non va bene: solo lettere minuscole"
        " senza accenti, cifre e trattini (forse intendevi «diaspore-e-co-sviluppo»?)",
    ],
}

# In English the field's label is the key itself, so it is not said twice.
ENGLISH = {
    "titel.yaml": [
        "1:1: error: title: the required field 'title' is missing: add it",
        "1:1: error: titel: unknown field 'titel' (did you mean 'title'?); fields allowed here: title, kind, date,"
        " start, end, language, room, facilitators, speakers, participants, summary, quotes, outcomes, visibility",
    ],
    "local-autority.yaml": [
        "12:36: error: outcomes[0].actors[1]: 'local_autority' is not an allowed value (did you mean"
        f" 'local_authority'?); allowed values: {ACTORS}",
    ],
    "sdg-letter-o.yaml": [
        "12:19: error: outcomes[0].sdg_targets[0]: '17.1O' is not an SDG target (did you mean '17.10'?): "
        f"goal 17 has the targets {GOAL_17}",
    ],
    "country-name.yaml": [
        "12:17: error: outcomes[0].countries[0]: 'Marocco' is not a two-letter ISO country code (e.g. 'SN' for"
        " Senegal) (did you mean 'MA'?)",
    ],
    "date-format.yaml": [
        "3:7: error: date: '15/10/2019' is not a date in the form YYYY-MM-DD (did you mean '2019-10-15'?)",
    ],
    "missing-summary.yaml": [
        "1:1: error: summary: the required field 'summary' is missing: add it",
    ],
    "end-before-start.yaml": [
        "5:6: error: end: end time: '12:00' is not after the start '14:30'",
    ],
}


def _check(run, name: str, *options: str):
    path = MISTAKES / name
    result = run("check", *options, path)
    assert result.exit_code == 1
    assert result.stdout == ""
    return path, result.stderr.splitlines()


@pytest.mark.parametrize("name", sorted(ITALIAN))
def test_each_mistake_is_told_in_italian(run, name):
    path, lines = _check(run, name)
    errors = len(ITALIAN[name])
    summary = "1 errore nelle note." if errors == 1 else f"{errors} errori nelle note."
    assert lines == [f"{path}:{line}" for line in ITALIAN[name]] + [summary]


@pytest.mark.parametrize("name", sorted(ENGLISH))
def test_english_on_request(run, name):
    path, lines = _check(run, name, "--lang", "en")
    assert lines[:-1] == [f"{path}:{line}" for line in ENGLISH[name]]


def test_english_from_the_environment(run, monkeypatch):
    monkeypatch.setenv("OUTCOMES_LANG", "en")
    path, lines = _check(run, "date-format.yaml")
    assert lines[0] == f"{path}:{ENGLISH['date-format.yaml'][0]}"


def test_every_fixture_is_covered():
    assert sorted(p.name for p in MISTAKES.glob("*.yaml") if p.name != "event.yaml") == sorted(ITALIAN)


def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    import string

    for kind, texts in MESSAGES.items():
        assert set(texts) == {"it", "en"}, kind
        fields = [{name for _, name, _, _ in string.Formatter().parse(text) if name} for text in texts.values()]
        assert fields[0] == fields[1], kind


def test_a_message_never_fails_for_a_missing_detail():
    assert message("date_format", "it", value="ieri") == "«ieri» non è una data nel formato AAAA-MM-GG"
    assert message("no-such-kind", "en", value="x") == "invalid value 'x' ()"
