"""Reading every card's answer on a phone, in Debian's Chromium: code wraps like an editor's
soft wrap, names and table words stay whole, nothing scrolls sideways, and copying code gives
its source.

The answers are the shipped deck's, built, imported into the real Anki backend and rendered
by it (``card.render_output()``), then laid out as Anki's reviewer does at 360 and 390 px with
the ``.mobile`` class, in light and night mode, with every section open. Positions are read
character by character with DOM ranges, so a line's rows, the column of its first
non-space character and the rows a word sits on come from the layout itself.

- A wrapped code line must continue at least 1ch right of its first non-space character.
- An identifier (``[A-Za-z_][A-Za-z0-9_]+``) that fits, with the character after it, in a
  continuation row of its line (the row width less the line's indentation and 2ch) must sit
  on one row; a longer one may break.
- A word of 12 letters or fewer in a table cell must sit on one row.
"""

from __future__ import annotations

import re

import pytest
from conftest import NOW, SHIPPED_DECKS, import_apkg
from test_browser import MEASURE, browser, problems  # noqa: F401 - browser is a fixture

from mlops_anki.build import build, load_valid
from mlops_anki.notetype import NOTETYPE_ID, note_type
from mlops_anki.preview import card_document

HANG_CH = 1
"""A wrapped code line must continue at least this many ch right of its first non-space."""

MAX_TABLE_WORD = 12
"""Table words up to this many letters must never be split across rows."""

PHONE_VIEWS = {"phone": (390, 844), "small-phone": (360, 740)}

# Runs in the page; counts what is checked and lists each fault with the text around it.
READING = """
([hang, maxWord]) => {
  const range = document.createRange();
  const rect = (node, i) => {
    range.setStart(node, i); range.setEnd(node, i + 1);
    const rs = range.getClientRects();
    return rs.length ? rs[0] : null;
  };
  // every character of el in document order, with where it was laid out
  const chars = (el) => {
    const out = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n; (n = walker.nextNode());) {
      const t = n.data;
      for (let i = 0; i < t.length; i++) {
        const r = t[i] === '\\n' ? null : rect(n, i);
        out.push({c: t[i], left: r ? r.left : null, top: r ? r.top : null,
                  visible: !!(r && (r.width || r.height))});
      }
    }
    return out;
  };
  const rowsOf = (cs) => {  // row index per character: a new row when the top moves down
    let row = 0, top = null;
    return cs.map((x) => {
      if (x.top === null) return row;
      if (top !== null && x.top > top + 2) row++;
      if (top === null || x.top > top + 2) top = x.top;
      return row;
    });
  };
  const result = {codeLines: 0, wrappedLines: 0, leftOfIndent: [], identifiers: 0,
                  splitIdentifiers: [], tableWords: 0, splitTableWords: []};
  for (const pre of document.querySelectorAll('.highlight pre')) {
    if (!pre.getClientRects().length) continue;
    const all = chars(pre);
    const sample = all.find((x) => x.c !== ' ' && x.c !== '\\n' && x.visible);
    if (!sample) continue;
    const chw = (() => { const t = all.filter((x) => x.visible && x.c !== '\\n');
      // width of one column: the distance between two neighbours on one row
      for (let i = 1; i < t.length; i++) if (t[i].top === t[i - 1].top && t[i].left > t[i - 1].left)
        return t[i].left - t[i - 1].left;
      return 8; })();
    const style = getComputedStyle(pre);
    const columns = Math.floor((pre.clientWidth - parseFloat(style.paddingLeft)
                                - parseFloat(style.paddingRight)) / chw + 0.01);
    const lines = [[]];
    for (const x of all) { if (x.c === '\\n') lines.push([]); else lines[lines.length - 1].push(x); }
    for (const line of lines) {
      const text = line.map((x) => x.c).join('');
      const k = text.search(/\\S/);
      if (k < 0) continue;
      result.codeLines++;
      const rows = rowsOf(line);
      const last = rows[rows.length - 1];
      if (last > 0) result.wrappedLines++;
      // the column of its first non-space character, counted from where the line starts
      const limit = line[0].left + (k + hang) * chw - 0.5;
      for (let r = 1; r <= last; r++) {
        const i = rows.indexOf(r);
        const start = Math.min(...line.filter((x, j) => rows[j] === r && x.left !== null)
                                        .map((x) => x.left));
        if (start < limit) {
          result.leftOfIndent.push(text.slice(0, i) + '|' + text.slice(i));
          break;
        }
      }
      for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]+/g)) {
        // short enough for one row: with the character after it, it fits in a continuation
        // row of its own line
        if (m[0].length + 1 > columns - k - 2) continue;
        result.identifiers++;
        const r = rows.slice(m.index, m.index + m[0].length);
        if (r[0] !== r[r.length - 1]) {
          const cut = m.index + r.indexOf(r[r.length - 1]);
          result.splitIdentifiers.push(text.slice(m.index, cut) + '|'
            + text.slice(cut, m.index + m[0].length) + ` (${columns} columns, indent ${k})`);
        }
      }
    }
  }
  for (const cell of document.querySelectorAll('.mlq table td, .mlq table th')) {
    const cs = chars(cell).filter((x) => x.c !== '\\n');
    const text = cs.map((x) => x.c).join('');
    const rows = rowsOf(cs);
    const re = new RegExp('[A-Za-z\\u00C0-\\u024F]{1,' + maxWord + '}(?![A-Za-z\\u00C0-\\u024F])', 'g');
    for (const m of text.matchAll(re)) {
      if (m.index > 0 && /[A-Za-z\\u00C0-\\u024F]/.test(text[m.index - 1])) continue;
      const word = cs.slice(m.index, m.index + m[0].length);
      if (!word.every((x) => x.visible)) continue;
      result.tableWords++;
      const r = rows.slice(m.index, m.index + m[0].length);
      if (r[0] !== r[r.length - 1]) {
        const cut = r.indexOf(r[r.length - 1]);
        result.splitTableWords.push(m[0].slice(0, cut) + '|' + m[0].slice(cut));
      }
    }
  }
  return result;
}
"""


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict[str, str]:
    """Every shipped question card's answer as the real Anki backend renders it, by question
    id (follow-up cards, which hold no code or tables, are measured in test_follow_ups)."""
    from anki.collection import Collection

    tmp = tmp_path_factory.mktemp("anki")
    report = build(SHIPPED_DECKS, tmp / "out", now=NOW)
    col = Collection(str(tmp / "collection.anki2"))
    try:
        for deck in report.decks:
            import_apkg(col, deck.path)
        out = {}
        for cid in col.find_cards(f"mid:{NOTETYPE_ID}"):
            card = col.get_card(cid)
            out[card.note()["Id"]] = card.render_output().answer_text
        return out
    finally:
        col.close()


