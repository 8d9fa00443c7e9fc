"""Characters Word cannot hold, taken out of the notes' texts before they
go into the document, each removal a warning at its line in the note."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from ..load import NoteError, Problem, Problems, field_path

# Not allowed in XML 1.0, or C1 controls that only come from mis-pasted text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_SUSPECT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")  # and CR
_MARKDOWN_FIELDS = frozenset({"summary", "text", "description"})


def _replacement(char: str, markdown: bool) -> str:
    """Word's pasted soft break (VT) and page break (FF) keep their meaning."""
    if char == "\x0b":
        return "  \n" if markdown else " "
    if char == "\x0c":
        return "\n\n" if markdown else " "
    return ""


def cleaned(model: BaseModel, found: list, loc: tuple = ()) -> BaseModel:
    """``model`` with control characters taken out of every text; each text
    changed is appended to ``found`` as (location, characters removed).

    Called on every note, so the common case (nothing to clean) is one
    regular-expression search per text and nothing else."""
    changes = {}
    for name, value in model.__dict__.items():  # the fields' values, without pydantic's machinery
        kind = value.__class__
        if kind is str:
            if _SUSPECT.search(value) is None:
                continue
            new = _cleaned_text(value, found, (*loc, name), name in _MARKDOWN_FIELDS)
        elif kind is list:
            if not value or (value[0].__class__ is str and _SUSPECT.search("\n".join(value)) is None):
                continue
            new = _cleaned_list(value, found, (*loc, name), name in _MARKDOWN_FIELDS)
        elif isinstance(value, BaseModel):
            new = cleaned(value, found, (*loc, name))
        else:
            continue
        if new is not value:
            changes[name] = new
    return model.model_copy(update=changes) if changes else model


def _cleaned_list(values: list, found: list, loc: tuple, markdown: bool) -> list:
    items = [
        cleaned(item, found, (*loc, index)) if isinstance(item, BaseModel)
        else _cleaned_text(item, found, (*loc, index), markdown) if isinstance(item, str)
        else item
        for index, item in enumerate(values)
    ]
    return values if all(new is old for new, old in zip(items, values)) else items


def _cleaned_text(text: str, found: list, loc: tuple, markdown: bool) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    removed = _CONTROL.findall(text)
    if not removed:
        return text
    found.append((loc, removed))
    return _CONTROL.sub(lambda match: _replacement(match.group(), markdown), text)


def warn(problems: Problems, path: Path, found: list) -> None:
    for loc, removed in found:
        line, column = _position(path, loc)
        codes = ", ".join(sorted({f"U+{ord(char):04X}" for char in removed}))
        name = next((part for part in reversed(loc) if isinstance(part, str)), "")
        context = {"field": name, "count": len(removed), "codes": codes}
        problems.append(Problem(str(path), line, column, field_path(loc), "control_characters", context, "warning"))


def _position(path: Path, loc: tuple) -> tuple[int, int]:
    """Line and column of the value at ``loc`` in the note (1, 1 if unknown).

    Only asked when a warning is due, so the note is read again then."""
    from yaml.nodes import MappingNode, SequenceNode

    from ..load import compose, read_text

    try:
        node = compose(read_text(Path(path)), sequence=bool(loc) and isinstance(loc[0], int))
    except (NoteError, OSError):  # not a file (built in code), or changed since it was loaded
        return 1, 1
    for part in loc:
        if isinstance(node, MappingNode):
            node = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            return 1, 1
    return node.start_mark.line + 1, node.start_mark.column + 1
