"""Small site repositories for the publish tests: real git, real SSH-signed approvals, real photos.

Built on tests/approvals_helpers.py (records written with plain git by each person, signed with their own
key). The configuration adds what publishing needs: classification codes per kind, outbox channels and a
small videotron board. Expectations in the tests come from the documented formats (docs/archive.md,
DESIGN sections 3 and 5), never from the code under test.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from accounting import assert_accounted
from approvals_helpers import PROJECT, SOP_RILIS, Person, Site, approve_fully, item_text, make_site

PHOTOS = PROJECT.parent / "shared" / "testdata" / "photos"
WIB = dt.timezone(dt.timedelta(hours=7))

PUBLISH_YML = """\
site:
  name: Dinas Uji Kabupaten Bantul
  short_name: Dinas Uji
  url: https://dinas.example.go.id
  unit_code: UJI
kinds:
  siaran-pers: {sop: rilis-uji, klasifikasi: "400.14.5.6"}
  berita: {sop: rilis-uji, klasifikasi: "400.14.4.3"}
  pengumuman: {sop: rilis-uji, klasifikasi: "400.14.4.2"}
  informasi-publik: {sop: info-uji, klasifikasi: "400.14.9"}
  halaman: {sop: rilis-uji, klasifikasi: "400.14.9"}
approvals:
  require_signatures: true
  force_publish_roles: [kepala_dinas]
  main_branch: main
archive:
  number_format: "{kode}/{urut}/{unit}/{tahun}"
  sequence: per-klasifikasi-per-tahun
media:
  widths: [480]
  videotron:
    - {name: simpang-empat, width: 384, height: 192, seconds: 8}
channels:
  facebook: {type: outbox}
  instagram: {type: outbox}
  videotron: {type: outbox}
deploy:
  target: local
  path: _site
