"""The previous output's pages checked by a helper process (pipeline/site/reuse_check.py): its verdicts
are those of the in-process check on every kind of damage, a build that uses them writes what a build
from nothing writes, and a helper that cannot start or fails leaves the check to the build itself."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipeline.site import build_site, output, reuse, reuse_check
from pipeline.site.build import _Build
from pipeline.site.reuse import PageCache, previous_pages
from tests.attacks.test_cache_attacks_pages import _same_as_from_nothing, _same_length_edit
from tests.test_site_build import load, make_site

PAGE = "siaran-pers/2025/pelatihan-bumkal/index.html"
OTHER = "siaran-pers/2025/bantuan-bibit/index.html"


def _deleted() -> None:
    """Wait for the background deleters of the old outputs (pipeline/site/output.py): each unlink of an old
    name of a page moves the change time of the file the new output shares with it, which the check
    before a link compares (a page whose change time moved is rendered again: right, but not what a
    test of the verdicts wants meanwhile)."""
    for deleter in list(output._DELETERS):
        assert deleter.wait(timeout=120) == 0


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A site built twice into ``_site`` (its pages recorded, the second time as hard links)."""
    root = make_site(tmp_path / "site")
    build_site(load(root), root / "_site")
    build_site(load(root), root / "_site")
    _deleted()
    return root


def _cache_root(root: Path) -> Path:
    return root / ".warta-cache"


def _in_process(root: Path, names: list[str]) -> dict[str, bool]:
    """What PageCache.usable says of each page without a helper (the reference)."""
    cache = PageCache(_cache_root(root), root / "_site", root / "_tmp", "base")
    return {n: cache.usable(n, cache.previous[n][0]) is not None for n in names}


def _helper(root: Path, names: list[str]) -> dict[str, bool]:
    checked = previous_pages(_cache_root(root), root / "_site")
    assert checked.proc is not None  # a helper is running
    cache = PageCache(_cache_root(root), root / "_site", root / "_tmp", "base", checked)
    verdicts = {n: cache.usable(n, cache.previous[n][0]) is not None for n in names}
    assert checked.intact() is not None  # the helper answered: its verdicts were the ones used
    return verdicts


def _damage(root: Path) -> list[str]:
    """One page of each kind of damage; returns the names, the intact ones first."""
    out = root / "_site"
    names = sorted(n for n in PageCache(_cache_root(root), out, root / "_tmp", "base").previous if n.endswith(".html"))
    intact, edited, replaced, linked, folder, gone = names[:6]
    _same_length_edit(out / edited, b"</html>", b"</htm!>", in_place=True)
    _same_length_edit(out / replaced, b"</html>", b"</htm!>", in_place=False)
    target = out / linked
    keep = target.read_bytes()
    target.unlink()
    (root / "elsewhere.html").write_bytes(keep)
    target.symlink_to(root / "elsewhere.html")  # the same bytes, through a link: never read
    (out / folder).unlink()
    (out / folder).mkdir()
    (out / gone).unlink()
    return [intact, edited, replaced, linked, folder, gone]


def test_the_helper_says_what_the_in_process_check_says(built: Path) -> None:
    names = _damage(built)
    reference = _in_process(built, names)
    assert reference == {names[0]: True, **{n: False for n in names[1:]}}
    assert _helper(built, names) == reference


def test_a_forged_record_is_not_believed_by_the_helper(built: Path) -> None:
    """A record naming the bytes of another page, or of another shape, is checked against the file
    itself: nothing the record claims is believed without the bytes."""
    out = built / "_site"
    file = reuse._cache_file(_cache_root(built), out)
    data = json.loads(file.read_text(encoding="utf-8"))
    pages = data["pages"]
    pages[PAGE] = [*pages[PAGE][:4], pages[OTHER][4]]  # another page's digest
    pages[OTHER] = [pages[OTHER][0], "x", *pages[OTHER][2:]]  # not a size
    pages["../../elsewhere.html"] = pages.pop(sorted(n for n in pages if n.endswith(".html") and n not in (PAGE, OTHER))[0])
    pages["a\u0000b"] = [pages[PAGE][0], 1, 2, 3, "0" * 64]
    file.write_text(json.dumps(data), encoding="utf-8")
    checked = previous_pages(_cache_root(built), out)
    intact = checked.intact()
    assert intact is not None and not {PAGE, OTHER, "../../elsewhere.html", "a\u0000b"} & intact.keys()
    assert len(intact) == len(pages) - 4
    reference = _in_process(built, sorted(pages))
    assert reference == {n: n in intact for n in sorted(pages)} | {"../../elsewhere.html": reference["../../elsewhere.html"]}
    assert reference["../../elsewhere.html"] is False  # no such file: the helper does not even look outside


def test_verdicts_on_another_version_of_the_record_are_not_taken(built: Path) -> None:
    """The helper reads the record itself: when it read other bytes than this build (a build writing the
    record meanwhile), its verdicts are not taken and every page is checked in process."""
    out = built / "_site"
    file = reuse._cache_file(_cache_root(built), out)
    checked = previous_pages(_cache_root(built), out)
    checked.expected = hashlib.sha256(file.read_bytes() + b" ").hexdigest().encode()  # as if it had changed
    assert checked.intact() is None
    cache = PageCache(_cache_root(built), out, built / "_tmp", "base", checked)
    assert cache.usable(PAGE, cache.previous[PAGE][0]) is not None  # checked in process instead


