"""Code lists and word lists for reading Vietnamese administrative documents.

Matching is done on *folded* text (tone and vowel marks removed, đ→d, lower case) so that OCR
damage to the diacritics does not lose a field; values are always cut from the original text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

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

_MARKS_RE = re.compile(r"[\u0300-\u036f]")


def fold_char(ch: str) -> str:
    """Fold one character: marks removed, đ→d, lower case (may return "" for a lone mark)."""
    if ch in "đĐðÐ":
        return "d"
    base = _MARKS_RE.sub("", unicodedata.normalize("NFD", ch))
    return base.lower()


def fold(text: str) -> str:
    """Accent-insensitive form used for matching: ``"Quyết Định"`` -> ``"quyet dinh"``."""
    return "".join(fold_char(ch) for ch in unicodedata.normalize("NFC", text))


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and map each folded character back to its index in ``text``.

    ``text`` should already be NFC. A span ``[a, b)`` of the folded string corresponds to
    ``text[index[a] : index[b - 1] + 1]``.
    """
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = fold_char(ch)
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def clean_ocr_text(text: str) -> str:
    """NFC, and the look-alike eth (Ð, ð) that OCR emits for Đ, đ mapped back."""
    return unicodedata.normalize("NFC", text).replace("Ð", "Đ").replace("ð", "đ")


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


# --------------------------------------------------------------------------------------------
# Diacritic restoration for agency names and places
# --------------------------------------------------------------------------------------------

#: Words and phrases of agency names whose folded form is unambiguous in a header: OCR that
#: drops or confuses a mark ("TÍNH" for "TỈNH", "UY BAN" for "ỦY BAN") is restored to these.
AGENCY_PHRASES: tuple[str, ...] = (
    "ủy ban nhân dân",
    "hội đồng nhân dân",
    "ủy ban",
    "hội đồng",
    "UBND",
    "HĐND",
    "tỉnh",
    "huyện",
    "thành phố",
    "thị xã",
    "thị trấn",
    "sở",
    "bộ",
    "phòng",
    "cục",
    "chi cục",
    "tổng cục",
    "vụ",
    "văn phòng",
    "trung tâm",
    "ban",
    "nội vụ",
    "tài chính",
    "kế hoạch",
    "đầu tư",
    "kế hoạch và đầu tư",
    "tư pháp",
    "xây dựng",
    "giáo dục và đào tạo",
    "khoa học và công nghệ",
    "y tế",
    "công thương",
    "giao thông vận tải",
    "văn hóa",
    "thể thao",
    "du lịch",
    "văn hóa, thể thao và du lịch",
    "văn hóa và thông tin",
    "thông tin và truyền thông",
    "nông nghiệp",
    "nông nghiệp và phát triển nông thôn",
    "nông nghiệp và môi trường",
    "tài nguyên và môi trường",
    "môi trường",
    "lao động - thương binh và xã hội",
    "dân tộc",
    "thanh tra",
    "công nghệ thông tin",
    "lưu trữ",
    "lưu trữ lịch sử",
    "văn thư",
    "văn thư và lưu trữ nhà nước",
    "số hóa",
    "tài liệu",
    "phục vụ hành chính công",
    "kiểm soát thủ tục",
    "quản lý dự án",
    "đầu tư xây dựng",
    "các công trình dân dụng",
    "truyền thông",
    "thông tin",
    "nhà nước",
    "chính phủ",
    "đảng bộ",
    "tỉnh ủy",
    "thành ủy",
    "huyện ủy",
    "ban thường vụ",
)

