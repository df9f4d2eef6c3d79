"""The note type is frozen: fields and template names never change; style changes move mod."""

from __future__ import annotations

import time

from mlops_anki import notetype


def test_field_list_and_template_name_are_frozen():
    assert notetype.FIELDS == (
        "Question",
        "KeyPoints",
        "Explanation",
        "Code",
        "Mistakes",
        "FollowUps",
        "References",
        "Difficulty",
        "Topics",
        "Number",
        "Id",
        "Extra",
    )
    assert notetype.TEMPLATE_NAME == "Recall"
    assert notetype.NOTETYPE_ID == 1_742_913_058


def test_template_change_comes_with_a_newer_mod():
    current = notetype.fingerprint()
    assert current == notetype.NOTETYPE_FINGERPRINT, (
        "The note type's CSS or templates changed. Set NOTETYPE_MOD in notetype.py to "
        f"{int(time.time())} (now) and NOTETYPE_FINGERPRINT to {current!r}, so that Anki "
        "updates learners' note types on import."
    )
    assert time.time() >= notetype.NOTETYPE_MOD


def test_templates_use_only_known_fields():
    nt = notetype.note_type()
    import re

    used = set(re.findall(r"\{\{[#/^]?([A-Za-z]+)\}\}", nt.front + nt.back)) - {"FrontSide"}
    assert used <= set(notetype.FIELDS)
    assert "{{Question}}" in nt.front and "{{KeyPoints}}" in nt.back
    assert "http://" not in nt.css and "https://" not in nt.css and "@import" not in nt.css


def test_readme_pictures_show_the_current_note_type():
    from conftest import REPO

    recorded = (REPO / "docs" / "img" / "notetype-fingerprint.txt").read_text().strip()
    assert recorded == notetype.fingerprint(), (
        "The card design changed since the README's pictures were made: run "
        "`.venv/bin/python docs/screenshots.py` and commit docs/img/."
    )
