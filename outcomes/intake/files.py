"""Writing notes: the editor's schema line, tidy YAML."""

from __future__ import annotations

import json
from functools import lru_cache

import yaml

SCHEMAS_FROM_NOTE = "../../schemas"  # notes/<event-id>/<file>.yaml -> schemas/


def schema_line(name: str) -> str:
    """The first line of a note: lets yaml-language-server complete and check it."""
    return f"# yaml-language-server: $schema={SCHEMAS_FROM_NOTE}/{name}.schema.json"


class _NoteDumper(yaml.SafeDumper):
    """Block mappings, one-line lists of codes, ``|`` for text with line breaks,
    list items indented under their key, as the templates show them."""

    def ignore_aliases(self, data) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list):
    flow = all(isinstance(item, (str, int)) and "\n" not in str(item) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_NoteDumper.add_representer(str, _represent_str)
_NoteDumper.add_representer(list, _represent_list)


def dump_note(data: dict, header: list[str]) -> str:
    """YAML text for ``data``, after the comment lines of ``header``.

    PyYAML quotes whatever YAML 1.1 would read as something else (``'10.7'``,
    ``'NO'``, ``'14:30'``), so the text reads back the same everywhere.

    Each item of a list of mappings (outcomes, facilitators) is written on
    its own and remembered: PyYAML's emitter is pure Python (about 1.5 ms an
    outcome), and the desk writes a whole note at every save although a
    facilitator changed one outcome. The text is the same as one ``dump``.
    """
    parts = [] if data else [_dump(data)]
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(item, dict) and item for item in value):
            items = "".join(_dump_item(json.dumps(item, ensure_ascii=False, default=str)) for item in value)
            parts.append(_dump({key: None}).replace(" null\n", "\n") + items)
        else:
            parts.append(_dump({key: value}))
    return "\n".join(header) + "\n" + "".join(parts)


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_NoteDumper, sort_keys=False, allow_unicode=True, width=4096, indent=2)


@lru_cache(maxsize=4096)
def _dump_item(item_json: str) -> str:
    """One item of a list of mappings, indented as it sits under its key."""
    text = _dump([json.loads(item_json)])
    return "".join("  " + line if line.strip() else line for line in text.splitlines(keepends=True))
