"""The frame of every page (base.html, _footer.html): the Region in the
slim header, the navigation, and what Italian law asks a public body's
site to link from each page (Legge 4/2004, GDPR art. 13): the
accessibility statement on AgID's form, the address for reports of
accessibility problems, and the privacy notice at ``PRIVACY_PATH``, which
this module also fills in. The office sets them in ``metadata.yaml``
(``legal`` of the site's plugin), which a build copies into metadata.json."""

from __future__ import annotations

from .base import DATABASE, config
from .language import LANG_COOKIE, t

MAIN_ID = "contenuto"  # <main id>, the skip link's target
PRIVACY_PATH = "/privacy"  # templates/pages/privacy.html, Datasette's custom page
# The navigation: (catalogue key, path under the database, or None for the database itself).
NAVIGATION = (
    ("nav.search", "cerca"),
    ("nav.outcomes", "outcomes"),
    ("nav.sessions", "sessions"),
    ("nav.events", "events"),
    ("nav.commitments", "impegni"),
    ("nav.updates", "aggiornamenti"),
    ("nav.database", None),
)


def legal(datasette) -> dict:
    """The legal settings as the office wrote them (missing ones empty)."""
    settings = config(datasette).get("legal") or {}
    return {**settings, "controller": settings.get("controller") or {}}


def site_frame(datasette, request) -> dict:
    """What the header and the footer of a page show."""
    database = datasette.urls.database(DATABASE)
    path = request.path if request is not None else ""
    navigation = []
    for key, part in NAVIGATION:
        href = f"{database}/{part}" if part else database
        navigation.append({"href": href, "label": t(key), "current": path == href})
    settings = legal(datasette)
    metadata = datasette.metadata() or {}
    return {
        "main_id": MAIN_ID,
        "region": settings["controller"].get("name") or t("site.source"),
        "region_url": metadata.get("source_url"),
        "navigation": navigation,
        "legal": settings,
        "privacy_url": PRIVACY_PATH,
        "cookie": LANG_COOKIE,
    }


def luminance(colour: str) -> float:
    """WCAG's relative luminance of ``#rrggbb``."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(colour: str | None) -> str:
    """The class of the text that reads best on a background of ``colour``
    (an SDG goal's official one): ``on-light`` (black) or ``on-dark``
    (white). One of the two reaches 4.58:1 on any colour."""
    if not colour:
        return "on-dark"
    return "on-light" if contrast(colour, "#000000") > contrast(colour, "#ffffff") else "on-dark"
