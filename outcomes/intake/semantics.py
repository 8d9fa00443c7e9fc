"""What a form's fields mean, whichever form they come from: a list as people
write it (``10.7, 17.17``, ``SN, Marocco``), a term chosen by its name, an
outcome's id from its title, a note's keys in the models' order, a problem
worded in a form's terms. The Word importer and the desk share them.
"""

from __future__ import annotations

import re

from .. import load, models, vocab
from .names import term_named

_QUOTES = "\"'“”„‘’‚«»‹›`´"


def unquote(text: str) -> str:
    """``“10.7”`` -> ``10.7``: quotes around a code are never part of it."""
    return text.strip().strip(_QUOTES).strip()


_SPLITTERS = {
    # "10.7, 17.17" or "10.7,17.17" or "10.7 17.17"; "10,7" stays one item (a decimal comma).
    "sdg_targets": re.compile(r"[;\s]+|,(?=\s|\d+\.|$)"),
    "gcm_objectives": re.compile(r"[,;\s]+"),
}
_LIST_SPLITTER = re.compile(r"[,;]+")  # names may hold spaces: "Burkina Faso", "Ente locale"


def split_codes(key: str, vocabulary: str | None, value: str) -> list:
    """A comma-separated list as people write it (``10.7, 17.17``, ``SN,
    Marocco``, ``Ente locale; ONG``) -> the list of values for the field
    ``key``, names turned into ids; the Word form and the desk share it."""
    splitter = _SPLITTERS.get(key, _LIST_SPLITTER)
    items = [unquote(item) for item in splitter.split(value)]
    items = [item for item in items if item]
    if key == "gcm_objectives":
        return [int(item) if re.fullmatch(r"\d{1,2}", item) else item for item in items]
    if key == "countries":
        return [term_id("countries", item) for item in items]
    if vocabulary and vocabulary not in ("sdg_targets", "gcm_objectives"):
        return [term_id(vocabulary, item) for item in items]
    if key == "keywords":
        return [item.strip() for item in _LIST_SPLITTER.split(value) if item.strip()]
    return items


def term_id(vocabulary: str, text: str) -> str:
    """The id of the term chosen from a drop-down list or written by name
    (``Laboratorio``, ``Ente locale``, ``Senegal``); anything else is kept as
    typed, for the loader to judge and explain."""
    return term_named(vocabulary, text) or text


def derive_id(title: str, taken: set, fallback: str) -> str:
    """An outcome id from its title, unique among ``taken`` (``fallback``,
    e.g. the form's block name, when the title gives no letters)."""
    words = models.slugify(title).split("-")
    base = ""
    for word in words:
        if len(base) + len(word) + 1 > 50:
            break
        base = f"{base}-{word}" if base else word
    base = base or models.slugify(fallback)
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def in_model_order(data: dict, model) -> dict:
    """``data``'s keys in the order the model declares its fields (unknown ones last)."""
    order = list(model.model_fields)
    return {key: data[key] for key in sorted(data, key=lambda k: order.index(k) if k in order else len(order))}


# Kinds whose YAML wording ("add 'owner:'") has a version in the form's terms.
FORM_KINDS = {
    "missing": "form_missing",
    "commitment_needs_owner": "form_commitment_needs_owner",
    "commitment_needs_due": "form_commitment_needs_due",
    "duplicate_id": "form_duplicate_id",
    "only_for_commitments": "form_only_for_commitments",
}


def form_wording(problem: load.Problem, outcome_sections: list[str], lang: str = "it") -> tuple[str, dict]:
    """The message kind and context telling ``problem`` in a form's terms
    ("write the organisation responsible", not "add 'owner:'"; allowed values
    by their labels in ``lang``, not their codes); the Word form and the desk
    share it. ``outcome_sections`` names each outcome's block."""
    context = dict(problem.context)
    kind = FORM_KINDS.get(problem.kind, problem.kind)
    if problem.kind == "vocabulary_unknown" and context.get("vocabulary"):
        terms = vocab.vocabulary(context["vocabulary"])
        context["allowed"] = ", ".join(term.label(lang) for term in terms)
        if context.get("suggestion") in terms:
            context["suggestion"] = terms.label(context["suggestion"], lang)
    if problem.kind == "duplicate_id" and "first_index" in context and context["first_index"] < len(outcome_sections):
        context["first_section"] = outcome_sections[context["first_index"]]
    if problem.kind == "only_for_commitments":
        types = vocab.outcome_types()
        context["type_label"] = types.label(context["type"], lang) if context.get("type") in types else context.get("type")
        context["commitment"] = types.label("commitment", lang)
    return kind, context
