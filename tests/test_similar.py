"""Similar outcomes on an outcome's page (issue #26): up to five, from any
event, each with what it shares, in the reader's language; judged against
pairs of the example's outcomes that a person read and called similar or not."""

from __future__ import annotations

import html
import re
import shutil

import pytest

from conftest import EXAMPLE_NOTES
from outcomes.build import build
from test_site import Client, client, db  # noqa: F401 (the example build, served and read directly)

# Pairs of the example's outcomes read side by side and judged as a person
# would: (outcome, another, why). SIMILAR: a reader of the first would want
# to be shown the second. DISSIMILAR: they merely share a code or a word.
SIMILAR = [
    ("rimesse-canali-informali", "educazione-finanziaria-famiglie-migranti", "the cost of sending money, banks as the alternative"),
    ("rimesse-canali-informali", "educazione-finanziaria-con-diaspore", "comparing the costs of remittances, to lower them"),
    ("rimesse-canali-informali", "incontri-rimesse-nelle-associazioni", "meetings on the costs of sending money home"),
    ("rimesse-canali-informali", "esclusione-bancaria", "without a bank account cheaper channels are out of reach"),
    ("rimesse-canali-informali", "dati-regionali-frammentati", "how remittances move is poorly known: the data side of it"),
    ("decreto-flussi-poco-conosciuto", "guida-imprese-ingresso-per-lavoro", "a guide for firms on the decreto flussi"),
    ("decreto-flussi-poco-conosciuto", "punto-informativo-canali-regolari", "an information point on the same procedures"),
    ("decreto-flussi-poco-conosciuto", "costi-di-reclutamento", "contracts sold for the same regular channel"),
    ("decreto-flussi-poco-conosciuto", "ruolo-regioni-ingressi-per-lavoro", "who acts on entries for work"),
    ("decreto-flussi-poco-conosciuto", "pilota-migrazione-circolare-agricoltura", "a regular seasonal entry for farms"),
    ("decreto-flussi-poco-conosciuto", "fabbisogni-territoriali-nei-flussi", "firms' needs in the entry quotas"),
    ("sfruttamento-lavoro-agricolo-stagionale", "sportello-multilingue-raccolta", "a desk against exploitation during the harvest"),
    ("sfruttamento-lavoro-agricolo-stagionale", "costi-di-reclutamento", "intermediaries taking workers' pay"),
    ("sfruttamento-lavoro-agricolo-stagionale", "pilota-migrazione-circolare-agricoltura", "seasonal farm work with decent housing"),
    ("sfruttamento-lavoro-agricolo-stagionale", "tutele-tra-le-stagioni", "the protection of seasonal workers"),
    ("scuole-chiedono-ecg", "gemellaggi-scolastici-burkina", "school twinning as global citizenship education"),
    ("scuole-chiedono-ecg", "catalogo-ecg-scuole", "the catalogue the schools asked for"),
    ("scuole-chiedono-ecg", "ambasciatori-ecg-seconde-generazioni", "young people in schools as ambassadors"),
    ("scuole-chiedono-ecg", "collegamento-programmi-europei", "EU programmes that fund global citizenship education"),
    ("riconoscimento-titoli-lento", "donne-migranti-lavoro-di-cura", "women working below the qualification not recognised"),
    ("riconoscimento-titoli-lento", "certificazione-competenze-acquisite-all-estero", "certifying skills learnt abroad"),
    ("riconoscimento-titoli-lento", "sportello-titoli-sanitari", "a desk for the recognition of nursing degrees"),
    ("riconoscimento-titoli-lento", "competenze-informali-estero", "skills abroad without a degree"),
    ("nessuna-banca-dati-progetti", "indicatori-comuni-sdg", "common information for every project"),
    ("nessuna-banca-dati-progetti", "dataset-aperto-progetti", "the open dataset of the projects"),
    ("nessuna-banca-dati-progetti", "fondo-comunale-rendicontato-sdg", "projects reported by target, the data a database needs"),
    ("nessuna-banca-dati-progetti", "mappatura-rimesse-collettive", "mapping initiatives with a shared form"),
    ("nessuna-banca-dati-progetti", "atti-e-mappatura-partenariati", "a published mapping of the partnerships"),
    ("nessuna-banca-dati-progetti", "censimento-partenariati-comunali", "a census of municipal partnerships"),
    ("rientro-vissuto-come-fallimento", "rientro-cooperativa-agricola-burkina", "a return prepared, into a cooperative"),
    ("rientro-vissuto-come-fallimento", "reintegrazione-nei-partenariati", "reintegration through local services"),
    ("rientro-vissuto-come-fallimento", "turismo-rurale-albania", "young returnees bringing skills home"),
    ("diaspore-coprogettanti", "bandi-premiano-partenariato-reale", "calls that reward real partnership"),
    ("diaspore-coprogettanti", "sostenere-partecipazione-diaspore", "the diaspora's participation in projects"),
    ("diaspore-coprogettanti", "riforma-terzo-settore-incerta", "diaspora associations fearing exclusion from calls"),
    ("diaspore-coprogettanti", "fondi-europei-piccole-associazioni", "small associations as lead partners"),
    ("diaspore-coprogettanti", "volontariato-come-cofinanziamento", "what calls accept from volunteer associations"),
    ("diaspore-coprogettanti", "corso-progettazione-diaspore", "training diaspora associations to design projects"),
    ("diaspore-coprogettanti", "referenti-diaspora-consulte", "the diaspora's voice where cooperation is decided"),
    ("fondo-comunale-uno-a-uno", "rimesse-collettive-senza-piani-comunali", "collective remittances and the municipal plans"),
    ("fondo-comunale-uno-a-uno", "mappatura-rimesse-collettive", "mapping what collective remittances funded"),
    ("fondo-comunale-uno-a-uno", "fondi-europei-piccole-associazioni", "co-financing diaspora associations' projects"),
    ("fondo-comunale-uno-a-uno", "cooperative-argan-souss", "collective remittances with a municipal contribution"),
    ("fondo-comunale-uno-a-uno", "turismo-rurale-albania", "a diaspora with a municipality for its place of origin"),
    ("fondo-comunale-uno-a-uno", "co-sviluppo-piemonte-senegal", "municipalities of Piedmont and Senegal with the diaspora"),
    ("educazione-finanziaria-famiglie-migranti", "educazione-finanziaria-con-diaspore", "financial education with associations"),
    ("educazione-finanziaria-famiglie-migranti", "esclusione-bancaria", "the basic account and access to credit"),
    ("educazione-finanziaria-famiglie-migranti", "incontri-rimesse-nelle-associazioni", "evening meetings with a cooperative bank"),
    ("educazione-finanziaria-famiglie-migranti", "rimesse-canali-informali", "the cost of sending money"),
    ("educazione-finanziaria-famiglie-migranti", "dati-regionali-frammentati", "remittances, from the side of the data"),
]
DISSIMILAR = [
    ("rimesse-canali-informali", "sfruttamento-lavoro-agricolo-stagionale", "the same countries, nothing else"),
    ("rimesse-canali-informali", "scuole-chiedono-ecg", "money sent home against schools"),
    ("decreto-flussi-poco-conosciuto", "misurare-rimesse-sociali", "entry procedures against social remittances"),
    ("decreto-flussi-poco-conosciuto", "gemellaggi-scolastici-burkina", "nothing in common"),
    ("sfruttamento-lavoro-agricolo-stagionale", "educazione-finanziaria-con-diaspore", "exploitation against financial literacy"),
    ("sfruttamento-lavoro-agricolo-stagionale", "nessuna-banca-dati-progetti", "nothing in common"),
    ("scuole-chiedono-ecg", "decreto-flussi-poco-conosciuto", "nothing in common"),
    ("scuole-chiedono-ecg", "esclusione-bancaria", "nothing in common"),
    ("riconoscimento-titoli-lento", "scambio-tecnici-rifiuti-tunisia", "a technical exchange on waste"),
    ("riconoscimento-titoli-lento", "rischio-condizionalita", "conditionality of aid"),
    ("nessuna-banca-dati-progetti", "rientro-vissuto-come-fallimento", "nothing in common"),
    ("nessuna-banca-dati-progetti", "tirocini-alberghieri-albania", "a school exchange"),
    ("rientro-vissuto-come-fallimento", "migrazione-esplicita-nei-partenariati", "target 10.7 and the word 'rientro' only"),
    ("rientro-vissuto-come-fallimento", "decreto-flussi-poco-conosciuto", "target 10.7 only"),
    ("rientro-vissuto-come-fallimento", "catalogo-ecg-scuole", "nothing in common"),
    ("diaspore-coprogettanti", "sfruttamento-lavoro-agricolo-stagionale", "nothing in common"),
    ("diaspore-coprogettanti", "tutele-tra-le-stagioni", "nothing in common"),
    ("fondo-comunale-uno-a-uno", "barriere-linguistiche-servizi-lavoro", "nothing in common"),
    ("fondo-comunale-uno-a-uno", "formazione-prepartenza-art-23", "nothing in common"),
    ("educazione-finanziaria-famiglie-migranti", "giovani-assenti-dai-tavoli", "nothing in common"),
    ("clima-e-mobilita-interna", "gemellaggi-scolastici-burkina", "the words 'acqua' and 'agricoltura' only"),
    ("clima-e-mobilita-interna", "fondo-comunale-uno-a-uno", "target 11.a only, a fund against climate mobility"),
    ("partenariati-nel-sahel", "decreto-flussi-poco-conosciuto", "two common words only"),
    ("co-sviluppo-strumentale", "sfruttamento-lavoro-agricolo-stagionale", "the theme human rights only"),
    ("valutare-senza-controllo-partenze", "fondo-comunale-rendicontato-sdg", "evaluation in general"),
]
INTERNAL = ["divisioni-associazione-ivoriana", "studio-circolare-marocco", "rinnovo-protocollo-burkina", "ritardi-saldo-ong-capofila"]


