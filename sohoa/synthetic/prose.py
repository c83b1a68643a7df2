"""Vietnamese administrative prose: dates, numbers and paragraphs from sentence templates.

:func:`vietnamese_paragraphs` draws sentences from :data:`SENTENCES` and fills their slots
(organisations, topics, dates, amounts, percentages) from the caller's random stream, so a
seed always gives the same text.
"""

from __future__ import annotations

import datetime as dt
import random

from sohoa.synthetic.vocab import TOPICS

#: Organisations named in the body text.
ORGS_IN_TEXT = (
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
#: What the body text's sentences act on.
THINGS = (
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
#: What the organisations do.
VERBS = (
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
#: Sentence templates of the body; the first (a legal basis) opens documents only.
SENTENCES = (
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


def rng_for(seed: int) -> random.Random:
    """A random stream of its own for ``seed``."""
    return random.Random(seed)


def format_date(d: dt.date) -> str:
    """'ngày 05 tháng 3 năm 2025': leading zero for days below 10 and months 1-2."""
    day = f"{d.day:02d}"
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {day} tháng {month} năm {d.year}"


def random_date(rng: random.Random, first_year: int = 2016, last_year: int = 2025) -> dt.date:
    """A day drawn evenly from ``first_year`` to ``last_year`` (both whole years)."""
    start = dt.date(first_year, 1, 1).toordinal()
    end = dt.date(last_year, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(start, end))


def fill_template(rng: random.Random, template: str, year: int | None = None) -> str:
    """``template`` with its slots filled: in ``year``, or a year drawn from 2016-2025."""
    year = year or rng.randint(2016, 2025)
    org = rng.choice(ORGS_IN_TEXT)
    topic = rng.choice(TOPICS)
    values = {
        "n": rng.randint(5, 350),
        "date": format_date(random_date(rng, year, year)).removeprefix("ngày "),
        "date2": format_date(random_date(rng, year, year)).removeprefix("ngày "),
        "topic": topic,
        "topic_cap": topic[:1].upper() + topic[1:],
        "org": org,
        "org_cap": org[:1].upper() + org[1:],
        "org2": rng.choice([o for o in ORGS_IN_TEXT if o != org]),
        "verb": rng.choice(VERBS),
        "thing": rng.choice(THINGS),
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
        templates = rng.sample(SENTENCES[1:], rng.randint(2, 4))
        sentences = [fill_template(rng, template, year) for template in templates]
        out.append(" ".join(sentences))
    return out
