"""The ``sohoa`` command line: thin commands over ``sohoa.services``, grouped by topic.

``cli`` is the click group, ``main`` the console entry point. The commands live in one
module per topic (``intake``, ``find``, ``review``, ``records``, ``upkeep``, ``accounts``,
``serve``, ``sample``, ``watch``, ``backup``); ``sohoa.cli.console`` holds what they share,
among it the boundary where errors become exit codes (see ``sohoa.exit_codes``). This package
is the only place that prints.
"""

from __future__ import annotations

import click

from sohoa.cli import (
    accounts,
    backup,
    find,
    intake,
    records,
    review,
    sample,
    serve,
    transfer,
    upkeep,
    watch,
)
from sohoa.cli.console import setup_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="sohoa")
def cli(verbose: int) -> None:
    """sohoa: scans in, PDF/A and a searchable archive out.

    Settings come from SOHOA_* environment variables (SOHOA_HOME is where the archive
    lives, default ./sohoa-data); see the README for all of them and the exit codes.
    """
    setup_logging(verbose)


for command in (
    intake.ingest,
    intake.status,
    intake.retry,
    watch.watch,
    find.search_cmd,
    find.documents,
    find.stats,
    review.review,
    review.split_cmd,
    review.join_cmd,
    records.record_group,
    records.export_cmd,
    records.export_metadata_cmd,
    upkeep.audit,
    upkeep.reindex,
    backup.backup,
    backup.restore,
    transfer.site_group,
    transfer.push,
    accounts.unit_group,
    accounts.user_group,
    accounts.access_cmd,
    accounts.grant_cmd,
    serve.worker,
    serve.serve,
    sample.make_sample,
):
    cli.add_command(command)


def main() -> None:
    """The console entry point (``sohoa``, ``python -m sohoa``)."""
    cli(prog_name="sohoa")
