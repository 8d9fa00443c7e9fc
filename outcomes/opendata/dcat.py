"""The library as a DCAT-AP_IT catalogue, for dati.gov.it's harvester.

One ``dcat:Catalog`` holds a dataset for the whole library and one per event
(``dct:isPartOf`` the library's, which ``dct:hasPart`` them). Every property
that DCAT-AP_IT makes mandatory is there (tests/test_opendata.py lists them),
and the graph conforms to DCAT-AP 3.0.0's SHACL shapes. Values from
controlled vocabularies are the EU authority tables' IRIs (data themes,
languages, countries, frequencies, file types), typed with the classes that
DCAT-AP's range shapes ask for; the region is ISTAT's, from the Italian
vocabulary of territorial classifications; the licence is CC BY 4.0 from the
Italian vocabulary of licences.
"""

from __future__ import annotations

import json

from lxml import etree
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from ..common import text
from .facts import LANGUAGES, Dataset, Distribution

DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
EU = "http://publications.europa.eu/resource/authority/"
THEMES = ("INTR", "SOCI")  # EU data themes: international issues; population and society
LANGUAGE_CODES = {"it": "ITA", "en": "ENG"}  # EU language table
FREQUENCY = "IRREG"  # events come at irregular times, and updates on their commitments
LICENCE = "https://w3id.org/italia/controlled-vocabulary/licences/A21_CCBY40"
REGIONS = "https://w3id.org/italia/controlled-vocabulary/territorial-classifications/regions/"
IANA = "https://www.iana.org/assignments/media-types/"
PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "dcatapit": DCATAPIT, "skos": SKOS, "xsd": XSD}


