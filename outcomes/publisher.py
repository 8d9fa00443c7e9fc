"""The publisher's settings, as the office edits them in
``outcomes/site/metadata.yaml``: the site's metadata, its licence and public
address, who publishes the open data and holds its rights. Read once per
process. The site's build step turns them into Datasette's metadata; the
proceedings take their default licence here, the open data its publisher."""

from __future__ import annotations

import copy
import functools
import os
from importlib import resources

import yaml

from .common import text

METADATA = ("site", "metadata.yaml")
# Who publishes the open data and holds its rights (by name and IPA code), and
# the region it is about (ISTAT code), unless ``open_data`` of the site's
# plugin settings says otherwise: the example's values.
OPEN_DATA_DEFAULTS = {
    "publisher": {"name": "Regione Piemonte", "ipa": "r_piemon", "url": "https://www.regione.piemonte.it/"},
    "rights_holder": {"name": "Regione Piemonte", "ipa": "r_piemon", "url": "https://www.regione.piemonte.it/"},
    "region": {"name": "Piemonte", "istat": "01"},
}


@functools.cache
def _metadata() -> dict:
    source = resources.files("outcomes").joinpath(*METADATA).read_text("utf-8")
    return yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def site_metadata() -> dict:
    """``metadata.yaml`` as written (a copy: callers may change it)."""
    return copy.deepcopy(_metadata())


def licence() -> tuple[str, str | None]:
    """The licence of what the library publishes, and its address."""
    metadata = _metadata()
    return metadata["license"], metadata.get("license_url")


def _open_data_given() -> dict:
    return _metadata()["plugins"]["outcomes-site"].get("open_data") or {}


def open_data() -> dict:
    """Publisher, rights holder and region of the open data: the settings, else the example's."""
    given = _open_data_given()
    return {key: given.get(key) or default for key, default in OPEN_DATA_DEFAULTS.items()}


def example_settings() -> list[str]:
    """Who publishes and who holds the data, where the settings leave them to
    the example's values: not set, or set without a name or an IPA code."""
    given = _open_data_given()
    return [key for key in ("publisher", "rights_holder")
            if not all((given.get(key) or {}).get(part) for part in ("name", "ipa"))]


def example_warnings(lang: str) -> list[str]:
    """Before a build for publication, one line for each setting left to the
    example's values, as ``path:line:col: warning: field: message``."""
    path = str(resources.files("outcomes").joinpath(*METADATA))
    lines = resources.files("outcomes").joinpath(*METADATA).read_text("utf-8").splitlines()
    line = next((number for number, content in enumerate(lines, 1) if content.strip() == "outcomes-site:"), 1)
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    return [
        f"{shown}:{line}:5: warning: plugins.outcomes-site.open_data.{key}: "
        + text.text("opendata.example_settings", lang, setting=key, **OPEN_DATA_DEFAULTS[key])
        for key in example_settings()
    ]


def legal() -> dict:
    """The legal settings (``legal`` of the site plugin in ``metadata.yaml``):
    the accessibility statement's address and feedback e-mail, the data
    controller, its data-protection officer and the retention periods, as the
    footer, the privacy notices and the desk show them."""
    return copy.deepcopy(_metadata()["plugins"]["outcomes-site"]["legal"])


PUBLIC_URL_VARIABLE = "OUTCOMES_PUBLIC_URL"  # the same override as the site plugin's


def public_url() -> str:
    """The public site's fixed address, ending in ``/``: ``$OUTCOMES_PUBLIC_URL``
    (a local preview) or ``settings_url``."""
    return (os.environ.get(PUBLIC_URL_VARIABLE) or settings_url()).rstrip("/") + "/"


def settings_url() -> str:
    """``public_url`` of the site plugin in ``metadata.yaml``, ending in
    ``/``: the address that a build writes into what it publishes."""
    return _metadata()["plugins"]["outcomes-site"]["public_url"].rstrip("/") + "/"