#: Provinces and centrally governed cities, before and after the 2025 merger.
PROVINCES: tuple[str, ...] = (
    "An Giang",
    "Bà Rịa - Vũng Tàu",
    "Bạc Liêu",
    "Bắc Giang",
    "Bắc Kạn",
    "Bắc Ninh",
    "Bến Tre",
    "Bình Dương",
    "Bình Định",
    "Bình Phước",
    "Bình Thuận",
    "Cà Mau",
    "Cao Bằng",
    "Cần Thơ",
    "Đà Nẵng",
    "Đắk Lắk",
    "Đắk Nông",
    "Điện Biên",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Hà Giang",
    "Hà Nam",
    "Hà Nội",
    "Hà Tĩnh",
    "Hải Dương",
    "Hải Phòng",
    "Hậu Giang",
    "Hòa Bình",
    "Hưng Yên",
    "Khánh Hòa",
    "Kiên Giang",
    "Kon Tum",
    "Lai Châu",
    "Lạng Sơn",
    "Lào Cai",
    "Lâm Đồng",
    "Long An",
    "Nam Định",
    "Nghệ An",
    "Ninh Bình",
    "Ninh Thuận",
    "Phú Thọ",
    "Phú Yên",
    "Quảng Bình",
    "Quảng Nam",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sóc Trăng",
    "Sơn La",
    "Tây Ninh",
    "Thái Bình",
    "Thái Nguyên",
    "Thanh Hóa",
    "Thừa Thiên Huế",
    "Huế",
    "Tiền Giang",
    "Thành phố Hồ Chí Minh",
    "Hồ Chí Minh",
    "Trà Vinh",
    "Tuyên Quang",
    "Vĩnh Long",
    "Vĩnh Phúc",
    "Yên Bái",
)


def _phrase_table(phrases: Iterable[str]) -> dict[tuple[str, ...], tuple[str, ...]]:
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for phrase in phrases:
        words = tuple(unicodedata.normalize("NFC", phrase).split())
        table[tuple(fold(w) for w in words)] = words
    return table


