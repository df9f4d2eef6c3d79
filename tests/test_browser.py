"""Cards in a real browser: Debian's Chromium, driven by Playwright at true phone and desktop
viewport sizes, in light and night mode, with every <details> section open.

Each card face is loaded as Anki's reviewer shows it (the note type's CSS, the face inside
<body class="card card1 ...">) and measured from the page itself: the document never scrolls
sideways, code blocks and tables fit their container or scroll inside their own box (and on
phones, where AnkiDroid takes sideways swipes as gestures, nothing scrolls sideways at all),
text reaches WCAG AA contrast (4.5:1), body text is at least 16 px, and nothing is fetched
from the network. Screenshots go to test-artifacts/browser/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO, SHIPPED_DECKS

from mlops_anki.build import load_valid
from mlops_anki.followups import follow_up_note_type
from mlops_anki.notetype import note_type
from mlops_anki.preview import CardPreview, card_document, render_cards, write_preview

ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWS = {  # name: (width, height, Anki's .mobile class)
    "phone": (390, 844, True),
    "small-phone": (360, 740, True),
    "narrow-desktop": (390, 844, False),
    "desktop": (1280, 800, False),
}
MIN_CONTRAST = 4.5
MIN_BODY_TEXT_PX = 16


def find_chromium() -> str | None:
    """Debian's chromium (or $CHROMIUM), never a browser downloaded by Playwright."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install -e '.[test]')")
    executable = find_chromium()
    if executable is None:
        pytest.skip("no chromium executable on PATH (apt-get install chromium, or set CHROMIUM)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _widest_line(card: CardPreview) -> int:
    return max((len(line) for s in card.question.code for line in s.source.splitlines()), default=0)


def sample_cards() -> dict[str, CardPreview]:
    """The shipped corpus's longest answer, its two widest code snippets, its longest
    question, a card without code, its follow-up cards with the longest front and the
    longest back, one with inline code in its answer, and every question card of the test
    fixture deck (inline code, a table and fenced code inside the explanation, empty
    sections) with its first follow-up card."""
    every = render_cards(load_valid(SHIPPED_DECKS))
    shipped = [c for c in every if c.follow_up is None]
    follow_ups = [c for c in every if c.follow_up is not None]
    widest = sorted(shipped, key=_widest_line, reverse=True)
    picks = {
        "longest-answer": max(shipped, key=lambda c: len(c.back)),
        "widest-code": widest[0],
        "second-widest-code": widest[1],
        "longest-question": max(shipped, key=lambda c: len(c.front)),
        "no-code": next(c for c in shipped if not c.question.code),
        "follow-up-longest-front": max(follow_ups, key=lambda c: len(c.front)),
        "follow-up-longest-back": max(follow_ups, key=lambda c: len(c.back) - len(c.front)),
        "follow-up-inline-code": next(c for c in follow_ups if "`" in c.follow_up.answer),
    }
    fixture = render_cards(load_valid(REPO / "tests" / "fixtures" / "decks"))
    picks.update(
        (f"fixture-{c.anchor.removeprefix('sample-')}", c)
        for c in fixture
        if c.follow_up is None or c.follow_up is c.question.follow_ups[0]
    )
    return {
        label
        if label.startswith("fixture")
        else f"{label}-{card.anchor.removeprefix(card.deck.id + '-')}": card
        for label, card in picks.items()
    }


SAMPLE = sample_cards()

# Runs in the page; returns measurements, the assertions are made in Python.
MEASURE = """
() => {
  const parse = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1};
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (k) => a ? (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a : 0;
    return {r: mix('r'), g: mix('g'), b: mix('b'), a: a};
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg.a > 0) layers.push(bg);
      if (bg.a >= 1) break;
    }
    let result = {r: 255, g: 255, b: 255, a: 1};  // the canvas behind an unpainted page
    for (let i = layers.length - 1; i >= 0; i--) result = over(layers[i], result);
    return result;
  };
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      parts.unshift(e.tagName.toLowerCase() + (e.className && typeof e.className === 'string'
        ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
    }
    return parts.slice(-4).join(' > ');
  };
  const texts = [], boxes = [];
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (!el.getClientRects().length || style.visibility === 'hidden') continue;
    const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3)
      .map((n) => n.textContent).join('').trim();
    if (own) {
      const bg = background(el);
      const fg = over(parse(style.color), bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      texts.push({el: describe(el), text: own.slice(0, 40), contrast: (hi + 0.05) / (lo + 0.05),
                  size: parseFloat(style.fontSize), tag: el.tagName.toLowerCase(),
                  body: !!el.closest('.question, .answer-text, .keypoints li, .section-body p, .section-body li, .section-body dt, .section-body dd, .section-body td, .section-body th, summary')
                        && !el.closest('code, figcaption, h2')});
    }
    if (el.matches('pre, .highlight, table')) {
      const rect = el.getBoundingClientRect(), parent = el.parentElement.getBoundingClientRect();
      boxes.push({el: describe(el), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
                  overflowX: style.overflowX, right: rect.right, parentRight: parent.right,
                  left: rect.left, parentLeft: parent.left});
    }
  }
  const root = document.scrollingElement;
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, texts, boxes,
          details: document.querySelectorAll('details').length,
          open: document.querySelectorAll('details[open]').length};
}
"""


def measure(
    browser, html: str, *, view: str, night: bool, shot: str, css: str | None = None
) -> dict:
    """Load one card face with ``css`` (default: the question note type's) and measure it."""
    width, height, mobile = VIEWS[view]
    page = browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []
    page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    try:
        page.set_content(card_document(html, css or note_type().css, night=night, mobile=mobile))
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        result = page.evaluate(MEASURE)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
    finally:
        page.close()
    result["requests"] = requests
    return result


def problems(result: dict, *, view: str) -> list[str]:
    """Everything wrong with one measured face, each naming the element."""
    found = []
    if result["requests"]:
        found.append(f"the card fetched from the network: {result['requests']}")
    if result["open"] != result["details"]:
        found.append("a <details> section stayed closed while measuring")
    if result["scrollWidth"] > result["clientWidth"]:
        found.append(
            f"the page scrolls sideways: {result['scrollWidth']} px of content in a "
            f"{result['clientWidth']} px viewport"
        )
    for box in result["boxes"]:
        if box["right"] > box["parentRight"] + 0.5 or box["left"] < box["parentLeft"] - 0.5:
            found.append(f"{box['el']} sticks out of its container: {box}")
        if box["scrollWidth"] > box["clientWidth"]:
            if box["overflowX"] not in ("auto", "scroll"):
                found.append(f"{box['el']} is wider than its box and cannot scroll: {box}")
            if VIEWS[view][2]:  # AnkiDroid takes a sideways swipe for a gesture
                found.append(f"{box['el']} scrolls sideways on a phone: {box}")
    found += [
        f"contrast {t['contrast']:.2f} < {MIN_CONTRAST}: {t['el']} {t['text']!r}"
        for t in result["texts"]
        if t["contrast"] < MIN_CONTRAST
    ]
    found += [
        f"body text {t['size']} px < {MIN_BODY_TEXT_PX} px: {t['el']} {t['text']!r}"
        for t in result["texts"]
        if t["body"] and t["size"] < MIN_BODY_TEXT_PX
    ]
    return found


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("name", list(SAMPLE))
def test_card_fits_the_screen_and_is_readable(browser, name, view, night):
    card = SAMPLE[name]
    mode = "night" if night else "light"
    for face in ("front", "back"):
        css = (follow_up_note_type() if card.follow_up else note_type()).css
        result = measure(
            browser,
            getattr(card, face),
            view=view,
            night=night,
            css=css,
            shot=f"{name}-{face}-{view}-{mode}",
        )
        assert result["texts"], "the card shows text"
        assert problems(result, view=view) == []


def test_measurements_catch_what_they_look_for(browser):
    """The checks can fail: each kind of fault planted in a card is reported."""
    bad = (
        '<div class="mlq"><p style="color:#999;background:#aaa">faint</p>'
        '<div class="section-body"><ul><li style="font-size:12px">tiny</li></ul>'
        '<pre style="white-space:pre;overflow-x:auto">' + "y" * 200 + "</pre>"
        '<table style="display:block;overflow-x:visible"><tr><td style="white-space:nowrap">'
        + "z" * 200
        + "</td></tr></table></div></div>"
    )
    found = "\n".join(
        problems(measure(browser, bad, view="phone", night=False, shot="self-check"), view="phone")
    )
    assert "the page scrolls sideways" in found
    assert "> pre scrolls sideways on a phone" in found
    assert "> table is wider than its box and cannot scroll" in found
    assert "contrast 1.2" in found and "'faint'" in found
    assert "body text 12 px < 16 px" in found and "'tiny'" in found


def open_gallery(browser, decks: Path, out: Path, *, shot: str):
    """Write the preview of ``decks`` and open it from disk; return (page, network requests)."""
    report = write_preview(decks, out)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.index.as_uri())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))
    return page, [u for u in requests if u != report.index.as_uri()]


