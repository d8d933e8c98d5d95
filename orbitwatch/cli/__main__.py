"""``python -m orbitwatch.cli``: the same command as the ``orbitwatch`` script."""

from orbitwatch.cli import app

app()