def _joined_table(phrases: Iterable[str]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Multi-word names that OCR ran together ("BẮCNINH") keyed by their one folded word."""
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for phrase in phrases:
        words = tuple(unicodedata.normalize("NFC", phrase).split())
        if len(words) > 1 and "-" not in words:
            table[("".join(fold(w) for w in words),)] = words
    return table


_AGENCY_TABLE = {**_joined_table(PROVINCES), **_phrase_table(AGENCY_PHRASES + PROVINCES)}
_PLACE_TABLE = {**_joined_table(PROVINCES), **_phrase_table(PROVINCES)}
_LONGEST = max(len(k) for k in _AGENCY_TABLE)


def _with_case(canonical: str, original: str) -> str:
    letters = [ch for ch in original if ch.isalpha()]
    if letters and all(ch.isupper() for ch in letters):
        return canonical.upper()
    if letters and letters[0].isupper():
        return canonical[:1].upper() + canonical[1:]
    return canonical


_TRAILING = ",.;:"


#: One-word head nouns restored only as a name's first word: inside a name "PHONG" is more
#: likely a place (Yên Phong) than "PHÒNG" (the phrases "văn phòng", "đảng bộ" cover the rest).
_HEAD_ONLY = frozenset({("phong",), ("so",), ("bo",), ("cuc",), ("vu",)})


def _restore(text: str, table: dict[tuple[str, ...], tuple[str, ...]]) -> str:
    words = text.split()
    folded = [fold(w).rstrip(_TRAILING) for w in words]
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST, len(words) - i), 0, -1):
            key = tuple(folded[i : i + size])
            canonical = table.get(key)
            if canonical is not None and i > 0 and key in _HEAD_ONLY:
                canonical = None
            if canonical is not None:
                if size == 1 and len(canonical) > 1:  # words run together: split them
                    core = words[i].rstrip(_TRAILING)
                    joined = " ".join(_with_case(right, core) for right in canonical)
                    out.append(joined + words[i][len(core) :])
                for original, right in zip(words[i : i + size], canonical, strict=False):
                    if size == 1 and len(canonical) > 1:
                        break
                    core = original.rstrip(_TRAILING)
                    out.append(_with_case(right, core) + original[len(core) :])
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def restore_agency_marks(text: str) -> str:
    """Restore the marks of well-known agency-name words and provinces, keeping the case."""
    return _restore(text, _AGENCY_TABLE)


def restore_place_marks(text: str) -> str:
    """Restore the marks of province and city names in a place."""
    return _restore(text, _PLACE_TABLE)


_DATE_WORDS = {"nam": "năm", "thang": "tháng", "ngay": "ngày"}
_YEAR_RE = re.compile(r"^(1[89]\d\d|20\d\d)\W*$")
_SMALL_NUMBER_RE = re.compile(r"^\d{1,2}\W*$")


def restore_date_words(text: str) -> str:
    """ "nam 2024" -> "năm 2024", "thang 3" -> "tháng 3": before a number these are certain."""
    words = text.split()
    for i, word in enumerate(words[:-1]):
        key = fold(word)
        if key not in _DATE_WORDS or word == _DATE_WORDS[key]:
            continue
        nxt = words[i + 1]
        if (key == "nam" and _YEAR_RE.match(nxt)) or (key != "nam" and _SMALL_NUMBER_RE.match(nxt)):
            if word[:1].islower():
                words[i] = _DATE_WORDS[key]
    return " ".join(words)


#: Set phrases of administrative summaries whose marks tesseract gets wrong in bold 14 pt
#: type, spelled right: read in context, "mức chỉ" is "mức chi" (spending level), "tôn đọng"
#: is "tồn đọng" (a backlog). Only whole phrases are restored, never a lone word.
SUMMARY_PHRASES: tuple[str, ...] = (
    "mức chi",
    "định mức chi",
    "bảo đảm",
    "đảm bảo",
    "lãng phí",
    "tồn đọng",
    "đầu tư",
    "đầu tư công",
    "kinh phí",
    "ngân sách",
    "chỉnh lý",
    "lưu trữ",
    "văn thư",
    "hồ sơ",
    "tài liệu",
    "số hóa",
    "tiết kiệm",
    "phê duyệt",
    "ban hành",
    "quy chế",
    "thành lập",
    "khen thưởng",
    "kỷ luật",
    "kỷ cương",
    "chấn chỉnh",
    "tăng cường",
    "triển khai",
    "nâng cao",
    "hiệu quả",
    "tổng kết",
    "đôn đốc",
    "góp ý",
    "dự thảo",
    "tập huấn",
    "nghiệp vụ",
    "tiếp công dân",
    "định kỳ",
    "giai đoạn",
    "bổ sung",
    "số liệu",
    "chuyển đổi số",
    "cải cách hành chính",
    "thủ tục hành chính",
    "tham nhũng",
    "cơ sở dữ liệu",
    "chữ ký số",
    "dịch vụ công",
    "trực tuyến",
)
_SUMMARY_TABLE = _phrase_table(SUMMARY_PHRASES)


def restore_summary_marks(text: str) -> str:
    """Date words before numbers ("nam 2024") and :data:`SUMMARY_PHRASES` spelled right."""
    return _restore(restore_date_words(text), _SUMMARY_TABLE)


# --------------------------------------------------------------------------------------------
# Signature block and recipients
# --------------------------------------------------------------------------------------------

#: Posts and collective bodies printed in signature blocks (Decree 30, appendix I).
POSITION_PHRASES: tuple[str, ...] = (
    "chủ tịch",
    "phó chủ tịch",
    "giám đốc",
    "phó giám đốc",
    "bộ trưởng",
    "thứ trưởng",
    "trưởng phòng",
    "phó trưởng phòng",
    "chánh văn phòng",
    "phó chánh văn phòng",
    "trưởng ban",
    "phó trưởng ban",
    "cục trưởng",
    "phó cục trưởng",
    "vụ trưởng",
    "hiệu trưởng",
    "viện trưởng",
    "chánh thanh tra",
    "bí thư",
    "phó bí thư",
    "ban thường vụ",
    "ban chấp hành",
    "thủ tướng",
    "phó thủ tướng",
    "chính phủ",
    "ủy ban nhân dân",
    "hội đồng nhân dân",
    "thường trực",
    "tỉnh ủy",
    "thành ủy",
    "huyện ủy",
)

#: Common Vietnamese family and middle names: the marks OCR drops from a signer's name are
#: restored for these only (given names are too ambiguous: Thang/Thắng/Thăng).
NAME_PARTS: tuple[str, ...] = (
    "Nguyễn",
    "Lê",
    "Hà",
    "Trần",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Trịnh",
    "Đinh",
    "Trương",
    "Đào",
    "Đoàn",
    "Lương",
    "Văn",
    "Thị",
    "Đức",
    "Quốc",
    "Hữu",
    "Ngọc",
    "Bích",
    "Xuân",
)

#: Phrases common in "Nơi nhận" lists.
RECIPIENT_PHRASES: tuple[str, ...] = (
    "để b/c",
    "để biết",
    "như trên",
    "như điều 3",
    "lưu trữ",
    "lịch sử",
    "tỉnh ủy",
    "cổng thông tin điện tử",
    "các sở, ban, ngành",
    "văn thư",
    "nhà nước",
    "nội vụ",
    "tài chính",
    "tỉnh",
    "huyện",
    "thành phố",
    "chủ tịch",
    "các phòng chuyên môn",
    "trung tâm",
)

_POSITION_TABLE = {**_phrase_table(POSITION_PHRASES + AGENCY_PHRASES)}
_NAME_TABLE = _phrase_table(NAME_PARTS)
_RECIPIENT_TABLE = _phrase_table(
    tuple(p.replace(",", "") for p in RECIPIENT_PHRASES) + AGENCY_PHRASES
)


_KNOWN_POSTS = frozenset(fold(p) for p in POSITION_PHRASES)


def known_position(text: str) -> bool:
    """True when ``text`` folds to a post of :data:`POSITION_PHRASES` ("PHÓ CHỦ TỊCH")."""
    return " ".join(fold(text).split()) in _KNOWN_POSTS


def restore_position_marks(text: str) -> str:
    """Restore the marks of posts and bodies in a signature line ("CHỦ TICH" -> "CHỦ TỊCH")."""
    return _restore(text, _POSITION_TABLE)


def restore_name_marks(text: str) -> str:
    """Restore the marks of common family and middle names ("Dang Văn An" -> "Đặng Văn An")."""
    return _restore(text, _NAME_TABLE)


def restore_recipient_marks(text: str) -> str:
    """Restore the marks of words common in "Nơi nhận" lists; "Luu:" -> "Lưu:"."""
    text = _restore(text, _RECIPIENT_TABLE)
    text = re.sub(
        r"\(\s*(\S{1,3})\s+b/c\s*\)",
        lambda m: "(để b/c)" if fold(m.group(1)) == "de" else m.group(0),
        text,
    )
    if fold(text).startswith(("luu:", "luu ")):
        text = "Lưu" + text[3:]
    return text


# --------------------------------------------------------------------------------------------
# Vietnamese syllables
# --------------------------------------------------------------------------------------------

#: Initial consonants, longest first.
_INITIALS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip

#: Rhymes (medial, vowel and final, without the tone), as spelled after a consonant.
_RHYMES = frozenset(
    """
    a ac ach ai am an ang anh ao ap at au ay
    ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et
    ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
    o oc oi om on ong op ot ooc oong
    ô ôc ôi ôm ôn ông ôp ôt
    ơ ơi ơm ơn ơp ơt
    u uc ui um un ung up ut ua uôc uôi uôm uôn uông uôt
    ư ưc ưi ưm ưn ưng ưt ưu ưa ươc ươi ươm ươn ương ươp ươt ươu
    y
    oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt
    oe oen oeo oet
    uân uâng uât uây uê uêch uênh uơ uy uya uych uyên uyêt uynh uyt uyu
    """.split()
)
#: Rhymes a syllable may take only without an initial consonant ("yên", "yêu") or after "qu".
_BARE_RHYMES = frozenset("yêm yên yêng yêt yêu".split())
_FRONT = ("i", "e", "ê", "y")
#: Tone marks (combining): grave, acute, tilde, hook above, dot below.
_TONES = {"\u0300": "huyền", "\u0301": "sắc", "\u0303": "ngã", "\u0309": "hỏi", "\u0323": "nặng"}
_VOWEL_MARKS = frozenset("\u0302\u0306\u031b")  # circumflex, breve, horn
_STOPS = ("c", "ch", "p", "t")


def _untoned(word: str) -> tuple[str, list[str]] | None:
    """(the syllable without its tone mark, lower case; the tone marks), None if not letters."""
    base: list[str] = []
    tones: list[str] = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            tones.append(_TONES[ch])
        elif ch in _VOWEL_MARKS or ch.isascii() and ch.isalpha() or ch == "đ":
            base.append(ch)
        else:
            return None
    return unicodedata.normalize("NFC", "".join(base)), tones


def _rhyme_ok(initial: str, rhyme: str) -> bool:
    if initial == "qu":
        return rhyme in _RHYMES and not rhyme.startswith(("o", "u")) or rhyme in _BARE_RHYMES
    if initial == "":
        return rhyme in _RHYMES or rhyme in _BARE_RHYMES
    if rhyme not in _RHYMES:
        return False
    front = rhyme.startswith(_FRONT)
    if initial in ("k", "gh", "ngh"):
        return front
    if initial in ("c", "ng") and front:
        return False
    if initial == "g" and rhyme.startswith(("e", "ê", "i")):
        return False
    labial = initial in ("b", "m", "p", "ph", "v")
    return not (labial and rhyme.startswith(("oa", "oă", "oe", "uâ", "uê", "uy")))


def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` (letters only, any case) is spelled like a Vietnamese syllable.

    Checks the initial consonant, the rhyme (medial, vowel, final), the spelling rules
    (k/gh/ngh before i, e, ê; c/g/ng not), at most one tone mark, and that a syllable ending
    in c, ch, p or t carries the acute or the dot below. Typical misreadings of the marks
    fail it: "chầp" (a stop with the grave), "ngưòi" (two tones), "thuc" (a stop, no tone).
    """
    parsed = _untoned(word)
    if parsed is None or not parsed[0]:
        return False
    base, tones = parsed
    if len(tones) > 1:
        return False
    if base.endswith(_STOPS) and (not tones or tones[0] not in ("sắc", "nặng")):
        return False
    for initial in _INITIALS:
        if not base.startswith(initial):
            continue
        rhyme = base[len(initial) :]
        if initial == "gi" and (rhyme == "" or rhyme[0] not in "aăâeêoôơuưy" or rhyme[0] == "y"):
            if "i" + rhyme in _RHYMES:  # "gì", "gìn" (gi + in)
                return True
            continue
        if rhyme and _rhyme_ok(initial, rhyme):
            return True
    return False


def odd_syllables(text: str) -> list[str]:
    """Words of ``text`` that cannot be Vietnamese syllables (numbers and acronyms skipped).

    Words with a digit and all-capital words without marks other than Đ (UBND, HĐND,
    COVID) are not checked; what remains and fails :func:`is_vietnamese_syllable` is a sign
    of a misread (or a foreign word, which deserves a look in a summary too).
    """
    out = []
    for raw in text.split():
        for part in re.split(r"[-–/]", raw):
            word = part.strip(".,;:()\"'“”!?…")
            if not word or any(ch.isdigit() for ch in word):
                continue
            plain = word.replace("Đ", "D")
            if word.isupper() and (len(word) == 1 or fold(plain) == plain.lower()):
                continue
            if not is_vietnamese_syllable(word):
                out.append(word)
    return out
