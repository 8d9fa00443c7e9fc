"""Open data that harvesters take: the DCAT-AP_IT catalogue (checked with the
DCAT-AP 3.0.0 SHACL shapes and DCAT-AP_IT's mandatory properties), the
schema.org descriptions and the bundle of each event (checked with
frictionless), all from the example notes built."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile

import pytest
import yaml
from conftest import EXAMPLE_EVENT, EXAMPLE_NOTES, FIXTURES, ROOT, need_program
from helpers import jsonld_blocks
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from outcomes import opendata, publisher, site
from outcomes.build import build
from outcomes.opendata import bundle

SHAPES = FIXTURES / "dcat-ap-3.0.0"
EU = "http://publications.europa.eu/resource/authority/"
PUBLIC_URL = site.public_url()
EVENT_PAGE = f"{PUBLIC_URL}outcomes/events/{EXAMPLE_EVENT}"

# DCAT-AP_IT: the properties every catalogue, dataset, distribution and
# agent must have.
MANDATORY = {
    DCAT.Catalog: [DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCTERMS.modified, DCAT.dataset],
    DCAT.Dataset: [DCTERMS.identifier, DCTERMS.title, DCTERMS.description, DCTERMS.modified, DCAT.theme,
                   DCTERMS.rightsHolder, DCTERMS.accrualPeriodicity, DCAT.distribution],
    DCAT.Distribution: [DCTERMS.format, DCAT.accessURL, DCTERMS.license],
    FOAF.Agent: [DCTERMS.identifier, FOAF.name],
}
# Google Dataset Search: recommended beside the required name and description.
RECOMMENDED = ("url", "identifier", "license", "creator", "publisher", "keywords", "temporalCoverage",
               "spatialCoverage", "inLanguage", "distribution", "includedInDataCatalog")


@pytest.fixture(scope="module")
def graph(built) -> Graph:
    graph = Graph()
    graph.parse(built / "catalog.ttl")
    return graph


@pytest.fixture(scope="module")
def db(built):
    conn = sqlite3.connect(f"file:{built / 'outcomes.db'}?mode=ro", uri=True)
    yield conn
    conn.close()


def datasets(graph: Graph) -> dict[str, URIRef]:
    """identifier -> dataset node."""
    return {str(graph.value(node, DCTERMS.identifier)): node for node in graph.subjects(RDF.type, DCAT.Dataset)}


# --- The catalogue ------------------------------------------------------------------------


def test_the_three_catalogue_files_hold_one_graph(built, graph):
    for name in ("catalog.rdf", "catalog.jsonld"):
        other = Graph()
        other.parse(built / name)
        assert isomorphic(graph, other), name
    for name in opendata.CATALOGUE_FILES:  # also in static/, for `datasette package`
        assert (built / "static" / name).read_bytes() == (built / name).read_bytes()
    found = datasets(graph)
    assert sorted(found) == ["r_piemon:outcomes", f"r_piemon:{EXAMPLE_EVENT}"]
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    assert set(graph.objects(catalog, DCAT.dataset)) == set(found.values())
    library, event = found["r_piemon:outcomes"], found[f"r_piemon:{EXAMPLE_EVENT}"]
    assert (event, DCTERMS.isPartOf, library) in graph and (library, DCTERMS.hasPart, event) in graph
    assert str(event) == f"{EVENT_PAGE}#dataset"
    assert graph.value(event, DCAT.landingPage) == URIRef(EVENT_PAGE)


def test_the_catalogue_conforms_to_the_dcat_ap_shapes(graph):
    """DCAT-AP 3.0.0's class and cardinality shapes (dcat-ap-SHACL.ttl) and its
    range shapes (range.ttl). RDFS inference makes every IRI an
    rdfs:Resource, which the release's shape for dcat:accessURL asks for.
    The vocabulary shapes are left out: they check membership in the EU
    authority tables, which would have to be loaded; the next test checks
    that each value is an IRI of the right table instead."""
    import pyshacl

    shapes = Graph()
    for name in ("dcat-ap-SHACL.ttl", "range.ttl"):
        shapes.parse(SHAPES / name)
    conforms, _, report = pyshacl.validate(graph, shacl_graph=shapes, inference="rdfs")
    assert conforms, report[:3000]
    # The shapes do find a broken catalogue: a distribution without its access URL.
    broken = Graph() + graph
    distribution = next(broken.subjects(RDF.type, DCAT.Distribution))
    broken.remove((distribution, DCAT.accessURL, None))
    conforms, _, report = pyshacl.validate(broken, shacl_graph=shapes, inference="rdfs")
    assert not conforms and "accessURL" in report


def test_every_mandatory_property_of_dcat_ap_it(graph, db):
    for rdf_class, properties in MANDATORY.items():
        nodes = list(graph.subjects(RDF.type, rdf_class))
        assert nodes, rdf_class
        for node in nodes:
            missing = [p for p in properties if graph.value(node, p) is None]
            assert missing == [], (node, missing)
    for identifier, node in datasets(graph).items():
        assert identifier.startswith("r_piemon:")
        assert set(graph.objects(node, DCAT.theme)) == {URIRef(f"{EU}data-theme/INTR"), URIRef(f"{EU}data-theme/SOCI")}
        assert graph.value(node, DCTERMS.accrualPeriodicity) == URIRef(f"{EU}frequency/IRREG")
        assert set(graph.objects(node, DCTERMS.language)) == {URIRef(f"{EU}language/ITA"), URIRef(f"{EU}language/ENG")}
        holder = graph.value(node, DCTERMS.rightsHolder)
        assert (graph.value(holder, DCTERMS.identifier), graph.value(holder, FOAF.name)) == (
            Literal("r_piemon"), Literal("Regione Piemonte"))
        # Descriptions are plain text, in Italian and English.
        descriptions = {d.language: str(d) for d in graph.objects(node, DCTERMS.description)}
        assert sorted(descriptions) == ["en", "it"]
        assert not any(mark in d for d in descriptions.values() for mark in ("<", "**", "*M")), descriptions
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        assert str(graph.value(distribution, DCTERMS.format)).startswith(f"{EU}file-type/")
        assert str(graph.value(distribution, DCTERMS.license)) == (
            "https://w3id.org/italia/controlled-vocabulary/licences/A21_CCBY40")
        assert str(graph.value(distribution, DCAT.downloadURL)).startswith(PUBLIC_URL)
    # The partner countries of the outcomes and the region, as places.
    library = datasets(graph)["r_piemon:outcomes"]
    places = {str(place).rsplit("/", 1)[-1] for place in graph.objects(library, DCTERMS.spatial)}
    countries = {alpha_3 for (alpha_3,) in db.execute(
        "select distinct alpha_3 from outcome_countries join countries on countries.id = country_id")}
    assert places == {"01", *countries} and len(countries) > 5  # 01: Piemonte, in ISTAT's codes
    start, end = db.execute("select min(start_date), max(end_date) from events").fetchone()
    period = graph.value(library, DCTERMS.temporal)
    assert (graph.value(period, DCAT.startDate), graph.value(period, DCAT.endDate)) == (
        Literal(start, datatype=XSD.date), Literal(end, datatype=XSD.date))
    keywords = {str(k) for k in graph.objects(library, DCAT.keyword)}
    assert {"Rimesse", "Remittances", "Diaspore"} <= keywords


def test_the_distributions_of_each_dataset(graph):
    def downloads(identifier: str) -> dict[str, str]:
        node = datasets(graph)[identifier]
        return {
            str(graph.value(d, DCAT.downloadURL)).removeprefix(PUBLIC_URL): str(graph.value(d, DCTERMS.format)).rsplit("/", 1)[1]
            for d in graph.objects(node, DCAT.distribution)
        }

    library = downloads("r_piemon:outcomes")
    assert library["outcomes.db"] == "OCTET" and library["datapackage.json"] == "JSON"
    assert library["outcomes/outcomes.csv?_stream=on"] == "CSV"
    assert library["outcomes/outcomes.json?_shape=objects&_size=max"] == "JSON"
    assert not any(url.startswith("outcomes/search_") for url in library)  # the search's own tables
    event = downloads(f"r_piemon:{EXAMPLE_EVENT}")
    assert event[f"open-data/{EXAMPLE_EVENT}.zip"] == "ZIP"
    assert event[f"proceedings/{EXAMPLE_EVENT}.docx"] == "DOCX"  # no PDF: this build made none
    assert event[f"outcomes/outcomes.csv?_stream=on&event_id={EXAMPLE_EVENT}"] == "CSV"
    assert event[f"outcomes/events.json?_shape=objects&_size=max&id={EXAMPLE_EVENT}"] == "JSON"


def test_modified_is_the_latest_note_or_update(notes, tmp_path):
    """An update on a commitment after the event dates the event's dataset
    and the catalogue; a second event gets its own dataset and bundle."""
    second = notes / "seconda-giornata-2021"
    shutil.copytree(notes / EXAMPLE_EVENT, second)
    (second / "followup.yaml").unlink()
    event_yaml = (second / "event.yaml").read_text("utf-8").replace("start_date: 2019-10-15", "start_date: 2021-03-02")
    (second / "event.yaml").write_text(event_yaml.replace("publication_date: 2019-12-16", "publication_date: 2021-04-01"), "utf-8")
    for session in second.glob("*.yaml"):
        session.write_text(session.read_text("utf-8").replace("date: 2019-10-15", "date: 2021-03-02"), "utf-8")
    followup = notes / EXAMPLE_EVENT / "followup.yaml"
    followup.write_text(followup.read_text("utf-8") + later_update("2021-06-30"), "utf-8")
    out = tmp_path / "out"
    result = build(notes, out)
    assert result.ok, [p.format() for p in result.problems]
    graph = Graph()
    graph.parse(out / "catalog.ttl")
    found = datasets(graph)
    modified = {identifier: str(graph.value(node, DCTERMS.modified)) for identifier, node in found.items()}
    assert modified == {
        "r_piemon:outcomes": "2021-06-30",
        f"r_piemon:{EXAMPLE_EVENT}": "2021-06-30",
        "r_piemon:seconda-giornata-2021": "2021-03-02",
    }
    conn = sqlite3.connect(out / "outcomes.db")
    assert opendata.modified(conn, "seconda-giornata-2021") == "2021-03-02"
    # Each bundle holds its own event's rows only.
    for event_id in (EXAMPLE_EVENT, "seconda-giornata-2021"):
        with zipfile.ZipFile(out / "open-data" / f"{event_id}.zip") as archive:
            rows = list(csv.DictReader(io.StringIO(archive.read("en/outcomes.csv").decode("utf-8"))))
            assert {row["Event"] for row in rows} == {event_id}
            assert all(info.date_time[:3] == tuple(int(p) for p in modified[f"r_piemon:{event_id}"].split("-"))
                       for info in archive.infolist())
    conn.close()


def later_update(day: str) -> str:
    """An update of followup.yaml on a commitment of the example, on ``day``."""
    return (
        "\n- commitment: plenaria-mattina/censimento-partenariati-comunali\n"
        f"  date: {day}\n  status: done\n  progress: 100\n  text: Censimento concluso.\n"
    )


# --- schema.org ---------------------------------------------------------------------------


@pytest.mark.parametrize("events", [0, 1, 2])
def test_the_schema_org_file_holds_a_dataset_a_line(built, events):
    from outcomes.opendata import schemaorg

    written = json.loads((built / "open-data" / opendata.SCHEMA_ORG_FILE).read_text("utf-8"))
    event = written["events"][EXAMPLE_EVENT]
    described = {"library": written["library"], "events": {f"evento-{n}": event for n in range(events)}}
    text = schemaorg.encoded(described)
    assert json.loads(text) == described
    assert [line for line in text.splitlines() if '"@type": "Dataset"' in line] == [
        line for line in text.splitlines() if line.startswith((' "library": ', '  "evento-'))]
    assert len(text.splitlines()) == 4 + events + bool(events)


def test_schema_org_descriptions_say_what_google_reads(built, graph):
    descriptions = json.loads((built / "open-data" / opendata.SCHEMA_ORG_FILE).read_text("utf-8"))
    assert sorted(descriptions["events"]) == [EXAMPLE_EVENT]
    for described in [descriptions["library"], *descriptions["events"].values()]:
        assert described["@context"] == "https://schema.org" and described["@type"] == "Dataset"
        assert described["name"] and 50 <= len(described["description"]) <= 5000
        for key in RECOMMENDED:
            assert described[key], key
        assert all(d["@type"] == "DataDownload" and d["contentUrl"].startswith(PUBLIC_URL) and d["encodingFormat"]
                   for d in described["distribution"])
        # The same facts as the catalogue.
        node = URIRef(described["@id"])
        assert str(graph.value(node, DCTERMS.identifier)) == described["identifier"]
        assert {str(d) for d in graph.objects(node, DCAT.distribution)} and {
            d["contentUrl"] for d in described["distribution"]} == {
            str(graph.value(d, DCAT.downloadURL)) for d in graph.objects(node, DCAT.distribution)}
    event = descriptions["events"][EXAMPLE_EVENT]
    assert event["url"] == EVENT_PAGE and event["isPartOf"]["@id"] == descriptions["library"]["@id"]
    assert event["temporalCoverage"] == "2019-10-15/2019-10-15"
    assert event["description"].startswith("Giornata regionale di confronto promossa dalla Regione Piemonte")
    assert "**" not in event["description"]


# --- The bundle of each event -------------------------------------------------------------


def test_each_event_bundle_validates_with_frictionless(built, db, tmp_path, monkeypatch):
    import frictionless

    with zipfile.ZipFile(built / "open-data" / f"{EXAMPLE_EVENT}.zip") as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    tables = [table.name for table in bundle.event_tables(db, EXAMPLE_EVENT)]
    assert {"events", "sessions", "outcomes", "quotes", "commitment_updates", "outcome_countries", "countries"} <= set(tables)
    assert "search_terms" not in tables
    assert sorted(names) == sorted(["README.md", "datapackage.json", "CITATION.cff", "LICENSE.txt",
                                    *(f"{lang}/{table}.csv" for lang in ("it", "en") for table in tables)])
    monkeypatch.chdir(tmp_path)
    report = frictionless.validate("datapackage.json")
    assert report.valid, report.flatten(["title", "type", "message"])[:10]
    # Every row of the event, in both languages.
    outcomes = db.execute("select count(*) from outcomes where event_id = ?", [EXAMPLE_EVENT]).fetchone()[0]
    for lang, title in (("it", "Titolo"), ("en", "Title")):
        with open(tmp_path / lang / "outcomes.csv", encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == outcomes and all(row[title] for row in rows)
    assert (tmp_path / "LICENSE.txt").read_text("utf-8").startswith("Attribution 4.0 International")
    cff = yaml.safe_load((tmp_path / "CITATION.cff").read_text("utf-8"))
    assert cff["url"] == EVENT_PAGE and cff["license"] == "CC-BY-4.0" and cff["date-released"] == "2020-12-14"


def test_the_data_package_is_json_indented_by_two(built):
    """Its resources are encoded once per process and set in place: the
    file is what ``json.dumps(..., indent=2)`` writes of the whole."""
    with zipfile.ZipFile(built / "open-data" / f"{EXAMPLE_EVENT}.zip") as archive:
        written = archive.read("datapackage.json").decode("utf-8")
    assert written == json.dumps(json.loads(written), indent=2, ensure_ascii=False) + "\n"


def test_the_readme_describes_every_file_and_column(built):
    with zipfile.ZipFile(built / "open-data" / f"{EXAMPLE_EVENT}.zip") as archive:
        readme = archive.read("README.md").decode("utf-8")
        package = json.loads(archive.read("datapackage.json"))
        names = archive.namelist()
    italian, english = readme.split("\n# Open data: ")
    for part in (italian, english):
        for name in names:
            assert f"`{name}`" in part, name
    for resource in package["resources"]:
        table = resource["name"].rsplit("-", 1)[0]
        for field in resource["schema"]["fields"]:
            # Described: a text of its own, neither its name nor its header.
            assert field["description"] not in ("", field["name"], table), (resource["name"], field)
            row = f"| {field['name']} |" if resource["name"].endswith("-it") else f"| {field['name']} | `"
            assert row in readme, (resource["name"], field["name"])
            assert field["description"] in (italian if resource["name"].endswith("-it") else english)
    assert "| Titolo | Title | `title` | string | Titolo dell'esito |" in italian
    assert "| Titolo | Title | `title` | string | Title of the outcome |" in english


# --- Before publishing ----------------------------------------------------------------------


AWKWARD_MARKDOWN = [
    "", "plain", "Un **testo** con [link](http://x.it) e `code`.", "a  \nb", "a\\\nb", "riga1\nriga2", "# Titolo\n\ntesto",
    "- uno\n- due\n\n  para", "- primo\n- secondo\n  - annidato\n- terzo", "> citazione\n> due", "```\ncodice <b>\n  x\n```",
    "    indented code", "<p>html</p> & &amp; &lt;", "![alt](http://img.png) e ![](http://x.png)", "[js](javascript:alert(1))",
    "***\n\ntext", "1. a\n2. b", "entity &eacute; &#169; &copy;", "<script>x</script>", "a <b>b</b> c", "text\n\n\n\nmore",
    "[ref][1]\n\n[1]: http://a.b", "\\*escaped\\*", "<http://auto.link>", "| a | b |\n|---|---|\n| 1 | 2 |",
    "> - a\n> - b\n>\n> para", "[![img](x.png)](http://l)", "[](http://x)", "![**b** c](x.png)", "- a\n\n- b",
    "<div>\nblock\n</div>", "a\r\nb\r\n\r\nc", "~~~\nfence\n~~~\nafter", "Setext\n=====\nnext", "- a\n  > q\n- b", "x\u00a0y",
]


@pytest.mark.parametrize("source", AWKWARD_MARKDOWN)
def test_plain_descriptions_are_the_html_without_its_tags(source):
    """The catalogue's plain text is read from Markdown's tokens; the
    reference is the site's HTML of it, split at its blocks, tags stripped."""
    import bleach

    from outcomes.common import markdown

    rendered = markdown.markdown_html(source)
    paragraphs = re.split(r"</p>|<br\s*/?>|</li>|</h[1-6]>|</blockquote>", rendered)
    stripped = (html.unescape(bleach.clean(part, tags=[], strip=True)) for part in paragraphs)
    assert markdown.markdown_text(source) == "\n\n".join(" ".join(part.split()) for part in stripped if part.strip())


