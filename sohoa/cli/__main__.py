"""``python -m sohoa.cli``: the command line."""

from sohoa.cli import main

main()
