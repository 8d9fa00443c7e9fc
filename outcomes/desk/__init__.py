"""The facilitators' desk: a small web application the office runs.

- ``state``: ``desk.db`` (revisions, invites, office accounts) and the secret;
- ``fields``: the facilitator's form, derived from the models, and back to a note;
- ``app``: the Datasette 0.65 application (routes, pages, permissions).

It is never part of a public build: ``outcomes build`` neither imports it nor
reads its data folder.
"""
