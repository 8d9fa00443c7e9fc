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

The graph is a plain dict and written in Turtle, RDF/XML and JSON-LD here,
subjects, properties and values in sorted order: rdflib took 0.4 s to build
and write the three files of a 10-event catalogue (and 0.3 s to import), as
long as the rest of a one-note rebuild. The tests read the files back with
rdflib and validate them with pySHACL.

Each dataset's subjects (those on its page, and its period) are its part of
the catalogue (``parts``, ``owner``): ``write`` says where each part's runs
of subjects lie in the files, so that a rebuild takes, byte for byte, the
parts of the datasets whose facts stand, and writes the rest.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

from ..common import text
from .facts import LANGUAGES, Dataset, Distribution

PREFIXES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatapit": "http://dati.gov.it/onto/dcatapit#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU = "http://publications.europa.eu/resource/authority/"
THEMES = ("INTR", "SOCI")  # EU data themes: international issues; population and society
LANGUAGE_CODES = {"it": "ITA", "en": "ENG"}  # EU language table
FREQUENCY = "IRREG"  # events come at irregular times, and updates on their commitments
LICENCE = "https://w3id.org/italia/controlled-vocabulary/licences/A21_CCBY40"
REGIONS = "https://w3id.org/italia/controlled-vocabulary/territorial-classifications/regions/"
IANA = "https://www.iana.org/assignments/media-types/"
TYPE = "rdf:type"
DATE = "xsd:date"


class Blank(str):
    """A blank node, by its label."""


class Literal(NamedTuple):
    value: str
    lang: str | None = None
    datatype: str | None = None  # a prefixed name


Node = str  # an IRI, or a Blank
Graph = dict  # subject -> {prefixed property -> {value, ...}}


def catalogue(library: Dataset) -> Graph:
    """The catalogue of the library and its events."""
    graph: Graph = {}
    base = library.publication.base
    agents = library.publication.agents
    catalog = f"{base}#catalog"
    _typed(graph, catalog, "dcat:Catalog", "dcatapit:Catalog")
    _texts(graph, catalog, "dct:title", library.title)
    _texts(graph, catalog, "dct:description", library.description)
    _add(graph, catalog, "dct:publisher", _agent(graph, base, agents["publisher"]))
    _add(graph, catalog, "dct:modified", Literal(library.modified, datatype=DATE))
    _add(graph, catalog, "foaf:homepage", _typed(graph, base, "foaf:Document"))
    for lang in LANGUAGES:
        _add(graph, catalog, "dct:language", _language(graph, lang))
    whole = _dataset(graph, library, agents)
    _add(graph, catalog, "dcat:dataset", whole)
    for event in library.events:
        part = _dataset(graph, event, agents)
        _add(graph, catalog, "dcat:dataset", part)
        _add(graph, part, "dct:isPartOf", whole)
        _add(graph, whole, "dct:hasPart", part)
    return graph


class Run(NamedTuple):
    """Subjects of one part, consecutive in the files, and their bytes'
    ``(start, end)`` in each file, by format."""

    part: str
    subjects: tuple[str, ...]
    spans: dict[str, tuple[int, int]]


class Written(NamedTuple):
    documents: dict[str, bytes]  # by format
    runs: list[Run]


def parts(library: Dataset) -> dict[str, str]:
    """The catalogue's parts, by their dataset's IRI (the library's, each
    event's): a digest of what each is made of, its dataset's facts (the
    library's with its events by IRI). Equal digests, equal bytes."""
    made_of = {library.iri: dataclasses.replace(library, events=[event.iri for event in library.events])}
    made_of.update({event.iri: dataclasses.replace(event, part_of=None) for event in library.events})
    return {iri: hashlib.sha256(json.dumps(dataset, default=vars, sort_keys=True).encode()).hexdigest()
            for iri, dataset in made_of.items()}


