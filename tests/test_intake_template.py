"""``outcomes new``: a commented template that fails until filled, then validates."""

from __future__ import annotations

import re

from conftest import FIXTURES
from outcomes import vocab

EVENT_YAML = (FIXTURES / "intake" / "mistakes" / "sguardi-2019" / "event.yaml").read_text(encoding="utf-8")


def fill_session(template: str) -> str:
    """What a facilitator does with the template: write after each empty
    colon, keep two participant lines and delete the others."""
    text = template
    for placeholder, value in [
        ("title:\n", "title: Migrazione e cooperazione internazionale\n"),
        ("date:\n", "date: 2019-10-15\n"),
        ("start:\n", "start: 14:30\n"),
        ("end:\n", "end: 17:00\n"),
        ("  - organisation:\n", "  - organisation: Regione Piemonte\n"),
        ("    role:\n", "    role: facilitatrice\n"),
        ("summary: |\n", "summary: |\n  Il gruppo ha discusso di diaspore e co-sviluppo.\n"),
        ("  - id:\n", "  - id: diaspore-coprogettazione\n"),
        ("    type:\n", "    type: recommendation\n"),
        ("    title:\n", "    title: Coinvolgere le diaspore fin dalla progettazione\n"),
        ("    text: |\n", "    text: |\n      Le associazioni vanno coinvolte dall'inizio.\n"),
        ('    sdg_targets: []', '    sdg_targets: ["10.7", "17.17"]'),
        ("    countries: []", "    countries: [SN, MA]"),
        ("    actors: []", "    actors: [diaspora_association, local_authority]"),
    ]:
        assert placeholder in text, placeholder
        text = text.replace(placeholder, value, 1)
    text = text.replace("  local_authority:   ", "  local_authority: 12", 1)
    text = text.replace("  ngo:               ", "  ngo: 8            ", 1)
    return "\n".join(
        line for line in text.split("\n")
        if not re.match(r"^  [a-z_]+: +# ", line)  # the actor types left empty
    )


def test_new_writes_the_event_and_the_session(tmp_path, run):
    notes = tmp_path / "notes"
    result = run("new", "sguardi-2019", "migrazione", "--notes", notes)
    event, session = notes / "sguardi-2019" / "event.yaml", notes / "sguardi-2019" / "migrazione.yaml"
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Creato {event}\n"
        f"Creato {session}\n"
        f"Compila prima l'evento ({event}): date, luogo, organizzatori.\n"
        f"Compila i campi vuoti, poi controlla con: outcomes check {session}\n"
    )
    assert event.read_text().split("\n")[0] == "# yaml-language-server: $schema=../../schemas/event.schema.json"
    assert session.read_text().split("\n")[0] == "# yaml-language-server: $schema=../../schemas/session.schema.json"


def test_the_template_lists_allowed_values_from_the_vocabularies(tmp_path, run):
    notes = tmp_path / "notes"
    run("new", "sguardi-2019", "migrazione", "--notes", notes)
    text = (notes / "sguardi-2019" / "migrazione.yaml").read_text()
    for term in vocab.actor_types():
        assert f"  {term.id + ':':<28} # {term.label('it')}\n" in text  # one participants line each
        assert f"{term.id} ({term.label('it')})" in text  # and in the outcome's list of actors
    for term in vocab.outcome_types():
        assert f"    #   {term.id:<15} {term.label('it')}: " in text
    for term in vocab.themes():
        assert f"{term.id} ({term.label('it')})" in text
    for term in vocab.statuses():
        assert f"{term.id} ({term.label('it').lower()})" in text
    assert "\t" not in text
    assert all(len(line) <= 100 for line in text.split("\n") if "outcomes check" not in line)


def test_the_unfilled_template_fails_with_kind_messages(tmp_path, run):
    notes = tmp_path / "notes"
    run("new", "sguardi-2019", "migrazione", "--notes", notes)
    (notes / "sguardi-2019" / "event.yaml").write_text(EVENT_YAML)
    path = notes / "sguardi-2019" / "migrazione.yaml"
    result = run("check", path)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    empty = "il valore è vuoto: scrivilo dopo «:» oppure togli la riga se il campo è facoltativo"
    assert lines[:6] == [
        f"{path}:14:7: error: title: titolo: {empty}",
        f"{path}:22:6: error: date: data: {empty}",
        f"{path}:25:7: error: start: ora di inizio: {empty}",
        f"{path}:26:5: error: end: ora di fine: {empty}",
        f"{path}:35:18: error: facilitators[0].organisation: organizzazione: {empty}",
        f"{path}:36:10: error: facilitators[0].role: ruolo: {empty}",
    ]
    assert lines[6] == f"{path}:42:10: error: participants.region: partecipanti: manca il numero: scrivilo, oppure cancella la riga"
    assert lines[-6:] == [
        f"{path}:62:10: error: summary: sintesi: il testo è vuoto",
        f"{path}:75:8: error: outcomes[0].id: identificativo: {empty}",
        f"{path}:83:10: error: outcomes[0].type: tipo di esito: {empty}",
        f"{path}:85:11: error: outcomes[0].title: titolo: {empty}",
        f"{path}:87:11: error: outcomes[0].text: testo: il testo è vuoto",
        f"{len(lines) - 1} errori nelle note.",
    ]
    assert len(lines) - 1 == 6 + len(vocab.actor_types()) + 5


