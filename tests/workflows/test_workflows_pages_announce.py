"""With GitHub Pages the site goes live in the workflow's deploy job, after `warta publish`: so publish
posts to no channel, and `warta announce` (the workflow's next job) posts each release once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_helpers import PROJECT, SOP_RILIS, Person, Site, make_site
from publish_helpers import PUBLISH_YML, approved_release, isolated_env, publish_json, records

sys.path.append(str(Path(__file__).resolve().parents[1] / "channels"))  # the platforms stand-in, last on the path
from channel_servers import TOKEN, Platforms, serve  # noqa: E402

ENV = {"T_MASTODON": TOKEN}


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    yield from serve()


@pytest.fixture
def office(tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, platforms: Platforms) -> Site:
    channels = f"channels:\n  mastodon: {{type: mastodon, url: '{platforms.base}', token_env: T_MASTODON}}\n"
    text = (PUBLISH_YML[:PUBLISH_YML.index("channels:")] + channels
            + PUBLISH_YML[PUBLISH_YML.index("deploy:"):].replace("target: local", "target: pages"))
    sop = SOP_RILIS.replace("aksi: terbit_website", "aksi: [terbit_website, kirim_medsos]")
    made = make_site(tmp_path, cast, extra={"warta.yml": text, "sop/rilis-uji.yaml": sop})
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return made


def announce(site: Site) -> subprocess.CompletedProcess[str]:
    env = {**site.env(site.cast["wahyu"], sign=False), "PYTHONPATH": str(PROJECT), **ENV}
    return subprocess.run([sys.executable, "-m", "pipeline", "announce"], cwd=site.root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_with_pages_publish_posts_nothing_and_announce_posts_once_after_it(office: Site, platforms: Platforms) -> None:
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    code, doc = publish_json(office, env=ENV)
    assert code == 0, doc
    assert (office.root / "_site" / "siaran-pers/2025/bantuan-bibit/index.html").is_file()
    assert (office.root / "_site" / ".nojekyll").is_file()
    assert platforms.posts("mastodon") == []  # the site is not live on Pages yet
    assert "mastodon" not in {c["channel"] for c in records(office.root)[path]["channels"]}

    first = announce(office)  # the announce job, after deploy-pages
    assert first.returncode == 0, first.stdout + first.stderr
    assert [p.split("\n")[0] for p in platforms.posts("mastodon")] == ["Bantuan Bibit Cabai"]
    assert announce(office).returncode == 0
    assert len(platforms.posts("mastodon")) == 1  # never twice
