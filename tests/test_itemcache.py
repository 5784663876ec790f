"""Parsed items are kept by content (``.warta-cache/items/parsed.pickle``, pipeline/itemcache.py): a warm run
parses only the items whose bytes changed and gives exactly the items and findings a run without the cache
gives; every input that shapes an item (its bytes, its path, the files it references, the configuration,
warta's code, the Markdown dialect) makes it parsed again; a damaged, foreign or repository-supplied cache
file is never believed; a kept item carries no line map until a finding asks for a line."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Person
from cli_helpers import copy_example, run_warta
from publish_helpers import approved_release, isolated_env, office, publish_json

import pipeline.codedigest as codedigest
import pipeline.itemcache as itemcache
from pipeline import yamlio
from pipeline.cachedir import CACHE_DIRNAME, ITEMS_CACHE
from pipeline.check import check_site
from pipeline.config import load_config
from pipeline.content import Item, is_item_path, load_items, load_site
from pipeline.errors import Findings
from pipeline.git import Git
from pipeline.tree import GitTree, WorkTree

RELEASE = "content/siaran-pers/2025/pelatihan-manajemen-bumkal.md"
PHOTO = "content/media/2025/pelatihan-bumkal-diskusi.jpg"  # the release's media[0]
INFO = "content/informasi-publik/2026/lkjip-2025.md"
ATTACHMENT = "content/media/2026/ringkasan-lkjip-2025.pdf"  # the info item's lampiran[0]
PAGE = "content/halaman/permohonan-informasi.md"  # links [keberatan](keberatan.md)
LINKED = "content/halaman/keberatan.md"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The project's example site (photos, a lampiran, links between pages), in a folder of its own."""
    return copy_example(tmp_path)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The path of every item's front matter the YAML loader parses (the work the cache saves)."""
    seen: list[str] = []
    real = yamlio.load

    def counting(text: str, path: str, *args: Any, **kwargs: Any) -> yamlio.YamlDocument:
        if path.startswith("content/"):
            seen.append(path)
        return real(text, path, *args, **kwargs)

    monkeypatch.setattr(yamlio, "load", counting)
    yield seen


def load(root: Path, *, cache: bool = True) -> tuple[list[Item], list[str]]:
    items, findings = load_items(root, load_config(root), cache_root=root if cache else None)
    return items, lines(findings)


def lines(findings: Findings) -> list[str]:
    return [f"{f.format(code=True)} field={f.field}" for f in findings.sorted()]


def shape(item: Item) -> tuple[Any, ...]:
    """Everything an item says, the front matter's text and its lines included."""
    keys = [("title",), ("date",), ("image",), ("media", 0, "file"), ("lampiran", 0, "file"), ("disposisi", "tanggal")]
    return (item, item.front, item.body, item.tz, [item.line_of(*k) for k in keys], item.references)


def content_items(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in (root / "content").rglob("*.md")
                  if "media" not in p.parts)


def test_a_warm_run_parses_nothing_and_gives_the_same_items_and_findings(example: Path, parses: list[str]) -> None:
    (example / "content/berita/2025/rusak.md").write_text("---\ntitle: [\n---\nIsi.\n", encoding="utf-8")
    cold_items, cold_findings = load(example, cache=False)
    assert cold_findings and all("rusak.md" in f for f in cold_findings)  # one broken item, reported
    load(example)  # fills the cache
    parses.clear()
    warm_items, warm_findings = load(example)
    assert parses == ["content/berita/2025/rusak.md"]  # only the item with a finding is parsed again
    assert warm_findings == cold_findings
    assert [i.path for i in warm_items] == [i.path for i in cold_items] and len(cold_items) > 10
    assert [shape(i) for i in warm_items] == [shape(i) for i in cold_items]
    assert (example / CACHE_DIRNAME / ITEMS_CACHE).is_file()


def test_a_kept_item_has_no_line_map_until_a_line_is_asked(example: Path, parses: list[str]) -> None:
    load(example)
    parses.clear()
    item = next(i for i in load(example)[0] if i.path == RELEASE)
    assert parses == [] and item._doc is None
    assert not hasattr(item, "__dict__")  # slots: no per-object dictionary
    assert item.line_of("media", 0, "file") == 10 and item.line_of("disposisi", "tanggal") == 17
    assert parses == [RELEASE]
    item.line_of("title")
    assert parses == [RELEASE]  # built once


