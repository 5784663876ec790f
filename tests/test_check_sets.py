"""``warta status`` keeps the content check's whole result for the items it shows
(``.warta-cache/check/sets.pickle``, :class:`pipeline.checkcache.SetChecks`): a second status with nothing
changed checks no item again, and anything the result depends on (an item's bytes, a referenced file
appearing, changing or going, a linked item going, the configuration, the classification table, the
language, a folder turned into a symbolic link) makes it check again and say what a fresh check says. A
damaged file is never believed, and a result that depends on the machine (a body that ran out of time) or
on bytes that changed while they were checked is not kept."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from approvals_helpers import Person, Site, isolated_site, item_text, release
from cli_helpers import PROJECT, copy_example

import pipeline.check as check
import pipeline.checkcache as checkcache
import pipeline.checksets as checksets
from pipeline.cachedir import CACHE_DIRNAME, SET_CHECKS_CACHE
from pipeline.checksets import CheckRun, SetChecks
from pipeline.errors import Finding, UsageError

PHOTOS = PROJECT.parent / "shared" / "testdata" / "photos"
RELEASE = "content/siaran-pers/2025/pelatihan-manajemen-bumkal.md"
PHOTO = "content/media/2025/pelatihan-bumkal-pembukaan.jpg"
CLASSIFIED = "content/berita/2025/musrenbang-kapanewon-sedayu.md"  # klasifikasi: "400.14.1.1"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many items each real run of the check examined (a kept result runs none)."""
    seen: list[int] = []
    real = check.check_site

    def counting(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        seen.append(len(result.checked))
        return result

    monkeypatch.setattr(check, "check_site", counting)
    return seen


def items_of(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in (root / "content").rglob("*.md"))


def blocking(root: Path, paths: list[str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """What status shows as blocking each item, as plain values."""
    found = check.check_items(root, paths or items_of(root), only=True).blocking
    return {path: [(f.path, f.line, f.message, f.field, f.severity, f.code) for f in findings]
            for path, findings in found.items()}


def fresh(root: Path, paths: list[str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """The same, with nothing kept."""
    shutil.rmtree(root / CACHE_DIRNAME, ignore_errors=True)
    return blocking(root, paths)


def codes(found: dict[str, list[tuple[Any, ...]]], path: str) -> list[str]:
    return [f[5] for f in found.get(path, [])]


def test_a_second_status_checks_nothing_again_and_says_the_same(example: Path, checks: list[int]) -> None:
    text = (example / RELEASE).read_text(encoding="utf-8")
    (example / RELEASE).write_text(text.replace("ujar Kepala Dinas.", "ujar Kepala Dinas (HP 0812-3456-7890).", 1),
                                   encoding="utf-8")
    first = blocking(example)
    assert "privacy.phone" in codes(first, RELEASE)
    assert (example / CACHE_DIRNAME / SET_CHECKS_CACHE).is_file()
    assert len(checks) == 1 and checks[0] == len(items_of(example))
    assert blocking(example) == first
    assert len(checks) == 1  # the kept result: no item was checked again
    assert fresh(example) == first


def test_an_edited_item_is_checked_again(example: Path, checks: list[int]) -> None:
    first = blocking(example)
    assert RELEASE not in first
    text = (example / RELEASE).read_text(encoding="utf-8")
    (example / RELEASE).write_text(text.replace("ujar Kepala Dinas.", "ujar Kepala Dinas (HP 0812-3456-7890).", 1),
                                   encoding="utf-8")
    again = blocking(example)
    assert len(checks) == 2
    assert "privacy.phone" in codes(again, RELEASE)
    assert again == fresh(example)


def test_a_missing_photo_that_appears_is_seen(example: Path, checks: list[int]) -> None:
    """The check looked for a file that was not there: the kept answer is "none", and a photo put there
    afterwards makes it look again."""
    path = "content/siaran-pers/2025/foto-baru.md"
    (example / path).write_text(
        (example / RELEASE).read_text(encoding="utf-8").replace("pelatihan-bumkal-pembukaan.jpg", "foto-baru.jpg", 1),
        encoding="utf-8")
    first = blocking(example, [path])
    assert "ref.invalid" in codes(first, path)
    assert blocking(example, [path]) == first and len(checks) == 1
    shutil.copy(example / PHOTO, example / "content/media/2025/foto-baru.jpg")
    seen = blocking(example, [path])
    assert len(checks) == 2
    assert "ref.invalid" not in codes(seen, path)
    assert seen == fresh(example, [path])


def test_a_referenced_photo_replaced_by_a_broken_one_is_seen(example: Path, checks: list[int]) -> None:
    first = blocking(example, [RELEASE])
    assert RELEASE not in first
    shutil.copy(PHOTOS / "corrupted.jpg", example / PHOTO)  # other bytes, the same name
    broken = blocking(example, [RELEASE])
    assert len(checks) == 2
    assert "photo.invalid" in codes(broken, RELEASE)
    assert broken == fresh(example, [RELEASE])


def test_a_referenced_photo_that_goes_is_seen(example: Path, checks: list[int]) -> None:
    blocking(example, [RELEASE])
    (example / PHOTO).unlink()
    gone = blocking(example, [RELEASE])
    assert len(checks) == 2
    assert "ref.invalid" in codes(gone, RELEASE)
    assert gone == fresh(example, [RELEASE])


def test_a_linked_item_that_goes_is_seen(example: Path, checks: list[int]) -> None:
    """The link's target is not among the items shown, and not a referenced file: the check asked the tree
    about it, and that answer is what is kept."""
    linking = "content/siaran-pers/2025/tautan.md"
    (example / linking).write_text(item_text(body="Lihat [rilis pelatihan](pelatihan-manajemen-bumkal.md)."),
                                   encoding="utf-8")
    first = blocking(example, [linking])
    assert "ref.invalid" not in codes(first, linking)
    (example / RELEASE).unlink()
    gone = blocking(example, [linking])
    assert len(checks) == 2
    assert "ref.invalid" in codes(gone, linking)
    assert gone == fresh(example, [linking])


def test_a_changed_classification_table_is_seen(example: Path, checks: list[int]) -> None:
    first = blocking(example, [CLASSIFIED])
    assert CLASSIFIED not in first
    shipped = yaml.safe_load((PROJECT / "pipeline/data/klasifikasi/permendagri-83-2022.yaml").read_text(encoding="utf-8"))
    shipped["codes"] = [c for c in shipped["codes"] if c["code"] != "400.14.1.1"]
    (example / "klasifikasi").mkdir()
    (example / "klasifikasi/permendagri-83-2022.yaml").write_text(yaml.safe_dump(shipped, allow_unicode=True),
                                                                  encoding="utf-8")
    changed = blocking(example, [CLASSIFIED])
    assert len(checks) == 2
    assert changed.get(CLASSIFIED), "the code is no longer in the site's table"
    assert changed == fresh(example, [CLASSIFIED])


def test_a_changed_configuration_checks_again(example: Path, checks: list[int]) -> None:
    blocking(example)
    config = example / "warta.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  short_name: DPMK Bantul",
                                                                 "  short_name: DPMK Kabupaten Bantul", 1),
                      encoding="utf-8")
    blocking(example)
    assert len(checks) == 2


def test_another_language_checks_again(example: Path, checks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    blocking(example)
    monkeypatch.setattr(checkcache, "get_language", lambda: "id-other")
    blocking(example)
    assert len(checks) == 2


def test_a_folder_turned_into_a_link_is_never_answered_from_the_kept_result(example: Path, checks: list[int]) -> None:
    items = items_of(example)
    blocking(example, items)
    real = example.parent / "elsewhere"
    shutil.move(example / "content/siaran-pers/2025", real)
    os.symlink(real, example / "content/siaran-pers/2025")
    assert checksets.plain_blobs(example, items) is None
    with pytest.raises(UsageError) as refused:
        blocking(example, items)
    assert len(checks) == 1  # no kept answer: the check itself ran again, and refused the items outside
    assert "not inside the site repository" in str(refused.value)


@pytest.mark.parametrize("damage", ["truncated", "edited", "foreign"])
def test_a_damaged_file_is_not_believed(example: Path, checks: list[int], damage: str) -> None:
    text = (example / RELEASE).read_text(encoding="utf-8")
    (example / RELEASE).write_text(text.replace("ujar Kepala Dinas.", "ujar Kepala Dinas (HP 0812-3456-7890).", 1),
                                   encoding="utf-8")
    first = blocking(example)
    file = example / CACHE_DIRNAME / SET_CHECKS_CACHE
    data = file.read_bytes()
    head, _sep, body = data.partition(b"\n")
    if damage == "truncated":
        file.write_bytes(data[: len(data) // 2])
    elif damage == "edited":  # the phone error made into nothing: the digest in the first line no longer fits
        file.write_bytes(data.replace(b"privacy.phone", b"privacy.xxxxx"))
    else:  # a well-formed file whose entry is not what this code writes
        entries = pickle.loads(body)
        entries = {key: (key, "not a result") for key in entries}
        forged = pickle.dumps(entries)
        store = checkcache.PickledFile(file, checksets.SET_MAGIC, checksets.SET_FORMAT,
                                       head.split(b" ")[2].decode(), {})
        file.write_bytes(store.header(forged) + forged)
    assert blocking(example) == first
    assert len(checks) == 2  # checked again


def result_for(root: Path, paths: list[str]) -> SetChecks:
    return SetChecks(root, "a context", paths)


def run_of(read: dict[str, bytes], blocking: dict[str, list[Finding]], *, settled: bool = True) -> CheckRun:
    return CheckRun(blocking, read, {}, {}, {}, settled)


def test_a_result_is_kept_only_for_the_bytes_the_key_names(example: Path) -> None:
    paths = [RELEASE]
    kept = result_for(example, paths)
    assert kept.blobs is not None and kept.reuse() is None
    other = (example / RELEASE).read_bytes() + b"\nditambah saat diperiksa\n"  # changed while it was checked
    finding = Finding(RELEASE, 3, "contoh", "body")
    assert kept.finish(None, run_of({RELEASE: other}, {RELEASE: [finding]})) == {RELEASE: [finding]}
    assert not (example / CACHE_DIRNAME / SET_CHECKS_CACHE).exists()
    assert result_for(example, paths).reuse() is None
    kept.finish(None, run_of({RELEASE: (example / RELEASE).read_bytes()}, {RELEASE: [finding]}))
    again = result_for(example, paths).reuse()
    assert again is not None and again.todo == [] and again.blocking == {RELEASE: [finding]}


def test_a_result_that_depends_on_the_machine_is_not_kept(example: Path) -> None:
    kept = result_for(example, [RELEASE])
    kept.finish(None, run_of({RELEASE: (example / RELEASE).read_bytes()}, {}, settled=False))
    assert result_for(example, [RELEASE]).reuse() is None


def test_a_body_that_runs_out_of_time_is_checked_again(example: Path, checks: list[int],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A rendering over ``limits.render_seconds`` depends on the machine's load: the result that holds it
    is not kept (the check's own finding code, body.render, says which it is)."""
    import pipeline.rendering as rendering

    real = rendering.render_errors

    def slow(bodies: Any, cache: Any, *, seconds: float = 1.0) -> list[str | None]:
        out = real(bodies, cache, seconds=seconds)
        return ["body: the Markdown could not be rendered (timeout)" if "BUMKal" in b else e
                for b, e in zip(bodies, out, strict=True)]

    monkeypatch.setattr(check, "render_errors", slow)
    first = blocking(example, [RELEASE])
    assert codes(first, RELEASE) == ["body.render"]
    assert blocking(example, [RELEASE]) == first
    assert len(checks) == 2  # not kept: checked again


def test_the_file_keeps_the_last_few_distinct_sets_and_one_state_of_each(example: Path) -> None:
    items = items_of(example)
    context = check._set_context(example, check.load_governance(example))
    for n in range(checksets.SETS_KEPT + 2):
        blocking(example, [items[n]])
    assert len(SetChecks(example, context, items).store.load()) == checksets.SETS_KEPT
    shutil.rmtree(example / CACHE_DIRNAME)
    blocking(example, items)
    blocking(example, items[1:])  # a new state of the same set: it replaces the first
    stored = SetChecks(example, context, items).store.load()
    assert len(stored) == 1
    ((_key, entry),) = stored.values()
    assert sorted(checksets._unpacked(entry.blobs)) == items[1:]


@pytest.fixture
def site(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> Site:
    return isolated_site(tmp_path, cast, monkeypatch)


def test_status_shows_a_fix_made_after_the_first_status(site: Site) -> None:
    """The operator's loop: status says what blocks the item, the item is fixed in the working tree, and
    the next status no longer says it (and the one after, from the kept result, neither)."""
    path = release(site, text=item_text(body="Tulis isi di sini."))
    first = site.cli("status").stdout
    assert f"{path}: blocked:" in first
    assert site.cli("status").stdout == first
    site.write(path, item_text(body="Bantul — bibit cabai diserahkan kepada 12 kelompok tani."))
    fixed = site.cli("status").stdout
    assert f"{path}: blocked:" not in fixed
    assert site.cli("status").stdout == fixed
    assert (site.root / CACHE_DIRNAME / SET_CHECKS_CACHE).is_file()


def test_file_ids_are_git_blob_ids_and_never_follow_or_wait(tmp_path: Path) -> None:
    import subprocess

    (tmp_path / "teks.md").write_bytes(b"Bantul\n" * 5000)
    os.symlink("teks.md", tmp_path / "tautan.md")
    os.mkfifo(tmp_path / "pipa")  # opening it to read would wait for a writer
    (tmp_path / "folder").mkdir()
    hashed = subprocess.run(["git", "hash-object", str(tmp_path / "teks.md")], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert checkcache.file_id(tmp_path, "teks.md") == hashed
    assert checkcache.file_id(tmp_path, "tautan.md") == "link"
    assert checkcache.file_id(tmp_path, "pipa") == "other"
    assert checkcache.file_id(tmp_path, "folder") == "other"
    assert checkcache.file_id(tmp_path, "tidak-ada.md") == "missing"
    assert checkcache.file_id(tmp_path, "teks.md/lagi") == "missing"


def write_release(root: Path, path: str, *changes: tuple[str, str]) -> None:
    """A copy of the release (its photos and all) at ``path``, with each (old, new) replaced once."""
    text = (root / RELEASE).read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text, encoding="utf-8")


def test_after_one_item_changed_only_it_is_checked_again(example: Path, checks: list[int]) -> None:
    items = items_of(example)
    blocking(example, items)
    text = (example / RELEASE).read_text(encoding="utf-8")
    (example / RELEASE).write_text(text.replace("ujar Kepala Dinas.", "ujar Kepala Dinas (HP 0812-3456-7890).", 1),
                                   encoding="utf-8")
    changed = blocking(example, items)
    assert checks == [len(items), 1]
    assert "privacy.phone" in codes(changed, RELEASE)
    assert changed == fresh(example, items)


def test_a_new_item_is_checked_alone_and_one_that_left_costs_nothing(example: Path, checks: list[int]) -> None:
    items = items_of(example)
    blocking(example, items[1:])
    joined = blocking(example, items)
    assert checks == [len(items) - 1, 1]
    left = blocking(example, items[2:])
    assert checks == [len(items) - 1, 1]  # nothing checked: the two items are dropped
    assert joined == fresh(example, items)
    assert left == fresh(example, items[2:])


def test_more_than_a_quarter_changed_checks_everything(example: Path, checks: list[int]) -> None:
    items = items_of(example)
    blocking(example, items)
    for path in items[: len(items) // 4 + 1]:
        (example / path).write_text((example / path).read_text(encoding="utf-8") + "\nTambahan.\n", encoding="utf-8")
    blocking(example, items)
    assert checks == [len(items), len(items)]


def test_a_photo_shared_with_an_item_that_left_is_checked_again(example: Path, checks: list[int]) -> None:
    """A broken photo's finding names every shown item that uses it: when one of them leaves the set, the
    other's finding changes, so the kept one is not used for it."""
    shutil.copy(PHOTOS / "corrupted.jpg", example / PHOTO)
    twin = "content/siaran-pers/2025/pelatihan-bumkal-kembar.md"
    write_release(example, twin)
    items = items_of(example)
    both = blocking(example, items)
    assert any(twin in f[2] for f in both[RELEASE] if f[5] == "photo.invalid")  # "used by" names the twin
    alone = blocking(example, [p for p in items if p != twin])
    assert alone == fresh(example, [p for p in items if p != twin])
    assert not any(twin in f[2] for f in alone[RELEASE])
    assert checks[1] == len(items) - 1  # everything was checked again


def test_a_changed_photo_checks_each_item_that_uses_it(example: Path, checks: list[int]) -> None:
    items = items_of(example)
    blocking(example, items)
    shutil.copy(PHOTOS / "corrupted.jpg", example / PHOTO)
    broken = blocking(example, items)
    users = [p for p in broken if any(f[5] == "photo.invalid" for f in broken[p])]
    assert RELEASE in users
    assert broken == fresh(example, items)
    assert checks[1] <= len(items) // 4


def test_a_slug_shared_with_an_item_that_left_is_checked_again(example: Path) -> None:
    twin = "content/siaran-pers/2024/pelatihan-manajemen-bumkal.md"  # the same slug, another year, no photo
    (example / twin).parent.mkdir(parents=True, exist_ok=True)
    (example / twin).write_text(item_text(body="Isi lain.").replace("date: 2025-03-04", "date: 2024-03-04"),
                                encoding="utf-8")
    items = items_of(example)
    both = blocking(example, items)
    assert "content.slug-duplicate" in codes(both, RELEASE)
    alone = blocking(example, [p for p in items if p != twin])
    assert "content.slug-duplicate" not in codes(alone, RELEASE)
    assert alone == fresh(example, [p for p in items if p != twin])


def test_a_changed_item_that_takes_another_items_slug_is_seen(example: Path) -> None:
    items = items_of(example)
    other = next(p for p in items if p.startswith("content/siaran-pers/") and p != RELEASE)
    blocking(example, items)
    text = (example / other).read_text(encoding="utf-8")
    (example / other).write_text(text.replace("---\n", "---\nslug: pelatihan-manajemen-bumkal\n", 1),
                                 encoding="utf-8")
    taken = blocking(example, items)
    assert "content.slug-duplicate" in codes(taken, RELEASE)  # the item that did not change says it too
    assert taken == fresh(example, items)


def test_a_changed_item_that_takes_another_items_photo_is_seen(example: Path, checks: list[int]) -> None:
    """The broken photo's finding names every item that uses it: an item that starts using it makes the
    finding of the one that did not change say so too."""
    shutil.copy(PHOTOS / "corrupted.jpg", example / PHOTO)
    items = items_of(example)
    before = blocking(example, items)
    other = next(p for p in items if p.startswith("content/pengumuman/"))
    assert not any(other in f[2] for f in before[RELEASE])
    text = (example / other).read_text(encoding="utf-8")
    photo = os.path.relpath(example / PHOTO, (example / other).parent)
    (example / other).write_text(text.rstrip("\n") + f"\n\n![Pembukaan pelatihan]({photo})\n", encoding="utf-8")
    after = blocking(example, items)
    assert any(other in f[2] for f in after[RELEASE] if f[5] == "photo.invalid")
    assert after == fresh(example, items)


def test_packed_pairs_come_back_as_they_were() -> None:
    pairs = {"content/berita/2025/a b.md": "0" * 40, "content/ü/\udcff.md": "berita/ü", "c": ""}
    assert checksets._unpacked(checksets._packed(pairs)) == pairs
    assert checksets._unpacked(b"tanpa-pasangan\0") == {}
    assert checksets._unpacked(b"") == {}


def test_a_few_items_read_alone_read_no_cache_of_every_item(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A branch's few items (or the few a kept status checks again) are parsed and judged: the parsed-item
    and one-item-check files of the whole site are neither read nor written, and the findings are those of
    a check that uses them."""
    from pipeline.cachedir import ITEM_CHECKS_CACHE, ITEMS_CACHE
    from pipeline.itemcache import PickledFile

    text = (example / RELEASE).read_text(encoding="utf-8")
    (example / RELEASE).write_text(text.replace("ujar Kepala Dinas.", "ujar Kepala Dinas (HP 0812-3456-7890).", 1),
                                   encoding="utf-8")
    whole = check.check_site(example, only=False)  # fills both caches
    wanted = [f.format() for f in whole.findings.items if f.path == RELEASE]
    assert any("0812" in line for line in wanted)
    files = [example / CACHE_DIRNAME / ITEMS_CACHE, example / CACHE_DIRNAME / ITEM_CHECKS_CACHE]
    before = [f.read_bytes() for f in files]
    opened: list[Path | None] = []
    real = PickledFile.load

    def load(self: PickledFile) -> dict[Any, Any]:
        opened.append(self.file)
        return real(self)

    monkeypatch.setattr(PickledFile, "load", load)
    few = check.check_site(example, [str(example / RELEASE)], only=True)
    assert [f.format() for f in few.findings.items if f.path == RELEASE] == wanted
    assert not set(files) & set(opened)
    assert [f.read_bytes() for f in files] == before


def test_a_status_answered_from_its_kept_check_does_not_load_the_phone_number_library(site: Site) -> None:
    import subprocess
    import sys

    # a number the personal-data check must look at (the office's own line: not personal, no finding)
    release(site, text=item_text(body="Informasi: (0274) 367 509 pada jam kerja.", summary='""'))
    code = ("import sys\nfrom pipeline.cli import main\ncode = main(['status'])\n"
            "print('LOADED' if 'phonenumbers' in sys.modules else 'LEAN', code)\n")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=site.root, env=site.env(), capture_output=True,
                           text=True, timeout=120) for _ in range(2)]
    assert [r.stdout.strip().splitlines()[-1] for r in runs] == ["LOADED 0", "LEAN 0"], runs[-1].stderr
    assert "blocked:" in runs[1].stdout  # what blocks the item is still said


KONTAK = "content/halaman/kontak.md"


def broken_kontak(root: Path) -> None:
    page = root / KONTAK
    page.write_text(page.read_text(encoding="utf-8").replace("menu: true", "menu: 7", 1), encoding="utf-8")


def uses_kontak(root: Path) -> str:
    """An item that gives another item's file as its photo."""
    path = "content/berita/2025/pendampingan-penyusunan-apbkal-2026.md"
    text = (root / path).read_text(encoding="utf-8")
    assert "image: ../../media/2025/pendampingan-apbkal.jpg" in text
    (root / path).write_text(text.replace("image: ../../media/2025/pendampingan-apbkal.jpg",
                                          "image: ../../halaman/kontak.md", 1), encoding="utf-8")
    return path


def test_a_files_own_finding_blocks_it_even_when_another_item_uses_it(example: Path) -> None:
    broken_kontak(example)
    user = uses_kontak(example)
    found = fresh(example)
    assert "field.type" in codes(found, KONTAK) or any(f[3] == "menu" for f in found.get(KONTAK, []))
    assert any(f[0] == KONTAK for f in found.get(user, []))  # and it counts for the item that uses the file


@pytest.mark.parametrize("change", ["the used item joins", "the used item leaves"])
def test_an_item_using_another_items_file_follows_that_item(example: Path, change: str) -> None:
    """The user's blocking holds the used item's errors: when that item joins or leaves the set (the
    user unchanged), the kept result of the user is not used."""
    broken_kontak(example)
    user = uses_kontak(example)
    items = items_of(example)
    without = [p for p in items if p != KONTAK]
    blocking(example, without if change == "the used item joins" else items)
    after = blocking(example, items if change == "the used item joins" else without)
    assert after == fresh(example, items if change == "the used item joins" else without)
    menu = [f for f in after.get(user, []) if f[0] == KONTAK and f[3] == "menu"]  # the page's own error
    assert bool(menu) == (change == "the used item joins")


def test_another_python_or_yaml_loader_checks_again(example: Path, checks: list[int],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    blocking(example)
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    blocking(example)
    assert len(checks) == 2
    monkeypatch.setattr(checkcache, "yamlio", types.SimpleNamespace(StrictLoader=type("PureLoader", (dict,), {})))
    blocking(example)
    assert len(checks) == 3


def forge_entry(root: Path, change: Any) -> None:
    """Rewrite the kept file's only entry with ``change`` applied, sealed as warta seals it."""
    file = root / CACHE_DIRNAME / SET_CHECKS_CACHE
    head, _sep, body = file.read_bytes().partition(b"\n")
    entries = pickle.loads(body)
    ((key, (_key, entry)),) = entries.items()
    entries[key] = (key, change(entry))
    forged = pickle.dumps(entries)
    store = checkcache.PickledFile(file, checksets.SET_MAGIC, checksets.SET_FORMAT, head.split(b" ")[2].decode(), {})
    file.write_bytes(store.header(forged) + forged)


class Hollow(Finding):
    pass


@pytest.mark.parametrize("forgery", ["no entry", "a finding without fields", "a number as message",
                                     "a reference outside", "a question outside", "an entry without fields",
                                     "a finding with a method of its own", "a reference through a link"])
def test_a_forged_entry_is_never_believed_nor_crashes(example: Path, checks: list[int], forgery: str) -> None:
    import dataclasses

    text = (example / RELEASE).read_text(encoding="utf-8")
    (example / RELEASE).write_text(text.replace("ujar Kepala Dinas.", "ujar Kepala Dinas (HP 0812-3456-7890).", 1),
                                   encoding="utf-8")
    first = blocking(example)

    def hollow(entry: Any) -> Any:
        finding = object.__new__(Finding)  # no field set at all
        return dataclasses.replace(entry, blocking=((RELEASE, (finding,)),))

    def number(entry: Any) -> Any:
        finding = object.__new__(Finding)
        for name, value in (("path", RELEASE), ("line", 1), ("message", 12345), ("field", None),
                            ("severity", "error"), ("code", None)):
            object.__setattr__(finding, name, value)
        return dataclasses.replace(entry, blocking=((RELEASE, (finding,)),))

    def extra(entry: Any) -> Any:
        finding = Finding(RELEASE, 1, "contoh")
        object.__setattr__(finding, "format", "not a method")
        return dataclasses.replace(entry, blocking=((RELEASE, (finding,)),))

    os.symlink("/", example / "content" / "lewat")  # a folder that is a link to the root of the machine
    through = "content/lewat/etc/hostname"

    changes = {"no entry": lambda entry: {},
               "an entry without fields": lambda entry: object.__new__(checksets.SetChecked),
               "a finding with a method of its own": extra,
               "a reference through a link": lambda entry: dataclasses.replace(
                   entry, references=((through, checkcache.file_id(example, through)),), blocking=()),
               "a finding without fields": hollow, "a number as message": number,
               # answers that are true, with the phone number's finding gone: believed, they would hide it
               "a reference outside": lambda entry: dataclasses.replace(
                   entry, references=(("/etc/hostname", checkcache.file_id(example, "/etc/hostname")),),
                   blocking=()),
               "a question outside": lambda entry: dataclasses.replace(
                   entry, looked=((("entry", "../../../../../../etc/hostname"), "file"),), blocking=())}
    forge_entry(example, changes[forgery])
    assert blocking(example) == first
    assert len(checks) == 2
    blocking(example)  # and what was written back is believed again
    assert len(checks) == 2


def test_a_download_many_items_link_is_read_once_per_run(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    download = "content/media/2025/lampiran-bersama.pdf"
    (example / download).write_bytes(b"%PDF-1.4\n" + b"0" * 100_000)
    items = [p for p in items_of(example) if p.startswith("content/siaran-pers/")][:6]
    for path in items:
        text = (example / path).read_text(encoding="utf-8")
        link = os.path.relpath(example / download, (example / path).parent)
        (example / path).write_text(text.rstrip("\n") + f"\n\n[Unduh lampiran]({link})\n", encoding="utf-8")
    read: list[str] = []
    real = checkcache.file_id

    def counting(root: Any, rel: str) -> str:
        read.append(rel)
        return real(root, rel)

    monkeypatch.setattr(checkcache, "file_id", counting)
    monkeypatch.setattr(checksets, "file_id", counting)
    blocking(example, items_of(example))
    assert read.count(download) <= 2  # once by the check, once as it is kept


def test_a_changed_item_that_starts_using_another_items_file_is_seen(example: Path) -> None:
    broken_kontak(example)
    items = items_of(example)
    blocking(example, items)
    user = uses_kontak(example)  # changed: now it gives the broken page as its photo
    after = blocking(example, items)
    assert any(f[0] == KONTAK for f in after.get(user, []))
    assert after == fresh(example, items)


def test_a_page_no_longer_used_as_a_photo_loses_that_finding(example: Path) -> None:
    """A page given as a photo carries the photo check's finding (its file is the photo); when the item
    that used it changes back, the page's kept finding goes with it."""
    items = items_of(example)
    user = "content/berita/2025/pendampingan-penyusunan-apbkal-2026.md"
    original = (example / user).read_text(encoding="utf-8")
    uses_kontak(example)
    used = blocking(example, items)
    assert "photo.invalid" in codes(used, KONTAK)
    (example / user).write_text(original, encoding="utf-8")
    after = blocking(example, items)
    assert "photo.invalid" not in codes(after, KONTAK)
    assert after == fresh(example, items)


def test_a_photo_replaced_while_it_is_checked_is_checked_again(example: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The photo is read by the photo check, then replaced by a broken one before the run ends: what that
    run found (nothing) is not kept under the new photo's id."""
    real = check._photo_findings

    def then_replaced(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        shutil.copy(PHOTOS / "corrupted.jpg", example / PHOTO)
        return found

    monkeypatch.setattr(check, "_photo_findings", then_replaced)
    first = blocking(example, [RELEASE])
    assert RELEASE not in first  # the photo it read was good
    monkeypatch.setattr(check, "_photo_findings", real)
    again = blocking(example, [RELEASE])
    assert "photo.invalid" in codes(again, RELEASE)
    assert again == fresh(example, [RELEASE])