def test_gallery_filters_and_switches_night_mode_and_phone_width(browser, decks, tmp_path):
    page, requests = open_gallery(browser, decks, tmp_path / "preview", shot="gallery-sample")
    try:
        count = lambda: page.inner_text("#g-count")  # noqa: E731
        visible = lambda: page.eval_on_selector_all(  # noqa: E731
            ".g-entry:not([hidden])", "es => es.map(e => e.id)"
        )
        assert count() == "9 of 9 cards"  # 3 questions, each with 2 follow-up cards
        page.fill("#g-search", "configmap")  # in the second card only
        assert visible() == ["sample-second-question"] and count() == "1 of 9 cards"
        page.fill("#g-search", "")
        page.select_option("#g-kind", "main")
        page.select_option("#g-difficulty", "senior")
        assert visible() == ["sample-second-question", "sample-third-question"]
        page.select_option("#g-topic", "training")
        assert visible() == ["sample-second-question"]
        page.select_option("#g-kind", "follow-up")
        assert visible() == ["sample-second-question--why", "sample-second-question--how"]
        page.select_option("#g-kind", "")
        page.select_option("#g-difficulty", "")
        page.select_option("#g-topic", "")
        assert count() == "9 of 9 cards"

        cards = ".g-face > .card"
        page.check("#g-night")
        assert page.eval_on_selector_all(
            cards, "cs => cs.every(c => c.classList.contains('nightMode'))"
        )
        assert (
            page.eval_on_selector(cards, "c => getComputedStyle(c).backgroundColor")
            == "rgb(13, 17, 23)"
        )  # the note type's own night style, not the gallery's
        page.check("#g-phone")
        page.check("#g-open")
        widths = page.eval_on_selector_all(
            cards,
            "cs => cs.map(c => [c.clientWidth, c.scrollWidth, c.classList.contains('mobile')])",
        )
        assert widths == [[390, 390, True]] * 18
        assert page.eval_on_selector_all(".g-face details", "ds => ds.every(d => d.open)")
        page.screenshot(path=str(ARTIFACTS / "gallery-sample-night-phone.png"), full_page=True)
        page.uncheck("#g-night")
        assert page.eval_on_selector_all(
            cards, "cs => !cs.some(c => c.classList.contains('nightMode'))"
        )
    finally:
        page.close()
    assert requests == [], "the gallery loaded something besides itself"


