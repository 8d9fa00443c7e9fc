"""Datasette plugin of the outcomes library: every hook the site implements.

Each hook hands its work to a part of ``outcomes_site_parts``, the package
beside this file (one job a module: ``language``, ``frame``, ``sql``, ``labels``,
``pages``, ``similar``, ``search_page``, ``proceedings``, ``open_data``, ``builtins``,
``spreadsheet``, ``guard``, ``turns``, ``errors``). ``outcomes.site`` copies this
folder into ``build/plugins/`` with ``outcomes/common`` beside it (as
``outcomes_common``: the catalogue of texts, Markdown, the search), so
``datasette build/`` and ``datasette publish --plugins-dir build/plugins``
run it without the ``outcomes`` package. It needs only what a published
site installs anyway: Datasette, snowballstemmer, markdown-it-py, bleach
and PyYAML.
"""

from __future__ import annotations

import sys
from pathlib import Path

from datasette import hookimpl
from datasette.utils import path_with_replaced_args
from markupsafe import Markup

# Datasette runs this file by its path (not as a module of a package), so
# its parts are imported by name from the folder that holds them.
_FOLDER = str(Path(__file__).resolve().parent)
if _FOLDER not in sys.path:
    sys.path.append(_FOLDER)

from outcomes_site_parts import (  # noqa: E402
    errors, frame, guard, harvest, labels, markdown, open_data, pages, proceedings, search_page, similar, sql, text,
)  # fmt: skip
from outcomes_site_parts import charts  # noqa: E402
from outcomes_site_parts import api_page, cite, compare  # noqa: E402  (issue #26: researchers compare and cite)
from outcomes_site_parts.base import DATABASE, absolute_url  # noqa: E402
from outcomes_site_parts.language import (  # noqa: E402
    LANG_ARG, column_label, date_text, filter_display, lang_attr, language, number, other_language,
    requested_language, t, table_title, th,
)  # fmt: skip

markdown_html = markdown.markdown_html


@hookimpl
def prepare_connection(conn, database, datasette):
    """Limits on every connection; the SQL functions of the site's queries
    (the search's, ``outcomes_markdown``, ``outcomes_time``)."""
    sql.add_functions(conn, database, datasette)


