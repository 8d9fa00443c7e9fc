"""axe-core (bundled by axe-playwright-python) run in a real Chromium page.

An auditor's tags for WCAG 2.1 AA. ``audit`` returns the violations and the
``incomplete`` results (what axe could not decide: a person reviews them,
so tests print them); ``describe`` turns either into lines naming the rule,
its impact and each node's selector, for a failing test's message.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

WCAG21AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def audit(page) -> tuple[list[dict], list[dict]]:
    """axe over ``page`` as it is now: (violations, incomplete).

    The page's context must be opened with ``bypass_csp=True``: axe is
    injected as a script, which the site's Content-Security-Policy
    rightly refuses to anything not served by the site itself."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG21AA}, "resultTypes": ["violations", "incomplete"]}
    response = Axe().run(page, options=options).response
    return response["violations"], response["incomplete"]


def describe(results: list[dict], where: str = "") -> list[str]:
    """One line per rule and node: ``where rule (impact): selector — summary``."""
    lines = []
    for result in results:
        for node in result["nodes"]:
            summary = (node.get("failureSummary") or result["help"]).replace("\n", " ")
            lines.append(f"{where} {result['id']} ({result.get('impact')}): {' '.join(map(str, node['target']))} — {summary}".strip())
    return lines


def vocabulary_links() -> dict[str, tuple[str, str]]:
    """Each vocabulary's lookup table -> the table linking outcomes to its
    terms and that table's column of codes, as the store writes them
    (``search.TAGS``) and the site names their lookups (``metadata.yaml``)."""
    from outcomes import publisher
    from outcomes.common.search import TAGS

    lookups = publisher.site_metadata()["plugins"]["outcomes-site"]["vocabularies"]
    return {lookups[kind]: link for kind, link in TAGS.items()}


def site_pages(db_path) -> dict[str, str]:
    """One page of every kind of the public site, by name -> path: the
    project's own (the comparison, the map and the API page among them), each vocabulary's, Datasette's own, the privacy notice,
    a 404 and an error. The ids come from the built database (the first
    of each kind), so the list holds for any library."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)

    def first(sql: str) -> str:
        row = conn.execute(sql).fetchone()
        return str(row[0]) if row else ""

    try:
        commitment = first("select commitment_id from commitment_updates order by commitment_id limit 1") or first(
            "select id from outcomes order by id limit 1"
        )
        vocabularies = {
            table: first(f"select {column} from {link} order by {column} limit 1")
            for table, (link, column) in vocabulary_links().items()
        }
        pages = {
            "home": "/",
            "search": "/outcomes/cerca",
            "search-words": "/outcomes/cerca?q=migranti",
            "search-filters": "/outcomes/cerca?q=migranti&tipo=recommendation&paese=" + vocabularies["countries"],
            "outcome": f"/outcomes/outcomes/{commitment}",
            "session": "/outcomes/sessions/" + first("select id from sessions order by id limit 1"),
            "event": "/outcomes/events/" + first("select id from events order by id limit 1"),
            "commitments": "/outcomes/impegni",
            "commitments-filtered": "/outcomes/impegni?tipo_responsabile=university&in_ritardo=1",
            "compare": "/outcomes/confronta?"
            + "&".join(f"sessione={row[0]}" for row in conn.execute("select id from sessions order by id limit 2")),
            "countries": "/outcomes/countries",  # the world map
            "api": "/api",
            "updates": "/outcomes/aggiornamenti",
            **{f"vocabulary-{table}": f"/outcomes/{table}/{key}" for table, key in vocabularies.items()},
            "database": "/outcomes",
            "table": "/outcomes/outcomes",
            "table-facet": "/outcomes/outcomes?countries__arraycontains=" + vocabularies["countries"],
            "table-sessions": "/outcomes/sessions",
            "row": "/outcomes/quotes/" + first("select id from quotes order by id limit 1"),
            "query": "/outcomes?sql=select+id%2C+title+from+outcomes+limit+5",
            "canned-query": "/outcomes/esiti_per_paese",
            "privacy": "/privacy",
            "not-found": "/nessuna-pagina",
            "error": "/outcomes/outcomes?_sort=nessuna_colonna",
        }
    finally:
        conn.close()
    return pages


# What the browser says of the focused element: its focus ring (outline and
# box-shadow, as drawn once the kit's transitions end) and the colour behind it (the nearest ancestor's background:
# the ring is drawn around the element, on what it sits on).
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    el.getAnimations().forEach(animation => animation.finish());  // the kit's transitions, at their end
    const style = getComputedStyle(el);
    let behind = "rgb(255, 255, 255)";
    for (let node = el.parentElement; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        if (colour && colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") { behind = colour; break; }
    }
    const box = el.getBoundingClientRect();
    return {
        element: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.getAttribute("href") ? "[href=" + el.getAttribute("href").slice(0, 60) + "]" : "")
            + (el.name ? "[name=" + el.name + "]" : ""),
        text: (el.innerText || el.value || "").trim().slice(0, 40),
        outline: [style.outlineStyle, style.outlineWidth, style.outlineColor],
        shadow: style.boxShadow,
        behind: behind,
        visible: box.width > 0 && box.height > 0,
    };
}"""

_RGB = re.compile(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)")


def _colour(text: str) -> tuple[str, float] | None:
    """``rgb(...)``/``rgba(...)`` -> (``#rrggbb``, alpha)."""
    match = _RGB.search(text)
    if not match:
        return None
    r, g, b = (round(float(part)) for part in match.groups()[:3])
    return f"#{r:02x}{g:02x}{b:02x}", float(match.group(4) or 1)


def ring_contrast(focused: dict) -> float:
    """The best contrast of the focus ring's colours (an outline at least 2
    px wide, or a box-shadow ring at least 2 px beyond the one inside it)
    with the colour behind the element; 0 without a ring."""
    from outcomes_site_parts.frame import contrast

    behind = _colour(focused["behind"])[0]
    colours = []
    style, width, colour = focused["outline"]
    if style not in ("none", "hidden") and float(width.rstrip("px") or 0) >= 2:
        colours.append(_colour(colour))
    spread = 0.0
    for shadow in re.split(r",\s*(?![^()]*\))", focused["shadow"] if focused["shadow"] != "none" else ""):
        lengths = [float(number) for number in re.findall(r"(-?[\d.]+)px", _RGB.sub("", shadow))]
        if len(lengths) == 4 and lengths[3] - spread >= 2:
            colours.append(_colour(shadow))
        spread = max(spread, lengths[3] if len(lengths) == 4 else spread)
    return max((contrast(found, behind) for found, alpha in filter(None, colours) if alpha == 1), default=0.0)


def _plugin_parts_on_path() -> None:
    """The site plugin's parts (outcomes_site_parts), importable by name as the plugin imports them."""
    import outcomes

    folder = str(Path(outcomes.__file__).parent / "site" / "plugins")
    if folder not in sys.path:
        sys.path.append(folder)


_plugin_parts_on_path()
