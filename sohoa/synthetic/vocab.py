"""Document types and summaries of the generated documents.

The TT05 code and Decree 30 abbreviation of each type, the topics documents are about and
the summary templates of each type (``{year}``, ``{topic}``... filled in by the caller).
"""

from __future__ import annotations

#: Type name -> (TT05 type code, Decree 30 abbreviation).
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

#: Extra types for ``variety=True``: the Đ traps of DOMAIN.md (HĐ/HD, ĐA/DA).
EXTRA_TYPES = {"Hợp đồng": ("21", "HĐ"), "Dự án": ("13", "DA"), "Đề án": ("12", "ĐA")}

#: What documents are about (a summary's and a paragraph's ``{topic}``).
TOPICS = (
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

#: Summary templates by type name.
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
#: Summary templates of the extra types.
EXTRA_SUMMARIES = {
    "Hợp đồng": (
        "Về việc số hóa tài liệu lưu trữ năm {year}",
        "Thuê dịch vụ chỉnh lý tài liệu tồn đọng",
    ),
    "Dự án": ("Đầu tư xây dựng kho lưu trữ chuyên dụng giai đoạn {year}-{year5}",),
}
