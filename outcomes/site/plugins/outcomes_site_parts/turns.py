"""Arbitrary SQL takes turns: a request carrying SQL a reader wrote
(``?sql=``, ``_where=``) waits for one of ``SQL_AT_ONCE`` turns before it
reaches Datasette, so however many run, the site's own pages keep the
other SQL threads (three clients repeating a query the 1 s limit stops
held all three: the home page waited 15-17 s). Past ``SQL_WAITING``
waiting, a request is refused at once with a message saying so."""

from __future__ import annotations

import asyncio
import urllib.parse

SQL_AT_ONCE = 1
SQL_WAITING = 10
WRITTEN_SQL = frozenset({"sql", "_where"})


def written_sql(scope) -> bool:
    """Does the request carry SQL of the reader's?"""
    query = scope.get("query_string", b"").decode("latin-1")
    return any(name in WRITTEN_SQL for name, _ in urllib.parse.parse_qsl(query, keep_blank_values=True))


class Turns:
    """At most ``SQL_AT_ONCE`` requests at once, ``SQL_WAITING`` waiting."""

    def __init__(self):
        self.semaphore: asyncio.Semaphore | None = None
        self.waiting = 0

    async def take(self, run, refuse) -> None:
        """``await run()`` in its turn, else ``await refuse()``."""
        if self.semaphore is None:
            self.semaphore = asyncio.Semaphore(SQL_AT_ONCE)
        if self.semaphore.locked() and self.waiting >= SQL_WAITING:
            await refuse()
            return
        self.waiting += 1
        try:
            await self.semaphore.acquire()
        finally:
            self.waiting -= 1
        try:
            await run()
        finally:
            self.semaphore.release()
