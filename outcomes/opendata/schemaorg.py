"""The library and each event as a schema.org ``Dataset``, the JSON-LD that
Google Dataset Search reads from a page: ``name`` and a ``description`` of
50 to 5,000 characters (required), and the recommended ``url``,
``identifier``, ``license``, ``creator``, ``publisher``, ``keywords``,
``temporalCoverage``, ``spatialCoverage``, ``inLanguage``, ``distribution``
and ``includedInDataCatalog``, from the same facts as the catalogue.

The build writes them into ``open-data/schema-org.json`` (the library's
under ``library``, each event's under ``events``), and the site puts each
into its page: the home page and the event pages.
"""

from __future__ import annotations

import json

from ..common import text
from .facts import LANGUAGES, Dataset

CONTEXT = "https://schema.org"
DESCRIPTION_CHARS = (50, 5000)
LICENCE = "https://creativecommons.org/licenses/by/4.0/"


def descriptions(library: Dataset) -> dict:
    """``{"library": Dataset, "events": {event id: Dataset}}``."""
    return {"library": dataset(library), "events": {event.id: dataset(event) for event in library.events}}


def encoded(described: dict) -> str:
    """``descriptions`` as the file holds them: a dataset a line, by json's C
    encoder (its indented output is Python's: 2.3 ms of a rebuild at 10 events)."""
    events = "".join(f"{',' if index else ''}\n  {json.dumps(event_id)}: {json.dumps(found, ensure_ascii=False)}"
                     for index, (event_id, found) in enumerate(described["events"].items()))
    return ('{\n "library": ' + json.dumps(described["library"], ensure_ascii=False)
            + ',\n "events": {' + events + ("\n }" if events else "}") + "\n}\n")


def dataset(facts: Dataset) -> dict:
    """One dataset, in Italian (the notes' language) with English names beside."""
    agents = facts.publication.agents
    region = agents["region"]
    described = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": facts.iri,
        "name": facts.title["it"],
        "alternateName": [facts.title["en"]] if facts.title["en"] != facts.title["it"] else [],
        "description": _bounded(facts.description["it"]),
        "url": facts.url,
        "identifier": facts.identifier,
        "license": LICENCE,
        "isAccessibleForFree": True,
        "creator": _organisation(agents["rights_holder"]),
        "publisher": _organisation(agents["publisher"]),
        "keywords": [keyword for lang in LANGUAGES for keyword in facts.keywords(lang)],
        "dateModified": facts.modified,
        "temporalCoverage": f"{facts.start}/{facts.end}",
        "spatialCoverage": [
            {"@type": "Place", "name": region["name"]},
            *({"@type": "Country", "name": country["label_it"], "identifier": country["id"]} for country in facts.countries),
        ],
        "inLanguage": list(LANGUAGES),
        "distribution": [
            {
                "@type": "DataDownload",
                "name": distribution.title["it"],
                "contentUrl": distribution.url,
                "encodingFormat": distribution.media_type,
            }
            for distribution in facts.distributions
        ],
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": text.text("site.title", "it"),
            "url": facts.publication.base,
        },
    }
    if facts.part_of is not None:
        described["isPartOf"] = {"@type": "Dataset", "@id": facts.part_of.iri, "name": facts.part_of.title["it"]}
    if not described["alternateName"]:
        del described["alternateName"]
    return described


def _organisation(agent: dict) -> dict:
    organisation = {"@type": "Organization", "name": agent["name"], "identifier": agent["ipa"]}
    if agent.get("url"):
        organisation["url"] = agent["url"]
    return organisation


def _bounded(description: str) -> str:
    """At most 5,000 characters, cut at a word; the facts always give more than 50."""
    high = DESCRIPTION_CHARS[1]
    if len(description) <= high:
        return description
    return description[: high - 2].rsplit(" ", 1)[0] + " …"