def owner(library: Dataset) -> Callable[[Node], str | None]:
    """The part a subject is of: the dataset on whose page it is (its IRI up
    to ``#``) or whose period it is; None for the terms of the vocabularies,
    which any dataset may name."""
    datasets = [library, *library.events]
    pages = {dataset.url: dataset.iri for dataset in datasets}
    periods = {_period_node(dataset): dataset.iri for dataset in datasets}

    def part(node: Node) -> str | None:
        return periods.get(node) if isinstance(node, Blank) else pages.get(node.partition("#")[0])

    return part


def write(graph: Graph, rdf_formats: Iterable[str], part_of: Callable[[Node], str | None] = lambda node: None,
          kept: dict[tuple[str, tuple[str, ...]], dict[str, bytes]] | None = None) -> Written:
    """The graph in each of ``rdf_formats`` (turtle, xml, json-ld), the same
    bytes for the same triples, and where each run of a part's subjects
    (``part_of``) lies in them; ``kept``: the bytes of runs written before,
    by part and subjects, taken as they are."""
    formats = {rdf_format: FORMATS[rdf_format] for rdf_format in rdf_formats}
    kept = kept or {}
    subjects = sorted(graph, key=lambda node: (isinstance(node, Blank), node))
    pieces: dict[str, list[bytes]] = {rdf_format: [] for rdf_format in formats}
    offsets = {rdf_format: len(form.head) for rdf_format, form in formats.items()}
    runs = []
    for part, group in itertools.groupby(subjects, key=part_of):
        members = tuple(group)
        taken = kept.get((part, members)) if part is not None else None
        if taken is None:
            ordered = [(subject, _properties(graph[subject])) for subject in members]
            taken = {rdf_format: form.separator.join(form.block(subject, properties) for subject, properties in ordered)
                     .encode("utf-8") for rdf_format, form in formats.items()}
        spans = {}
        for rdf_format, form in formats.items():
            data = taken[rdf_format]
            pieces[rdf_format].append(data)
            spans[rdf_format] = (offsets[rdf_format], offsets[rdf_format] + len(data))
            offsets[rdf_format] += len(data) + len(form.separator)
        if part is not None:
            runs.append(Run(part, members, spans))
    documents = {rdf_format: form.head + form.separator.encode().join(pieces[rdf_format]) + form.tail
                 for rdf_format, form in formats.items()}
    return Written(documents, runs)


# --- The graph -----------------------------------------------------------------------


def _dataset(graph: Graph, dataset: Dataset, agents: dict) -> str:
    node = dataset.iri
    _typed(graph, node, "dcat:Dataset", "dcatapit:Dataset")
    _add(graph, node, "dct:identifier", Literal(dataset.identifier))
    _texts(graph, node, "dct:title", dataset.title)
    _texts(graph, node, "dct:description", dataset.description)
    _add(graph, node, "dct:modified", Literal(dataset.modified, datatype=DATE))
    for theme in THEMES:
        concept = _typed(graph, f"{EU}data-theme/{theme}", "skos:Concept")
        for lang in LANGUAGES:
            _add(graph, concept, "skos:prefLabel", Literal(text.text(f"opendata.theme.{theme}", lang), lang))
        _add(graph, node, "dcat:theme", concept)
    _add(graph, node, "dct:publisher", _agent(graph, dataset.publication.base, agents["publisher"]))
    _add(graph, node, "dct:rightsHolder", _agent(graph, dataset.publication.base, agents["rights_holder"]))
    _add(graph, node, "dct:accrualPeriodicity", _typed(graph, f"{EU}frequency/{FREQUENCY}", "dct:Frequency"))
    for lang in LANGUAGES:
        _add(graph, node, "dct:language", _language(graph, lang))
        for keyword in dataset.keywords(lang):
            _add(graph, node, "dcat:keyword", Literal(keyword, lang))
    _add(graph, node, "dct:temporal", _period(graph, dataset))
    region = agents["region"]
    place = _typed(graph, f"{REGIONS}{region['istat']}", "dct:Location")
    _add(graph, place, "skos:prefLabel", Literal(region["name"], "it"))
    _add(graph, node, "dct:spatial", place)
    for country in dataset.countries:
        place = _typed(graph, f"{EU}country/{country['alpha_3']}", "dct:Location")
        for lang in LANGUAGES:
            _add(graph, place, "skos:prefLabel", Literal(country[f"label_{lang}"], lang))
        _add(graph, node, "dct:spatial", place)
    _add(graph, node, "dcat:landingPage", _typed(graph, dataset.url, "foaf:Document"))
    for distribution in dataset.distributions:
        _add(graph, node, "dcat:distribution", _distribution(graph, dataset, distribution))
    return node


