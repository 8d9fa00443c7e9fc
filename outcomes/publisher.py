"""The publisher's settings, as the office edits them in
``outcomes/site/metadata.yaml``: the site's metadata, its licence and public
address. Read once per process. The site's build step turns them into
Datasette's metadata; the proceedings take their default licence here."""

from __future__ import annotations

import copy
import functools
from importlib import resources

import yaml


@functools.cache
def _metadata() -> dict:
    source = resources.files("outcomes").joinpath("site", "metadata.yaml").read_text("utf-8")
    return yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def site_metadata() -> dict:
    """``metadata.yaml`` as written (a copy: callers may change it)."""
    return copy.deepcopy(_metadata())


def licence() -> tuple[str, str | None]:
    """The licence of what the library publishes, and its address."""
    metadata = _metadata()
    return metadata["license"], metadata.get("license_url")


PUBLIC_URL_VARIABLE = "OUTCOMES_PUBLIC_URL"  # the same override as the site plugin's


def public_url() -> str:
    """The public site's fixed address, ending in ``/``: ``$OUTCOMES_PUBLIC_URL``
    (a local preview) or ``public_url`` of the site plugin in ``metadata.yaml``."""
    import os

    url = os.environ.get(PUBLIC_URL_VARIABLE) or _metadata()["plugins"]["outcomes-site"]["public_url"]
    return url.rstrip("/") + "/"
