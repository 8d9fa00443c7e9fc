"""Small helpers for writing real note files in tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

EVENT_YAML = """\
title: Sguardi e prospettive della cooperazione decentrata
start_date: 2019-10-15
venue:
  name: Centro Congressi
  city: Torino
organisers:
  - name: Regione Piemonte
description: |
  Un convegno di prova.
"""

SESSION_YAML = """\
title: Migrazione e Cooperazione Internazionale
kind: workshop
date: 2019-10-15
start: "14:30"
end: "17:00"
facilitators:
  - name: Nome riservato T1
    organisation: Regione Piemonte
    role: facilitatrice
participants:
  local_authority: 12
  diaspora_association: 5
summary: |
  Le **città** e le associazioni dei migranti.
outcomes:
  - id: diaspore-coprogettazione
    type: recommendation
    title: Coinvolgere le diaspore nella progettazione
    text: |
      Le associazioni della diaspora partecipano fin dall'inizio.
    sdg_targets: ["10.7", "17.17"]
    gcm_objectives: [19, 23]
    countries: [SN, MA]
    actors: [diaspora_association, local_authority]
    themes: [diaspora, remittances]
    keywords: [co-sviluppo]
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def write_library(root: Path, session: str = SESSION_YAML, event: str = EVENT_YAML,
                  event_id: str = "convegno-2019", session_id: str = "laboratorio") -> Path:
    """``root/notes/<event_id>/{event.yaml,<session_id>.yaml}``; returns the notes folder."""
    notes = root / "notes"
    folder = notes / event_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "event.yaml").write_text(event, "utf-8")
    if session is not None:
        (folder / f"{session_id}.yaml").write_text(session, "utf-8")
    return notes
