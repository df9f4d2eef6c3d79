"""A static HTML gallery of every card, rendered through the note type's own templates and CSS.

Anki fills a card template by replacing ``{{Field}}`` with the field's HTML, keeping
``{{#Field}}...{{/Field}}`` only when the field is not empty (``{{^Field}}`` only when it is),
and replacing ``{{FrontSide}}`` on the back with the rendered front. ``render_template`` does
the same for the subset of the syntax our templates use, so the preview shows what a learner
sees without importing anything into Anki. The page needs no network: the note type's CSS is
inlined and the cards carry no script; a short script in the gallery page (never in a card)
switches night mode, phone width and the filters.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .build import load_valid
from .errors import BuildError, TemplateError
from .followups import FOLLOW_UP_FIELDS, follow_up_note_type, render_question
from .loader import Corpus
from .model import Deck, FollowUp, Question
from .notetype import FIELDS, NoteType, note_type
from .render import Renderer, escape

PHONE_WIDTH = 390
"""Width in CSS pixels of a card in the gallery's phone view (a common phone viewport)."""

_TAG = re.compile(r"\{\{\s*([#^/]?)\s*([^{}]*?)\s*\}\}")
_HTML_TAG = re.compile(r"<[^>]*>")
_BLANK = re.compile(r"^[\s\u200b]*$")


def field_is_empty(html: str) -> bool:
    """True when ``html`` shows nothing but whitespace, the way Anki decides for ``{{#F}}``."""
    return bool(_BLANK.match(_HTML_TAG.sub("", html).replace("&nbsp;", " ")))


def render_template(template: str, fields: Mapping[str, str], *, front_side: str = "") -> str:
    """Fill ``template`` with ``fields`` as Anki does; ``front_side`` replaces ``{{FrontSide}}``.

    Raises TemplateError for a field the note type does not have, a filter such as
    ``{{text:Field}}`` (the preview does not implement filters) or an unbalanced section.
    """
    out: list[str] = []
    open_sections: list[tuple[str, bool]] = []  # (field, whether the enclosing text shows)
    showing = True
    pos = 0
    for match in _TAG.finditer(template):
        if showing:
            out.append(template[pos : match.start()])
        pos = match.end()
        kind, name = match.group(1), match.group(2)
        if kind == "/":
            if not open_sections or open_sections[-1][0] != name:
                raise TemplateError(f"{match.group(0)} closes a section that is not open")
            showing = open_sections.pop()[1]
            continue
        if name == "FrontSide" and not kind:
            value = front_side
        elif ":" in name:
            raise TemplateError(
                f"{match.group(0)}: field filters are not supported by the "
                "preview; expected a plain field name"
            )
        elif name not in fields:
            raise TemplateError(
                f"{match.group(0)}: unknown field; expected one of {', '.join(fields)}"
            )
        else:
            value = fields[name]
        if kind:
            open_sections.append((name, showing))
            showing = showing and (field_is_empty(value) == (kind == "^"))
        elif showing:
            out.append(value)
    if open_sections:
        raise TemplateError(f"{{{{#{open_sections[-1][0]}}}}} is never closed")
    if showing:
        out.append(template[pos:])
    return "".join(out)


def body_classes(*, night: bool = False, mobile: bool = False) -> str:
    """The classes Anki puts on a card's ``<body>``: ``card card1``, plus ``nightMode`` in night
    mode (all clients) and ``mobile`` on AnkiDroid and AnkiMobile."""
    return "card card1" + (" nightMode" if night else "") + (" mobile" if mobile else "")


def card_document(
    html: str, css: str, *, night: bool = False, mobile: bool = False, title: str = "card"
) -> str:
    """One rendered card face as a standalone page, laid out the way Anki's reviewer does:
    the note type's CSS in a ``<style>``, the face inside ``<body class="card card1 ...">``."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{css}</style></head>"
        f'<body class="{body_classes(night=night, mobile=mobile)}">{html}</body></html>\n'
    )


@dataclass(frozen=True)
class CardPreview:
    """One note's card, rendered: where it comes from and its front and back HTML."""

    deck: Deck
    question: Question
    front: str
    back: str
    follow_up: FollowUp | None = None
    """The follow-up this card asks, or None for the question's main card."""

    @property
    def anchor(self) -> str:
        """A unique id for the card in the gallery."""
        return f"{self.deck.id}-{self.question.id}" + (
            f"--{self.follow_up.id}" if self.follow_up else ""
        )


