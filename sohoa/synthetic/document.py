"""The ground truth of a generated administrative document (:class:`AdminDocument`).

Conventions of the ground truth:

* ``organ`` and ``parent_organ`` are stored as printed (upper case), one line even when the
  printed name wraps onto two lines (the wrapped lines joined by one space).
* ``number`` is the leading digits of the number/symbol and ``notation`` everything after the
  first slash: ``141/KH-UBND`` gives ``141`` and ``KH-UBND``; the legal ``09/2025/QĐ-UBND``
  gives ``09`` and ``2025/QĐ-UBND``.
* ``summary`` has no ``V/v`` prefix; a summary printed on two lines is joined by one space.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sohoa.synthetic.prose import format_date


@dataclass(frozen=True)
class AdminDocument:
    """Ground truth of one generated administrative document (conventions: see the module)."""

    parent_organ: str
    organ: str
    number: str
    notation: str
    place: str
    issued: dt.date
    type_code: str
    type_name: str
    summary: str
    body: tuple[str, ...]
    signer_prefix: str  # authority lines above the position, "\n"-joined ("" when none)
    signer_position: str
    signer_name: str
    recipients: tuple[str, ...]  # as printed without the leading "- "
    pages: int
    urgency: str = ""  # "HỎA TỐC", "THƯỢNG KHẨN", "KHẨN" or ""
    secrecy: str = ""  # "TUYỆT MẬT", "TỐI MẬT", "MẬT" or ""
    family: str = ""  # "party" for Party documents (number-TYPE/ORGAN); "" otherwise

    @property
    def number_symbol(self) -> str:
        """The number and symbol as printed after "Số:" (``141/KH-UBND``, ``05-NQ/TU``)."""
        separator = "-" if self.family == "party" else "/"
        return f"{self.number}{separator}{self.notation}"

    @property
    def is_cong_van(self) -> bool:
        """True for a công văn (TT05 type 22), which has a "V/v" line and no type line."""
        return self.type_code == "22"

    @property
    def date_line(self) -> str:
        """The place and date line of the header: "Bắc Ninh, ngày 05 tháng 3 năm 2025"."""
        return f"{self.place}, {format_date(self.issued)}"

    def to_dict(self) -> dict[str, Any]:
        """The ground truth as JSON-ready values, with ``number_symbol`` added."""
        data = asdict(self)
        data["issued"] = self.issued.isoformat()
        data["body"] = list(self.body)
        data["recipients"] = list(self.recipients)
        data["number_symbol"] = self.number_symbol
        return data


def with_pages(doc: AdminDocument, pages: int) -> AdminDocument:
    """``doc`` with its page count set."""
    data = {**doc.__dict__, "pages": pages}
    return AdminDocument(**data)
