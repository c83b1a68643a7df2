"""The degradation model of old paper and scanners (sohoa/synthetic/paper.py).

Sheets are printed at 100 dpi to keep the tests fast; every figure is measured against the
same sheet scanned clean with the same seed.
"""

from __future__ import annotations

import numpy as np
import pytest

from sohoa.synthetic.fonts import mm_to_px
from sohoa.synthetic.paper import DEGRADATIONS, SEVERITIES, degrade_sheet, make_page
from sohoa.synthetic.sheet import print_sheet

DPI = 100
TEXT = [
    "Điều 1. Phạm vi điều chỉnh: Luật này quy định về giao dịch điện tử trong hoạt động "
    "của các cơ quan nhà nước; trong lĩnh vực dân sự, kinh doanh, thương mại.",
    "Các quy định của Luật này không áp dụng đối với việc cấp giấy chứng nhận quyền sử dụng "
    "đất, quyền sở hữu nhà và các bất động sản khác, văn bản về thừa kế.",
] * 3


@pytest.fixture(scope="module")
def sheet():
    return print_sheet(TEXT, dpi=DPI)


@pytest.fixture(scope="module")
def blank():
    return print_sheet([], dpi=DPI)


def scan(sheet, degradations=(), seed=1, back=None, dpi=DPI) -> np.ndarray:
    image = degrade_sheet(sheet, degradations, dpi=dpi, seed=seed, back=back)
    return np.asarray(image, dtype=np.float32)


@pytest.fixture(scope="module")
def clean(sheet):
    return scan(sheet)


def test_a_sheet_carries_its_text_in_both_faces():
    for face in ("serif", "mono"):
        s = print_sheet(TEXT, face=face, dpi=DPI, max_lines=4)
        assert len(s.truth.splitlines()) == 4
        assert "Điều 1." in s.truth
        left, top, right, bottom = s.text_box
        assert s.ink[top:bottom, left:right].max() > 0.9  # glyphs drawn
        assert s.ink[:top].max() == 0 and s.ink[:, :left].max() == 0  # margins stay bare


def test_a_clean_scan_is_white_paper_with_black_ink(sheet, clean):
    left, top, right, bottom = sheet.text_box
    assert clean[: top - 5].mean() > 250
    assert clean[top:bottom, left:right].min() < 40


@pytest.mark.parametrize("name", DEGRADATIONS)
def test_each_degradation_changes_the_page_more_with_each_severity(sheet, clean, name):
    changes = [np.abs(scan(sheet, [(name, sev)]) - clean).mean() for sev in SEVERITIES]
    assert changes[0] > 0.05, name
    assert changes[0] < changes[1] < changes[2], (name, changes)


@pytest.mark.parametrize("name", DEGRADATIONS)
def test_a_seed_reproduces_its_page(sheet, name):
    a = scan(sheet, [(name, "medium")], seed=7)
    b = scan(sheet, [(name, "medium")], seed=7)
    assert np.array_equal(a, b)


def test_another_seed_gives_another_page(sheet):
    for name in ("stamp", "border", "paper", "illumination"):
        one, two = scan(sheet, [(name, "medium")], 1), scan(sheet, [(name, "medium")], 2)
        assert not np.array_equal(one, two), name


def test_the_stamp_is_red_and_over_the_text(sheet, clean):
    img = scan(sheet, [("stamp", "heavy")])
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    red = (r - g > 60) & (r - b > 60)
    assert red.sum() > 500
    ys, xs = np.nonzero(red)
    left, top, right, bottom = sheet.text_box
    assert left <= xs.mean() <= right and top <= ys.mean() <= bottom
    inked = clean[..., 0] < 100
    assert (inked & (np.abs(img - clean).sum(axis=2) > 30)).sum() > 50  # it covers letters
    assert not red[inked].all()  # text under it stays dark, not red


