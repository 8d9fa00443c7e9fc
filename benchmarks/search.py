#!/usr/bin/env python
"""How fast the public site searches, alone and under load, against
Datasette's own plain search, in one run.

    pip install -e '.[bench]'
    python benchmarks/search.py [--sessions 10000] [--clients 50] [--seconds 20]

It builds a synthetic library (``benchmarks/build.py``'s: events of 100
sessions of 10 outcomes; 10,000 sessions = 100,000 outcomes), serves it with
``datasette`` on a local port, as the README publishes it, and measures:

- single-client latency (median and 95th percentile, ms) of the search page
  (``/outcomes/cerca?q=``, HTML with its filters and counts), its JSON, and
  Datasette's plain table search (``/outcomes/outcomes.json?_search=``), over
  the queries of build.py, each asked several times; and of the Atom feed;
- throughput under ``--clients`` concurrent clients (requests per second,
  95th percentile, errors) of the search page, its JSON (``cerca.json``, the
  canned query researchers script against) and Datasette's plain search,
  one after the other on the same server, and the ratios of the first two
  to the third;
- the slowest answer of the search page to queries an attacker would choose.

The load comes from this process (httpx, asyncio) on the same machine: the
server and its clients share the cores, equally for both sides. The plain
search is Datasette's table search as a researcher's script would call it
(``_search`` on the outcomes table, JSON), facets included as configured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import build as build_benchmark  # noqa: E402

PORT = int(os.environ.get("BENCHMARK_PORT", "8130"))
QUERIES = build_benchmark.QUERIES

PAGES = {
    "search page (/outcomes/cerca, HTML)": "/outcomes/cerca?q={}",
    "search JSON (/outcomes/cerca.json)": "/outcomes/cerca.json?_shape=array&q={}",
    "Datasette's plain search (?_search=, JSON)": "/outcomes/outcomes.json?_shape=array&_search={}",
}
PEER = "Datasette's plain search (?_search=, JSON)"
JSON_GOAL = 0.5  # cerca.json's throughput under load, of the plain search's (issue #28)
JSON = "search JSON (/outcomes/cerca.json)"
# Queries an attacker would choose (issue #17), each asked of the search page
# (as long as a request line may be: uvicorn's h11 takes 16 KB; the tests ask
# longer ones of Datasette in-process).
WORST = {
    "c* d* p* s*": "c* d* p* s*",
    "2,000 unknown words": " ".join(f"z{i}" for i in range(2000)),
    "1,200 words": " ".join(["migranti", "città"] * 600),
    "a word in 80% of the outcomes": "lavoratore",
}
OURS = "search page (/outcomes/cerca, HTML)"


def library(work: Path, sessions: int, rebuild: bool) -> Path:
    """A built synthetic library in ``work/build``: built again only when
    asked or missing (the site files are always this checkout's)."""
    from outcomes import site
    from outcomes.build import build

    out = work / "build"
    if rebuild or not (out / "outcomes.db").exists():
        notes = build_benchmark.make_library(work, sessions)
        shutil.rmtree(out, ignore_errors=True)
        result = build(notes, out, full=True, proceedings=False)
        assert result.ok, [p.format() for p in result.problems[:5]]
    site.write(out, out / "outcomes.db", digest="benchmark")
    return out


class Server:
    """``datasette BUILD`` on a local port, as the published image runs it."""

    def __init__(self, folder: Path, port: int):
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "OUTCOMES_PUBLIC_URL": self.url + "/"}
        command = [sys.executable, "-m", "datasette", "serve", str(folder), "--host", "127.0.0.1", "--port", str(port)]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(300):
            try:
                if httpx.get(self.url + "/robots.txt", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
        raise RuntimeError("datasette did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


FAILED: dict[str, int] = {}  # template -> answers other than 200 one at a time (past the time limit, on a busy machine)


async def latency(url: str, template: str, rounds: int) -> list[float]:
    """Milliseconds of each request, one at a time (after one warm-up
    round); answers other than 200 are counted in ``FAILED``."""
    times = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for round in range(rounds + 1):
            for query in QUERIES:
                started = time.perf_counter()
                response = await client.get(template.format(urllib.parse.quote(query)))
                elapsed = (time.perf_counter() - started) * 1000
                if round:
                    times.append(elapsed)
                    FAILED[template] = FAILED.get(template, 0) + (response.status_code != 200)
    return times


async def slowest(url: str, query: str, times: int = 3) -> float:
    """The slowest of a few answers of the search page to ``query``, in ms."""
    slowest = 0.0
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for _ in range(times):
            started = time.perf_counter()
            response = await client.get("/outcomes/cerca", params={"q": query})
            FAILED["worst"] = FAILED.get("worst", 0) + (response.status_code != 200)
            slowest = max(slowest, (time.perf_counter() - started) * 1000)
    return slowest


async def load(url: str, template: str, clients: int, seconds: float) -> dict:
    """``clients`` clients asking the queries in turn for ``seconds``."""
    times, errors = [], 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one(number: int) -> None:
            nonlocal errors
            turn = number
            while time.perf_counter() < deadline:
                query = QUERIES[turn % len(QUERIES)]
                turn += 1
                started = time.perf_counter()
                try:
                    response = await client.get(template.format(urllib.parse.quote(query)))
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                times.append((time.perf_counter() - started) * 1000)
                errors += not ok

        started = time.perf_counter()
        await asyncio.gather(*(one(number) for number in range(clients)))
        elapsed = time.perf_counter() - started
    return {"rps": len(times) / elapsed, "p50": statistics.median(times), "p95": percentile(times, 0.95),
            "requests": len(times), "errors": errors}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000, help="sessions of 10 outcomes (default 10,000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--seconds", type=float, default=20, help="seconds of load for each side (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="single-client rounds of the queries (default 3)")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out" / "search", help="scratch folder")
    parser.add_argument("--rebuild", action="store_true", help="build the library again even if it exists")
    args = parser.parse_args(argv)

    args.work.mkdir(parents=True, exist_ok=True)
    load_before = build_benchmark.load_average()
    print(f"library of {args.sessions:,} sessions…", file=sys.stderr, flush=True)
    out = library(args.work, args.sessions, args.rebuild)
    server = Server(out, PORT)
    try:
        single = {}
        for name, template in PAGES.items():
            print(f"single client: {name}…", file=sys.stderr, flush=True)
            single[name] = asyncio.run(latency(server.url, template, args.rounds))
        feed = asyncio.run(latency(server.url, "/outcomes/feed.atom#{}", 1))
        worst = {name: asyncio.run(slowest(server.url, query)) for name, query in WORST.items()}
        loaded = {}
        for name in (OURS, JSON, PEER):
            print(f"{args.clients} clients: {name}…", file=sys.stderr, flush=True)
            loaded[name] = asyncio.run(load(server.url, PAGES[name], args.clients, args.seconds))
    finally:
        server.stop()

    outcomes = args.sessions * 10
    print(f"Search at {outcomes:,} outcomes, {len(QUERIES)} queries, served by datasette on this machine:")
    print()
    print(f"| | single client: median | 95th percentile | {args.clients} clients: requests/s | median | 95th percentile | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, times in single.items():
        row = loaded.get(name)
        under_load = (
            f"{row['rps']:.1f} | {row['p50']:.0f} ms | {row['p95']:.0f} ms | {row['errors']} of {row['requests']}"
            if row else "– | – | – | –"
        )
        print(f"| {name} | {statistics.median(times):.1f} ms | {percentile(times, 0.95):.1f} ms | {under_load} |")
    print(f"| Atom feed (/outcomes/feed.atom) | {statistics.median(feed):.1f} ms | {percentile(feed, 0.95):.1f} ms | – | – | – | – |")
    print()
    for name, what in ((OURS, "Search page"), (JSON, "Search JSON (cerca.json)")):
        print(f"{what} ÷ plain search, requests per second under load: {loaded[name]['rps'] / loaded[PEER]['rps']:.2f}")
    ratio, errors = loaded[JSON]["rps"] / loaded[PEER]["rps"], loaded[JSON]["errors"]
    print(f"{'ok  ' if ratio >= JSON_GOAL and not errors else 'FAIL'} cerca.json under {args.clients} clients: "
          f"{ratio:.2f} of the plain search's throughput (goal at least {JSON_GOAL}), {errors} errors (goal none)")
    failed = {name: FAILED.get(template, 0) for name, template in PAGES.items()}
    print("Single client, answers other than 200 (past the time limit): "
          + ", ".join(f"{name} {count}" for name, count in failed.items()) + f"; worst cases {FAILED.get('worst', 0)}")
    print()
    print(f"Machine load (1, 5, 15 min): {load_before} before, {build_benchmark.load_average()} after.")
    print()
    print("Worst cases, the search page, slowest of 3: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in worst.items()))


if __name__ == "__main__":
    main()
