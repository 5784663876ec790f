"""`warta init --lock`: requirements.txt with the sha256 of every file the workflows install, made by pip
from a local wheel folder (no network), and honoured by pip's hash-checking install."""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import run_warta

from pipeline import __version__


def wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = (), payload: str = "") -> Path:
    """A minimal, valid pure-Python wheel (PEP 427) written by hand."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VALUE = {payload!r}\n",
        f"{dist}/METADATA": "Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}".format(
            name, version, "".join(f"Requires-Dist: {r}\n" for r in requires)),
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{dist}/RECORD"] = "\n".join([*record, f"{dist}/RECORD,,"]) + "\n"
    out = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return out


@pytest.fixture
def wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A wheel folder with warta (this version) and its one dependency; pip sees no other index or config."""
    for key in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    folder = tmp_path / "wheels"
    folder.mkdir()
    wheel(folder, "warta", __version__, ("kabar-kecil>=1.0",))
    wheel(folder, "kabar_kecil", "1.2")
    wheel(folder, "kabar_kecil", "0.9")  # too old: never chosen
    return folder


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_lock_pins_every_file_with_its_sha256_and_pip_installs_exactly_that(tmp_path: Path, wheels: Path) -> None:
    site = tmp_path / "situs"
    made = run_warta("init", str(site), "--lock", "--no-index", "--find-links", str(wheels))
    assert made.returncode == 0, made.stderr
    text = (site / "requirements.txt").read_text()
    warta_whl = wheels / f"warta-{__version__}-py3-none-any.whl"
    dep_whl = wheels / "kabar_kecil-1.2-py3-none-any.whl"
    assert f"warta=={__version__} \\\n    --hash=sha256:{sha256(warta_whl)}" in text
    assert f"kabar-kecil==1.2 \\\n    --hash=sha256:{sha256(dep_whl)}" in text
    assert "0.9" not in text
    assert "requirements.txt" in subprocess.run(["git", "ls-files"], cwd=site, capture_output=True, text=True).stdout
    target = tmp_path / "runner"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--require-hashes", "--no-deps", "--no-index",
                              "--find-links", str(wheels), "--target", str(target), "-r", str(site / "requirements.txt")],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    assert (target / "kabar_kecil" / "__init__.py").is_file()


def test_a_wheel_swapped_after_locking_is_refused_by_the_install(tmp_path: Path, wheels: Path) -> None:
    site = tmp_path / "situs"
    assert run_warta("init", str(site), "--lock", "--no-index", "--find-links", str(wheels)).returncode == 0
    wheel(wheels, "kabar_kecil", "1.2", payload="diganti")  # same name and version, other bytes
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--require-hashes", "--no-deps", "--no-index",
                              "--find-links", str(wheels), "--target", str(tmp_path / "runner"), "-r",
                              str(site / "requirements.txt")], capture_output=True, text=True, timeout=300)
    assert install.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in install.stderr


def test_lock_in_an_existing_site_rewrites_only_requirements(tmp_path: Path, wheels: Path) -> None:
    site = tmp_path / "situs"
    assert run_warta("init", str(site)).returncode == 0
    unlocked = (site / "requirements.txt").read_text()
    assert f"warta=={__version__}" in unlocked and "--hash" not in unlocked
    workflow = (site / ".github" / "workflows" / "warta-pr.yml").read_text()
    again = run_warta("init", str(site), "--lock", "--no-index", "--find-links", str(wheels))
    assert again.returncode == 0, again.stderr
    assert "--hash=sha256:" in (site / "requirements.txt").read_text()
    assert (site / ".github" / "workflows" / "warta-pr.yml").read_text() == workflow


def test_a_version_pip_cannot_find_is_a_clear_error_not_a_traceback(tmp_path: Path, wheels: Path) -> None:
    (wheels / f"warta-{__version__}-py3-none-any.whl").unlink()
    site = tmp_path / "situs"
    failed = run_warta("init", str(site), "--lock", "--no-index", "--find-links", str(wheels))
    assert failed.returncode == 2
    assert "pip could not download" in failed.stderr and f"warta=={__version__}" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not site.exists()  # nothing half-made blocks the next try


@pytest.fixture
def index(wheels: Path) -> Iterator[str]:
    """A PEP 503 simple index of the wheel folder, served on 127.0.0.1."""
    root = wheels.parent / "index"
    for whl in wheels.glob("*.whl"):
        project = root / "simple" / whl.name.split("-")[0].replace("_", "-").lower()
        project.mkdir(parents=True, exist_ok=True)
        (project / whl.name).write_bytes(whl.read_bytes())
    for project in (root / "simple").iterdir():
        links = "".join(f'<a href="{f.name}#sha256={sha256(f)}">{f.name}</a>\n'
                        for f in sorted(project.glob("*.whl")))
        (project / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_lock_reads_a_package_index_too(tmp_path: Path, wheels: Path, index: str) -> None:
    site = tmp_path / "situs"
    made = run_warta("init", str(site), "--lock", "--index-url", index)
    assert made.returncode == 0, made.stderr
    text = (site / "requirements.txt").read_text()
    assert f"--hash=sha256:{sha256(wheels / f'warta-{__version__}-py3-none-any.whl')}" in text
    assert "kabar-kecil==1.2" in text
