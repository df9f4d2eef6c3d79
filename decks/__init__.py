"""The shipped corpus, installed as the data package ``mlops_anki.decks`` (see pyproject.toml).

Each sub-folder holding a deck.yaml is one deck; this file only makes the folder importable
so that ``importlib.resources`` finds it in wheels and editable installs alike.
"""
