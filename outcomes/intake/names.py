"""Terms written by name, as people fill forms: ``Ente locale``, ``ONG``, ``Senegal``.

Only an exact match counts (case, accents, spaces and hyphens aside) with an
id, an Italian or English label or a listed alias: these are the same term
under another name, not a guess. Near misses are left to the loader, which
explains them with a "did you mean".
"""

from __future__ import annotations

from functools import cache

from .. import vocab


@cache
def _names(vocabulary: str) -> dict[str, str]:
    terms = vocab.vocabulary(vocabulary)
    names: dict[str, str] = {}
    for term in terms:
        for name in (term.id, *term.labels.values(), *term.extra.get("aliases", "").split(";")):
            if name:
                names.setdefault(vocab.fold(name), term.id)
    return names


def term_named(vocabulary: str, text: str) -> str | None:
    """The id of the term of ``vocabulary`` called exactly ``text``, or None."""
    return _names(vocabulary).get(vocab.fold(text))
