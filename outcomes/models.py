"""The note format, as pydantic models.

These models describe exactly what a facilitator writes in a YAML note (the
ids of events and sessions come from folder and file names, so they are not
fields here). Every scalar reaches them as the text the facilitator typed
(see ``outcomes.load``), and each type below decides, strictly, what that text
may be: ``NO`` is a country code, ``17.10`` a target, ``10:30`` a time.

Validation errors carry a ``kind`` from ``outcomes.messages`` and the value as
typed, so they can be told back in the facilitator's language.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
import re
from typing import Annotated
from collections.abc import Callable

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from . import vocab
from .common.text import LANGUAGES

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG = re.compile(SLUG_PATTERN)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DIGITS = re.compile(r"^\d+$")
TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _fail(kind: str, value: object, **context: object):
    return PydanticCustomError(kind, kind + ": {value}", {"value": value, **context})


def _text(value: object, kind: str = "expected_text") -> str:
    if isinstance(value, str):
        return value
    raise _fail(kind, value, found=_found(value))


def _found(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    if value is None:
        return "nothing"
    return "text"


# --- Scalar types -------------------------------------------------------------


def slugify(text: str) -> str:
    """A slug suggestion: ``Diaspore e Co-sviluppo!`` -> ``diaspore-e-co-sviluppo``."""
    folded = vocab.fold_keep_separators(text)
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def parse_slug(value: object) -> str:
    text = _text(value)
    if not SLUG.match(text) or len(text) > 80:
        raise _fail("slug", text, suggestion=slugify(text)[:80] or None)
    return text


# The files every event folder may hold beside its sessions
# (notes/<event-id>/<name>.yaml): never an event or session id.
NOTE_FILE_NAMES = ("event", "registrations", "followup")


def parse_id(value: object) -> str:
    """An event or session id: it becomes a folder or file name, so it is a
    slug (no separators, no ``..``, never absolute) and none of the names
    the notes folder keeps for its own files."""
    text = parse_slug(value)
    if text in NOTE_FILE_NAMES:
        raise _fail("reserved_id", text, reserved=", ".join(NOTE_FILE_NAMES))
    return text


def parse_line(value: object) -> str:
    text = _text(value)
    if not text.strip():
        raise _fail("empty_text", text)
    if "\n" in text.strip():
        raise _fail("one_line", text)
    if len(text) > 300:
        raise _fail("too_long", text[:40] + "…", length=len(text), limit=300)
    return text.strip()


def parse_markdown(value: object) -> str:
    text = _text(value)
    if not text.strip():
        raise _fail("empty_text", text)
    return text


def parse_date(value: object) -> dt.date:
    text = _text(value)
    match = _DATE.match(text)
    if not match:
        raise _fail("date_format", text, suggestion=_suggest_date(text))
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise _fail("date_invalid", text) from None


def _suggest_date(text: str) -> str | None:
    """``15/10/2019``, ``15-10-2019`` or ``15.10.2019`` -> ``2019-10-15``."""
    match = re.match(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$", text.strip())
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_time(value: object) -> dt.time:
    text = _text(value)
    match = _TIME.match(text)
    if not match:
        suggestion = None
        loose = re.match(r"^(\d{1,2})[.,h](\d{2})$", text.strip())
        if loose and int(loose[1]) < 24 and int(loose[2]) < 60:
            suggestion = f"{int(loose[1]):02d}:{loose[2]}"
        raise _fail("time_format", text, suggestion=suggestion)
    return dt.time(int(match[1]), int(match[2]))


def parse_count(value: object) -> int:
    if value is None:  # ``ngo:`` left empty in a template's list of actor types
        raise _fail("empty_count", value)
    text = _text(value)
    if not _DIGITS.match(text) or len(text) > 7:
        digits = re.sub(r"[.,'\s]", "", text)
        suggestion = digits if _DIGITS.match(digits) and digits != text else None
        raise _fail("count_format", text, suggestion=suggestion)
    return int(text)


def parse_percent(value: object) -> int:
    """A percentage, 0 to 100, written as a whole number (``30``, not ``30%``)."""
    if value is None:
        raise _fail("empty_count", value)
    text = _text(value)
    if not _DIGITS.match(text) or len(text) > 3 or int(text) > 100:
        digits = text.strip().rstrip("%").strip()
        suggestion = digits if _DIGITS.match(digits) and int(digits) <= 100 and digits != text else None
        raise _fail("percent", text, suggestion=suggestion)
    return int(text)


COMMITMENT_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*$"


def parse_commitment_ref(value: object) -> str:
    """``<session-id>/<outcome-id>``: a commitment of the same event."""
    text = _text(value)
    if not re.match(COMMITMENT_PATTERN, text):
        session, _, outcome = text.strip().partition("/")
        suggestion = f"{slugify(session)}/{slugify(outcome)}" if session and outcome else None
        raise _fail("commitment_ref", text, suggestion=suggestion)
    return text


def parse_url(value: object) -> str:
    text = _text(value).strip()
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", text):
        raise _fail("url", text)
    return text


def parse_sdg_target(value: object) -> str:
    text = _text(value)
    if text in vocab.sdg_targets():
        return text
    raise _fail("sdg_target_unknown", text, **_sdg_hint(text))


def _sdg_hint(text: str) -> dict[str, object]:
    """What to tell someone who wrote ``7.4``, ``17.1O``, ``10,7`` or ``10.C``."""
    targets = vocab.sdg_targets()
    goal, _, rest = text.strip().replace(",", ".").replace(" ", "").partition(".")
    if any(c.isdigit() for c in rest):  # a letter O typed for a zero, l or I for a one
        rest = rest.translate(str.maketrans("OolI", "0011"))
    candidate = f"{goal}.{rest.lower()}"
    hint: dict[str, object] = {"suggestion": candidate if candidate in targets else None}
    if goal.isdigit() and 1 <= int(goal) <= 17:
        in_goal = [t for t in targets.ids if vocab.goal_of(t) == int(goal)]
        hint.update(hint="goal", goal=int(goal), targets=", ".join(in_goal))
    else:
        hint["hint"] = "form"
    return hint


def parse_gcm_objective(value: object) -> int:
    text = _text(value)
    if _DIGITS.match(text) and 1 <= int(text) <= 23:
        return int(text)
    digits = re.sub(r"^(?:obj(?:ective)?|ob(?:iettivo)?)\.?\s*", "", text.strip(), flags=re.I)
    suggestion = digits if _DIGITS.match(digits) and 1 <= int(digits) <= 23 else None
    raise _fail("gcm_objective_unknown", text, suggestion=suggestion)


def parse_country(value: object) -> str:
    text = _text(value)
    if text in vocab.countries():
        return text
    raise _fail("country_unknown", text, suggestion=vocab.suggest_country(text))


def parse_language(value: object) -> str:
    text = _text(value)
    if text in vocab.language_codes():
        return text
    raise _fail("language_unknown", text, suggestion=vocab.languages().suggest(text))


# The languages the proceedings are written in: those the project speaks.
EDITION_LANGUAGES = LANGUAGES


def parse_edition_language(value: object) -> str:
    text = parse_language(value)
    if text in EDITION_LANGUAGES:
        return text
    raise _fail("edition_language", text, allowed=", ".join(EDITION_LANGUAGES))


def _vocabulary_type(name: str, title: str, description: str):
    """A text field whose value must be an id of the vocabulary ``name``."""

    def parse(value: object) -> str:
        text = _text(value)
        terms = vocab.vocabulary(name)
        if text in terms:
            return text
        raise _fail(
            "vocabulary_unknown",
            text,
            suggestion=terms.suggest(text),
            allowed=", ".join(terms.ids),
            vocabulary=name,  # a form names the allowed values by their labels instead
        )

    def schema() -> dict:
        terms = vocab.vocabulary(name)
        return {
            "type": "string",
            "enum": terms.ids,
            "title": title,
            "description": description,
            "markdownEnumDescriptions": [f"**{t.label('it')}** — {t.extra.get('description_it', '')}" for t in terms],
        }

    return Annotated[str, BeforeValidator(parse), LazyJsonSchema(schema), Vocabulary(name)]


# JSON Schema (``outcomes schema``) describes the YAML as an editor parses it
# (YAML 1.2 core): text fields are strings, counts are integers, and codes that
# look like numbers (SDG targets) must be quoted strings, since ``17.10``
# unquoted is the number 17.1 there. The loader, which reads every scalar as
# typed text, is more lenient; tests/test_schema.py lists where they differ.
NON_BLANK_LINE = r"^\s*\S(?:[^\n]*\S)?\s*$"


@dataclass(frozen=True)
class Vocabulary:
    """Marks a type whose values are the ids of a vocabulary (pydantic ignores
    it): the desk's form reads it to offer a list to choose from."""

    name: str