def test_the_filled_template_is_valid(tmp_path, run):
    notes = tmp_path / "notes"
    run("new", "sguardi-2019", "migrazione", "--notes", notes)
    (notes / "sguardi-2019" / "event.yaml").write_text(EVENT_YAML)
    path = notes / "sguardi-2019" / "migrazione.yaml"
    path.write_text(fill_session(path.read_text()))
    result = run("check", notes)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Note valide: 1 evento, 1 sessione, 1 esito.\n"


def test_a_plenary_template_asks_for_speakers(tmp_path, run):
    notes = tmp_path / "notes"
    (notes / "sguardi-2019").mkdir(parents=True)
    (notes / "sguardi-2019" / "event.yaml").write_text(EVENT_YAML)
    result = run("new", "sguardi-2019", "apertura", "--kind", "plenary", "--notes", notes)
    path = notes / "sguardi-2019" / "apertura.yaml"
    assert result.stdout == f"Creato {path}\nCompila i campi vuoti, poi controlla con: outcomes check {path}\n"
    text = path.read_text()
    assert "kind: plenary\n" in text
    assert "facilitators:\n  - organisation:\n    role: moderatore\n    name:\n" in text
    assert "speakers:\n  - organisation:\n    role:\n    talk:\n    name:\n" in text
    assert "# L'evento si svolge dal 2019-10-15 al 2019-10-16.\n" in text  # from the existing event.yaml
    text = text.replace("speakers:\n  - organisation:\n    role:\n    talk:\n",
                        "speakers:\n  - organisation: OIM\n    role: relatore\n    talk: Migrazioni e sviluppo\n")
    path.write_text(fill_session(text.replace("    role: moderatore\n", "    role:\n")))
    assert run("check", path).exit_code == 0


def test_the_filled_event_template_is_valid(tmp_path, run):
    notes = tmp_path / "notes"
    run("new", "sguardi-2019", "migrazione", "--notes", notes)
    path = notes / "sguardi-2019" / "event.yaml"
    text = path.read_text()
    for placeholder, value in [
        ("title:\n", "title: Sguardi e prospettive\n"),
        ("start_date:\n", "start_date: 2019-10-15\n"),
        ("  name:\n", "  name: Torino Incontra\n"),
        ("  city:\n", "  city: Torino\n"),
        ("  - name:\n", "  - name: Regione Piemonte\n"),
        ("description: |\n", "description: |\n  Un convegno.\n"),
    ]:
        text = text.replace(placeholder, value, 1)
    path.write_text(text)
    result = run("check", path)
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr


def test_new_never_overwrites_a_note(tmp_path, run):
    notes = tmp_path / "notes"
    run("new", "sguardi-2019", "migrazione", "--notes", notes)
    path = notes / "sguardi-2019" / "migrazione.yaml"
    path.write_text("title: già scritta\n")
    result = run("new", "sguardi-2019", "migrazione", "--notes", notes)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path} esiste già: non lo sovrascrivo (modificalo, oppure scegli un altro nome di sessione)\n"
    )
    assert path.read_text() == "title: già scritta\n"


def test_new_refuses_ids_that_are_not_slugs(tmp_path, run):
    result = run("new", "Sguardi 2019", "migrazione", "--notes", tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        "«Sguardi 2019» non va bene come identificativo di un evento: solo lettere minuscole senza accenti,"
        " cifre e trattini (forse intendevi «sguardi-2019»?)\n"
    )
    result = run("new", "sguardi-2019", "registrations", "--notes", tmp_path, "--lang", "en")
    assert (result.exit_code, result.stderr) == (
        1, "'registrations' is the name of a file an event's folder reserves (event, registrations, followup):"
           " choose another id for a session\n"
    )
    assert list(tmp_path.iterdir()) == []