def _distribution(graph: Graph, dataset: Dataset, distribution: Distribution) -> str:
    node = f"{dataset.url}#{distribution.key}"
    _typed(graph, node, "dcat:Distribution", "dcatapit:Distribution")
    _texts(graph, node, "dct:title", distribution.title)
    _add(graph, node, "dct:format", _typed(graph, f"{EU}file-type/{distribution.file_type}", "dct:MediaTypeOrExtent"))
    _add(graph, node, "dcat:mediaType", _typed(graph, f"{IANA}{distribution.media_type}", "dct:MediaType"))
    _add(graph, node, "dcat:accessURL", distribution.page)
    _add(graph, node, "dcat:downloadURL", distribution.url)
    _add(graph, node, "dct:license", _typed(graph, LICENCE, "dct:LicenseDocument"))
    return node


def _agent(graph: Graph, base: str, agent: dict) -> str:
    """An organisation by its IPA code (the same node wherever it acts)."""
    node = f"{base}#agent-{agent['ipa']}"
    _typed(graph, node, "foaf:Agent", "foaf:Organization", "dcatapit:Agent")
    properties = graph[node]
    properties["dct:identifier"] = {Literal(agent["ipa"])}
    properties["foaf:name"] = {Literal(agent["name"])}
    if agent.get("url"):
        properties["foaf:homepage"] = {agent["url"]}
    return node


def _period_node(dataset: Dataset) -> Blank:
    return Blank("period-" + re.sub(r"[^A-Za-z0-9_-]", lambda m: f"_{ord(m[0]):x}_", dataset.id))


def _period(graph: Graph, dataset: Dataset) -> Blank:
    node = _period_node(dataset)
    _typed(graph, node, "dct:PeriodOfTime")
    _add(graph, node, "dcat:startDate", Literal(dataset.start, datatype=DATE))
    _add(graph, node, "dcat:endDate", Literal(dataset.end, datatype=DATE))
    return node


def _language(graph: Graph, lang: str) -> str:
    return _typed(graph, f"{EU}language/{LANGUAGE_CODES[lang]}", "dct:LinguisticSystem")


def _add(graph: Graph, node: Node, prefixed: str, value) -> None:
    graph.setdefault(node, {}).setdefault(prefixed, set()).add(value)


def _typed(graph: Graph, node: Node, *classes: str) -> Node:
    for rdf_class in classes:
        _add(graph, node, TYPE, _expand(rdf_class))
    return node


def _texts(graph: Graph, node: Node, prefixed: str, texts: dict[str, str]) -> None:
    for lang, value in texts.items():
        _add(graph, node, prefixed, Literal(value, lang))


def _expand(prefixed: str) -> str:
    prefix, local = prefixed.split(":", 1)
    return PREFIXES[prefix] + local


def _properties(properties: dict) -> list[tuple[str, list]]:
    """A subject's properties in order, and the values of each in order."""
    return [(prefixed, _values(values)) for prefixed, values in sorted(properties.items())]


def _values(values: set) -> list:
    if len(values) == 1:
        return list(values)
    return sorted(values, key=lambda value: (isinstance(value, Literal), isinstance(value, Blank), str(value)))


class Format(NamedTuple):
    """A document is its head, its subjects' blocks joined by the separator, and its tail."""

    head: bytes
    block: Callable[[Node, list], str]
    separator: str
    tail: bytes


# --- Turtle --------------------------------------------------------------------------

LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
TURTLE_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


TURTLE_HEAD = "\n".join(f"@prefix {prefix}: <{iri}> ." for prefix, iri in PREFIXES.items()) + "\n\n"