def test_a_changed_item_alone_is_parsed_again(example: Path, parses: list[str]) -> None:
    load(example)
    path = example / RELEASE
    path.write_text(path.read_text(encoding="utf-8").replace("Latih 150", "Latih 160", 1), encoding="utf-8")
    parses.clear()
    items, findings = load(example)
    assert parses == [RELEASE] and findings == []
    assert next(i for i in items if i.path == RELEASE).title.startswith("Dinas PMK Bantul Latih 160")


def test_the_same_bytes_at_another_path_are_parsed_for_that_path(example: Path, parses: list[str]) -> None:
    load(example)
    copy = "content/siaran-pers/2025/salinan-pelatihan.md"
    shutil.copy(example / RELEASE, example / copy)
    parses.clear()
    items, findings = load(example)
    assert parses == [copy]
    assert {i.path: i.slug for i in items if i.path in (RELEASE, copy)} == {
        RELEASE: "pelatihan-manajemen-bumkal", copy: "salinan-pelatihan"}
    assert findings == load(example, cache=False)[1]


@pytest.mark.parametrize("change", ["removed", "symlink", "folder-symlink", "folder"])
def test_a_referenced_file_that_changed_kind_is_reported_as_without_the_cache(
        example: Path, parses: list[str], change: str) -> None:
    load(example)
    changed = (PHOTO, ATTACHMENT) if change == "folder-symlink" else (PHOTO, ATTACHMENT, LINKED)  # not PAGE's folder
    for rel in changed:
        target = example / rel
        if change == "removed":
            target.unlink()
        elif change == "symlink":
            moved = target.with_name("asli-" + target.name)
            target.rename(moved)
            target.symlink_to(moved.name)
        elif change == "folder":
            target.unlink()
            target.mkdir()
        else:  # the folder holding it becomes a link to a copy of itself
            folder = target.parent
            if not folder.is_symlink():
                copy = folder.with_name(folder.name + "-salinan")
                shutil.copytree(folder, copy)
                shutil.rmtree(folder)
                folder.symlink_to(copy.name)
    parses.clear()
    warm_items, warm_findings = load(example)
    cold_items, cold_findings = load(example, cache=False)
    assert warm_findings == cold_findings
    users = ((RELEASE, "file"), (INFO, "file"), (PAGE, "body"))[:len(changed)]
    assert {rel for rel, _ in users} <= set(parses)  # each item using one of those files was parsed again
    for rel, field in users:
        assert any(f.startswith(f"{rel}:") and "error" in f and f"field={field}" in f for f in warm_findings), rel
    assert [shape(i) for i in warm_items] == [shape(i) for i in cold_items]


def test_references_are_checked_in_the_tree_read_not_the_one_cached(example: Path) -> None:
    """An item kept from the working tree, read again from a commit that lacks its photo, is reported."""
    git = Git(example)
    git.run("init", "-q", "-b", "main")
    git.run("add", "-A")
    git.run("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "all")
    git.run("rm", "-q", "--cached", PHOTO)
    git.run("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "no photo")
    config = load_config(example)
    load_items(example, config, cache_root=example)  # kept from the working tree, where the photo is
    tree = GitTree(git, "HEAD")
    _, warm = load_items(tree, config, cache_root=example)
    _, cold = load_items(GitTree(git, "HEAD"), config)
    assert lines(warm) == lines(cold)
    assert any(f.path == RELEASE and f.field == "file" and "does not exist" in f.message for f in warm.errors)


def _config_change(root: Path, old: str, new: str) -> None:
    path = root / "warta.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "attribute"), [
    ('klasifikasi: "400.14.5.6"', 'klasifikasi: "400.14.5.7"', "klasifikasi"),
    ("timezone: Asia/Jakarta", "timezone: Asia/Makassar", "tz"),
])
def test_a_changed_configuration_parses_every_item_again(example: Path, parses: list[str], old: str, new: str,
                                                          attribute: str) -> None:
    before = {i.path: getattr(i, attribute) for i in load(example)[0]}
    _config_change(example, old, new)
    parses.clear()
    items, _ = load(example)
    assert sorted(parses) == sorted(i.path for i in items)
    after = {i.path: getattr(i, attribute) for i in items}
    assert after[RELEASE] != before[RELEASE]
    assert [shape(i) for i in items] == [shape(i) for i in load(example, cache=False)[0]]