def similar_list(client, outcome_id: str, lang: str = "it") -> list[tuple[str, str, str, str]]:
    """The page's similar outcomes, as a reader sees them: (slug, title,
    type and event, why), tags stripped."""
    page = client.ok(f"/outcomes/outcomes/{outcome_id}?_lang={lang}").text
    section = re.search(r'<section class="similar" aria-labelledby="similar-heading">.*?</section>', page, re.S)
    if section is None:
        assert "similar-outcomes" not in page
        return []
    items = re.findall(r'<li><a href="/outcomes/outcomes/[^"]*--([^"/]+)"[^>]*>(.*?)</a>\s*'
                       r'<p class="similar-context">(.*?)</p>\s*<p class="similar-why">(.*?)</p></li>', section[0], re.S)
    assert len(items) == section[0].count("<li>") <= 5
    return [tuple(html.unescape(" ".join(re.sub(r"<[^>]+>", "", part).split())) for part in item) for item in items]


def test_judged_pairs_are_judgements_of_distinct_outcomes(db):
    slugs = {row[0] for row in db.execute("select slug from outcomes")}
    pairs = [(a, b) for a, b, _ in SIMILAR + DISSIMILAR]
    assert len(pairs) >= 30 and len(set(pairs)) == len(pairs) and not set(SIMILAR) & set(DISSIMILAR)
    assert {slug for pair in pairs for slug in pair} <= slugs and all(a != b for a, b in pairs)


