"""A build killed while its workers render leaves no worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_scale import make_corpus

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads process states from Linux's /proc"
)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has exited; only its parent has not reaped it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    return make_corpus(700, tmp_path_factory.mktemp("kill") / "decks")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_workers_die_with_a_killed_build(big_corpus, tmp_path, sig):
    build = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlops_anki",
            "build",
            "--decks",
            str(big_corpus),
            "--output",
            str(tmp_path / "out"),
            "--jobs",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and build.poll() is None:
            workers = [p for p in _children(build.pid) if "spawn_main" in _cmdline(p)]
            if len(workers) == 2:
                break
            time.sleep(0.02)
        assert len(workers) == 2, "the build never started its two workers"
        time.sleep(0.3)  # they are rendering now
        assert build.poll() is None, "the build finished before it could be killed"
        os.kill(build.pid, sig)
        build.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.05)
        assert not [p for p in workers if _alive(p)], "workers outlived the build"
    finally:
        if build.poll() is None:
            build.kill()
        build.wait(timeout=30)
        for pid in workers:  # only this test's own workers, should the test fail
            if _alive(pid) and "spawn_main" in _cmdline(pid):
                os.kill(pid, signal.SIGKILL)
    assert not list((tmp_path / "out").glob("*.apkg"))
