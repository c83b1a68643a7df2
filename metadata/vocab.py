"""Code lists and keywords for reading Vietnamese administrative documents.

The TT05 document types and their Decree 30 abbreviations, and the folded keywords of the
header rules (agency head nouns, body openings, summary stops); see :mod:`metadata.folding`.
"""

from __future__ import annotations

from metadata.folding import fold

#: TT05 document type code list (typeName): code -> name.
TYPES: dict[str, str] = {
    "01": "Nghị quyết",
    "02": "Quyết định",
    "03": "Chỉ thị",
    "04": "Quy chế",
    "05": "Quy định",
    "06": "Thông cáo",
    "07": "Thông báo",
    "08": "Hướng dẫn",
    "09": "Chương trình",
    "10": "Kế hoạch",
    "11": "Phương án",
    "12": "Đề án",
    "13": "Dự án",
    "14": "Báo cáo",
    "15": "Tờ trình",
    "16": "Giấy ủy quyền",
    "17": "Phiếu gửi",
    "18": "Phiếu chuyển",
    "19": "Phiếu báo",
    "20": "Biên bản",
    "21": "Hợp đồng",
    "22": "Công văn",
    "23": "Công điện",
    "24": "Bản ghi nhớ",
    "25": "Bản thỏa thuận",
    "26": "Giấy mời",
    "27": "Giấy giới thiệu",
    "28": "Giấy nghỉ phép",
    "29": "Thư công",
    "30": "Bản đồ",
    "31": "Bản vẽ kỹ thuật",
    "32": "Khác",
}

CONG_VAN = "22"
OTHER = "32"

#: Decree 30 (appendix III) type abbreviations used in symbols -> TT05 code. Legal and Party
#: types that have no TT05 code of their own (NĐ, TT, KL, ...) are left out.
ABBREVIATIONS: dict[str, str] = {
    "NQ": "01",
    "QĐ": "02",
    "CT": "03",
    "QC": "04",
    "QyĐ": "05",
    "QĐi": "05",
    "TC": "06",
    "TB": "07",
    "HD": "08",
    "CTr": "09",
    "KH": "10",
    "PA": "11",
    "ĐA": "12",
    "DA": "13",
    "BC": "14",
    "TTr": "15",
    "GUQ": "16",
    "PG": "17",
    "PC": "18",
    "PB": "19",
    "BB": "20",
    "HĐ": "21",
    "CĐ": "23",
    "BGN": "24",
    "BTT": "25",
    "GM": "26",
    "GGT": "27",
    "GNP": "28",
}

#: Spelling variants that OCR or old documents use for a type line (folded) -> code.
TYPE_VARIANTS: dict[str, str] = {
    "giay uy quyen": "16",
    "ban thoa thuan": "25",
    "thong tri": OTHER,
}

#: First words (folded) of an agency name: a header line starting with one of these starts a
#: new agency name; any other line continues the name above it (a long name wrapped).
HEAD_NOUNS: tuple[str, ...] = (
    "uy ban",
    "ubnd",
    "hoi dong",
    "hdnd",
    "so",
    "bo",
    "phong",
    "ban",
    "cuc",
    "chi cuc",
    "tong cuc",
    "vu",
    "van phong",
    "trung tam",
    "truong",
    "vien",
    "hoc vien",
    "benh vien",
    "dai hoc",
    "thanh tra",
    "kho bac",
    "chi nhanh",
    "ngan hang",
    "cong an",
    "bo chi huy",
    "bo tu lenh",
    "toa an",
    "chinh phu",
    "quoc hoi",
    "thu tuong",
    "dang uy",
    "dang bo",
    "tinh uy",
    "thanh uy",
    "huyen uy",
    "quan uy",
    "thi uy",
    "mat tran",
    "ubmttq",
    "doan",
    "hoi",
    "lien doan",
    "cong ty",
    "tong cong ty",
    "tap doan",
    "dai",
    "bao",
    "to cong tac",
    "ban chi dao",
    "ban quan ly",
    "hdqt",
    "hoi dong quan tri",
)

#: Folded openings of body lines: a "V/v" summary stops before them.
BODY_STARTS: tuple[str, ...] = (
    "can cu",
    "kinh gui",
    "xet de nghi",
    "thuc hien",
    "hom nay",
    "dieu ",
    "i.",
    "1.",
)

#: Folded openings that end a summary under the type line even when the line is centred and
#: close (a summary itself may start "Thực hiện ..." or wrap before "ngày ...").
SUMMARY_STOPS: tuple[str, ...] = ("can cu", "kinh gui", "xet de nghi", "hom nay", "dieu ")


_TYPE_BY_FOLDED: dict[str, str] = {fold(name): code for code, name in TYPES.items()}
_TYPE_BY_FOLDED.update(TYPE_VARIANTS)


def type_code_for(folded_name: str) -> str | None:
    """The TT05 code of a folded type name (``"ke hoach"`` -> ``"10"``), or None."""
    return _TYPE_BY_FOLDED.get(folded_name)


def folded_type_names() -> dict[str, str]:
    """Folded type name -> code, including spelling variants."""
    return dict(_TYPE_BY_FOLDED)


def abbreviation_code(abbr: str) -> str | None:
    """The TT05 code of a symbol's type abbreviation, exact case first, then case-insensitive.

    ``HD`` (Hướng dẫn) and ``HĐ`` (Hợp đồng) differ only by the stroke of Đ, which OCR loses:
    callers should check the result against the type line.
    """
    if abbr in ABBREVIATIONS:
        return ABBREVIATIONS[abbr]
    lowered = {k.lower(): v for k, v in ABBREVIATIONS.items()}
    return lowered.get(abbr.lower())