def test_precision_of_the_first_five_on_the_judged_pairs(client, db):
    """Every outcome of the judged set: its first five, each judged similar
    (a hit) or not (a miss; an unjudged one counts as a miss and is printed
    for a person to judge). Judged-dissimilar pairs never appear."""
    ids = {row[0]: row[1] for row in db.execute("select slug, id from outcomes")}
    similar = {(a, b) for a, b, _ in SIMILAR}
    dissimilar = {(a, b) for a, b, _ in DISSIMILAR}
    shown = hits = 0
    for source in sorted({a for a, _, _ in SIMILAR}):
        for slug, *_ in similar_list(client, ids[source]):
            shown += 1
            hits += (source, slug) in similar
            if (source, slug) not in similar | dissimilar:
                print(f"unjudged: {source} -> {slug}")
    precision = hits / shown
    print(f"similar outcomes: precision of the first 5 = {precision:.2f} ({hits} of {shown} judged similar)")
    assert precision >= 0.8
    appearing = [(a, b) for a, b in sorted(dissimilar) if b in [slug for slug, *_ in similar_list(client, ids[a])]]
    assert appearing == []


def test_the_whole_list_with_its_reasons_in_both_languages(client, db):
    id = db.execute("select id from outcomes where slug = 'rimesse-canali-informali'").fetchone()[0]
    event = "Sguardi e prospettive della cooperazione decentrata e la migrazione per lavoro"
    page = client.ok(f"/outcomes/outcomes/{id}").text
    assert '<h2 id="similar-heading">Esiti simili</h2>' in page
    assert similar_list(client, id) == [
        ("educazione-finanziaria-famiglie-migranti", "Educazione finanziaria per famiglie migranti con una banca di credito cooperativo",
         f"Buona pratica · {event}", "stessi target 10.c, 8.10; stesso obiettivo GCM 20; stesso tema: Rimesse; parole: costo, bancari"),
        ("educazione-finanziaria-con-diaspore", "Educazione finanziaria e confronto dei costi costruiti con le associazioni",
         f"Raccomandazione · {event}", "stessi target 10.c, 8.10; stesso obiettivo GCM 20; stesso tema: Rimesse; parole: rimesse, costo"),
        ("incontri-rimesse-nelle-associazioni", "Incontri serali sulle rimesse nelle sedi delle associazioni",
         f"Impegno · {event}", "stessi target 10.c, 8.10; stesso obiettivo GCM 20; stesso tema: Rimesse; parole: rimesse, costo"),
        ("esclusione-bancaria", "Aprire un conto resta difficile per molti migranti",
         f"Criticità · {event}", "stessi target 10.c, 8.10; stesso obiettivo GCM 20; stesso tema: Rimesse; parole: canali, rimesse"),
        ("dati-regionali-frammentati", "Su rimesse e mobilità per lavoro i dati regionali sono frammentati",
         f"Constatazione · {event}", "stesso target 10.c; stesso obiettivo GCM 20; stesso tema: Rimesse; parole: rimesse, mobile"),
    ]
    english = client.ok(f"/outcomes/outcomes/{id}?_lang=en").text
    assert '<h2 id="similar-heading">Similar outcomes</h2>' in english
    # The words stay as the note writes them, marked Italian.
    assert ('<p class="similar-why">same targets 10.c, 8.10; same GCM objective 20; same theme: Remittances; '
            'words: <span lang="it">costo, bancari</span></p>') in english
    assert [why for *_, why in similar_list(client, id, "en")] == [
        "same targets 10.c, 8.10; same GCM objective 20; same theme: Remittances; words: costo, bancari",
        "same targets 10.c, 8.10; same GCM objective 20; same theme: Remittances; words: rimesse, costo",
        "same targets 10.c, 8.10; same GCM objective 20; same theme: Remittances; words: rimesse, costo",
        "same targets 10.c, 8.10; same GCM objective 20; same theme: Remittances; words: canali, rimesse",
        "same target 10.c; same GCM objective 20; same theme: Remittances; words: rimesse, mobile",
    ]
    assert [context for _, _, context, _ in similar_list(client, id, "en")][:2] == [
        f"Good practice · {event}", f"Recommendation · {event}"]


