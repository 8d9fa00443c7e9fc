#!/usr/bin/env python
"""How fast the library builds, against its peers, as it grows.

    pip install -e '.[bench]'
    python benchmarks/build.py [--sizes 100,1000,10000] [--peers-up-to 1000]

For each size it writes a synthetic library in the notes format (events of
100 sessions, 10 outcomes each, Italian text; see synthetic.py) and measures,
in one run, on this machine:

- the floor: reading and parsing every note with PyYAML's C loader, no more;
- the project's full build (validation, database, full-text indexes, site
  configuration; no proceedings, which the peers do not make either), in a
  fresh process, with its peak memory (main process, and the largest worker);
- a rebuild after one note changed (the incremental build);
- the peers, loading the same content without any validation:
  yaml-to-sqlite (all sessions as one YAML list) and markdown-to-sqlite (one
  Markdown file per session, the note as front matter);
- at the largest size, search latency through Datasette (its own ASGI
  client, the project's search and Datasette's table search).

Times are wall-clock seconds of the operation itself (interpreter start-up
and imports excluded for our build and the floor, and printed apart; the
peers are timed as the commands a user runs). The table ends with ratios to
each peer; below it, the ratios the issues set goals for (the full build
against yaml-to-sqlite, the rebuild against the full build, and how build
time and peak memory grow from one size to the next), and the machine's
load average before and after: on a shared machine, a ratio of two runs
side by side means more than either time.

The synthetic library of each size is written once, into
``--work/libraries/<sessions>``, and copied for each run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic  # noqa: E402

SESSIONS_PER_EVENT = 100
# Words of the synthetic notes, in other forms than written, as researchers type them.
QUERIES = ["giovane", "lavoratore", "progetto", "comune", "università", "decreto flussi", "rimessa", "impresa",
           "coop*", "dell'Agenda", "Senegal", "cosviluppo", "programmazione regionale", "straniero", "strumento"]


def make_library(root: Path, sessions: int) -> Path:
    """``root/notes``: events of up to 100 sessions, ``sessions`` in all.

    The library is written once, into ``libraries/<sessions>`` beside
    ``root`` (10,000 sessions take minutes), and copied from there: the
    benchmarks change the copy."""
    library, notes = root.parent / "libraries" / str(sessions), root / "notes"
    complete = library / f".synthetic-{sessions}"
    if not complete.exists():
        shutil.rmtree(library, ignore_errors=True)
        events = (sessions + SESSIONS_PER_EVENT - 1) // SESSIONS_PER_EVENT
        for number in range(events):
            size = min(SESSIONS_PER_EVENT, sessions - number * SESSIONS_PER_EVENT)
            synthetic.write_event(library, size, seed=2019 + number, event_id=f"convegno-sintetico-{number + 1:03d}")
        complete.touch()
    shutil.rmtree(notes, ignore_errors=True)
    shutil.copytree(library, notes, ignore=shutil.ignore_patterns(".synthetic-*"))
    return notes


def note_files(notes: Path) -> list[Path]:
    return sorted(notes.glob("*/*.yaml"))


def megabytes(notes: Path) -> float:
    return sum(path.stat().st_size for path in note_files(notes)) / 1e6


def floor(notes: Path) -> float:
    """Reading and parsing every note with PyYAML's C loader."""
    started = time.perf_counter()
    for path in note_files(notes):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - started


BUILD = """
import json, resource, sys, time
from pathlib import Path
from outcomes.build import build
started, cpu = time.perf_counter(), time.process_time()
result = build(Path(sys.argv[1]), Path(sys.argv[2]), full=sys.argv[3] == "full", proceedings=False)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
assert result.ok, [p.format() for p in result.problems[:5]]
print(json.dumps({
    "seconds": seconds,
    "incremental": result.incremental,
    "rebuilt": result.rebuilt,
    "rss_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rss_worker_mb": workers.ru_maxrss / 1024,
    "cpu": cpu + workers.ru_utime + workers.ru_stime,  # the build's, in every process
}))
"""


