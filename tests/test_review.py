"""Staff review: flagged fields are listed with reasons; accepting or correcting one is an
event with who, when, old and new value, and the listing and the search follow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from archive import schema as t
from sohoa import pipeline
from sohoa.runner import run_embedded
from sohoa.synthetic import degrade, random_admin_document, render_admin_document


def _sohoa(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sohoa", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_review_lists_accepts_and_corrects(tmp_path: Path, settings) -> None:
    batch = tmp_path / "lo"
    (batch / "HS-01").mkdir(parents=True)
    doc = random_admin_document(21, pages=1)
    degrade(render_admin_document(doc)[0], noise=3, seed=1).save(
        batch / "HS-01" / "vb.png", dpi=(300, 300)
    )
    ctx = pipeline.open_context(settings)
    try:
        report = pipeline.intake(ctx, batch)
        run_embedded(ctx, {report.batch_id})
        doc_id = report.new_documents[0]
        # make two fields doubtful, as validation does for a misread or a weak reading
        with ctx.catalog.tx() as conn:
            fields = conn.execute(
                select(t.document.c.fields).where(t.document.c.id == doc_id)
            ).scalar()
            fields["summary"]["flags"] = ["low OCR confidence on the field's words"]
            fields["number"]["flags"] = ["symbol type disagrees with the type line"]
            fields["needs_review"] = True  # as the package stage sets it for flagged fields
            conn.execute(t.document.update().where(t.document.c.id == doc_id).values(fields=fields))
    finally:
        ctx.close()
    env = {**os.environ, "SOHOA_HOME": str(settings.home)}

    todo = json.loads(_sohoa(["review", "--json"], env).stdout)
    assert [d["id"] for d in todo] == [doc_id]
    assert {f["field"] for f in todo[0]["fields"]} == {"summary", "number"}

    done = _sohoa(
        ["review", str(doc_id), "--accept", "summary", "--set", "number=999", "--who", "lan"],
        env,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(_sohoa(["review", "--json"], env).stdout) == []

    listing = json.loads(_sohoa(["documents", "--json"], env).stdout)[0]
    assert listing["number"] == f"999/{doc.notation}"
    accepted = listing["fields"]["summary"]
    assert accepted["rule"].endswith("+accepted") and accepted["flags"] == []
    assert listing["summary"] == accepted["value"]  # accepting keeps the value as read
    assert listing["fields"]["number"]["rule"] == "staff"
    assert listing["fields"]["needs_review"] is False

    found = json.loads(_sohoa(["search", f"999/{doc.notation}", "--json"], env).stdout)
    assert found["hits"] and found["hits"][0]["document_id"] == doc_id

    ctx = pipeline.open_context(settings)
    try:
        with ctx.catalog.tx() as conn:
            events = conn.execute(
                select(t.event.c.kind, t.event.c.actor, t.event.c.detail)
                .where(t.event.c.kind.in_(("metadata_edited", "metadata_accepted")))
                .order_by(t.event.c.id)
            ).all()
    finally:
        ctx.close()
    assert [(e.kind, e.actor) for e in events] == [
        ("metadata_accepted", "lan"),
        ("metadata_edited", "lan"),
    ]
    assert events[1].detail == {"field": "number", "old": doc.number, "new": "999"}
