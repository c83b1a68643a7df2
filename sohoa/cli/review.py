"""Commands that correct what the pipeline made: review fields, split and join documents."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
from rich.markup import escape

from errors import InputError
from sohoa.cli.console import boundary, login_name, open_ctx, out, print_json
from sohoa.config import load_settings


def _decisions(accepts: tuple[str, ...], sets: tuple[str, ...]) -> Iterator[tuple[str, str | None]]:
    """(field, None) for each --accept, then (field, value) for each --set, checked in turn."""
    for field in accepts:
        yield field, None
    for item in sets:
        field, sep, value = item.partition("=")
        if not sep or not field:
            raise InputError(f"--set needs FIELD=VALUE, got {item!r}")
        yield field.strip(), value.strip()


@click.command()
@click.argument("document_id", type=int, required=False)
@click.option("--accept", "accepts", multiple=True, metavar="FIELD", help="Keep FIELD as read.")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="Correct FIELD.")
@click.option("--who", default=login_name, help="Who reviews.")
@click.option("--after", type=int, help="List documents with an id above this one.")
@click.option("--limit", type=int, default=50, show_default=True, help="Documents listed.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def review(
    document_id: int | None,
    accepts: tuple[str, ...],
    sets: tuple[str, ...],
    who: str,
    after: int | None,
    limit: int,
    as_json: bool,
) -> None:
    """List documents with fields to check, or accept/correct fields of DOCUMENT_ID.

    Every decision is recorded as an event with who, when, the old and the new value.
    """
    from sohoa.services import review as service

    ctx = open_ctx(load_settings())
    try:
        if document_id is None:
            queue = service.review_queue(ctx, after=after, limit=limit)
            todo = queue["documents"]
            if as_json:
                print_json(todo)
                return
            if not todo:
                out.print("nothing to review")
            for doc in todo:
                out.print(f"[bold]document {doc['id']}[/] {escape(doc['number'] or doc['name'])}")
                for f in doc["fields"]:
                    reasons = "; ".join(f["reasons"])
                    out.print(f"  {f['field']}: {escape(str(f['value']))}  [red]{escape(reasons)}")
            if queue["next_after"] is not None:
                out.print(
                    f"{queue['marked']} documents marked for review; next page: "
                    f"sohoa review --after {queue['next_after']}"
                )
            return
        changes = service.review_fields(ctx, document_id, _decisions(accepts, sets), actor=who)
    finally:
        ctx.close()
    for c in changes:
        out.print(f"{c['field']}: {escape(str(c['old']))} -> {escape(str(c['new']))}")


def _page_numbers(text: str) -> list[int]:
    try:
        return [int(part) for part in re.split(r"[,\s]+", text.strip()) if part]
    except ValueError as exc:
        raise InputError(f"--at takes page numbers such as 3 or 3,5, not {text!r}") from exc


def _print_document(job: dict) -> None:
    out.print(
        f"document {job['id']}: {job['page_count']} pages, {escape(job['number'] or job['name'])}"
    )


@click.command("split")
@click.argument("document_id", type=int)
@click.option(
    "--at", "at", required=True, metavar="PAGES", help="Pages (1-based) that start a document: 3,5"
)
@click.option("--actor", default=login_name, help="Who splits.")
@boundary
def split_cmd(document_id: int, at: str, actor: str) -> None:
    """Split archived DOCUMENT_ID where new documents start (no OCR is run again).

    The document keeps its first pages; each further part becomes a new document of the
    same record with its own PDF/A, metadata and index entries. Recorded as an event.
    """
    from sohoa.services.documents import document_job
    from sohoa.services.split import split_document

    ctx = open_ctx(load_settings())
    try:
        ids = split_document(ctx, document_id, at=_page_numbers(at), actor=actor or "sohoa")
        jobs = [document_job(ctx, i) for i in ids]
    finally:
        ctx.close()
    for job in jobs:
        _print_document(job)


@click.command("join")
@click.argument("document_id", type=int)
@click.argument("other_id", type=int)
@click.option("--actor", default=login_name, help="Who joins.")
@boundary
def join_cmd(document_id: int, other_id: int, actor: str) -> None:
    """Append the pages of OTHER_ID to DOCUMENT_ID (same record), e.g. to undo a split.

    OTHER_ID is removed; its old PDF/A is kept as superseded. Recorded as an event.
    """
    from sohoa.services.documents import document_job
    from sohoa.services.split import join_documents

    ctx = open_ctx(load_settings())
    try:
        join_documents(ctx, document_id, other_id, actor=actor or "sohoa")
        job = document_job(ctx, document_id)
    finally:
        ctx.close()
    _print_document(job)