def test_a_build_with_the_helper_is_the_build_from_nothing(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    _same_length_edit(out / PAGE, b"Teks biasa.", b"Teks palsu.", in_place=True)
    again = build_site(load(root), out)
    assert again.reused > 0
    assert b"Teks palsu." not in (out / PAGE).read_bytes()
    _same_as_from_nothing(root, tmp_path)


@pytest.mark.parametrize("failure", ["no start", "fails"])
def test_without_the_helpers_verdicts_the_build_checks_every_page_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    real = subprocess.Popen

    def popen(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        if args[-1] != reuse_check._HELPER:
            return real(args, **kwargs)
        if failure == "no start":
            raise OSError(2, "No such file or directory")
        return real([args[0], "-c", "import sys; sys.stdin.buffer.read(); sys.exit(3)"], **kwargs)

    monkeypatch.setattr(reuse_check.subprocess, "Popen", popen)
    _same_length_edit(out / PAGE, b"Teks biasa.", b"Teks palsu.", in_place=True)
    again = build_site(load(root), out)
    assert again.reused > 0  # the pages were still reused, checked in process
    assert b"Teks palsu." not in (out / PAGE).read_bytes()
    _same_as_from_nothing(root, tmp_path)


def test_the_helper_gets_no_secret_of_the_environment(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, str]] = []
    real = subprocess.Popen

    def popen(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        if args[-1] == reuse_check._HELPER:
            seen.append(dict(kwargs["env"]))
        return real(args, **kwargs)

    monkeypatch.setenv("WARTA_DEPLOY_TOKEN", "rahasia")
    monkeypatch.setattr(reuse_check.subprocess, "Popen", popen)
    checked = previous_pages(_cache_root(built), built / "_site")
    assert checked.intact()
    assert seen and all("WARTA_DEPLOY_TOKEN" not in env and "rahasia" not in env.values() for env in seen)


def test_nothing_recorded_starts_no_helper(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    checked = previous_pages(root / ".warta-cache", root / "_site")
    assert checked.proc is None and checked.intact() is None


def test_a_failed_build_stops_the_helper(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[reuse_check.PreviousPages] = []
    real = reuse.previous_pages

    def spy(root: Path, output: Path) -> reuse_check.PreviousPages:
        started.append(real(root, output))
        return started[-1]

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("payloads failed")

    monkeypatch.setattr("pipeline.site.build.previous_pages", spy)
    monkeypatch.setattr("pipeline.site.build._Build.payloads", broken)
    with pytest.raises(RuntimeError):
        build_site(load(built), built / "_site")
    assert started and started[0].proc is None  # stopped and waited for
    assert (built / "_site" / PAGE).is_file()  # the previous output stays whole


@pytest.mark.parametrize("edit", ["in place", "replaced"])
def test_a_page_edited_while_the_build_runs_is_rendered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """The helper checks the previous output early; a page edited after that (size and modification time
    put back, in place or replaced by another file) is not linked: its change time moved."""
    root = make_site(tmp_path / "site")
    out = root / "_site"
    build_site(load(root), out)
    build_site(load(root), out)  # the pages are hard links now, as after any build with reuse
    _deleted()
    real = _Build.render

    def render(self: _Build, chosen: list[Any]) -> None:
        assert self.previous is not None and self.previous.intact()  # the helper has answered
        _same_length_edit(out / PAGE, b"Teks biasa.", b"Teks palsu.", in_place=edit == "in place")
        real(self, chosen)

    monkeypatch.setattr(_Build, "render", render)
    again = build_site(load(root), out)
    assert again.reused > 0
    assert b"Teks palsu." not in (out / PAGE).read_bytes()
    monkeypatch.setattr(_Build, "render", real)
    _same_as_from_nothing(root, tmp_path)


def test_a_record_nested_too_deep_is_no_record(built: Path) -> None:
    """A forged record the JSON parser cannot read (nested past its depth) is ignored: the build renders
    every page, leaves no temporary folder and finishes."""
    out = built / "_site"
    reuse._cache_file(_cache_root(built), out).write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = build_site(load(built), out)
    assert result.reused == 0 and (out / PAGE).is_file()
    assert not [p for p in built.iterdir() if ".building-" in p.name]


def test_a_helper_stopped_before_it_answers_is_waited_for(built: Path) -> None:
    checked = previous_pages(_cache_root(built), built / "_site")
    proc = checked.proc
    assert proc is not None
    checked.close()
    assert proc.returncode is not None  # reaped: no zombie
    assert proc.stdout is not None and proc.stdout.closed
    assert checked.intact() is None  # and no verdicts: every page is checked in process


def test_a_page_whose_old_name_is_deleted_meanwhile_is_rendered_again_not_linked(built: Path) -> None:
    """The one thing besides an edit that moves a page's change time after the helper's check: an old
    output's deleter unlinking another name of the same file. The page is then rendered (the same bytes),
    never linked on the helper's word."""
    out = built / "_site"
    checked = previous_pages(_cache_root(built), out)
    cache = PageCache(_cache_root(built), out, built / "_tmp", "base", checked)
    found = checked.intact()
    assert found is not None and PAGE in found
    other_name = built / "other-name.html"
    os.link(out / PAGE, other_name)  # another name, then gone: the file's change time moved twice
    other_name.unlink()
    assert cache.usable(PAGE, cache.previous[PAGE][0]) is None
    assert cache.usable(OTHER, cache.previous[OTHER][0]) is not None
