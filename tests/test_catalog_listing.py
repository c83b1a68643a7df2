"""A whole listing (``sohoa documents`` without ``--limit``) is read in keyset pages and
written as it is read, with the same rows and the same output as one read of everything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import stats
from archive.catalog import Catalog, PageSource
from sohoa.cli import cli, console


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home whose catalog holds 7 documents in two batches, with pages and a PDF/A."""
    home = tmp_path / "home"
    home.mkdir()
    catalog = Catalog(f"sqlite:///{home / 'catalog.sqlite'}")
    catalog.create()
    for tag, count in (("một", 4), ("hai", 3)):
        batch = catalog.begin_batch(f"lô-{tag}", "/in")
        for n in range(count):
            record = catalog.ensure_record("PHÔNG-1", f"HS-{tag}-{n % 2}")
            source = catalog.register_file(
                kind="original",
                path=f"in/{tag}/{n}.pdf",
                size=100 + n,
                sha256=f"{n}{tag}".encode().hex().ljust(64, "0")[:64],
                original_name=f"Quyết định {n}.pdf",
            )
            doc_id, _pages = catalog.add_document(
                record_id=record,
                batch_id=batch,
                name=f"{tag}/Quyết định {n}.pdf",
                source_key=f"key-{tag}-{n}",
                source_files=[source],
                pages=[PageSource(source, index, "pdf") for index in range(n + 1)],
            )
            if n == 1:
                catalog.document_failed(doc_id, "không đọc được", stage="package")
    catalog.close()
    return home


def _catalog(home: Path) -> Catalog:
    return Catalog(f"sqlite:///{home / 'catalog.sqlite'}")


def _one_read(catalog: Catalog, **where) -> list[dict]:
    """Everything in one page: what the whole listing read before it was paged."""
    return stats.documents(catalog, limit=10**6, **where)


@pytest.mark.parametrize("page", [1, 2, 3, 7, 500])
def test_paged_reading_lists_the_same_documents(home: Path, page: int) -> None:
    catalog = _catalog(home)
    for where in ({}, {"batch_id": 1}, {"batch_id": 2}, {"after": 2}, {"batch_id": 1, "after": 3}):
        whole = _one_read(catalog, **where)
        assert list(stats.iter_documents(catalog, page=page, **where)) == whole
        assert stats.documents(catalog, **where) == whole
    assert len(_one_read(catalog)) == 7
    catalog.close()


def test_the_first_document_comes_after_one_page(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = _catalog(home)
    reads: list[int | None] = []
    real = stats.documents

    def counted(catalog, **kwargs):
        reads.append(kwargs.get("limit"))
        return real(catalog, **kwargs)

    monkeypatch.setattr(stats, "documents", counted)
    listing = stats.iter_documents(catalog, page=2)
    first = next(listing)
    assert first["id"] == 1 and reads == [2]  # one page of two read, no more
    assert len([first, *listing]) == 7 and reads == [2, 2, 2, 2]
    catalog.close()


def _run(home: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["documents", *args], env={"SOHOA_HOME": str(home)}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("where", [(), ("--batch", "2"), ("--after", "3")])
def test_cli_output_is_unchanged(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: tuple[str, ...],
) -> None:
    monkeypatch.setattr(stats, "LISTING_PAGE", 2)  # pages of two: the boundaries are crossed
    catalog = _catalog(home)
    options = dict(zip(where[::2], where[1::2], strict=True))
    whole = _one_read(
        catalog,
        batch_id=int(options["--batch"]) if "--batch" in options else None,
        after=int(options["--after"]) if "--after" in options else None,
    )
    catalog.close()
    streamed = _run(home, "--json", *where)
    console.print_json(whole)  # what the command wrote before: the whole list at once
    assert streamed == capsys.readouterr().out
    plain = json.loads(json.dumps(whole, ensure_ascii=False, default=str))
    assert streamed == json.dumps(plain, indent=2, ensure_ascii=False) + "\n"
    assert streamed == _run(home, "--json", "--limit", "1000", *where)  # one read, one write
    assert _run(home, *where) == _run(home, "--limit", "1000", *where)  # the table too


def test_cli_empty_listing(home: Path) -> None:
    assert _run(home, "--json", "--batch", "9") == "[]\n"


def test_dashboard_lists_a_bounded_number_of_failures_per_batch(home: Path) -> None:
    from sohoa.services import statistics

    catalog = _catalog(home)
    for doc_id in (1, 3, 4):  # batch 1: documents 1 to 4, document 2 failed already
        catalog.document_failed(doc_id, f"hỏng {doc_id}", stage="package")
    whole = statistics.batches(catalog)
    bounded = statistics.batches(catalog, failure_limit=2)
    assert [len(b["failures"]) for b in whole] == [4, 1]
    assert [b["failures"] for b in bounded] == [whole[0]["failures"][:2], whole[1]["failures"]]
    assert bounded[0]["documents_by_state"]["failed"] == 4  # the number is still there
    assert [{**b, "failures": []} for b in bounded] == [{**b, "failures": []} for b in whole]
    catalog.close()


def test_the_table_is_written_in_columns_as_rows_come(capsys: pytest.CaptureFixture[str]) -> None:
    parts: list[str] = []

    def rows():
        yield ("1", "Kế hoạch")
        yield ("22", "b")
        yield ("4444", "d")  # past the sample (2): wider, it widens only its own line
        parts.append(capsys.readouterr().out)  # what was written before the last row came
        yield ("333", "c" * 12)

    console.print_rows(("id", "name"), rows(), sample=2)
    parts.append(capsys.readouterr().out)
    assert parts[0].splitlines() == ["id  name", "--  --------", "1   Kế hoạch", "22  b", "4444  d"]
    assert parts[1] == "333  cccccccccccc\n"


def test_cli_table_has_one_line_per_document(home: Path) -> None:
    catalog = _catalog(home)
    whole = _one_read(catalog)
    catalog.close()
    lines = _run(home).splitlines()
    assert lines[0].split() == [
        "id",
        "record",
        "name",
        "state",
        "number",
        "date",
        "type",
        "pages",
        "PDF/A",
    ]
    assert [line.split()[0] for line in lines[2:]] == [str(d["id"]) for d in whole]
    for line, d in zip(lines[2:], whole, strict=True):
        assert d["name"] in line and d["state"] in line
