#!/usr/bin/env python
"""How long an outcome's page takes with its similar outcomes, at 100,000 outcomes.

    python benchmarks/similar.py [--sessions 10000] [--pages 100] [--reuse]

Writes the synthetic library of ``--sessions`` sessions of 10 outcomes (as
benchmarks/build.py does, kept in ``--work/libraries``), builds it (no
proceedings; ``--reuse`` keeps an earlier build of it), then asks Datasette's
own client for ``--pages`` outcome pages chosen at random and prints, in
milliseconds, the median and 95th percentile of:

- the whole page, with its similar outcomes;
- the same page without them (the part returning no outcomes);
- finding them alone (outcomes_site_parts.similar.find, in SQLite's thread),
  in wall-clock time and in the CPU time of that thread (which a busy
  machine changes less),

with how many were shown on average, how many terms (codes and words) an
outcome was compared by, the size of the link tables' indexes by code that
make it fast, and the machine's load average before and after (2 cores
shared by several people: compare the with/without pair, taken side by side).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from build import load_average, make_library  # noqa: E402

INDEXES = ("outcome_sdg_targets", "outcome_gcm_objectives", "outcome_themes")


def built(work: Path, sessions: int, reuse: bool) -> Path:
    out = work / "build"
    if reuse and (out / "outcomes.db").exists():
        return out
    from outcomes.build import build

    notes = make_library(work, sessions)
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    result = build(notes, out, full=True, proceedings=False)
    assert result.ok, [problem.format() for problem in result.problems[:5]]
    print(f"built {sessions:,} sessions in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return out


def index_megabytes(database: Path) -> float:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    tables = ", ".join(f"'{table}'" for table in INDEXES)
    sizes = conn.execute(
        f"select sum(pgsize) from dbstat where name in (select name from sqlite_master where type = 'index' and tbl_name in ({tables}))"
    ).fetchone()[0]
    return (sizes or 0) / 1e6


def measure(out: Path, pages: int) -> dict[str, list[float]]:
    from datasette.app import Datasette

    conn = sqlite3.connect(f"file:{out / 'outcomes.db'}?mode=ro", uri=True)
    ids = random.Random(2019).sample([id for (id,) in conn.execute("select id from outcomes")], pages)
    datasette = Datasette(config_dir=out)
    times: dict[str, list[float]] = {"page": [], "page without similar outcomes": [], "finding them alone": [],
                                     "finding them alone, CPU time of SQLite's thread": []}
    found: dict[str, int] = {"shown": 0, "terms": 0}

    async def page(id: str, key: str) -> None:
        started = time.perf_counter()
        response = await datasette.client.get(f"/outcomes/outcomes/{id}")
        times[key].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:300]

    async def run() -> None:
        await datasette.invoke_startup()
        await datasette.client.get(f"/outcomes/outcomes/{ids[0]}")  # loads the plugin and its caches
        from outcomes_site_parts import similar  # the build's copy, on sys.path once Datasette loaded it

        real, counts, db = similar.similar_outcomes, similar.Counts(), datasette.get_database("outcomes")

        async def none(datasette, outcome_id):
            return []

        def timed(conn, id):
            started = time.thread_time()
            shown = len(similar.find(conn, id, counts))
            times["finding them alone, CPU time of SQLite's thread"].append((time.thread_time() - started) * 1000)
            return shown

        def terms(conn, id):
            row = conn.execute("select * from outcomes where id = ?", [id]).fetchone()
            return len(similar.code_terms(conn, row, counts) + similar.word_terms(conn, row, counts))

        # Side by side, page by page: a busy machine slows both alike.
        for id in ids:
            await page(id, "page")
            similar.similar_outcomes = none
            await page(id, "page without similar outcomes")
            similar.similar_outcomes = real
            started = time.perf_counter()
            found["shown"] += await db.execute_fn(lambda conn, id=id: timed(conn, id))
            times["finding them alone"].append((time.perf_counter() - started) * 1000)
            found["terms"] += await db.execute_fn(lambda conn, id=id: terms(conn, id))

    asyncio.run(run())
    print(f"{len(ids)} pages; {found['shown'] / len(ids):.1f} similar outcomes shown, "
          f"each outcome compared by {found['terms'] / len(ids):.1f} codes and words")
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000, help="sessions of 10 outcomes (default 10,000: 100,000 outcomes)")
    parser.add_argument("--pages", type=int, default=100, help="outcome pages asked for (default 100)")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier build of the same library")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out" / "similar", help="scratch folder")
    args = parser.parse_args(argv)
    work = args.work / str(args.sessions)
    work.mkdir(parents=True, exist_ok=True)
    out = built(work, args.sessions, args.reuse)
    outcomes = sqlite3.connect(f"file:{out / 'outcomes.db'}?mode=ro", uri=True).execute("select count(*) from outcomes").fetchone()[0]
    before = load_average()
    times = measure(out, args.pages)
    print(f"Outcome pages at {outcomes:,} outcomes, through Datasette's client (ms):")
    for name, values in times.items():
        values.sort()
        print(f"- {name}: median {statistics.median(values):.1f}, 95th percentile {values[int(len(values) * 0.95) - 1]:.1f}")
    print(f"The link tables' indexes by code: {index_megabytes(out / 'outcomes.db'):.1f} MB "
          f"of {os.path.getsize(out / 'outcomes.db') / 1e6:.0f} MB.")
    print(f"Machine load (1, 5, 15 min): {before} before, {load_average()} after.")


if __name__ == "__main__":
    main()
