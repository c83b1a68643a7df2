"""Synthetic Vietnamese administrative documents and a realistic scanner batch.

Documents follow the layout of Decree 30/2020 (appendix I): the agency column and the national
motto side by side at the top, the type name and summary centred below, the body, then the
signature block and the "Nơi nhận:" list. Every generated document knows its ground truth
(:class:`AdminDocument`), so the metadata extractor, the OCR and the whole pipeline can be
measured against it.

Conventions of the ground truth:

* ``organ`` and ``parent_organ`` are stored as printed (upper case), one line even when the
  printed name wraps onto two lines (the wrapped lines joined by one space).
* ``number`` is the leading digits of the number/symbol and ``notation`` everything after the
  first slash: ``141/KH-UBND`` gives ``141`` and ``KH-UBND``; the legal ``09/2025/QĐ-UBND``
  gives ``09`` and ``2025/QĐ-UBND``.
* ``summary`` has no ``V/v`` prefix; a summary printed on two lines is joined by one space.

Run ``python -m sohoa.synthetic_docs OUT_DIR [--seed N]`` to write a sample batch.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from sohoa.synthetic import (
    Line,
    mm_to_px,
    render_lines,
)
from sohoa.synthetic import (
    text_width_mm as _text_width_uncached,
)
from sohoa.synthetic import wrap as _wrap_uncached

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

PROVINCES = (
    "Bắc Ninh",
    "Hà Nội",
    "Thái Nguyên",
    "Nghệ An",
    "Thanh Hóa",
    "Quảng Ninh",
    "Lâm Đồng",
    "Đắk Lắk",
    "Cần Thơ",
    "Đồng Tháp",
    "Hải Phòng",
    "Quảng Trị",
    "Tuyên Quang",
    "Lạng Sơn",
    "Cà Mau",
    "Khánh Hòa",
    "Gia Lai",
    "Hưng Yên",
    "Ninh Bình",
    "Phú Thọ",
    "Tây Ninh",
    "Vĩnh Long",
)
_CITIES = {"Hà Nội", "Cần Thơ", "Hải Phòng"}  # centrally governed: "THÀNH PHỐ", not "TỈNH"
DISTRICTS = (
    "Tiên Du",
    "Yên Phong",
    "Quế Võ",
    "Gia Bình",
    "Lương Tài",
    "Đông Anh",
    "Sóc Sơn",
    "Đại Từ",
    "Phú Bình",
    "Diễn Châu",
    "Quỳnh Lưu",
    "Hoằng Hóa",
    "Nga Sơn",
    "Đức Trọng",
    "Krông Pắc",
)
COMMUNES = (
    "Phú Lâm",
    "Hoàn Sơn",
    "Tân Chi",
    "Đại Đồng",
    "Liên Bão",
    "Cảnh Hưng",
    "Minh Đạo",
    "Việt Đoàn",
    "Nội Duệ",
    "Lạc Vệ",
    "Hiên Vân",
    "Phật Tích",
    "Tri Phương",
    "Đồng Nguyên",
)
SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Ngô",
    "Dương",
    "Lý",
    "Phan",
    "Trịnh",
    "Đinh",
)
MIDDLE_MALE = ("Văn", "Đức", "Quốc", "Minh", "Hữu", "Xuân", "Thanh", "Công", "Hoàng")
MIDDLE_FEMALE = ("Thị", "Thị Thanh", "Thị Thu", "Thị Ngọc", "Thị Bích", "Thị Minh", "Thu")
GIVEN_MALE = (
    "An",
    "Hùng",
    "Thắng",
    "Tuấn",
    "Khoa",
    "Dũng",
    "Cường",
    "Quang",
    "Sơn",
    "Phúc",
    "Trung",
    "Hiếu",
    "Long",
    "Thành",
    "Nghĩa",
)
GIVEN_FEMALE = (
    "Hằng",
    "Hương",
    "Lan",
    "Trang",
    "Mai",
    "Hạnh",
    "Nga",
    "Thảo",
    "Yến",
    "Dung",
    "Huyền",
    "Phương",
)

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

# TT05 type code, type name, Decree 30 abbreviation.
DOC_TYPES = {
    "Nghị quyết": ("01", "NQ"),
    "Quyết định": ("02", "QĐ"),
    "Chỉ thị": ("03", "CT"),
    "Thông báo": ("07", "TB"),
    "Hướng dẫn": ("08", "HD"),
    "Chương trình": ("09", "CTr"),
    "Kế hoạch": ("10", "KH"),
    "Đề án": ("12", "ĐA"),
    "Báo cáo": ("14", "BC"),
    "Tờ trình": ("15", "TTr"),
    "Biên bản": ("20", "BB"),
    "Công văn": ("22", ""),
}

_TOPICS = (
    "số hóa tài liệu lưu trữ",
    "chỉnh lý tài liệu tồn đọng",
    "chuyển đổi số trong công tác văn thư, lưu trữ",
    "xây dựng cơ sở dữ liệu tài liệu lưu trữ điện tử",
    "cải cách hành chính",
    "thực hành tiết kiệm, chống lãng phí",
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "bảo quản tài liệu lưu trữ lịch sử",
    "quản lý văn bản và hồ sơ công việc trên môi trường mạng",
    "ứng dụng chữ ký số trong cơ quan nhà nước",
    "phát triển văn hóa đọc",
    "tuyển dụng công chức, viên chức",
)

SUMMARIES: dict[str, tuple[str, ...]] = {
    "Quyết định": (
        "Về việc ban hành Quy chế quản lý và sử dụng tài liệu lưu trữ điện tử",
        "Về việc phê duyệt Danh mục hồ sơ năm {year}",
        "Về việc thành lập Tổ công tác {topic}",
        "Ban hành Quy định về thời hạn bảo quản hồ sơ, tài liệu hình thành trong hoạt động "
        "của cơ quan",
        "Về việc phê duyệt Đề án {topic} giai đoạn {year}-{year5}",
        "Về việc khen thưởng tập thể, cá nhân có thành tích trong công tác {topic} năm {year}",
    ),
    "Kế hoạch": (
        "Về việc số hóa tài liệu lưu trữ năm {year}",
        "Triển khai {topic} năm {year}",
        "Thực hiện {topic} giai đoạn {year}-{year5}",
        "Kiểm tra công tác văn thư, lưu trữ năm {year}",
    ),
    "Báo cáo": (
        "Kết quả thực hiện công tác văn thư, lưu trữ năm {prev}",
        "Tình hình {topic} 6 tháng đầu năm {year}",
        "Tổng kết {topic} giai đoạn {prev5}-{year}",
        "Kết quả kiểm tra {topic} tại các cơ quan, đơn vị",
    ),
    "Thông báo": (
        "Kết luận của Chủ tịch Ủy ban nhân dân tại cuộc họp về {topic}",
        "Về việc tổ chức tập huấn nghiệp vụ {topic}",
        "Lịch tiếp công dân định kỳ tháng {month} năm {year}",
    ),
    "Tờ trình": (
        "Về việc đề nghị phê duyệt dự án {topic}",
        "Đề nghị ban hành Kế hoạch {topic} năm {year}",
        "Về việc đề nghị bổ sung kinh phí {topic}",
    ),
    "Nghị quyết": (
        "Về việc thông qua kế hoạch đầu tư công trung hạn giai đoạn {year}-{year5}",
        "Quy định mức chi bảo đảm cho công tác {topic}",
        "Về nhiệm vụ phát triển kinh tế - xã hội năm {next}",
    ),
    "Hướng dẫn": (
        "Thực hiện {topic} trong các cơ quan, tổ chức",
        "Về việc lập hồ sơ và nộp lưu hồ sơ, tài liệu vào Lưu trữ cơ quan",
        "Xác định giá trị tài liệu và thời hạn bảo quản hồ sơ",
    ),
    "Chỉ thị": (
        "Về việc tăng cường {topic}",
        "Về việc chấn chỉnh kỷ luật, kỷ cương hành chính",
    ),
    "Chương trình": (
        "Công tác trọng tâm năm {year}",
        "Hành động thực hiện {topic} giai đoạn {year}-{year5}",
    ),
    "Đề án": (
        "{topic_cap} giai đoạn {year}-{year5}",
        "Nâng cao hiệu quả {topic}",
    ),
    "Biên bản": (
        "Họp Hội đồng xác định giá trị tài liệu",
        "Kiểm tra {topic} năm {year}",
    ),
    "Công văn": (
        "Đôn đốc thực hiện {topic}",
        "Triển khai {topic} năm {year}",
        "Góp ý dự thảo Quy chế {topic}",
        "Đề nghị cung cấp số liệu phục vụ báo cáo {topic}",
        "Báo cáo kết quả {topic} năm {prev}",
        "Tăng cường công tác {topic}",
    ),
}

# --------------------------------------------------------------------------------------------
# Body text
# --------------------------------------------------------------------------------------------

_ORGS_IN_TEXT = (
    "Sở Nội vụ",
    "Sở Tài chính",
    "Văn phòng Ủy ban nhân dân tỉnh",
    "Sở Khoa học và Công nghệ",
    "các sở, ban, ngành",
    "Ủy ban nhân dân các huyện, thị xã, thành phố",
    "Trung tâm Lưu trữ lịch sử",
    "các cơ quan, đơn vị thuộc phạm vi quản lý",
    "Ủy ban nhân dân cấp xã",
    "Chi cục Văn thư - Lưu trữ",
)
_THINGS = (
    "hồ sơ, tài liệu",
    "tài liệu lưu trữ nền giấy",
    "cơ sở dữ liệu tài liệu lưu trữ",
    "hệ thống quản lý văn bản và điều hành",
    "kho lưu trữ chuyên dụng",
    "mét giá tài liệu",
    "bản sao số",
    "dữ liệu đặc tả",
    "phông lưu trữ",
    "trang thiết bị bảo quản",
)
_VERBS = (
    "triển khai",
    "tổ chức thực hiện",
    "rà soát",
    "kiểm tra, đôn đốc",
    "hướng dẫn",
    "tổng hợp, báo cáo",
    "bố trí kinh phí cho",
    "chỉ đạo thực hiện",
    "phối hợp thực hiện",
)
_SENTENCES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Thực hiện Kế hoạch số {n}/KH-UBND ngày {date} của Ủy ban nhân dân tỉnh về {topic}, "
    "{org} đã {verb} {thing} theo đúng tiến độ đề ra.",
    "Trong năm {year}, toàn tỉnh đã chỉnh lý được {big} mét giá tài liệu, số hóa {big2} "
    "trang tài liệu với tổng dung lượng khoảng {gb} GB.",
    "Giao {org} chủ trì, phối hợp với {org2} {verb} {thing}, bảo đảm an toàn, bảo mật thông tin.",
    "Tỷ lệ hồ sơ công việc được lập và nộp lưu đúng hạn đạt {pct}%, tăng {small}% so với cùng kỳ "
    "năm trước.",
    "Việc số hóa tài liệu lưu trữ phải bảo đảm bản số có độ phân giải tối thiểu 200 dpi, định "
    "dạng PDF/A và đầy đủ dữ liệu đặc tả theo quy định.",
    "Kinh phí thực hiện từ nguồn ngân sách nhà nước được giao trong dự toán năm {year} của "
    "{org}, dự kiến khoảng {money} triệu đồng.",
    "Đến ngày {date}, đã có {count} cơ quan, đơn vị hoàn thành việc giao nộp {thing} vào Lưu trữ "
    "lịch sử.",
    "Các cơ quan, đơn vị chủ động rà soát, thống kê {thing} hiện đang quản lý, xác định tài liệu "
    "có giá trị bảo quản vĩnh viễn để ưu tiên số hóa trước.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh về {org} để được "
    "hướng dẫn, giải quyết kịp thời.",
    "Một số đơn vị chưa quan tâm đúng mức đến công tác {topic}; tài liệu còn tích đống, chưa được "
    "phân loại, lập hồ sơ.",
    "{org_cap} có trách nhiệm tổng hợp kết quả, báo cáo Ủy ban nhân dân tỉnh trước ngày {date}.",
    "Nhiệm vụ trọng tâm là hoàn thiện {thing}, kết nối, chia sẻ dữ liệu với Cổng dịch vụ công "
    "quốc gia và các hệ thống thông tin của tỉnh.",
    "Công tác đào tạo, bồi dưỡng nghiệp vụ được chú trọng: đã tổ chức {count} lớp tập huấn cho "
    "{big} lượt công chức, viên chức làm công tác văn thư, lưu trữ.",
    "Tài liệu sau khi số hóa được kiểm tra chất lượng, đối chiếu với bản gốc và cập nhật vào "
    "{thing} để phục vụ khai thác, sử dụng.",
    "Hệ thống điều hòa, hút ẩm tại kho lưu trữ được vận hành thường xuyên, duy trì nhiệt độ "
    "{temp} độ C và độ ẩm {hum}%.",
    "Bảo đảm 100% văn bản đi, đến được xử lý trên môi trường mạng, trừ văn bản mật theo quy định "
    "của pháp luật.",
    "Tiếp tục đẩy mạnh ứng dụng công nghệ thông tin, khai thác hiệu quả {thing} phục vụ công tác "
    "chỉ đạo, điều hành.",
    "Thời gian thực hiện: từ ngày {date} đến hết ngày {date2}.",
    "Ý kiến góp ý xin gửi về {org} bằng văn bản và qua hệ thống quản lý văn bản trước ngày {date}.",
)


@lru_cache(maxsize=16384)
def text_width_mm(text: str, *, size_pt: float, bold: bool = False) -> float:
    """:func:`sohoa.synthetic.text_width_mm` at 300 dpi, memoised."""
    return _text_width_uncached(text, size_pt=size_pt, bold=bold)


@lru_cache(maxsize=4096)
def _wrap_cached(text: str, width_mm: float, size_pt: float, bold: bool) -> tuple[str, ...]:
    return tuple(_wrap_uncached(text, width_mm=width_mm, size_pt=size_pt, bold=bold))


def wrap(text: str, *, width_mm: float, size_pt: float, bold: bool = False) -> list[str]:
    """:func:`sohoa.synthetic.wrap`, memoised (layouts are recomputed while filling pages)."""
    return list(_wrap_cached(text, width_mm, size_pt, bold))


def balanced_wrap(text: str, *, width_mm: float, size_pt: float, bold: bool = False) -> list[str]:
    """Wrap like :func:`wrap`, but split a two-line result where both lines are most even.

    Clerks balance centred header lines by hand ("SỞ VĂN HÓA, THỂ THAO / VÀ DU LỊCH").
    """
    lines = wrap(text, width_mm=width_mm, size_pt=size_pt, bold=bold)
    if len(lines) != 2:
        return lines
    words = text.split()
    best = lines
    best_width = max(text_width_mm(t, size_pt=size_pt, bold=bold) for t in lines)
    for cut in range(1, len(words)):
        a, b = " ".join(words[:cut]), " ".join(words[cut:])
        widest = max(text_width_mm(t, size_pt=size_pt, bold=bold) for t in (a, b))
        if widest <= width_mm and widest < best_width:
            best, best_width = [a, b], widest
    return best


def _fmt_date(d: dt.date) -> str:
    """'ngày 05 tháng 3 năm 2025': leading zero for days below 10 and months 1-2."""
    day = f"{d.day:02d}"
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {day} tháng {month} năm {d.year}"


def _random_date(rng: random.Random, first_year: int = 2016, last_year: int = 2025) -> dt.date:
    start = dt.date(first_year, 1, 1).toordinal()
    end = dt.date(last_year, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(start, end))


def _fill(rng: random.Random, template: str, year: int | None = None) -> str:
    year = year or rng.randint(2016, 2025)
    org = rng.choice(_ORGS_IN_TEXT)
    topic = rng.choice(_TOPICS)
    values = {
        "n": rng.randint(5, 350),
        "date": _fmt_date(_random_date(rng, year, year)).removeprefix("ngày "),
        "date2": _fmt_date(_random_date(rng, year, year)).removeprefix("ngày "),
        "topic": topic,
        "topic_cap": topic[:1].upper() + topic[1:],
        "org": org,
        "org_cap": org[:1].upper() + org[1:],
        "org2": rng.choice([o for o in _ORGS_IN_TEXT if o != org]),
        "verb": rng.choice(_VERBS),
        "thing": rng.choice(_THINGS),
        "year": year,
        "prev": year - 1,
        "next": year + 1,
        "year5": year + 5,
        "prev5": year - 5,
        "month": rng.randint(1, 12),
        "big": f"{rng.randint(1, 9)}.{rng.randint(0, 999):03d}",
        "big2": f"{rng.randint(1, 999)}.{rng.randint(0, 999):03d}",
        "gb": f"{rng.randint(10, 990)},{rng.randint(1, 9)}",
        "pct": f"{rng.randint(60, 99)},{rng.randint(0, 9)}",
        "small": rng.randint(2, 25),
        "money": f"{rng.randint(1, 9)}.{rng.randint(100, 999)}",
        "count": rng.randint(3, 68),
        "temp": rng.randint(20, 24),
        "hum": rng.randint(50, 60),
    }
    return template.format(**values)


def vietnamese_paragraphs(rng: random.Random, n: int, *, year: int | None = None) -> list[str]:
    """``n`` paragraphs of Vietnamese administrative prose, deterministic for ``rng``'s seed."""
    out: list[str] = []
    for _ in range(n):
        templates = rng.sample(_SENTENCES[1:], rng.randint(2, 4))
        sentences = [_fill(rng, template, year) for template in templates]
        out.append(" ".join(sentences))
    return out


