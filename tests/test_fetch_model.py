"""scripts/fetch_model.py without the network: a tarball built here, served on loopback."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import sys
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from errors import SohoaError

ROOT = Path(__file__).resolve().parent.parent
MEMBER = "package/4.0.0_best_int/vie.traineddata.gz"


def _load_script():
    script = ROOT / "scripts" / "fetch_model.py"
    spec = importlib.util.spec_from_file_location("fetch_model", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fetch_model"] = module
    spec.loader.exec_module(module)
    return module


fm = _load_script()


def _tarball(model: bytes, member: str = MEMBER) -> bytes:
    """A gzipped tar laid out like the npm package, holding ``model`` gzipped at ``member``."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in ((member, gzip.compress(model)), ("package/package.json", b"{}")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


class _Server:
    """Serves ``body`` on 127.0.0.1 and counts the requests."""

    def __init__(self) -> None:
        self.body = b""
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/vie-1.0.0.tgz"


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture
def system(tmp_path: Path) -> Path:
    """A stand-in for the system's tessdata with eng and osd files."""
    folder = tmp_path / "system"
    folder.mkdir()
    for lang in ("eng", "osd"):
        (folder / f"{lang}.traineddata").write_bytes(f"{lang} model".encode())
    return folder


def _fetch(server: _Server, target: Path, system: Path, model: bytes, **kw):
    tarball = server.body
    return fm.fetch_model(
        target,
        url=server.url,
        tarball_sha256=kw.pop("tarball_sha256", hashlib.sha256(tarball).hexdigest()),
        integrity=kw.pop("integrity", None),
        model_sha256=kw.pop("model_sha256", hashlib.sha256(model).hexdigest()),
        system=system,
        timeout=10,
        **kw,
    )


def test_installs_model_and_links_and_is_idempotent(
    server: _Server, system: Path, tmp_path: Path
) -> None:
    model = b"pretend vie model" * 100
    server.body = _tarball(model)
    target = tmp_path / "share" / "tessdata"
    path = _fetch(server, target, system, model)
    assert path == target / "vie.traineddata" and path.read_bytes() == model
    for lang in ("eng", "osd"):
        link = target / f"{lang}.traineddata"
        assert link.is_symlink() and link.resolve() == (system / link.name).resolve()
    assert sorted(p.name for p in target.iterdir()) == [
        "eng.traineddata",
        "osd.traineddata",
        "vie.traineddata",
    ]
    assert server.requests == 1
    before = path.stat().st_mtime_ns
    _fetch(server, target, system, model)
    assert server.requests == 1, "a model in place with the right hash is not downloaded again"
    assert path.stat().st_mtime_ns == before


def test_npm_integrity_is_checked(server: _Server, system: Path, tmp_path: Path) -> None:
    import base64

    model = b"model bytes"
    server.body = _tarball(model)
    good = "sha512-" + base64.b64encode(hashlib.sha512(server.body).digest()).decode()
    _fetch(server, tmp_path / "ok", system, model, integrity=good)
    bad = "sha512-" + base64.b64encode(hashlib.sha512(b"other").digest()).decode()
    with pytest.raises(fm.ModelFetchError, match="integrity"):
        _fetch(server, tmp_path / "bad", system, model, integrity=bad)
    assert list((tmp_path / "bad").iterdir()) == []


def test_tarball_hash_mismatch_is_refused_and_nothing_written(
    server: _Server, system: Path, tmp_path: Path
) -> None:
    model = b"the real model"
    server.body = _tarball(model)
    target = tmp_path / "tessdata"
    with pytest.raises(fm.ModelFetchError, match="SHA-256.*refused") as caught:
        _fetch(server, target, system, model, tarball_sha256="0" * 64)
    assert isinstance(caught.value, SohoaError)
    assert list(target.iterdir()) == []


def test_model_hash_mismatch_keeps_the_old_model(
    server: _Server, system: Path, tmp_path: Path
) -> None:
    good = b"good model"
    server.body = _tarball(good)
    target = tmp_path / "tessdata"
    _fetch(server, target, system, good)
    # The registry now serves a tarball whose model is not the pinned one.
    server.body = _tarball(b"tampered model")
    with pytest.raises(fm.ModelFetchError, match="vie.traineddata.gz has SHA-256"):
        _fetch(server, target, system, b"expected other model")
    assert (target / "vie.traineddata").read_bytes() == good
    assert not [p for p in target.iterdir() if p.name.startswith(".tmp-")]


def test_a_wrong_file_in_place_is_replaced(server: _Server, system: Path, tmp_path: Path) -> None:
    model = b"fresh model"
    server.body = _tarball(model)
    target = tmp_path / "tessdata"
    target.mkdir()
    (target / "vie.traineddata").write_bytes(b"half a model")
    _fetch(server, target, system, model)
    assert (target / "vie.traineddata").read_bytes() == model
    assert server.requests == 1


def test_missing_member_and_not_a_tarball(server: _Server, system: Path, tmp_path: Path) -> None:
    model = b"m"
    server.body = _tarball(model, member="package/4.0.0/vie.traineddata.gz")
    with pytest.raises(fm.ModelFetchError, match="no package/4.0.0_best_int"):
        _fetch(server, tmp_path / "a", system, model)
    server.body = b"<html>not a tarball</html>"
    with pytest.raises(fm.ModelFetchError, match="cannot unpack"):
        _fetch(server, tmp_path / "b", system, model)


def test_network_failure_is_explained(system: Path, tmp_path: Path) -> None:
    srv = _Server()  # bound but never serving: then closed, so the port refuses
    url = srv.url
    srv.httpd.server_close()
    with pytest.raises(fm.ModelFetchError, match="cannot download"):
        fm.fetch_model(tmp_path / "t", url=url, system=system, timeout=5)


def test_missing_system_model_is_named(server: _Server, tmp_path: Path) -> None:
    model = b"m2"
    server.body = _tarball(model)
    empty = tmp_path / "empty-system"
    empty.mkdir()
    with pytest.raises(fm.ModelFetchError, match="tesseract-ocr-eng"):
        _fetch(server, tmp_path / "t", empty, model)


def test_pinned_values_describe_the_registry_package() -> None:
    assert fm.URL == "https://registry.npmjs.org/@tesseract.js-data/vie/-/vie-1.0.0.tgz"
    assert len(fm.TARBALL_SHA256) == 64 and fm.TARBALL_INTEGRITY.startswith("sha512-")
    assert fm.default_target().parts[-3:] == ("share", "sohoa", "tessdata")
    assert fm.default_target("legacy").name == "tessdata-legacy"
    with pytest.raises(fm.ModelFetchError, match="unknown variant"):
        fm.fetch_model(Path("/nonexistent"), "fast")


def test_command_line_reports_errors(
    server: _Server,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The command line always checks the pinned hashes: a tarball built here is refused.
    server.body = _tarball(b"x")
    monkeypatch.setattr(fm, "URL", server.url)
    status = fm.main(["--target", str(tmp_path / "t"), "--quiet"])
    err = capsys.readouterr().err
    assert status == 1 and err.startswith("fetch_model: ") and "refused" in err
    assert server.requests == 1
    assert not (tmp_path / "t" / "vie.traineddata").exists()
