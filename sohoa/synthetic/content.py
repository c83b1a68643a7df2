"""What a generated administrative document says: :func:`random_admin_document`.

The agency, type, number and symbol, date, summary, signer and recipients are drawn from
the document's own random stream; the opening and closing follow the type (legal bases and
"QUYẾT ĐỊNH:" for a decision, "Kính gửi:" for a công văn...), and body paragraphs are added
until the laid-out document fills the pages asked for.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from sohoa.synthetic.agencies import Agency, party_agency, random_agency
from sohoa.synthetic.document import AdminDocument, with_pages
from sohoa.synthetic.layout import page_layouts
from sohoa.synthetic.names import random_person
from sohoa.synthetic.prose import ORGS_IN_TEXT, format_date, random_date, vietnamese_paragraphs
from sohoa.synthetic.vocab import DOC_TYPES, EXTRA_SUMMARIES, EXTRA_TYPES, SUMMARIES, TOPICS


def _type_for(rng: random.Random, agency: Agency) -> str:
    if agency.kind == "hdnd_tinh":
        return rng.choice(("Nghị quyết", "Nghị quyết", "Thông báo", "Báo cáo", "Công văn"))
    names = [n for n in DOC_TYPES if n != "Nghị quyết"]
    weights = [4 if n in ("Quyết định", "Kế hoạch", "Báo cáo", "Công văn") else 2 for n in names]
    return rng.choices(names, weights=weights)[0]


def _signer(rng: random.Random, agency: Agency) -> tuple[str, str]:
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


def _recipients(rng: random.Random, agency: Agency, type_name: str) -> tuple[str, ...]:
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


def _proposal(rng: random.Random, issued: dt.date) -> str:
    """The "Xét đề nghị của ..." line of a decision: a proposal dated before ``issued``."""
    ref_date = format_date(issued - dt.timedelta(days=rng.randint(3, 40)))
    proposer = rng.choice(
        (
            "Giám đốc Sở Nội vụ",
            "Giám đốc Sở Tài chính",
            "Chánh Văn phòng Ủy ban nhân dân tỉnh",
            "Trưởng phòng Nội vụ",
        )
    )
    return (
        f"Xét đề nghị của {proposer} tại Tờ trình số {rng.randint(10, 300)}/TTr-"
        f"{rng.choice(('SNV', 'STC', 'VP', 'PNV'))} {ref_date}."
    )


def _legal_bases(rng: random.Random, issued: dt.date) -> list[str]:
    """The "Căn cứ ..." lines in force on ``issued``: laws, decree, a provincial decision."""
    year = issued.year
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
    return [
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
        archives_law,
        clerical,
        f"Căn cứ Quyết định số {rng.randint(10, 99)}/{year - 1}/QĐ-UBND "
        f"{format_date(random_date(rng, year - 1, year - 1))} của Ủy ban nhân dân tỉnh;",
    ]


def _opening(rng: random.Random, type_name: str, agency: Agency, issued: dt.date) -> list[str]:
    """The paragraphs before the body proper, as the type has them."""
    proposal = _proposal(rng, issued)
    bases = _legal_bases(rng, issued)
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
            f"{format_date(issued)}, tại trụ sở {agency.organ.title()}, chúng tôi gồm có:"
        ]
    return []


def _closing(rng: random.Random, type_name: str, agency: Agency) -> list[str]:
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
            f"quả về {rng.choice(ORGS_IN_TEXT)} để tổng hợp./.",
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


def _draw_type(rng: random.Random, extra: random.Random | None) -> tuple[Agency, str, bool]:
    """(agency, type name, Party document); ``extra`` is the ``variety`` stream or None."""
    agency = random_agency(rng)
    type_name = _type_for(rng, agency)
    party = extra is not None and extra.random() < 0.15
    if party:
        agency = party_agency(extra)  # type: ignore[arg-type]
        type_name = extra.choice(("Nghị quyết", "Chỉ thị", "Báo cáo", "Thông báo", "Kế hoạch"))
    elif extra is not None and type_name != "Công văn" and extra.random() < 0.12:
        type_name = extra.choice(tuple(EXTRA_TYPES))
    return agency, type_name, party


def _draw_number(
    rng: random.Random,
    extra: random.Random | None,
    agency: Agency,
    type_name: str,
    year: int,
    party: bool,
) -> tuple[str, str]:
    """(number as printed, notation): Party, công văn, legal or administrative symbol."""
    abbr = (DOC_TYPES.get(type_name) or EXTRA_TYPES[type_name])[1]
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
    return number_text, notation


def _draw_marks(extra: random.Random | None) -> tuple[str, str]:
    """(urgency, secrecy) stamps, only with the ``variety`` stream."""
    urgency = secrecy = ""
    if extra is not None:
        if extra.random() < 0.2:
            urgency = extra.choice(("HỎA TỐC", "THƯỢNG KHẨN", "KHẨN", "KHẨN"))
        if extra.random() < 0.12:
            secrecy = extra.choice(("MẬT", "MẬT", "TỐI MẬT", "TUYỆT MẬT"))
    return urgency, secrecy


def _draw_summary(rng: random.Random, type_name: str, issued: dt.date) -> str:
    """A summary template of the type, filled with a topic and years around ``issued``."""
    year = issued.year
    topic = rng.choice(TOPICS)
    return rng.choice(SUMMARIES.get(type_name) or EXTRA_SUMMARIES[type_name]).format(
        year=year,
        year5=year + 5,
        prev=year - 1,
        prev5=year - 5,
        next=year + 1,
        month=issued.month,
        topic=topic,
        topic_cap=topic[:1].upper() + topic[1:],
    )


@dataclass(frozen=True)
class _Body:
    """The fixed paragraphs of a body; the filler goes in two halves around ``second``."""

    opening: list[str]
    first: list[str]
    second: list[str]
    closing: list[str]

    def around(self, filler: list[str]) -> tuple[str, ...]:
        """The whole body with ``filler`` in it."""
        half = (len(filler) + 1) // 2
        return tuple(
            self.opening + self.first + filler[:half] + self.second + filler[half:] + self.closing
        )


def _fill_pages(rng: random.Random, doc: AdminDocument, body: _Body, target: int) -> AdminDocument:
    """``doc`` with filler paragraphs added until it lays out on ``target`` pages."""
    year = doc.issued.year
    filler: list[str] = []

    def build() -> AdminDocument:
        return replace(doc, body=body.around(filler))

    current = build()
    extra = rng.randint(0, 3)  # paragraphs added once the target is reached, while they fit
    while True:
        count = len(page_layouts(current))
        if count > target or (count == target and extra == 0):
            break
        if count == target:
            extra -= 1
        candidate = vietnamese_paragraphs(rng, 1, year=year)[0]
        filler.append(candidate)
        if len(page_layouts(build())) > target:  # overflow: try its first sentence alone
            filler[-1] = candidate.split(". ")[0].rstrip(".") + "."
            if len(page_layouts(build())) > target:
                filler.pop()
                break
        current = build()
    return with_pages(current, len(page_layouts(current)))


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
    agency, type_name, party = _draw_type(rng, extra)
    type_code = (DOC_TYPES.get(type_name) or EXTRA_TYPES[type_name])[0]
    issued = random_date(rng)
    number, notation = _draw_number(rng, extra, agency, type_name, issued.year, party)
    urgency, secrecy = _draw_marks(extra)
    summary = _draw_summary(rng, type_name, issued)
    prefix, position = _signer(rng, agency)
    signer_name = random_person(rng)
    recipients = _recipients(rng, agency, type_name)
    target = pages if pages is not None else rng.choice((1, 1, 2, 2, 3))
    if target < 1:
        raise ValueError("a document has at least one page")
    opening = _opening(rng, type_name, agency, issued)
    closing = _closing(rng, type_name, agency)
    body = _Body(opening, _middle_first(type_name), _middle_second(type_name), closing)
    doc = AdminDocument(
        parent_organ=agency.parent,
        organ=agency.organ,
        number=number,
        notation=notation,
        place=agency.place,
        issued=issued,
        type_code=type_code,
        type_name=type_name,
        summary=summary,
        body=(),
        signer_prefix=prefix,
        signer_position=position,
        signer_name=signer_name,
        recipients=recipients,
        pages=0,
        urgency=urgency,
        secrecy=secrecy,
        family="party" if party else "",
    )
    return _fill_pages(rng, doc, body, target)