@dataclass(frozen=True)
class LazyJsonSchema:
    """Like pydantic's ``WithJsonSchema``, but the schema is made only when a
    JSON Schema is asked for (``outcomes schema``): the enums of countries
    and languages take longer to build than validating a whole note."""

    make: Callable[[], dict]

    def __get_pydantic_json_schema__(self, core_schema, handler) -> dict:
        return self.make()


def _enum_schema(title: str, terms, describe) -> dict:
    """A string enum of ``terms`` ids, each described in Italian for editors."""
    return {
        "type": "string",
        "title": title,
        "enum": [term.id for term in terms],
        "markdownEnumDescriptions": [describe(term) for term in terms],
    }


Slug = Annotated[str, BeforeValidator(parse_slug), WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN, "maxLength": 80})]
Line = Annotated[
    str,
    BeforeValidator(parse_line),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 300, "pattern": NON_BLANK_LINE}),
]
Markdown = Annotated[str, BeforeValidator(parse_markdown), WithJsonSchema({"type": "string", "minLength": 1, "pattern": r"\S"})]
Date = Annotated[dt.date, BeforeValidator(parse_date), WithJsonSchema({"type": "string", "pattern": DATE_PATTERN, "format": "date"})]
Time = Annotated[dt.time, BeforeValidator(parse_time), WithJsonSchema({"type": "string", "pattern": TIME_PATTERN})]
Count = Annotated[int, BeforeValidator(parse_count), WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 9_999_999})]
Percent = Annotated[int, BeforeValidator(parse_percent), WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 100})]
CommitmentRef = Annotated[
    str,
    BeforeValidator(parse_commitment_ref),
    WithJsonSchema({"type": "string", "pattern": COMMITMENT_PATTERN,
                    "description": "sessione/esito, es. migrazione-cooperazione-internazionale/mappatura-rimesse-collettive"}),
]
Url = Annotated[
    str,
    BeforeValidator(parse_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": r"^\s*https?://[^\s/$.?#]\S*\s*$"}),
]
SdgTarget = Annotated[
    str,
    BeforeValidator(parse_sdg_target),
    LazyJsonSchema(
        lambda: {
            **_enum_schema("Target SDG", vocab.sdg_targets(), lambda t: f"**{t.id}** — {t.label('it')}"),
            "description": "Codice ufficiale del target, tra virgolette: \"10.7\", \"17.10\", \"10.c\"",
        }
    ),
    Vocabulary("sdg_targets"),
]
GcmObjective = Annotated[
    int,
    BeforeValidator(parse_gcm_objective),
    LazyJsonSchema(
        lambda: {
            "type": "integer",
            "title": "Obiettivo GCM",
            "enum": [int(t.id) for t in vocab.gcm_objectives()],
            "markdownEnumDescriptions": [f"**{t.id}** — {t.label('it')}" for t in vocab.gcm_objectives()],
        }
    ),
    Vocabulary("gcm_objectives"),
]
Country = Annotated[
    str,
    BeforeValidator(parse_country),
    LazyJsonSchema(
        lambda: {
            **_enum_schema("Paese", vocab.countries(), lambda t: f"**{t.id}** — {t.label('it')}"),
            "description": "Codice ISO 3166-1 a due lettere, es. SN (Senegal), MA (Marocco)",
        }
    ),
    Vocabulary("countries"),
]
LanguageCode = Annotated[
    str,
    BeforeValidator(parse_language),
    LazyJsonSchema(
        lambda: {
            **_enum_schema("Lingua", vocab.languages(), lambda t: f"**{t.id}** — {t.label('it')}"),
            "description": "Codice ISO 639-1 a due lettere, es. it, en, fr",
        }
    ),
    Vocabulary("languages"),
]
EditionLanguage = Annotated[
    str,
    BeforeValidator(parse_edition_language),
    WithJsonSchema({"type": "string", "title": "Lingua degli atti", "enum": list(EDITION_LANGUAGES)}),
]

ActorType = _vocabulary_type("actor_types", "Tipo di attore", "Tipo di attore della cooperazione (L. 125/2014, artt. 23 e 26)")
Theme = _vocabulary_type("themes", "Tema", "Tema del vocabolario controllato; le parole libere vanno in keywords")
OutcomeType = _vocabulary_type("outcome_types", "Tipo di esito", "Che cosa è questo esito")
Status = _vocabulary_type("statuses", "Stato", "Stato di avanzamento di un impegno")
SessionKind = _vocabulary_type("session_kinds", "Tipo di sessione", "Plenaria o laboratorio")
Visibility = _vocabulary_type("visibilities", "Visibilità", "public: pubblicato; internal: mai pubblicato")


def _unique(values: list, info: ValidationInfo) -> list:
    seen = set()
    for value in values:
        if value in seen:
            raise _fail("duplicate_item", value)
        seen.add(value)
    return values


def _followed_event(value: str, info: ValidationInfo) -> str:
    """Another event of the library (the loader passes their ids)."""
    context = info.context or {}
    known = context.get("events")
    if value == context.get("event_id"):
        raise _fail("follows_itself", value)
    if known is not None and value not in known:
        close = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
        raise _fail("follows_unknown", value, suggestion=close[0] if close else None)
    return value


FollowedEvent = Annotated[
    str, BeforeValidator(parse_slug), AfterValidator(_followed_event), WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN, "maxLength": 80})
]


