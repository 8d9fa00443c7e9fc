"""The parts of the site's Datasette plugin, one job each; ``outcomes_site.py``
beside this package holds its hooks and puts this folder on ``sys.path``.

The modules shared with the rest of the library (the catalogue of texts,
Markdown, the search) are ``outcomes/common``: a build copies it beside this
package as ``outcomes_common``, so a published site runs without the
``outcomes`` package; from the source tree they are the package's own.
"""

try:
    from outcomes_common import markdown, search, text
except ModuleNotFoundError as missing:
    if missing.name != "outcomes_common":
        raise
    from outcomes.common import markdown, search, text

__all__ = ["markdown", "search", "text"]