def render_cards(
    corpus: Corpus, *, nt: NoteType | None = None, follow_up_nt: NoteType | None = None
) -> list[CardPreview]:
    """Render every card of ``corpus``, deck by deck, in new-card order: each question's
    card, then its follow-up cards."""
    nt = nt or note_type()
    fu_nt = follow_up_nt or follow_up_note_type()
    renderer = Renderer()
    cards = []
    for deck in corpus.decks:
        for q in sorted(deck.questions, key=lambda q: q.number):
            main, follow_ups = render_question(deck, q, renderer)
            cards.append(_card(deck, q, nt, dict(zip(FIELDS, main))))
            cards += [
                _card(deck, q, fu_nt, dict(zip(FOLLOW_UP_FIELDS, fields)), f)
                for f, fields in zip(q.follow_ups, follow_ups)
            ]
    return cards


def _card(
    deck: Deck, q: Question, nt: NoteType, fields: dict[str, str], follow_up: FollowUp | None = None
) -> CardPreview:
    front = render_template(nt.front, fields)
    return CardPreview(
        deck, q, front, render_template(nt.back, fields, front_side=front), follow_up
    )


@dataclass(frozen=True)
class PreviewReport:
    """What ``write_preview`` wrote."""

    index: Path
    cards: int


def write_preview(decks_dir: Path, out_dir: Path) -> PreviewReport:
    """Write ``out_dir/index.html``: every card of the corpus under ``decks_dir``, front and
    back, in light and night mode and at desktop or phone width, with no network access.

    Raises CorpusError (nothing written) for a bad corpus and BuildError when the file cannot
    be written.
    """
    corpus = load_valid(decks_dir)
    nt, fu_nt = note_type(), follow_up_note_type()
    cards = render_cards(corpus, nt=nt, follow_up_nt=fu_nt)
    page = gallery_html(cards, nt.css, fu_nt.css)
    target = out_dir / "index.html"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".index.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(page)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise BuildError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return PreviewReport(target, len(cards))


def _options(values: list[str]) -> str:
    return "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)


def gallery_html(cards: list[CardPreview], css: str, follow_up_css: str = "") -> str:
    """The gallery page: a toolbar (search, difficulty, topic, card kind, night, phone, open
    sections) and, for each card, its front and back in containers that carry Anki's body
    classes. ``follow_up_css`` is the follow-up note type's CSS; since it holds the main
    CSS too, only its own rules are added to the page."""
    extra_css = (
        follow_up_css.replace(css, "", 1) if follow_up_css.startswith(css) else (follow_up_css)
    )
    decks = list({card.deck.id: card.deck for card in cards}.values())
    difficulties = list(dict.fromkeys(d for deck in decks for d in deck.difficulties))
    topics = sorted({t for deck in decks for t in deck.topics})
    entries = "\n".join(_entry(card) for card in cards)
    count = len(cards)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mlops-anki preview: {count} cards</title>
<style>{_GALLERY_CSS}</style>
<style>{css}</style>
<style>{extra_css}</style>
</head>
<body class="g-page">
<header class="g-bar">
  <strong class="g-title">mlops-anki preview</strong>
  <input id="g-search" type="search" placeholder="Search card text" aria-label="Search card text">
  <select id="g-difficulty" aria-label="Difficulty"><option value="">All difficulties</option>{_options(difficulties)}</select>
  <select id="g-topic" aria-label="Topic"><option value="">All topics</option>{_options(topics)}</select>
  <select id="g-kind" aria-label="Card kind"><option value="">All cards</option><option value="main">Questions</option><option value="follow-up">Follow-up cards</option></select>
  <label><input id="g-night" type="checkbox"> Night mode</label>
  <label><input id="g-phone" type="checkbox"> Phone ({PHONE_WIDTH} px)</label>
  <label><input id="g-open" type="checkbox"> Open sections</label>
  <span id="g-count" class="g-count">{count} of {count} cards</span>