def test_gallery_of_the_shipped_corpus_shows_every_card(browser, tmp_path):
    expected = len(render_cards(load_valid(SHIPPED_DECKS)))
    page, requests = open_gallery(
        browser, SHIPPED_DECKS, tmp_path / "preview", shot="gallery-shipped"
    )
    try:
        assert page.inner_text("#g-count") == f"{expected} of {expected} cards"
        assert page.locator(".g-face > .card").count() == 2 * expected
        page.check("#g-night")
        page.screenshot(path=str(ARTIFACTS / "gallery-shipped-night.png"))
        page.check("#g-phone")
        page.screenshot(path=str(ARTIFACTS / "gallery-shipped-night-phone.png"))
    finally:
        page.close()
    assert requests == []


def test_gallery_phone_mode_in_a_phone_sized_window_is_exactly_phone_wide(browser, tmp_path):
    """Ticking "Phone" in a 390 px window shows 390 px cards, whole, with no sideways scroll."""
    report = write_preview(SHIPPED_DECKS, tmp_path / "preview")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(report.index.as_uri())
        page.check("#g-phone")
        page.check("#g-open")
        page.screenshot(path=str(ARTIFACTS / "gallery-phone-window.png"))
        root = page.evaluate(
            "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
        )
        cards = page.eval_on_selector_all(
            ".g-face > .card",
            "cs => cs.map(c => { const r = c.getBoundingClientRect(); "
            "return [r.left, r.right, c.clientWidth, c.scrollWidth]; })",
        )
    finally:
        page.close()
    assert root == [390, 390]
    assert cards and {tuple(c) for c in cards} == {(0, 390, 390, 390)}
