"""The floor: plain genanki writing already-rendered notes, with no loading, checks or rendering.

Usage: python benchmarks/genanki_floor.py NOTES.json OUT.apkg

NOTES.json holds the note types, the decks and every note's rendered fields, as extracted by
``run.py`` from an .apkg that mlops-anki built; so this writes the same content the compiler
wrote, and the difference in time is what loading, validating and rendering cost.
"""

from __future__ import annotations

import json
import sys

import genanki


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as fh:
        data = json.load(fh)
    models = {
        int(m["id"]): genanki.Model(
            int(m["id"]),
            m["name"],
            fields=[{"name": f} for f in m["fields"]],
            templates=m["templates"],
            css=m["css"],
        )
        for m in data["models"]
    }
    decks = {name: genanki.Deck(deck_id, name) for name, deck_id in data["decks"].items()}
    for note in data["notes"]:
        decks[note["deck"]].add_note(
            genanki.Note(
                model=models[note["model"]],
                fields=note["fields"],
                guid=note["guid"],
                tags=note["tags"],
                due=note["due"],
            )
        )
    genanki.Package(list(decks.values())).write_to_file(target)


if __name__ == "__main__":
    main()
