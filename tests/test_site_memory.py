"""What a site build keeps in memory once its pages are written: nothing of the pages (every body's HTML
lives in its payload) is left when the search index is finished, nor once the build returns. Real builds in
tmp_path (the search index is Pagefind's real run)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from pelican.contents import Article, Content

from pipeline.site import build_site, search_live
from pipeline.site.model import Payload
from tests.test_site_build import load, make_site


def _alive(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


def test_no_payload_of_the_build_is_left_when_the_search_index_is_finished(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Pagefind starts on a bundle while the pages are written (search_live); the bundles still to make run
    once the writer is done, and by then no payload (every body's HTML) is held."""
    root = make_site(tmp_path / "site")
    finish = search_live.Indexer.finish
    seen: list[int] = []
    gc.collect()  # what earlier tests left in cycles is not this build's
    earlier = [o for o in gc.get_objects() if isinstance(o, Payload)]  # other tests' (kept alive: ids stay theirs)
    known = {id(o) for o in earlier}

    def counting(self: search_live.Indexer, *args: Any, **kwargs: Any) -> Any:
        # this build's payloads still reachable, or held in cycles only a collection would free (none is run)
        seen.append(sum(1 for o in gc.get_objects() if isinstance(o, Payload) and id(o) not in known))
        return finish(self, *args, **kwargs)

    monkeypatch.setattr(search_live.Indexer, "finish", counting)
    result = build_site(load(root), root / "_site")
    assert seen == [0]
    assert len(result.published) > 3 and (root / "_site/siaran-pers/2025/bantuan-bibit/index.html").is_file()
    assert (root / "_site/pagefind/bundles.json").is_file()


def test_a_built_site_leaves_no_feed_article_in_pelicans_memo(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    build_site(load(root), root / "_site")
    assert (root / "_site/feeds/semua.atom.xml").is_file()
    memo = {**vars(Content)["get_content"].cache, **vars(Content)["get_summary"].cache}
    ours = [key for key in memo if str(getattr(key[0], "source_path", "")).startswith(str(root))]
    assert ours == []
    gc.collect()
    assert not [a for a in gc.get_objects() if isinstance(a, Article)
                and str(getattr(a, "source_path", "")).startswith(str(root))]
