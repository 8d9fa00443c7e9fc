"""A commitment's owner's actor type (issue #26, defect 5): written in the
note (YAML, the Word form, the desk's form), stored, shown, and the filter
of /impegni that finds commitments by who owns them, not by who is involved."""

from __future__ import annotations

import re

import pytest

from desk_helpers import EVENT_ID
from outcomes import vocab
from test_desk import SESSION, VALID_FORM, _office, desk, link_path  # noqa: F401 (a fixture)
from test_desk import Client as DeskClient
from test_site import commitments, client, db  # noqa: F401 (the example build, served and read directly)


def slugs(rows: list[dict]) -> list[str]:
    return [row["esito"].rsplit("--", 1)[1] for row in rows]


@pytest.mark.parametrize("lang, label, university", [
    ("it", "Tipo di attore del responsabile", "Università e ricerca"),
    ("en", "Owner&#39;s actor type", "University and research"),
])
def test_impegni_filters_by_the_owners_actor_type(client, db, lang, label, university):
    expected = commitments(db, lang)
    late = [row for row in expected if row["in_ritardo"]]
    # The case: on ?attore=local_authority the overdue ones belong to the
    # diaspora forum and the university, found now by their owner's type.
    involved = client.rows(f"/outcomes/impegni.json?attore=local_authority&in_ritardo=1&_lang={lang}")
    assert slugs(involved) == ["referenti-diaspora-consulte", "dataset-aperto-progetti"]
    assert [row["codice_tipo_responsabile"] for row in involved] == ["diaspora_association", "university"]
    assert client.rows(f"/outcomes/impegni.json?tipo_responsabile=local_authority&in_ritardo=1&_lang={lang}") == []
    assert slugs(client.rows(f"/outcomes/impegni.json?tipo_responsabile=university&in_ritardo=1&_lang={lang}")) == [
        "dataset-aperto-progetti"]
    assert slugs(client.rows(f"/outcomes/impegni.json?tipo_responsabile=diaspora_association&in_ritardo=1&_lang={lang}")) == [
        "referenti-diaspora-consulte", "mappatura-rimesse-collettive"]
    for code in {row["codice_tipo_responsabile"] for row in expected}:
        assert client.rows(f"/outcomes/impegni.json?tipo_responsabile={code}&_lang={lang}") == [
            row for row in expected if row["codice_tipo_responsabile"] == code]
    assert all(row["codice_tipo_responsabile"] for row in expected)  # the example says every owner's type
    # The form: the owner's type beside "overdue only", its choices the types that own a commitment.
    page = client.ok(f"/outcomes/impegni?_lang={lang}").text
    form = re.search(r'<form class="commitment-filters".*?</form>', page, re.S)[0]
    select = re.search(rf'<label for="tipo_responsabile">{label}</label>\s*<select id="tipo_responsabile" name="tipo_responsabile">(.*?)</select>\s*'
                       r'</p>\s*<p><input type="checkbox" id="in_ritardo"', form, re.S)
    labels = {row["codice_tipo_responsabile"]: row["tipo_responsabile"] for row in expected}
    assert re.findall(r'<option value="([^"]*)"', select[1]) == ["", *sorted(labels, key=lambda code: labels[code])]
    # Sent as a browser sends it: the university's overdue commitment, its owner's type shown.
    chosen = client.ok(f"/outcomes/impegni?attore=&responsabile=&tipo_responsabile=university&stato=&in_ritardo=1&_lang={lang}").text
    items = re.findall(r'<li class="commitment-item[^"]*">.*?</li>', chosen, re.S)
    assert len(items) == 1 and f"<dd>Osservatorio universitario su migrazioni e sviluppo · {university}</dd>" in items[0]
    assert '<option value="university" selected>' in chosen
    assert late and all(row["tipo_responsabile"] == labels[row["codice_tipo_responsabile"]] for row in late)