def test_plain_descriptions_hold_no_control_character():
    from outcomes.common import markdown

    assert markdown.markdown_text("Testo incollato\x07con un campanello e\x0bun a capo di Word.") == (
        "Testo incollato con un campanello e un a capo di Word.")


def test_the_csv_files_have_the_bytes_the_csv_module_writes():
    """The bundles' CSV lines are joined by bundle.csv_body; the csv module is the reference."""
    rows = [("plain", 1, None, ""), ('a "quoted" word', "a, b", "line\nbreak", "cr\rlf\r\n"), ("", None, 0, -5),
            ("  spaces ", "tab\there", "àèé €", "'single'"), ("",), (None,), ("x",), (), ('"', ",", "\n", "\r")]
    table = [  # rows of one length: written a column at a time
        ("plain", 1, None, "", 2.5), ('a "quoted" word', "a, b", "line\nbreak", "cr\rlf\r\n", None),
        ("  spaces ", "tab\there", "àèé €", "'single'", -5), ("", None, 0, '"', "unit\x1fseparator"),
    ]
    for case in (rows, table, table[:1], [row[:2] for row in table], [("", "")], []):
        written = io.StringIO()
        csv.writer(written, lineterminator="\r\n").writerows(case)
        assert bundle.csv_body(case) == written.getvalue().encode("utf-8")


