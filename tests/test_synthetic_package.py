"""The layout of the generator package: its public API and its entry point."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import sohoa.synthetic as synthetic
from sohoa.synthetic.__main__ import main


def test_every_exported_name_exists() -> None:
    missing = [name for name in synthetic.__all__ if not hasattr(synthetic, name)]
    assert missing == []


def test_degrade_is_the_function_not_its_module() -> None:
    importlib.import_module("sohoa.synthetic.degrade")
    from sohoa.synthetic import degrade

    assert callable(degrade) and degrade is synthetic.degrade
    assert degrade.__module__ == "sohoa.synthetic.degrade"


def test_module_entry_point_writes_a_batch(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "batch"), "--seed", "3", "--dpi", "60"]) == 0
    truth = json.loads((tmp_path / "batch.truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 3 and truth["dpi"] == 60
    assert f"wrote {truth['total_pages']} pages" in capsys.readouterr().out
