"""Turn a scanner's output folder into a plan: records, documents, files.

Layout rules:
- each subfolder of the batch is a record (hồ sơ); each file inside it is one document;
- a subfolder inside a record holding page images is ONE document, pages in file-name order;
- files at the top level are documents of a record named after the batch;
- ``record`` overrides: every document goes into that record;
- a manifest (``manifest.csv`` / ``manifest.xlsx``) at the top, and any file in ``skip``,
  is not a document.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from errors import InputError
from ingest.manifest import MANIFEST_NAMES

IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}


def natural_key(path: Path) -> list[object]:
    """Sort ``p2.png`` before ``p10.png``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and path.name.lower() not in IGNORED_NAMES


@dataclass(frozen=True)
class DocumentPlan:
    """One document of a batch: a scan file, or a folder of page images."""

    name: str  # path relative to the batch folder
    files: tuple[Path, ...]  # one file, or a folder's page images in name order


@dataclass(frozen=True)
class RecordPlan:
    """One record (hồ sơ) of a batch and its documents."""

    code: str
    documents: tuple[DocumentPlan, ...]


@dataclass(frozen=True)
class BatchPlan:
    """What a batch folder holds: its records and their documents."""

    name: str
    root: Path
    records: tuple[RecordPlan, ...]

    @property
    def documents(self) -> list[tuple[str, DocumentPlan]]:
        """Every document with its record code, in order."""
        return [(r.code, d) for r in self.records for d in r.documents]


def _folder_document(root: Path, folder: Path) -> DocumentPlan:
    files = sorted((p for p in folder.rglob("*") if p.is_file() and _visible(p)), key=natural_key)
    return DocumentPlan(name=str(folder.relative_to(root)), files=tuple(files))


def _documents_in(root: Path, folder: Path, skipped: Collection[Path] = ()) -> list[DocumentPlan]:
    docs: list[DocumentPlan] = []
    for entry in sorted(folder.iterdir(), key=natural_key):
        if not _visible(entry) or (skipped and entry.resolve() in skipped):
            continue
        if entry.is_dir():
            doc = _folder_document(root, entry)
            if doc.files:
                docs.append(doc)
        elif entry.is_file():
            docs.append(DocumentPlan(name=str(entry.relative_to(root)), files=(entry,)))
    return docs


def plan_batch(root: Path, *, record: str | None = None, skip: Collection[Path] = ()) -> BatchPlan:
    """Read the folder layout; nothing is opened or decoded here.

    A manifest at the top of the folder and the files in ``skip`` (an explicit manifest)
    are left out.
    """
    root = Path(root)
    skipped = {Path(p).resolve() for p in skip}
    if not root.is_dir():
        raise InputError(f"{root} is not a folder: give the folder the scanner wrote", path=root)
    name = root.resolve().name
    records: dict[str, list[DocumentPlan]] = {}
    loose: list[DocumentPlan] = []
    for entry in sorted(root.iterdir(), key=natural_key):
        if not _visible(entry):
            continue
        if entry.is_dir():
            docs = _documents_in(root, entry, skipped)
            if docs:
                records.setdefault(record or entry.name, []).extend(docs)
        elif entry.is_file():
            if entry.name.lower() in MANIFEST_NAMES or entry.resolve() in skipped:
                continue
            loose.append(DocumentPlan(name=entry.name, files=(entry,)))
    if loose:
        records.setdefault(record or name, []).extend(loose)
    if not records:
        raise InputError(f"{root} holds no files to archive: check the batch folder", path=root)
    return BatchPlan(
        name=name,
        root=root,
        records=tuple(RecordPlan(code, tuple(docs)) for code, docs in records.items()),
    )