def test_check_warns_while_the_publisher_is_the_example(run, monkeypatch):
    """Before a build for publication; a facilitator checking a note is not told."""
    assert run("check", EXAMPLE_NOTES).stderr == ""
    result = run("check", "--publication", EXAMPLE_NOTES)
    assert result.exit_code == 0  # a warning, not an error
    warnings = result.stderr.splitlines()
    assert [line.split(": ", 3)[1:3] for line in warnings] == [
        ["warning", "plugins.outcomes-site.open_data.publisher"],
        ["warning", "plugins.outcomes-site.open_data.rights_holder"],
    ]
    metadata_yaml = ROOT / "outcomes" / "site" / "metadata.yaml"
    line = metadata_yaml.read_text("utf-8").splitlines().index("  outcomes-site:") + 1
    assert warnings[0].startswith(f"{os.path.relpath(metadata_yaml)}:{line}:5: ")
    assert "valori di esempio (Regione Piemonte, codice IPA r_piemon)" in warnings[0]
    # Set for the body that publishes: no warning, and the catalogue names it.
    metadata = publisher.site_metadata()
    agents = {"publisher": {"name": "Comune di Torino", "ipa": "c_l219"},
              "rights_holder": {"name": "Comune di Torino", "ipa": "c_l219"}}
    metadata["plugins"]["outcomes-site"]["open_data"] = agents
    monkeypatch.setattr(publisher, "_metadata", lambda: metadata)
    result = run("check", "--publication", EXAMPLE_NOTES)
    assert result.exit_code == 0 and result.stderr == ""
    assert publisher.open_data()["rights_holder"] == agents["rights_holder"]