def test_the_border_is_black_at_the_edge_and_the_page_stays_light(sheet):
    img = scan(sheet, [("border", "medium")]).mean(axis=2)
    for edge in (img[:, 0], img[:, -1], img[0, :], img[-1, :]):
        assert edge.mean() < 25
    centre = img[img.shape[0] // 2 - 5 : img.shape[0] // 2 + 5, 20:-20]
    assert np.median(centre) > 200
    assert img[:, : mm_to_px(20, DPI)].mean() < img[:, mm_to_px(20, DPI) :].mean()


def test_punch_holes_sit_iso_838_and_show_black(blank):
    img = scan(blank, [("punch", "medium")]).mean(axis=2)
    x = mm_to_px(12, DPI)
    for dy_mm in (-40, 40):
        y = img.shape[0] // 2 + mm_to_px(dy_mm, DPI)
        assert img[y - 2 : y + 3, x - 2 : x + 3].mean() < 60
    assert img[img.shape[0] // 2, x] > 200  # between the holes: paper


def test_folds_shade_their_line(blank):
    img = scan(blank, [("fold", "medium")]).mean(axis=2)
    h = img.shape[0]
    profile = img[:, 50:-50].mean(axis=1)
    assert profile[h // 3 - 25 : h // 3 + 25].min() < profile[h // 6] - 20
    assert profile[2 * h // 3 - 25 : 2 * h // 3 + 25].min() < profile[h // 2] - 20


def test_uneven_illumination_darkens_one_side(blank):
    for sev, least in (("light", 10), ("heavy", 50)):
        img = scan(blank, [("illumination", sev)]).mean(axis=2)
        corners = [img[:40, :40], img[:40, -40:], img[-40:, :40], img[-40:, -40:]]
        means = sorted(c.mean() for c in corners)
        assert means[-1] - means[0] > least


def test_aged_paper_is_yellow(blank):
    img = scan(blank, [("paper", "heavy")])
    r, b = img[..., 0].mean(), img[..., 2].mean()
    assert r - b > 40


def test_bleed_through_shows_the_back_mirrored(blank, sheet):
    img = scan(blank, [("bleed_through", "heavy")], back=sheet).mean(axis=2)
    left, top, right, bottom = sheet.text_box
    w = img.shape[1]
    mirrored = img[top + 10 : bottom - 10, w - right + 10 : w - left - 10]
    assert mirrored.min() < 215  # the back's text shows, faintly
    assert mirrored.min() > 120
    assert np.median(img[bottom + 40 :]) > 245  # below the back's text: paper


def test_fading_lightens_the_ink_and_spreading_thickens_it(sheet, clean):
    ink = clean.mean(axis=2) < 128
    faded = scan(sheet, [("fade", "heavy")]).mean(axis=2)
    assert faded[ink].mean() > clean.mean(axis=2)[ink].mean() + 30
    spread = scan(sheet, [("spread", "heavy")]).mean(axis=2)
    assert (spread < 128).sum() > 1.2 * ink.sum()


def test_a_carbon_copy_is_blue_black_and_soft(sheet, clean):
    img = scan(sheet, [("carbon", "medium")])
    ink = clean.mean(axis=2) < 100
    assert img[..., 2][ink].mean() > img[..., 0][ink].mean() + 10
    assert (img.mean(axis=2) < 60).sum() < (clean.mean(axis=2) < 60).sum()


def test_scanning_at_a_lower_resolution_and_jpeg(sheet):
    image = degrade_sheet(sheet, [("jpeg", "heavy")], dpi=50, seed=1)
    assert image.info["dpi"] == (50, 50)
    assert abs(image.width - sheet.ink.shape[1] / 2) <= 1


def test_make_page_returns_the_scan_and_its_truth():
    image, truth = make_page(TEXT, [("fade", "light")], dpi=150, max_lines=3, seed=4)
    assert image.mode == "RGB" and image.info["dpi"] == (150, 150)
    assert len(truth.splitlines()) == 3 and truth.startswith("Điều 1.")


def test_unknown_names_are_refused(sheet):
    with pytest.raises(ValueError, match="unknown degradations"):
        degrade_sheet(sheet, [("coffee", "light")], dpi=DPI)
    with pytest.raises(ValueError, match="unknown severity"):
        degrade_sheet(sheet, [("fade", "extreme")], dpi=DPI)