def catalogue(library: Dataset) -> Graph:
    """The catalogue of the library and its events."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    base = library.publication.base
    agents = library.publication.agents
    catalog = URIRef(f"{base}#catalog")
    _typed(graph, catalog, DCAT.Catalog, DCATAPIT.Catalog)
    _texts(graph, catalog, DCTERMS.title, library.title)
    _texts(graph, catalog, DCTERMS.description, library.description)
    graph.add((catalog, DCTERMS.publisher, _agent(graph, base, agents["publisher"])))
    graph.add((catalog, DCTERMS.modified, Literal(library.modified, datatype=XSD.date)))
    graph.add((catalog, FOAF.homepage, _typed(graph, URIRef(base), FOAF.Document)))
    for lang in LANGUAGES:
        graph.add((catalog, DCTERMS.language, _language(graph, lang)))
    whole = _dataset(graph, library, agents)
    graph.add((catalog, DCAT.dataset, whole))
    for event in library.events:
        part = _dataset(graph, event, agents)
        graph.add((catalog, DCAT.dataset, part))
        graph.add((part, DCTERMS.isPartOf, whole))
        graph.add((whole, DCTERMS.hasPart, part))
    return graph


def serialize(graph: Graph, rdf_format: str) -> bytes:
    """The graph in ``rdf_format``, the same bytes for the same triples.

    rdflib's RDF/XML and JSON-LD serializers write subjects, values and
    namespaces in the order of Python sets, which changes from one process
    to the next: their output is put in a canonical order (which neither
    format gives a meaning to)."""
    if rdf_format == "json-ld":
        context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        document = json.loads(graph.serialize(format="json-ld", context=context))
        document["@graph"] = _sorted_json(document["@graph"])
        return (json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    data = graph.serialize(format=rdf_format, encoding="utf-8")
    if rdf_format == "xml":
        return _sorted_xml(data)
    return data


def _sorted_json(value):
    """Arrays (unordered in JSON-LD, unless a @list) sorted, all the way down."""
    if isinstance(value, dict):
        return {key: item if key == "@list" else _sorted_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted((_sorted_json(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    return value


def _sorted_xml(data: bytes) -> bytes:
    """RDF/XML with its namespaces, descriptions and properties in sorted order."""
    root = etree.fromstring(data)
    ordered = etree.Element(root.tag, nsmap=dict(sorted(root.nsmap.items(), key=lambda item: item[0] or "")))
    ordered.attrib.update(root.attrib)
    ordered.extend(_sorted_children(root))
    return etree.tostring(ordered, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _sorted_children(element) -> list:
    for child in element:
        child.tail = None  # the serializer's indentation: pretty_print indents anew
        if len(child):
            child.text = None
            child[:] = _sorted_children(child)
    return sorted(element, key=lambda child: etree.tostring(child, method="c14n"))


def _dataset(graph: Graph, dataset: Dataset, agents: dict) -> URIRef:
    node = URIRef(dataset.iri)
    _typed(graph, node, DCAT.Dataset, DCATAPIT.Dataset)
    graph.add((node, DCTERMS.identifier, Literal(dataset.identifier)))
    _texts(graph, node, DCTERMS.title, dataset.title)
    _texts(graph, node, DCTERMS.description, dataset.description)
    graph.add((node, DCTERMS.modified, Literal(dataset.modified, datatype=XSD.date)))
    for theme in THEMES:
        concept = _typed(graph, URIRef(f"{EU}data-theme/{theme}"), SKOS.Concept)
        for lang in LANGUAGES:
            graph.add((concept, SKOS.prefLabel, Literal(text.text(f"opendata.theme.{theme}", lang), lang=lang)))
        graph.add((node, DCAT.theme, concept))
    graph.add((node, DCTERMS.publisher, _agent(graph, dataset.publication.base, agents["publisher"])))
    graph.add((node, DCTERMS.rightsHolder, _agent(graph, dataset.publication.base, agents["rights_holder"])))
    graph.add((node, DCTERMS.accrualPeriodicity, _typed(graph, URIRef(f"{EU}frequency/{FREQUENCY}"), DCTERMS.Frequency)))
    for lang in LANGUAGES:
        graph.add((node, DCTERMS.language, _language(graph, lang)))
        for keyword in dataset.keywords(lang):
            graph.add((node, DCAT.keyword, Literal(keyword, lang=lang)))
    graph.add((node, DCTERMS.temporal, _period(graph, dataset)))
    region = agents["region"]
    place = _typed(graph, URIRef(f"{REGIONS}{region['istat']}"), DCTERMS.Location)
    graph.add((place, SKOS.prefLabel, Literal(region["name"], lang="it")))
    graph.add((node, DCTERMS.spatial, place))
    for country in dataset.countries:
        place = _typed(graph, URIRef(f"{EU}country/{country['alpha_3']}"), DCTERMS.Location)
        for lang in LANGUAGES:
            graph.add((place, SKOS.prefLabel, Literal(country[f"label_{lang}"], lang=lang)))
        graph.add((node, DCTERMS.spatial, place))
    graph.add((node, DCAT.landingPage, _typed(graph, URIRef(dataset.url), FOAF.Document)))
    for distribution in dataset.distributions:
        graph.add((node, DCAT.distribution, _distribution(graph, dataset, distribution)))
    return node


def _distribution(graph: Graph, dataset: Dataset, distribution: Distribution) -> URIRef:
    node = URIRef(f"{dataset.url}#{distribution.key}")
    _typed(graph, node, DCAT.Distribution, DCATAPIT.Distribution)
    _texts(graph, node, DCTERMS.title, distribution.title)
    graph.add((node, DCTERMS.format, _typed(graph, URIRef(f"{EU}file-type/{distribution.file_type}"), DCTERMS.MediaTypeOrExtent)))
    graph.add((node, DCAT.mediaType, _typed(graph, URIRef(f"{IANA}{distribution.media_type}"), DCTERMS.MediaType)))
    graph.add((node, DCAT.accessURL, URIRef(distribution.page)))
    graph.add((node, DCAT.downloadURL, URIRef(distribution.url)))
    graph.add((node, DCTERMS.license, _typed(graph, URIRef(LICENCE), DCTERMS.LicenseDocument)))
    return node


def _agent(graph: Graph, base: str, agent: dict) -> URIRef:
    """An organisation by its IPA code (the same node wherever it acts)."""
    node = URIRef(f"{base}#agent-{agent['ipa']}")
    _typed(graph, node, FOAF.Agent, FOAF.Organization, DCATAPIT.Agent)
    graph.set((node, DCTERMS.identifier, Literal(agent["ipa"])))
    graph.set((node, FOAF.name, Literal(agent["name"])))
    if agent.get("url"):
        graph.set((node, FOAF.homepage, URIRef(agent["url"])))
    return node


def _period(graph: Graph, dataset: Dataset) -> BNode:
    node = BNode(f"period-{dataset.id}")
    graph.add((node, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((node, DCAT.startDate, Literal(dataset.start, datatype=XSD.date)))
    graph.add((node, DCAT.endDate, Literal(dataset.end, datatype=XSD.date)))
    return node


def _language(graph: Graph, lang: str) -> URIRef:
    return _typed(graph, URIRef(f"{EU}language/{LANGUAGE_CODES[lang]}"), DCTERMS.LinguisticSystem)


def _typed(graph: Graph, node, *classes) -> URIRef:
    for rdf_class in classes:
        graph.add((node, RDF.type, rdf_class))
    return node


def _texts(graph: Graph, node, predicate, texts: dict[str, str]) -> None:
    for lang, value in texts.items():
        graph.add((node, predicate, Literal(value, lang=lang)))
