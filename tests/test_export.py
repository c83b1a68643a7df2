"""TT05 export package and metadata exports, from a catalog filled by the real pipeline."""

from __future__ import annotations

import csv
import hashlib
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from archive.export import (
    DOCUMENT_REQUIRED,
    METS_NS,
    PREMIS_NS,
    RECORD_REQUIRED,
    XLINK_NS,
    export_metadata,
    export_record,
    tt05_date,
)
from errors import NotFoundError, QueryError, StorageError
from sohoa import pipeline
from sohoa.config import load_settings
from sohoa.runner import run_embedded
from sohoa.synthetic import degrade, random_admin_document, render_admin_document

pytestmark = pytest.mark.slow

FONDS, RECORD = "PHONG-07", "HS-2025-01"
SEEDS = (3, 8)  # a Kế hoạch and a Quyết định, one page each


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("batch") / "lo-export"
    truth = {}
    for i, seed in enumerate(SEEDS, 1):
        doc = random_admin_document(seed, pages=1)
        image = degrade(render_admin_document(doc, dpi=200)[0], angle=1.0, noise=3, seed=seed)
        path = root / RECORD / f"vb{i:02d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, dpi=(200, 200))
        truth[f"{RECORD}/vb{i:02d}.png"] = doc
    settings = load_settings(home=tmp_path_factory.mktemp("home"), workers=2)
    ctx = pipeline.open_context(settings)
    report = pipeline.intake(ctx, root, fonds=FONDS, operator="tester")
    final = run_embedded(ctx, {report.batch_id})
    assert final.failed == 0
    yield ctx, truth
    ctx.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_package(package: Path, truth: dict) -> None:
    m, x = f"{{{METS_NS}}}", f"{{{XLINK_NS}}}"
    mets = ET.parse(package / "METS.xml").getroot()
    assert mets.tag == f"{m}mets" and mets.get("TYPE") == "AIP_hoso"
    listed = {}
    for el in mets.iter(f"{m}file"):
        href = el.find(f"{m}FLocat").get(f"{x}href")
        assert el.get("CHECKSUMTYPE") == "SHA-256"
        path = package / href
        assert _sha(path) == el.get("CHECKSUM"), href  # every checksum recomputed
        assert int(el.get("SIZE")) == path.stat().st_size
        listed[href] = el.get("ID")
    on_disk = {
        p.relative_to(package).as_posix()
        for p in package.rglob("*")
        if p.is_file() and p.name != "METS.xml"
    }
    assert set(listed) == on_disk  # METS lists every file of the package
    pdfs = sorted(h for h in listed if h.startswith("representations/rep1/data/"))
    assert pdfs == [f"representations/rep1/data/{RECORD}.{i:07d}.pdf" for i in (1, 2)]
    assert all((package / p).read_bytes().startswith(b"%PDF-") for p in pdfs)
    fptrs = {f.get("FILEID") for f in mets.iter(f"{m}fptr")}
    assert {listed[p] for p in pdfs} <= fptrs

    record = ET.parse(package / "metadata/descriptive/EAD.xml").getroot().find("archdesc")
    values = {el.tag: el.text or "" for el in record}
    missing = [tag for tag in RECORD_REQUIRED if not values.get(tag)]
    assert missing == []
    docs = list(truth.values())
    dates = sorted(d.issued for d in docs)
    assert values["startDate"] == dates[0].strftime("%d/%m/%Y")
    assert values["endDate"] == dates[-1].strftime("%d/%m/%Y")
    assert values["totalDoc"] == "2" and values["numberOfPage"] == "2"
    assert values["confidenceLevel"] == "02" and values["fileCode"] == RECORD

    for seq, (_name, doc) in enumerate(sorted(truth.items()), 1):
        path = package / f"representations/rep1/metadata/descriptive/EAD_doc_{seq:07d}.xml"
        item = ET.parse(path).getroot().find("archdesc")
        got = {el.tag: el.text or "" for el in item}
        assert [tag for tag in DOCUMENT_REQUIRED if not got.get(tag)] == []
        assert got["docCode"] == f"{RECORD}.{seq:07d}"
        assert f"{got['codeNumber']}/{got['codeNotation']}" == doc.number_symbol
        assert got["issuedDate"] == doc.issued.strftime("%d/%m/%Y")
        assert got["typeName"] == doc.type_name
        assert got["organName"] == doc.organ
        assert got["numberOfPage"] == "1"

    premis = ET.parse(package / "metadata/preservation/PREMIS.xml").getroot()
    p = f"{{{PREMIS_NS}}}"
    digests = {
        obj.find(f"{p}objectIdentifier/{p}objectIdentifierValue").text: obj.find(
            f".//{p}messageDigest"
        ).text
        for obj in premis.iter(f"{p}object")
    }
    assert {k: _sha(package / k) for k in pdfs} == digests
    kinds = {e.find(f"{p}eventType").text for e in premis.iter(f"{p}event")}
    assert {"recognised", "packaged"} <= kinds


