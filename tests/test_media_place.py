"""pipeline.media.cache.place: the output's copy of a cached derivative or slide is a file of its own."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.media.cache import place


def _cached(tmp_path: Path) -> Path:
    cached = tmp_path / "cache" / "derivatives" / "ab" / "abcdef.webp"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"RIFF" + bytes(range(256)) * 4)
    return cached


def test_a_placed_file_written_in_place_leaves_the_cache_entry_as_it_was(tmp_path: Path) -> None:
    cached = _cached(tmp_path)
    kept = cached.read_bytes()
    dest = tmp_path / "site" / "media" / "x.webp"
    assert place(cached, dest)
    assert dest.read_bytes() == kept
    assert os.stat(dest).st_ino != os.stat(cached).st_ino
    with dest.open("r+b") as handle:  # as `dd conv=notrunc` or an editor saving in place would
        handle.write(b"\0" * 64)
    assert cached.read_bytes() == kept


def test_placing_again_over_an_edited_copy_puts_the_cached_bytes_back(tmp_path: Path) -> None:
    cached = _cached(tmp_path)
    dest = tmp_path / "slides" / "1.jpg"
    place(cached, dest)
    assert not place(cached, dest)  # the same bytes in a file of its own: nothing to do
    before = os.stat(dest)
    with dest.open("r+b") as handle:
        handle.write(b"\0" * 64)
    os.utime(dest, ns=(before.st_atime_ns, before.st_mtime_ns))  # size and time put back
    assert place(cached, dest)
    assert dest.read_bytes() == cached.read_bytes()


def test_an_output_file_that_is_a_hard_link_of_the_cache_is_replaced_by_a_copy(tmp_path: Path) -> None:
    """An output placed by an earlier warta (hard links) is unshared the next time it is placed."""
    cached = _cached(tmp_path)
    dest = tmp_path / "site" / "media" / "old.webp"
    dest.parent.mkdir(parents=True)
    os.link(cached, dest)
    assert place(cached, dest)
    assert os.stat(dest).st_ino != os.stat(cached).st_ino and dest.read_bytes() == cached.read_bytes()