def test_a_changed_size_limit_parses_again_and_reports_what_is_now_too_large(example: Path) -> None:
    load(example)
    text = (example / "warta.yml").read_text(encoding="utf-8")
    (example / "warta.yml").write_text(text + "limits:\n  body_bytes: 2000\n", encoding="utf-8")
    items, findings = load(example)
    assert findings == load(example, cache=False)[1]
    assert any(f.startswith(RELEASE) and "limit" in f for f in findings)
    assert RELEASE not in {i.path for i in items}


@pytest.mark.parametrize("what", ["code", "dialect"])
def test_other_code_or_another_markdown_dialect_parses_every_item_again(
        example: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    load(example)
    if what == "code":
        monkeypatch.setattr(codedigest, "_code", "another version of warta")
    else:
        monkeypatch.setattr(itemcache, "FINGERPRINT", "another dialect")
    parses.clear()
    items, _ = load(example)
    assert sorted(parses) == sorted(i.path for i in items) and items


def _damage_truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _damage_flipped(data: bytes) -> bytes:
    return data[:-40] + bytes([data[-40] ^ 1]) + data[-39:]


def _damage_foreign(data: bytes) -> bytes:
    head, _, body = data.partition(b"\n")
    assert head.startswith(b"warta-items %d " % itemcache.FORMAT)
    return head.replace(b"warta-items %d " % itemcache.FORMAT, b"warta-items 99 ") + b"\n" + body


def _damage_garbage(data: bytes) -> bytes:
    return os.urandom(len(data))


@pytest.mark.parametrize("damage", [_damage_truncated, _damage_flipped, _damage_foreign, _damage_garbage,
                                    lambda data: b"", lambda data: data.partition(b"\n")[0]])
def test_a_damaged_cache_file_is_ignored_and_written_again(example: Path, parses: list[str], damage: Any) -> None:
    cold_items, cold_findings = load(example, cache=False)
    load(example)
    file = example / CACHE_DIRNAME / ITEMS_CACHE
    file.write_bytes(damage(file.read_bytes()))
    parses.clear()
    items, findings = load(example)
    assert sorted(parses) == sorted(i.path for i in items)  # nothing believed
    assert findings == cold_findings and [shape(i) for i in items] == [shape(i) for i in cold_items]
    parses.clear()
    load(example)
    assert parses == []  # the file was written again, whole


def _forged(root: Path, entries: Any) -> None:
    """A cache file whose first line is right for its body (what only a writer of the file can do)."""
    body = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
    (root / CACHE_DIRNAME / ITEMS_CACHE).parent.mkdir(parents=True, exist_ok=True)
    cache = itemcache.ItemCache(None, itemcache.context_digest(load_config(root)))
    (root / CACHE_DIRNAME / ITEMS_CACHE).write_bytes(cache.store.header(body) + body)


class _Runs:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("touch ran-from-the-cache",))