def read_cards(
    browser, answers: dict[str, str], *, width: int, height: int, night: bool
) -> dict[str, dict]:
    """Lay each answer out on one page and measure it (READING and the general MEASURE)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []
    page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    css = note_type().css
    results = {}
    try:
        for qid, html in answers.items():
            page.set_content(card_document(html, css, night=night, mobile=True))
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            result = page.evaluate(READING, [HANG_CH, MAX_TABLE_WORD])
            result["general"] = page.evaluate(MEASURE)
            result["general"]["requests"] = requests[:]
            results[qid] = result
    finally:
        page.close()
    return results


def totals(results: dict[str, dict]) -> dict[str, int]:
    return {
        key: sum(len(r[key]) if isinstance(r[key], list) else r[key] for r in results.values())
        for key in (
            "codeLines",
            "wrappedLines",
            "leftOfIndent",
            "identifiers",
            "splitIdentifiers",
            "tableWords",
            "splitTableWords",
        )
    }


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
@pytest.mark.parametrize("view", list(PHONE_VIEWS))
def test_every_answer_reads_well_on_a_phone(browser, answers, view, night):
    width, height = PHONE_VIEWS[view]
    results = read_cards(browser, answers, width=width, height=height, night=night)
    count = totals(results)
    print(view, "night" if night else "light", count)
    # the measurement sees what it is about: wrapped code, names and table words
    assert len(results) == len(load_valid(SHIPPED_DECKS).decks[0].questions)
    assert count["wrappedLines"] > 50 and count["identifiers"] > 1000
    assert count["tableWords"] > 500
    faults = {
        qid: {k: r[k] for k in ("leftOfIndent", "splitIdentifiers", "splitTableWords") if r[k]}
        for qid, r in results.items()
    }
    assert {qid: f for qid, f in faults.items() if f} == {}
    general = {qid: problems(r["general"], view=view) for qid, r in results.items()}
    assert {qid: p for qid, p in general.items() if p} == {}


def test_reading_measurement_finds_what_it_looks_for(browser):
    """Planted faults are found: a continuation left of its indentation, a split name, a
    split table word."""
    code = (
        '<div class="mlq"><div class="highlight"><pre style="white-space:pre-wrap;'
        'overflow-wrap:anywhere"><code>'
        + "        x = "
        + "a_long_identifier_name." * 6
        + '\n</code></pre></div><table><tr><td style="overflow-wrap:anywhere;width:10px">'
        "Component</td></tr></table></div>"
    )
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.set_content(card_document(code, note_type().css, mobile=True))
        result = page.evaluate(READING, [HANG_CH, MAX_TABLE_WORD])
    finally:
        page.close()
    assert result["wrappedLines"] == 1 and len(result["leftOfIndent"]) == 1
    assert result["splitIdentifiers"] and result["splitTableWords"]
    assert "|" in result["splitTableWords"][0]


COPY = """
() => Array.from(document.querySelectorAll('.highlight pre code')).map((code) => {
  const selection = window.getSelection();
  selection.removeAllRanges();
  const range = document.createRange();
  range.selectNodeContents(code);
  selection.addRange(range);
  return [selection.toString(), code.textContent, code.innerText];
})
"""

_FENCE = re.compile(r"^```[\w-]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("mobile", [True, False], ids=["phone", "desktop"])
def test_copying_code_gives_its_source(browser, answers, decks, mobile, tmp_path):
    """Selecting a code block's text (what copy takes) gives the snippet's source exactly,
    for the Code field's snippets and for fenced code inside Markdown: the <wbr> and line
    spans add no character."""
    from anki.collection import Collection

    expected: dict[str, list[str]] = {}
    corpora = [(SHIPPED_DECKS, dict(answers))]
    report = build(decks, tmp_path / "out", now=NOW)
    col = Collection(str(tmp_path / "fixture.anki2"))
    try:
        import_apkg(col, report.decks[0].path)
        corpora.append(
            (
                decks,
                {
                    col.get_card(c).note()["Id"]: col.get_card(c).render_output().answer_text
                    for c in col.find_cards("")
                },
            )
        )
    finally:
        col.close()
    page = browser.new_page(viewport={"width": 390 if mobile else 1280, "height": 844})
    checked = 0
    try:
        for decks_dir, by_id in corpora:
            for q in load_valid(decks_dir).decks[0].questions:
                fenced = [m.group(1) for m in _FENCE.finditer(q.explanation)]
                expected[q.id] = fenced + [s.source.strip("\n") + "\n" for s in q.code]
                page.set_content(card_document(by_id[q.id], note_type().css, mobile=mobile))
                page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                copied = page.evaluate(COPY)
                # a selection never takes a block's final line break, in any markup
                assert [c[0] for c in copied] == [e[:-1] for e in expected[q.id]], q.id
                assert [c[1] for c in copied] == expected[q.id], q.id
                assert [c[2] for c in copied] == expected[q.id], q.id
                checked += len(copied)
    finally:
        page.close()
    assert checked > 90 and any(expected[q] and q == "first-question" for q in expected)


@pytest.mark.parametrize("width", [390, 1280])
def test_code_never_wraps_on_a_desktop(browser, answers, width):
    """Without .mobile, code keeps one row per line and scrolls inside its block."""
    page = browser.new_page(viewport={"width": width, "height": 800})
    css, wrapped, lines = note_type().css, {}, 0
    try:
        for qid, html in answers.items():
            page.set_content(card_document(html, css, mobile=False))
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            result = page.evaluate(READING, [HANG_CH, MAX_TABLE_WORD])
            lines += result["codeLines"]
            if result["wrappedLines"]:
                wrapped[qid] = result["wrappedLines"]
    finally:
        page.close()
    assert lines > 1000 and wrapped == {}