# --- Models -----------------------------------------------------------------

# JSON Schema details: what an editor can check without our validators.
UNIQUE = {"uniqueItems": True}
COMMITMENT_RULES = {
    "if": {"properties": {"type": {"const": "commitment"}}, "required": ["type"]},
    "then": {"required": ["owner", "due"], "properties": {"owner": {"type": "string"}, "due": {"type": "string"}}},
    "else": {"properties": {"status": {"type": "null"}, "owner_type": {"type": "null"}}},
}


class Strict(BaseModel):
    """Shared configuration: unknown keys are errors, nothing is coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Person(Strict):
    """Someone who facilitated or spoke. Their name stays internal."""

    model_config = ConfigDict(title="Persona", json_schema_extra={
        "description": "Chi ha facilitato o è intervenuto: organizzazione e ruolo sono pubblici, il nome mai"})

    name: Line | None = Field(None, title="Nome", description="Nome della persona: solo per uso interno, mai pubblicato")
    organisation: Line = Field(title="Organizzazione", description="Organizzazione di appartenenza (pubblica)")
    role: Line = Field(title="Ruolo", description="Ruolo nella sessione, es. facilitatore, relatrice, moderatore")
    talk: Line | None = Field(None, title="Intervento", description="Titolo dell'intervento (per i relatori)")


class Quote(Strict):
    """A sentence said in the session, attributed by actor type only (Chatham House)."""

    model_config = ConfigDict(title="Citazione", json_schema_extra={"description": "Una frase detta nella sessione, attribuita solo al tipo di attore"})

    text: Markdown = Field(title="Citazione", description="Le parole riportate")
    actor: ActorType = Field(title="Tipo di attore", description="Chi l'ha detta, solo come tipo di attore")


class Venue(Strict):
    model_config = ConfigDict(title="Luogo", json_schema_extra={"description": "Dove si svolge l'evento"})

    name: Line = Field(title="Nome del luogo")
    address: Line | None = Field(None, title="Indirizzo")
    city: Line = Field(title="Città")


class Logo(Strict):
    """An organiser's logo for the print edition's cover; its file is checked by ``load``."""

    model_config = ConfigDict(title="Logo", json_schema_extra={"description": "Sulla copertina dell'edizione a stampa"})
    file: Line = Field(title="File", description="Un file PNG o SVG accanto a event.yaml, sotto 2 MB, es. logo-regione.svg",
                       json_schema_extra={"pattern": r"^[^/\\.][^/\\]*\.([Pp][Nn][Gg]|[Ss][Vv][Gg])$"})
    alt: Line = Field(title="Testo alternativo", description="Che cosa mostra il logo, per chi non lo vede, es. «Logo della Regione Piemonte»")


class Organiser(Strict):
    model_config = ConfigDict(title="Organizzatore", json_schema_extra={"description": "Un ente che promuove o sostiene l'evento"})

    name: Line = Field(title="Organizzazione", description="Nome dell'ente organizzatore")
    role: Line | None = Field(None, title="Ruolo", description="es. promotore, partner, con il patrocinio di")
    website: Url | None = Field(None, title="Sito web")
    logo: Logo | None = Field(None, title="Logo", description="Per la copertina dell'edizione a stampa")


class Event(Strict):
    """``notes/<event-id>/event.yaml``: the conference."""

    model_config = ConfigDict(title="Evento", json_schema_extra={
        "description": "notes/<evento>/event.yaml: il convegno, con titolo, date, luogo, organizzatori e descrizione"})

    title: Line = Field(title="Titolo dell'evento")
    subtitle: Line | None = Field(None, title="Sottotitolo")
    start_date: Date = Field(title="Data di inizio", description="AAAA-MM-GG")
    end_date: Date | None = Field(None, title="Data di fine", description="AAAA-MM-GG; ometti se l'evento dura un giorno")
    venue: Venue = Field(title="Luogo")
    organisers: list[Organiser] = Field(
        title="Organizzatori", min_length=1
    )
    description: Markdown = Field(title="Descrizione", description="Presentazione dell'evento (Markdown)")
    language: LanguageCode = Field("it", title="Lingua", description="Codice ISO 639-1 della lingua principale, es. it")
    website: Url | None = Field(None, title="Sito web")
    follows: list[FollowedEvent] = Field(
        default_factory=list,
        json_schema_extra=UNIQUE,
        title="Segue gli eventi",
        description="Eventi precedenti (nomi delle loro cartelle) di cui gli atti riportano a che punto sono gli impegni",
    )
    # The proceedings' colophon and editions.
    editor: Line | None = Field(
        None, title="A cura di", description="Chi ha curato gli atti (persona o ufficio), stampato nel colophon come «a cura di»"
    )
    published: Date | None = Field(None, title="Data di pubblicazione degli atti", description=(
        "AAAA-MM-GG; se manca, la data più recente che gli atti contengono: l'ultimo giorno dell'evento o l'ultimo aggiornamento degli impegni"))
    licence: Line | None = Field(
        None, title="Licenza degli atti", description="es. CC BY-SA 4.0; se manca, quella del sito (CC BY 4.0)"
    )
    licence_url: Url | None = Field(None, title="Indirizzo del testo della licenza")
    proceedings_languages: list[EditionLanguage] = Field(
        default_factory=list,
        title="Lingue degli atti",
        description="Le edizioni che ogni build scrive, es. [it, en]; se manca, solo la lingua dell'evento",
        json_schema_extra=UNIQUE,
    )

    @field_validator("follows", "proceedings_languages")
    @classmethod
    def _no_repeats(cls, values: list, info: ValidationInfo):
        return _unique(values, info)

    @field_validator("end_date")
    @classmethod
    def _end_after_start(cls, end: dt.date | None, info: ValidationInfo):
        start = info.data.get("start_date")
        if end is not None and start is not None and end < start:
            raise _fail("end_before_start", end.isoformat(), start=start.isoformat())
        return end

    @property
    def last_date(self) -> dt.date:
        return self.end_date or self.start_date


class Outcome(Strict):
    """One thing the session found, recommended or committed to."""

    model_config = ConfigDict(
        title="Esito",
        json_schema_extra={
            "description": "Ciò che la sessione ha constatato, raccomandato o deciso; un impegno dice anche chi agisce (owner) ed entro quando (due)",
            "allOf": [COMMITMENT_RULES],
        },
    )

    id: Slug = Field(title="Identificativo", description="Slug unico nella sessione, es. diaspore-coprogettazione")
    type: OutcomeType
    title: Line = Field(title="Titolo")
    text: Markdown = Field(title="Testo", description="Il contenuto dell'esito (Markdown)")
    sdg_targets: list[SdgTarget] = Field(
        default_factory=list, json_schema_extra=UNIQUE, title="Target SDG", description="Codici ufficiali dei 169 target, es. [\"10.7\", \"17.17\"]"
    )
    gcm_objectives: list[GcmObjective] = Field(
        default_factory=list, json_schema_extra=UNIQUE, title="Obiettivi GCM", description="Obiettivi del Global Compact per le migrazioni (1-23), facoltativi"
    )
    countries: list[Country] = Field(
        default_factory=list, json_schema_extra=UNIQUE, title="Paesi", description="Codici ISO 3166-1 a due lettere, es. [SN, MA]"
    )
    actors: list[ActorType] = Field(default_factory=list, json_schema_extra=UNIQUE, title="Attori", description="Tipi di attore coinvolti")
    themes: list[Theme] = Field(default_factory=list, json_schema_extra=UNIQUE, title="Temi", description="Temi del vocabolario controllato")
    keywords: list[Line] = Field(default_factory=list, json_schema_extra=UNIQUE, title="Parole chiave", description="Parole libere")
    owner: Line | None = Field(
        None, title="Responsabile", description="Impegni: l'organizzazione che agisce (obbligatorio per gli impegni)", validate_default=True
    )
    owner_type: ActorType | None = Field(
        None, title="Tipo di attore del responsabile", description="Impegni: che tipo di attore è chi agisce, es. diaspora_association (facoltativo)"
    )
    due: Date | None = Field(
        None, title="Scadenza", description="Impegni: entro quando, AAAA-MM-GG (obbligatorio per gli impegni)", validate_default=True
    )
    status: Status | None = Field(None, title="Stato", description="Impegni: proposed, agreed, in_progress, done, dropped")
    visibility: Visibility = Field("public", title="Visibilità")

    @field_validator("id")
    @classmethod
    def _unique_in_session(cls, value: str, info: ValidationInfo):
        # The loader passes a fresh set per session through the context.
        seen = (info.context or {}).get("outcome_ids")
        if seen is not None:
            if value in seen:
                raise _fail("duplicate_id", value, first_index=seen[value])
            seen[value] = len(seen)
        return value

    @field_validator("sdg_targets", "gcm_objectives", "countries", "actors", "themes", "keywords")
    @classmethod
    def _no_repeats(cls, values: list, info: ValidationInfo):
        return _unique(values, info)

    @field_validator("owner", "due")
    @classmethod
    def _commitments_need_owner_and_due(cls, value, info: ValidationInfo):
        if info.data.get("type") == "commitment" and value is None:
            raise _fail(f"commitment_needs_{info.field_name}", None)
        return value

    @field_validator("status", "owner_type")
    @classmethod
    def _only_for_commitments(cls, value, info: ValidationInfo):
        kind = info.data.get("type")
        if value is not None and kind is not None and kind != "commitment":
            raise _fail("only_for_commitments", value, type=kind)
        return value

    @property
    def sdg_goals(self) -> list[int]:
        return sorted({vocab.goal_of(target) for target in self.sdg_targets})

    @property
    def public(self) -> bool:
        return self.visibility == "public"


class Session(Strict):
    """``notes/<event-id>/<session-id>.yaml``: a plenary or a workshop."""

    model_config = ConfigDict(title="Sessione", json_schema_extra={
        "description": "notes/<evento>/<sessione>.yaml: una plenaria o un laboratorio, con i suoi esiti"})

    title: Line = Field(title="Titolo della sessione")
    kind: SessionKind
    date: Date = Field(title="Data", description="AAAA-MM-GG")
    start: Time = Field(title="Ora di inizio", description="HH:MM, es. \"14:30\"")
    end: Time = Field(title="Ora di fine", description="HH:MM, dopo l'inizio")
    language: LanguageCode = Field("it", title="Lingua")
    room: Line | None = Field(None, title="Sala")
    facilitators: list[Person] = Field(
        default_factory=list, title="Facilitatori", description="Organizzazione e ruolo sono pubblici; il nome mai"
    )
    speakers: list[Person] = Field(
        default_factory=list, title="Relatori", description="Per le plenarie: organizzazione, ruolo e titolo dell'intervento"
    )
    participants: dict[ActorType, Count] = Field(
        default_factory=dict, title="Partecipanti", description="Numero di partecipanti per tipo di attore"
    )
    summary: Markdown = Field(title="Sintesi", description="Sintesi della sessione (Markdown)")
    quotes: list[Quote] = Field(
        default_factory=list, title="Citazioni", description="Frasi riportate, attribuite solo per tipo di attore"
    )
    outcomes: list[Outcome] = Field(default_factory=list, title="Esiti")
    visibility: Visibility = Field("public", title="Visibilità", description="internal: l'intera sessione resta interna")

    @field_validator("date")
    @classmethod
    def _within_event(cls, value: dt.date, info: ValidationInfo):
        event = (info.context or {}).get("event")
        if event is not None and not (event.start_date <= value <= event.last_date):
            raise _fail(
                "date_outside_event",
                value.isoformat(),
                start=event.start_date.isoformat(),
                end=event.last_date.isoformat(),
            )
        return value

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: dt.time, info: ValidationInfo):
        start = info.data.get("start")
        if start is not None and end <= start:
            raise _fail("end_before_start", end.strftime("%H:%M"), start=start.strftime("%H:%M"))
        return end

    @property
    def public(self) -> bool:
        return self.visibility == "public"

    @property
    def participants_total(self) -> int:
        return sum(self.participants.values())


class SessionRegistrations(Strict):
    """Head counts of the people who registered for one session."""

    model_config = ConfigDict(title="Iscritti alla sessione", json_schema_extra={"description": "Numero di iscritti alla sessione per tipo di attore"})

    registered: dict[ActorType, Count] = Field(
        default_factory=dict, title="Iscritti per tipo di attore", description="Numero di iscritti per tipo di attore"
    )
    unclassified: Count = Field(0, title="Non classificati", description="Iscritti il cui tipo di organizzazione non è riconducibile a un tipo di attore")

    @property
    def total(self) -> int:
        return sum(self.registered.values()) + self.unclassified


class Registrations(SessionRegistrations):
    """``notes/<event-id>/registrations.yaml``: head counts of the people who
    registered for the event, and for each session, by actor type. Written
    by ``outcomes registrations`` from the registration form's export; it
    never holds a name or an e-mail address."""

    model_config = ConfigDict(title="Iscrizioni", json_schema_extra={
        "description": "notes/<evento>/registrations.yaml: numero di iscritti all'evento e alle sessioni per tipo di attore,"
                       " scritto da «outcomes registrations»; mai nomi né indirizzi e-mail"})

    source: Line | None = Field(None, title="Fonte", description="Da dove vengono i conteggi, es. modulo di iscrizione online")
    registered: dict[ActorType, Count] = Field(
        title="Iscritti per tipo di attore", description="Numero di iscritti per tipo di attore"
    )
    sessions: dict[Slug, SessionRegistrations] = Field(
        default_factory=dict, title="Iscritti per sessione", description="Per ogni sessione (il nome del suo file, senza .yaml): iscritti per tipo di attore"
    )


class Update(Strict):
    """One dated update on a commitment, in ``notes/<event-id>/followup.yaml``."""

    model_config = ConfigDict(title="Aggiornamento", json_schema_extra={
        "description": "Che cosa si sa di un impegno a una certa data: stato, avanzamento, che cosa è successo"})

    commitment: CommitmentRef = Field(
        title="Impegno", description="sessione/esito: un impegno (type: commitment) di questo evento"
    )
    date: Date = Field(title="Data", description="Quando si è saputo, AAAA-MM-GG: non prima della sessione, non nel futuro")
    status: Status
    progress: Percent | None = Field(None, title="Avanzamento", description="Percentuale, da 0 a 100 (facoltativo)")
    text: Markdown = Field(title="Testo", description="Che cosa è successo (Markdown, pubblico)")
    source: Line | None = Field(None, title="Fonte", description="Dove è stato riferito, es. Tavolo regionale del 10 febbraio 2020")
    visibility: Visibility = Field("public", title="Visibilità", description="internal: mai pubblicato")

    @field_validator("commitment")
    @classmethod
    def _a_commitment_of_this_event(cls, value: str, info: ValidationInfo):
        # The loader passes the event's outcomes ("session/outcome" -> what
        # follow-up needs to know of each) through the context.
        known = (info.context or {}).get("outcomes")
        if known is None:
            return value
        ref = known.get(value)
        if ref is None:
            session, _, outcome = value.partition("/")
            sessions = sorted({key.partition("/")[0] for key in known})
            if session not in sessions:
                close = difflib.get_close_matches(session, sessions, n=1, cutoff=0.6)
                raise _fail("followup_unknown_session", value, session=session, suggestion=f"{close[0]}/{outcome}" if close else None)
            commitments = [key for key, other in known.items() if key.startswith(session + "/") and other.type == "commitment"]
            close = difflib.get_close_matches(value, commitments, n=1, cutoff=0.6)
            raise _fail(
                "followup_unknown_outcome", value, session=session, suggestion=close[0] if close else None,
                commitments=", ".join(key.partition("/")[2] for key in commitments) or "—",
            )
        if ref.type != "commitment":
            raise _fail("followup_not_a_commitment", value, type=ref.type)
        return value

    @field_validator("date")
    @classmethod
    def _after_its_session_not_in_the_future(cls, value: dt.date, info: ValidationInfo):
        context = info.context or {}
        ref = (context.get("outcomes") or {}).get(info.data.get("commitment"))
        if ref is not None and value < ref.session_date:
            raise _fail("followup_before_session", value.isoformat(), session_date=ref.session_date.isoformat())
        today = context.get("today")
        if today is not None and value > today:
            raise _fail("followup_in_future", value.isoformat(), today=today.isoformat())
        return value

    @property
    def public(self) -> bool:
        return self.visibility == "public"


class FollowUp(RootModel[list[Update]]):
    """``notes/<event-id>/followup.yaml``: dated updates on the event's
    commitments, written by the office. The session notes stay as the
    sessions recorded them."""

    model_config = ConfigDict(
        title="Seguito degli impegni",
        json_schema_extra={
            "description": "notes/<evento>/followup.yaml: aggiornamenti datati sugli impegni dell'evento, scritti dall'ufficio",
            "minItems": 1,
        },
    )


def status_stage(status: str | None) -> int | None:
    """How far along ``status`` is (proposed 1 ... done 4); None for
    ``dropped``, which is not a step forward or back (statuses.csv)."""
    stage = vocab.statuses().terms[status].extra.get("stage") if status else None
    return int(stage) if stage else None