def test_the_catalogue_has_the_same_bytes_in_any_process(built, tmp_path):
    """The graph's values are held in Python sets, whose order changes with
    each process's hash seed: the catalogue is written in sorted order."""
    script = ("import sys; from pathlib import Path; from outcomes import opendata; "
              "opendata.write(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])")
    editions = [path.name for path in (built / "proceedings").iterdir()]
    for seed in ("1", "2"):
        out = tmp_path / seed
        out.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", script, str(out), str(built / "outcomes.db"), *editions], env=env, check=True)
        for name in opendata.CATALOGUE_FILES:
            assert (out / name).read_bytes() == (built / name).read_bytes(), (seed, name)


# --- The site ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(built):
    from test_site import Client

    client = Client(built)
    yield client
    client.close()


def test_the_site_serves_the_catalogue_and_the_bundles(built, client):
    for name, media_type in (("catalog.ttl", "text/turtle"), ("catalog.rdf", "application/rdf+xml"),
                             ("catalog.jsonld", "application/ld+json")):
        response = client.ok(f"/{name}")
        assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
        assert response.content == (built / name).read_bytes()
    bundle = f"{EXAMPLE_EVENT}.zip"
    response = client.ok(f"/open-data/{bundle}")
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == f'attachment; filename="{bundle}"'
    assert response.content == (built / "open-data" / bundle).read_bytes()
    for path in ("/open-data/nessun-evento.zip", "/open-data/schema-org.json", f"/open-data/{EXAMPLE_EVENT.upper()}.zip",
                 "/open-data/..%2Foutcomes.zip", "/catalog.xml"):
        assert client.get(path).status_code == 404, path


