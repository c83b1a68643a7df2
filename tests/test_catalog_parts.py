"""The parts of archive.catalog on their own: one topic class over the shared core, and the
document-row helpers inside a transaction, without the rest of the Catalog."""

from __future__ import annotations

from pathlib import Path

from archive.catalog import Catalog, PageSource
from archive.catalog.document_rows import document_pages, lock_document, next_seq
from archive.catalog.events import EventLog
from archive.catalog.stored_files import StoredFiles
from archive.schema import event


class FilesOnly(StoredFiles, EventLog):
    """A catalog with nothing but its stored files and events."""


def test_stored_files_part_works_without_the_rest(tmp_path: Path) -> None:
    files = FilesOnly(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    files.create()
    assert not hasattr(files, "add_document")
    file_id = files.register_file(kind="source", path="in/a.tif", size=3, sha256="ab" * 32)
    assert files.find_file("source", "ab" * 32)["id"] == file_id
    # a known path is updated in place, not registered twice
    again = files.register_file(kind="source", path="in/a.tif", size=4, sha256="cd" * 32)
    assert again == file_id
    assert files.find_file("source", "ab" * 32) is None
    assert files.find_file("source", "cd" * 32)["size"] == 4
    files.log_event("checked", detail={"files": 1})
    with files.tx() as conn:
        kinds = [row.kind for row in conn.execute(event.select())]
    assert kinds == ["checked"]
    files.close()


def test_document_rows_read_inside_one_transaction(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    catalog.create()
    batch = catalog.begin_batch("lo-1", str(tmp_path))
    record = catalog.ensure_record("PHONG-01", "HS-01")
    source = catalog.register_file(kind="source", path="in/a.pdf", size=1, sha256="ef" * 32)
    doc_id, page_ids = catalog.add_document(
        record_id=record,
        batch_id=batch,
        name="a.pdf",
        source_key="key-a",
        source_files=[source],
        pages=[PageSource(source, index, "pdf") for index in range(3)],
    )
    with catalog.tx() as conn:
        assert lock_document(conn, doc_id) == {"state": "pending", "claim": None}
        assert lock_document(conn, doc_id + 100) is None
        assert document_pages(conn, doc_id) == page_ids
        assert next_seq(conn, record) == 2
    catalog.close()
