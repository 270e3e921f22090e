"""Benchmark: cold-process start-up of the CLI against ``python -c "import geopandas"``.

Each command runs ``--repeat`` times as a fresh process, alternating with the baseline; the
median of each is compared. Targets (issue 2): ``corridors compare`` over the whole catalog at
most 1.5x the baseline; ``corridors --help`` at most 0.3x.

    python benchmarks/bench_cli.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def _seconds(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    exe = shutil.which("corridors") or sys.exit("corridors is not installed (pip install -e .)")
    commands = {
        "baseline: python -c 'import geopandas'": [sys.executable, "-c", "import geopandas"],
        "corridors compare": [exe, "compare"],
        "corridors --help": [exe, "--help"],
    }
    for cmd in commands.values():  # warm the file cache once
        _seconds(cmd)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, cmd in commands.items():
            times[name].append(_seconds(cmd))
    median = {name: statistics.median(t) for name, t in times.items()}
    base = median["baseline: python -c 'import geopandas'"]
    targets = {"corridors compare": 1.5, "corridors --help": 0.3}
    for name, seconds in median.items():
        ratio = seconds / base
        target = (
            f"  (target <= {targets[name]}x: {'ok' if ratio <= targets[name] else 'MISSED'})" if name in targets else ""
        )
        print(f"{name:42s} {seconds * 1000:7.0f} ms  {ratio:5.2f}x{target}")


if __name__ == "__main__":
    main()
