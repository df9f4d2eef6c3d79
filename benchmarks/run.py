"""Benchmark mlops-anki as whole processes, with plain genanki as the floor.

Cases: ``mlops-anki --help``, a build of the shipped deck, builds of 1,000 and 10,000
synthetic questions, and a plain genanki script writing the same notes (the floor).

Run by hand, not in CI (timings depend on the machine and on what else it is doing):

    python benchmarks/run.py [--runs 5] [--large-runs 3] [--sizes 1000 10000]

Each case runs several times; the table shows the median, min and max wall time, and two
peak memory figures: the largest single process (``ru_maxrss`` from ``wait4``, which covers
the worker processes too) and the sum over the whole process tree, sampled every 20 ms
(processes that live under 20 ms, such as the ``bash -n`` checks, are left out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from make_corpus import make_corpus  # noqa: E402


@dataclass
class Case:
    name: str
    argv: list[str]
    runs: int
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    max_rss: list[int] = field(default_factory=list)  # KiB, largest process
    tree_rss: list[int] = field(default_factory=list)  # KiB, sum over the tree, sampled

    def median(self) -> float:
        return statistics.median(self.walls)


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(root: int) -> dict[int, int]:
    """RSS (KiB) of ``root`` and each of its descendants."""
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        found[pid] = _rss_kib(pid)
        todo += _children(pid)
    return found


def measure(argv: list[str], cwd: Path) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, peak RSS of the largest process, peak RSS of the tree)."""
    peak = 0
    stop = threading.Event()
    errors = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)

    def sample() -> None:
        # Only processes seen in two samples in a row count: a child that was just vfork'd
        # reports its parent's whole RSS until it execs, and the bash -n checks live ~3 ms.
        nonlocal peak
        before: dict[int, int] = {}
        while not stop.is_set():
            now = _tree(proc.pid)
            peak = max(
                peak, sum(rss for pid, rss in now.items() if pid == proc.pid or pid in before)
            )
            before = now
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        errors.seek(0)
        raise SystemExit(
            f"{' '.join(argv)} failed ({proc.returncode}):\n"
            + errors.read().decode(errors="replace")
        )
    errors.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, peak


def run_case(case: Case, cwd: Path) -> None:
    print(f"{case.name}: ", end="", file=sys.stderr, flush=True)
    for _ in range(case.runs):
        wall, cpu, max_rss, tree = measure(case.argv, cwd)
        case.walls.append(wall)
        case.cpus.append(cpu)
        case.max_rss.append(max_rss)
        case.tree_rss.append(tree)
        print(f"{wall:.2f}s ", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def notes_json(apkg: Path, target: Path) -> None:
    """The note types, decks and rendered notes of ``apkg``, for genanki_floor.py."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(apkg) as zf:
            zf.extract("collection.anki2", tmp)
        db = sqlite3.connect(Path(tmp) / "collection.anki2")
        models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
        models = json.loads(models_json).values()
        decks = {d["name"]: d["id"] for d in json.loads(decks_json).values() if d["id"] != 1}
        names = {d_id: name for name, d_id in decks.items()}
        rows = db.execute(
            "SELECT n.guid, n.mid, n.flds, n.tags, c.did, c.due FROM notes n "
            "JOIN cards c ON c.nid = n.id ORDER BY n.id"
        ).fetchall()
        db.close()
    data = {
        "models": [
            {
                "id": model["id"],
                "name": model["name"],
                "css": model["css"],
                "fields": [f["name"] for f in model["flds"]],
                "templates": [
                    {"name": t["name"], "qfmt": t["qfmt"], "afmt": t["afmt"]}
                    for t in model["tmpls"]
                ],
            }
            for model in models
        ],
        "decks": decks,
        "notes": [
            {
                "guid": guid,
                "model": mid,
                "fields": flds.split("\x1f"),
                "tags": tags.split(),
                "deck": names[did],
                "due": due,
            }
            for guid, mid, flds, tags, did, due in rows
        ],
    }
    target.write_text(json.dumps(data), encoding="utf-8")


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(
                line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case (default 5)")
    parser.add_argument(
        "--large-runs", type=int, default=3, help="runs for the largest size (default 3)"
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000, 10000],
        help="synthetic corpus sizes (default 1000 10000)",
    )
    parser.add_argument(
        "--work", type=Path, help="folder for corpora and output (default: a temporary folder)"
    )
    args = parser.parse_args()

    exe = Path(sys.executable).parent / "mlops-anki"
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "mlops_anki"]
    work = args.work or Path(tempfile.mkdtemp(prefix="mlops-anki-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    out = work / "out"

    cases = [
        Case("mlops-anki --help", cli + ["--help"], max(args.runs, 10)),
        Case(
            "build shipped deck (88)",
            cli + ["build", "--decks", str(REPO / "decks"), "-o", str(out / "shipped")],
            args.runs,
        ),
    ]
    sizes = sorted(args.sizes)
    for n in sizes:
        decks = work / f"decks-{n}"
        if not decks.exists():
            print(f"writing {n} synthetic questions to {decks}", file=sys.stderr)
            make_corpus(n, decks)
        runs = args.large_runs if n == sizes[-1] and len(sizes) > 1 else args.runs
        cases.append(
            Case(
                f"build {n:,} questions",
                cli + ["build", "--decks", str(decks), "-o", str(out / str(n))],
                runs,
            )
        )
    load = os.getloadavg()
    measured: list[Case] = []
    for case in cases:
        run_case(case, work)
        measured.append(case)
        if case.name.startswith("build") and "shipped" not in case.name:
            n = case.argv[-1].rsplit("/", 1)[-1]
            notes = work / f"notes-{n}.json"
            # one package per deck, named by its version: take the one there is
            (apkg,) = (out / n).glob("synthetic-*.apkg")
            notes_json(apkg, notes)
            floor = Case(
                f"genanki floor, {int(n):,} notes",
                [
                    sys.executable,
                    str(HERE / "genanki_floor.py"),
                    str(notes),
                    str(out / f"floor-{n}.apkg"),
                ],
                case.runs,
            )
            run_case(floor, work)
            measured.append(floor)
    cases = measured
    load_after = os.getloadavg()

    info = machine()
    print(f"Machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, {info['os']}")
    print(f"Load average (1 min) before/after: {load[0]:.2f} / {load_after[0]:.2f}")
    print()
    print(
        "| case | runs | median wall (s) | min-max (s) | median CPU (s) "
        "| peak RSS, largest process (MB) | peak RSS, all processes (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case in cases:
        print(
            f"| {case.name} | {case.runs} | {case.median():.2f} | "
            f"{min(case.walls):.2f}-{max(case.walls):.2f} | "
            f"{statistics.median(case.cpus):.2f} | {max(case.max_rss) / 1024:.0f} | "
            f"{max(case.tree_rss) / 1024:.0f} |"
        )
    by_name = {c.name: c for c in cases}
    builds = [c for c in cases if c.name.startswith("build") and "shipped" not in c.name]
    print()
    if len(builds) >= 2:
        small, large = builds[0], builds[-1]
        print(
            f"time({large.name.split()[1]}) / time({small.name.split()[1]}): "
            f"{large.median() / small.median():.2f}"
        )
    for case in builds:
        n = case.name.split()[1]
        floor = by_name[f"genanki floor, {n} notes"]
        print(
            f"{n} questions, build / genanki floor: {case.median() / floor.median():.2f} "
            f"({case.median():.2f} s / {floor.median():.2f} s)"
        )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
