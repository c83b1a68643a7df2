#!/usr/bin/env bash
# The README's second command: the whole test suite (real tesseract, SQLite, PDFBox).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest "$@"