</header>
<main class="g-main">
{entries}
</main>
<script>{_GALLERY_JS}</script>
</body></html>
"""


def _entry(card: CardPreview) -> str:
    deck, q, f = card.deck, card.question, card.follow_up
    faces = "".join(
        f'<figure class="g-face"><figcaption>{label}</figcaption>'
        f'<div class="{body_classes()}">{html}</div></figure>'
        for label, html in (("Front", card.front), ("Back", card.back))
    )
    anchor = escape(card.anchor)
    title = escape(q.id) if f is None else f"{escape(q.id)} follow-up {escape(f.id)}"
    return (
        f'<article class="g-entry" id="{anchor}" data-kind="{"main" if f is None else "follow-up"}" '
        f'data-difficulty="{escape(q.difficulty)}" data-topics="{escape(" ".join(q.topics))}">'
        f'<h2 class="g-entry-title"><a href="#{anchor}">'
        f"#{q.number}</a> {title} <small>{escape(deck.name)}</small></h2>"
        f'<div class="g-faces">{faces}</div></article>'
    )


_GALLERY_CSS = f"""
.g-page {{ margin: 0; font: 15px/1.4 system-ui, sans-serif; background: #eef1f4; color: #1f2328; }}
.g-page.g-dark {{ background: #010409; color: #e6edf3; color-scheme: dark; }}
.g-bar {{ position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: 8px 14px;
  align-items: center; padding: 10px 16px; background: #ffffff; border-bottom: 1px solid #d0d7de; }}
.g-dark .g-bar {{ background: #0d1117; border-bottom-color: #30363d; }}
.g-bar input[type=search] {{ min-width: 14em; flex: 1 1 14em; max-width: 28em; font: inherit; padding: 4px 8px; }}
.g-bar select {{ font: inherit; }}
.g-count {{ color: #59636e; }}
.g-dark .g-count {{ color: #9198a1; }}
.g-main {{ padding: 8px 16px 40px; }}
.g-entry {{ margin: 18px 0 28px; }}
.g-entry[hidden] {{ display: none; }}
.g-entry-title {{ font-size: 15px; margin: 0 0 6px; font-weight: 600; }}
.g-entry-title small {{ font-weight: normal; color: #59636e; }}
.g-dark .g-entry-title small {{ color: #9198a1; }}
.g-entry-title a {{ color: inherit; }}
.g-faces {{ display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 2fr); gap: 16px;
  align-items: start; }}
.g-face {{ margin: 0; min-width: 0; }}
.g-face > figcaption {{ font-size: 12px; text-transform: uppercase; letter-spacing: .05em;
  color: #59636e; margin: 0 0 4px; }}
.g-dark .g-face > figcaption {{ color: #9198a1; }}
.g-face > .card {{ box-sizing: border-box; border: 1px solid #d0d7de; border-radius: 8px; overflow-x: auto; }}
.g-dark .g-face > .card {{ border-color: #30363d; }}
@media (max-width: 800px) {{ .g-faces {{ grid-template-columns: minmax(0, 1fr); }} }}
/* A phone card is exactly {PHONE_WIDTH} px wide, as a phone's viewport: its frame is drawn inside
   it, and in a window too narrow for the page's margins the margins go. */
.g-phone .g-faces {{ grid-template-columns: repeat(auto-fill, {PHONE_WIDTH}px); }}
.g-phone .g-face > .card {{ width: {PHONE_WIDTH}px; border: 0; box-shadow: inset 0 0 0 1px #d0d7de; }}
.g-dark.g-phone .g-face > .card {{ box-shadow: inset 0 0 0 1px #30363d; }}
@media (max-width: {PHONE_WIDTH + 2 * 16 - 1}px) {{
  .g-phone .g-main {{ padding-left: 0; padding-right: 0; }}
  .g-phone .g-entry-title, .g-phone .g-face > figcaption {{ padding: 0 8px; }}
}}
"""

# Night mode and phone width set the classes Anki itself sets on a card's body.
_GALLERY_JS = """
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var entries = Array.prototype.slice.call(document.querySelectorAll('.g-entry'));
  var cards = document.querySelectorAll('.g-face > .card');
  function filter() {
    var text = $('g-search').value.trim().toLowerCase();
    var difficulty = $('g-difficulty').value, topic = $('g-topic').value, shown = 0;
    var kind = $('g-kind').value;
    entries.forEach(function (e) {
      var ok = (!difficulty || e.dataset.difficulty === difficulty)
        && (!kind || e.dataset.kind === kind)
        && (!topic || e.dataset.topics.split(' ').indexOf(topic) >= 0)
        && (!text || e.textContent.toLowerCase().indexOf(text) >= 0);
      e.hidden = !ok;
      if (ok) shown++;
    });
    $('g-count').textContent = shown + ' of ' + entries.length + ' cards';
  }
  function toggle(id, cardClass, pageClass) {
    var on = $(id).checked;
    cards.forEach(function (c) { c.classList.toggle(cardClass, on); });
    if (pageClass) document.body.classList.toggle(pageClass, on);
  }
  $('g-search').addEventListener('input', filter);
  $('g-difficulty').addEventListener('change', filter);
  $('g-topic').addEventListener('change', filter);
  $('g-kind').addEventListener('change', filter);
  $('g-night').addEventListener('change', function () { toggle('g-night', 'nightMode', 'g-dark'); });
  $('g-phone').addEventListener('change', function () { toggle('g-phone', 'mobile', 'g-phone'); });
  $('g-open').addEventListener('change', function () {
    var open = $('g-open').checked;
    document.querySelectorAll('.g-face details').forEach(function (d) { d.open = open; });
  });
  // a reload keeps the controls' state; apply it
  toggle('g-night', 'nightMode', 'g-dark');
  toggle('g-phone', 'mobile', 'g-phone');
  filter();
})();
"""