@hookimpl
def register_facet_classes():
    """A ``vocabulary`` facet: a JSON-array facet whose codes are shown by
    their label (``SN`` -> Senegal, ``10`` -> Ridurre le disuguaglianze)."""
    return [labels.VocabularyFacet]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Labels instead of codes, Markdown as HTML, links to outcomes; text in
    the other language marked as such."""
    if database != DATABASE:
        return None
    return labels.cell(value, column, table, datasette, row)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["data_it"] = date_text  # the page's language, whatever the name says
    env.filters["marked"] = sql.marked
    env.filters["highlighted"] = sql.highlighted
    env.filters["column_label"] = column_label  # for map(): Jinja's map takes a filter's name
    # The catalogue everywhere, also in pages Datasette renders without
    # the site's template variables (its default error page).
    env.globals.update(
        t=t, th=th, number=number, column_label=column_label, table_title=table_title,
        filter_display=filter_display, catalogue=text.catalogue(), Markup=Markup, overdue=pages.overdue,
        page_language=language, other_language=other_language, lang_attr=lang_attr, text_on=frame.text_on,
    )  # fmt: skip


@hookimpl(trylast=True)
def extra_template_vars(datasette, request):
    """What every template may use: the catalogue in the page's language,
    async functions (Jinja awaits them), and ``render_markdown`` (images as
    links). Called last, so that no other plugin's function of that name
    takes its place."""

    async def call(function, *args):
        return await function(datasette, *args)

    other = other_language()
    return {
        "outcome_page": lambda outcome_id: call(pages.outcome_page, outcome_id),
        "similar_outcomes": lambda outcome_id: call(similar.similar_outcomes, outcome_id),
        "session_page": lambda session_id: call(pages.session_page, session_id),
        "event_page": lambda event_id: call(pages.event_page, event_id),
        "library_overview": lambda: call(pages.overview),
        "language_url": path_with_replaced_args(request, {LANG_ARG: other}) if request is not None else f"?{LANG_ARG}={other}",
        "describe_rows": lambda table, filters, search: labels.describe_rows(datasette, table, filters, search, request),
        "value_label": lambda table, column, value: labels.value_label(datasette, table, column, value),
        "vocabulary_outcomes": lambda table, keys: labels.vocabulary_outcomes(datasette, table, keys),
        "commitment_filters": lambda: call(pages.commitment_filters),
        "session_items": lambda ids: call(pages.session_items, ids),
        "absolute_url": lambda path: absolute_url(datasette, path),
        "citation": lambda outcome: pages.citation(datasette, outcome),
        "table_js_messages": {key[len("table.js.") :]: t(key) for key in text.catalogue() if key.startswith("table.js.")},
        "render_markdown": lambda text: Markup(markdown_html(text)),
        "dataset_jsonld": lambda event_id=None: harvest.dataset_block(datasette, event_id),
        "open_data_bundle": lambda event_id: harvest.bundle_download(datasette, event_id),
        **charts.template_functions(datasette),
        "site_frame": lambda: frame.site_frame(datasette, request),
        **compare.template_vars(datasette),
        **cite.template_vars(datasette),
        **api_page.template_vars(datasette),
    }


@hookimpl
def handle_exception(datasette, request, exception):
    """Error pages and JSON errors in the page's language; a client's error
    is a 4xx and one line in the log."""
    return errors.error_page(datasette, request, exception)


@hookimpl(specname="handle_exception", hookwrapper=True)
def only_the_sites_error_page(datasette, request, exception):
    """Datasette awaits every plugin's error page and uses the first; its
    own would still be rendered (and, with ``rich`` installed, fails outside
    an ``except`` block, as for a plain 404): keep only the site's."""
    outcome = yield
    ours = errors.ours(outcome.get_result())
    if ours:
        outcome.force_result(ours)


@hookimpl
def register_routes(datasette):
    """The search page and its JSON (its CSV stays Datasette's), the open data
    files (the Data Package, the citation, the DCAT-AP_IT catalogue, each
    event's bundle), and the proceedings for download (never an internal
    edition)."""
    return [
        (rf"^/{DATABASE}/{search_page.SEARCH_QUERY}$", search_page.search_page),
        (rf"^/{DATABASE}/{search_page.SEARCH_QUERY}\.json$", search_page.search_json),
        (r"^/(?P<name>datapackage\.json|CITATION\.cff)$", open_data.open_data),
        (r"^/(?P<name>catalog\.(?:ttl|rdf|jsonld))$", harvest.catalogue_file),
        (r"^/open-data/(?P<event>[^/]+)\.zip$", harvest.bundle_file),
        (r"^/proceedings/(?P<name>[^/]+)$", proceedings.proceedings_file),
        *compare.routes(),
        *cite.routes(),
        *api_page.routes(),
    ]


@hookimpl
def asgi_wrapper(datasette):
    """The guard in front of Datasette: the page's language, read-only
    methods, no debug pages, every request seen as made to ``public_url``,
    CSV for spreadsheets."""
    return lambda app: guard.guarded(datasette, app)


@hookimpl
def register_magic_parameters(datasette):
    """``:_site_url`` (the site's public address, for permalinks in the
    feeds) and ``:_page_lang``."""

    def site(key, request):
        if key != "url":
            raise KeyError(key)
        return absolute_url(datasette, datasette.urls.instance())

    def page(key, request):
        # Read from the request: Datasette may resolve magic parameters in
        # its SQL threads, where the request's context variable is not set.
        if key != "lang":
            raise KeyError(key)
        return requested_language(request.scope)[0]

    return [("site", site), ("page", page)]