"""


def office(tmp_path: Path, cast: dict[str, Person]) -> Site:
    """A site whose root commit holds the publishing configuration and one imported page."""
    # the test SOP's last step also posts and shows on the videotron (as seed 000 does)
    sop = SOP_RILIS.replace("aksi: terbit_website", "aksi: [terbit_website, kirim_medsos, tayang_videotron]")
    return make_site(tmp_path, cast, extra={"warta.yml": PUBLISH_YML, "sop/rilis-uji.yaml": sop})


def release_text(title: str, *, date: str = "2025-03-04", body: str = "Isi rilis.", **fields: str) -> str:
    text = item_text(title=title, body=body, **fields)
    return text.replace("date: 2025-03-04", f"date: {date}", 1)


def approved_release(site: Site, slug: str, *, title: str | None = None, text: str | None = None,
                     kind: str = "siaran-pers", year: int = 2025, photo: str | None = None,
                     merge: bool = True) -> str:
    """A release written by Rina on ``rilis/<slug>``, approved (signed) by Dwi and Hendro, merged --no-ff."""
    path = f"content/{kind}/{year}/{slug}.md"
    site.switch(f"rilis/{slug}", create=True)
    refs: tuple[str, ...] = ()
    if photo is not None:
        media = f"content/media/{slug}.jpg"
        (site.root / media).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PHOTOS / photo, site.root / media)
        refs = (media,)
        extra = {"image": f"../../media/{slug}.jpg", "image_alt": "Foto kegiatan di balai kalurahan",
                 "summary": f"Ringkasan {slug}."}
        text = text or release_text(title or slug.replace("-", " ").title(), date=f"{year}-03-04", **extra)
    site.write(path, text or release_text(title or slug.replace("-", " ").title(), date=f"{year}-03-04",
                                          body=f"Isi rilis {slug}."))
    site.commit(f"Rilis {slug}", site.cast["rina"])
    approve_fully(site, path, *refs)
    if merge:
        site.merge(f"rilis/{slug}", site.cast["wahyu"])
    else:
        site.switch("main")
    return path


def release_with(site: Site, slug: str, body: str, files: dict[str, bytes], *, approve: bool = True,
                 merge: bool = True) -> str:
    """A release whose body is ``body``, with ``files`` committed beside it, approved for ``files``."""
    path = f"content/siaran-pers/2025/{slug}.md"
    site.switch(f"rilis/{slug}", create=True)
    for rel, data in files.items():
        site.write(rel, data)
    site.write(path, release_text(slug.replace("-", " ").title(), body=body))
    site.commit(f"Rilis {slug}", site.cast["rina"])
    if approve:
        approve_fully(site, path, *files)
    if merge:
        site.merge(f"rilis/{slug}", site.cast["wahyu"])
    else:
        site.switch("main")
    return path


def site_bytes(site: Site) -> list[bytes]:
    """The bytes of every file of the deployed site."""
    live = site.root / "_site"
    return [p.read_bytes() for p in live.rglob("*") if p.is_file()] if live.exists() else []


def change_release(site: Site, path: str, text: str, *, branch: str, approve: bool = True,
                   refs: tuple[str, ...] = ()) -> None:
    """A change to a published item on its own branch, approved again (or not) and merged --no-ff."""
    site.switch(branch, create=True)
    site.write(path, text)
    site.commit(f"Ubah {path}", site.cast["rina"])
    if approve:
        approve_fully(site, path, *refs)
    site.merge(branch, site.cast["wahyu"])


def publish(site: Site, *args: str, env: dict[str, str] | None = None, identity: bool = True,
            cwd: Path | None = None, process: bool = False) -> subprocess.CompletedProcess[str]:
    """``warta publish`` as the CI account (Wahyu's identity, no signing) or with no git identity at all.

    In this process by default (same parser and code, without a new interpreter per run); ``process``
    runs the real command line in its own process (needed to be killed by a fault).
    """
    person = site.cast["wahyu"] if identity else None
    full = {**site.env(person, sign=False), "PYTHONPATH": str(PROJECT), **(env or {})}
    if process:
        proc = subprocess.run([sys.executable, "-m", "pipeline", "publish", *args], cwd=cwd or site.root,
                              env=full, capture_output=True, text=True, timeout=300)
        assert_accounted(site.root)  # rule 11, after every publish of every test
        return proc
    from pipeline.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(full)
    try:
        os.chdir(cwd or site.root)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(["publish", *args])
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    assert_accounted(site.root)  # rule 11, after every publish of every test
    return subprocess.CompletedProcess(["warta", "publish", *args], code, out.getvalue(), err.getvalue())


def publish_json(site: Site, *args: str, env: dict[str, str] | None = None,
                 process: bool = False) -> tuple[int, dict[str, Any]]:
    proc = publish(site, "--json", *args, env=env, process=process)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(f"not one JSON document (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}") from None
    assert isinstance(doc, dict)
    return proc.returncode, doc


def records(root: Path) -> dict[str, dict[str, Any]]:
    """Every record file under arsip/, read with plain YAML, by item path."""
    out: dict[str, dict[str, Any]] = {}
    for file in sorted((root / "arsip").rglob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        data["_file"] = file.relative_to(root).as_posix()
        out[str(data["path"])] = data
    return out


def tags(site: Site) -> dict[str, str]:
    """``arsip/*`` tags -> the tag message."""
    names = site.git("tag", "-l", "arsip/*").split()
    return {n: site.git("tag", "-l", "--format=%(contents)", n) for n in names}


def live_files(root: Path) -> set[str]:
    live = root / "_site"
    return {p.relative_to(live).as_posix() for p in live.rglob("*") if p.is_file()} if live.exists() else set()


def page(root: Path, url_path: str) -> str:
    return (root / "_site" / url_path / "index.html").read_text(encoding="utf-8")


def download(root: Path, page_url: str, name: str) -> Path:
    """The one published copy of a download or lampiran ``name`` of the page at ``page_url`` (downloads are
    published in a folder named by their content: ``<page>/berkas/<12 hex>/<name>``, docs/content.md)."""
    found = sorted((root / "_site" / page_url / "berkas").glob(f"*/{name}"))
    assert len(found) == 1, f"{name} of {page_url}: {found}"
    return found[0]


def outbox(root: Path) -> list[str]:
    """Every payload file of every social channel (videotron boards excluded)."""
    base = root / "_outbox"
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*.json")
                  if p.parent.parent == base) if base.exists() else []


def contiguous(numbers: list[tuple[str, int, int]]) -> bool:
    """Per (kode, tahun): the sequence numbers are 1..n, each once."""
    seqs: dict[tuple[str, int], list[int]] = {}
    for kode, tahun, urut in numbers:
        seqs.setdefault((kode, tahun), []).append(urut)
    return all(sorted(v) == list(range(1, len(v) + 1)) for v in seqs.values())


def isolated_env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "home" / "isolated-gitconfig"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.touch()
    return {"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}


def isolate(tmp_path: Path, monkeypatch: Any) -> None:
    """:func:`isolated_env` for the rest of the test (``monkeypatch``: pytest's fixture)."""
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)


def this_year() -> int:
    return dt.datetime.now(WIB).year


__all__ = ["PHOTOS", "PUBLISH_YML", "WIB", "approved_release", "change_release", "contiguous", "download",
           "release_with", "site_bytes",
           "isolated_env",
           "live_files", "office", "os", "outbox", "page", "publish", "publish_json", "records",
           "release_text", "tags", "this_year"]