def test_pages_carry_the_schema_org_dataset_and_every_content_url_answers(built, client):
    """What Google Dataset Search reads from the home page and an event's
    page: the build's description, whole; and each download it names is there."""
    described = json.loads((built / "open-data" / opendata.SCHEMA_ORG_FILE).read_text("utf-8"))
    pages = {"/": described["library"], f"/outcomes/events/{EXAMPLE_EVENT}": described["events"][EXAMPLE_EVENT]}
    urls = set()
    for path, expected in pages.items():
        for lang in ("it", "en"):
            html = client.ok(f"{path}?_lang={lang}").text
            assert jsonld_blocks(html) == [expected], (path, lang)
        urls.update(download["contentUrl"] for download in expected["distribution"])
    assert len(urls) > 50
    for url in sorted(urls):
        assert url.startswith(PUBLIC_URL)
        response = client.get("/" + url.removeprefix(PUBLIC_URL))
        assert response.status_code == 200, url
    # A description with markup characters stays data: it cannot end the block.
    assert "<" not in client.ok("/").text.split('<script type="application/ld+json">')[1].split("</script>")[0]


def test_the_pages_link_the_open_data(client):
    catalogue = [f'href="/{name}"' for name in opendata.CATALOGUE_FILES]
    for path in ("/", "/outcomes"):  # the home page's open data, the database page (the API)
        page = client.ok(path).text
        assert all(link in page for link in catalogue), path
    event = client.ok(f"/outcomes/events/{EXAMPLE_EVENT}").text
    link = re.search(rf'<a href="/open-data/{EXAMPLE_EVENT}\.zip" download>([^<]*)</a>', event)
    assert link and re.fullmatch(r"Pacchetto di dati aperti dell'evento \(ZIP, \d+ kB\)", html.unescape(link[1])), link
    english = html.unescape(client.ok(f"/outcomes/events/{EXAMPLE_EVENT}?_lang=en").text)
    assert re.search(r"The event's open data bundle \(ZIP, \d+ kB\)</a>", english)


