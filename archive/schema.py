"""The catalog's tables (SQLAlchemy Core): the same schema on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Changes to these tables go through a migration in archive/migrations/versions
# (`alembic revision --autogenerate`, see the README); the catalog applies them at start-up.
metadata = MetaData()

batch = Table(
    "batch",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(400), nullable=False),
    Column("source_path", Text, nullable=False),
    Column("operator", String(200), nullable=False, default=""),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)

fonds = Table(
    "fonds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(100), nullable=False, unique=True),
    Column("name", String(1000), nullable=False, default=""),
)

record = Table(
    "record",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fonds_id", ForeignKey("fonds.id"), nullable=False),
    Column("code", String(100), nullable=False),
    Column("title", String(1000), nullable=False, default=""),
    UniqueConstraint("fonds_id", "code"),
)

stored_file = Table(
    "stored_file",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # original | pdfa | ocr
    Column("path", Text, nullable=False, unique=True),  # relative to SOHOA_HOME
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(100), nullable=False, default=""),
    Column("original_name", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("checked_at", DateTime(timezone=True)),
    Index("ix_stored_file_sha", "kind", "sha256"),
)

document = Table(
    "document",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", ForeignKey("record.id"), nullable=False),
    Column("batch_id", ForeignKey("batch.id"), nullable=False),
    Column("seq", Integer, nullable=False),  # position in the record, 1-based
    Column("name", Text, nullable=False),  # source name relative to the batch folder
    Column("source_key", String(64), nullable=False),  # SHA-256 over the source files' hashes
    Column("state", String(20), nullable=False),
    Column("error", Text),
    Column("page_count", Integer, nullable=False, default=0),
    Column("pdf_file_id", ForeignKey("stored_file.id")),
    Column("claim", String(64)),  # token of the worker packaging it (fencing)
    Column("claimed_at", DateTime(timezone=True)),
    Column("number", String(200), nullable=False, default=""),  # "141/KH-UBND"
    Column("issued_date", String(10), nullable=False, default=""),  # ISO
    Column("type_code", String(2), nullable=False, default=""),
    Column("type_name", String(200), nullable=False, default=""),
    Column("organ", String(1000), nullable=False, default=""),
    Column("summary", Text, nullable=False, default=""),
    Column("fields", JSON, nullable=False, default=dict),  # every field with its provenance
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("record_id", "seq"),
    Index("ix_document_source_key", "source_key"),
    Index("ix_document_state", "state"),
)

document_source = Table(
    "document_source",
    metadata,
    Column("document_id", ForeignKey("document.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("file_id", ForeignKey("stored_file.id"), nullable=False),
)

page = Table(
    "page",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("document.id"), nullable=False),
    Column("batch_id", ForeignKey("batch.id"), nullable=False),
    Column("seq", Integer, nullable=False),  # 1-based within the document
    Column("source_file_id", ForeignKey("stored_file.id"), nullable=False),
    Column("source_index", Integer, nullable=False),  # frame or page in the source file
    Column("source_kind", String(10), nullable=False),
    Column("state", String(20), nullable=False),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("dpi", Float),
    Column("width", Integer),
    Column("height", Integer),
    Column("rotation", Integer),
    Column("skew", Float),
    Column("blank", Boolean),
    Column("text_source", String(20)),  # ocr | pdf
    Column("ocr_engine", String(100)),
    Column("languages", String(100)),
    Column("mean_conf", Float),
    Column("text", Text),
    Column("ocr_file_id", ForeignKey("stored_file.id")),
    Column("work_path", Text),  # the prepared image waiting for packaging
    Column("claim", String(64)),  # token of the worker recognising it (fencing)
    Column("claimed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("document_id", "seq"),
    Index("ix_page_state", "batch_id", "state"),
)

event = Table(
    "event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(200), nullable=False, default="sohoa"),
    Column("batch_id", Integer),
    Column("document_id", Integer),
    Column("page_id", Integer),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_event_kind", "kind", "at"),
)
