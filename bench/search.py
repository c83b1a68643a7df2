"""Search benchmark at archive scale: generate N pages, build the FTS5 index, time a query mix.

    .venv/bin/python bench/search.py [--pages 1000000] [--db bench/out/search.db] [--keep]
                                     [--batch 2000] [--runs 30] [--seed 1] [--json FILE]
                                     [--grow 10000] [--grow-batch 500] [--pairs]

The text comes from a syllable bigram model trained on a small built-in sample of
administrative Vietnamese (written for this script), cut into sentences and mixed with
document numbers (``141/KH-UBND``), dates, agencies, place and person names drawn from a
Zipf-like distribution (so there are very common and very rare terms). Documents have 1 to 8
pages. Nothing is downloaded or read from outside the repository.

Prints the build rate (pages/s), the index size per page and p50/p95/p99 latency per query
class, and compares them with the targets (>= 2,000 pages/s; p95 < 50 ms, p99 < 200 ms);
beside them the CPU milliseconds of the query (this process: SQLite runs in it), which
other load on a shared machine does not inflate as it does the wall time.
The issue's classes come first; then what the web app adds (a user's ``Access``, date sorts,
record listings, ``facets``), measured the same way. Records have units and access modes
(70 % public, 20 % conditional, 10 % secret). ``--bm25-max-pages 0`` ranks a small archive
the way a 1M-page one is ranked (no bm25), for iterating at 100k pages.

``--grow N`` then adds N more pages from a second process (commits of ``--grow-batch``) while
this one runs the query mix without pause: it prints the latencies measured during the write
and, for every commit, how long until a word only that commit holds is found by a search.
The build prints the process's peak resident memory. ``--pairs`` builds the index with the
word-pair column (``SOHOA_SEARCH_PAIRS``); with ``--keep`` an index keeps the layout it has.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import itertools
import json
import multiprocessing
import os
import random
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# This file is named like the package it measures: drop its own folder from the path first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from search import Access, PageEntry, SearchQuery, SqliteIndex  # noqa: E402

SAMPLE = """
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015.
Căn cứ Nghị định của Chính phủ quy định về công tác văn thư và quản lý tài liệu lưu trữ.
Xét đề nghị của Giám đốc Sở Nội vụ tại Tờ trình về việc ban hành quy chế làm việc.
Ủy ban nhân dân tỉnh ban hành kế hoạch triển khai chuyển đổi số trên địa bàn tỉnh.
Các sở, ban, ngành và Ủy ban nhân dân các huyện, thành phố có trách nhiệm tổ chức thực hiện.
Giao Văn phòng Ủy ban nhân dân tỉnh theo dõi, đôn đốc và tổng hợp báo cáo kết quả thực hiện.
Kinh phí thực hiện được bố trí từ nguồn ngân sách nhà nước theo phân cấp hiện hành.
Trong quá trình thực hiện, nếu có khó khăn, vướng mắc đề nghị phản ánh kịp thời để xem xét.
Quyết định này có hiệu lực kể từ ngày ký và thay thế các quy định trước đây trái với quyết định này.
Chánh Văn phòng, Giám đốc các sở và Chủ tịch Ủy ban nhân dân cấp huyện chịu trách nhiệm thi hành.
Tăng cường công tác cải cách hành chính, nâng cao chất lượng phục vụ người dân và doanh nghiệp.
Đẩy mạnh ứng dụng công nghệ thông tin trong hoạt động của cơ quan nhà nước.
Phát triển hạ tầng số, nền tảng dữ liệu dùng chung và cơ sở dữ liệu chuyên ngành.
Bảo đảm an toàn, an ninh mạng và bảo vệ bí mật nhà nước trong quá trình vận hành hệ thống.
Tổ chức tuyên truyền, phổ biến pháp luật về phòng chống tham nhũng và thực hành tiết kiệm.
Rà soát, sắp xếp tổ chức bộ máy tinh gọn, hoạt động hiệu lực, hiệu quả.
Thực hiện tinh giản biên chế gắn với cơ cấu lại đội ngũ cán bộ, công chức, viên chức.
Báo cáo tình hình kinh tế xã hội, quốc phòng, an ninh sáu tháng đầu năm và nhiệm vụ trọng tâm.
Tổng thu ngân sách trên địa bàn đạt kế hoạch, chi ngân sách bảo đảm đúng dự toán được giao.
Sản xuất nông nghiệp ổn định, diện tích gieo trồng lúa và hoa màu tăng so với cùng kỳ.
Công tác phòng chống thiên tai, tìm kiếm cứu nạn được triển khai chủ động, kịp thời.
Ngành y tế tập trung phòng chống dịch bệnh, bảo đảm vệ sinh an toàn thực phẩm.
Ngành giáo dục tổ chức tốt kỳ thi tốt nghiệp trung học phổ thông và tuyển sinh đầu cấp.
Văn hóa, thể thao và du lịch có nhiều hoạt động sôi nổi chào mừng các ngày lễ lớn.
Lao động, thương binh và xã hội thực hiện đầy đủ chính sách đối với người có công.
Tài nguyên và môi trường tăng cường quản lý đất đai, khoáng sản và xử lý chất thải.
Giao thông vận tải đầu tư nâng cấp các tuyến đường tỉnh, đường giao thông nông thôn.
Xây dựng nông thôn mới, đô thị văn minh gắn với giảm nghèo bền vững.
Thanh tra tiếp công dân, giải quyết khiếu nại, tố cáo đúng quy định của pháp luật.
Hồ sơ lưu trữ được chỉnh lý, số hóa và nộp lưu vào Lưu trữ lịch sử của tỉnh.
Biên bản bàn giao tài liệu được lập thành hai bản, mỗi bên giữ một bản có giá trị như nhau.
Đề nghị các đơn vị gửi báo cáo về Sở Nội vụ trước ngày mười lăm hằng tháng để tổng hợp.
Thời gian tổ chức hội nghị vào lúc tám giờ sáng tại hội trường Ủy ban nhân dân tỉnh.
Thành phần tham dự gồm lãnh đạo các sở, ngành và đại diện các tổ chức chính trị xã hội.
Mặc dù còn nhiều khó khăn nhưng các chỉ tiêu chủ yếu đều đạt và vượt kế hoạch đề ra.
Ma túy và tệ nạn xã hội được kiềm chế, số người nghiện giảm so với cùng kỳ năm trước.
Má và mạ là cách gọi mẹ ở một số địa phương, mã số thuế được cấp cho người nộp thuế.
Thủy lợi, thủy điện và thủy sản là thế mạnh của các huyện vùng cao và ven biển.
Khen thưởng kịp thời các tập thể, cá nhân có thành tích xuất sắc trong phong trào thi đua.
Kỷ luật nghiêm những trường hợp vi phạm, gây thất thoát, lãng phí tài sản nhà nước.
Đào tạo, bồi dưỡng nâng cao trình độ chuyên môn, nghiệp vụ cho đội ngũ cán bộ cơ sở.
Người đứng đầu cơ quan, đơn vị chịu trách nhiệm trước Chủ tịch Ủy ban nhân dân tỉnh.
"""
ORGANS = [
    "Ủy ban nhân dân tỉnh {p}", "Sở Nội vụ tỉnh {p}", "Sở Y tế tỉnh {p}",
    "Sở Tài chính tỉnh {p}", "Ủy ban nhân dân huyện {p}", "Ủy ban nhân dân xã {p}",
    "Hội đồng nhân dân tỉnh {p}", "Văn phòng Ủy ban nhân dân tỉnh {p}",
    "Sở Giáo dục và Đào tạo tỉnh {p}", "Công an tỉnh {p}",
]  # fmt: skip
ORGAN_ABBR = ["UBND", "SNV", "SYT", "STC", "UBND", "UBND", "HĐND", "VP", "SGDĐT", "CA"]
TYPES = [
    ("02", "Quyết định", "QĐ"), ("10", "Kế hoạch", "KH"), ("22", "Công văn", ""),
    ("14", "Báo cáo", "BC"), ("07", "Thông báo", "TB"), ("15", "Tờ trình", "TTr"),
    ("01", "Nghị quyết", "NQ"), ("20", "Biên bản", "BB"), ("26", "Giấy mời", "GM"),
]  # fmt: skip
PLACES = (
    "Hà Giang,Lào Cai,Đà Nẵng,Quảng Nam,Nghệ An,Thanh Hóa,Cao Bằng,Sơn La,Điện Biên,Yên Bái,"
    "Tuyên Quang,Bắc Kạn,Lạng Sơn,Hòa Bình,Phú Thọ,Thái Nguyên,Ninh Bình,Huế,Kon Tum,Gia Lai"
).split(",")
SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Văn Thị Hữu Đức Minh Thanh Ngọc Quang Xuân Thu".split()
ONSETS = "b c ch d đ g gi h kh l m n ng nh ph qu s t th tr v x".split()
RIMES = (
    "a á à ả ã ạ an ang anh ao au ay ă ắn ặt âm ấn ầu e é ê ến ệt i in inh iêu o ó ò ọc oa "
    "oan oàng ô ốc ông ơ ớn u ú ủy un ung uân ưa ươn ương y yên"
).split()


def _bigrams(text: str) -> dict[str, tuple[list[str], list[int]]]:
    """Syllable bigram counts of ``text`` (lower-cased), "<s>" and "</s>" at sentence ends."""
    counts: dict[str, dict[str, int]] = {}
    for sentence in text.strip().splitlines():
        words = ["<s>", *sentence.rstrip(".").replace(",", " ,").split(), "</s>"]
        for a, b in zip(words, words[1:], strict=False):
            counts.setdefault(a, {}).setdefault(b, 0)
            counts[a][b] += 1
    return {a: (list(nxt), list(nxt.values())) for a, nxt in counts.items()}


class Generator:
    """Pages of plausible administrative Vietnamese, deterministic for a seed."""

    def __init__(self, seed: int = 1, *, sentences: int = 20_000) -> None:
        self.rng = rng = random.Random(seed)
        model = _bigrams(SAMPLE)
        self.sentences = []
        for _ in range(sentences):
            word, out = "<s>", []
            while len(out) < 40:
                nxt, weights = model[word]
                word = rng.choices(nxt, weights)[0]
                if word == "</s>":
                    break
                out.append(word)
            text = " ".join(out).replace(" ,", ",")
            self.sentences.append(text[:1].upper() + text[1:] + ".")
        # A long tail of invented syllables and names: rare terms, Zipf-like frequencies.
        self.rare = sorted({rng.choice(ONSETS) + rng.choice(RIMES) for _ in range(4000)})
        self.names = [
            f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(self.rare).capitalize()}"
            for _ in range(20_000)
        ]
        self.name_cum = list(itertools.accumulate(1.0 / (k + 1) for k in range(len(self.names))))
        self._numbers: dict[int, tuple[str, str, str, str, str, str]] = {}

    def number(self, doc: int) -> tuple[str, str, str, str, str, str]:
        """(number, type code, type name, organ, issued, abbreviation) of document ``doc``."""
        cached = self._numbers.get(doc)
        if cached is not None:
            return cached
        rng = random.Random(doc * 7919)
        code, name, abbr = TYPES[rng.randrange(len(TYPES))]
        k = rng.randrange(len(ORGANS))
        place = rng.choice(PLACES)
        organ = ORGANS[k].format(p=place)
        year = 2010 + rng.randrange(16)
        issued = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        seq = doc % 997 + 1
        org = ORGAN_ABBR[k]
        if not abbr:
            number = f"{seq}/{org}-VP"
        elif code == "02":
            number = f"{seq:02d}/{year}/{abbr}-{org}"
        else:
            number = f"{seq}/{abbr}-{org}"
        out = (number, code, name, organ, issued, f"{doc}")
        if len(self._numbers) > 100_000:
            self._numbers.clear()
        self._numbers[doc] = out
        return out

    def page(self, doc: int, page_no: int, meta: tuple[str, ...]) -> str:
        rng = self.rng
        number, _code, type_name, organ, issued, _ = meta
        parts: list[str] = []
        if page_no == 1:
            y, m, d = issued.split("-")
            parts.append(
                f"{organ.upper()} CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc "
                f"Số: {number} ngày {int(d)} tháng {int(m)} năm {y} {type_name.upper()}"
            )
        words = 0
        target = rng.randint(250, 450)
        rnd = rng.random
        while words < target:
            r = rnd()
            if r < 0.80:
                s = self.sentences[int(rnd() * len(self.sentences))]
            elif r < 0.88:
                cited = self.number(int(rnd() * doc) + 1)[0]
                day, month, year = int(rnd() * 28) + 1, int(rnd() * 12) + 1, 2005 + int(rnd() * 20)
                s = f"Căn cứ văn bản số {cited} ngày {day} tháng {month} năm {year}."
            elif r < 0.95:
                k = bisect.bisect(self.name_cum, rnd() * self.name_cum[-1])
                name = self.names[min(k, len(self.names) - 1)]
                s = f"Ông {name} được giao nhiệm vụ tại {PLACES[int(rnd() * len(PLACES))]}."
            else:
                s = " ".join(self.rare[int(rnd() * len(self.rare))] for _ in range(3)) + "."
            parts.append(s)
            words += s.count(" ") + 1
        return " ".join(parts)

    def entries(self, pages: int, *, after: tuple[int, int] = (0, 0)) -> Iterator[PageEntry]:
        """``pages`` pages, after page id and document id ``after`` (an index to grow)."""
        pid, doc = after
        pages += pid
        while pid < pages:
            doc += 1
            meta = self.number(doc)
            n = min(pages - pid, self.rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5, 8)))
            # Records of 50 documents, owned by one of 12 units; 70 % public, 20 %
            # conditional ('02'), 10 % secret ('03'), per record.
            rec = doc // 50
            unit = f"U{rec % 12:02d}"
            access = ("01",) * 7 + ("02",) * 2 + ("03",)
            mode = access[rec * 7919 % 10]
            for page_no in range(1, n + 1):
                pid += 1
                yield PageEntry(
                    page_id=pid,
                    document_id=doc,
                    page_no=page_no,
                    text=self.page(doc, page_no, meta),
                    number=meta[0],
                    type_code=meta[1],
                    type_name=meta[2],
                    organ=meta[3],
                    issued=meta[4],
                    title=f"{meta[2]} {meta[0]}",
                    record=f"HS-{doc // 50:05d}",
                    fonds="Phông UBND tỉnh",
                    unit=unit,
                    access=mode,
                )


def _batches(it: Iterator[PageEntry], size: int) -> Iterator[list[PageEntry]]:
    batch: list[PageEntry] = []
    for entry in it:
        batch.append(entry)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def query_mix(gen: Generator, pages: int) -> dict[str, list[SearchQuery]]:
    """The fixed query mix: several queries per class, all drawn from the generated text."""
    rng = random.Random(99)
    docs = max(1, pages // 3)
    nums = [gen.number(rng.randrange(1, docs))[0] for _ in range(6)]
    rare_names = [gen.names[-k] for k in (1, 50, 300, 1000)]
    return {
        "single syllable": [SearchQuery(w) for w in ("thuế", "lúa", "kỷ", "mạ", "điện")],
        "two words": [SearchQuery(w) for w in ("ngân sách", "y tế", "thiên tai", "nông thôn")],
        "folded": [SearchQuery(w) for w in ("quyet dinh", "chuyen doi so", "thuy loi", "dat dai")],
        "accented": [SearchQuery(w) for w in ("mà", "má", "mã số thuế", "thủy điện", "Đà Nẵng")],
        "phrase": [
            SearchQuery(w)
            for w in ('"cải cách hành chính"', '"an toàn thực phẩm"', '"nông thôn mới"')
        ],
        "number lookup": [SearchQuery(n) for n in nums[:4]]
        + [SearchQuery(number=n) for n in nums[4:]],
        "filtered": [
            SearchQuery("báo cáo", type="Báo cáo", date_from="2018", date_to="2020"),
            SearchQuery("dịch bệnh", organ="so y te"),
            SearchQuery(type="Quyết định", organ="ha giang", date_from="2024"),
            SearchQuery("ngân sách", organ="Hà Giang", type="02"),
        ],
        "rare": [SearchQuery(n) for n in rare_names] + [SearchQuery(gen.rare[7])],
        "very common": [
            SearchQuery(w) for w in ("ủy ban nhân dân", "thực hiện", "và", "năm", "các")
        ],
        "page 10": [SearchQuery("nhà nước", offset=180), SearchQuery("cán bộ", offset=180)],
    }


def web_mix(pages: int) -> dict[str, list[SearchQuery]]:
    """What the web app adds: a user's access, date sorts, fonds/record filters, facets."""
    user = Access(
        units=frozenset({"U03"}),
        records=frozenset({f"Phông UBND tỉnh/HS-{k:05d}" for k in range(0, pages // 150, 97)}),
    )
    return {
        "user access": [
            SearchQuery(w, access=user) for w in ("thuế", "thủy điện", "ngân sách", "kỷ luật")
        ]
        + [SearchQuery(type="Báo cáo", date_from="2020", access=user)],
        "sorted by date": [
            SearchQuery("thiên tai", sort="date_desc", access=user),
            SearchQuery("quyet dinh", sort="date_asc"),
            SearchQuery(organ="Sở Y tế", sort="date_desc", access=user),
            SearchQuery(type="Tờ trình", sort="date_desc", offset=100),
        ],
        "record listing": [
            SearchQuery(record=f"HS-{k:05d}", fonds="Phông UBND tỉnh", access=user)
            for k in (3, 150, 1000)
        ],
    }


FACETS = [
    SearchQuery("thủy điện"),
    SearchQuery("ngân sách", access=Access(units=frozenset({"U01"}))),
    SearchQuery(type="Quyết định", date_from="2024"),
    SearchQuery("cải cách hành chính", organ="Hà Giang"),
]


def _grow_writer(path: Path, gen: Generator, after: tuple[int, int], pages: int, batch: int,
                 out: Any) -> None:  # fmt: skip
    """In a child process: add ``pages`` pages in commits of ``batch``; after each commit put
    (probe word, commit time) on ``out``, then (pages, wall s, CPU s) at the end."""
    ix = SqliteIndex(path)  # the layout it has
    start, cpu0 = time.perf_counter(), time.process_time()
    it = gen.entries(pages, after=after)
    for k, entries in enumerate(_batches(it, batch)):
        probe = f"growprobe{k}x{after[0]}"  # one word no other page holds
        first = entries[0]
        entries[0] = dataclasses.replace(first, text=f"{first.text} {probe}")
        ix.index_pages(entries)
        out.put((probe, time.perf_counter()))
    out.put((pages, time.perf_counter() - start, time.process_time() - cpu0))
    ix.close()


def grow(ix: SqliteIndex, path: Path, gen: Generator, mixes: dict[str, list[SearchQuery]],
         pages: int, batch: int) -> dict[str, object]:  # fmt: skip
    """Add ``pages`` pages from another process while this one runs the query mix; return
    the latencies measured during the write and the commit-to-searchable delays."""
    with ix._db.reader() as conn:  # noqa: SLF001 - the bench reads the ids it continues from
        after = conn.execute("SELECT max(page_id), max(document_id) FROM search_pages").fetchone()
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    writer = ctx.Process(target=_grow_writer, args=(path, gen, tuple(after), pages, batch, out))
    delays: list[float] = []
    done: list[tuple[int, float, float]] = []

    def probe() -> None:  # each batch's probe word: how long after its commit it is found
        while not done:
            item = out.get()
            if len(item) == 3:
                done.append(item)
                return
            word, committed = item
            while ix.search(SearchQuery(word)).total < 1:
                time.sleep(0.01)
            delays.append(time.perf_counter() - committed)

    times: dict[str, list[float]] = {label: [] for label in mixes}
    watcher = threading.Thread(target=probe)
    writer.start()
    watcher.start()
    while watcher.is_alive():
        for label, queries in mixes.items():
            run = ix.facets if label == "facets" else ix.search
            for q in queries:
                t0 = time.perf_counter()
                run(q)
                times[label].append((time.perf_counter() - t0) * 1000)
    writer.join()
    watcher.join()
    _, wall, cpu = done[0]
    print(f"grew by {pages} pages in commits of {batch} from another process: {wall:.1f} s, "
          f"{pages / wall:.0f} pages/s wall, {pages / cpu:.0f} pages per CPU second")  # fmt: skip
    print(
        f"commit -> searchable: max {max(delays) * 1000:.0f} ms, median "
        f"{percentile(delays, 50) * 1000:.0f} ms over {len(delays)} commits (target 5 s)"
    )
    print(f"{'during the write':18s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s}")
    classes = {}
    for label, ts in times.items():
        p50, p95, p99 = (percentile(ts, q) for q in (50, 95, 99))
        ok = "PASS" if p95 < 50 and p99 < 200 else "MISS"
        print(f"{label:18s} {len(ts):4d} {p50:8.1f} {p95:8.1f} {p99:8.1f}  {ok}")
        classes[label] = {"n": len(ts), "p50": p50, "p95": p95, "p99": p99}
    return {
        "pages": pages,
        "batch": batch,
        "pages_per_s": round(pages / wall),
        "pages_per_cpu_s": round(pages / cpu),
        "visible_max_ms": round(max(delays) * 1000),
        "latency_ms": classes,
    }


def _rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=50_000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=20, help="timed runs of each query")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="reuse --db if it is already built")
    ap.add_argument(
        "--no-optimize",
        action="store_true",
        help="skip merging the FTS segments into one after the build (as `sohoa reindex` "
        "does); queries then see the segments an index grown batch by batch has",
    )
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--pairs", action="store_true", help="build the index with word pairs")
    ap.add_argument(
        "--grow",
        type=int,
        default=0,
        help="then add this many pages from another process while the query mix runs",
    )
    ap.add_argument("--grow-batch", type=int, default=500, help="pages per commit of --grow")
    ap.add_argument(
        "--bm25-max-pages",
        type=int,
        default=None,
        help="override SqliteIndex.bm25_max_pages (0: rank as at 1M pages on a small archive)",
    )
    ap.add_argument(
        "--number-phrase",
        action="store_true",
        help="look numbers cited on pages up as the phrase of their words, as before the "
        "cited-number tokens (same index; for a side-by-side run)",
    )
    args = ap.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "search.db"
    print(
        f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}, database {path}"
    )
    gen = Generator(args.seed)
    ix = SqliteIndex(path, pairs=args.pairs)
    if args.bm25_max_pages is not None:
        ix.bm25_max_pages = args.bm25_max_pages
    ix.cited_numbers = not args.number_phrase
    report: dict[str, object] = {"pages": args.pages}
    if not (args.keep and path.exists() and ix.count() >= args.pages):
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
        ix.ensure_schema()
        gen_time = gen_cpu = 0.0
        start, cpu0 = time.perf_counter(), time.process_time()
        it = gen.entries(args.pages)
        done = 0
        while True:
            t0, c0 = time.perf_counter(), time.process_time()
            batch = [e for _, e in zip(range(args.batch), it, strict=False)]
            gen_time += time.perf_counter() - t0
            gen_cpu += time.process_time() - c0
            if not batch:
                break
            ix.index_pages(batch)
            done += len(batch)
            if done % 100_000 < args.batch:
                el = time.perf_counter() - start - gen_time
                print(
                    f"  {done} pages, {done / el:.0f} pages/s, peak RSS {_rss_mib():.0f} MiB",
                    flush=True,
                )
        t0 = time.perf_counter()
        if not args.no_optimize:  # as `sohoa reindex` ends; an index grown batch by batch
            ix.optimize()  # has more segments (--no-optimize measures that state)
        opt = time.perf_counter() - t0
        elapsed = time.perf_counter() - start - gen_time
        rate = args.pages / elapsed
        cpu = time.process_time() - cpu0 - gen_cpu
        print(
            f"indexed {args.pages} pages in {elapsed:.0f} s (text generation {gen_time:.0f} s "
            f"excluded, optimize {opt:.0f} s included): {rate:.0f} pages/s wall, "
            f"{args.pages / cpu:.0f} pages per CPU second (other load shares the cores)"
        )
        print(f"build peak RSS {_rss_mib():.0f} MiB (the whole process, generator included)")
        report["build_peak_rss_mib"] = round(_rss_mib())
        report["build_pages_per_s"] = round(rate)
        report["build_pages_per_cpu_s"] = round(args.pages / cpu)
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    print(f"database {size / 1e9:.2f} GB: {size / args.pages / 1024:.1f} KiB per page")
    report["bytes_per_page"] = round(size / args.pages)
    print(f"{'class':18s} {'n':>4s} {'total(1st)':>10s} {'p50 ms':>8s} {'p95 ms':>8s} "
          f"{'p99 ms':>8s}  target  {'CPU p50':>8s} {'CPU p95':>8s}")  # fmt: skip
    classes = {}
    mixes = {**query_mix(gen, args.pages), **web_mix(args.pages), "facets": FACETS}
    for label, queries in mixes.items():
        run = ix.facets if label == "facets" else ix.search
        for q in queries:  # warm the page cache once
            run(q)
        times, cpus = [], []
        for _ in range(args.runs):
            for q in queries:
                t0, c0 = time.perf_counter(), time.process_time()
                run(q)
                times.append((time.perf_counter() - t0) * 1000)
                cpus.append((time.process_time() - c0) * 1000)
        result = run(queries[0])
        first = sum(n for _, n in result.types) if label == "facets" else result.total
        p50, p95, p99 = (percentile(times, q) for q in (50, 95, 99))
        c50, c95 = percentile(cpus, 50), percentile(cpus, 95)
        ok = "PASS" if p95 < 50 and p99 < 200 else "MISS"
        print(f"{label:18s} {len(times):4d} {first:10d} {p50:8.1f} {p95:8.1f} {p99:8.1f}  {ok}  "
              f"{c50:8.1f} {c95:8.1f}")  # fmt: skip
        classes[label] = {"p50": p50, "p95": p95, "p99": p99, "cpu_p50": c50, "cpu_p95": c95}
    report["latency_ms"] = classes
    if args.grow:
        report["grow"] = grow(ix, path, gen, mixes, args.grow, args.grow_batch)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if not args.keep and args.db is None:
        for p in path.parent.glob(path.name + "*"):
            p.unlink()


if __name__ == "__main__":
    main()
