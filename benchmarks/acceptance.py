#!/usr/bin/env python
"""Issue #28's acceptance check, outside the test suite: the build's speed
against its goals, measured in one run on this machine.

    pip install -e '.[bench]'
    python benchmarks/acceptance.py [--sessions 1000] [--rounds 3]

On a synthetic library of ``--sessions`` sessions (10 outcomes each; 1,000
sessions make the issue's 10,000 outcomes), side by side:

- yaml-to-sqlite loading the same sessions (one YAML list, no validation);
- the project's full build (no proceedings, as the peer makes none), in a
  fresh process, ``--rounds`` times;
- a rebuild after one note changed, ``--rounds`` times, each after its own
  change.

Our times are of ``build()`` itself: starting Python and importing the
package (printed apart) are left out of both. Prints the medians (and,
beside them, CPU seconds, which a busy machine changes less), the two
ratios against their goals (full build at most 0.10 of yaml-to-sqlite's
time; the rebuild at most 0.05 of a full build) and the machine's load
before and after (on a shared machine a ratio of two runs side by side
means more than either time); exits 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build as bench  # noqa: E402  (benchmarks/build.py)

FULL_GOAL = 0.10  # of yaml-to-sqlite's time
REBUILD_GOAL = 0.05  # of a full build's


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1000, help="sessions of the library (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="full builds and rebuilds to take the median of (default 3)")
    parser.add_argument("--work", type=Path, default=bench.ROOT / "benchmarks" / "out", help="scratch folder")
    args = parser.parse_args(argv)

    load_before = bench.load_average()
    work = args.work / f"acceptance-{args.sessions}"
    work.mkdir(parents=True, exist_ok=True)
    notes = bench.make_library(work, args.sessions)
    out = work / "build"
    print(f"{args.sessions:,} sessions, {args.sessions * 10:,} outcomes ({bench.megabytes(notes):.1f} MB of YAML); "
          f"load {load_before}", file=sys.stderr, flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peer = bench.yaml_to_sqlite(notes, work)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    peer_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    fulls, rebuilds, cpus, rebuild_cpus = [], [], [], []
    for _ in range(args.rounds):
        measured = bench.our_build(notes, out, "full")
        fulls.append(measured["seconds"])
        cpus.append(measured["cpu"])
        bench.change_one_note(notes)
        update = bench.our_build(notes, out, "update")
        assert update["incremental"] and update["rebuilt"] == 1, update
        rebuilds.append(update["seconds"])
        rebuild_cpus.append(update["cpu"])
    startup = bench.startup()
    full, rebuild = statistics.median(fulls), statistics.median(rebuilds)
    checks = [
        ("full build ÷ yaml-to-sqlite", full / peer, FULL_GOAL),
        ("rebuild after one note changed ÷ full build", rebuild / full, REBUILD_GOAL),
    ]
    print(f"yaml-to-sqlite {peer:.2f} s; full build {full:.2f} s (of {', '.join(f'{t:.2f}' for t in fulls)}); "
          f"rebuild {rebuild:.3f} s (of {', '.join(f'{t:.3f}' for t in rebuilds)}); "
          f"start-up {startup:.2f} s, left out of ours")
    for name, ratio, goal in checks:
        print(f"{'ok  ' if ratio <= goal else 'FAIL'} {name}: {ratio:.3f} (goal at most {goal:.2f})")
    # Beside the goals: CPU time, which a busy machine changes less than wall-clock time.
    cpu, rebuild_cpu = statistics.median(cpus), statistics.median(rebuild_cpus)
    print(f"CPU seconds: yaml-to-sqlite {peer_cpu:.2f}, full build {cpu:.2f} in all its processes "
          f"({cpu / peer_cpu:.3f} of yaml-to-sqlite's), rebuild {rebuild_cpu:.3f} ({rebuild_cpu / cpu:.3f} of a full build's)")
    print(f"Machine load (1, 5, 15 min): {load_before} before, {bench.load_average()} after.")
    return 0 if all(ratio <= goal for _, ratio, goal in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