@pytest.mark.libreoffice
def test_the_pdf_edition_is_a_distribution_of_its_event(built_with_pdf):
    """Made by the session's build with PDF; the site serves it where the catalogue says."""
    need_program("soffice", "the build makes the PDF edition with LibreOffice")
    graph = Graph().parse(built_with_pdf / "catalog.ttl")
    node = datasets(graph)[f"r_piemon:{EXAMPLE_EVENT}"]
    iana = "https://www.iana.org/assignments/media-types/"
    editions = {
        str(graph.value(d, DCAT.downloadURL)).removeprefix(PUBLIC_URL): (
            str(graph.value(d, DCTERMS.format)).rsplit("/", 1)[1], str(graph.value(d, DCAT.mediaType)).removeprefix(iana))
        for d in graph.objects(node, DCAT.distribution) if "/proceedings/" in str(graph.value(d, DCAT.downloadURL))
    }
    assert editions == {
        f"proceedings/{EXAMPLE_EVENT}.docx": ("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        f"proceedings/{EXAMPLE_EVENT}.pdf": ("PDF", "application/pdf"),
    }
    from test_site import Client

    client = Client(built_with_pdf)
    try:
        for path, (_, media_type) in editions.items():
            assert client.ok("/" + path).headers["content-type"] == media_type
    finally:
        client.close()