def test_no_internal_outcome_is_ever_similar(client, db):
    ids = [row[0] for row in db.execute("select id from outcomes")]
    every = {slug for id in ids for slug, *_ in similar_list(client, id)}
    assert every <= {id.rsplit("--", 1)[1] for id in ids} and not every & set(INTERNAL)
    assert len(every) > len(ids) / 2  # most outcomes are someone's similar one


SECOND_EVENT = """\
title: Rimesse e sviluppo, secondo incontro
start_date: 2021-03-10
venue:
  name: Sala delle Colonne
  city: Novara
organisers:
  - name: Regione Piemonte
description: |
  Un incontro di prova.
"""

SECOND_SESSION = """\
title: Rimesse e canali
kind: workshop
date: 2021-03-10
start: "10:00"
end: "12:00"
summary: |
  Un tavolo sulle rimesse.
outcomes:
  - id: rimesse-informali-e-costi
    type: finding
    title: Le rimesse informali costano meno dei canali formali
    text: |
      Le associazioni hanno confrontato il costo dei canali informali delle rimesse
      con quello dei money transfer e dei conti bancari.
    sdg_targets: ["10.c", "8.10"]
    gcm_objectives: [20]
    themes: [remittances]
  - id: balene-e-plancton
    type: finding
    title: Balene e plancton nell'oceano profondo
    text: |
      Krill, cetacei e correnti abissali.
    sdg_targets: ["14.1"]
"""


@pytest.fixture(scope="module")
def two_events(tmp_path_factory):
    notes = tmp_path_factory.mktemp("similar") / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    (notes / "rimesse-2021").mkdir()
    (notes / "rimesse-2021" / "event.yaml").write_text(SECOND_EVENT, "utf-8")
    (notes / "rimesse-2021" / "rimesse-e-canali.yaml").write_text(SECOND_SESSION, "utf-8")
    out = notes.parent / "build"
    assert build(notes, out, proceedings=False).ok
    client = Client(out)
    yield client
    client.close()


def test_similar_outcomes_come_from_any_event_and_none_when_nothing_is_shared(two_events):
    example = "sguardi-cooperazione-migrazione-2019--migrazione-cooperazione-internazionale--rimesse-canali-informali"
    first = similar_list(two_events, example)[0]
    assert first == ("rimesse-informali-e-costi", "Le rimesse informali costano meno dei canali formali",
                     "Constatazione · Rimesse e sviluppo, secondo incontro",
                     "stessi target 10.c, 8.10; stesso obiettivo GCM 20; stesso tema: Rimesse; parole: money, informali, transfer, canali, rimesse, costo")
    back = [slug for slug, *_ in similar_list(two_events, "rimesse-2021--rimesse-e-canali--rimesse-informali-e-costi")]
    assert back[0] == "rimesse-canali-informali" and len(back) == 5
    assert similar_list(two_events, "rimesse-2021--rimesse-e-canali--balene-e-plancton") == []
