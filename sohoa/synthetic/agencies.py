"""Issuing agencies of the generated documents: the agency tables and a random agency.

An :class:`Agency` is what the header, the number's symbol and the signature block need to
know about the body that issues a document: its name and parent, abbreviation, place, units
and the titles of its head and deputy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sohoa.synthetic.layout import fits_header_column
from sohoa.synthetic.names import CITIES, COMMUNES, DISTRICTS, PROVINCES, province_unit

# Sở (department): name, abbreviation, head title, its units for công văn symbols.
DEPARTMENTS = (
    ("SỞ NỘI VỤ", "SNV", "GIÁM ĐỐC", ("VP", "CCVC", "TCBM")),
    ("SỞ TÀI CHÍNH", "STC", "GIÁM ĐỐC", ("VP", "QLNS", "TCĐT")),
    ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "SKHCN", "GIÁM ĐỐC", ("VP", "QLCN", "CĐS")),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT", "GIÁM ĐỐC", ("VP", "GDTrH", "TCCB")),
    ("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "SVHTTDL", "GIÁM ĐỐC", ("VP", "QLVH", "DL")),
    ("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "SNNMT", "GIÁM ĐỐC", ("VP", "QLĐĐ", "TL")),
    ("SỞ Y TẾ", "SYT", "GIÁM ĐỐC", ("VP", "NVY", "KHTC")),
)
MINISTRIES = (
    ("BỘ NỘI VỤ", "BNV", ("VP", "CCVC", "VTLT")),
    ("BỘ TÀI CHÍNH", "BTC", ("VP", "NSNN", "QLCS")),
    ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "BKHCN", ("VP", "CĐSQG", "KHTC")),
    ("BỘ GIÁO DỤC VÀ ĐÀO TẠO", "BGDĐT", ("VP", "GDPT", "NGCBQLGD")),
    ("BỘ Y TẾ", "BYT", ("VP", "KCB", "KH-TC")),
)
# Long names: wrap onto two lines in the agency column.
CENTRES = (
    ("TRUNG TÂM CÔNG NGHỆ THÔNG TIN VÀ TRUYỀN THÔNG", "TTCNTT", "GIÁM ĐỐC"),
    ("TRUNG TÂM LƯU TRỮ LỊCH SỬ VÀ SỐ HÓA TÀI LIỆU", "TTLTLS", "GIÁM ĐỐC"),
    (
        "BAN QUẢN LÝ DỰ ÁN ĐẦU TƯ XÂY DỰNG CÁC CÔNG TRÌNH DÂN DỤNG",
        "BQLDA",
        "GIÁM ĐỐC",
    ),
    ("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG VÀ KIỂM SOÁT THỦ TỤC", "TTPVHCC", "GIÁM ĐỐC"),
)
DISTRICT_OFFICES = (
    ("PHÒNG NỘI VỤ", "PNV", "TRƯỞNG PHÒNG"),
    ("PHÒNG TÀI CHÍNH - KẾ HOẠCH", "TCKH", "TRƯỞNG PHÒNG"),
    ("PHÒNG VĂN HÓA VÀ THÔNG TIN", "VHTT", "TRƯỞNG PHÒNG"),
    ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "GDĐT", "TRƯỞNG PHÒNG"),
)


@dataclass(frozen=True)
class Agency:
    """The body that issues a document, as its header and signature block print it."""

    parent: str
    organ: str
    abbr: str
    place: str
    units: tuple[str, ...]
    head: str  # head's title, e.g. "CHỦ TỊCH", "GIÁM ĐỐC"
    deputy: str
    collective: str  # "TM. ỦY BAN NHÂN DÂN" for collegial bodies, "" otherwise
    kind: str


def parent_name(rng: random.Random, full: str, short: str) -> str:
    """Parent agencies are often abbreviated ("UBND TỈNH ..."); never wrap one."""
    if rng.random() < 0.5 and fits_header_column(full, bold=False):
        return full
    return short


#: The commune, district and provincial people's committees sign collectively.
_PEOPLES_COMMITTEE = ("CHỦ TỊCH", "PHÓ CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN")


def _provincial_committee(rng: random.Random, province: str, unit: str) -> Agency:
    units = ("VX", "KT", "NC", "TH", "XD", "KGVX")
    return Agency(
        "", f"ỦY BAN NHÂN DÂN {unit}", "UBND", province, units, *_PEOPLES_COMMITTEE, "ubnd_tinh"
    )


def _provincial_council(rng: random.Random, province: str, unit: str) -> Agency:
    return Agency(
        "",
        f"HỘI ĐỒNG NHÂN DÂN {unit}",
        "HĐND",
        province,
        ("VP", "KTNS", "VHXH"),
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "TM. HỘI ĐỒNG NHÂN DÂN",
        "hdnd_tinh",
    )


def _department(rng: random.Random, province: str, unit: str) -> Agency:
    name, abbr, head, units = rng.choice(DEPARTMENTS)
    parent = parent_name(rng, f"ỦY BAN NHÂN DÂN {unit}", f"UBND {unit}")
    return Agency(parent, name, abbr, province, units, head, "PHÓ GIÁM ĐỐC", "", "so")


def _ministry(rng: random.Random, province: str, unit: str) -> Agency:
    name, abbr, units = rng.choice(MINISTRIES)
    return Agency("", name, abbr, "Hà Nội", units, "BỘ TRƯỞNG", "THỨ TRƯỞNG", "", "bo")


def _centre(rng: random.Random, province: str, unit: str) -> Agency:
    name, abbr, head = rng.choice(CENTRES)
    dep_name, _dep_abbr, _h, _u = rng.choice(DEPARTMENTS)
    parent = rng.choice((f"UBND {unit}", f"{dep_name} {unit}"))
    if not fits_header_column(parent, bold=False):
        parent = f"UBND {unit}"
    units = ("HCTH", "NV")
    return Agency(parent, name, abbr, province, units, head, "PHÓ GIÁM ĐỐC", "", "centre")


def _district_committee(rng: random.Random, province: str, unit: str) -> Agency:
    district = rng.choice(DISTRICTS)
    parent = "" if rng.random() < 0.6 else f"UBND {unit}"
    organ = f"ỦY BAN NHÂN DÂN HUYỆN {district.upper()}"
    units = ("VP", "NV", "TCKH")
    return Agency(parent, organ, "UBND", district, units, *_PEOPLES_COMMITTEE, "ubnd_huyen")


def _commune_committee(rng: random.Random, province: str, unit: str) -> Agency:
    commune = rng.choice(COMMUNES)
    parent = "" if rng.random() < 0.5 else f"UBND HUYỆN {rng.choice(DISTRICTS).upper()}"
    organ = f"ỦY BAN NHÂN DÂN XÃ {commune.upper()}"
    return Agency(parent, organ, "UBND", commune, ("VP",), *_PEOPLES_COMMITTEE, "ubnd_xa")


def _district_office(rng: random.Random, province: str, unit: str) -> Agency:
    district = rng.choice(DISTRICTS)
    name, abbr, head = rng.choice(DISTRICT_OFFICES)
    parent = f"UBND HUYỆN {district.upper()}"
    return Agency(parent, name, abbr, district, ("VP",), head, "PHÓ TRƯỞNG PHÒNG", "", "phong")


#: Kind of agency -> (how often it issues a document, how to draw one).
_KINDS = {
    "ubnd_tinh": (4, _provincial_committee),
    "hdnd_tinh": (2, _provincial_council),
    "so": (4, _department),
    "bo": (2, _ministry),
    "centre": (2, _centre),
    "ubnd_huyen": (2, _district_committee),
    "ubnd_xa": (1, _commune_committee),
    "phong": (1, _district_office),
}


def random_agency(rng: random.Random) -> Agency:
    """A random State agency: its province, then its kind (weighted), then its names."""
    province = rng.choice(PROVINCES)
    unit = province_unit(province)
    kind = rng.choices(tuple(_KINDS), weights=tuple(w for w, _ in _KINDS.values()))[0]
    return _KINDS[kind][1](rng, province, unit)


def party_agency(rng: random.Random) -> Agency:
    """A random Party committee (provincial or district), signing for its standing board."""
    province = rng.choice(PROVINCES)
    unit = province_unit(province)
    if rng.random() < 0.6:
        organ, abbr = ("THÀNH ỦY", "TU") if province in CITIES else ("TỈNH ỦY", "TU")
        parent = f"ĐẢNG BỘ {unit}"
    else:
        district = rng.choice(DISTRICTS)
        organ, abbr, parent = "HUYỆN ỦY", "HU", f"ĐẢNG BỘ HUYỆN {district.upper()}"
        province = district
    return Agency(
        parent,
        organ,
        abbr,
        province,
        ("VP",),
        "BÍ THƯ",
        "PHÓ BÍ THƯ",
        "T/M BAN THƯỜNG VỤ",
        "party",
    )
