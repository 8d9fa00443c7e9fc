"""The lowest layer of the library: what every other part may use.

Modules here import nothing else of ``outcomes`` (only the standard library
and the site's own dependencies), because the site's Datasette plugin runs
them without the package: ``outcomes.site`` copies this folder into
``build/plugins/``. The catalogue of every text the project says to people
lives here too (``messages/*.yaml``), with its one lookup, ``text.text``.
"""
