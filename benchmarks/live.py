#!/usr/bin/env python
"""Readers while the office publishes: does the live site stay up and consistent?

    python benchmarks/live.py [--readers 20] [--publications 10]

Builds a small library, serves it with ``outcomes serve`` (a real process on
a local port) and keeps ``--readers`` clients reading it as fast as it
answers, each on one keep-alive connection: the outcomes table as JSON with
its row count and a facet, and now and then the event's proceedings
(.docx). Meanwhile the office publishes ``--publications`` times in a row
(as the desk's Pubblica does: a note changed, then a build), each time
waiting until the site shows it. Every response is checked to come from
one publication (its rows, count and facet counts, or the document's text,
all of one version) and no reader ever sees an older publication after a
newer one. Prints the requests, failures, inconsistencies and how long after
each build its data was served.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from live_helpers import summary, under_load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--publications", type=int, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        load = under_load(Path(folder), options.readers, options.publications)
        log = (Path(folder) / "serve.log").read_text("utf-8")
    print(f"{options.readers} readers, {options.publications} publications: {summary(load)}")
    print("visible after (s): " + " ".join(f"{seconds:.2f}" for seconds in load.visible_after))
    print("outcomes serve said:\n" + log)
    for kind, found in (("failed", load.failed), ("inconsistent", load.inconsistent), ("went back", load.went_back)):
        for line in found[:5]:
            print(f"  {kind}: {line}")


if __name__ == "__main__":
    main()
