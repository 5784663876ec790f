"""``warta announce`` on its own, as the CI workflow runs it after ``warta publish`` (which gets no channel
tokens), and its usage errors; ``warta status`` says where an item goes; token expiry is warned about."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from approvals_helpers import PROJECT, Person, Site
from channel_servers import TOKEN, Platforms, channel_office
from publish_helpers import WIB, approved_release, isolated_env, publish_json, records

ENV = {"T_MASTODON": TOKEN, "T_TELEGRAM": TOKEN, "T_XK": "ck", "T_XS": "cs", "T_XT": "at", "T_XTS": "as"}


def warta(site: Site, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**site.env(site.cast["wahyu"], sign=False), "PYTHONPATH": str(PROJECT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=site.root, env=full, capture_output=True,
                          text=True, timeout=300)


def test_publish_without_tokens_leaves_the_posts_to_announce_which_sends_each_once(office: Site,
                                                                                   platforms: Platforms) -> None:
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    code, doc = publish_json(office)  # the publish job: no channel token in its environment
    assert code == 0, doc
    assert sum("not posted by this run" in w for w in doc["warnings"]) == 3
    assert platforms.requests == []
    dry = warta(office, "announce", "--dry-run", "--json", env=ENV)
    assert dry.returncode == 0, dry.stderr
    assert sorted(json.loads(dry.stdout)["planned"]) == [f"{path} → {c} (post)" for c in ("mastodon", "telegram", "x")]
    assert platforms.requests == []
    only = warta(office, "announce", "--channel", "telegram", env=ENV)
    assert only.returncode == 0, only.stdout + only.stderr
    assert len(platforms.posts("telegram")) == 1 and platforms.posts("mastodon") == []
    rest = warta(office, "announce", "--json", env=ENV)
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert json.loads(rest.stdout)["report"].startswith("_outbox/laporan-tautan/")
    again = warta(office, "announce", env=ENV)
    assert again.returncode == 0 and again.stdout.startswith("nothing to announce:")  # posts nothing again
    assert [len(platforms.posts(k)) for k in ("mastodon", "telegram", "x")] == [1, 1, 1]
    entries = {c["channel"]: c for c in records(office.root)[path]["channels"]}
    assert {entries[k]["state"] for k in ("mastodon", "telegram", "x")} == {"sent"}


def test_announce_without_a_token_records_the_failure_and_names_the_variable(office: Site,
                                                                             platforms: Platforms) -> None:
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    publish_json(office)
    result = warta(office, "announce", env={k: v for k, v in ENV.items() if k != "T_TELEGRAM"})
    assert result.returncode == 1
    assert "T_TELEGRAM" in result.stdout
    entry = next(c for c in records(office.root)[path]["channels"] if c["channel"] == "telegram")
    assert entry["state"] == "failed" and entry["retryable"] is True
    assert platforms.posts("telegram") == []


def test_usage_errors_exit_2_with_a_json_document(office: Site) -> None:
    path = approved_release(office, "bantuan-bibit")
    for args in (["announce", "--sent", "https://x.com/a/1"], ["announce", "--resolve", path, "x"],
                 ["announce", "--resolve", path, "x", "--sent", "javascript:alert(1)"],
                 ["announce", "--channel", "tiktok"]):
        result = warta(office, *args, "--json")
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        doc = json.loads(result.stdout)
        assert doc["error"]["exit_code"] == 2 and doc["error"]["message"]
        assert "Traceback" not in result.stderr
    # nothing uncertain to resolve
    publish_json(office, env=ENV)
    result = warta(office, "announce", "--resolve", path, "x", "--not-sent")
    assert result.returncode == 2 and "sent" in result.stderr


def test_status_says_where_each_item_will_go(office: Site) -> None:
    office.switch("rilis/kanal", create=True)
    office.write("content/siaran-pers/2025/kanal.md", "---\ntitle: Kanal\ndate: 2025-03-04\nkanal: [telegram]\n---\nIsi.\n")
    office.commit("Rilis kanal", office.cast["rina"])
    result = warta(office, "status", "--json")
    assert result.returncode == 0, result.stderr
    [item] = json.loads(result.stdout)["items"]
    assert item["channels"] == ["telegram"]
    text = warta(office, "status")
    assert "content/siaran-pers/2025/kanal.md: goes to telegram" in text.stdout


def test_a_token_about_to_expire_is_warned_about(tmp_path: Path, cast: dict[str, Person],
                                                monkeypatch: pytest.MonkeyPatch, platforms: Platforms) -> None:
    # the run's clock pinned to this moment in the site's time zone (WIB), so the days left are counted from
    # the same day the test counts from, whatever the hour in UTC
    now = dt.datetime.now(WIB).replace(microsecond=0)
    soon = (now.date() + dt.timedelta(days=5)).isoformat()
    office = channel_office(tmp_path, cast, platforms, extra=f"  ig: {{type: instagram, url: '{platforms.base}/v21.0', "
                            f"ig_user_id: '5678', token_env: T_IG, token_expires: {soon}}}\n")
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    approved_release(office, "bantuan-bibit")
    code, doc = publish_json(office, env={**ENV, "T_IG": TOKEN, "WARTA_NOW": now.isoformat()})
    assert any("channel ig" in w and "expires in 5 day" in w for w in doc["warnings"]), doc["warnings"]
