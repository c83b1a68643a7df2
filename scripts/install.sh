#!/usr/bin/env bash
# Install everything sohoa needs on Debian (run as root, or with sudo available):
# tesseract with the Vietnamese, English and orientation data, fonts with Vietnamese glyphs,
# Java + Apache PDFBox (PDF/A validation in the tests), then the Python environment in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd
  fonts-liberation2 fonts-dejavu-core
  default-jre-headless libpdfbox2-java libactivation-java libjaxb-api-java
  poppler-utils python3-venv
  redis-server postgresql
  chromium
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m pip install -q -e '.[dev]' 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import sohoa, cv2, pikepdf, pdfplumber, dramatiq, pytesseract" \
  || { echo "the Python environment is incomplete: see the pip output above" >&2; exit 1; }
tesseract --list-langs 2>/dev/null | grep -qx vie || { echo "tesseract vie data missing" >&2; exit 1; }

# Opt-in: the tessdata_best-derived Vietnamese model from the npm registry (pinned version,
# SHA-256 checked), installed in .venv/share/sohoa/tessdata with links to Debian's eng and osd.
# sohoa keeps Debian's vie unless SOHOA_TESSDATA points there (README, "Recognition model").
if [ "${SOHOA_FETCH_MODEL:-0}" = "1" ]; then
  tessdata=$(.venv/bin/python scripts/fetch_model.py --quiet --timeout 120) \
    || { echo "fetching the recognition model failed: see the message above" >&2; exit 1; }
  tesseract --tessdata-dir "$tessdata" --list-langs 2>/dev/null | grep -qx vie \
    || { echo "tesseract cannot list vie in $tessdata" >&2; exit 1; }
  echo "recognition model installed: use it with SOHOA_TESSDATA=$tessdata"
fi
echo "sohoa installed: activate with 'source .venv/bin/activate' or call .venv/bin/sohoa"