def test_record_package_rereads_with_valid_checksums(archived, tmp_path: Path) -> None:
    ctx, truth = archived
    package = export_record(ctx.catalog, ctx.home, fonds=FONDS, record=RECORD, out_dir=tmp_path)
    assert package.name == f"AIP_hoso_{RECORD}" and package.is_dir()
    _check_package(package, truth)
    # exporting again replaces the package, leaving no temporary files
    again = export_record(ctx.catalog, ctx.home, fonds=FONDS, record=RECORD, out_dir=tmp_path)
    assert again == package
    assert not [p for p in package.rglob(".tmp-*")]


def test_zipped_package(archived, tmp_path: Path) -> None:
    ctx, truth = archived
    target = export_record(
        ctx.catalog, ctx.home, fonds=FONDS, record=RECORD, out_dir=tmp_path / "out", zip=True
    )
    assert target.suffix == ".zip"
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(target) as zf:
        assert zf.testzip() is None
        zf.extractall(unpacked)
    _check_package(unpacked / f"AIP_hoso_{RECORD}", truth)


def test_unknown_record_and_damaged_file(archived, tmp_path: Path) -> None:
    ctx, _ = archived
    with pytest.raises(NotFoundError, match="no archived document"):
        export_record(ctx.catalog, ctx.home, fonds=FONDS, record="HS-NONE", out_dir=tmp_path)
    # a stored PDF/A that no longer matches its checksum is never exported
    pdf = next((ctx.home / "pdfa").rglob("*.0000002.pdf"))
    original = pdf.read_bytes()
    try:
        pdf.write_bytes(original[:-10] + b"0123456789")
        with pytest.raises(StorageError, match="SHA-256"):
            export_record(ctx.catalog, ctx.home, fonds=FONDS, record=RECORD, out_dir=tmp_path)
    finally:
        pdf.write_bytes(original)


def test_csv_and_json_metadata(archived, tmp_path: Path) -> None:
    ctx, truth = archived
    out = tmp_path / "fonds.csv"
    assert export_metadata(ctx.catalog, fonds=FONDS, format="csv", out=out) == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for spreadsheet programs
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    by_number = {r["number"]: r for r in rows}
    assert set(by_number) == {d.number_symbol for d in truth.values()}
    for doc in truth.values():
        row = by_number[doc.number_symbol]
        assert row["organName"] == doc.organ and row["typeName"] == doc.type_name
        assert row["issuedDate"] == tt05_date(doc.issued.isoformat())
        assert row["needsReview"] in ("0", "1")

    first_id = int(rows[0]["document_id"])
    out_json = tmp_path / "result.json"
    assert export_metadata(ctx.catalog, document_ids=[first_id], format="json", out=out_json) == 1
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert [d["document_id"] for d in data] == [first_id]
    assert data[0]["fields"]["number"]["rule"] and "box" in data[0]["fields"]["organ"]

    with pytest.raises(QueryError):
        export_metadata(ctx.catalog, fonds=FONDS, format="xml", out=tmp_path / "x")
    with pytest.raises(NotFoundError):
        export_metadata(ctx.catalog, fonds="NO-SUCH", out=tmp_path / "y.csv")


def test_tt05_date() -> None:
    assert tt05_date("2025-03-04") == "04/03/2025"
    assert tt05_date("") == "" and tt05_date("not a date") == ""
