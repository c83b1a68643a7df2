"""Places and people of the generated documents: provinces, districts, communes, names.

Spelled as printed in Vietnamese administrative documents; the choice of a name is made by
the caller's random stream, so a seed always gives the same place and person.
"""

from __future__ import annotations

import random

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
#: Centrally governed cities: "THÀNH PHỐ", not "TỈNH".
CITIES = frozenset({"Hà Nội", "Cần Thơ", "Hải Phòng"})
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


def random_person(rng: random.Random) -> str:
    """A full name (family, middle, given), male three times in five."""
    if rng.random() < 0.6:
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"


def province_unit(province: str) -> str:
    """The province as an administrative unit in capitals: "TỈNH BẮC NINH", "THÀNH PHỐ HÀ NỘI"."""
    return ("THÀNH PHỐ " if province in CITIES else "TỈNH ") + province.upper()
