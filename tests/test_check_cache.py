"""The one-item checks of ``warta check`` are kept by content (``.warta-cache/check/items.pickle``,
pipeline/checkcache.py): a run with the cache reports exactly what a run without it reports; a changed
item, a changed referenced photo, a changed SOP, configuration or people file, and other code each judge
again; a tampered, truncated or foreign cache file is never believed."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import Person, item_text, make_cast, make_site, release
from cli_helpers import copy_example, run_warta

import pipeline.checkcache as checkcache
from pipeline import privacy
from pipeline.cachedir import CACHE_DIRNAME, ITEM_CHECKS_CACHE, SET_CHECKS_CACHE
from pipeline.check import check_site

RELEASE = "content/siaran-pers/2025/pelatihan-manajemen-bumkal.md"
PHOTO = "content/media/2025/pelatihan-bumkal-pembukaan.jpg"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = copy_example(tmp_path)
    # findings worth keeping: a private phone number (error) and a placeholder body in another item
    text = (root / RELEASE).read_text(encoding="utf-8")
    (root / RELEASE).write_text(text.replace("ujar Kepala Dinas.", "ujar Kepala Dinas (HP 0812-3456-7890).", 1),
                                encoding="utf-8")
    return root


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each item was judged for personal data (the first of the kept checks)."""
    seen: Counter[str] = Counter()
    real = privacy.item_findings

    def counting(item: Any, allowed: Any = frozenset()) -> Any:
        seen[item.path] += 1
        return real(item, allowed)

    monkeypatch.setattr(privacy, "item_findings", counting)
    return seen


