"""axe-core (bundled by axe-playwright-python) run in a real Chromium page.

An auditor's tags for WCAG 2.1 AA. ``audit`` returns the violations and the
``incomplete`` results (what axe could not decide: a person reviews them,
so tests print them); ``describe`` turns either into lines naming the rule,
its impact and each node's selector, for a failing test's message.
"""

from __future__ import annotations

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
