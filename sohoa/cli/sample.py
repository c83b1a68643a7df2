"""The make-sample command: a generated batch of scans to try the pipeline on."""

from __future__ import annotations

from pathlib import Path

import click

from sohoa.cli.console import boundary, out


@click.command("make-sample")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--seed", type=int, default=0, show_default=True)
@boundary
def make_sample(folder: Path, seed: int) -> None:
    """Write a generated sample batch (Vietnamese administrative scans) into FOLDER."""
    from sohoa.synthetic import make_sample_batch

    info = make_sample_batch(folder, seed=seed)
    out.print(f"sample batch written to {folder} ({len(info.get('documents', []))} documents)")
