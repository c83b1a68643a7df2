"""``python -m sohoa``: the command line."""

from sohoa.cli import main

main()