def check_json(root: Path) -> Any:
    proc = run_warta("check", "--json", cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def findings_of(root: Path) -> list[tuple[Any, ...]]:
    return [(f.path, f.line, f.message, f.field, f.severity, f.code) for f in check_site(root).findings.items]


def test_a_check_with_the_cache_prints_what_a_check_without_it_prints(example: Path) -> None:
    cold = check_json(example)
    assert (example / CACHE_DIRNAME / ITEM_CHECKS_CACHE).is_file()
    warm = check_json(example)
    shutil.rmtree(example / ".warta-cache")
    fresh = check_json(example)
    assert cold == warm == fresh
    assert any(f["path"] == RELEASE and f["severity"] == "error" and "0812" in f["message"]
               for f in warm["findings"])  # the kept error is still reported


def test_an_unchanged_item_is_not_judged_again_and_a_changed_one_is(example: Path, judged: Counter[str]) -> None:
    first = findings_of(example)
    items = set(judged)
    assert RELEASE in items and all(n == 1 for n in judged.values())
    judged.clear()
    assert findings_of(example) == first and not judged
    other = sorted(items - {RELEASE})[0]
    (example / other).write_text((example / other).read_text(encoding="utf-8") + "\nTambahan.\n", encoding="utf-8")
    findings_of(example)
    assert set(judged) == {other}


def test_a_changed_referenced_photo_judges_its_item_again(example: Path, judged: Counter[str]) -> None:
    findings_of(example)
    judged.clear()
    photo = example / PHOTO
    assert photo.is_file()
    photo.write_bytes(photo.read_bytes() + b"\0")  # other bytes, the same name
    findings_of(example)
    assert RELEASE in judged
    users = {p for p in judged}
    assert all(PHOTO.rsplit("/", 1)[1] in (example / p).read_text(encoding="utf-8") for p in users)


@pytest.mark.parametrize(("governed", "old", "new"), [
    ("warta.yml", "  short_name: DPMK Bantul", "  short_name: DPMK Kabupaten Bantul"),
    ("sop/people.yaml", "  kepala_bidang: Kepala Bidang", "  kepala_bidang: Kepala Bidang Pemberdayaan"),
    ("sop/pemutakhiran-website.yaml", "nama: Pemutakhiran Website", "nama: Pemutakhiran Laman Website"),
])
def test_a_changed_configuration_sop_or_people_file_judges_every_item_again(
        example: Path, judged: Counter[str], governed: str, old: str, new: str) -> None:
    findings_of(example)
    everything = set(judged)
    judged.clear()
    path = example / governed
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    findings_of(example)
    assert set(judged) == everything
    judged.clear()
    path.write_text(text.replace("\n", "\n# a comment changes nothing the check reads\n", 1), encoding="utf-8")
    findings_of(example)
    assert set(judged) == everything  # back to the first governance, whose entries were replaced


def test_other_code_judges_every_item_again(example: Path, judged: Counter[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    findings_of(example)
    everything = set(judged)
    judged.clear()
    monkeypatch.setattr(checkcache, "code_digest", lambda: "another-version-of-warta")
    findings_of(example)
    assert set(judged) == everything


def test_another_language_judges_again_and_says_it_in_that_language(example: Path, judged: Counter[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    english = findings_of(example)
    judged.clear()
    monkeypatch.setattr(checkcache, "get_language", lambda: "id-other")
    findings_of(example)
    assert judged
    monkeypatch.undo()
    assert findings_of(example) == english


def _forge(example: Path, how: str) -> None:
    file = example / CACHE_DIRNAME / ITEM_CHECKS_CACHE
    head, _, body = file.read_bytes().partition(b"\n")
    entries = pickle.loads(body)
    nothing = checkcache.Checked((), (), (), ())
    for key in entries:  # every kept verdict says "nothing found"
        entries[key] = (key, nothing)
    store = checkcache.ItemChecks(None, head.split(b" ")[2].decode()).store

    def consistent(kept: dict[str, Any]) -> None:  # a header whose digest is right for the forged entries
        data = pickle.dumps(kept)
        file.write_bytes(store.header(data) + data)

    if how == "edited":  # the entries changed, the header's digest left as it was
        file.write_bytes(head + b"\n" + pickle.dumps(entries))
    elif how == "other-keys":  # a consistent file whose entries sit under keys of other bytes
        moved = {hashlib.sha256(k.encode()).hexdigest(): (hashlib.sha256(k.encode()).hexdigest(), nothing)
                 for k in entries}
        consistent(moved)
    elif how == "wrong-key-field":  # consistent digest, each entry claiming another key
        consistent({key: (key[::-1], nothing) for key in entries})
    elif how == "wrong-shape":  # consistent digest, entries that are not kept checks
        consistent({key: (key, ("privacy", [])) for key in entries})
    elif how == "no-fields":  # consistent digest, an entry that is a Checked with none of its fields
        consistent({key: (key, object.__new__(checkcache.Checked)) for key in entries})
    elif how == "truncated":
        data = file.read_bytes()
        file.write_bytes(data[: len(data) // 2])
    elif how == "foreign":
        file.write_bytes(b'{"format": 1, "context": "x", "check": "y"}\n{}')
    elif how == "garbage":
        file.write_bytes(b"\xff\xfe not a cache at all")


@pytest.mark.parametrize("how", ["edited", "other-keys", "wrong-key-field", "wrong-shape", "no-fields", "truncated",
                                 "foreign", "garbage"])
def test_a_tampered_truncated_or_foreign_cache_is_not_believed(example: Path, how: str) -> None:
    first = findings_of(example)
    assert any(f[0] == RELEASE and f[4] == "error" and "0812" in f[2] for f in first)
    _forge(example, how)
    assert findings_of(example) == first


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Person]:
    return make_cast(tmp_path_factory.mktemp("keys"))


def test_status_shows_the_same_blocking_findings_with_and_without_the_cache(tmp_path: Path,
                                                                           cast: dict[str, Person]) -> None:
    site = make_site(tmp_path, cast)
    blocked = release(site, "nomor-pribadi", text=item_text(body="Hubungi 0812-3456-7890 untuk informasi."))
    site.switch("main")
    clean = release(site, "rilis-bersih")
    site.git("merge", "-q", "--no-edit", "rilis/nomor-pribadi", person=cast["rina"])
    runs = []
    for _ in range(2):
        proc = site.cli("status", "--json")
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout))
    # a few items are judged without the whole site's one-item cache; their whole check is kept (checksets)
    assert (site.root / CACHE_DIRNAME / SET_CHECKS_CACHE).is_file()
    assert not (site.root / CACHE_DIRNAME / ITEM_CHECKS_CACHE).exists()
    shutil.rmtree(site.root / ".warta-cache")
    proc = site.cli("status", "--json")
    assert runs[0] == runs[1] == json.loads(proc.stdout)
    found = {i["path"]: i["findings"] for i in runs[1]["items"]}
    assert [f["code"] for f in found[blocked]] == ["privacy.phone"] and found[clean] == []
