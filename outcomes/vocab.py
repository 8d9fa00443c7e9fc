"""Controlled vocabularies: the CSV files in ``outcomes/vocabularies``, the
ISO countries and languages among them (written from pycountry).

Every vocabulary has ids (what facilitators write) and Italian and English
labels (what readers see). Nothing here is hard-coded: editing a CSV file is
how a term is added.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple

from .common.text import LANGUAGES


class Term(NamedTuple):
    """A term: its id, its labels by language, and its file's other columns.
    (A tuple: every process that reads a note makes the 700 terms, 2.7 ms as
    frozen dataclasses, 0.6 ms as tuples.)"""

    id: str
    labels: dict[str, str]
    extra: dict[str, str]

    def label(self, lang: str = "it") -> str:
        return self.labels.get(lang) or self.labels["en"]


@dataclass(frozen=True)
class Vocabulary:
    name: str
    terms: dict[str, Term]

    def __contains__(self, term_id: object) -> bool:
        return term_id in self.terms

    def __iter__(self):
        return iter(self.terms.values())

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def ids(self) -> list[str]:
        return list(self.terms)

    def label(self, term_id: str, lang: str = "it") -> str:
        return self.terms[term_id].label(lang)

    def suggest(self, value: str) -> str | None:
        """The id a facilitator most likely meant by ``value``, or None.

        Matches ids (``local_autority``) as well as labels in any language
        (``Ente locale``, ``ONG``), ignoring case and accents.
        """
        wanted = fold(value)
        if not wanted:
            return None
        candidates: dict[str, str] = {}
        for term in self.terms.values():
            candidates.setdefault(fold(term.id), term.id)
            names = [*term.labels.values(), *term.extra.get("aliases", "").split(";")]
            for name in filter(None, names):
                candidates.setdefault(fold(name), term.id)
        if wanted in candidates:
            return candidates[wanted]
        close = difflib.get_close_matches(wanted, list(candidates), n=1, cutoff=0.75)
        return candidates[close[0]] if close else None


def fold_keep_separators(value: str) -> str:
    """Lowercase and strip accents: ``Città Metro`` -> ``citta metro``."""
    decomposed = unicodedata.normalize("NFKD", str(value))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def fold(value: str) -> str:
    """Lowercase, strip accents and separators: ``Città-Metro`` -> ``cittametro``."""
    return re.sub(r"[\s_\-'’.]+", "", fold_keep_separators(value))


@cache
def _folder():
    """The vocabularies' folder (found once: importlib's readers took 1 ms for the eleven files)."""
    return resources.files("outcomes").joinpath("vocabularies")


def _rows(filename: str) -> list[dict[str, str]]:
    text = _folder().joinpath(filename).read_text("utf-8")
    header, *rows = csv.reader(text.splitlines())
    return [dict(zip(header, row)) for row in rows if row]


@cache
def vocabulary(name: str) -> Vocabulary:
    """One of the CSV vocabularies, by file name without ``.csv``."""
    terms = {}
    for row in _rows(f"{name}.csv"):
        labels = {lang: row.pop(f"label_{lang}") for lang in LANGUAGES}
        term_id = row.pop("id")
        terms[term_id] = Term(term_id, labels, row)
    return Vocabulary(name, terms)


def sdg_goals() -> Vocabulary:
    return vocabulary("sdg_goals")


def sdg_targets() -> Vocabulary:
    return vocabulary("sdg_targets")


def gcm_objectives() -> Vocabulary:
    return vocabulary("gcm_objectives")


def actor_types() -> Vocabulary:
    return vocabulary("actor_types")


def themes() -> Vocabulary:
    return vocabulary("themes")


def outcome_types() -> Vocabulary:
    return vocabulary("outcome_types")


def statuses() -> Vocabulary:
    return vocabulary("statuses")


def session_kinds() -> Vocabulary:
    return vocabulary("session_kinds")


def visibilities() -> Vocabulary:
    return vocabulary("visibilities")


def goal_of(target: str) -> int:
    """``"10.7"`` -> 10."""
    return int(target.split(".", 1)[0])


# --- Countries and languages (pycountry, with its Italian translations) -----

COUNTRY_COLUMNS = ("id", "label_it", "label_en", "alpha_3")


def countries() -> Vocabulary:
    """ISO 3166-1 countries by alpha-2 code, named in Italian and English
    (with their alpha-3 codes): ``countries.csv``, written from pycountry
    (``countries_from_pycountry``), like ``languages.csv``: reading a note
    that names a country then costs a CSV file, not pycountry's database and
    its Italian catalogue (8 ms of a one-note rebuild)."""
    return vocabulary("countries")


def countries_from_pycountry() -> list[dict[str, str]]:
    """The rows of ``countries.csv`` as pycountry and its Italian
    translations give them (``scripts/vocabularies`` writes them; a test
    checks that the file still holds them)."""
    import gettext

    import pycountry

    italian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["it"], fallback=True)
    return [
        {
            "id": country.alpha_2,
            "label_it": italian.gettext(country.name),
            "label_en": getattr(country, "common_name", None) or country.name,
            "alpha_3": country.alpha_3,
        }
        for country in pycountry.countries
    ]


def suggest_country(value: str) -> str | None:
    """``sn`` -> SN, ``SEN`` -> SN, ``Marocco`` -> MA, ``Morocco`` -> MA."""
    text = str(value).strip()
    if text.upper() in countries():
        return text.upper()
    by_alpha3 = {term.extra["alpha_3"]: term.id for term in countries()}
    if text.upper() in by_alpha3:
        return by_alpha3[text.upper()]
    return countries().suggest(text)


def languages() -> Vocabulary:
    """ISO 639-1 languages (two-letter codes), named in Italian and English.

    ``languages.csv`` was written from pycountry and its Italian translations;
    it is kept as data so that reading a note does not load pycountry's
    7,900 ISO 639-3 languages (a fifth of a second) for 184 codes.
    """
    return vocabulary("languages")


@cache
def language_codes() -> frozenset[str]:
    return frozenset(languages().ids)
