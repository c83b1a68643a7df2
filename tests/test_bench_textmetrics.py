"""The error rates bench/ocr_quality.py reports (bench/textmetrics.py), on known strings."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "bench" / "textmetrics.py"
_spec = importlib.util.spec_from_file_location("bench_textmetrics", _PATH)
assert _spec and _spec.loader
tm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tm)

TRUTH = "Luật này quy định về giao dịch điện tử"


def test_identical_text_has_no_error_whatever_its_spacing_and_normal_form():
    import unicodedata

    nfd = unicodedata.normalize("NFD", TRUTH)
    assert tm.cer(f"  {nfd.replace(' ', chr(10))} ", TRUTH) == 0.0
    assert tm.wer(nfd, TRUTH) == 0.0


def test_a_wrong_mark_counts_with_marks_and_not_without():
    hyp = "Luật này quy đinh về giao dich điện tử"  # two marks lost
    assert tm.cer(hyp, TRUTH) == pytest.approx(2 / len(TRUTH))
    assert tm.wer(hyp, TRUTH) == pytest.approx(2 / 9)
    assert tm.cer(hyp, TRUTH, marks=False) == 0.0
    assert tm.wer(hyp, TRUTH, marks=False) == 0.0


def test_d_with_stroke_folds_to_d():
    assert tm.fold_marks("Đ đ Ư ơ ế") == "D d U o e"
    assert tm.cer("dien tu", "điện tử", marks=False) == 0.0


def test_insertions_deletions_and_substitutions():
    assert tm.distance([1, 2, 3], [1, 3]) == 1
    assert tm.distance([], [1, 2]) == 2
    assert tm.distance([1, 2], []) == 2
    assert tm.cer("kitten", "sitting") == pytest.approx(3 / 7)
    assert tm.wer("a b x d e", "a b c d") == pytest.approx(2 / 4)
    assert tm.wer("", "a b") == 1.0
    assert tm.cer("", "") == 0.0 and tm.cer("x", "") == 1.0


def test_scores_gives_all_four_rates():
    got = tm.scores("Luật này", TRUTH)
    assert set(got) == {"cer", "wer", "cer_nomarks", "wer_nomarks"}
    assert got["wer"] == pytest.approx(7 / 9)
