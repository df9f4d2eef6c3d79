"""The note type's CSS read as text: night-mode counterparts, code token contrast, no script.

The browser tests measure the cards that exist; these checks cover every rule, including
token classes that no card in the corpus uses yet.
"""

from __future__ import annotations

import re

import pytest

from mlops_anki import followups, notetype

COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\(")
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def rules(css: str) -> list[tuple[list[str], dict[str, str]]]:
    """(selectors, declarations) of each rule, comments and @-rules aside."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    out = []
    for selectors, body in RULE.findall(css):
        decls = dict(
            (k.strip(), v.strip())
            for k, _, v in (d.partition(":") for d in body.split(";") if ":" in d)
        )
        out.append(([s.strip() for s in selectors.split(",")], decls))
    return out


def colour_kinds(decls: dict[str, str]) -> set[str]:
    """Which kinds of colour a rule sets: text, background, border, outline."""
    kinds = set()
    for prop, value in decls.items():
        if COLOUR.search(value):
            kinds.add("text" if prop == "color" else prop.split("-")[0])
    return kinds


def without_night(selector: str) -> str:
    return re.sub(
        r"\s+", " ", selector.replace(".nightMode ", "").replace(".nightMode", "")
    ).strip()


@pytest.mark.parametrize("name", ["style.css", "followup.css"])
def test_every_colour_in_style_css_has_a_night_counterpart(name):
    parsed = rules(notetype._template(name))
    night: dict[str, set[str]] = {}
    for selectors, decls in parsed:
        for s in selectors:
            if ".nightMode" in s:
                night.setdefault(without_night(s), set()).update(colour_kinds(decls))
    missing = [
        f"{s} ({', '.join(sorted(kinds - night.get(s, set())))})"
        for selectors, decls in parsed
        for s in selectors
        if ".nightMode" not in s and (kinds := colour_kinds(decls)) - night.get(s, set())
    ]
    assert not missing, "colours without a .nightMode counterpart: " + "; ".join(missing)


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_helper_matches_wcag_examples():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
def test_every_code_token_colour_reaches_aa_contrast(night):
    prefix = ".nightMode .highlight" if night else ".highlight"
    block_bg, tokens = None, {}
    for selectors, decls in rules(notetype._template("code.css")):
        for s in selectors:
            if s == prefix:
                block_bg = decls.get("background", decls.get("background-color"))
            elif s.startswith(prefix + " .") and "color" in decls and s != prefix + " .hll":
                # .hll marks highlighted lines, which the renderer never asks Pygments for
                tokens[s] = (decls["color"], decls.get("background-color", block_bg))
    assert block_bg and len(tokens) > 40
    low = {
        s: round(contrast(fg, bg or block_bg), 2)
        for s, (fg, bg) in tokens.items()
        if contrast(fg, bg or block_bg) < 4.5
    }
    assert not low, f"token colours below 4.5:1 against {block_bg}: {low}"


def test_night_code_theme_resets_every_light_token_colour():
    css = notetype._template("code.css")
    reset = css.index(".nightMode .highlight span {")
    assert "color:" in css[reset : css.index("}", reset)]
    assert reset < css.index(".nightMode .highlight .k ")  # token colours come after the reset


@pytest.mark.parametrize(
    "nt", [notetype.note_type(), followups.follow_up_note_type()], ids=["question", "follow-up"]
)
def test_cards_carry_no_script_and_load_nothing(nt):
    for text in (nt.front, nt.back, nt.css):
        assert "<script" not in text.lower()
        assert not re.search(r"\son\w+\s*=", text), "inline event handlers are JavaScript too"
        assert not re.search(r"https?:|url\(|@import|\bsrc\s*=", text), "cards work offline"
