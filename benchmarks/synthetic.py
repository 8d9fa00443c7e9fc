#!/usr/bin/env python
"""A synthetic event in the notes format, as large as a benchmark needs.

    python benchmarks/synthetic.py --sessions 1000 --out DIR

writes ``DIR/<event-id>/event.yaml`` and one note per session, each with ten
outcomes of every type (commitments with owner, due date and status), valid
SDG targets, GCM objectives, countries, actor types and themes, and Italian
text with some Markdown (bold, italics, links, lists). The same arguments
always give the same files: the generator is seeded.

Importable too: ``write_event(folder, sessions=1000)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

import yaml

from outcomes import vocab

EVENT_ID = "convegno-sintetico"
OUTCOMES_PER_SESSION = 10
START = dt.date(2019, 10, 15)
DAYS = 3
SLOTS = [("09:00", "10:30"), ("11:00", "12:30"), ("14:00", "15:30"), ("16:00", "17:30")]
ROOMS = ["Sala Viglione", "Sala Morando", "Sala dei Presidenti", "Aula Magna", "Sala Kyoto", "Sala Marmi"]
FAVOURITE_TARGETS = ["10.7", "8.8", "17.17", "4.4", "5.5", "10.c", "17.3"]
COUNTRIES = ["SN", "MA", "BF", "CI", "ML", "NG", "TN", "EG", "AL", "RO", "PE", "EC", "MR", "GN", "NO"]
ORGANISATIONS = [
    "Regione Piemonte",
    "Comune di Torino",
    "Città metropolitana di Torino",
    "ANCI Piemonte",
    "Consorzio ONG Piemontesi",
    "Associazione Sunugal",
    "Associazione dei senegalesi di Torino",
    "جمعية المغاربة في بيدمونت",  # an Arabic name, as partners write it
    "Università di Torino",
    "Politecnico di Torino",
    "CISL Piemonte",
    "Confartigianato Torino",
    "Coordinamento Comuni per la Pace 🕊️",
    "Fondazione Compagnia di San Paolo",
    "Municipalité de Louga",
]
ROLES = ["facilitatrice", "facilitatore", "co-facilitatrice", "moderatore", "relatrice", "relatore"]
SUBJECTS = [
    "le associazioni della diaspora",
    "gli enti locali piemontesi",
    "le organizzazioni della società civile",
    "i comuni dei paesi partner",
    "le camere di commercio",
    "i sindacati",
    "le università",
    "le imprese che assumono lavoratori stranieri",
    "i centri per l'impiego",
    "le scuole superiori",
]
VERBS = [
    "chiedono di coinvolgere fin dalla progettazione",
    "chiedono strumenti stabili per sostenere",
    "hanno già sperimentato con successo",
    "propongono di rafforzare",
    "vogliono semplificare",
    "possono contribuire a migliorare",
    "si impegnano a sostenere",
    "ritengono prioritario finanziare",
]
OBJECTS = [
    "i progetti di cosviluppo con il Senegal",
    "la formazione professionale prima della partenza",
    "il riconoscimento dei titoli di studio",
    "l'orientamento al lavoro dei giovani di origine straniera",
    "i percorsi di rientro volontario e reintegrazione",
    "la mobilità circolare nel settore agricolo",
    "l'inclusione finanziaria e l'uso produttivo delle rimesse",
    "i partenariati tra comuni italiani e africani",
    "la raccolta di dati disaggregati sulla migrazione per lavoro",
    "l'accesso ai bandi europei e regionali",
]
CLOSINGS = [
    "come emerso nel confronto tra i partecipanti",
    "secondo l'esperienza presentata da più interventi",
    "anche alla luce del decreto flussi",
    "in coerenza con la programmazione regionale",
    "con un'attenzione particolare alle donne e ai giovani",
    "evitando sovrapposizioni tra i diversi livelli di governo",
]
LINKS = [
    ("Agenda 2030", "https://unric.org/it/agenda-2030/"),
    ("Global Compact per le migrazioni", "https://www.un.org/en/conf/migration/global-compact-for-safe-orderly-regular-migration.shtml"),
    ("Regione Piemonte", "https://www.regione.piemonte.it/"),
]
TITLE_WORDS = [
    ("Diaspore", "cosviluppo"),
    ("Migrazione per lavoro", "canali regolari"),
    ("Formazione", "competenze"),
    ("Rimesse", "sviluppo locale"),
    ("Partenariati territoriali", "governance multilivello"),
    ("Giovani", "cittadinanza globale"),
    ("Ritorno", "reintegrazione"),
    ("Agricoltura", "mobilità circolare"),
]


class _Literal(str):
    """A multi-line text written with YAML's ``|`` block style."""


def _literal(dumper: yaml.SafeDumper, text: _Literal):
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(text), style="|")


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """libyaml's emitter when present: ten times faster (10,000 sessions in
    about a minute)."""


_Dumper.add_representer(_Literal, _literal)


def dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)


def sentence(rng: random.Random, closing: bool = True) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    text += f", {rng.choice(CLOSINGS)}." if closing else ""
    return text[0].upper() + text[1:]


