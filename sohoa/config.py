"""Settings: read in one place, validated, from ``SOHOA_*`` variables and an optional TOML file.

Precedence (highest first): explicit keyword arguments, environment variables, the TOML file
named by ``SOHOA_CONFIG`` (default ``$SOHOA_HOME/sohoa.toml`` when it exists), defaults.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from errors import ConfigError
from metadata import REREAD_FIELDS
from ocr.clean import AUTO_STEPS as AUTO_CLEAN
from ocr.clean import STEPS as CLEAN_STEPS
from ocr.clean import parse_steps


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _config_file() -> Path | None:
    explicit = os.environ.get("SOHOA_CONFIG")
    if explicit:
        return Path(explicit)
    home = Path(os.environ.get("SOHOA_HOME", "sohoa-data"))
    candidate = home / "sohoa.toml"
    return candidate if candidate.exists() else None


class Settings(BaseSettings):
    """Every setting sohoa reads. Each maps to ``SOHOA_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="ignore", frozen=True)

    home: Path = Field(Path("sohoa-data"), description="where the catalog and stored files live")
    database_url: str = Field("", description="catalog URL; default SQLite file in home")
    languages: str = Field("vie+eng", description="tesseract languages, joined with +")
    workers: int = Field(default_factory=_default_workers, ge=1, description="pages in parallel")
    pdfa: int = Field(2, description="PDF/A part: 1 (PDF/A-1b) or 2 (PDF/A-2b)")
    jpeg_quality: int = Field(60, ge=20, le=95, description="JPEG quality of grey/colour pages")
    ocr_timeout: float = Field(300.0, gt=0, description="seconds one tesseract run may take")
    osd_timeout: float = Field(60.0, gt=0, description="seconds orientation detection may take")
    rasterise_dpi: int = Field(300, ge=72, le=1200, description="dpi for image-only PDF pages")
    default_dpi: int = Field(300, ge=72, le=2400, description="dpi assumed when a scan has none")
    max_pixels: int = Field(180_000_000, gt=0, description="largest page image accepted")
    max_file_bytes: int = Field(2_000_000_000, gt=0, description="largest input file accepted")
    force_ocr: bool = Field(False, description="OCR PDF pages that already carry text")
    fonds: str = Field("default", description="fonds code used when --fonds is not given")
    thresholding: int | None = Field(None, description="tesseract thresholding_method (2=Sauvola)")
    low_confidence: float = Field(
        70.0, ge=0, le=100, description="pages read with a lower mean confidence: rescan list"
    )
    correct: bool = Field(
        True, description="correct low-confidence Vietnamese words' marks after OCR"
    )
    # The summary and the signer's name by default: without their re-read the metadata bench
    # had wrong summaries and names that no check flagged; together they cost ~0.8 CPU s per
    # document (every box, "all", ~2.3 s), per document, not per page.
    reread: str = Field(
        "summary,signer_name",
        description="metadata boxes re-read enlarged (the summary in vie at ~600 dpi): a "
        "comma list of " + ", ".join(REREAD_FIELDS) + "; all (~2.3 CPU s per document); off",
    )
    split: bool = Field(
        True, description="split a file holding several documents at their first pages"
    )
    broker: str = Field("", description="redis://... or amqp://...; empty runs in-process")
    search: str = Field("", description="http(s)://HOST:9200 for Elasticsearch; empty = SQLite")
    search_user: str = Field("", description="Elasticsearch basic-auth user")
    search_password: str = Field("", description="Elasticsearch basic-auth password")
    search_api_key: str = Field("", description="Elasticsearch API key (instead of user)")
    search_ca_certs: str = Field("", description="PEM file of the cluster's CA")
    search_verify: bool = Field(True, description="verify the cluster's TLS certificate")
    lease_seconds: float = Field(
        0.0, ge=0, description="an unrenewed claim expires after this (0 = 90 s)"
    )
    broker_heartbeat_ms: int = Field(60_000, gt=0, description="Redis worker heartbeat timeout")
    # web app (sohoa serve)
    secret_key: str = Field("", description="session signing key; empty: SOHOA_HOME/secret_key")
    session_minutes: int = Field(480, gt=0, description="a web session lasts at most this long")
    session_idle_minutes: int = Field(60, gt=0, description="a web session idle this long ends")
    login_max_failures: int = Field(5, ge=1, description="failed logins before each waits")
    login_delay_seconds: float = Field(2.0, gt=0, description="first wait; doubles per failure")

    # hot folder (sohoa watch; sohoa serve with serve_watch)
    watch_dir: Path | None = Field(None, description="hot folder for `sohoa watch` (no DIR)")
    watch_stable_seconds: float = Field(
        30.0, gt=0, description="a batch starts when no file changed for this long"
    )
    watch_marker: str = Field("READY", min_length=1, description="marker file: start at once")
    watch_done_dir: Path | None = Field(None, description="finished batches go here (DIR/_done)")
    watch_failed_dir: Path | None = Field(
        None, description="batches with failures go here with a reasons file (DIR/_failed)"
    )
    watch_poll: bool = Field(False, description="poll instead of OS events (network shares)")
    watch_poll_ms: int = Field(2000, ge=100, description="polling interval with watch_poll")
    serve_watch: bool = Field(False, description="`sohoa serve` also runs the watcher")

    # uploads from the browser (sohoa serve, /upload)
    upload_max_bytes: int = Field(2 * 1024**3, gt=0, description="largest file one may upload")
    upload_max_session_bytes: int = Field(
        20 * 1024**3, gt=0, description="largest total size of one upload (all its files)"
    )
    upload_max_files: int = Field(5000, gt=0, description="most files in one upload")
    upload_chunk_bytes: int = Field(
        8 * 1024**2, ge=1024, le=64 * 1024**2, description="bytes the browser sends per request"
    )
    upload_abandon_hours: float = Field(
        48.0, gt=0, description="an unfinished upload untouched this long is deleted"
    )

    # page cleaning for OCR (ocr.clean): only the copy tesseract reads is cleaned
    clean: str = Field(
        "auto",
        description="cleaning steps for the OCR copy: auto (the steps that measured better), "
        "off, all, or a comma list of " + ", ".join(CLEAN_STEPS),
    )

    # search at province scale (SQLite index): the word-pair column
    search_pairs: bool = Field(
        False,
        description="a new or rebuilt SQLite search index gets a word-pair column: phrases "
        "and names after common syllables stay fast at millions of pages, at about half the "
        "build rate and +30 % index size (an existing index keeps its layout)",
    )

    @field_validator("clean")
    @classmethod
    def _check_clean(cls, value: str) -> str:
        parse_steps(value, AUTO_CLEAN)  # raises ValueError naming what is wrong
        return value

    @property
    def clean_steps(self) -> tuple[str, ...]:
        """The cleaning steps each page may get (``SOHOA_CLEAN``), in the order they run."""
        return parse_steps(self.clean, AUTO_CLEAN)

    # recognition model (scripts/fetch_model.py installs one; see README "Recognition model")
    tessdata: str = Field(
        "",
        description="folder of tesseract models used with --tessdata-dir; empty = the "
        "system's (Debian's tesseract-ocr-*); a folder missing a language falls back to it",
    )

    @field_validator("tessdata")
    @classmethod
    def _check_tessdata(cls, value: str) -> str:
        text = value.strip()
        if not text:
            return ""
        path = Path(text).expanduser()
        if path.exists() and not path.is_dir():
            raise ValueError(f"SOHOA_TESSDATA {text} is a file; give the folder holding it")
        return str(path.resolve())

    # site-to-centre transfer (sohoa push at a site, /api/transfer/ at the centre)
    transfer_url: str = Field("", description="the centre's address for `sohoa push`")
    transfer_key: str = Field("", description="this site's key, issued by the centre's admin")
    transfer_chunk_bytes: int = Field(
        1024**2, ge=1024, le=64 * 1024**2, description="bytes sent per request"
    )
    transfer_bandwidth: int = Field(0, ge=0, description="bytes per second at most; 0: no limit")
    transfer_window: str = Field(
        "", description="local hours when pushing may run, HH:MM-HH:MM (empty: any time)"
    )
    transfer_timeout: float = Field(30.0, gt=0, description="seconds per HTTP request")
    transfer_retries: int = Field(8, ge=0, description="failed requests retried per record")
    transfer_fonds_map: str = Field(
        "", description="centre: SITE/FONDS=LOCAL;... (SITE may be *) for received records"
    )
    transfer_unit_map: str = Field("", description="centre: SITE/UNIT=LOCAL;... for units")

    # push schedule (sohoa watch, and serve_watch, push the outbox by themselves)
    push_interval: float = Field(
        0.0, ge=0, description="seconds between scheduled pushes from `sohoa watch`; 0: none"
    )
    push_retry_seconds: float = Field(
        30.0, gt=0, description="first wait after a failed scheduled push; doubles per failure"
    )
    push_backoff_max: float = Field(
        3600.0, gt=0, description="longest wait between failed scheduled pushes"
    )

    # web request threads (sohoa serve): fewer threads per process contend less for the GIL
    web_threads: int = Field(
        4, ge=0, description="threads per web process serving requests; 0: anyio's default (40)"
    )

    @field_validator("reread")
    @classmethod
    def _check_reread(cls, value: str) -> str:
        reread_fields(value)  # raises ValueError naming what is wrong
        return value

    @property
    def reread_fields(self) -> tuple[str, ...]:
        """The metadata boxes read again from the page image (``SOHOA_REREAD``)."""
        return reread_fields(self.reread)

    @field_validator("pdfa")
    @classmethod
    def _check_pdfa(cls, value: int) -> int:
        if value not in (1, 2):
            raise ValueError("SOHOA_PDFA must be 1 or 2")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then the environment, then the TOML file (if any)."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def lease(self) -> float:
        """Seconds an unrenewed claim lasts. Live workers renew theirs every third of it."""
        return self.lease_seconds or 90.0

    @cached_property
    def catalog_url(self) -> str:
        """``SOHOA_DATABASE_URL``, else the SQLite file ``catalog.sqlite`` in the home."""
        return self.database_url or f"sqlite:///{(self.home / 'catalog.sqlite').resolve()}"


def reread_fields(text: str) -> tuple[str, ...]:
    """``SOHOA_REREAD``: "all" (or true/1), "off" (or false/0/empty), or a comma list."""
    word = text.strip().lower()
    if word in ("all", "true", "1", "yes", "on"):
        return REREAD_FIELDS
    if word in ("", "off", "false", "0", "no", "none"):
        return ()
    fields = tuple(f.strip() for f in word.split(",") if f.strip())
    unknown = sorted(set(fields) - set(REREAD_FIELDS))
    if unknown:
        raise ValueError(
            f"SOHOA_REREAD: unknown field(s) {', '.join(unknown)}; use all, off or some of "
            + ", ".join(REREAD_FIELDS)
        )
    return fields


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation problems into one readable ``ConfigError``."""
    from pydantic import ValidationError

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration ({problems}); fix the SOHOA_* setting") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the configuration file: {exc}") from exc