def test_a_cache_file_that_would_run_code_is_refused(example: Path, parses: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    load(example)
    _forged(example, {b"x" * 32: (_Runs(),)})
    monkeypatch.chdir(example)
    parses.clear()
    items, findings = load(example)
    assert not (example / "ran-from-the-cache").exists()
    assert sorted(parses) == sorted(i.path for i in items) and findings == []


def test_an_entry_under_the_right_key_that_is_not_an_item_is_not_used(example: Path, parses: list[str]) -> None:
    raw = (example / RELEASE).read_bytes()
    items = load(example, cache=False)[0]
    good = {itemcache.item_key(i.path, (example / i.path).read_bytes()) for i in items}
    _forged(example, {itemcache.item_key(RELEASE, raw): ("siaran-pers", "palsu"),
                      **{k: ("berita",) * 13 for k in good if k != itemcache.item_key(RELEASE, raw)}})
    parses.clear()
    warm, findings = load(example)
    assert sorted(parses) == sorted(i.path for i in items) and findings == []
    assert [shape(i) for i in warm] == [shape(i) for i in items]


def test_a_cache_the_repository_supplies_is_never_read_nor_written(example: Path, parses: list[str]) -> None:
    load(example)
    git = Git(example)
    git.run("init", "-q", "-b", "main")
    git.run("add", "-f", f"{CACHE_DIRNAME}/{ITEMS_CACHE}")  # committed: the repository could supply any entry
    before = (example / CACHE_DIRNAME / ITEMS_CACHE).read_bytes()
    parses.clear()
    items, _ = load(example)
    assert sorted(parses) == sorted(i.path for i in items)
    assert (example / CACHE_DIRNAME / ITEMS_CACHE).read_bytes() == before


def test_a_symlinked_cache_folder_is_never_used(example: Path, tmp_path: Path, parses: list[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (example / ".warta-cache").symlink_to(elsewhere)
    load(example)
    items, _ = load(example)  # not a repository: the items are kept in a temporary folder of this run's
    assert [i.meta.title for i in items] == [i.meta.title for i in load(example, cache=False)[0]]
    assert list(elsewhere.iterdir()) == []  # never read or written through the link


def test_runs_at_the_same_time_leave_one_whole_file(example: Path) -> None:
    """Eight processes load and save at once, each with other items changed: the file that is left is one
    of theirs, whole (it loads), never a mix."""
    script = (
        "import sys; from pathlib import Path\n"
        "from pipeline.config import load_config\n"
        "from pipeline.content import load_items\n"
        "root = Path(sys.argv[1])\n"
        "for n in range(3):\n"
        "    load_items(root, load_config(root), cache_root=root)\n"
    )
    for n, rel in enumerate(content_items(example)[:8]):
        path = example / rel
        path.write_bytes(path.read_bytes() + f"\nPerubahan {n}.\n".encode())
    procs = [subprocess.Popen([sys.executable, "-c", script, str(example)]) for _ in range(8)]
    assert [p.wait(timeout=300) for p in procs] == [0] * 8
    config = load_config(example)
    kept = itemcache.ItemCache.open(example, config)
    assert len(kept.stored) == len(load(example, cache=False)[0])
    assert not [p for p in (example / CACHE_DIRNAME / ITEMS_CACHE).parent.iterdir() if p.name.endswith(".tmp")]


def test_check_and_build_share_the_cache_and_report_the_same(example: Path, parses: list[str]) -> None:
    """``warta check`` (check_site) and the build's load_site read and fill the one cache."""
    (example / RELEASE).write_text((example / RELEASE).read_text(encoding="utf-8").replace(
        "image_alt: Peserta", "image_alt: ''\nx_unknown: 1\n#", 1), encoding="utf-8")
    cold = check_site(example)
    parses.clear()
    site = load_site(example, load_config(example))
    assert parses == [RELEASE]  # the release has findings; every other item was kept by the check
    warm = check_site(example)
    assert lines(warm.findings) == lines(cold.findings)
    assert any(f.path == RELEASE and f.field == "x_unknown" and f.line == 8 for f in warm.findings.errors)
    assert [i.path for i in site.items] == [i.path for i in cold.items]


def test_warta_check_prints_the_same_with_a_warm_cache_in_either_language(example: Path) -> None:
    (example / PAGE).write_text((example / PAGE).read_text(encoding="utf-8") + "\n![](tidak-ada.jpg)\n",
                                encoding="utf-8")
    env = {**os.environ, "WARTA_LANG": "id"}
    cold = run(example, env)
    assert "tidak-ada.jpg" in cold.stdout + cold.stderr and (example / CACHE_DIRNAME / ITEMS_CACHE).is_file()
    cached_en = run_warta("check", cwd=example)
    warm = run(example, env)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    (example / CACHE_DIRNAME / ITEMS_CACHE).unlink()
    fresh_en = run_warta("check", cwd=example)
    assert (cached_en.returncode, cached_en.stdout) == (fresh_en.returncode, fresh_en.stdout)


def run(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", "check"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_key_is_the_sha256_of_path_and_bytes() -> None:
    assert itemcache.item_key("content/a.md", b"xy") == hashlib.sha256(b"content/a.md\0xy").digest()
    assert itemcache.item_key("content/a.md", b"xy") != itemcache.item_key("content/b.md", b"xy")


def test_reading_many_files_refuses_what_reading_one_refuses(tmp_path: Path) -> None:
    """WorkTree.read_many looks at each folder once: a file under a linked folder (at any depth), a link, a
    FIFO and odd spellings are refused or read exactly as WorkTree.read does."""
    (tmp_path / "content/a/b").mkdir(parents=True)
    (tmp_path / "elsewhere/b").mkdir(parents=True)
    for folder in ("content/a/b", "elsewhere/b"):
        (tmp_path / folder / "x.md").write_text("x", encoding="utf-8")
    (tmp_path / "content/link").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "content/a/y.md").symlink_to(tmp_path / "content/a/b/x.md")
    os.mkfifo(tmp_path / "content/a/fifo.md")
    (tmp_path / "content/a/empty.md").write_bytes(b"")
    (tmp_path / "content/a/big.md").write_bytes(os.urandom(300_000))
    paths = ["content/a/empty.md", "content/a/big.md", "content/a/b/x.md", "content/link/b/x.md", "content/a/y.md",
             "content/a/fifo.md", "content/a//b/x.md",
             "content/a/./b/x.md", "content/link/../a/b/x.md", "content/missing/x.md", "content/a/b"]
    tree = WorkTree(tmp_path)
    one_by_one = {p: data for p in paths if (data := tree.read(p)) is not None}
    assert tree.read_many(paths) == one_by_one
    assert set(one_by_one) == {"content/a/empty.md", "content/a/big.md", "content/a/b/x.md", "content/a//b/x.md",
                               "content/a/./b/x.md"}
    assert one_by_one["content/a/big.md"] == (tmp_path / "content/a/big.md").read_bytes()


@pytest.mark.parametrize(("text", "body"), [
    ("\ufeff---\r\ntitle: Kunjungan ke Désa Wisata — Imogiri\r\ndate: 2025-03-01\r\n---\r\nIsi — ünïcödé\r\n",
     "Isi — ünïcödé\r\n"),
    ("---\ntitle: Satu\ndate: 2025-03-01\n...\nBaris\u2028lain\x85dan lagi — selesai.\n",
     "Baris\u2028lain\x85dan lagi — selesai.\n"),
    ("---   \ntitle: \"Dua ✓\"\ndate: 2025-03-01\n---\t\n", ""),
])
def test_a_kept_item_has_the_very_text_of_a_parsed_one(site: Path, parses: list[str], text: str, body: str) -> None:
    """BOM, CRLF, '...' closing, line separators Python splits on and multi-byte characters: a kept item's
    front matter, body and lines are those of the parse."""
    rel = "content/berita/2025/teks.md"
    (site / rel).parent.mkdir(parents=True)
    (site / rel).write_bytes(text.encode("utf-8"))
    (cold,), findings = load(site, cache=False)
    assert findings == [] and cold.body == body
    load(site)
    parses.clear()
    (warm,), _ = load(site)
    assert parses == []
    assert shape(warm) == shape(cold) and warm.body == body and warm.front == cold.front


@pytest.mark.parametrize(("path", "is_item"), [
    ("content/berita/2025/a.md", True), ("content/halaman/a.md", True), ("content/a.md", False),
    ("content/media/2025/a.md", False), ("content/berita/.draft/a.md", False), ("content/berita/2025/.a.md", False),
    ("content/.berita/a.md", False), ("content/berita/2025/a.txt", False), ("other/berita/a.md", False),
    ("content/berita/2025/désa.md", True), ("content/berita/2025/\udcff.md", False), ("content/berita/a..md", True),
])
def test_which_paths_are_content_items(path: str, is_item: bool) -> None:
    assert is_item_path(path) is is_item


def test_a_run_that_reads_a_few_items_keeps_the_others_entries(example: Path, parses: list[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """``warta status`` reads only the open items (``only``): the entries of the rest stay for the next check;
    a run over every item forgets entries beyond KEEP_UNUSED that it did not use."""
    monkeypatch.setattr(itemcache, "KEEP_UNUSED", 2)
    config = load_config(example)
    everything = load_items(example, config, cache_root=example)[0]
    path = example / RELEASE
    path.write_bytes(path.read_bytes() + b"\nSatu baris lagi.\n")
    load_items(example, config, [RELEASE], only=True, cache_root=example)
    parses.clear()
    load_items(example, config, cache_root=example)
    assert parses == []
    assert len(itemcache.ItemCache.open(example, config).stored) == len(everything) + 1  # the old release too
    for n, rel in enumerate(content_items(example)[:4]):
        (example / rel).write_bytes((example / rel).read_bytes() + f"\nUbah {n}.\n".encode())
    load_items(example, config, cache_root=example)
    assert len(itemcache.ItemCache.open(example, config).stored) == len(everything)  # only what it used


def test_publish_with_nothing_new_parses_no_item_again(tmp_path: Path, cast: dict[str, Person], parses: list[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``warta publish`` checks every item of main over its candidates folder: the second run, with nothing new,
    takes every item from the cache the first one filled (in the repository's .warta-cache, not the folder's)."""
    site = office(tmp_path, cast)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    first = approved_release(site, "bantuan-bibit")
    approved_release(site, "pelatihan-kader")
    code, doc = publish_json(site)
    assert code == 0, doc
    assert first in parses and (site.root / CACHE_DIRNAME / ITEMS_CACHE).is_file()
    parses.clear()
    code, again = publish_json(site)
    assert code == 0 and again["pages"] == doc["pages"] and again["held"] == doc["held"] == []
    assert parses == []


def _delta_file() -> str:
    main = Path(ITEMS_CACHE)
    return str(main.with_name(main.stem + ".delta" + main.suffix))


def _edit(root: Path, rel: str, n: int) -> None:
    (root / rel).write_bytes((root / rel).read_bytes() + f"\nUbah {n}.\n".encode())


def test_a_few_changed_items_go_to_a_delta_file_and_the_main_file_is_left_as_it_is(
        example: Path, parses: list[str]) -> None:
    """After one changed release the cache does not write every entry again: the main file keeps its bytes,
    the delta beside it holds the new entry, and the next run parses nothing and gives the items and
    findings a run without the cache gives."""
    load(example)
    main = example / CACHE_DIRNAME / ITEMS_CACHE
    before = main.read_bytes()
    _edit(example, RELEASE, 1)
    parses.clear()
    load(example)
    assert parses == [RELEASE]
    assert main.read_bytes() == before
    delta = example / CACHE_DIRNAME / _delta_file()
    assert delta.is_file() and len(delta.read_bytes()) < len(before) / 5
    parses.clear()
    warm, findings = load(example)
    assert parses == []
    cold, cold_findings = load(example, cache=False)
    assert findings == cold_findings and [shape(i) for i in warm] == [shape(i) for i in cold]
    _edit(example, INFO, 2)  # a second change: the delta holds both
    load(example)
    parses.clear()
    load(example)
    assert parses == [] and main.read_bytes() == before


def test_a_delta_over_another_main_file_is_never_read(example: Path, parses: list[str]) -> None:
    """The delta names the main file it was written over: once another run wrote the main file again (here:
    one with no entries at all, right for its body), the old delta's entries are not believed."""
    load(example)
    _edit(example, RELEASE, 1)
    load(example)
    assert (example / CACHE_DIRNAME / _delta_file()).is_file()
    _forged(example, {})
    parses.clear()
    items, _ = load(example)
    assert sorted(parses) == sorted(i.path for i in items)  # the delta's entry too


def test_a_damaged_delta_is_ignored_and_the_main_file_still_used(example: Path, parses: list[str]) -> None:
    load(example)
    _edit(example, RELEASE, 1)
    load(example)
    delta = example / CACHE_DIRNAME / _delta_file()
    data = bytearray(delta.read_bytes())
    data[-5] ^= 0xFF
    delta.write_bytes(bytes(data))
    parses.clear()
    items, findings = load(example)
    assert parses == [RELEASE]  # only the entry the delta held is parsed again
    assert findings == load(example, cache=False)[1]


def test_past_the_delta_limit_the_main_file_is_written_whole_and_the_delta_removed(
        example: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(itemcache, "DELTA_MOST", 2)
    load(example)
    main = example / CACHE_DIRNAME / ITEMS_CACHE
    delta = example / CACHE_DIRNAME / _delta_file()
    _edit(example, RELEASE, 1)
    load(example)
    assert delta.is_file()
    before = main.read_bytes()
    for n, rel in enumerate(content_items(example)[:3]):
        _edit(example, rel, 10 + n)
    load(example)
    assert main.read_bytes() != before and not delta.exists()
    parses.clear()
    load(example)
    assert parses == []
