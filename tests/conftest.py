"""Shared fixtures: a copy of the sample deck in tmp_path, builds, and real Anki collections."""

from __future__ import annotations

import os
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
SHIPPED_DECKS = REPO / "decks"
NOW = 1_800_000_000  # a fixed "now" for builds, after every mtime the tests set


@pytest.fixture
def decks(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/decks with fixed, distinct file times."""
    target = tmp_path / "decks"
    shutil.copytree(FIXTURES / "decks", target)
    for i, path in enumerate(sorted(target.rglob("*.yaml"))):
        os.utime(path, (1_770_000_000 + i, 1_770_000_000 + i))
    return target


@pytest.fixture
def sample(decks: Path) -> Path:
    """The sample deck folder inside ``decks``."""
    return decks / "sample"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def build_sample(decks: Path, out: Path, **kw) -> Path:
    """Build with the library and return the sample deck's .apkg path."""
    from mlops_anki.build import build

    kw.setdefault("now", NOW)
    report = build(decks, out, **kw)
    return report.decks[0].path


def read_apkg(path: Path, tmp_path: Path) -> sqlite3.Connection:
    """Open the collection inside an .apkg for reading."""
    with zipfile.ZipFile(path) as zf:
        zf.extract("collection.anki2", tmp_path / "unzipped")
    return sqlite3.connect(tmp_path / "unzipped" / "collection.anki2")


@pytest.fixture
def collection(tmp_path: Path) -> Iterator:
    """A fresh, empty Anki collection from the official backend."""
    from anki.collection import Collection

    folder = tmp_path / "collection"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


def import_apkg(col, path: Path):
    """Import ``path`` with Anki's default options; return the import log."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    log = col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(path), options=ImportAnkiPackageOptions())
    ).log
    col.models._clear_cache()  # the note type cache survives imports
    return log


def write(path: Path, text: str) -> Path:
    """Write a file, creating folders; return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


RELEASED_AT = 1_790_000_000  # the time the `released` fixture records as release 1.0.0


def make_strict(sample: Path) -> None:
    """Pad the sample deck's questions to the content standard, so `release` accepts them."""
    import yaml

    for path in sorted((sample / "questions").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["key_points"] += ["A point added so that the card has four."]
        words = len(data["explanation"].split())
        data["explanation"] += (
            "\n" + " ".join(f"padding{i}" for i in range(max(0, 125 - words))) + ".\n"
        )
        path.write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
        )


@pytest.fixture
def released(decks: Path, sample: Path) -> Path:
    """The sample deck, made strict-clean and released as 1.0.0 at RELEASED_AT."""
    from mlops_anki.release import plan_release, write_release

    make_strict(sample)
    write_release(plan_release(decks, "1.0.0", now=RELEASED_AT))
    return sample