def test_a_commitments_page_shows_its_owners_type_linking_to_the_others(client, db):
    id = db.execute("select id from outcomes where slug = 'mappatura-rimesse-collettive'").fetchone()[0]
    page = client.ok(f"/outcomes/outcomes/{id}").text
    assert ('<dt>Chi agisce</dt><dd>Forum delle associazioni della diaspora in Piemonte · '
            '<a href="/outcomes/impegni?tipo_responsabile=diaspora_association">Associazione della diaspora</a></dd>') in page
    english = client.ok(f"/outcomes/outcomes/{id}?_lang=en").text
    assert '<a href="/outcomes/impegni?tipo_responsabile=diaspora_association">Diaspora association</a></dd>' in english
    assert client.rows(f"/outcomes/outcomes/{id}.json")[0]["owner_type"] == "diaspora_association"


def test_the_desks_form_offers_the_owners_type_and_the_note_keeps_it(desk):  # noqa: F811
    facilitator, path = DeskClient(desk), link_path(desk)
    form = facilitator.post(path, [*VALID_FORM, ("base", "0"), ("action", "save")]).text  # a draft with one outcome
    field = re.search(r'<div class="field commitment-only" data-field="outcomes.0.owner_type">.*?</div>', form, re.S)[0]
    assert '<label for="f-outcomes-0-owner_type">Tipo di attore del responsabile</label>' in field
    assert re.findall(r'<option value="([^"]*)"', field) == ["", *vocab.actor_types().ids]
    assert '<option value="diaspora_association">Associazione della diaspora</option>' in field
    commitment = [("outcomes.1.type", "commitment"), ("outcomes.1.title", "Una mappatura"), ("outcomes.1.text", "Il forum mappa."),
                  ("outcomes.1.owner", "Forum delle diaspore"), ("outcomes.1.owner_type", "diaspora_association"),
                  ("outcomes.1.due", "2020-06-30")]
    # Only a commitment has an owner: on a recommendation it is refused, in the form's terms.
    checked = facilitator.post(path, [*VALID_FORM, ("outcomes.0.owner_type", "ngo"), ("base", "1"), ("action", "check")],
                               token_from=path).json()["errors"]
    assert checked == {"outcomes.0.owner_type": [
        "vale solo per gli esiti di tipo «Impegno», mentre questo è «Raccomandazione»: lascialo vuoto"]}
    facilitator.post(path, [*VALID_FORM, *commitment, ("base", "1"), ("action", "submit")])
    review, office = f"/office/{EVENT_ID}/{SESSION}", _office(desk)
    # The office's preview shows it as the site will.
    preview = " ".join(re.sub(r"<[^>]+>", " ", office.get(review).text).split())
    assert "Responsabile Forum delle diaspore, entro il 2020-06-30 Tipo di attore del responsabile Associazione della diaspora" in preview
    accepted = office.post(review, [("action", "accept"), ("base", "2")], token_from=review)
    assert accepted.status_code == 200
    note = (desk.test_notes / EVENT_ID / f"{SESSION}.yaml").read_text("utf-8")
    assert "    owner: Forum delle diaspore\n    owner_type: diaspora_association\n    due: '2020-06-30'\n" in note


def test_the_json_schema_and_the_template_offer_it_for_commitments_only(run, tmp_path):
    from outcomes import models

    schema = models.Session.model_json_schema()
    outcome = schema["$defs"]["Outcome"]
    assert outcome["properties"]["owner_type"]["anyOf"][0]["enum"] == vocab.actor_types().ids
    assert outcome["allOf"][0]["else"]["properties"]["owner_type"] == {"type": "null"}
    assert run("new", "evento-prova", "laboratorio", "--notes", tmp_path).exit_code == 0
    template = (tmp_path / "evento-prova" / "laboratorio.yaml").read_text("utf-8")
    assert "    # owner:\n    # owner_type:\n    # due:\n" in template
