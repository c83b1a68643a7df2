"""``python -m sohoa.synthetic OUT_DIR [--seed N] [--dpi D]``: write a sample batch."""

from __future__ import annotations

from pathlib import Path

from sohoa.synthetic.batch import make_sample_batch


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, write the batch and say where it is."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m sohoa.synthetic",
        description="Write a synthetic scanner batch of Vietnamese administrative documents.",
    )
    parser.add_argument("out_dir", type=Path, help="batch folder to create")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dpi", type=int, default=300)
    args = parser.parse_args(argv)
    truth = make_sample_batch(args.out_dir, seed=args.seed, dpi=args.dpi)
    print(
        f"wrote {truth['total_pages']} pages in {len(truth['files'])} files to {args.out_dir}; "
        f"truth in {args.out_dir.parent / (args.out_dir.name + '.truth.json')}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