def our_build(notes: Path, out: Path, mode: str) -> dict:
    """A build in a fresh process: ``full``, or ``update`` (incremental)."""
    output = subprocess.run([sys.executable, "-c", BUILD, str(notes), str(out), mode],
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def startup() -> float:
    """Seconds to start Python and import the build, as a command does."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import outcomes.build, outcomes.cli"], check=True)
    return time.perf_counter() - started


def change_one_note(notes: Path) -> None:
    """Edit one session's room, as a facilitator would, dated after the
    build: a word added, or taken away again (the field stays valid however
    many times it is changed)."""
    path = note_files(notes)[len(note_files(notes)) // 2]
    if path.name == "event.yaml":
        path = note_files(notes)[1]
    text = path.read_text("utf-8")
    edited = text.replace("\nroom: Nuova ", "\nroom: ", 1)
    path.write_text(edited if edited != text else text.replace("\nroom: ", "\nroom: Nuova ", 1), "utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))


def yaml_to_sqlite(notes: Path, work: Path) -> float:
    """yaml-to-sqlite on one YAML file listing every session."""
    listing = work / "sessions.yaml"
    with open(listing, "w", encoding="utf-8") as out:
        for path in note_files(notes):
            if path.name == "event.yaml":
                continue
            lines = path.read_text("utf-8").splitlines()
            out.write("- " + lines[0] + "\n")
            out.writelines(("  " + line if line else "") + "\n" for line in lines[1:])
    database = work / "yaml-to-sqlite.db"
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(["yaml-to-sqlite", str(database), "sessions", str(listing)], check=True)
    return time.perf_counter() - started


def markdown_to_sqlite(notes: Path, work: Path) -> float:
    """markdown-to-sqlite on one Markdown file per session: the note as
    front matter, its summary as the body."""
    folder = work / "markdown"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    paths = []
    for path in note_files(notes):
        if path.name == "event.yaml":
            continue
        note = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        summary = note.pop("summary", "")
        target = folder / f"{path.parent.name}--{path.stem}.md"
        front = yaml.dump(note, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
        target.write_text(f"---\n{front}---\n{summary}", "utf-8")
        paths.append(str(target))
    database = work / "markdown-to-sqlite.db"
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(["markdown-to-sqlite", str(database), "sessions", *paths], check=True)
    return time.perf_counter() - started


def search_latency(out: Path, rounds: int = 5) -> dict[str, tuple[float, float, int]]:
    """Median and 95th percentile, in ms, of searches through Datasette, and
    how many answered otherwise than 200 (a machine so busy that a search
    passed the 1 s time limit)."""
    from datasette.app import Datasette

    datasette = Datasette(config_dir=out)
    urls = {
        "the project's search (/outcomes/cerca)": "/outcomes/cerca.json?_shape=array&q={}",
        "Datasette's table search (?_search=)": "/outcomes/outcomes.json?_shape=array&_col=title&_search={}",
    }

    async def measure(template: str) -> list[float]:
        times = []
        for _ in range(rounds):
            for query in QUERIES:
                started = time.perf_counter()
                response = await datasette.client.get(template.format(query))
                times.append((time.perf_counter() - started) * 1000)
                failed[template] = failed.get(template, 0) + (response.status_code != 200)  # past the time limit
        return times

    failed: dict[str, int] = {}

    results = {}
    for name, template in urls.items():
        asyncio.run(measure(template))  # warm up caches
        failed[template] = 0
        times = sorted(asyncio.run(measure(template)))
        results[name] = (statistics.median(times), times[int(len(times) * 0.95) - 1], failed[template])
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="numbers of sessions (default 100,1000,10000)")
    parser.add_argument("--peers-up-to", type=int, default=1000,
                        help="run the (slow) peers up to this size only (default 1000)")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out", help="scratch folder")
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))

    load_before = load_average()
    rows = []
    for sessions in sizes:
        work = args.work / f"{sessions}"
        work.mkdir(parents=True, exist_ok=True)
        notes = make_library(work, sessions)
        out = work / "build"
        shutil.rmtree(out, ignore_errors=True)
        row = {"sessions": sessions, "outcomes": sessions * 10, "mb": megabytes(notes)}
        print(f"{sessions} sessions ({row['mb']:.1f} MB of YAML)…", file=sys.stderr, flush=True)
        row["floor"] = floor(notes)
        full = our_build(notes, out, "full")
        row.update(full=full["seconds"], rss_main=full["rss_main_mb"], rss_worker=full["rss_worker_mb"])
        change_one_note(notes)
        update = our_build(notes, out, "update")
        assert update["incremental"] and update["rebuilt"] == 1, update
        row["update"] = update["seconds"]
        if sessions <= args.peers_up_to:
            row["yaml_to_sqlite"] = yaml_to_sqlite(notes, work)
            row["markdown_to_sqlite"] = markdown_to_sqlite(notes, work)
        rows.append(row)

    print(table(rows))
    print()
    print(f"Our times leave out starting Python and importing the package ({startup():.2f} s, once per command);")
    print("the peers' include theirs (a fraction of a second of their tens of seconds).")
    print()
    for line in ratios(rows):
        print(line)
    print(f"Machine load (1, 5, 15 min): {load_before} before, {load_average()} after.", flush=True)
    print()
    latency = search_latency(out)
    print(f"Search at {max(sizes) * 10:,} outcomes, {len(QUERIES)} queries × 5 rounds, through Datasette's client:")
    for name, (median, p95, errors) in latency.items():
        print(f"- {name}: median {median:.1f} ms, 95th percentile {p95:.1f} ms, {errors} past the time limit")


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def ratios(rows: list[dict]) -> list[str]:
    """The measures the issues set goals for: each full build against
    yaml-to-sqlite, each rebuild against its full build (start-up left out
    of both), and how time and peak memory grow with the library."""
    lines = []
    for row in rows:
        peer = row.get("yaml_to_sqlite")
        against = f"{row['full'] / peer:.3f} of yaml-to-sqlite's time, " if peer else ""
        lines.append(f"{row['outcomes']:,} outcomes: full build {against}"
                     f"rebuild after one note changed {row['update'] / row['full']:.3f} of a full build")
    for smaller, larger in zip(rows, rows[1:]):
        goals = (f" (goals: time at most x{TIME_GROWTH_GOAL}, memory at most x{MEMORY_GROWTH_GOAL})"
                 if (smaller["outcomes"], larger["outcomes"]) == (10_000, 100_000) else "")
        lines.append(
            f"{smaller['outcomes']:,} -> {larger['outcomes']:,} outcomes (x{larger['outcomes'] / smaller['outcomes']:.0f}): "
            f"full build time x{larger['full'] / smaller['full']:.2f}, "
            f"peak memory x{larger['rss_main'] / smaller['rss_main']:.2f} (main), "
            f"x{larger['rss_worker'] / smaller['rss_worker']:.2f} (largest worker){goals}"
        )
    return lines


TIME_GROWTH_GOAL = 11  # t(100,000 outcomes) / t(10,000), issue #28
MEMORY_GROWTH_GOAL = 1.5  # peak memory, the same


def table(rows: list[dict]) -> str:
    def seconds(value):
        return f"{value:.2f} s" if value is not None else "–"

    def ratio(a, b):
        return f"{a / b:.3f}" if a is not None and b else "–"

    lines = [
        "| sessions | outcomes | YAML | floor: C parse | full build | ÷ floor | rebuild, 1 note changed | ÷ full build "
        "| yaml-to-sqlite | full ÷ yaml-to-sqlite | markdown-to-sqlite | full ÷ markdown-to-sqlite | peak memory (main / worker) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        y2s, m2s = row.get("yaml_to_sqlite"), row.get("markdown_to_sqlite")
        lines.append(
            f"| {row['sessions']:,} | {row['outcomes']:,} | {row['mb']:.1f} MB | {seconds(row['floor'])} | {seconds(row['full'])} "
            f"| {ratio(row['full'], row['floor'])} | {seconds(row['update'])} | {ratio(row['update'], row['full'])} "
            f"| {seconds(y2s)} | {ratio(row['full'], y2s)} | {seconds(m2s)} | {ratio(row['full'], m2s)} "
            f"| {row['rss_main']:.0f} / {row['rss_worker']:.0f} MB |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
