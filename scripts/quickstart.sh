#!/usr/bin/env bash
# The README's first command: install everything, generate the bundled sample batch, archive
# it, then show a search and the statistics. Re-running it archives nothing twice.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

export SOHOA_HOME=${SOHOA_HOME:-$PWD/sohoa-data}
SAMPLE=${SAMPLE:-$PWD/sample-batch}
if [ ! -d "$SAMPLE" ]; then
  .venv/bin/sohoa make-sample "$SAMPLE"
fi

status=0
.venv/bin/sohoa ingest "$SAMPLE" --fonds SAMPLE || status=$?
echo
echo "\$ sohoa search '\"so hoa tai lieu\"'   # a phrase typed without accents"
.venv/bin/sohoa search '"so hoa tai lieu"' --limit 3
echo
echo '$ sohoa stats'
.venv/bin/sohoa stats
echo
echo "PDF/A files are under $SOHOA_HOME/pdfa/; the catalog is $SOHOA_HOME/catalog.sqlite"
echo "To browse it: SOHOA_HOME=$SOHOA_HOME .venv/bin/sohoa user add admin --role admin"
echo "              SOHOA_HOME=$SOHOA_HOME .venv/bin/sohoa serve   # http://127.0.0.1:8000"
exit $status
