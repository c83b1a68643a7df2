"""The sample batch: a realistic scanner batch of generated documents with its ground truth.

:func:`make_sample_batch` writes three record folders and a loose document in every input
format sohoa accepts; ``python -m sohoa.synthetic OUT_DIR [--seed N]`` runs it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from sohoa.synthetic.content import random_admin_document
from sohoa.synthetic.degrade import scan_page
from sohoa.synthetic.layout import document_truth_text, render_admin_document


def _scan(
    page: Image.Image, rng: random.Random, *, quarter_turns: int = 0
) -> tuple[Image.Image, float]:
    """``page`` scanned at a random skew of -3..+3 degrees; returns the scan and its angle."""
    angle = round(rng.uniform(-3.0, 3.0), 2)
    img = scan_page(page, angle=angle, quarter_turns=quarter_turns, seed=rng.randint(0, 2**31))
    return img, angle


def _bilevel(img: Image.Image) -> Image.Image:
    """A greyscale scan as a bilevel (black and white) scan."""
    return Image.fromarray(np.asarray(img) > 150)  # mode "1"


def _colour(img: Image.Image) -> Image.Image:
    """A greyscale scan as a colour scan of slightly yellowed paper."""
    paper = (250, 245, 232)
    return Image.merge("RGB", [img.point(lambda v, c=c: v * c // 255) for c in paper])


#: The batch: (relative target, format key, document page counts, quarter turns per page).
_PLAN: tuple[tuple[str, str, list[int], dict[int, int]], ...] = (
    ("HS2025-001/HS2025-001_scan.tif", "tiff_g4", [2, 1], {}),
    ("HS2025-001/van_ban_03.png", "png", [1], {0: 2}),
    ("HS2025-002/van_ban_01.tif", "tiff_lzw", [2], {}),
    ("HS2025-002/van_ban_02.jpg", "jpeg", [1], {}),
    ("HS2025-002/van_ban_03", "png_folder", [2], {}),
    ("HS2025-003/van_ban_01.pdf", "pdf", [2], {1: 1}),
    ("HS2025-003/van_ban_02.tif", "tiff_jpeg", [1], {}),
    ("cong_van_den_0001.png", "png", [1], {}),
)


def make_sample_batch(folder: Path, *, seed: int = 0, dpi: int = 300) -> dict[str, Any]:
    """Write a realistic scanner batch to ``folder`` and return its ground truth.

    The batch holds three record folders (hồ sơ) and one loose document at the top level,
    13 pages asked for, in every input format sohoa accepts: a multi-page bilevel G4 TIFF that
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
    truth: dict[str, Any] = {"seed": seed, "dpi": dpi, "files": [], "documents": []}
    doc_seed = seed * 1000
    for target, kind, counts, turns in _PLAN:
        images: list[Image.Image] = []
        page_truth: list[dict[str, Any]] = []
        for doc_pages in counts:
            doc_seed += 1
            scans = _scan_document(truth, target, doc_seed, doc_pages, turns, rng, dpi, len(images))
            for img, page in scans:
                images.append(img)
                page_truth.append(page)
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        for name, pages in _write_scans(path, kind, images, (dpi, dpi)):
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


def _scan_document(
    truth: dict[str, Any],
    target: str,
    doc_seed: int,
    doc_pages: int,
    turns: dict[int, int],
    rng: random.Random,
    dpi: int,
    first_index: int,
) -> list[tuple[Image.Image, dict[str, Any]]]:
    """Generate, render and scan one document of ``target``; add it to ``truth``.

    Returns each page's scan and truth; ``first_index`` is the file's index of its first page.
    """
    doc = random_admin_document(doc_seed, pages=doc_pages)
    doc_id = f"{target.rsplit('.', 1)[0]}#{len(truth['documents']) + 1}"
    clean = render_admin_document(doc, dpi=dpi)
    texts = document_truth_text(doc)
    scans = []
    for index, page in enumerate(clean):
        q = turns.get(first_index + index, 0)
        img, angle = _scan(page, rng, quarter_turns=q)
        page_truth = {
            "document": doc_id,
            "page_in_document": index + 1,
            "angle_ccw": angle,
            "quarter_turns_ccw": q,
        }
        scans.append((img, page_truth))
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
    return scans


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
