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
    # Access (TT05 "Chế độ sử dụng"): 01 public, 02 conditional (own unit), 03 secret (grant).
    Column("access_mode", String(2), nullable=False, default="01", server_default="01"),
    Column("unit_id", ForeignKey("unit.id")),  # the unit that owns the record, if any
    # Staff-entered TT05 record fields (from a manifest or the web screens), by TT05 tag.
    Column("fields", JSON, nullable=False, default=dict, server_default="{}"),
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
    # Set on a document split off another one (at packaging, or by staff): the original.
    Column("split_from", ForeignKey("document.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("record_id", "seq"),
    Index("ix_document_source_key", "source_key"),
    Index("ix_document_state", "state"),
    Index("ix_document_batch_state", "batch_id", "state"),
    # ix_document_review, partial on needs_review, is written per dialect in migration 0006
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
    Column("words_corrected", Integer),  # words the post-correction changed
    Column("processing", JSON),  # preparation applied and why, correction facts
    Column("text", Text),
    Column("ocr_file_id", ForeignKey("stored_file.id")),
    Column("work_path", Text),  # the prepared image waiting for packaging
    Column("claim", String(64)),  # token of the worker recognising it (fencing)
    Column("claimed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("document_id", "seq"),
    Index("ix_page_state", "batch_id", "state"),
    Index("ix_page_mean_conf", "mean_conf"),
    Index("ix_page_failed", "state", "id"),  # failed pages, oldest first (dashboard)
    Index("ix_page_done_at", "batch_id", "state", "updated_at"),  # last done page (status)
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
    Index("ix_event_document", "document_id", "id"),  # a document's history (migration 0007)
)

# Counts per batch, fonds, state and day, kept by triggers (archive.catalog.summary).
catalog_summary = Table(
    "catalog_summary",
    metadata,
    Column("kind", String(10), primary_key=True),  # page | document | record | file | archived
    Column("batch_id", Integer, primary_key=True),  # 0 where it does not apply
    Column("fonds_id", Integer, primary_key=True),  # 0 where it does not apply
    Column("state", String(20), primary_key=True),  # state, file kind, archived: document|page
    Column("day", String(10), primary_key=True),  # files: creation day; archived: event day
    Column("n", BigInteger, nullable=False),
    Column("bytes", BigInteger, nullable=False),
)

# --------------------------------------------------------------- people and access (web app)

unit = Table(
    "unit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(100), nullable=False, unique=True),
    Column("name", String(1000), nullable=False, default=""),
)

app_user = Table(
    "app_user",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(200), nullable=False, unique=True),
    Column("full_name", String(400), nullable=False, default=""),
    Column("password_hash", String(400), nullable=False),  # argon2id
    Column("role", String(20), nullable=False),  # admin | staff | official
    Column("unit_id", ForeignKey("unit.id")),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("last_failed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

record_grant = Table(
    "record_grant",
    metadata,
    Column("user_id", ForeignKey("app_user.id"), primary_key=True),
    Column("record_id", ForeignKey("record.id"), primary_key=True),
    Column("granted_by", String(200), nullable=False, default=""),
    Column("granted_at", DateTime(timezone=True), nullable=False),
)

# --------------------------------------------------------------- site-to-centre transfer

# Centre: one key per site; only the SHA-256 of the (random, 256-bit) key is kept.
site_key = Table(
    "site_key",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site", String(100), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

# Site: every version of a record waiting for, or confirmed by, the centre.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", ForeignKey("record.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("fingerprint", String(64), nullable=False),  # what the version's content hashes to
    Column("state", String(20), nullable=False),  # pending | built | sent | confirmed
    Column("manifest", JSON),  # the built package's files: name, size, sha256
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("confirmed_at", DateTime(timezone=True)),
    UniqueConstraint("record_id", "version"),
    Index("ix_outbox_state", "state"),
)

# Centre: each version of a site's record that arrived, and the local record it became.
received = Table(
    "received",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site", String(100), nullable=False),
    Column("site_record_id", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("record_id", ForeignKey("record.id"), nullable=False),
    Column("manifest", JSON, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("site", "site_record_id", "version"),
)
