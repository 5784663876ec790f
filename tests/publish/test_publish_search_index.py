"""``warta publish`` always makes the search index: ``--no-search`` is an option of ``warta build`` (a
preview) only. Real git, signed approvals, the real Pagefind (tests/publish_helpers.py)."""

from __future__ import annotations

import json

from approvals_helpers import Site
from publish_helpers import approved_release, publish

NOT_BUILT = "tanpa indeks pencarian"


def test_publish_refuses_no_search_and_writes_the_index_after_a_preview_without_it(site: Site) -> None:
    approved_release(site, "bantuan-bibit")
    refused = publish(site, "--no-search")
    assert refused.returncode == 2 and "--no-search" in refused.stderr
    assert not (site.root / "_site").exists()  # nothing was published by the refused run

    preview = site.cli("build", "--no-search")
    assert preview.returncode == 0, preview.stderr
    assert not (site.root / "_preview" / "pagefind").exists()
    assert NOT_BUILT in (site.root / "_preview/cari/index.html").read_text(encoding="utf-8")

    done = publish(site)
    assert done.returncode == 0, done.stdout + done.stderr
    live = (site.root / "_site").resolve()
    bundles = json.loads((live / "pagefind/bundles.json").read_text(encoding="utf-8"))["bundles"]
    assert bundles and all((live / "pagefind" / name / "pagefind-entry.json").is_file() for name in bundles[:1])
    search = (live / "cari/index.html").read_text(encoding="utf-8")
    assert NOT_BUILT not in search and 'id="pencarian"' in search and "cari.js" in search
