"""Markdown and code to HTML: safe, highlighted with classes, and accepted by genanki."""

from __future__ import annotations

import re
import warnings

import genanki
import pytest

from mlops_anki.render import Renderer


@pytest.fixture(scope="module")
def r() -> Renderer:
    return Renderer()


@pytest.mark.parametrize(
    "source, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "<img"),
        ('<div onclick="steal()">hi</div>', "<div"),
        ("[click](javascript:alert(1))", "javascript:"),
        ("[click](JAVASCRIPT:alert(1))", "href"),
        ("![remote](https://example.com/x.png)", "<img"),
        ("<style>body{display:none}</style>", "<style"),
    ],
)
def test_raw_html_and_unsafe_links_never_pass(r, source, forbidden):
    html = r.block(source)
    assert forbidden not in html.lower() or (forbidden == "javascript:" and "href" not in html)


def test_raw_html_is_escaped_visibly(r):
    assert r.block("<b>bold?</b>") == "<p>&lt;b&gt;bold?&lt;/b&gt;</p>"


def test_safe_links_are_kept(r):
    assert r.inline("[docs](https://prometheus.io)") == '<a href="https://prometheus.io">docs</a>'


def test_markdown_features(r):
    html = r.block("Intro:\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nUse `kubectl`.")
    assert "<ul>\n<li>one</li>" in html  # a list right after a paragraph line still is a list
    assert '<table class="stack">' in html and '<td data-label="a">1</td>' in html
    assert "<code>kubectl</code>" in html


def test_fenced_code_and_snippets_use_css_classes_not_inline_colours(r):
    fenced = r.block("```python\nimport os\n```")
    snippet = r.code("yaml", "kind: Pod\nmetadata:\n  name: x\n")
    for html in (fenced, snippet):
        assert html.startswith('<div class="highlight">')
        assert "style=" not in html
    assert '<span class="kn">import</span>' in fenced
    assert '<span class="nt">kind</span>' in snippet


@pytest.mark.parametrize(
    "language", ["python", "yaml", "json", "toml", "bash", "sql", "dockerfile", "promql", "text"]
)
def test_every_corpus_language_highlights(r, language):
    html = r.code(language, "x = 1\n")
    assert html.startswith('<div class="highlight"><pre>') and "x" in html


def test_inline_drops_the_paragraph(r):
    assert r.inline("a **b** c") == "a <strong>b</strong> c"


def test_output_passes_genanki_without_warnings(r):
    text = "a < b && c > d, `x<y>`, <not-a-tag>, 5 <= 6\n\n```python\nif a < b > c: pass\n```"
    html = r.block(text) + r.code("bash", "echo '<tag>' > /dev/null\n")
    assert not genanki.Note._find_invalid_html_tags_in_field(html)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = genanki.Model(
            1,
            "m",
            fields=[{"name": "F"}],
            templates=[{"name": "c", "qfmt": "{{F}}", "afmt": "{{F}}"}],
        )
        genanki.Note(model=model, fields=[html])._check_invalid_html_tags_in_fields()
    assert not re.search(r"<(?!/?[a-z][a-z0-9]*[ >/])", html)


INLINE_SAMPLES = [
    "Plain words only.",
    'It\'s a "quoted" (parenthesised) word: 50% of a/b+c=d; ok?',
    "Café — naïve “quotes” … and ‘more’",
    "A. not a list",
    "Canary - then blue-green",
    "1. a list item",
    "- a bullet",
    "+ plus",
    "# heading",
    "> quote",
    "x * y * z",
    "a_b_c",
    "a & b",
    "x < y > z",
    "see [docs](https://example.com)",
    "tab\there",
    "trailing  ",
    "use `code`",
    "**bold** start",
    "back\\slash",
    "pipe | table",
    "wave ~~strike~~",
    "image ! not",
    "line\u2028separator",
    "nbsp\u00a0here",
    "ends with two spaces  \nnext",
]


def test_plain_inline_fast_path_matches_markdown(r, monkeypatch):
    from conftest import SHIPPED_DECKS

    from mlops_anki import render
    from mlops_anki.loader import load_corpus

    texts = list(INLINE_SAMPLES)
    for q in load_corpus(SHIPPED_DECKS).decks[0].questions:
        texts += [q.question, *q.key_points, *q.mistakes, *q.references]
        texts += [part for f in q.follow_ups for part in (f.question, f.answer)]
    fast = [r.inline(t) for t in texts]
    monkeypatch.setattr(render, "_PLAIN_LINE", re.compile(r"(?!)"))  # never matches
    slow = Renderer()
    assert fast == [slow.inline(t) for t in texts]
    assert sum(f == t.strip() for f, t in zip(fast, texts)) > 1000  # the path is used


def text_of(html: str) -> str:
    """What a browser shows as the text of ``html``: tags dropped, entities decoded."""
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]*>", "", html))


def test_code_lines_carry_their_indentation_and_break_points(r):
    source = "def f(a, b):\n    return a.b(c=1)\n\n        x = {'k': [1]}\n"
    for html in (r.code("python", source), r.block(f"```python\n{source}```")):
        lines = re.findall(r'<span class="line( d\d+)?">(.*?)</span>\n', html)
        assert [d for d, _ in lines] == ["", " d4", "", " d8"]
        assert text_of(html) == source
        assert html.count("<wbr>") == 10  # after ( , :  . ( =  = { : [
        assert '<span class="p">(<wbr></span>' in html
        assert not re.search(r"<[^>]*<wbr>", html)


def test_indentation_classes_stop_at_max_indent_and_the_css_has_each(r):
    from mlops_anki import notetype, render

    deep = r.code("text", " " * (render.MAX_INDENT + 9) + "x\n")
    assert f'class="line d{render.MAX_INDENT}"' in deep
    css = notetype.note_type().css
    for depth in range(1, render.MAX_INDENT + 1):
        assert f".highlight .d{depth} {{ --indent: {depth}ch }}" in css
    assert f".d{render.MAX_INDENT + 1} " not in css


def test_every_snippet_of_the_corpus_keeps_its_exact_text(r):
    from conftest import SHIPPED_DECKS

    from mlops_anki.loader import load_corpus

    snippets = [s for q in load_corpus(SHIPPED_DECKS).decks[0].questions for s in q.code]
    assert len(snippets) > 80
    for s in snippets:
        assert text_of(r.code(s.language, s.source)) == s.source.strip("\n") + "\n"


def test_table_cells_carry_their_header_as_a_plain_text_label(r):
    html = r.block("| Name `x` | a &amp; b \\| c |\n|---|---|\n| 1 | 2 |\n| 3 |  |")
    assert '<table class="stack">' in html
    assert html.count('data-label="Name x"') == 2
    assert '<td data-label="a &amp; b | c">2</td>' in html
    assert "<th>Name <code>x</code></th>" in html  # headers themselves are unchanged
