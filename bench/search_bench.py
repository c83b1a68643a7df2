"""Search index benchmark: index N generated pages, then time typical queries.

    .venv/bin/python bench/search_bench.py [--pages 10000] [--words 300] [--db PATH]

Prints the index rate (pages/s), the database size and the median/max time of each query.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search import PageEntry, SearchQuery, SqliteIndex  # noqa: E402

VOCAB = (
    "ủy ban nhân dân tỉnh thành phố huyện xã phường quyết định kế hoạch công văn báo cáo "
    "nghị quyết thông báo hướng dẫn chỉ thị tờ trình biên bản về việc ban hành quy chế "
    "làm việc chuyển đổi số phát triển kinh tế xã hội năm tổ chức thực hiện các sở ngành "
    "địa phương trách nhiệm kinh phí ngân sách nhà nước cải cách hành chính thủ tục đầu tư "
    "xây dựng giao thông thủy lợi nông nghiệp y tế giáo dục văn hóa thể thao du lịch lao "
    "động thương binh an ninh quốc phòng tài nguyên môi trường đất đai hồ sơ lưu trữ mà ma "
    "má mã cán bộ công chức viên chức tuyển dụng đào tạo bồi dưỡng thi đua khen thưởng"
).split()
ORGANS = ["Ủy ban nhân dân tỉnh Hà Giang", "Sở Nội vụ", "Sở Y tế", "UBND huyện Mèo Vạc"]
TYPES = [("02", "Quyết định", "QĐ"), ("10", "Kế hoạch", "KH"), ("22", "Công văn", "")]


def _entries(pages: int, words: int, per_doc: int, seed: int) -> list[PageEntry]:
    rng = random.Random(seed)
    out = []
    for pid in range(1, pages + 1):
        doc = (pid - 1) // per_doc + 1
        code, name, abbr = TYPES[doc % len(TYPES)]
        number = f"{doc}/{abbr}-UBND" if abbr else f"{doc}/UBND-VX"
        text = " ".join(rng.choice(VOCAB) for _ in range(words))
        if rng.random() < 0.001:
            text += " hiếm hoi"
        out.append(
            PageEntry(
                page_id=pid,
                document_id=doc,
                page_no=(pid - 1) % per_doc + 1,
                text=text,
                number=number,
                type_code=code,
                type_name=name,
                organ=ORGANS[doc % len(ORGANS)],
                issued=f"{2015 + doc % 10}-{1 + doc % 12:02d}-{1 + doc % 28:02d}",
                title=f"Văn bản {doc}",
            )
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--words", type=int, default=300)
    ap.add_argument("--per-doc", type=int, default=4)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    print(f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}, database {path}")  # fmt: skip
    entries = _entries(args.pages, args.words, args.per_doc, seed=1)
    ix = SqliteIndex(path)
    ix.ensure_schema()
    start = time.perf_counter()
    for i in range(0, len(entries), args.batch):
        ix.index_pages(entries[i : i + args.batch])
    elapsed = time.perf_counter() - start
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    print(f"indexed {ix.count()} pages of {args.words} words in {elapsed:.1f} s: "
          f"{len(entries) / elapsed:.0f} pages/s; database {size / 1e6:.1f} MB")  # fmt: skip
    start = time.perf_counter()
    ix.index_pages(entries[:1000])
    print(f"re-indexing 1000 pages: {time.perf_counter() - start:.2f} s")

    queries = {
        "common word 'quyet dinh'": SearchQuery("quyet dinh"),
        "accented 'mà'": SearchQuery("mà"),
        "phrase '\"chuyển đổi số\"'": SearchQuery('"chuyển đổi số"'),
        "rare 'hiếm hoi'": SearchQuery("hiếm hoi"),
        "3 words + exclusion": SearchQuery("thủy lợi nông nghiệp -giáo"),
        "number '142/KH-UBND'": SearchQuery("142/KH-UBND"),
        "number filter + words": SearchQuery("y tế", number="141/QĐ-UBND"),
        "filters only (type, organ, dates)": SearchQuery(
            type="Quyết định", organ="ha giang", date_from="2018", date_to="2020"
        ),
        "words + organ filter": SearchQuery("ngân sách", organ="so noi vu"),
        "page 10 (offset 200)": SearchQuery("ngan sach", offset=200),
    }
    for label, q in queries.items():
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            r = ix.search(q)
            times.append(time.perf_counter() - t0)
        print(f"{label:38s} total={r.total:6d}  median {statistics.median(times) * 1000:7.1f} ms"
              f"  max {max(times) * 1000:7.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
