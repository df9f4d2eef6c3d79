"""``python -m mlops_anki``: the same as the ``mlops-anki`` command."""

from .cli import main

main()
