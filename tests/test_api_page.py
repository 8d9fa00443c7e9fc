"""The API page: reached from the home page, in Italian and English, every
example address it gives requested as a script would, answering 200 with
the media type the page announces and data in it; and the line on how to
cite the dataset, as the build's CITATION.cff says it."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import lxml.html
import pytest
import yaml

from research_helpers import get, site_client

@pytest.fixture(scope="module")
def client(built):
    yield from site_client(built)


def holds_data(media: str, body: bytes, path: str) -> bool:
    """Whether a response's body holds data of its kind: rows, entries, members."""
    if media == "application/json" or media == "application/ld+json":
        data = json.loads(body)
        if isinstance(data, list):
            return len(data) > 0
        if "facet_results" in data and "_size=0" in path:
            facets = data["facet_results"]
            return {"type", "sdg_goals", "gcm_objectives", "countries", "actors"} <= set(facets) and all(facet["results"] for facet in facets.values())
        for key in ("rows", "items", "resources", "@graph"):
            if key in data:
                return len(data[key]) > 0
        return False
    if media == "text/csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        return len(rows) >= 2 and all(len(row) == len(rows[0]) for row in rows)
    if media == "application/zip":
        return len(zipfile.ZipFile(io.BytesIO(body)).namelist()) > 0
    if media in ("application/xml", "application/rdf+xml"):
        return len(list(ET.fromstring(body))) > 0
    if media == "text/yaml":
        return bool(yaml.safe_load(body)["title"])
    if media == "application/x-research-info-systems":
        return body.decode("utf-8").startswith("TY  - ") and body.decode("utf-8").rstrip().endswith("ER  -")
    if media == "application/x-bibtex":
        return body.decode("utf-8").startswith("@misc{")
    if media == "text/turtle":
        return b"dcat:Dataset" in body
    return False


@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_example_of_the_api_page_answers(client, lang):
    home = lxml.html.fromstring(get(client, "/", lang).text)
    [link] = [a for a in home.find_class("api-link")[0].iter("a")]
    assert link.get("href") == "/api"
    page = get(client, "/api", lang)
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.text)
    assert tree.get("lang") == lang
    assert tree.findtext(".//h1") == {"it": "Dati per chi fa ricerca: JSON e CSV", "en": "Data for researchers: JSON and CSV"}[lang]
    examples = []
    for row in tree.iter("tr"):
        links = row.find_class("api-example")
        if links:
            [media] = row.find_class("api-type")
            examples.append((links[0].get("href"), media.text_content()))
    assert len(examples) == len({path for path, _ in examples}) >= 20
    for path, media in examples:
        response = get(client, path, lang)
        assert response.status_code == 200, path
        assert response.headers["content-type"].split(";")[0] == media, path
        assert holds_data(media, response.content, path), path
    # What the page must offer a researcher: tables, the search, facets, comparisons, citations and the open data.
    paths = " ".join(path for path, _ in examples)
    for needed in ("/outcomes/outcomes.json", "/outcomes/outcomes.csv", "/outcomes/cerca.json", "/outcomes/cerca.csv", "_size=0",
                   "/outcomes/confronta.json", "/outcomes/confronta.csv", ".bib", ".ris", "/datapackage.json", "/CITATION.cff",
                   "/catalog.ttl", "/catalog.rdf", "/catalog.jsonld", "/open-data/", "/outcomes/feed.atom"):  # fmt: skip
        assert needed in paths, needed


@pytest.mark.parametrize("lang", ["it", "en"])
def test_how_to_cite_the_dataset_comes_from_citation_cff(client, built, lang):
    cff = yaml.safe_load((built / "CITATION.cff").read_text("utf-8"))
    [author] = cff["authors"]
    expected = {
        "it": f"{author['name']} ({cff['date-released'][:4]}). {cff['title']} [Dataset], versione {cff['version']}. Licenza {cff['license']}. {cff['url']}",
        "en": f"{author['name']} ({cff['date-released'][:4]}). {cff['title']} [Dataset], version {cff['version']}. Licence {cff['license']}. {cff['url']}",
    }[lang]
    assert expected.startswith("Regione Piemonte (2020). ")
    for path in ("/", "/api"):
        tree = lxml.html.fromstring(get(client, path, lang).text)
        assert [span.text_content() for span in tree.find_class("dataset-citation")] == [expected], path
    api = lxml.html.fromstring(get(client, "/api", lang).text)
    [cff_link] = [a for a in api.iter("a") if a.text_content() == "CITATION.cff"]
    assert get(client, cff_link.get("href"), lang).text == (built / "CITATION.cff").read_text("utf-8")
