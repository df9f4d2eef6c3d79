"""mlops-anki: compile a YAML corpus of interview questions into Anki decks.

The library never prints or exits; ``mlops_anki.cli`` is the only part that talks to a terminal.
Import the pipeline from ``mlops_anki.build`` (kept out of this module so that ``--help``
stays fast).
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
