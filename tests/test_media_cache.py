"""The media cache: nothing re-encoded when nothing changed, exactly what changed re-encoded, stale files gone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.config import Board, MediaSection
from pipeline.media import MediaJob, build_media

PHOTOS = Path(__file__).parents[1].parent / "shared/testdata/photos"
SETTINGS = MediaSection(widths=[96, 200], jpeg_quality=60, webp_quality=50,
                        videotron=[Board(name="papan", width=192, height=96)])


def _jobs(focus: tuple[float, float] = (0.5, 0.5), channels: bool = False) -> list[MediaJob]:
    return [
        MediaJob(PHOTOS / "gps_DSCN0010.jpg", "content/media/a.jpg", ("content/berita/a.md",), focus, channels),
        MediaJob(PHOTOS / "orientation_landscape_6.jpg", "content/media/b.jpg", ("content/berita/b.md",)),
        MediaJob(PHOTOS / "Canon_40D.jpg", "content/media/c.jpg", ("content/berita/c.md",)),
    ]


def _identity(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Each file's inode, modification time and size: unchanged only if the file was not rewritten."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[str(path.relative_to(folder))] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def test_second_run_with_nothing_changed_encodes_nothing(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    first = build_media(_jobs(channels=True), site, cache, SETTINGS, workers=1)
    before_site, before_cache = _identity(site), _identity(cache)

    second = build_media(_jobs(channels=True), site, cache, SETTINGS, workers=1)

    assert first.encoded == sum(len(s.derivatives) for s in first.images.values()) > 0
    assert (second.encoded, second.reused, second.removed) == (0, first.encoded, 0)
    assert _identity(site) == before_site
    assert _identity(cache) == before_cache
    assert second.images == first.images


def test_a_fresh_output_folder_is_filled_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = build_media(_jobs(), tmp_path / "site-1", cache, SETTINGS, workers=1)

    second = build_media(_jobs(), tmp_path / "site-2", cache, SETTINGS, workers=1)

    assert second.encoded == 0
    for image in second.images.values():
        for item in image.derivatives:
            assert (tmp_path / "site-2" / item.url_path).read_bytes() == (
                tmp_path / "site-1" / item.url_path).read_bytes()
    assert first.images == second.images


def test_a_changed_setting_re_encodes_only_what_it_affects(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    first = build_media(_jobs(), site, cache, SETTINGS, workers=1)
    webp_count = sum(1 for s in first.images.values() for d in s.derivatives if d.format == "webp")

    changed = build_media(_jobs(), site, cache, SETTINGS.model_copy(update={"webp_quality": 70}), workers=1)

    assert changed.encoded == webp_count
    assert changed.removed == webp_count  # the old WebP files left the site
    old_urls = {d.url_path for s in first.images.values() for d in s.derivatives if d.format == "webp"}
    assert all(not (site / url).exists() for url in old_urls)


def test_a_moved_focal_point_redoes_only_the_crops(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    first = build_media(_jobs(channels=True), site, cache, SETTINGS, workers=1)

    moved = build_media(_jobs(focus=(0.1, 0.2), channels=True), site, cache, SETTINGS, workers=1)

    crops = [d for d in first.images["content/media/a.jpg"].derivatives if not d.preset.startswith("w")]
    assert moved.encoded == len(crops) == 6
    # A crop's address changes with it, so a platform that caches by address fetches the new picture.
    for old in crops:
        new = moved.images["content/media/a.jpg"].channel(old.preset)
        assert new is not None and new.url_path != old.url_path


def test_unused_derivatives_are_removed_and_foreign_files_kept(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    first = build_media(_jobs(), site, cache, SETTINGS, workers=1)
    foreign = [site / "media" / "lampiran.pdf", site / "media" / "2025" / "denah.png"]
    for path in foreign:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not ours")

    later = build_media(_jobs()[:1], site, cache, SETTINGS, workers=1)

    gone = [d.url_path for key in ("content/media/b.jpg", "content/media/c.jpg")
            for d in first.images[key].derivatives]
    assert later.removed == len(gone)
    assert all(not (site / url).exists() for url in gone)
    assert all(path.read_bytes() == b"not ours" for path in foreign)
    # The cache keeps only what the site uses now.
    cached = [p for p in (cache / "derivatives").rglob("*") if p.is_file()]
    assert len(cached) == len(later.images["content/media/a.jpg"].derivatives)


def test_the_same_photo_under_two_names_and_releases(tmp_path: Path) -> None:
    jobs = [MediaJob(PHOTOS / "Canon_40D.jpg", "content/media/x.jpg", ("a.md",)),
            MediaJob(PHOTOS / "Canon_40D.jpg", "content/media/x.jpg", ("b.md",), (0.2, 0.2), True),
            MediaJob(PHOTOS / "Canon_40D.jpg", "content/media/salinan.jpg", ("c.md",))]

    result = build_media(jobs, tmp_path / "site", tmp_path / "cache", SETTINGS, workers=1)

    assert set(result.images) == {"content/media/x.jpg", "content/media/salinan.jpg"}
    assert result.images["content/media/x.jpg"].channel("og") is not None
    assert result.images["content/media/salinan.jpg"].channel("og") is None
    # Identical bytes, identical settings: encoded once, published under both names.
    assert result.encoded == len(result.images["content/media/x.jpg"].derivatives)


def test_parallel_workers_give_the_same_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    serial = build_media(_jobs(), tmp_path / "one", tmp_path / "cache-1", SETTINGS, workers=1)
    parallel = build_media(_jobs(), tmp_path / "two", tmp_path / "cache-2", SETTINGS, workers=2, progress=True)

    assert parallel.images == serial.images
    assert parallel.encoded == serial.encoded
    for image in serial.images.values():
        for item in image.derivatives:
            assert (tmp_path / "one" / item.url_path).read_bytes() == (tmp_path / "two" / item.url_path).read_bytes()
    assert "media" in capsys.readouterr().err  # the progress bar goes to standard error
    assert os.listdir(tmp_path / "two" / "media")