# --------------------------------------------------------------------------------------------
# The document and its ground truth
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminDocument:
    """Ground truth of one synthetic administrative document (see the module docstring)."""

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
        separator = "-" if self.family == "party" else "/"
        return f"{self.number}{separator}{self.notation}"

    @property
    def is_cong_van(self) -> bool:
        return self.type_code == "22"

    @property
    def date_line(self) -> str:
        return f"{self.place}, {_fmt_date(self.issued)}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["issued"] = self.issued.isoformat()
        data["body"] = list(self.body)
        data["recipients"] = list(self.recipients)
        data["number_symbol"] = self.number_symbol
        return data


def _person(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"


def _upper(text: str) -> str:
    return text.upper()


def _province_unit(province: str) -> str:
    return ("THÀNH PHỐ " if province in _CITIES else "TỈNH ") + _upper(province)


@dataclass(frozen=True)
class _Agency:
    parent: str
    organ: str
    abbr: str
    place: str
    units: tuple[str, ...]
    head: str  # head's title, e.g. "CHỦ TỊCH", "GIÁM ĐỐC"
    deputy: str
    collective: str  # "TM. ỦY BAN NHÂN DÂN" for collegial bodies, "" otherwise
    kind: str


_HEADER_COL_MM = 80.0  # width available to the agency column
_HEADER_SIZE = 12.5


def _fits_header(text: str, *, bold: bool) -> bool:
    return text_width_mm(text, size_pt=_HEADER_SIZE, bold=bold) <= _HEADER_COL_MM


def _parent_name(rng: random.Random, full: str, short: str) -> str:
    """Parent agencies are often abbreviated ("UBND TỈNH ..."); never wrap one."""
    if rng.random() < 0.5 and _fits_header(full, bold=False):
        return full
    return short


def _random_agency(rng: random.Random) -> _Agency:
    province = rng.choice(PROVINCES)
    unit = _province_unit(province)
    kind = rng.choices(
        ("ubnd_tinh", "hdnd_tinh", "so", "bo", "centre", "ubnd_huyen", "ubnd_xa", "phong"),
        weights=(4, 2, 4, 2, 2, 2, 1, 1),
    )[0]
    if kind == "ubnd_tinh":
        return _Agency(
            "",
            f"ỦY BAN NHÂN DÂN {unit}",
            "UBND",
            province,
            ("VX", "KT", "NC", "TH", "XD", "KGVX"),
            "CHỦ TỊCH",
            "PHÓ CHỦ TỊCH",
            "TM. ỦY BAN NHÂN DÂN",
            kind,
        )
    if kind == "hdnd_tinh":
        return _Agency(
            "",
            f"HỘI ĐỒNG NHÂN DÂN {unit}",
            "HĐND",
            province,
            ("VP", "KTNS", "VHXH"),
            "CHỦ TỊCH",
            "PHÓ CHỦ TỊCH",
            "TM. HỘI ĐỒNG NHÂN DÂN",
            kind,
        )
    if kind == "so":
        name, abbr, head, units = rng.choice(DEPARTMENTS)
        parent = _parent_name(rng, f"ỦY BAN NHÂN DÂN {unit}", f"UBND {unit}")
        return _Agency(parent, name, abbr, province, units, head, "PHÓ GIÁM ĐỐC", "", kind)
    if kind == "bo":
        name, abbr, units = rng.choice(MINISTRIES)
        return _Agency("", name, abbr, "Hà Nội", units, "BỘ TRƯỞNG", "THỨ TRƯỞNG", "", kind)
    if kind == "centre":
        name, abbr, head = rng.choice(CENTRES)
        dep_name, _dep_abbr, _h, _u = rng.choice(DEPARTMENTS)
        parent = rng.choice((f"UBND {unit}", f"{dep_name} {unit}"))
        if not _fits_header(parent, bold=False):
            parent = f"UBND {unit}"
        return _Agency(parent, name, abbr, province, ("HCTH", "NV"), head, "PHÓ GIÁM ĐỐC", "", kind)
    if kind == "ubnd_huyen":
        district = rng.choice(DISTRICTS)
        parent = "" if rng.random() < 0.6 else f"UBND {unit}"
        return _Agency(
            parent,
            f"ỦY BAN NHÂN DÂN HUYỆN {_upper(district)}",
            "UBND",
            district,
            ("VP", "NV", "TCKH"),
            "CHỦ TỊCH",
            "PHÓ CHỦ TỊCH",
            "TM. ỦY BAN NHÂN DÂN",
            kind,
        )
    if kind == "ubnd_xa":
        commune = rng.choice(COMMUNES)
        parent = "" if rng.random() < 0.5 else f"UBND HUYỆN {_upper(rng.choice(DISTRICTS))}"
        return _Agency(
            parent,
            f"ỦY BAN NHÂN DÂN XÃ {_upper(commune)}",
            "UBND",
            commune,
            ("VP",),
            "CHỦ TỊCH",
            "PHÓ CHỦ TỊCH",
            "TM. ỦY BAN NHÂN DÂN",
            kind,
        )
    district = rng.choice(DISTRICTS)
    name, abbr, head = rng.choice(DISTRICT_OFFICES)
    return _Agency(
        f"UBND HUYỆN {_upper(district)}",
        name,
        abbr,
        district,
        ("VP",),
        head,
        "PHÓ TRƯỞNG PHÒNG",
        "",
        kind,
    )


def _type_for(rng: random.Random, agency: _Agency) -> str:
    if agency.kind == "hdnd_tinh":
        return rng.choice(("Nghị quyết", "Nghị quyết", "Thông báo", "Báo cáo", "Công văn"))
    names = [n for n in DOC_TYPES if n != "Nghị quyết"]
    weights = [4 if n in ("Quyết định", "Kế hoạch", "Báo cáo", "Công văn") else 2 for n in names]
    return rng.choices(names, weights=weights)[0]


def _signer(rng: random.Random, agency: _Agency) -> tuple[str, str]:
    """(prefix lines, position)."""
    if agency.collective:
        if rng.random() < 0.5:
            return agency.collective, agency.head
        return f"{agency.collective}\nKT. {agency.head}", agency.deputy
    if rng.random() < 0.4:
        return "", agency.head
    if rng.random() < 0.2 and agency.kind in ("so", "bo"):
        return f"TL. {agency.head}", "CHÁNH VĂN PHÒNG"
    return f"KT. {agency.head}", agency.deputy


def _recipients(rng: random.Random, agency: _Agency, type_name: str) -> tuple[str, ...]:
    pool = [
        "Bộ Nội vụ (để b/c);",
        "Cục Văn thư và Lưu trữ nhà nước;",
        "TT Tỉnh ủy, TT HĐND tỉnh;",
        "Chủ tịch, các PCT UBND tỉnh;",
        "Các sở, ban, ngành;",
        "UBND các huyện, thành phố;",
        "Trung tâm Lưu trữ lịch sử;",
        "Cổng thông tin điện tử tỉnh;",
        "Các phòng chuyên môn;",
    ]
    first = (
        ["Như Điều 3;"]
        if type_name == "Quyết định"
        else (["Như trên;"] if type_name == "Công văn" else [])
    )
    chosen = rng.sample(pool, rng.randint(2, 4))
    units = rng.sample(agency.units, min(len(agency.units), rng.randint(1, 2)))
    return tuple(first + chosen + [f"Lưu: VT, {', '.join(units)}."])


def _opening(rng: random.Random, type_name: str, agency: _Agency, issued: dt.date) -> list[str]:
    year = issued.year
    ref_date = _fmt_date(issued - dt.timedelta(days=rng.randint(3, 40)))
    proposer = rng.choice(
        (
            "Giám đốc Sở Nội vụ",
            "Giám đốc Sở Tài chính",
            "Chánh Văn phòng Ủy ban nhân dân tỉnh",
            "Trưởng phòng Nội vụ",
        )
    )
    proposal = (
        f"Xét đề nghị của {proposer} tại Tờ trình số {rng.randint(10, 300)}/TTr-"
        f"{rng.choice(('SNV', 'STC', 'VP', 'PNV'))} {ref_date}."
    )
    archives_law = (
        "Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024;"
        if issued >= dt.date(2025, 7, 1)
        else "Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011;"
    )
    clerical = (
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về "
        "công tác văn thư;"
        if issued >= dt.date(2020, 3, 5)
        else "Căn cứ Nghị định số 110/2004/NĐ-CP ngày 08 tháng 4 năm 2004 của Chính phủ về "
        "công tác văn thư;"
    )
    bases = [
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
        archives_law,
        clerical,
        f"Căn cứ Quyết định số {rng.randint(10, 99)}/{year - 1}/QĐ-UBND "
        f"{_fmt_date(_random_date(rng, year - 1, year - 1))} của Ủy ban nhân dân tỉnh;",
    ]
    if type_name in ("Quyết định", "Nghị quyết", "Chỉ thị"):
        chosen = [bases[0]] + rng.sample(bases[1:], 2)
        if type_name == "Nghị quyết":
            return chosen + ["QUYẾT NGHỊ:"]
        if type_name == "Quyết định":
            return chosen + [proposal, "QUYẾT ĐỊNH:"]
        return chosen[:1]
    if type_name == "Công văn":
        to = rng.choice(
            (
                "Ủy ban nhân dân các huyện, thành phố",
                "Các sở, ban, ngành tỉnh",
                "Các cơ quan, đơn vị trực thuộc",
                "Văn phòng Ủy ban nhân dân tỉnh",
            )
        )
        return [f"Kính gửi: {to}."]
    if type_name in ("Kế hoạch", "Hướng dẫn", "Chương trình", "Đề án"):
        return ["I. MỤC ĐÍCH, YÊU CẦU"]
    if type_name == "Biên bản":
        return [
            f"Hôm nay, vào hồi {rng.randint(8, 15)} giờ {rng.randint(0, 5)}0 phút, "
            f"{_fmt_date(issued)}, tại trụ sở {agency.organ.title()}, chúng tôi gồm có:"
        ]
    return []


def _closing(rng: random.Random, type_name: str, agency: _Agency) -> list[str]:
    if type_name == "Quyết định":
        return [
            "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký.",
            "Điều 3. Chánh Văn phòng, Giám đốc Sở Nội vụ, Thủ trưởng các cơ quan, đơn vị và "
            "cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này./.",
        ]
    if type_name == "Nghị quyết":
        return [
            "Điều 2. Giao Ủy ban nhân dân tỉnh tổ chức thực hiện Nghị quyết này.",
            "Nghị quyết này có hiệu lực kể từ ngày ký và được gửi đến các cơ quan có liên quan "
            "để thực hiện./.",
        ]
    if type_name in ("Kế hoạch", "Hướng dẫn", "Chương trình", "Đề án"):
        return [
            "III. TỔ CHỨC THỰC HIỆN",
            f"Yêu cầu các cơ quan, đơn vị nghiêm túc triển khai thực hiện; định kỳ báo cáo kết "
            f"quả về {rng.choice(_ORGS_IN_TEXT)} để tổng hợp./.",
        ]
    if type_name == "Công văn":
        return ["Đề nghị các cơ quan, đơn vị quan tâm phối hợp thực hiện./."]
    organ = agency.organ[:1] + agency.organ[1:].lower()
    return [
        f"Trên đây là nội dung {type_name.lower()} của {organ}, đề nghị các cơ quan, đơn vị liên "
        "quan biết, thực hiện./."
    ]


def _middle_first(type_name: str) -> list[str]:
    if type_name == "Quyết định":
        return ["Điều 1. Ban hành kèm theo Quyết định này nội dung chi tiết như sau:"]
    if type_name == "Nghị quyết":
        return ["Điều 1. Thông qua nội dung với các chỉ tiêu chủ yếu sau đây:"]
    return []


def _middle_second(type_name: str) -> list[str]:
    if type_name in ("Kế hoạch", "Hướng dẫn", "Chương trình", "Đề án"):
        return ["II. NỘI DUNG THỰC HIỆN"]
    return []


def _party_agency(rng: random.Random) -> _Agency:
    province = rng.choice(PROVINCES)
    unit = _province_unit(province)
    if rng.random() < 0.6:
        organ, abbr = ("THÀNH ỦY", "TU") if province in _CITIES else ("TỈNH ỦY", "TU")
        parent = f"ĐẢNG BỘ {unit}"
    else:
        district = rng.choice(DISTRICTS)
        organ, abbr, parent = "HUYỆN ỦY", "HU", f"ĐẢNG BỘ HUYỆN {_upper(district)}"
        province = district
    return _Agency(
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


#: Extra types for ``variety=True``: the Đ traps of DOMAIN.md (HĐ/HD, ĐA/DA).
_EXTRA_TYPES = {"Hợp đồng": ("21", "HĐ"), "Dự án": ("13", "DA"), "Đề án": ("12", "ĐA")}
_EXTRA_SUMMARIES = {
    "Hợp đồng": (
        "Về việc số hóa tài liệu lưu trữ năm {year}",
        "Thuê dịch vụ chỉnh lý tài liệu tồn đọng",
    ),
    "Dự án": ("Đầu tư xây dựng kho lưu trữ chuyên dụng giai đoạn {year}-{year5}",),
}


def random_admin_document(
    seed: int, *, pages: int | None = None, variety: bool = False
) -> AdminDocument:
    """A random but deterministic administrative document of ``pages`` pages (1-3 if None).

    ``variety=True`` (for benchmarks) adds, from a separate random stream, Party documents
    (``ĐẢNG CỘNG SẢN VIỆT NAM``, ``Số 05-NQ/TU``), contracts and projects (HĐ, DA), more
    legal numbers, and urgency and secrecy marks; without it the document for a seed is the
    same as before these were added.
    """
    rng = random.Random(f"admin-doc-{seed}")
    extra = random.Random(f"admin-doc-variety-{seed}") if variety else None
    agency = _random_agency(rng)
    type_name = _type_for(rng, agency)
    party = extra is not None and extra.random() < 0.15
    if party:
        agency = _party_agency(extra)  # type: ignore[arg-type]
        type_name = extra.choice(("Nghị quyết", "Chỉ thị", "Báo cáo", "Thông báo", "Kế hoạch"))
    elif extra is not None and type_name != "Công văn" and extra.random() < 0.12:
        type_name = extra.choice(tuple(_EXTRA_TYPES))
    type_code, abbr = DOC_TYPES.get(type_name) or _EXTRA_TYPES[type_name]
    issued = _random_date(rng)
    year = issued.year
    number = rng.randint(1, 350)
    number_text = f"{number:02d}" if number < 10 and rng.random() < 0.7 else str(number)
    if party:
        notation = f"{abbr}/{agency.abbr}"
    elif type_name == "Công văn":
        notation = f"{agency.abbr}-{rng.choice(agency.units)}"
    elif (
        type_name in ("Quyết định", "Nghị quyết")
        and agency.kind in ("ubnd_tinh", "hdnd_tinh")
        and rng.random() < 0.5
    ) or (
        extra is not None
        and type_name in ("Quyết định", "Chỉ thị")
        and agency.kind in ("ubnd_huyen", "ubnd_xa", "bo")
        and extra.random() < 0.4
    ):
        notation = f"{year}/{abbr}-{agency.abbr}"  # legal (normative) family
    else:
        notation = f"{abbr}-{agency.abbr}"
    urgency = secrecy = ""
    if extra is not None:
        if extra.random() < 0.2:
            urgency = extra.choice(("HỎA TỐC", "THƯỢNG KHẨN", "KHẨN", "KHẨN"))
        if extra.random() < 0.12:
            secrecy = extra.choice(("MẬT", "MẬT", "TỐI MẬT", "TUYỆT MẬT"))
    topic = rng.choice(_TOPICS)
    summary = rng.choice(SUMMARIES.get(type_name) or _EXTRA_SUMMARIES[type_name]).format(
        year=year,
        year5=year + 5,
        prev=year - 1,
        prev5=year - 5,
        next=year + 1,
        month=issued.month,
        topic=topic,
        topic_cap=topic[:1].upper() + topic[1:],
    )
    prefix, position = _signer(rng, agency)
    signer_name = _person(rng)
    recipients = _recipients(rng, agency, type_name)
    target = pages if pages is not None else rng.choice((1, 1, 2, 2, 3))
    if target < 1:
        raise ValueError("a document has at least one page")

    opening = _opening(rng, type_name, agency, issued)
    first, second = _middle_first(type_name), _middle_second(type_name)
    closing = _closing(rng, type_name, agency)
    filler: list[str] = []

    def build() -> AdminDocument:
        half = (len(filler) + 1) // 2
        body = opening + first + filler[:half] + second + filler[half:] + closing
        return AdminDocument(
            parent_organ=agency.parent,
            organ=agency.organ,
            number=number_text,
            notation=notation,
            place=agency.place,
            issued=issued,
            type_code=type_code,
            type_name=type_name,
            summary=summary,
            body=tuple(body),
            signer_prefix=prefix,
            signer_position=position,
            signer_name=signer_name,
            recipients=recipients,
            pages=0,
            urgency=urgency,
            secrecy=secrecy,
            family="party" if party else "",
        )

    doc = build()
    extra = rng.randint(0, 3)  # paragraphs added once the target is reached, while they fit
    while True:
        count = len(_layout(doc))
        if count > target or (count == target and extra == 0):
            break
        if count == target:
            extra -= 1
        candidate = vietnamese_paragraphs(rng, 1, year=year)[0]
        filler.append(candidate)
        if len(_layout(build())) > target:  # overflow: try its first sentence alone
            filler[-1] = candidate.split(". ")[0].rstrip(".") + "."
            if len(_layout(build())) > target:
                filler.pop()
                break
        doc = build()
    return _with_pages(doc, len(_layout(doc)))


def _with_pages(doc: AdminDocument, pages: int) -> AdminDocument:
    data = {**doc.__dict__, "pages": pages}
    return AdminDocument(**data)


# --------------------------------------------------------------------------------------------
# Layout (millimetres, dpi-independent) and rendering
# --------------------------------------------------------------------------------------------

_LEFT_CENTRE = 57.5
_RIGHT_CENTRE = 148.0
_TEXT_LEFT = 30.0
_TEXT_RIGHT = 195.0
_TOP = 15.0
_BOTTOM = 280.0
_BODY_SIZE = 13.5
_BODY_STEP = _BODY_SIZE * 25.4 / 72 * 1.32


def _step(size_pt: float, spacing: float = 1.2) -> float:
    return size_pt * 25.4 / 72 * spacing


@dataclass(frozen=True)
class _Rule:
    x0_mm: float
    x1_mm: float
    y_mm: float


@dataclass
class _PageLayout:
    lines: list[Line]
    rules: list[_Rule]


def _centred_rule(
    text: str, centre: float, y: float, *, size_pt: float, bold: bool, fraction: float
) -> _Rule:
    width = text_width_mm(text, size_pt=size_pt, bold=bold) * fraction
    return _Rule(centre - width / 2, centre + width / 2, y)


def _header(doc: AdminDocument) -> tuple[list[Line], list[_Rule], float]:
    lines: list[Line] = []
    rules: list[_Rule] = []
    size = _HEADER_SIZE
    step = _step(size)
    # left column
    y = _TOP
    if doc.parent_organ:
        lines.append(Line(doc.parent_organ, _LEFT_CENTRE, y, size, False, "center"))
        y += step
    organ_lines = balanced_wrap(doc.organ, width_mm=_HEADER_COL_MM, size_pt=size, bold=True)
    for text in organ_lines:
        lines.append(Line(text, _LEFT_CENTRE, y, size, True, "center"))
        y += step
    longest = max(organ_lines, key=lambda t: text_width_mm(t, size_pt=size, bold=True))
    rules.append(
        _centred_rule(longest, _LEFT_CENTRE, y + 1.0, size_pt=size, bold=True, fraction=0.4)
    )
    left_end = y + 2.5
    # right column
    motto_y = _TOP
    if doc.family == "party":
        motto = "ĐẢNG CỘNG SẢN VIỆT NAM"
        lines.append(Line(motto, _RIGHT_CENTRE, motto_y, 13.0, True, "center"))
        rule_y = motto_y + _step(13.0) + 0.5
        rules.append(
            _centred_rule(motto, _RIGHT_CENTRE, rule_y, size_pt=13.0, bold=True, fraction=1.0)
        )
    else:
        lines.append(
            Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", _RIGHT_CENTRE, motto_y, 12.0, True, "center")
        )
        motto2 = "Độc lập - Tự do - Hạnh phúc"
        lines.append(Line(motto2, _RIGHT_CENTRE, motto_y + _step(12.0), 13.0, True, "center"))
        rule_y = motto_y + _step(12.0) + _step(13.0) + 1.0
        rules.append(
            _centred_rule(motto2, _RIGHT_CENTRE, rule_y, size_pt=13.0, bold=True, fraction=1.0)
        )
    right_end = rule_y + 2.5
    y = max(left_end, right_end) + 1.0
    label = "Số" if doc.family == "party" else "Số:"
    lines.append(Line(f"{label} {doc.number_symbol}", _LEFT_CENTRE, y, 13.0, False, "center"))
    lines.append(Line(doc.date_line, _RIGHT_CENTRE, y, 13.0, False, "center"))
    y += _step(13.0)
    for mark in (doc.urgency, doc.secrecy):
        if mark:  # stamps under the number (Decree 30, positions 10a and 10b)
            y += 1.0
            lines.append(Line(mark, _LEFT_CENTRE, y, 13.0, True, "center"))
            rules.append(
                _centred_rule(mark, _LEFT_CENTRE, y + 6.5, size_pt=13.0, bold=True, fraction=1.1)
            )
            y += _step(13.0) + 1.0
    if doc.is_cong_van:
        for text in balanced_wrap(f"V/v {doc.summary}", width_mm=_HEADER_COL_MM - 8, size_pt=12.0):
            lines.append(Line(text, _LEFT_CENTRE, y, 12.0, False, "center"))
            y += _step(12.0)
        y += 6.0
    else:
        y += 8.0
        centre = (_TEXT_LEFT + _TEXT_RIGHT) / 2
        lines.append(Line(_upper(doc.type_name), centre, y, 14.0, True, "center"))
        y += _step(14.0)
        summary_lines = balanced_wrap(doc.summary, width_mm=125.0, size_pt=14.0, bold=True)
        for text in summary_lines:
            lines.append(Line(text, centre, y, 14.0, True, "center"))
            y += _step(14.0)
        longest = max(summary_lines, key=lambda t: text_width_mm(t, size_pt=14.0, bold=True))
        rules.append(
            _centred_rule(longest, centre, y + 1.5, size_pt=14.0, bold=True, fraction=0.35)
        )
        y += 7.0
    return lines, rules, y


def _body_blocks(paragraph: str) -> list[Line]:
    """Lines of one paragraph at y=0 (the caller shifts them)."""
    width = _TEXT_RIGHT - _TEXT_LEFT
    centre = (_TEXT_LEFT + _TEXT_RIGHT) / 2
    stripped = paragraph.rstrip(":")
    if paragraph.endswith(":") and stripped.isupper() and len(paragraph) < 30:
        return [Line(paragraph, centre, 0.0, 14.0, True, "center")]
    if paragraph.isupper() and paragraph.split(" ")[0].rstrip(".") in ("I", "II", "III", "IV"):
        return [Line(paragraph, _TEXT_LEFT + 10, 0.0, _BODY_SIZE, True, "left")]
    if paragraph.startswith("Kính gửi:"):
        texts = wrap(paragraph, width_mm=width - 30, size_pt=14.0)
        return [Line(t, centre, i * _BODY_STEP, 14.0, False, "center") for i, t in enumerate(texts)]
    texts = wrap(paragraph, width_mm=width - 10, size_pt=_BODY_SIZE)
    return [
        Line(t, _TEXT_LEFT + (10 if i == 0 else 0), i * _BODY_STEP, _BODY_SIZE, False, "left")
        for i, t in enumerate(texts)
    ]


def _signature_block(doc: AdminDocument) -> tuple[list[Line], float]:
    """Signature (right) and recipients (left) at y=0; returns lines and total height."""
    lines: list[Line] = []
    y = 0.0
    for text in [
        *(doc.signer_prefix.split("\n") if doc.signer_prefix else []),
        doc.signer_position,
    ]:
        lines.append(Line(text, _RIGHT_CENTRE, y, 13.0, True, "center"))
        y += _step(13.0)
    y += 22.0
    lines.append(Line(doc.signer_name, _RIGHT_CENTRE, y, 14.0, True, "center"))
    right_h = y + _step(14.0)
    y = 0.0
    lines.append(Line("Nơi nhận:", _TEXT_LEFT - 5, y, 12.0, True, "left"))
    y += _step(12.0)
    for item in doc.recipients:
        lines.append(Line(f"- {item}", _TEXT_LEFT - 5, y, 11.0, False, "left"))
        y += _step(11.0)
    return lines, max(right_h, y)


def _shift(lines: list[Line], dy: float) -> list[Line]:
    return [
        Line(ln.text, ln.x_mm, ln.y_mm + dy, ln.size_pt, ln.bold, ln.align, ln.underline)
        for ln in lines
    ]


def _layout(doc: AdminDocument) -> list[_PageLayout]:
    header, rules, y = _header(doc)
    pages = [_PageLayout(list(header), list(rules))]
    for paragraph in doc.body:
        block = _body_blocks(paragraph)
        for line in block:
            if y + _BODY_STEP > _BOTTOM:
                pages.append(_PageLayout([], []))
                y = _TOP + 5.0
            pages[-1].lines.append(
                Line(line.text, line.x_mm, y, line.size_pt, line.bold, line.align, line.underline)
            )
            y += _BODY_STEP
        y += 1.8
    sig, height = _signature_block(doc)
    y += 4.0
    if y + height > _BOTTOM + 5.0:
        pages.append(_PageLayout([], []))
        y = _TOP + 5.0
    pages[-1].lines.extend(_shift(sig, y))
    return pages


def render_admin_document(doc: AdminDocument, *, dpi: int = 300) -> list[Image.Image]:
    """Clean greyscale pages (mode ``L``) of ``doc`` at ``dpi``."""
    images = []
    for page in _layout(doc):
        img = render_lines(page.lines, dpi=dpi)
        draw = ImageDraw.Draw(img)
        for rule in page.rules:
            y = mm_to_px(rule.y_mm, dpi)
            draw.line(
                (mm_to_px(rule.x0_mm, dpi), y, mm_to_px(rule.x1_mm, dpi), y),
                fill=0,
                width=max(1, dpi // 150),
            )
        images.append(img)
    return images


def document_truth_text(doc: AdminDocument) -> list[str]:
    """Ground-truth text of each page, one printed line per text line.

    Page 1 lists the agency column, then the motto column, then the rest top to bottom; the
    signature block lists the signature column before "Nơi nhận:".
    """
    return ["\n".join(line.text for line in page.lines) for page in _layout(doc)]


# --------------------------------------------------------------------------------------------
# The sample batch
# --------------------------------------------------------------------------------------------


_TRANSPOSE_CCW = {
    1: Image.Transpose.ROTATE_90,
    2: Image.Transpose.ROTATE_180,
    3: Image.Transpose.ROTATE_270,
}


def scan_page(
    page: Image.Image, *, angle: float = 0.0, quarter_turns: int = 0, noise: int = 12, seed: int = 0
) -> Image.Image:
    """A fast scanner imitation for whole batches (same conventions as ``degrade``).

    ``angle`` rotates counter-clockwise in degrees (bilinear), then ``quarter_turns`` quarter
    turns counter-clockwise; ``noise`` is the spread of uniform grey noise, after which
    near-white pixels are clipped to white as a scanner's white point does (it also keeps PNG
    files small). About four times faster than ``degrade`` with blur and Gaussian noise.
    """
    img = page.convert("L")
    if angle:
        img = img.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
    if noise:
        gen = np.random.default_rng(seed)
        arr = np.asarray(img).astype(np.int16)
        arr += gen.integers(0, noise + 1, size=arr.shape, dtype=np.int16)
        arr -= noise // 2
        np.clip(arr, 0, 255, out=arr)
        out = arr.astype(np.uint8)
        out[out >= 236] = 255
        img = Image.fromarray(out)
    if quarter_turns % 4:
        img = img.transpose(_TRANSPOSE_CCW[quarter_turns % 4])
    return img


def _scan(
    page: Image.Image, rng: random.Random, *, quarter_turns: int = 0
) -> tuple[Image.Image, float]:
    angle = round(rng.uniform(-3.0, 3.0), 2)
    img = scan_page(page, angle=angle, quarter_turns=quarter_turns, seed=rng.randint(0, 2**31))
    return img, angle


def _bilevel(img: Image.Image) -> Image.Image:
    return Image.fromarray(np.asarray(img) > 150)  # mode "1"


def _colour(img: Image.Image) -> Image.Image:
    """A greyscale scan as a colour scan of slightly yellowed paper."""
    paper = (250, 245, 232)
    return Image.merge("RGB", [img.point(lambda v, c=c: v * c // 255) for c in paper])


def make_sample_batch(folder: Path, *, seed: int = 0, dpi: int = 300) -> dict[str, Any]:
    """Write a realistic scanner batch to ``folder`` and return its ground truth.

    The batch holds three record folders (hồ sơ) and one loose document at the top level,
    12 pages in all, in every input format sohoa accepts: a multi-page bilevel G4 TIFF that
    holds two documents (split them at the motto), a greyscale multi-page LZW TIFF, a colour
    JPEG-compressed TIFF, a PNG, a colour JPEG, an image-only PDF and a folder of page images
    (``p001.png``, ``p002.png``) forming one document. Pages are skewed by -3..+3 degrees and
    slightly noisy; one page is upside down and one turned by 90 degrees.

    The truth is also written to ``<folder>.truth.json`` beside the batch folder, so the batch
    folder holds only scans. Page angles are counter-clockwise in degrees (the correction to
    apply is the opposite); ``quarter_turns`` counts counter-clockwise quarter turns.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"sample-batch-{seed}")
    dpi_pair = (dpi, dpi)

    # (relative target, format key, document page counts, quarter turns per page index)
    plan: list[tuple[str, str, list[int], dict[int, int]]] = [
        ("HS2025-001/HS2025-001_scan.tif", "tiff_g4", [2, 1], {}),
        ("HS2025-001/van_ban_03.png", "png", [1], {0: 2}),
        ("HS2025-002/van_ban_01.tif", "tiff_lzw", [2], {}),
        ("HS2025-002/van_ban_02.jpg", "jpeg", [1], {}),
        ("HS2025-002/van_ban_03", "png_folder", [2], {}),
        ("HS2025-003/van_ban_01.pdf", "pdf", [2], {1: 1}),
        ("HS2025-003/van_ban_02.tif", "tiff_jpeg", [1], {}),
        ("cong_van_den_0001.png", "png", [1], {}),
    ]
    truth: dict[str, Any] = {"seed": seed, "dpi": dpi, "files": [], "documents": []}
    doc_seed = seed * 1000
    for target, kind, counts, turns in plan:
        images: list[Image.Image] = []
        page_truth: list[dict[str, Any]] = []
        for doc_pages in counts:
            doc_seed += 1
            doc = random_admin_document(doc_seed, pages=doc_pages)
            doc_id = f"{target.rsplit('.', 1)[0]}#{len(truth['documents']) + 1}"
            clean = render_admin_document(doc, dpi=dpi)
            texts = document_truth_text(doc)
            for index, page in enumerate(clean):
                q = turns.get(len(images), 0)
                img, angle = _scan(page, rng, quarter_turns=q)
                images.append(img)
                page_truth.append(
                    {
                        "document": doc_id,
                        "page_in_document": index + 1,
                        "angle_ccw": angle,
                        "quarter_turns_ccw": q,
                    }
                )
            record = target.split("/")[0] if "/" in target else None
            truth["documents"].append(
                {
                    "id": doc_id,
                    "record": record,
                    "source": target,
                    "seed": doc_seed,
                    "pages": len(clean),
                    "metadata": doc.to_dict(),
                    "page_text": texts,
                }
            )
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        files = _write_scans(path, kind, images, dpi_pair)
        for name, pages in files:
            truth["files"].append(
                {
                    "path": str(name.relative_to(folder)),
                    "format": kind,
                    "pages": [page_truth[i] for i in pages],
                }
            )
    truth["total_pages"] = sum(len(f["pages"]) for f in truth["files"])
    truth_path = folder.parent / (folder.name + ".truth.json")
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth


def _write_scans(
    path: Path, kind: str, images: list[Image.Image], dpi: tuple[int, int]
) -> list[tuple[Path, list[int]]]:
    """Save ``images`` in the format ``kind``; return (file, page indexes) pairs."""
    first, rest = images[0], images[1:]
    if kind == "tiff_g4":
        pages = [_bilevel(im) for im in images]
        pages[0].save(path, compression="group4", dpi=dpi, save_all=True, append_images=pages[1:])
    elif kind == "tiff_lzw":
        first.save(path, compression="tiff_lzw", dpi=dpi, save_all=True, append_images=rest)
    elif kind == "tiff_jpeg":
        pages = [_colour(im) for im in images]
        pages[0].save(
            path, compression="jpeg", quality=85, dpi=dpi, save_all=True, append_images=pages[1:]
        )
    elif kind == "jpeg":
        assert not rest, "one page per JPEG"
        _colour(first).save(path, "JPEG", quality=88, dpi=dpi)
    elif kind == "png":
        assert not rest, "one page per PNG"
        first.save(path, "PNG", dpi=dpi, compress_level=3)
    elif kind == "pdf":
        first.save(path, "PDF", resolution=float(dpi[0]), save_all=True, append_images=rest)
    elif kind == "png_folder":
        path.mkdir(exist_ok=True)
        out = []
        for i, im in enumerate(images):
            name = path / f"p{i + 1:03d}.png"
            im.save(name, "PNG", dpi=dpi, compress_level=3)
            out.append((name, [i]))
        return out
    else:  # pragma: no cover - programming error
        raise ValueError(f"unknown scan format {kind!r}")
    return [(path, list(range(len(images))))]


def _main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m sohoa.synthetic_docs",
        description="Write a synthetic scanner batch of Vietnamese administrative documents.",
    )
    parser.add_argument("out_dir", type=Path, help="batch folder to create")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dpi", type=int, default=300)
    args = parser.parse_args(argv)
    truth = make_sample_batch(args.out_dir, seed=args.seed, dpi=args.dpi)
    print(
        f"wrote {truth['total_pages']} pages in {len(truth['files'])} files to {args.out_dir}; "
        f"truth in {args.out_dir.parent / (args.out_dir.name + '.truth.json')}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