def markdown_text(rng: random.Random, paragraphs: int = 2) -> str:
    """A few sentences with the Markdown facilitators actually use."""
    blocks = []
    for number in range(paragraphs):
        words = [sentence(rng) for _ in range(rng.randint(2, 4))]
        mark = rng.random()
        if mark < 0.25:
            words[0] = f"**{words[0][:-1]}**."
        elif mark < 0.45:
            words[-1] = f"*{words[-1][:-1]}*."
        elif mark < 0.55:
            label, url = rng.choice(LINKS)
            words.append(f"Si veda anche [{label}]({url}).")
        blocks.append(" ".join(words))
        if number == 0 and rng.random() < 0.2:
            blocks.append("\n".join(f"- {rng.choice(OBJECTS)}" for _ in range(3)))
        elif number == 0 and rng.random() < 0.1:
            blocks.append("\n".join(f"{i}. {sentence(rng)}" for i in range(1, 4)))
    return _Literal("\n\n".join(blocks) + "\n")


def outcome(rng: random.Random, number: int, kind: str) -> dict:
    targets = vocab.sdg_targets().ids
    note = {
        "id": f"esito-{number:02d}",
        "type": kind,
        "title": sentence(rng, closing=False),
        "text": markdown_text(rng, rng.randint(1, 2)),
        "sdg_targets": sorted(rng.sample(sorted({*FAVOURITE_TARGETS, *rng.sample(targets, 3)}), 3)),
        "gcm_objectives": sorted(rng.sample(range(1, 24), rng.randint(0, 2))),
        "countries": rng.sample(COUNTRIES, rng.randint(1, 3)),
        "actors": rng.sample(vocab.actor_types().ids, 2),
        "themes": rng.sample(vocab.themes().ids, 2),
        "keywords": ["co-sviluppo"] if rng.random() < 0.3 else [],
    }
    if kind == "commitment":
        note["owner"] = rng.choice(ORGANISATIONS)
        note["due"] = (START + dt.timedelta(days=rng.randint(60, 700))).isoformat()
        note["status"] = rng.choice(vocab.statuses().ids)
    if rng.random() < 0.05:
        note["visibility"] = "internal"
    return {key: value for key, value in note.items() if value != []}


def session(rng: random.Random, number: int) -> dict:
    day = START + dt.timedelta(days=number % DAYS)
    start, end = SLOTS[(number // DAYS) % len(SLOTS)]
    topic, second = rng.choice(TITLE_WORDS)
    kinds = vocab.outcome_types().ids
    plenary = number % 25 == 0
    actors = rng.sample(vocab.actor_types().ids, 5)
    note = {
        "title": f"{'Plenaria' if plenary else 'Laboratorio'} {number}: {topic} e {second}",
        "kind": "plenary" if plenary else "workshop",
        "date": day.isoformat(),
        "start": start,
        "end": end,
        "language": "it",
        "room": rng.choice(ROOMS),
        "facilitators": [
            {"name": f"Persona {number}-{i}", "organisation": rng.choice(ORGANISATIONS), "role": rng.choice(ROLES[:4])}
            for i in range(rng.randint(1, 2))
        ],
        "participants": {actor: rng.randint(1, 15) for actor in actors},
        "summary": markdown_text(rng, 3),
        "quotes": [{"text": sentence(rng), "actor": rng.choice(actors)}],
        "outcomes": [outcome(rng, i + 1, kinds[i % len(kinds)]) for i in range(OUTCOMES_PER_SESSION)],
    }
    if plenary:
        note["speakers"] = [
            {"name": f"Relatore {number}-{i}", "organisation": rng.choice(ORGANISATIONS), "role": "relatore", "talk": sentence(rng, closing=False)}
            for i in range(3)
        ]
    return note


def event() -> dict:
    return {
        "title": "Convegno sintetico sulla cooperazione decentrata e la migrazione per lavoro",
        "subtitle": "Dati generati per le misure di prestazione",
        "start_date": START.isoformat(),
        "end_date": (START + dt.timedelta(days=DAYS - 1)).isoformat(),
        "venue": {"name": "Palazzo Lascaris", "address": "Via Alfieri 15", "city": "Torino"},
        "organisers": [
            {"name": "Regione Piemonte", "role": "promotore", "website": "https://www.regione.piemonte.it/"},
            {"name": "Consorzio ONG Piemontesi", "role": "partner"},
        ],
        "description": _Literal(
            "Un evento **sintetico**: le sessioni ripetono testi realistici per misurare\n"
            "quanto costa generare il sito e gli atti al crescere del numero di note.\n"
        ),
        "language": "it",
    }


def write_event(folder: Path, sessions: int = 100, seed: int = 2019, event_id: str = EVENT_ID) -> Path:
    """Write the synthetic event into ``folder/<event_id>/``; returns that path."""
    rng = random.Random(seed)
    target = Path(folder) / event_id
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.yaml"):
        stale.unlink()
    (target / "event.yaml").write_text(dump(event()), encoding="utf-8")
    for number in range(1, sessions + 1):
        (target / f"sessione-{number:05d}.yaml").write_text(dump(session(rng, number)), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100, help="number of session notes (default 100)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/notes"), help="notes folder to write into")
    parser.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
    args = parser.parse_args(argv)
    folder = write_event(args.out, args.sessions, args.seed)
    print(f"{folder}: event.yaml and {args.sessions} sessions of {OUTCOMES_PER_SESSION} outcomes")


if __name__ == "__main__":
    main()
