"""Pictures of one card for the README: its front and back on a phone at night and on a
desktop in light mode, from the real note type (templates and CSS) and renderer.

Needs the test extra (Playwright for Python) and Debian's chromium; Playwright downloads no
browser here. Run it from the repository root whenever the card design changes, and commit
the pictures:

    .venv/bin/pip install -e '.[test]'
    .venv/bin/python docs/screenshots.py            # writes docs/img/*.png

Options: --card ID (default online-offline-consistency: long, indented code lines that wrap on
a phone), --decks DIR, --output DIR, --open SECTION (repeatable; the back's sections to unfold,
default Code). Set CHROMIUM to use another Chromium executable. The phone is 390 px wide at
one device pixel per CSS pixel, which keeps each picture under 150 KB. The note type's
fingerprint goes to OUTPUT/notetype-fingerprint.txt: a test fails when the templates or CSS
change and the pictures were not made again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from mlops_anki.build import load_valid
from mlops_anki.notetype import fingerprint, note_type
from mlops_anki.preview import card_document, render_cards

ROOT = Path(__file__).resolve().parent.parent
VIEWS = {  # name: (viewport width, height, device pixel ratio, Anki's .mobile, night mode)
    "phone-night": (390, 844, 1, True, True),
    "desktop-light": (860, 160, 1, False, False),  # full-page shots grow to the content
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--card", default="online-offline-consistency", help="question id")
    parser.add_argument("--decks", type=Path, default=ROOT / "decks")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument(
        "--open",
        action="append",
        dest="sections",
        metavar="SECTION",
        help="a section of the back to unfold (default: Code)",
    )
    args = parser.parse_args()
    sections = args.sections or ["Code"]

    from playwright.sync_api import sync_playwright

    chromium = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not chromium:
        print("no chromium on PATH (apt-get install chromium, or set CHROMIUM)", file=sys.stderr)
        return 1
    cards = [c for c in render_cards(load_valid(args.decks)) if c.question.id == args.card]
    if not cards:
        print(f"no question with id {args.card!r} under {args.decks}", file=sys.stderr)
        return 1
    card, css = cards[0], note_type().css
    args.output.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for view, (width, height, scale, mobile, night) in VIEWS.items():
            page = browser.new_page(
                viewport={"width": width, "height": height}, device_scale_factor=scale
            )
            page.route("**/*", lambda route: route.abort())  # cards need no network
            for face in ("front", "back"):
                page.set_content(
                    card_document(
                        getattr(card, face), css, night=night, mobile=mobile, title=card.question.id
                    )
                )
                page.evaluate(
                    """(names) => document.querySelectorAll('details').forEach(
                    (d) => { d.open = names.includes(d.querySelector('summary').textContent); })""",
                    sections,
                )
                target = args.output / f"card-{face}-{view}.png"
                page.screenshot(path=str(target), full_page=True)
                print(f"wrote {target} ({target.stat().st_size // 1024} KB)")
            page.close()
        browser.close()
    (args.output / "notetype-fingerprint.txt").write_text(fingerprint() + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