def _turtle_block(subject: Node, properties: list) -> str:
    statements = ["a " + ", ".join(map(_turtle_term, values)) for prefixed, values in properties if prefixed == TYPE]
    statements += [f"{prefixed} " + ", ".join(map(_turtle_term, values))
                   for prefixed, values in properties if prefixed != TYPE]
    return f"{_turtle_term(subject)} " + " ;\n    ".join(statements) + " .\n"


def _turtle_term(term) -> str:
    if isinstance(term, Literal):
        quoted = f'"{term.value.translate(TURTLE_ESCAPES)}"'
        return quoted + (f"@{term.lang}" if term.lang else f"^^{term.datatype}" if term.datatype else "")
    if isinstance(term, Blank):
        return f"_:{term}"
    return _turtle_iri(term)


@functools.cache  # the vocabularies' terms recur in every event's dataset
def _turtle_iri(term: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if term.startswith(namespace) and LOCAL_NAME.match(term[len(namespace):]):
            return f"{prefix}:{term[len(namespace):]}"
    return "<" + re.sub(r'[\x00-\x20<>"{}|^`\\]', lambda m: f"\\u{ord(m[0]):04X}", term) + ">"


# --- RDF/XML -------------------------------------------------------------------------

XML_TEXT = {"\r": "&#13;"}


XML_HEAD = ("<?xml version='1.0' encoding='utf-8'?>\n<rdf:RDF "
            + " ".join(f"xmlns:{prefix}={quoteattr(iri)}" for prefix, iri in PREFIXES.items()) + ">\n")


def _xml_block(subject: Node, properties: list) -> str:
    about = f"rdf:nodeID={quoteattr(subject)}" if isinstance(subject, Blank) else f"rdf:about={quoteattr(subject)}"
    lines = [f"  <rdf:Description {about}>"]
    for prefixed, values in properties:
        for value in values:
            lines.append(f"    <{prefixed}{_xml_value(prefixed, value)}")
    lines.append("  </rdf:Description>")
    return "\n".join(lines)


def _xml_value(prefixed: str, value) -> str:
    """The rest of a property element, after its name."""
    if isinstance(value, Literal):
        attribute = (f" xml:lang={quoteattr(value.lang)}" if value.lang
                     else f" rdf:datatype={quoteattr(_expand(value.datatype))}" if value.datatype else "")
        return f"{attribute}>{escape(value.value, XML_TEXT)}</{prefixed}>"
    if isinstance(value, Blank):
        return f" rdf:nodeID={quoteattr(value)}/>"
    return _xml_resource(value)


@functools.cache
def _xml_resource(iri: str) -> str:
    return f" rdf:resource={quoteattr(iri)}/>"


# --- JSON-LD -------------------------------------------------------------------------


# A node a line: json's C encoder writes without indentation, its Python one (5 times slower) with.
JSON_LD_HEAD = ('{\n "@context": '
                + json.dumps({prefix: iri for prefix, iri in PREFIXES.items() if prefix != "rdf"}, sort_keys=True)
                + ',\n "@graph": [\n  ')


def _json_ld_block(subject: Node, properties: list) -> str:
    node = {"@id": _json_id(subject)}
    for prefixed, values in properties:
        if prefixed == TYPE:
            node["@type"] = [_json_type(value) for value in values]
        else:
            node[prefixed] = [_json_value(value) for value in values]
    return json.dumps(node, ensure_ascii=False, sort_keys=True)


def _json_id(node: Node) -> str:
    return f"_:{node}" if isinstance(node, Blank) else node


def _json_type(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and prefix != "rdf":
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _json_value(value) -> dict:
    if isinstance(value, Literal):
        if value.lang:
            return {"@value": value.value, "@language": value.lang}
        return {"@value": value.value, "@type": value.datatype} if value.datatype else {"@value": value.value}
    return {"@id": _json_id(value)}


FORMATS = {
    "turtle": Format(TURTLE_HEAD.encode(), _turtle_block, "\n", b""),
    "xml": Format(XML_HEAD.encode(), _xml_block, "\n", b"\n</rdf:RDF>\n"),
    "json-ld": Format(JSON_LD_HEAD.encode(), _json_ld_block, ",\n  ", b"\n ]\n}\n"),
}
