"""Checking and normalising one manifest cell: dates, numbers, code lists, types, paths.

Values are stored normalised: dates as ISO, code lists as their TT05 codes (staff may write
the words instead: "Vĩnh viễn" for 01), document types as TT05 code and name, the number and
symbol split. A value that cannot be read raises ValueError with the reason, for staff.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from ingest.columns import COLUMN_BY_KEY, fold

# Code lists (TT05; DOMAIN.md). Keys are folded words staff write instead of the code.
MODE_WORDS = {"cong khai": "01", "han che": "02", "co dieu kien": "02", "mat": "03"}
MAINTENANCE_WORDS = {
    "vinh vien": "01",
    "70 nam": "02",
    "50 nam": "03",
    "30 nam": "04",
    "20 nam": "05",
    "10 nam": "06",
    "khac": "07",
}
LANGUAGE_WORDS = {
    "tieng viet": "01",
    "viet": "01",
    "vi": "01",
    "tieng anh": "02",
    "en": "02",
    "tieng phap": "03",
    "fr": "03",
    "tieng nga": "04",
    "ru": "04",
    "tieng trung": "05",
    "zh": "05",
    "khac": "11",
}
FORMAT_WORDS = {"tot": "01", "binh thuong": "02", "hu hong": "03", "hong": "03"}
CONFIDENCE_WORDS = {"goc dien tu": "01", "so hoa": "02", "hon hop": "03"}
YESNO_WORDS = {"co": "1", "yes": "1", "x": "1", "khong": "0", "no": "0"}
RECOVERY_WORDS = {"da du phong": "01", "chua du phong": "02"}

_CODE_LISTS: dict[str, tuple[tuple[str, ...], dict[str, str], str]] = {
    # kind: (valid codes, words, how to say it in a message)
    "mode": (("01", "02", "03"), MODE_WORDS, "01 public, 02 conditional or 03 secret"),
    "maintenance": (
        tuple(f"{i:02d}" for i in range(1, 8)),
        MAINTENANCE_WORDS,
        "01 permanent, 02 70 years, 03 50, 04 30, 05 20, 06 10 or 07 other",
    ),
    "language": (tuple(f"{i:02d}" for i in range(1, 12)), LANGUAGE_WORDS, "a code 01-11"),
    "format": (("01", "02", "03"), FORMAT_WORDS, "01 good, 02 normal or 03 damaged"),
    "confidence": (
        ("01", "02", "03"),
        CONFIDENCE_WORDS,
        "01 born digital, 02 digitised or 03 mixed",
    ),
    "yesno": (("0", "1"), YESNO_WORDS, "1 (a backup copy exists) or 0"),
    "recovery": (("01", "02"), RECOVERY_WORDS, "01 done or 02 not yet"),
}


_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(text: str) -> str:
    """``dd/mm/yyyy`` (also ``-`` or ``.``) or ``yyyy-mm-dd`` -> ISO; ValueError otherwise."""
    text = text.strip()
    if m := _DMY.match(text):
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _YMD.match(text.split(" ")[0].split("T")[0]):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        raise ValueError(f"{text!r} is not a date: write dd/mm/yyyy or yyyy-mm-dd")
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise ValueError(f"{text!r} is not a real date (day {day}, month {month})") from None


def _code(kind: str, text: str) -> str:
    codes, words, say = _CODE_LISTS[kind]
    value = text.strip()
    if value.isdigit():
        value = value.zfill(len(codes[0]))
        if value in codes:
            return value
    else:
        found = words.get(fold(value).strip(" ."))
        if found is not None:
            return found
    raise ValueError(f"{text!r} is not a valid value: use {say}")


def _languages(text: str) -> str:
    parts = [p for p in re.split(r"[,;+/]", text) if p.strip()]
    return ",".join(_code("language", p) for p in parts)


def _int(text: str) -> str:
    value = text.strip()
    if re.fullmatch(r"\d+(\.0+)?", value):
        return str(int(float(value)))
    raise ValueError(f"{text!r} is not a whole number")


def _doc_type(text: str) -> str:
    """``"10"``, ``"Kế hoạch"`` or ``"ke hoach"`` -> ``"10|Kế hoạch"``."""
    from metadata import TYPES

    value = text.strip()
    if value.isdigit() and value.zfill(2) in TYPES:
        code = value.zfill(2)
        return f"{code}|{TYPES[code]}"
    wanted = fold(value)
    for code, name in TYPES.items():
        if fold(name) == wanted:
            return f"{code}|{name}"
    raise ValueError(
        f"{text!r} is not a TT05 document type: use a code 01-32 or a name such as 'Kế hoạch'"
    )


def _number(text: str) -> str:
    """``"141/KH-UBND"`` -> ``"141|KH-UBND|/"``; Party ``"57-NQ/TW"`` -> ``"57|NQ/TW|-"``."""
    value = re.sub(r"\s+", "", text)
    value = re.sub(r"^(s[oố]|no\.?)[:.]?", "", value, flags=re.IGNORECASE)
    m = re.fullmatch(r"(\d+[a-zA-Z]?)([/\-])(.+)", value)
    if not m:
        raise ValueError(f"{text!r} is not a number and symbol such as 141/KH-UBND or 57-NQ/TW")
    return f"{m.group(1)}|{m.group(3)}|{m.group(2)}"


def _path(text: str) -> str:
    value = text.strip().replace("\\", "/")
    while value.startswith("./"):
        value = value[2:]
    if not value or value.startswith("/") or ".." in value.split("/"):
        raise ValueError(f"{text!r} must be a file name relative to the batch folder")
    return value


def normalise_value(key: str, text: str) -> str:
    """One cell's value in its stored form; ValueError with the reason when it is invalid."""
    col = COLUMN_BY_KEY[key]
    kind = col.kind
    if kind == "date":
        return parse_date(text)
    if kind == "int":
        return _int(text)
    if kind == "language":
        return _languages(text)
    if kind in _CODE_LISTS:
        return _code(kind, text)
    if kind == "type":
        return _doc_type(text)
    if kind == "number":
        return _number(text)
    if kind == "path":
        return _path(text)
    value = unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())
    if col.max_len and len(value) > col.max_len:
        raise ValueError(f"the value is {len(value)} characters long; TT05 allows {col.max_len}")
    return value
